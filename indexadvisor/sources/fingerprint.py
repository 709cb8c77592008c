"""Statement fingerprints: one shape for statements that differ only in literals.

Statements that differ only in literals, parameter numbers, IN / VALUES / ARRAY
list lengths, whitespace, comments and keyword case get the same shape text
(``normalize``) and so the same fingerprint. Quoted identifiers keep their case,
since "User" and user are different tables. Booleans and NULL stay as written:
``"isDeleted" = false`` and ``= true`` are different shapes, which partial-index
advice relies on.

Fingerprinting runs once per statement of a log that can hold millions, so the
work is a handful of C-level passes with no Python callback per token:

1. one ``re.sub`` with a constant replacement turns string and numeric literals
   and parameters (``$1``, ``%s``, ``%(name)s``, ``?``) into ``?``; only text that
   holds comments or backslashes takes a slower, exact pass;
2. everything outside quoted identifiers is lower-cased;
3. whitespace collapses to one space and disappears next to punctuation;
4. lists of ``?`` collapse to one element.

``literals`` gives the literal values of a statement in text order, for the few
sample literal sets kept per shape.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from indexadvisor.pg.lexing import LIST_LIMIT, bound_lists

# A string literal, fast form: '' escapes are two adjacent strings, so
# '[^']*' repeated covers them without alternation.
_STR_FAST = r"'[^']*'(?:'[^']*')*"
# Exact form: E'...' strings take backslash escapes, standard strings do not.
_STR_EXACT = r"(?<![\w$])[eE]'(?:[^'\\]|''|\\.)*'|'[^']*'(?:'[^']*')*"
_PARAM_OR_DOLLAR = r"\$(?:\d+|(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?P=tag)?\$)|%s|%\(\w+\)s|\?"
_NUM = r"\b\d+(?:\.\d*)?(?:[eE][+-]?\d+)?\b"
_COMMENT = r"--[^\n]*|/\*.*?\*/"

# The lookaheads name every character a match can start with, which lets the
# regex engine skip to candidates instead of trying each alternative everywhere.
_LITS = re.compile(f"(?=[0-9'$%?])(?:{_PARAM_OR_DOLLAR}|{_STR_FAST}|{_NUM})", re.S)
_COMMENTED = re.compile(f"(?=[-/0-9'$%?])(?:(?P<c>{_COMMENT})|{_PARAM_OR_DOLLAR}|{_STR_FAST}|{_NUM})", re.S)
_EXACT = re.compile(f"(?P<c>{_COMMENT})|{_PARAM_OR_DOLLAR}|{_STR_EXACT}|{_NUM}", re.S)
_VALUES = re.compile(
    f"(?=[-/0-9'$%?eE])(?:(?P<c>{_COMMENT})|(?P<p>\\$\\d+)|(?P<v>\\$(?P<tag2>[A-Za-z_]\\w*)?\\$.*?\\$(?P=tag2)?\\$|{_STR_EXACT}|{_NUM}))",
    re.S,
)

_LIST = re.compile(r"\(\?(?:,\?)+\)")
_ROWS = re.compile(r"\(\?\)(?:,\(\?\))+")
_ARRAY = re.compile(r"array\[\?(?:,\?)*\]")
_NEG = re.compile(r"([=<>(,])-\?")
_DOT_NUM = re.compile(r"(?<![\w\")\]?])\.\?")  # .5: the digits became ?, the dot is left
_PUNCT = "(),=<>*+/|[]-;:"


def _exact_sub(m: re.Match[str]) -> str:
    return " " if m.group("c") is not None else "?"


def strip_literals(sql: str) -> str:
    """First pass: literals and parameters to ``?``, comments to a space."""
    if "\\" in sql:
        return _EXACT.sub(_exact_sub, sql)
    if "--" in sql or "/*" in sql:
        return _COMMENTED.sub(_exact_sub, sql)
    return _LITS.sub("?", sql)


def finish(text: str) -> str:
    """Second pass over ``strip_literals`` output: case, whitespace, lists."""
    if '"' in text:
        parts = text.split('"')
        parts[::2] = [p.lower() for p in parts[::2]]
        text = '"'.join(parts)
    else:
        text = text.lower()
    text = " ".join(text.split())
    for ch in _PUNCT:
        if ch in text:
            text = text.replace(" " + ch, ch).replace(ch + " ", ch)
    if "?," in text:
        text = _LIST.sub("(?)", text)
        if "(?)," in text:
            text = _ROWS.sub("(?)", text)
        if "array[" in text:
            text = _ARRAY.sub("array[?]", text)
    if ".?" in text:
        text = _DOT_NUM.sub("?", text)
    if "-?" in text:
        text = _NEG.sub(r"\1?", text)
    return text.rstrip(";")


def normalize(sql: str) -> str:
    """The statement's shape as text: what the fingerprint hashes."""
    return finish(strip_literals(sql))


def hash_shape(shape: str) -> str:
    """The fingerprint of a shape text (``normalize`` output)."""
    return hashlib.blake2b(shape.encode(), digest_size=8).hexdigest()


def fingerprint(sql: str) -> str:
    """A short stable hash of the statement's shape."""
    return hash_shape(normalize(sql))


def literals(sql: str, params: Mapping[int, str] | None = None) -> tuple[str, ...]:
    """The statement's literal values in text order, as SQL text.

    ``$n`` parameters are filled from ``params`` (number -> SQL literal) when it
    has them, and kept as ``$n`` otherwise. An IN or VALUES list longer than
    pg.lexing.LIST_LIMIT gives its first LIST_LIMIT values, as it is parsed and costed
    (pg.lexing.bound_lists): 2 million literals per sample would cost gigabytes.
    """
    if len(sql) >= 2 * LIST_LIMIT:
        sql = bound_lists(sql)[0]
    out: list[str] = []
    for m in _VALUES.finditer(sql):
        if m.group("c") is not None:
            continue
        p = m.group("p")
        if p is not None:
            out.append(params.get(int(p[1:]), p) if params else p)
        else:
            out.append(m.group("v"))
    return tuple(out)


def is_parameter(text: str) -> bool:
    """Whether a value's text is a `$n` parameter: bound at each call, a value that varies (an
    application that binds the others and writes this one in has it as a constant)."""
    return re.fullmatch(r"\$[0-9]+", text) is not None


_COUNT_BEFORE = re.compile(r"(?i)\b(?:limit|fetch\s+(?:first|next))\s*")


def limit_counts(sql: str) -> set[int]:
    """Which of ``literals`` are a LIMIT's (or FETCH FIRST's) count, by position: the page size an
    application writes in or binds, the same in every call, which says nothing of whether its
    filter's values vary (an OFFSET that varies does). Positions in the text ``literals`` reads
    (long lists bounded), found from the keywords: a statement without one costs a single search."""
    if len(sql) >= 2 * LIST_LIMIT:
        sql = bound_lists(sql)[0]
    ends = {m.end() for m in _COUNT_BEFORE.finditer(sql)}
    return {i for i, (start, _) in enumerate(literal_spans(sql)) if start in ends} if ends else set()


def literal_spans(sql: str) -> list[tuple[int, int]]:
    """Where each value of ``literals`` sits in ``sql`` (start, end)."""
    return [m.span() for m in _VALUES.finditer(sql) if m.group("c") is None]


def with_literals(sql: str, values: Sequence[str]) -> str | None:
    """The statement with its values (``literals``, in text order) replaced by these; None when
    it holds another number of them."""
    spans = literal_spans(sql)
    if len(spans) != len(values):
        return None
    out, last = [], 0
    for (start, end), value in zip(spans, values):
        out += [sql[last:start], value]
        last = end
    return "".join(out) + sql[last:]


def substitute(sql: str, params: Mapping[int, str]) -> str:
    """The statement with its ``$n`` parameters replaced by the logged values (SQL literals)."""
    out: list[str] = []
    last = 0
    for m in _VALUES.finditer(sql):
        p = m.group("p")
        if p is None:
            continue
        value = params.get(int(p[1:]))
        if value is None:
            continue
        out.append(sql[last:m.start()])
        out.append(value)
        last = m.end()
    if not out:
        return sql
    out.append(sql[last:])
    return "".join(out)


_LOG_PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*'(?:\.\.\.)?)")


def log_parameters(detail: str) -> dict[int, str]:
    """PostgreSQL's ``parameters: $1 = '42', $2 = NULL`` -> {1: "'42'", 2: "NULL"}."""
    return {int(n): v for n, v in _LOG_PARAM.findall(detail)}
