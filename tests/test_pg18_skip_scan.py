"""PostgreSQL 18 B-tree skip scan (issue 16): an existing (tenant_id, created_at) index whose
leading key has 3 values serves `WHERE created_at > ...` on 18, so no new index is proposed
there and the statement says why; on 15 the same statement gets an index.

Offline cases: tests/cases/skip_scan.txt (statistics and a server version); the serve rule's
cases: tests/cases/serve.txt. Live: on whichever server the suite runs on (Debian's 15 and
the embedded 18, scripts/test.sh), with the real planner's plan checked on 18.
"""

from __future__ import annotations

import json

import psycopg
import pytest
from casefiles import check_advice_case, read_cases

from indexadvisor import api
from indexadvisor.catalog.live import read_catalog
from indexadvisor.catalog.snapshot import write_snapshot

CASE_LIST = read_cases("skip_scan.txt", default_section="schema")


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_skip_scan_cases(case, tmp_path):
    check_advice_case(case, tmp_path)


SCHEMA = """
CREATE TABLE events (id bigserial PRIMARY KEY, tenant_id int NOT NULL, created_at timestamptz NOT NULL, payload text);
INSERT INTO events (tenant_id, created_at, payload)
SELECT 1 + g % 3, timestamptz '2026-01-01' + g * interval '1 minute', repeat('x', 40) FROM generate_series(1, 300000) g;
CREATE INDEX events_tenant_created ON events (tenant_id, created_at);
VACUUM ANALYZE events;
"""
QUERY = "SELECT * FROM events WHERE created_at > '2026-07-20'"
PARAMETER = "SELECT * FROM events WHERE created_at > $1"  # as pg_stat_statements has it
SKIP_NOTE = "skip scan: the existing index events_tenant_created (tenant_id, created_at) serves events's filter"


@pytest.fixture
def events_db(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
    return fresh_db


def test_no_new_index_where_the_server_skip_scans(events_db, tmp_path):
    workload = tmp_path / "w.sql"
    workload.write_text(f"{QUERY};\n" * 50 + f"{PARAMETER};\n" * 50)
    with psycopg.connect(events_db, autocommit=True) as conn:
        version = conn.info.server_version
        plans = [conn.execute(f"EXPLAIN (FORMAT JSON) {QUERY}").fetchone()[0][0]["Plan"]]
        if version >= 180000:
            plans.append(conn.execute(f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {PARAMETER}").fetchone()[0][0]["Plan"])
    # statistics costing on every version (the embedded 18 has no HypoPG), so the server version decides
    report = api.analyze([workload], dsn=events_db, hypopg=False)
    assert len(report.statements) == 1  # one shape: the literal and $1 fingerprint alike
    if version >= 180000:
        # the real planner reaches created_at through the existing index, its leading key skipped
        for plan in plans:
            index_scans = [n for n in _nodes(plan) if n.get("Index Name") == "events_tenant_created"]
            assert index_scans and all("created_at" in n["Index Cond"] and "tenant_id" not in n["Index Cond"]
                                       for n in index_scans), json.dumps(plan)
        assert report.recommendations == []
        # and health does not call the index unused by the workload: its skip scan uses it
        assert not any(f.kind == "unused_index" and "could use it" in f.evidence for f in report.findings)
        for statement in report.statements:
            assert any(SKIP_NOTE in n and "3 distinct values" in n for n in statement.notes), statement.notes
    else:
        assert not any(n.get("Index Name") == "events_tenant_created" for n in _nodes(plans[0]))  # a sequential scan
        assert [r.keys[0].column for r in report.recommendations] == ["created_at"]
        assert not any("skip scan" in n for s in report.statements for n in s.notes)


def test_the_snapshot_of_an_18_server_gives_the_same_advice_offline(events_db, tmp_path):
    workload = tmp_path / "w.sql"
    workload.write_text(f"{QUERY};\n" * 50)
    with psycopg.connect(events_db, autocommit=True) as conn:
        write_snapshot(read_catalog(conn), tmp_path / "snap.json")
    live = api.analyze([workload], dsn=events_db, hypopg=False)
    offline = api.analyze([workload], snapshot=tmp_path / "snap.json")
    assert [r.ddl for r in offline.recommendations] == [r.ddl for r in live.recommendations]
    assert offline.statements[0].notes == live.statements[0].notes


@pytest.mark.hypopg
def test_on_a_server_with_hypopg_the_planner_decides(events_db, tmp_path):
    """With HypoPG (Debian's 15 here) the planner's what-if costs decide: before 18 an index helps."""
    with psycopg.connect(events_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        version = conn.info.server_version
    workload = tmp_path / "w.sql"
    workload.write_text(f"{QUERY};\n" * 50)
    report = api.analyze([workload], dsn=events_db)
    assert report.costing == "planner"
    if version < 180000:
        assert [r.keys[0].column for r in report.recommendations] == ["created_at"]


def _nodes(plan: dict) -> list[dict]:
    out = [plan]
    for child in plan.get("Plans", []):
        out += _nodes(child)
    return out
