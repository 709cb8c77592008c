"""OR across columns: one index per arm (BitmapOr), priced and chosen as a bundle.

No single B-tree serves `email = $1 OR phone = $2`, and either index alone saves nothing,
so the greedy, one index at a time, never finds the pair; the bundle step does.
"""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api

USERS = (
    "CREATE TABLE users (id serial PRIMARY KEY, email text, phone text, bio text)",
    "INSERT INTO users (email, phone, bio) SELECT 'u' || g || '@x.org', 'p' || g, repeat('b', 30) "
    "FROM generate_series(1, 60000) g",
)


def _setup(dsn: str, *extra: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        for statement in USERS + extra:
            conn.execute(statement)
        conn.execute("ANALYZE users")


def _advise(dsn: str, tmp_path, sql: str):
    workload = tmp_path / "or.sql"
    workload.write_text(sql + "\n")
    return api.analyze([workload], dsn=dsn)


def _keys(report) -> list[tuple[str, ...]]:
    return sorted(tuple(k.column for k in r.keys) for r in report.recommendations)


@pytest.mark.hypopg
def test_an_or_across_columns_gets_one_index_per_arm_and_the_plan_uses_both(fresh_db, tmp_path):
    _setup(fresh_db)
    report = _advise(fresh_db, tmp_path, "SELECT * FROM users WHERE email = $1 OR phone = $2;")
    assert _keys(report) == [("email",), ("phone",)]
    assert all("BitmapOr" in r.reason for r in report.recommendations)
    assert report.workload_cost_after < 0.1 * report.workload_cost_before
    with psycopg.connect(fresh_db, autocommit=True) as conn:  # built for real, the planner ORs the two
        for r in report.recommendations:
            conn.execute(r.ddl)
        plan = "\n".join(row[0] for row in conn.execute(
            "EXPLAIN SELECT * FROM users WHERE email = 'u5@x.org' OR phone = 'p7'"))
    assert "BitmapOr" in plan


@pytest.mark.hypopg
def test_an_arm_an_existing_index_serves_needs_only_the_other(fresh_db, tmp_path):
    _setup(fresh_db, "CREATE INDEX users_email ON users (email)")
    report = _advise(fresh_db, tmp_path, "SELECT id FROM users WHERE (phone = $1 AND bio = $3) OR email = $2;")
    assert [tuple(k.column for k in r.keys)[0] for r in report.recommendations] == ["phone"]


@pytest.mark.hypopg
def test_an_arm_no_b_tree_can_search_leaves_the_or_with_a_note(fresh_db, tmp_path):
    _setup(fresh_db)
    report = _advise(fresh_db, tmp_path, "SELECT * FROM users WHERE email = $1 OR bio IS NOT NULL;")
    assert not [r for r in report.recommendations if r.method == "btree"]
    (statement,) = report.statements
    assert any("no B-tree can search" in n for n in statement.notes), statement.notes
