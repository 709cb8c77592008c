"""Read ORM query logs: Prisma's and Django's, which is what app developers have in CI.

**Prisma** (``log: ['query']``, ``DEBUG=prisma:query``, or a ``$on('query')`` handler):

- ``prisma:query SELECT ... WHERE "id" = $1 LIMIT $2`` lines, possibly after a
  timestamp (the debug module's ISO time when not on a terminal) and with its
  ``+3ms`` suffix;
- ``Query: ...`` / ``Params: [...]`` / ``Duration: 3ms`` lines, as the
  documented event handler prints them; ``Params`` and ``Duration`` lines also
  attach to the ``prisma:query`` line before them;
- query events written as JSON lines (``{"query": ..., "params": "[1,0]",
  "duration": 3, "timestamp": ...}``).

Parameters become the shape's sample literals (``$n`` in the text stays).

**Django** (``django.db.backends`` at DEBUG): ``(0.002) SELECT ...; args=(1,);
alias=default`` whatever the formatter puts before it; the SQL may span lines.
With PostgreSQL the SQL is the one sent, parameters already in it; ``%s``
placeholders that remain are filled from ``args`` when they parse.

Both are one session per file (per database alias for Django), which is what an
N+1 looks like in a test run or a single worker. Lines that are neither are the
application's own output and are passed over quietly (counted in the summary).
"""

from __future__ import annotations

import ast
import datetime
import decimal
import json
import math
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexadvisor.sources.pglog import duration_ms, parse_ts
from indexadvisor.sources.textio import LineReader, Problems
from indexadvisor.sources.workload import WorkloadBuilder

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ISO_TS = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?")
_PRISMA_QUERY = re.compile(r"prisma:query\s+(.*?)(?:\s+\+\d+(?:ms|s|m|h))?\s*$")
_QUERY = re.compile(r"^\s*(?:prisma:query\s+)?Query:\s+(.*)$")
_PARAMS = re.compile(r"^\s*(?:prisma:query\s+)?Params:\s+(.*)$")
_DURATION = re.compile(r"^\s*(?:prisma:query\s+)?Duration:\s+([\d.]+)\s*(ms|s)?")


def sql_literal(value: Any) -> str:
    """A JSON/Python value as SQL literal text."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time, uuid.UUID)):
        value = str(value)
    if not isinstance(value, str):
        value = json.dumps(value, default=str)
    return "'" + value.replace("'", "''") + "'"


def prisma_params(text: str) -> dict[int, str] | None:
    text = text.strip()
    try:
        values = json.loads(text)
    except (ValueError, RecursionError):
        if not (text.startswith("[") and text.endswith("]")):
            return None
        # Prisma prints dates unquoted: split on top-level commas
        values = [v.strip() for v in text[1:-1].split(",")] if text[1:-1].strip() else []
    if not isinstance(values, list):
        return None
    return {i + 1: sql_literal(v) for i, v in enumerate(values)}


class _Pending:
    __slots__ = ("sql", "line", "ts", "params", "ms")

    def __init__(self, sql: str, line: int, ts: float | None) -> None:
        self.sql, self.line, self.ts = sql, line, ts
        self.params: dict[int, str] | None = None
        self.ms: float | None = None


def read_prisma_log(path: Path, builder: WorkloadBuilder, problems: Problems,
                    on_progress: Callable[[int], None] | None = None) -> int:
    source = str(path)
    count = 0
    other = 0
    pending: _Pending | None = None

    def emit(p: _Pending | None) -> None:
        nonlocal count
        if p is None:
            return
        count += 1
        builder.add(p.sql, source, p.line, 1, p.ms, params=p.params, session="prisma", ts=p.ts, filter=True)

    for first, lines in LineReader(path, problems, on_progress):
        for i, text in enumerate(lines, first):
            if "\x1b" in text:
                text = _ANSI.sub("", text)
            if not text.strip():
                continue
            if text.lstrip().startswith("{") and '"query"' in text:
                emit(pending)
                pending = None
                try:
                    doc = json.loads(text)
                except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser follows
                    problems.add("query events that are not JSON", i, text)
                    continue
                query = doc.get("query") if isinstance(doc, dict) else None
                if not isinstance(query, str):
                    problems.add("query events without a query", i, text)
                    continue
                p = _Pending(query, i, _event_ts(doc.get("timestamp")))
                params = doc.get("params")
                p.params = prisma_params(params) if isinstance(params, str) else (
                    {k + 1: sql_literal(v) for k, v in enumerate(params)} if isinstance(params, list) else None)
                duration = doc.get("duration")
                if isinstance(duration, (int, float)) and not isinstance(duration, bool):
                    p.ms = duration_ms(duration)
                    if p.ms is None:
                        problems.add("query events with an unreadable duration", i, text)
                        continue
                emit(p)
                continue
            m = _PARAMS.match(text)
            if m:
                if pending is not None:
                    pending.params = prisma_params(m.group(1))
                continue
            m = _DURATION.match(text)
            if m:
                if pending is not None:
                    pending.ms = duration_ms(m.group(1), 1000.0 if m.group(2) == "s" else 1.0)
                    if pending.ms is None:
                        problems.add("durations that are not a number of milliseconds", i, text)
                continue
            m = _QUERY.match(text) or _PRISMA_QUERY.search(text)
            if m:
                emit(pending)
                t = _ISO_TS.search(text, 0, m.start())
                pending = _Pending(m.group(1), i, parse_ts(t.group()) if t else None)
                continue
            other += 1
    emit(pending)
    _summary(problems, "a Prisma query log", count, other)
    return count


def _event_ts(value: Any) -> float | None:
    if isinstance(value, (int, float)):
        try:
            seconds = float(value) / (1000.0 if value > 1e11 else 1.0)
        except OverflowError:
            return None
        return seconds if math.isfinite(seconds) else None
    if isinstance(value, str):
        m = _ISO_TS.search(value)
        return parse_ts(m.group()) if m else None
    return None


_DJANGO_START = re.compile(r"\((\d+\.\d+)\) ")
_DJANGO_END = re.compile(r"; args=(.*?)(?:; alias=(\w+))?\s*$", re.S)
MAX_DJANGO_LINES = 2000


def django_args(text: str) -> list | None:
    text = text.strip()
    if text in ("None", "()", "[]", "{}"):
        return []
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, (tuple, list)):
        return list(value)
    return None


def _fill_percent_s(sql: str, args: list) -> str | None:
    parts = sql.split("%s")
    if len(parts) - 1 != len(args):
        return None
    out = [parts[0]]
    for value, part in zip(args, parts[1:], strict=True):
        out.append(sql_literal(value))
        out.append(part)
    return "".join(out).replace("%%", "%")


def read_django_log(path: Path, builder: WorkloadBuilder, problems: Problems,
                    on_progress: Callable[[int], None] | None = None) -> int:
    source = str(path)
    count = 0
    other = 0
    buf: list[str] | None = None  # a statement spanning lines
    buf_line = 0
    buf_ms = 0.0
    buf_ts: float | None = None

    def emit(sql: str, args_text: str, alias: str | None, line: int, ms: float, ts: float | None) -> None:
        nonlocal count
        count += 1
        params = None
        if "%s" in sql:
            args = django_args(args_text)
            filled = _fill_percent_s(sql, args) if args is not None and args and not isinstance(args[0], (list, tuple)) else None
            if filled is not None:
                sql = filled
            else:
                params = {0: args_text}  # tells executions apart for N+1 detection
        builder.add(sql, source, line, 1, ms, params=params, session=f"django:{alias or 'default'}", ts=ts,
                    filter=True)

    for first, lines in LineReader(path, problems, on_progress):
        for i, text in enumerate(lines, first):
            if buf is not None:
                end = _DJANGO_END.search(text)
                if end:
                    buf.append(text[: end.start()])
                    emit("\n".join(buf), end.group(1), end.group(2), buf_line, buf_ms, buf_ts)
                    buf = None
                elif len(buf) < MAX_DJANGO_LINES:
                    buf.append(text)
                else:
                    problems.add("statements without their '; args=' end", buf_line, buf[0])
                    buf = None
                continue
            m = _DJANGO_START.search(text)
            if not m:
                if text.strip():
                    other += 1
                continue
            t = _ISO_TS.search(text, 0, m.start())
            ts = parse_ts(t.group().replace(",", ".")) if t else None
            ms = duration_ms(m.group(1), 1000.0)
            if ms is None:
                problems.add("statements with an unreadable duration", i, text)
                continue
            end = _DJANGO_END.search(text, m.end())
            if end:
                emit(text[m.end(): end.start()], end.group(1), end.group(2), i, ms, ts)
            else:
                buf, buf_line, buf_ms, buf_ts = [text[m.end():]], i, ms, ts
    if buf is not None:
        problems.add("statements without their '; args=' end", buf_line, buf[0])
    _summary(problems, "a Django django.db.backends log", count, other)
    return count


def _summary(problems: Problems, what: str, count: int, other: int) -> None:
    note = f"{problems.source}: read as {what}: {count:,} statements"
    if other:
        note += f"; {other:,} other lines (the application's own output) passed over"
    problems.note(note)
    if not count:
        problems.empty = f"the log has no statements in it: no line is a query of {what}"
