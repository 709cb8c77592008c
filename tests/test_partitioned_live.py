"""A proposal on a partitioned table comes as DDL PostgreSQL accepts (it refuses CREATE INDEX
CONCURRENTLY on a partitioned parent): ON ONLY the parent, each partition concurrently, attached.
On a real server, the DDL run statement by statement leaves a valid index on the parent."""

from __future__ import annotations

import psycopg

from indexadvisor import api

SCHEMA = """
CREATE TABLE events (id bigint, tenant_id int, at timestamptz, body text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events SELECT g, g % 500, '2024-01-01'::timestamptz + g * interval '5 minutes', 'x'
    FROM generate_series(1, 150000) g;
ANALYZE events;
"""


def test_a_partitioned_table_gets_ddl_postgresql_accepts(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA)
    workload = tmp_path / "workload.sql"
    workload.write_text("SELECT * FROM events WHERE tenant_id = 42;\n" * 20)

    report = api.analyze([workload], dsn=fresh_db)

    [rec] = [r for r in report.recommendations if r.table == "events"]
    statements = rec.ddl.splitlines()
    assert statements[0].startswith("CREATE INDEX") and " ON ONLY public.events " in statements[0]
    assert "CONCURRENTLY" not in statements[0]
    assert sum("CONCURRENTLY" in s for s in statements) == 2 and sum("ATTACH PARTITION" in s for s in statements) == 2
    assert "partitioned table" in rec.reason
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
        valid = conn.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s", (rec.name,)
        ).fetchone()
    assert valid == (True,)
