"""pg_stat_statements exports hold every database's statements (issue 14): the rows of one are
read, by dbid or datname: the one --database names, else the live catalog's (or its snapshot's);
an export of one database is read whole, and one of several with nothing to choose by says so."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from indexadvisor import api

SCHEMA = "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, note text, shop int);\n"
HEADER = ["userid", "dbid", "datname", "queryid", "query", "calls", "total_exec_time", "rows"]
ROWS = [  # app's statement, then other's
    ["10", "16384", "app", "1", "SELECT * FROM orders WHERE customer_id = $1", "500", "900.5", "500"],
    ["10", "16385", "other", "2", "SELECT * FROM orders WHERE note = $1", "800", "1200.0", "800"],
    ["10", "16385", "other", "3", "SELECT * FROM orders WHERE shop = $1", "700", "1100.0", "700"],
]


def _export(tmp_path: Path, rows=ROWS, header=HEADER, fmt="csv") -> Path:
    if fmt == "csv":
        path = tmp_path / "pgss.csv"
        with path.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows([[r[HEADER.index(h)] for h in header] for r in rows])
    else:
        path = tmp_path / "pgss.json"
        path.write_text("".join(json.dumps({h: r[HEADER.index(h)] for h in header}) + "\n" for r in rows))
    return path


def _analyze(tmp_path: Path, export: Path, **kwargs):
    (tmp_path / "schema.sql").write_text(SCHEMA)
    report = api.analyze([export], schema=[tmp_path / "schema.sql"], **kwargs)
    return report, sorted(s.sql.split("WHERE ")[1] for s in report.statements)


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize(("database", "expected"), [
    ("16384", ["customer_id = $1"]),
    ("app", ["customer_id = $1"]),
    ("16385", ["note = $1", "shop = $1"]),
    ("other", ["note = $1", "shop = $1"]),
])
def test_database_by_oid_or_name(tmp_path, fmt, database, expected):
    report, shapes = _analyze(tmp_path, _export(tmp_path, fmt=fmt), database=database)
    assert shapes == expected
    assert any("other database(s) left out" in n for n in report.notes), report.notes


def test_several_databases_and_nothing_to_choose_by_reads_all_and_says_so(tmp_path):
    report, shapes = _analyze(tmp_path, _export(tmp_path))
    assert shapes == ["customer_id = $1", "note = $1", "shop = $1"]
    [note] = [n for n in report.notes if "mixes 2 databases" in n]
    assert "app dbid 16384: 1 rows" in note and "other dbid 16385: 2 rows" in note and "--database" in note


def test_one_database_is_read_whole(tmp_path):
    report, shapes = _analyze(tmp_path, _export(tmp_path, rows=ROWS[1:]))
    assert shapes == ["note = $1", "shop = $1"]
    assert not any("left out" in n or "mixes" in n for n in report.notes), report.notes


def test_a_name_needs_datname_and_an_unknown_database_is_an_error(tmp_path):
    no_datname = [h for h in HEADER if h != "datname"]
    report, shapes = _analyze(tmp_path, _export(tmp_path, header=no_datname), database="16385")
    assert shapes == ["note = $1", "shop = $1"]
    report, shapes = _analyze(tmp_path, _export(tmp_path, header=no_datname), database="app")
    assert shapes == [] and any("no datname column to match a name against" in e.message for e in report.errors)
    report, shapes = _analyze(tmp_path, _export(tmp_path), database="99")
    assert shapes == []
    assert any("no rows of database 99 in the export: it holds app dbid 16384: 1 rows, other dbid 16385: 2 rows"
               in e.message for e in report.errors), report.errors


def test_an_export_without_dbid_is_read_whole(tmp_path):
    header = ["query", "calls", "total_exec_time", "rows"]
    report, shapes = _analyze(tmp_path, _export(tmp_path, header=header), database="app")
    assert shapes == ["customer_id = $1", "note = $1", "shop = $1"]
    assert any("no dbid or datname column" in n for n in report.notes)


def test_live_catalog_picks_its_own_database_from_an_export_of_the_whole_server(fresh_db, pg_dsn, tmp_path):
    """The export as `SELECT * FROM pg_stat_statements` writes it (every database, dbid but no
    datname); analysed against this database's live catalog, only its rows are read; against a
    snapshot of it too; --database names the other one."""
    other = f"ia_other_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(other)))
    try:
        other_dsn = make_conninfo(pg_dsn, dbname=other)
        for dsn in (fresh_db, other_dsn):
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int, note text)")
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
            for i in range(3):
                conn.execute("SELECT * FROM orders WHERE customer_id = %s", (i,))
        with psycopg.connect(other_dsn, autocommit=True) as conn:
            for i in range(3):
                conn.execute("SELECT * FROM orders WHERE note = %s", (str(i),))
        export = tmp_path / "pgss.csv"
        with psycopg.connect(fresh_db, autocommit=True) as conn, export.open("wb") as f:
            with conn.cursor().copy("COPY (SELECT * FROM pg_stat_statements) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for chunk in copy:
                    f.write(chunk)
            # the README's command: this database's rows, with their datname
            readme = tmp_path / "readme.csv"
            with readme.open("wb") as g, conn.cursor().copy(
                    "COPY (SELECT d.datname, s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                    "WHERE d.datname = current_database()) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for chunk in copy:
                    g.write(chunk)

        def shapes(report):
            return sorted(s.sql for s in report.statements if "orders" in s.sql)

        live = api.analyze([export], dsn=fresh_db)
        assert shapes(live) == ["SELECT * FROM orders WHERE customer_id = $1"]
        assert any("the catalog's database" in n and "left out" in n for n in live.notes), live.notes
        api_snapshot = tmp_path / "snap.json"
        from indexadvisor.catalog.live import read_catalog
        from indexadvisor.catalog.snapshot import write_snapshot
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            write_snapshot(read_catalog(conn), api_snapshot)
        assert shapes(api.analyze([export], snapshot=api_snapshot)) == shapes(live)
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            other_oid = admin.execute("SELECT oid FROM pg_database WHERE datname = %s", (other,)).fetchone()[0]
        by_oid = api.analyze([export], dsn=fresh_db, database=str(other_oid))
        assert shapes(by_oid) == ["SELECT * FROM orders WHERE note = $1"]
        by_name = api.analyze([export], dsn=fresh_db, database=other)  # the export has no datname to match
        assert shapes(by_name) == [] and any("no datname column" in e.message for e in by_name.errors)
        assert shapes(api.analyze([readme], dsn=fresh_db)) == shapes(live)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(other)))


def test_the_command_line_option(tmp_path):
    from typer.testing import CliRunner

    from indexadvisor.cli import app

    (tmp_path / "schema.sql").write_text(SCHEMA)
    export = _export(tmp_path)
    result = CliRunner().invoke(app, ["analyze", str(export), "--schema", str(tmp_path / "schema.sql"),
                                      "--database", "other", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert sorted(s["sql"].split("WHERE ")[1] for s in document["statements"]["items"]) == ["note = $1", "shop = $1"]
