"""End to end on a real PostgreSQL: live catalog with statistics, advice, DDL that runs,
and the planner then choosing the proposed index for the statement it was proposed for."""

from __future__ import annotations

import json

import psycopg
import sqlglot

from indexadvisor import api
from indexadvisor.catalog.live import read_catalog
from indexadvisor.catalog.snapshot import write_snapshot
from indexadvisor.pg import session as db

SCHEMA = """
CREATE SCHEMA app;
CREATE TABLE app."Customer" (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    "createdAt" timestamptz NOT NULL
);
CREATE TABLE app."Order" (
    id bigserial PRIMARY KEY,
    "customerId" bigint NOT NULL REFERENCES app."Customer" (id),
    status text NOT NULL,
    "createdAt" timestamptz NOT NULL,
    total numeric(10, 2) NOT NULL
);
CREATE TABLE public."user" (id int PRIMARY KEY, "teamId" int, "order" int);
INSERT INTO app."Customer" (email, "createdAt")
    SELECT 'c' || g || '@example.com', now() - g * interval '1 minute' FROM generate_series(1, 20000) g;
INSERT INTO app."Order" ("customerId", status, "createdAt", total)
    SELECT 1 + (g * 7919) % 20000,
           (ARRAY['new', 'paid', 'shipped', 'refunded'])[1 + g % 4],
           now() - (g % 100000) * interval '1 minute',
           (g % 500) + 0.99
    FROM generate_series(1, 200000) g;
INSERT INTO public."user" SELECT g, g % 500, g % 7 FROM generate_series(1, 50000) g;
ANALYZE;
"""

WORKLOAD = """
-- the customer's order history page
SELECT id, status, total FROM app."Order" WHERE "customerId" = 4242 ORDER BY "createdAt" DESC LIMIT 20;
SELECT id, status, total FROM app."Order" WHERE "customerId" = 17 ORDER BY "createdAt" DESC LIMIT 20;
-- login: already served by the unique constraint on email
SELECT id FROM app."Customer" WHERE email = 'c77@example.com';
-- team members, on a table whose name is a reserved word
SELECT * FROM "user" WHERE "teamId" = 12 AND "order" = 3;
"""


def _setup(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)


def _plan_indexes(conn: psycopg.Connection, sql: str) -> set[str]:
    plan = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()[0]
    names: set[str] = set()

    def walk(node: dict) -> None:
        if "Index Name" in node:
            names.add(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return names


def test_live_advice_runs_and_is_used(fresh_db, tmp_path):
    _setup(fresh_db)
    workload = tmp_path / "workload.sql"
    workload.write_text(WORKLOAD)

    report = api.analyze([workload], dsn=fresh_db)

    assert report.catalog_source == "live"
    assert report.costing == "statistics"
    by_table = {r.table: r for r in report.recommendations}
    assert set(by_table) == {"Order", "user"}, [r.ddl for r in report.recommendations]
    order = by_table["Order"]
    assert order.columns == ["customerId", "createdAt"]
    assert order.keys[1].desc
    assert order.ddl == (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Order_customerId_createdAt_idx" '
        'ON app."Order" ("customerId", "createdAt" DESC);'
    )
    assert order.estimate is not None and order.estimate.method == "statistics"
    assert order.estimate.rows_before > 1000 and order.estimate.rows_after < 100
    login = next(s for s in report.statements if "email" in s.sql)
    assert login.served_by_existing == ["Customer_email_key"]

    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for rec in report.recommendations:
            parsed = sqlglot.parse_one(rec.ddl, dialect="postgres")  # the DDL parses back
            assert parsed is not None
            conn.execute(rec.ddl)  # and runs: CONCURRENTLY, outside a transaction
        valid = dict(conn.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        ).fetchall())
        by_fp = {s.fingerprint: s for s in report.statements}
        for rec in report.recommendations:
            assert valid[rec.name] is True
            for fp in rec.statements:
                assert rec.name in _plan_indexes(conn, by_fp[fp].sql), by_fp[fp].sql


def test_snapshot_gives_the_same_advice_offline(fresh_db, tmp_path):
    _setup(fresh_db)
    workload = tmp_path / "workload.sql"
    workload.write_text(WORKLOAD)
    live = api.analyze([workload], dsn=fresh_db)
    with db.connect(fresh_db) as conn:
        catalog = read_catalog(conn)
    snap = tmp_path / "snap.json"
    write_snapshot(catalog, snap)
    offline = api.analyze([workload], snapshot=snap)
    assert offline.catalog_source == "snapshot"
    assert [r.ddl for r in offline.recommendations] == [r.ddl for r in live.recommendations]
    assert json.loads(snap.read_text())["format"] == "indexadvisor-snapshot"


def test_tiny_table_gets_no_index(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE settings (id int PRIMARY KEY, k text, v text)")
        conn.execute("INSERT INTO settings SELECT g, 'k' || g, 'v' FROM generate_series(1, 50) g")
        conn.execute("ANALYZE settings")
    workload = tmp_path / "w.sql"
    workload.write_text("SELECT v FROM settings WHERE k = 'k7';")
    report = api.analyze([workload], dsn=fresh_db)
    assert report.recommendations == []
    assert any("sequential scan is as fast" in n for s in report.statements for n in s.notes)


def test_never_analysed_tables_are_flagged(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE fresh (id int PRIMARY KEY, a int)")
    workload = tmp_path / "w.sql"
    workload.write_text("SELECT * FROM fresh WHERE a = 1;")
    report = api.analyze([workload], dsn=fresh_db)
    assert any("never been analysed" in n and "public.fresh" in n for n in report.notes)


def test_reserved_words_match_the_server(pg_dsn):
    from indexadvisor.pg.sql import RESERVED

    with psycopg.connect(pg_dsn) as conn:
        server = {r[0] for r in conn.execute("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')")}
        version = conn.info.server_version
    newer = {"system_user"} if version < 160000 else set()  # reserved from 16 on: quoted for every version
    assert server | newer == set(RESERVED)
