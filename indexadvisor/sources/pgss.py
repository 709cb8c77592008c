"""Read the workload from pg_stat_statements on a live server.

Utility statements, statements on system catalogs and the advisor's own queries
are skipped here, so they never reach the parser.
"""

from __future__ import annotations

import re

import psycopg

from indexadvisor.errors import DatabaseError
from indexadvisor.pg import session as db
from indexadvisor.sources.workload import WorkloadBuilder

SOURCE = "pg_stat_statements"
INSUFFICIENT = "<insufficient privilege>"  # the text of another role's statement without pg_read_all_stats

_DML = re.compile(r"^\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*(select|with|update|delete|insert)\b", re.I | re.S)
_CATALOG = re.compile(r"\b(?:pg_catalog\.|information_schema\.|pg_(?:class|namespace|attribute|index|stat\w*|settings|database|roles|type|proc|constraint|extension|locks|am|opclass)\b)", re.I)

_QUERY_13 = """
SELECT s.query, s.calls, s.total_exec_time, s.rows
FROM pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database() AND s.calls > 0
ORDER BY s.total_exec_time DESC
"""
_QUERY_12 = _QUERY_13.replace("total_exec_time", "total_time")


def read_pg_stat_statements(conn: psycopg.Connection, builder: WorkloadBuilder, limit: int = 5000) -> int:
    """Add the current database's statements to the builder; return how many were skipped."""
    if not db.run(conn, "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'", what="checking for pg_stat_statements"):
        raise DatabaseError(
            "pg_stat_statements is not installed in this database: add it to shared_preload_libraries "
            "and run CREATE EXTENSION pg_stat_statements (or pass a workload file instead)"
        )
    template = _QUERY_13 if (conn.info.server_version or 0) >= 130000 else _QUERY_12
    rows = db.run(conn, template + f" LIMIT {int(limit)}", what="reading pg_stat_statements", privilege="pg_read_all_stats")
    skipped = 0
    hidden = [0, 0, 0.0]  # statements, calls, ms of other roles, whose text this role may not read
    calls = ms = 0.0
    for row in rows:
        query = row["query"] or ""
        total = float(row.get("total_exec_time", row.get("total_time")) or 0.0)
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


def counter_scale(conn: psycopg.Connection) -> float | None:
    """How much of pg_stat_user_tables' write counters fall in pg_stat_statements' window.

    The table counters run since the database's stats reset (or the server start),
    pg_stat_statements since its own reset; assuming steady writes, counters x scale
    is what the workload's period wrote. None when the window is unknown (PG < 14).
    """
    if (conn.info.server_version or 0) < 140000:
        return None
    rows = db.run(
        conn,
        "SELECT extract(epoch FROM now() - i.stats_reset) AS pgss, "
        "extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time())) AS counters "
        "FROM pg_stat_statements_info i, pg_stat_database d WHERE d.datname = current_database()",
        what="reading the statistics windows",
    )
    if not rows or not rows[0]["counters"]:
        return None
    return min(float(rows[0]["pgss"]) / float(rows[0]["counters"]), 1.0)
