"""A flag pinned to the value nearly every row holds is a filter, not a key (requirements.common_value),
on a real server with HypoPG: the advisor leaves it out, and the built index serves the statement."""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api

pytestmark = pytest.mark.hypopg

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE tasks (id bigserial PRIMARY KEY, "tenantId" int NOT NULL, "isDeleted" boolean NOT NULL,
                    "updatedAt" timestamptz NOT NULL, title text NOT NULL);
INSERT INTO tasks ("tenantId", "isDeleted", "updatedAt", title)
    SELECT g % 2000, g % 33 = 0, timestamptz '2025-01-01' + g * interval '1 minute', 'task ' || g
    FROM generate_series(1, 200000) g;
"""

# 3% deleted: `"isDeleted" = false` keeps 97% of the rows
LIVE = ('SELECT id, title FROM tasks WHERE "tenantId" = {t} AND "isDeleted" = false '
        'ORDER BY "updatedAt" DESC LIMIT 20;')
TRASH = ('SELECT id, title FROM tasks WHERE "tenantId" = {t} AND "isDeleted" = true '
         'ORDER BY "updatedAt" DESC LIMIT 20;')


@pytest.fixture
def loaded(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("VACUUM ANALYZE tasks")
    return fresh_db


def _advise(dsn: str, tmp_path, template: str):
    workload = tmp_path / "w.sql"
    workload.write_text("\n".join(template.format(t=t) for t in (3, 17, 1200, 777)))
    return api.analyze([workload], dsn=dsn)


def test_the_common_value_of_a_flag_stays_a_filter(loaded, tmp_path):
    report = _advise(loaded, tmp_path, LIVE)
    assert report.costing == "planner"
    assert [(r.columns, r.where) for r in report.recommendations] == [(["tenantId", "updatedAt"], None)]
    rec = report.recommendations[0]
    assert "isDeleted left a filter" in rec.reason
    with psycopg.connect(loaded, autocommit=True) as conn:
        conn.execute(rec.ddl)
        plan = conn.execute("EXPLAIN (FORMAT JSON) " + LIVE.format(t=17)).fetchone()[0]
        assert rec.name in str(plan)


def test_the_rare_value_of_a_flag_is_not_left_out(loaded, tmp_path):
    report = _advise(loaded, tmp_path, TRASH)
    assert report.recommendations
    rec = report.recommendations[0]
    # 3%: in the key or the WHERE of a partial index, never left a filter
    assert "isDeleted" in rec.columns or (rec.where or "").strip('"') == "isDeleted", rec.ddl
    assert "left a filter" not in rec.reason


# as pg_stat_statements shows LIVE: the value is a parameter
PARAMETER = ('SELECT id, title FROM tasks WHERE "tenantId" = $1 AND "isDeleted" = $2 '
             'ORDER BY "updatedAt" DESC LIMIT 20;')


def test_a_parameter_on_the_flag_goes_after_the_sort_key_and_the_index_serves_either_value(loaded, tmp_path):
    report = _advise(loaded, tmp_path, PARAMETER)
    assert report.recommendations
    rec = report.recommendations[0]
    # led by the tenant and the order; the flag, if a key, after them
    assert rec.columns[:2] == ["tenantId", "updatedAt"] and rec.where is None, rec.ddl
    if "isDeleted" in rec.columns:
        assert "isDeleted kept after the sort keys" in rec.reason
    with psycopg.connect(loaded, autocommit=True) as conn:
        conn.execute(rec.ddl)
        for template in (LIVE, TRASH):
            plan = conn.execute("EXPLAIN (FORMAT JSON) " + template.format(t=17)).fetchone()[0]
            assert rec.name in str(plan)
