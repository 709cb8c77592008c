"""Statement fingerprints: one shape for statements that differ only in literals.

A single regular-expression pass, so that fingerprinting millions of statements
stays cheap: literals and parameters become `?`, comments vanish, whitespace
collapses, unquoted words fold to lower case and IN / VALUES lists of any length
become one element. Quoted identifiers are kept exactly, since "User" and user
are different tables. Booleans and NULL stay as written: `"isDeleted" = false`
and `= true` are different shapes, which partial-index advice relies on.
"""

from __future__ import annotations

import hashlib
import re

_TOKEN = re.compile(
    r"""
      (?P<str>[eEbBxXnN]?'(?:[^'\\]|''|\\.)*'(?:\s*'(?:[^']|'')*')*)
    | (?P<ident>"(?:[^"]|"")*")
    | (?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?P=tag)?\$)
    | (?P<param>\$\d+|%s|%\(\w+\)s|\?)
    | (?P<comment>--[^\n]*|/\*.*?\*/)
    | (?P<num>(?<![\w$])(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<word>[A-Za-z_][\w$]*)
    | (?P<space>\s+)
    """,
    re.S | re.X,
)
_LIST = re.compile(r"\(\s*\?(?:\s*,\s*\?)*\s*\)")
_ROWS = re.compile(r"(\(\?\))(?:\s*,\s*\(\?\))+")
_ARRAY = re.compile(r"array\s*\[\s*\?(?:\s*,\s*\?)*\s*\]")


def _replace(m: re.Match[str]) -> str:
    kind = m.lastgroup
    if kind == "word":
        return m.group().lower()
    if kind == "ident":
        return m.group()
    if kind in ("space", "comment"):
        return " "
    return "?"


def normalize(sql: str) -> str:
    """The statement's shape as text: what the fingerprint hashes."""
    text = _TOKEN.sub(_replace, sql)
    text = _LIST.sub("(?)", text)
    text = _ARRAY.sub("array[?]", text)
    text = _ROWS.sub(r"\1", text)
    text = re.sub(r" +", " ", text).strip().rstrip(";").strip()
    return text


def fingerprint(sql: str) -> str:
    """A short stable hash of the statement's shape."""
    return hashlib.blake2b(normalize(sql).encode(), digest_size=8).hexdigest()
