"""A plain index that many statement shapes share, against per-shape partial indexes.

Every pair of columns filtered as `ci = 0 AND cj = 1` (the shape of Dexter's batching test):
each literal appears in several shapes, which is evidence enough to offer a partial index
per shape (`(cj) WHERE ci = 0`), but each of those serves one shape and pays too little,
while a plain `(ci)` serves every shape that filters on ci. The plain one must be offered
and chosen, not dropped because each statement's own plan prefers its partial index.
"""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api

COLUMNS = 10


@pytest.mark.hypopg
def test_shapes_sharing_a_column_get_the_shared_plain_index(fresh_db, tmp_path):
    cols = ", ".join(f"c{i:02d} int" for i in range(COLUMNS))
    values = ", ".join(f"(g * {i + 7}) % 50" for i in range(COLUMNS))
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute(f"CREATE TABLE t (id int PRIMARY KEY, {cols})")
        conn.execute(f"INSERT INTO t SELECT g, {values} FROM generate_series(1, 2000) g")
        conn.execute("ANALYZE t")
    workload = tmp_path / "pairs.sql"
    workload.write_text("".join(f"SELECT * FROM t WHERE c{i:02d} = 0 AND c{j:02d} = 1;\n"
                                for i in range(COLUMNS) for j in range(i + 1, COLUMNS)))
    report = api.analyze([workload], dsn=fresh_db)
    assert report.costing == "planner" and report.analysed == COLUMNS * (COLUMNS - 1) // 2
    plain = [r for r in report.recommendations if not r.where and len(r.keys) == 1]
    assert plain, [(r.keys, r.where) for r in report.recommendations]
    # the first choices are plain indexes that many shapes share (later ones may serve fewer)
    assert len(report.recommendations[0].statements) >= COLUMNS // 2 and not report.recommendations[0].where
    assert report.workload_cost_after < 0.6 * report.workload_cost_before
