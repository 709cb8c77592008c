"""Logs written by a real PostgreSQL, read back in every format (the server: tests/logserver.py)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import psycopg
import pytest
from logserver import Logs, LogServer, log_server  # noqa: F401  (the fixture)
from typer.testing import CliRunner

from indexadvisor import api
from indexadvisor.cli import app
from indexadvisor.model import Workload
from indexadvisor.sources.files import SourceOptions, read_workload_file
from indexadvisor.sources.fingerprint import fingerprint
from indexadvisor.sources.workload import WorkloadBuilder

pytestmark = pytest.mark.pg

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (id int PRIMARY KEY, name text);
CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL);
CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, order_id int NOT NULL, name text);
"""
PREFIXES = [
    "%m [%p] %q%u@%d ",
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t:%r:%u@%d:[%p]:",
    "%m [%p] ",
    "%m %c %q%a ",
]


@pytest.fixture(scope="module")
def shop(log_server: LogServer) -> LogServer:  # noqa: F811
    with log_server.connect() as conn:
        conn.execute(SCHEMA)
        conn.execute("INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 20) g ON CONFLICT DO NOTHING")
        conn.execute("INSERT INTO orders SELECT g, g % 20 + 1, 'paid' FROM generate_series(1, 400) g ON CONFLICT DO NOTHING")
        conn.execute("INSERT INTO items SELECT g, g % 400 + 1, 'i' || g FROM generate_series(1, 2000) g ON CONFLICT DO NOTHING")
    return log_server


def _read(path: Path, **options) -> Workload:
    builder = WorkloadBuilder()
    read_workload_file(path, builder, SourceOptions(**options))
    return builder.build()


def _calls(workload: Workload) -> dict[str, int]:
    return {s.fingerprint: s.calls for s in workload.statements}


def _real_errors(workload: Workload) -> list:
    """Errors other than the lines the server logs, with the previous prefix, when a test changes settings."""
    return [e for e in workload.errors if not any(s in e.message for s in ("parameter ", "SIGHUP", "/*"))]


def _formats(logs: Logs) -> list[Path]:
    return [p for p in (logs.stderr, logs.csvlog, logs.jsonlog) if p is not None]


def _mixed_workload(server: LogServer) -> None:
    """Simple and extended protocol, named prepared statements, SQL PREPARE, multi-line, errors."""
    with server.connect() as conn:
        for i in range(3):
            conn.execute(f"SELECT * FROM orders WHERE id = {i + 1}")
        conn.execute("SELECT *\n  FROM customers\n WHERE name = 'it''s'")
        for i in range(4):
            conn.execute("SELECT * FROM items WHERE order_id = %s AND name <> %s", (i, "x'y"))
        for i in range(6):
            conn.execute("SELECT name FROM customers WHERE id = %s", (i,), prepare=True)
        conn.execute("PREPARE by_status(text) AS SELECT id FROM orders WHERE status = $1")
        conn.execute("EXECUTE by_status('paid')")
        conn.execute("SELECT 1 AS one; SELECT count(*) FROM items")
        conn.execute("SET application_name = 'tests'")
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT * FROM no_such_table WHERE id = 1")


EXPECTED = {
    "SELECT * FROM orders WHERE id = 1": 3,
    "SELECT * FROM customers WHERE name = 'x'": 1,
    "SELECT * FROM items WHERE order_id = $1 AND name <> $2": 4,
    "SELECT name FROM customers WHERE id = $1": 6,
    "SELECT id FROM orders WHERE status = $1": 1,
    "SELECT 1 AS one": 1,
    "SELECT count(*) FROM items": 1,
}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_format_and_prefix_reads_the_same_workload(shop: LogServer, prefix: str):
    with shop.capture("mixed", log_line_prefix=prefix) as logs:
        _mixed_workload(shop)
    expected = {fingerprint(sql): n for sql, n in EXPECTED.items()}
    for path in _formats(logs):
        workload = _read(path)
        assert _calls(workload) == expected, (path, [(s.sql, s.calls) for s in workload.statements if s.fingerprint not in expected])
        assert not _real_errors(workload), [e.message for e in workload.errors]
        items = next(s for s in workload.statements if "order_id" in s.sql)
        # kept, but for the value that never changed while order_id's did: the application's constant, written in
        assert items.sql == "SELECT * FROM items WHERE order_id = $1 AND name <> 'x''y'"
        assert items.samples[0] == ("'0'", "'x''y'") and items.constants == [None, "'x''y'"]
        assert items.total_time_ms is not None and items.total_time_ms > 0
        multi = next(s for s in workload.statements if "customers" in s.sql and "name =" in s.sql)
        assert multi.sql == "SELECT *\n  FROM customers\n WHERE name = 'it''s'"
        prepared = next(s for s in workload.statements if "status" in s.sql)
        assert prepared.samples == [("'paid'",)]
        assert any("utility" in n for n in workload.notes)
    # the prefix given explicitly reads the same as the detected one
    assert _calls(_read(logs.stderr, log_line_prefix=prefix)) == expected


def test_substituted_parameters(shop: LogServer):
    with shop.capture("subst") as logs:
        with shop.connect() as conn:
            conn.execute("SELECT * FROM items WHERE order_id = %s AND name <> %s", (5, "x'y"))
    builder = WorkloadBuilder(substitute_params=True)
    read_workload_file(logs.stderr, builder, SourceOptions())
    st, = builder.build().statements
    assert st.sql == "SELECT * FROM items WHERE order_id = '5' AND name <> 'x''y'"


def test_n_plus_one_from_a_real_client_loop(shop: LogServer):
    """An ORM-style loop: one query for the orders, then one per order for its items."""
    with shop.capture("nplusone") as logs:
        with shop.connect() as conn, shop.connect() as other:
            for customer in (3, 4):
                orders = conn.execute("SELECT id FROM orders WHERE customer_id = %s ORDER BY id", (customer,)).fetchall()
                assert len(orders) == 20
                for (order_id,) in orders:
                    conn.execute("SELECT id, name FROM items WHERE order_id = %s", (order_id,)).fetchall()
                    other.execute("SELECT count(*) FROM customers WHERE id = %s", (order_id % 7,))  # another session
    for path in _formats(logs):
        workload = _read(path)
        finding, = workload.findings
        assert finding.kind == "n_plus_one" and finding.table == "items"
        assert finding.metrics["bursts"] == 2 and finding.metrics["calls"] == 40
        assert finding.metrics["min_burst"] == finding.metrics["max_burst"] == 20
        assert finding.statements == [fingerprint("SELECT id FROM orders WHERE customer_id = $1 ORDER BY id"),
                                      fingerprint("SELECT id, name FROM items WHERE order_id = $1")]
        assert "SELECT id, name FROM items WHERE order_id = ANY($1)" in finding.fix

    # and through the library and the CLI, into the report's findings
    report = api.analyze([logs.stderr])
    assert [f.kind for f in report.findings if f.kind == "n_plus_one"] == ["n_plus_one"]
    result = CliRunner().invoke(app, ["analyze", str(logs.csvlog), "--format", "json"])
    assert result.exit_code == 0, result.output
    findings = [f for f in json.loads(result.stdout)["findings"] if f["kind"] == "n_plus_one"]
    assert len(findings) == 1 and findings[0]["metrics"]["calls"] == 40 and findings[0]["fix"]


def test_log_statement_all_with_durations_on_their_own_lines(shop: LogServer):
    settings = {"log_statement": "all", "log_min_duration_statement": "-1", "log_duration": "on"}
    with shop.capture("logstatement", **settings) as logs:
        _mixed_workload(shop)
    expected = {fingerprint(sql): n for sql, n in EXPECTED.items()}
    # log_statement logs a statement before it runs, so the one that failed is there too
    expected[fingerprint("SELECT * FROM no_such_table WHERE id = 1")] = 1
    for path in _formats(logs):
        workload = _read(path)
        assert _calls(workload) == expected, (path, [(s.sql, s.calls) for s in workload.statements if s.fingerprint not in expected])
        orders = next(s for s in workload.statements if s.sql.startswith("SELECT * FROM orders"))
        assert orders.total_time_ms is not None  # the bare "duration: N ms" lines were attached


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_auto_explain_plans_are_not_counted_twice(shop: LogServer, log_format: str):
    settings = {"session_preload_libraries": "auto_explain", "auto_explain.log_min_duration": "0",
                "auto_explain.log_format": log_format, "auto_explain.log_nested_statements": "on"}
    with shop.capture("autoexplain", **settings) as logs:
        _mixed_workload(shop)
        with shop.connect() as conn:
            conn.execute("CREATE OR REPLACE FUNCTION order_count(c int) RETURNS bigint LANGUAGE sql AS "
                         "$$ SELECT count(*) FROM orders WHERE customer_id = c $$")
            conn.execute("SELECT order_count(5)")
    text = logs.stderr.read_text()
    assert "plan:" in text  # auto_explain did log
    expected = {fingerprint(sql): n for sql, n in EXPECTED.items()}
    expected[fingerprint("SELECT order_count(5)")] = 1
    for path in _formats(logs):
        calls = _calls(_read(path))
        nested = fingerprint("SELECT count(*) FROM orders WHERE customer_id = c")
        assert calls.pop(nested, 0) in (0, 1)  # a query inside a function is counted once when logged
        assert calls == expected, (path, {k: (calls.get(k), v) for k, v in expected.items() if calls.get(k) != v},
                                   [(s.sql[:60], s.calls) for s in _read(path).statements if s.fingerprint not in expected])

    # with statement logging off, the plans are the workload
    settings["log_min_duration_statement"] = "-1"
    with shop.capture("autoexplainonly", **settings) as logs:
        with shop.connect() as conn:
            for i in range(3):
                conn.execute(f"SELECT * FROM orders WHERE id = {i + 1}")
            conn.execute("SELECT * FROM items WHERE order_id = %s", (9,))
    for path in _formats(logs):
        workload = _read(path)
        assert _calls(workload) == {fingerprint("SELECT * FROM orders WHERE id = 1"): 3,
                                    fingerprint("SELECT * FROM items WHERE order_id = $1"): 1}, path
        assert any("auto_explain" in n for n in workload.notes)


def test_a_log_with_no_statements_says_so(shop: LogServer, tmp_path: Path):
    with shop.capture("quiet", log_min_duration_statement="-1", log_connections="on") as logs:
        with shop.connect() as conn:
            conn.execute("SELECT 1")
    for path in _formats(logs):
        workload = _read(path)
        assert workload.statements == []
        assert any("no statements" in e.message and "log_min_duration_statement" in e.message
                   for e in workload.errors), workload.errors
    result = CliRunner().invoke(app, ["analyze", str(logs.stderr)])
    assert result.exit_code == 0
    assert "no statements" in result.stderr


def test_compressed_logs_read_the_same(shop: LogServer, tmp_path: Path):
    with shop.capture("gz") as logs:
        _mixed_workload(shop)
    for path in _formats(logs):
        packed = tmp_path / (path.name + ".gz")
        with open(path, "rb") as src, gzip.open(packed, "wb") as dst:
            shutil.copyfileobj(src, dst)
        calls = _calls(_read(path))
        assert sum(calls.values()) == sum(EXPECTED.values())
        assert _calls(_read(packed)) == calls


def test_folder_of_logs_with_the_cli(shop: LogServer, tmp_path: Path):
    with shop.capture("folder") as logs:
        _mixed_workload(shop)
    folder = tmp_path / "captured"
    folder.mkdir()
    shutil.copy(logs.stderr, folder / "postgresql.log")
    with open(logs.csvlog, "rb") as src, gzip.open(folder / "postgresql.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    (folder / "schema.sql").write_text(SCHEMA)
    result = CliRunner().invoke(app, ["analyze", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["statements"]["seen"] == 2 * sum(EXPECTED.values()), "\n".join(report["notes"] + [e["message"] for e in report["statements"]["errors"]])
    assert report["catalog"]["source"] == "ddl"
    by_fp = {i["fingerprint"]: i for i in report["statements"]["items"]}
    lookup = by_fp[fingerprint("SELECT name FROM customers WHERE id = $1")]
    assert lookup["calls"] == 12 and "$1" not in lookup["sql"]  # the logged values written in, as the server plans it
