"""Measuring a statement on a real server, for the live tests that check an index is faster built."""

from __future__ import annotations

import psycopg


def execution_ms(conn: psycopg.Connection, sql: str, runs: int = 3) -> float:
    """The best of `runs` executions' time (EXPLAIN ANALYZE's Execution Time), in milliseconds."""
    best = float("inf")
    for _ in range(runs):
        plan = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").fetchone()[0]  # type: ignore[index]
        best = min(best, float(plan[0]["Execution Time"]))
    return best
