"""Tables in a tree: a partitioned table served by its partitions' own indexes, and an
inheritance parent whose children are scanned with it (issue 14).

A statement on a partitioned parent is served when every partition has an index that
serves it, with or without an index on the parent; those partition indexes are used,
not unused. An inheritance parent's scan reads each child with the child's own indexes,
and an index on the parent is not inherited: the child that lacks one gets it. Live,
from a snapshot, and offline from the DDL.
"""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api
from indexadvisor.catalog.live import read_catalog
from indexadvisor.catalog.snapshot import write_snapshot
from indexadvisor.pg import session

SCHEMA = """
CREATE TABLE ev (id bigint, customer_id int, at timestamptz, kind text) PARTITION BY RANGE (at);
CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE ev_2026 PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX ev_2025_customer ON ev_2025 (customer_id);
CREATE INDEX ev_2026_customer ON ev_2026 (customer_id);
CREATE TABLE base (id int, v int);
CREATE TABLE child1 (note text) INHERITS (base);
CREATE TABLE child2 () INHERITS (base);
CREATE INDEX child1_v ON child1 (v);
"""
DATA = """
INSERT INTO ev SELECT g, g % 5000, '2025-01-01'::timestamptz + (g % 700) * interval '1 day', 'k'
  FROM generate_series(1, 200000) g;
INSERT INTO child1 SELECT g, g % 1000, 'n' FROM generate_series(1, 100000) g;
INSERT INTO child2 SELECT g, g % 1000 FROM generate_series(1, 100000) g;
ANALYZE;
"""
WORKLOAD = """
SELECT * FROM ev WHERE customer_id = $1;
SELECT * FROM base WHERE v = $1;
SELECT * FROM ONLY base WHERE v = $1 AND id = $2;
"""


def _check(report) -> None:
    by_sql = {s.sql.split(" WHERE")[0]: s for s in report.statements}
    assert by_sql["SELECT * FROM ev"].served_by_existing  # the partitions' indexes
    keys = sorted((r.table, tuple(k.column for k in r.keys)) for r in report.recommendations)
    assert ("child2", ("v",)) in keys
    assert not [k for k in keys if k[0] in ("ev", "ev_2025", "ev_2026", "child1")]
    unused = {f.index for f in report.findings if f.kind == "unused_index"}
    assert not unused & {"public.ev_2025_customer", "public.ev_2026_customer", "public.child1_v"}


@pytest.mark.hypopg
def test_live_and_snapshot(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute(SCHEMA)
        conn.execute(DATA)
    workload = tmp_path / "w.sql"
    workload.write_text(WORKLOAD)
    _check(api.analyze([workload], dsn=fresh_db))
    with session.connect(fresh_db) as conn:
        catalog = read_catalog(conn)
    write_snapshot(catalog, tmp_path / "snap.json")
    _check(api.analyze([workload], snapshot=tmp_path / "snap.json"))


def test_offline_from_ddl(tmp_path):
    (tmp_path / "schema.sql").write_text(SCHEMA)
    workload = tmp_path / "w.sql"
    workload.write_text(WORKLOAD)
    report = api.analyze([workload], schema=[tmp_path / "schema.sql"])
    by_sql = {s.sql.split(" WHERE")[0]: s for s in report.statements}
    assert by_sql["SELECT * FROM ev"].served_by_existing
    keys = sorted((r.table, tuple(k.column for k in r.keys)) for r in report.recommendations)
    assert ("child2", ("v",)) in keys and not [k for k in keys if k[0] in ("ev", "child1")]
