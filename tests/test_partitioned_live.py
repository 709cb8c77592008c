"""A proposal on a partitioned table comes as DDL PostgreSQL accepts (it refuses CREATE INDEX
CONCURRENTLY on a partitioned parent): ON ONLY the parent, each partition concurrently, attached.
On a real server, the DDL run statement by statement leaves a valid index on the parent."""

from __future__ import annotations

import psycopg
import pytest

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


@pytest.mark.hypopg
def test_an_index_on_the_parent_serves_a_statement_that_reads_a_partition_by_name(fresh_db, tmp_path):
    """PostgreSQL creates an index on a partitioned table on each partition too, and a statement
    that names a partition uses that copy: one index on the parent serves both statements, where
    HypoPG (which creates it on the parent alone) showed the partition's statement nothing, and
    the same index was proposed twice, once on the parent and once on the partition."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute(SCHEMA)
    workload = tmp_path / "workload.sql"
    workload.write_text("SELECT * FROM events WHERE tenant_id = 42 ORDER BY at DESC LIMIT 20;\n"
                        "SELECT * FROM events_2025 WHERE tenant_id = 7 ORDER BY at DESC LIMIT 20;\n")

    report = api.analyze([workload], dsn=fresh_db)

    assert [(r.table, [k.column for k in r.keys]) for r in report.recommendations] == [("events", ["tenant_id", "at"])]
    [rec] = report.recommendations
    assert {s.fingerprint for s in rec.estimate.helps} == {s.fingerprint for s in report.statements}


def test_offline_too_one_index_on_the_parent_serves_a_partition_read_by_name(tmp_path):
    """The same without a server (the statistics model, from DDL): the serve rule matches the
    parent's index to the partition's access as the copy PostgreSQL creates there."""
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE events (id bigint, tenant_id int, at timestamptz) PARTITION BY RANGE (at);\n"
                      "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
                      "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n")
    workload = tmp_path / "workload.sql"
    workload.write_text("SELECT * FROM events WHERE tenant_id = 42 ORDER BY at DESC LIMIT 20;\n"
                        "SELECT * FROM events_2025 WHERE tenant_id = 7 ORDER BY at DESC LIMIT 20;\n")

    report = api.analyze([workload], schema=[schema])

    assert [(r.table, [k.column for k in r.keys]) for r in report.recommendations] == [("events", ["tenant_id", "at"])]


@pytest.mark.parametrize("ddl", [
    # hand-written: an index created on the parent is created on each partition
    "CREATE TABLE events (id bigint, tenant_id int, at timestamptz) PARTITION BY RANGE (at);\n"
    "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
    "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
    "CREATE INDEX events_tenant_at ON events (tenant_id, at DESC);\n",
    # pg_dump --schema-only: the parent's index ON ONLY, each partition's created and attached
    "CREATE TABLE public.events (id bigint, tenant_id int, at timestamptz) PARTITION BY RANGE (at);\n"
    "CREATE TABLE public.events_2025 (id bigint, tenant_id int, at timestamptz);\n"
    "ALTER TABLE ONLY public.events ATTACH PARTITION public.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
    "CREATE INDEX events_tenant_at ON ONLY public.events USING btree (tenant_id, at DESC);\n"
    "CREATE INDEX events_2025_tenant_id_at_idx ON public.events_2025 USING btree (tenant_id, at DESC);\n"
    "ALTER INDEX public.events_tenant_at ATTACH PARTITION public.events_2025_tenant_id_at_idx;\n",
])
def test_a_ddl_file_gives_each_partition_its_parents_index(tmp_path, ddl):
    """catalog/ddl.py reads a partition tree as PostgreSQL builds it: a statement that names a
    partition is served by the parent's index there, not proposed a copy of it."""
    schema = tmp_path / "schema.sql"
    schema.write_text(ddl)
    workload = tmp_path / "workload.sql"
    workload.write_text("SELECT * FROM events_2025 WHERE tenant_id = 7 ORDER BY at DESC LIMIT 20;\n")

    report = api.analyze([workload], schema=[schema])

    assert report.recommendations == [] and not report.errors
    [statement] = report.statements
    assert statement.served_by_existing == ["events_2025_tenant_id_at_idx"]
