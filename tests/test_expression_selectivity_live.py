"""The planner's cost of a hypothetical expression index, corrected by the base column's statistics.

No statistics exist for an expression that no real index has, so the planner prices
`lower(email) = $1` with its default selectivity (0.5% of the rows); on a column whose
values are all distinct the index fetches one row, and the advisor counts it so, saying so.
"""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api

USERS = (
    "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, note text)",
    "INSERT INTO users (email, note) SELECT 'User' || g || '@example.org', repeat('n', 40) FROM generate_series(1, 80000) g",
)


def _loaded(dsn: str, tmp_path, statements: tuple[str, ...], workload: str):
    """The database with HypoPG and the table, analysed; the workload's file."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        for statement in statements:
            conn.execute(statement)
        conn.execute("ANALYZE")
    path = tmp_path / "w.sql"
    path.write_text(workload)
    return path


@pytest.mark.hypopg
def test_lower_email_on_a_unique_column_is_costed_as_one_row(fresh_db, tmp_path):
    workload = _loaded(fresh_db, tmp_path, USERS, "SELECT * FROM users WHERE lower(email) = $1;\n")
    report = api.analyze([workload], dsn=fresh_db)
    (rec,) = report.recommendations
    assert rec.keys[0].expression == "lower(email)"
    (statement,) = report.statements
    assert any("assumed its default selectivity" in n and "counted at" in n for n in statement.notes), statement.notes
    assert statement.cost_after is not None and statement.cost_after < 20  # one row, not 0.5% of 80,000
    with psycopg.connect(fresh_db, autocommit=True) as conn:  # built, the real planner agrees
        conn.execute(rec.ddl)
        conn.execute("ANALYZE users")
        plan = conn.execute("EXPLAIN (FORMAT JSON) SELECT * FROM users WHERE lower(email) = 'user5@example.org'").fetchone()[0]
    assert plan[0]["Plan"]["Total Cost"] < 20


TENANTS = (
    "CREATE TABLE tenants (id bigserial PRIMARY KEY, name text NOT NULL, settings jsonb NOT NULL)",
    "INSERT INTO tenants (name, settings) SELECT 't' || g, jsonb_build_object('installationId', 'inst-' || g, "
    "'plan', (ARRAY['free', 'pro'])[1 + g % 2]) FROM generate_series(1, 80000) g",
)


@pytest.mark.hypopg
def test_a_json_key_no_statistic_describes_is_measured_on_a_bounded_sample(fresh_db, tmp_path):
    """pg_stats of a jsonb column says nothing of one key's values: the advisor reads a block
    sample of the table (read-only, bounded, the same rows each run) and finds the key unique."""
    workload = _loaded(fresh_db, tmp_path, TENANTS, "SELECT * FROM tenants WHERE settings->>'installationId' = $1;\n")
    reports = [api.analyze([workload], dsn=fresh_db) for _ in range(2)]
    (rec,) = reports[0].recommendations
    assert "installationId" in (rec.keys[0].expression or "")
    (statement,) = reports[0].statements
    assert any("a sample of" in n and "counted at" in n for n in statement.notes), statement.notes
    assert statement.cost_after is not None and statement.cost_after < 20  # one row, not 0.5% of 80,000
    assert reports[1].statements[0].cost_after == statement.cost_after  # the same sample each run
    with psycopg.connect(fresh_db, autocommit=True) as conn:  # built, the real planner agrees
        conn.execute(rec.ddl)
        conn.execute("ANALYZE tenants")
        plan = conn.execute("EXPLAIN (FORMAT JSON) SELECT * FROM tenants WHERE settings->>'installationId' = 'inst-5'").fetchone()[0]
    assert plan[0]["Plan"]["Total Cost"] < 20
