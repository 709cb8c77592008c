"""Read pg_stat_statements exports, so a DBA can hand over a file instead of access.

What ``psql``'s ``\\copy`` writes, the current database's rows with their datname:

- CSV with a header row:
  ``\\copy (SELECT d.datname, s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
  WHERE d.datname = current_database()) TO 'pgss.csv' WITH (FORMAT csv, HEADER)``;
- COPY's default text format with a header row (tab-separated, ``\\N`` nulls,
  backslash escapes): ``\\copy (...) TO 'pgss.tsv' WITH (HEADER)`` (PostgreSQL 15+);
- JSON, one object a line: ``\\copy (SELECT row_to_json(s) FROM pg_stat_statements s) TO 'pgss.json'``,
  or one array: ``\\copy (SELECT json_agg(s) FROM pg_stat_statements s) TO 'pgss.json'``.
  ``\\copy`` writes text format, which doubles every backslash of the JSON; both
  the escaped and the plain form are read.

The columns used are ``query``, ``calls``, ``total_exec_time`` (``total_time``
before PostgreSQL 13; or ``mean_exec_time`` x calls) and ``rows``, and ``dbid`` (and
``datname``, where the export joins pg_database) to tell databases apart; any others are
ignored, so a narrower ``SELECT query, calls, total_exec_time, rows`` works too.
Statements are filtered as the live reader filters them (utility statements,
catalog queries, the advisor's own).

pg_stat_statements holds every database's statements. An export of one database is read
whole. Of several, the rows of one are read (DatabaseChoice): the database --database names
(a name, matched against datname, or an OID, against dbid), else the database of the live
catalog (or of its snapshot); with neither, all of them, with a note saying which databases
the export mixes and how to choose one.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexadvisor.sources.pgss import keep
from indexadvisor.sources.textio import LineReader, Problems, file_size
from indexadvisor.sources.workload import WorkloadBuilder

_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.S)
_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
MAX_JSON_DOCUMENT = 1 << 30


def copy_unescape(text: str) -> str:
    """Undo COPY text format's backslash escapes."""
    if "\\" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        octal, hexa, ch = m.groups()
        if octal:
            return chr(int(octal, 8))
        if hexa:
            return chr(int(hexa, 16))
        return _SIMPLE.get(ch, ch)

    return _COPY_ESCAPE.sub(repl, text)


@dataclass(frozen=True)
class DatabaseChoice:
    """Which database's rows of an export to read (see the module's docstring)."""

    wanted: str | None = None  # --database: a name or an OID
    catalog_name: str | None = None  # the database the live catalog (or its snapshot) was read from
    catalog_oid: int | None = None


class _Columns:
    def __init__(self, names: list[str]) -> None:
        names = [n.strip().strip('"').lower() for n in names]
        self.query = _index(names, "query")
        self.calls = _index(names, "calls")
        self.total = _index(names, "total_exec_time", "total_time")
        self.mean = _index(names, "mean_exec_time", "mean_time")
        self.rows = _index(names, "rows")
        self.dbid = _index(names, "dbid")
        self.datname = _index(names, "datname")

    @property
    def usable(self) -> bool:
        return self.query is not None and self.calls is not None


def _index(names: list[str], *wanted: str) -> int | None:
    for w in wanted:
        if w in names:
            return names.index(w)
    return None


def _number(value: Any) -> float | None:
    if value is None or value == "" or value == "\\N":
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


# pg_stat_statements counts in bigint and times in double precision milliseconds; a value outside
# these (1e308 calls, an infinite or negative time) is not from pg_stat_statements: the row is bad input
MAX_COUNT = 2**63 - 1
MAX_MS = 1e15  # some 30,000 years


class _Bad(ValueError):
    """A row's value that cannot be pg_stat_statements': the kind of bad row it makes."""


def _bounded(value: Any, limit: float, what: str) -> float | None:
    """A count or a time: None when absent, else a number in [0, limit] (_Bad otherwise)."""
    n = _number(value)
    if n is None:
        if value is None or value == "" or value == "\\N":
            return None
        raise _Bad(f"rows with an unreadable {what}")
    if not 0 <= n <= limit:  # NaN fails this too
        raise _Bad(f"rows with a {what} out of range")
    return n


class _Adder:
    """Checks each row; keeps the good ones by database until finish() adds the chosen database's."""

    def __init__(self, builder: WorkloadBuilder, source: str, problems: Problems,
                 database: DatabaseChoice | None = None) -> None:
        self.keep = keep
        self.builder = builder
        self.source = source
        self.problems = problems
        self.database = database or DatabaseChoice()
        self.rows = 0
        # (dbid, datname) -> rows of that database: (line, query, calls, total ms, rows)
        self.by_database: dict[tuple[str | None, str | None], list[tuple[int, str, int, float | None, int | None]]] = {}

    def add(self, line: int, query: Any, calls: Any, total: Any, mean: Any, rows: Any,
            dbid: Any = None, datname: Any = None) -> None:
        if not isinstance(query, str) or not query.strip():
            self.problems.add("rows without a query", line, str(query))
            return
        try:
            n = _bounded(calls, MAX_COUNT, "calls count")
            if n is None:
                raise _Bad("rows with an unreadable calls count")
            total_ms = _bounded(total, MAX_MS, "total time")
            mean_ms = _bounded(mean, MAX_MS, "mean time") if total_ms is None else None
            rows_n = _bounded(rows, MAX_COUNT, "rows count")
        except _Bad as exc:
            self.problems.add(str(exc), line, f"calls={calls!s:.40} total={total!s:.40} mean={mean!s:.40} rows={rows!s:.40}")
            return
        self.rows += 1
        calls_n = int(n)
        if calls_n == 0:
            return
        if total_ms is None and mean_ms is not None:
            total_ms = mean_ms * calls_n
        key = (_text(dbid), _text(datname))
        self.by_database.setdefault(key, []).append(
            (line, query, calls_n, total_ms, int(rows_n) if rows_n is not None else None))

    def finish(self) -> None:
        """Add the rows of the chosen database (all, when the export does not tell databases apart)."""
        for key in self._chosen():
            for line, query, calls_n, total_ms, rows_n in self.by_database[key]:
                if not self.keep(query):
                    skipped = (self.source, "utility, catalog and the advisor's own statements")
                    self.builder.skipped[skipped] = self.builder.skipped.get(skipped, 0) + calls_n
                    continue
                self.builder.add(query, self.source, line, calls_n, total_ms, rows_n, filter=True)

    def _chosen(self) -> list[tuple[str | None, str | None]]:
        keys = list(self.by_database)
        choice = self.database
        if keys == [(None, None)] or not keys:
            if choice.wanted is not None and keys:
                self.problems.note(f"{self.source}: --database {choice.wanted}: the export has no dbid or datname "
                                   "column, so all of its rows are read")
            return keys
        if choice.wanted is not None:
            chosen = self._matching(keys, choice.wanted, by_name=not choice.wanted.isdigit())
            if chosen is None:
                return []
            if not chosen:
                self.problems.empty = f"no rows of database {choice.wanted} in the export: it holds {self._listing(keys)}"
            return self._left_out(keys, chosen, f"--database {choice.wanted}")
        if len(keys) == 1:
            return keys  # one database: read whole, whichever it is
        if choice.catalog_name is not None or choice.catalog_oid is not None:
            if any(name is not None for _, name in keys) and choice.catalog_name is not None:
                chosen = [k for k in keys if k[1] == choice.catalog_name]
            else:
                chosen = [k for k in keys if k[0] == _text(choice.catalog_oid)]
            if not chosen:
                self.problems.empty = (f"the export mixes {len(keys)} databases and none is the catalog's "
                                       f"({choice.catalog_name}, oid {choice.catalog_oid}): pass --database NAME-or-OID, "
                                       f"one of {self._listing(keys)}")
            return self._left_out(keys, chosen, f"the catalog's database ({choice.catalog_name})")
        self.problems.note(f"{self.source}: the export mixes {len(keys)} databases ({self._listing(keys)}), all "
                           "analysed against one catalog: pass --database NAME-or-OID to read one")
        return keys

    def _matching(self, keys: list[tuple[str | None, str | None]], wanted: str,
                  by_name: bool) -> list[tuple[str | None, str | None]] | None:
        """The keys of the database --database names; None (and the reason) when the export cannot tell."""
        if not by_name:
            return [k for k in keys if k[0] == wanted]
        if any(name is not None for _, name in keys):
            return [k for k in keys if k[1] == wanted]
        if self.database.catalog_name == wanted and self.database.catalog_oid is not None:
            return [k for k in keys if k[0] == _text(self.database.catalog_oid)]
        self.problems.empty = (f"--database {wanted}: the export has no datname column to match a name against: "
                               f"give the database's OID (one of {self._listing(keys)}), or export with "
                               "pg_database joined (see the README)")
        return None

    def _left_out(self, keys: list[tuple[str | None, str | None]], chosen: list[tuple[str | None, str | None]],
                  why: str) -> list[tuple[str | None, str | None]]:
        others = [k for k in keys if k not in chosen]
        if chosen and others:
            rows = sum(len(self.by_database[k]) for k in others)
            self.problems.note(f"{self.source}: read the rows of {why}; {rows:,} rows of {len(others)} other "
                               f"database(s) left out ({self._listing(others)})")
        return chosen

    def _listing(self, keys: list[tuple[str | None, str | None]]) -> str:
        parts = []
        for dbid, name in keys[:8]:
            label = " ".join(p for p in (name, f"dbid {dbid}" if dbid is not None else None) if p) or "no database"
            parts.append(f"{label}: {len(self.by_database[(dbid, name)]):,} rows")
        return ", ".join(parts) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")


def _text(value: Any) -> str | None:
    """A dbid or datname as text (a JSON number, a CSV field); None when absent."""
    if value is None or value == "" or value == "\\N":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _lines(reader: LineReader) -> Iterator[tuple[int, str]]:
    for first, lines in reader:
        yield from enumerate(lines, first)


def read_pgss_csv(path: Path, builder: WorkloadBuilder, problems: Problems,
                  on_progress: Callable[[int], None] | None = None, database: DatabaseChoice | None = None) -> int:
    """CSV or COPY text with a header row; returns the number of rows read."""
    adder = _Adder(builder, str(path), problems, database)
    lines = _lines(LineReader(path, problems, on_progress))
    header_line, header = next(((i, t) for i, t in lines if t.strip()), (0, ""))
    text_format = "\t" in header and header.count("\t") >= header.count(",")
    names = header.split("\t") if text_format else next(csv.reader([header]), [])
    cols = _Columns(names)
    if not cols.usable:
        problems.add("exports without a header row naming query and calls", header_line or None, header)
        problems.note(f"{path}: a pg_stat_statements export needs a header row: "
                      "\\copy (SELECT d.datname, s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                      "WHERE d.datname = current_database()) TO 'pgss.csv' WITH (FORMAT csv, HEADER)")
        return 0
    width = len(names)

    def pick(row: Sequence[str | None], i: int | None) -> Any:
        return row[i] if i is not None and i < len(row) else None

    if text_format:
        for i, text in lines:
            if not text:
                continue
            row = text.split("\t")
            if len(row) != width:
                problems.add("rows with the wrong number of columns", i, text)
                continue
            fields = [None if f == "\\N" else copy_unescape(f) for f in row]
            adder.add(i, pick(fields, cols.query), pick(fields, cols.calls), pick(fields, cols.total),
                      pick(fields, cols.mean), pick(fields, cols.rows), pick(fields, cols.dbid), pick(fields, cols.datname))
        adder.finish()
        return adder.rows

    state = {"line": header_line}

    def feed() -> Iterator[str]:
        for i, text in lines:
            state["line"] = i
            yield text + "\n"

    reader = csv.reader(feed())
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, 64 << 20))
    try:
        while True:
            start = state["line"] + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                problems.add("rows that are not CSV", start, str(exc))
                continue
            if not row or row == [""]:
                continue
            if len(row) != width:
                problems.add("rows with the wrong number of columns", start, ",".join(row))
                continue
            adder.add(start, pick(row, cols.query), pick(row, cols.calls), pick(row, cols.total),
                      pick(row, cols.mean), pick(row, cols.rows), pick(row, cols.dbid), pick(row, cols.datname))
    finally:
        csv.field_size_limit(old)
    adder.finish()
    return adder.rows


def _loads(text: str) -> Any:
    """A JSON value as \\copy wrote it (backslashes doubled) or as plain JSON."""
    if "\\" in text:
        try:
            return json.loads(copy_unescape(text))
        except (ValueError, RecursionError):
            pass
    return json.loads(text)


def _rows_of(doc: Any) -> list:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        if "query" in doc:
            return [doc]
        lists = [v for v in doc.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
    return []


def read_pgss_json(path: Path, builder: WorkloadBuilder, problems: Problems,
                   on_progress: Callable[[int], None] | None = None, database: DatabaseChoice | None = None) -> int:
    adder = _Adder(builder, str(path), problems, database)
    reader = LineReader(path, problems, on_progress)
    lines = _lines(reader)
    first_line, first = next(((i, t) for i, t in lines if t.strip()), (0, ""))
    if first.lstrip().startswith("["):
        if file_size(path) > MAX_JSON_DOCUMENT:
            problems.add("JSON documents too large to read at once (export one object a line)", first_line, "")
            return 0
        # the rest of the same reading (decoded and counted once), line numbers kept for the parser's messages
        text = "\n" * (first_line - 1) + first + "\n" + "\n".join(t for _, t in lines)
        try:
            doc = _loads(text)
        except ValueError as exc:
            problems.add("JSON documents that do not parse", first_line, str(exc))
            return 0
        except RecursionError:
            problems.add("JSON documents nested too deeply to read", first_line, "")
            return 0
        for row in _rows_of(doc):
            _add_obj(adder, first_line, row)
        adder.finish()
        return adder.rows
    for i, text in itertools.chain([(first_line, first)], lines):
        text = text.strip()
        if not text:
            continue
        try:
            doc = _loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser follows
            problems.add("lines that are not JSON", i, text)
            continue
        rows = _rows_of(doc)
        if not rows:
            problems.add("JSON values without a query", i, text)
        for row in rows:
            _add_obj(adder, i, row)
    adder.finish()
    return adder.rows


def _add_obj(adder: _Adder, line: int, row: Any) -> None:
    if not isinstance(row, dict):
        adder.problems.add("JSON values that are not objects", line, str(row))
        return
    total = row.get("total_exec_time", row.get("total_time"))
    mean = row.get("mean_exec_time", row.get("mean_time"))
    adder.add(line, row.get("query"), row.get("calls"), total, mean, row.get("rows"), row.get("dbid"), row.get("datname"))
