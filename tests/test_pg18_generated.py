"""Virtual generated columns (PostgreSQL 18, issue 16): they cannot be indexed, so a filter on one
gets an expression index on its generating expression, from the live catalog, a snapshot and DDL;
a STORED generated column is a column like any other."""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.catalog.live import read_catalog
from indexadvisor.catalog.snapshot import read_snapshot, write_snapshot

WORKLOAD = "SELECT id, note FROM line_items WHERE total = $1;\n" * 20


def _schema(kind: str) -> str:
    return f"""
CREATE TABLE line_items (id bigserial PRIMARY KEY, price numeric NOT NULL, qty int NOT NULL,
    total numeric GENERATED ALWAYS AS (price * qty) {kind}, note text);
"""


DATA = """
INSERT INTO line_items (price, qty, note)
SELECT (g % 9973) / 100.0, 1 + g % 7, 'n' || g FROM generate_series(1, 200000) g;
ANALYZE line_items;
"""


def _run(dsn: str, script: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)


@pytest.mark.pg(min_version=180000)
def test_a_virtual_column_gets_an_expression_index_that_the_planner_uses(fresh_db, tmp_path):
    _run(fresh_db, _schema("VIRTUAL") + DATA)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        catalog = read_catalog(conn)
    total = catalog.tables["public.line_items"].columns["total"]
    assert (total.generated, total.generation) == ("virtual", "price * qty::numeric")
    (tmp_path / "w.sql").write_text(WORKLOAD)
    report = api.analyze([tmp_path / "w.sql"], dsn=fresh_db)
    [rec] = report.recommendations
    assert rec.keys[0].column is None and rec.keys[0].expression == "price * qty::numeric"
    assert rec.ddl.endswith("ON public.line_items ((price * qty::numeric));"), rec.ddl
    assert any("virtual generated column" in n for s in report.statements for n in s.notes)

    # PostgreSQL builds it (an index on the column itself it refuses), and its planner uses it
    # for the statement on the virtual column
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            conn.execute("CREATE INDEX ON line_items (total)")
        conn.execute(rec.ddl)
        conn.execute("ANALYZE line_items")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN SELECT id, note FROM line_items WHERE total = 12.5"))
    assert rec.name in plan, plan

    # the same offline, from a snapshot of this server
    write_snapshot(catalog, tmp_path / "snap.json")
    assert read_snapshot(tmp_path / "snap.json").tables["public.line_items"].columns["total"] == total
    offline = api.analyze([tmp_path / "w.sql"], snapshot=tmp_path / "snap.json")
    assert [r.ddl for r in offline.recommendations] == [rec.ddl]


def test_a_stored_column_is_indexed_as_a_column(fresh_db, tmp_path):
    _run(fresh_db, _schema("STORED") + DATA)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        total = read_catalog(conn).tables["public.line_items"].columns["total"]
    assert total.generated == "stored" and total.generation is not None
    (tmp_path / "w.sql").write_text(WORKLOAD)
    report = api.analyze([tmp_path / "w.sql"], dsn=fresh_db)
    assert [r.keys[0].column for r in report.recommendations] == ["total"]
    assert not any("virtual" in n for s in report.statements for n in s.notes)


@pytest.mark.parametrize(("kind", "expected"), [
    ("VIRTUAL", "ON public.line_items ((price * qty));"),
    ("", "ON public.line_items ((price * qty));"),  # 18's default kind
    ("STORED", "ON public.line_items (total);"),
])
def test_ddl(kind, expected, tmp_path):
    (tmp_path / "schema.sql").write_text(_schema(kind))
    errors: list = []
    catalog = read_ddl([tmp_path / "schema.sql"], errors)
    assert errors == []
    assert catalog.tables["public.line_items"].columns["total"].generated == ("stored" if kind == "STORED" else "virtual")
    (tmp_path / "w.sql").write_text(WORKLOAD)
    report = api.analyze([tmp_path / "w.sql"], schema=[tmp_path / "schema.sql"])
    assert [r.ddl.split(" ON ", 1)[1] for r in report.recommendations] == [expected.removeprefix("ON ")]


def test_ddl_order_by_and_reads_of_a_virtual_column_put_it_in_no_key(tmp_path):
    (tmp_path / "schema.sql").write_text(_schema("VIRTUAL"))
    (tmp_path / "w.sql").write_text("SELECT id, total FROM line_items WHERE note = $1 ORDER BY total DESC LIMIT 10;\n" * 20)
    report = api.analyze([tmp_path / "w.sql"], schema=[tmp_path / "schema.sql"])
    assert report.recommendations
    for r in report.recommendations:
        assert "total" not in [k.column for k in r.keys] + list(r.include), r.ddl


def test_ddl_a_virtual_column_whose_expression_cannot_be_read_says_stored_is_needed(tmp_path):
    from indexadvisor.extract.generated import expand_virtual_columns
    from indexadvisor.extract.patterns import Extractor
    from indexadvisor.model import Statement

    (tmp_path / "schema.sql").write_text(_schema("VIRTUAL"))
    catalog = read_ddl([tmp_path / "schema.sql"], [])
    catalog.tables["public.line_items"].columns["total"].generation = "price * ("  # not an expression
    accesses, notes = Extractor(catalog).extract(Statement("fp", "SELECT * FROM line_items WHERE total = $1", "w.sql", 1))
    assert [p.column for a in accesses for p in a.predicates] == []
    assert any("a STORED generated column would be needed" in n for n in notes)
    assert expand_virtual_columns([], catalog, []) == []
