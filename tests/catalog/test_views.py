"""Views and materialized views: read live, from a snapshot and from DDL, and read through by the extractor."""

from __future__ import annotations

import json

import psycopg

from indexadvisor import api
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.catalog.live import read_catalog
from indexadvisor.catalog.snapshot import read_snapshot, write_snapshot
from indexadvisor.extract.patterns import Extractor
from indexadvisor.model import Statement
from indexadvisor.pg import session as db

SCHEMA = """
CREATE TABLE posts (id bigint NOT NULL, author_id bigint, title text, created_at timestamptz);
CREATE VIEW posts_view AS SELECT id AS view_id, author_id, title FROM posts;
CREATE VIEW nested_view (nid, who) AS SELECT view_id, author_id FROM posts_view WHERE title IS NOT NULL;
CREATE MATERIALIZED VIEW posts_materialized AS SELECT id, title FROM posts WITH NO DATA;
"""

WORKLOAD = """
SELECT * FROM posts_view WHERE view_id = 1;
SELECT * FROM nested_view WHERE who = 2;
SELECT * FROM posts_materialized WHERE id = 1;
"""

EXPECTED = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_id_idx ON public.posts (author_id);",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_id_idx ON public.posts (id);",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_materialized_id_idx ON public.posts_materialized (id);",
]


def _accesses(catalog, sql):
    accesses, notes = Extractor(catalog).extract(Statement("fp", sql, "case", 1))
    return [(str(a.table), sorted((p.kind.value, p.column) for p in a.predicates)) for a in accesses], notes


def _check_catalog(catalog):
    assert "public.posts_view" in catalog.views and "public.nested_view" in catalog.views
    mat = catalog.tables["public.posts_materialized"]
    assert mat.materialized and list(mat.columns) == ["id", "title"]
    assert not catalog.tables["public.posts"].materialized
    got, notes = _accesses(catalog, "SELECT * FROM posts_view WHERE view_id = 1")
    assert got == [("public.posts", [("eq", "id")])]
    assert any("view public.posts_view" in n for n in notes)
    got, _ = _accesses(catalog, "SELECT * FROM nested_view WHERE nid = 1 AND who = $1")
    assert got == [("public.posts", sorted([("eq", "id"), ("eq", "author_id"), ("is_not_null", "title")]))]
    got, notes = _accesses(catalog, "SELECT * FROM posts_materialized WHERE id = 1")
    assert got == [("public.posts_materialized", [("eq", "id")])] and notes == []


def test_views_from_ddl(tmp_path):
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA + "CREATE INDEX ON posts_materialized (title);\n")
    errors: list = []
    catalog = read_ddl([schema], errors)
    assert errors == []
    _check_catalog(catalog)
    assert [i.key_columns for i in catalog.tables["public.posts_materialized"].indexes] == [["title"]]


def test_view_cycle_is_not_followed(tmp_path):
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE VIEW a AS SELECT * FROM b;\nCREATE VIEW b AS SELECT * FROM a;\n"
                      "CREATE TABLE t (id int);\n")
    catalog = read_ddl([schema], [])
    got, notes = _accesses(catalog, "SELECT * FROM a WHERE id = 1")
    assert got == [] and any("refers back to itself" in n for n in notes)


def test_views_offline_advice(tmp_path):
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA)
    workload = tmp_path / "workload.sql"
    workload.write_text(WORKLOAD)
    report = api.analyze([workload], schema=[schema])
    assert sorted(r.ddl for r in report.recommendations) == EXPECTED
    view_statement = next(s for s in report.statements if "posts_view" in s.sql)
    assert any("view public.posts_view was read through" in n for n in view_statement.notes)


def test_snapshot_round_trip_keeps_views(tmp_path):
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA)
    catalog = read_ddl([schema], [])
    snap = tmp_path / "snap.json"
    write_snapshot(catalog, snap)
    again = read_snapshot(snap)
    assert again.views == catalog.views
    assert again.tables == catalog.tables
    # an older snapshot, written before views were kept, still reads (no views, no flag)
    document = json.loads(snap.read_text())
    del document["catalog"]["views"]
    for table in document["catalog"]["tables"].values():
        del table["materialized"]
    snap.write_text(json.dumps(document))
    old = read_snapshot(snap)
    assert old.views == {} and not old.tables["public.posts_materialized"].materialized


def test_views_live_and_from_snapshot(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA.replace(" WITH NO DATA", ""))
        conn.execute("INSERT INTO posts SELECT g, g % 100, 't' || g, now() FROM generate_series(1, 20000) g")
        conn.execute("REFRESH MATERIALIZED VIEW posts_materialized")
        conn.execute("ANALYZE")
    with db.connect(fresh_db) as conn:
        catalog = read_catalog(conn)
    _check_catalog(catalog)
    snap = tmp_path / "snap.json"
    write_snapshot(catalog, snap)
    _check_catalog(read_snapshot(snap))
    workload = tmp_path / "workload.sql"
    workload.write_text(WORKLOAD)
    live = api.analyze([workload], dsn=fresh_db)
    assert sorted(r.ddl for r in live.recommendations) == EXPECTED
    offline = api.analyze([workload], snapshot=snap)
    assert sorted(r.ddl for r in offline.recommendations) == EXPECTED
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for rec in live.recommendations:
            conn.execute(rec.ddl)  # an index on a materialized view builds too
