"""Read files of captured SQL: many statements per file, split on top-level semicolons.

The splitter is a small hand-written scanner rather than a full parse, so a
statement that sqlglot cannot parse does not stop the rest of the file from being
read, and a large file streams in one pass. It understands what can hide a
semicolon: single-quoted strings (with '' and E'\\'' escapes), quoted identifiers,
dollar-quoted strings ($$ and $tag$), -- comments and nested /* */ comments.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from indexadvisor.model import SourceError

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


class RawStatement:
    """A statement's text and the 1-based line where it starts."""

    __slots__ = ("sql", "line")

    def __init__(self, sql: str, line: int) -> None:
        self.sql = sql
        self.line = line


_INTERESTING = re.compile(r"[;'\"$/\n-]")
_CODE = re.compile(r"\S")


def split_statements(text: str, first_line: int = 1) -> Iterator[RawStatement]:
    """Yield the statements of a SQL text with the line each starts on."""
    n = len(text)
    i = 0
    line = first_line
    code_at: int | None = None  # offset of the statement's first code character
    while True:
        m = _INTERESTING.search(text, i)
        stop = m.start() if m else n
        if code_at is None:
            c = _CODE.search(text, i, stop)
            if c:
                code_at = c.start()
        if not m:
            break
        i = stop
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and text.startswith("/*", i):
            i, line = _skip_block_comment(text, i, line)
            continue
        if c == ";":
            if code_at is not None:
                yield RawStatement(text[code_at:i].strip(), line - text.count("\n", code_at, i))
            i += 1
            code_at = None
            continue
        if code_at is None:
            code_at = i
        if c == "'":
            escape = i > 0 and text[i - 1] in "eE" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_"))
            i, line = _skip_quoted(text, i, "'", line, backslash=escape)
            continue
        if c == '"':
            i, line = _skip_quoted(text, i, '"', line, backslash=False)
            continue
        if c == "$":
            tag = _DOLLAR_TAG.match(text, i)
            # $1 is a parameter, and a tag cannot follow an identifier character
            if tag and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
                close = text.find(tag.group(0), tag.end())
                close = n if close < 0 else close + len(tag.group(0))
                line += text.count("\n", i, close)
                i = close
                continue
        i += 1
    if code_at is not None:
        yield RawStatement(text[code_at:].strip(), line - text.count("\n", code_at, n))


def _skip_block_comment(text: str, i: int, line: int) -> tuple[int, int]:
    depth = 0
    n = len(text)
    while i < n:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i, line
        else:
            if text[i] == "\n":
                line += 1
            i += 1
    return n, line


def _skip_quoted(text: str, i: int, quote: str, line: int, backslash: bool) -> tuple[int, int]:
    n = len(text)
    i += 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif backslash and c == "\\":
            i += 2
            continue
        elif c == quote:
            if i + 1 < n and text[i + 1] == quote:
                i += 2
                continue
            return i + 1, line
        i += 1
    return n, line


def read_sql_file(path: Path, errors: list[SourceError]) -> Iterator[RawStatement]:
    """Yield the statements of one file; an unreadable file becomes one error."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError as exc:
        errors.append(SourceError(str(path), None, f"cannot read file: {exc.strerror or exc}"))
        return
    yield from split_statements(text)
