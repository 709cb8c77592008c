"""Read the workload from pg_stat_statements on a live server.

Utility statements, statements on system catalogs and the advisor's own queries
are skipped here, so they never reach the parser.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from indexadvisor.errors import DatabaseError
from indexadvisor.model import WriteWindow
from indexadvisor.pg import session as db
from indexadvisor.sources.workload import WorkloadBuilder

SOURCE = "pg_stat_statements"
INSUFFICIENT = "<insufficient privilege>"  # the text of another role's statement without pg_read_all_stats

_DML = re.compile(r"^\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*(select|with|update|delete|insert)\b", re.I | re.S)
_CATALOG = re.compile(r"\b(?:pg_catalog\.|information_schema\.|pg_(?:class|namespace|attribute|index|stat\w*|settings|database|roles|type|proc|constraint|extension|locks|am|opclass)\b)", re.I)

# The time column by name, as the view has it: total_exec_time (13+) or total_time (before);
# pg_stat_statements 1.11 (PostgreSQL 17) renamed blk_read_time/blk_write_time and added
# stats_since, none of which is read here. Only the current database's rows (dbid): the view
# holds every database's statements.
_TIME_COLUMNS = ("total_exec_time", "total_time")

_EXTENSION = """
SELECT n.nspname::text AS schema,
       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = 'pg_stat_statements'
WHERE e.extname = 'pg_stat_statements'
"""


def _query(schema: str, columns: list[str], limit: int) -> sql.Composed:
    """The statements of the current database, hottest first, from the view in its extension's schema."""
    time_column = next((c for c in _TIME_COLUMNS if c in columns), None)
    if time_column is None or not {"query", "calls", "rows", "dbid"} <= set(columns):
        raise DatabaseError(
            f"pg_stat_statements in schema {schema} has none of the columns this version of the advisor reads "
            f"(query, calls, rows, dbid and {' or '.join(_TIME_COLUMNS)}): found {', '.join(columns) or 'no view'}")
    return sql.SQL(
        "SELECT s.query, s.calls, s.{time} AS total_exec_time, s.rows\n"
        "FROM {view} s\n"
        "WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())\n"
        "  AND s.calls > 0\n"
        "ORDER BY s.{time} DESC\n"
        "LIMIT {limit}"
    ).format(time=sql.Identifier(time_column), view=sql.Identifier(schema, "pg_stat_statements"),
             limit=sql.Literal(int(limit)))


def read_pg_stat_statements(conn: psycopg.Connection, builder: WorkloadBuilder, limit: int = 5000) -> int:
    """Add the current database's statements to the builder; return how many were skipped."""
    found = db.run(conn, _EXTENSION, what="checking for pg_stat_statements")
    if not found:
        raise DatabaseError(
            "pg_stat_statements is not installed in this database: add it to shared_preload_libraries "
            "and run CREATE EXTENSION pg_stat_statements (or pass a workload file instead)"
        )
    select = _query(found[0]["schema"], list(found[0]["columns"] or []), limit)
    rows = db.run(conn, select, what="reading pg_stat_statements", privilege="pg_read_all_stats")
    skipped = 0
    hidden = [0, 0, 0.0]  # statements, calls, ms of other roles, whose text this role may not read
    calls = ms = 0.0
    for row in rows:
        query = row["query"] or ""
        total = float(row["total_exec_time"] or 0.0)
        calls, ms = calls + int(row["calls"]), ms + total
        if query.strip() == INSUFFICIENT:
            hidden[0], hidden[1], hidden[2] = hidden[0] + 1, hidden[1] + int(row["calls"]), hidden[2] + total
            continue
        if not keep(query):
            skipped += 1
            continue
        builder.add(query, SOURCE, None, int(row["calls"]), total, int(row["rows"] or 0))
    if hidden[0]:
        builder.notes.append(
            f"{SOURCE}: {hidden[0]:,} statement(s) of other roles read <insufficient privilege> and are not analysed "
            f"({hidden[1] / max(calls, 1):.0%} of the calls, {hidden[2] / ms if ms else 0:.0%} of the time): "
            f"GRANT pg_read_all_stats TO {_role(conn)} to see them")
    return skipped


def _role(conn: psycopg.Connection) -> str:
    rows = db.run(conn, "SELECT quote_ident(current_user) AS role", what="reading the current role")
    return str(rows[0]["role"]) if rows else "the advisor's role"


def keep(query: str) -> bool:
    """True for statements worth indexing for: DML on user tables, not the advisor's own."""
    if db.MARKER in query or INSUFFICIENT in query:
        return False
    m = _DML.match(query)
    if not m:
        return False
    if m.group(1).lower() == "insert" and not re.search(r"\bselect\b", query, re.I):
        return False
    return not _CATALOG.search(query)


def write_window(conn: psycopg.Connection) -> WriteWindow | None:
    """pg_stat_statements' window and the table counters' (select/economics.py counted_writes
    tells from them what the tables wrote within the statements' window). None when the window
    is unknown (no pg_stat_statements_info, PostgreSQL < 14, or no pg_stat_statements)."""
    found = db.run(conn, _INFO, what="checking for pg_stat_statements_info")
    if not found or not found[0]["has_info"]:
        return None  # pg_stat_statements before 1.9 (PostgreSQL 14) keeps no reset time
    rows = db.run(
        conn,
        sql.SQL(
            "SELECT extract(epoch FROM now() - i.stats_reset) AS pgss, "
            "extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time())) AS counters, now() AS now, "
            "i.dealloc, current_setting('pg_stat_statements.track', true) AS track "
            "FROM {info} i, pg_catalog.pg_stat_database d WHERE d.datname = current_database()"
        ).format(info=sql.Identifier(found[0]["schema"], "pg_stat_statements_info")),
        what="reading the statistics windows",
    )
    if not rows or not rows[0]["counters"]:
        return None
    row = rows[0]
    return WriteWindow(float(row["pgss"]), float(row["counters"]), row["now"], complete=row["dealloc"] == 0,
                       nested=row["track"] == "all")


_INFO = """
SELECT n.nspname::text AS schema,
       EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                WHERE c.relnamespace = n.oid AND c.relname = 'pg_stat_statements_info') AS has_info
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'pg_stat_statements'
"""
