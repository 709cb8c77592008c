"""Read files of captured SQL: many statements per file, split on top-level semicolons.

The splitter is a small hand-written scanner rather than a full parse, so a
statement that sqlglot cannot parse does not stop the rest of the file from being
read. It understands what can hide a semicolon: single-quoted strings (with ''
and E'\\'' escapes), quoted identifiers, dollar-quoted strings ($$ and $tag$),
-- comments and nested /* */ comments.

Files are streamed: read in chunks (by ``textio.LineReader``, which decodes them
and counts what it cannot), the statements completed in a chunk are yielded, and
only the unfinished tail is carried into the next chunk, so memory stays bounded
whatever the file's size. A statement that never ends (an
unterminated quote or comment) is given up after ``MAX_STATEMENT`` characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from indexadvisor.model import SourceError
from indexadvisor.pg.lexing import dollar_quote_end, escape_string_at, skip_block_comment, skip_quoted
from indexadvisor.sources.textio import LineReader, Problems

MAX_STATEMENT = 64 << 20


class RawStatement:
    """A statement's text and the 1-based line where it starts."""

    __slots__ = ("sql", "line")

    def __init__(self, sql: str, line: int) -> None:
        self.sql = sql
        self.line = line

    def __repr__(self) -> str:
        return f"RawStatement({self.sql!r}, {self.line})"


_INTERESTING = re.compile(r"[;'\"$/\n-]")
_CODE = re.compile(r"\S")


def _split(text: str, first_line: int, final: bool) -> tuple[list[RawStatement], int, int]:
    """The statements ended in ``text``; with ``final`` the unterminated tail too.

    Returns (statements, offset where the unfinished tail starts, line at that offset).
    """
    out: list[RawStatement] = []
    n = len(text)
    i = 0
    line = first_line
    consumed, consumed_line = 0, first_line
    code_at: int | None = None  # offset of the statement's first code character
    while True:
        m = _INTERESTING.search(text, i)
        stop = m.start() if m else n
        if code_at is None:
            code = _CODE.search(text, i, stop)
            if code:
                code_at = code.start()
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
            i, line = skip_block_comment(text, i, line)
            continue
        if c == ";":
            if code_at is not None:
                out.append(RawStatement(text[code_at:i].strip(), line - text.count("\n", code_at, i)))
            i += 1
            code_at = None
            consumed, consumed_line = i, line
            continue
        if code_at is None:
            code_at = i
        if c == "'":
            i, line = skip_quoted(text, i, "'", line, backslash=escape_string_at(text, i))
            continue
        if c == '"':
            i, line = skip_quoted(text, i, '"', line, backslash=False)
            continue
        if c == "$":
            close = dollar_quote_end(text, i)
            if close is not None:
                line += text.count("\n", i, close)
                i = close
                continue
        i += 1
    if final:
        if code_at is not None:
            out.append(RawStatement(text[code_at:].strip(), line - text.count("\n", code_at, n)))
        return out, n, line
    return out, consumed, consumed_line


def split_statements(text: str, first_line: int = 1) -> Iterator[RawStatement]:
    """Yield the statements of a SQL text with the line each starts on."""
    statements, _, _ = _split(text, first_line, final=True)
    yield from statements


_COPY_FROM_STDIN = re.compile(r"^\s*COPY\s.+\sFROM\s+stdin\b[^;]*;\s*$", re.I)


class _CopyData:
    """Blanks the data of `COPY ... FROM stdin;` blocks (a `pg_dump` with data), up to the `\\.` line.

    pg_dump writes the COPY statement on one line and the rows after it, tab-separated: read
    as SQL, an apostrophe in the data would swallow the statements after it. The lines are
    blanked, not dropped, so the statements after a block keep their line numbers.
    """

    def __init__(self) -> None:
        self.inside = False

    def filter(self, lines: list[str]) -> list[str]:
        out = []
        for text in lines:
            if self.inside:
                self.inside = text.rstrip("\r") != "\\."
                out.append("")
                continue
            self.inside = _COPY_FROM_STDIN.match(text) is not None
            out.append(text)
        return out


def read_sql_file(path: Path, errors: list[SourceError], on_progress: Callable[[int], None] | None = None,
                  problems: Problems | None = None) -> Iterator[RawStatement]:
    """Yield the statements of one file, streaming.

    The file is read as ``LineReader`` reads it: compressed or not, any byte order mark,
    UTF-16 too, lines not in UTF-8 read as Latin-1, binary lines skipped. What could not be
    used is counted in ``problems``; without one, its first examples and a summary go to ``errors``.
    """
    tally = problems if problems is not None else Problems(str(path))
    buf = ""
    line = 1
    scanned = 0  # length of the unfinished tail the last scan found no end in
    copy_data = _CopyData()
    try:
        for _, lines in LineReader(Path(path), tally, on_progress):
            text = "\n".join(copy_data.filter(lines)) + "\n"
            buf = buf + text if buf else text
            if len(buf) < 2 * scanned:
                continue  # a long statement: read on before scanning it again (linear, not quadratic)
            statements, consumed, line_after = _split(buf, line, final=False)
            yield from statements
            if consumed:
                buf = buf[consumed:]
                line = line_after
            scanned = len(buf)
            if len(buf) > MAX_STATEMENT:
                errors.append(SourceError(str(path), line, f"statement longer than {MAX_STATEMENT >> 20} MB "
                                          "(an unterminated quote or comment?): skipped"))
                line += buf.count("\n")
                buf = ""
                scanned = 0
        yield from split_statements(buf, line) if buf.strip() else ()
    finally:
        if problems is None:
            errors.extend(tally.examples)
            summary = tally.summary()
            if summary and tally.total > len(tally.examples):
                errors.append(SourceError(str(path), None, summary))
