"""A baseline for the app benchmarks: index advice the way Dexter describes its method, in our
own code (issue 13 asks for the app's workload cost "at or below Dexter's"; Dexter itself is a
Ruby gem this machine cannot install).

Per statement shape (SELECT, UPDATE, DELETE): its cost with the existing indexes; then with a
hypothetical one-column B-tree on every column the workload filters, joins or sorts on, then
with those and every two-column B-tree of one statement's columns of a table, each statement
explained with all of them at once; where the cheaper of the two plans costs at least 50% less
than the statement does now (Dexter's default --min-cost-savings-pct), the hypothetical indexes
that plan uses are proposed. The proposals of all statements together are the set. No storage
budget, no write costs, no partial, expression or covering indexes, no LIMIT-trap allowance:
what the planner picks under HypoPG, as Dexter takes it.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import psycopg
from psycopg import sql

from indexadvisor.catalog.live import read_catalog
from indexadvisor.extract.patterns import Extractor
from indexadvisor.model import Statement

MIN_SAVINGS = 0.5
MAX_PAIRS = 40  # two-column indexes per table of one statement


def dexter_like(dsn: str, statements: list[str]) -> list[str]:
    """CREATE INDEX statements for the set, from one example text per statement shape."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        extractor = Extractor(read_catalog(conn))
        columns: list[dict[tuple[str, str], list[str]]] = []  # per statement: (schema, table) -> its columns
        for text in statements:
            accesses, _ = extractor.extract(Statement("fp", text, "dexter-like", 1))
            per: dict[tuple[str, str], list[str]] = {}
            for a in accesses:
                if a.kind == "insert":
                    continue
                wanted = per.setdefault((a.table.schema, a.table.name), [])
                for col in [p.column for p in a.predicates if p.expression is None] + [k.column for k in a.order_by]:
                    if col not in wanted:
                        wanted.append(col)
            columns.append(per)
        explainable = [i for i, per in enumerate(columns) if per]
        base = {i: _cost(conn, statements[i]) for i in explainable}
        singles = {(t, (c,)) for per in columns for t, cols in per.items() for c in cols}
        pairs = {(t, pair) for per in columns for t, cols in per.items()
                 for pair in itertools.islice(itertools.permutations(cols, 2), MAX_PAIRS)}
        best: dict[int, tuple[float, set[tuple[tuple[str, str], tuple[str, ...]]]]] = {}
        for round_indexes in (singles, singles | pairs):
            names = _hypothetical(conn, round_indexes)
            for i in explainable:
                plan = _plan(conn, statements[i])
                if plan is None:
                    continue
                cost = float(plan["Total Cost"])
                if i not in best or cost < best[i][0]:
                    best[i] = (cost, {names[n] for n in _index_names(plan) if n in names})
            conn.execute("SELECT hypopg_reset()")
        chosen: list[tuple[tuple[str, str], tuple[str, ...]]] = []
        for i, (cost, used) in sorted(best.items()):
            before = base.get(i)
            if before and used and (before - cost) / before >= MIN_SAVINGS:
                chosen += [u for u in sorted(used) if u not in chosen]
        return [_ddl(conn, table, cols) for table, cols in chosen]


def _hypothetical(conn: psycopg.Connection, indexes: set[tuple[tuple[str, str], tuple[str, ...]]]) -> dict[str, Any]:
    """Create the hypothetical B-trees; their names -> (table, columns)."""
    out = {}
    for table, cols in sorted(indexes):
        row = conn.execute("SELECT indexname FROM hypopg_create_index(%s)", (_ddl(conn, table, cols),)).fetchone()
        if row:
            out[row[0]] = (table, cols)
    return out


def _ddl(conn: psycopg.Connection, table: tuple[str, str], cols: tuple[str, ...]) -> str:
    return sql.SQL("CREATE INDEX ON {} ({})").format(
        sql.Identifier(*table), sql.SQL(", ").join(sql.Identifier(c) for c in cols)).as_string(conn)


def _plan(conn: psycopg.Connection, text: str) -> dict[str, Any] | None:
    try:
        row = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) {}").format(sql.SQL(text))).fetchone()  # type: ignore[arg-type]
    except psycopg.Error:
        return None
    plan = row[0] if row else None
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"] if plan else None


def _cost(conn: psycopg.Connection, text: str) -> float | None:
    plan = _plan(conn, text)
    return float(plan["Total Cost"]) if plan else None


def _index_names(node: dict[str, Any]) -> set[str]:
    out = {node["Index Name"]} if "Index Name" in node else set()
    for child in node.get("Plans", []):
        out |= _index_names(child)
    return out
