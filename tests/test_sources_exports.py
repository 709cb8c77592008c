"""pg_stat_statements exports written by a real psql \\copy, read like the live reader reads the view."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from indexadvisor.sources.detect import detect_format
from indexadvisor.sources.files import SourceOptions, read_workload_file
from indexadvisor.sources.fingerprint import fingerprint
from indexadvisor.sources.pgss import read_pg_stat_statements
from indexadvisor.sources.workload import WorkloadBuilder

pytestmark = pytest.mark.pg

VIEW = ("SELECT s.* FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        "WHERE d.datname = current_database()")
EXPORTS = {
    "csv": ("pgss.csv", f"\\copy ({VIEW}) TO '{{path}}' WITH (FORMAT csv, HEADER)", "pgss-csv"),
    "text": ("pgss.tsv", f"\\copy ({VIEW}) TO '{{path}}' WITH (HEADER)", "pgss-csv"),
    "narrow csv": ("narrow.csv", "\\copy (SELECT query, calls, total_exec_time, rows FROM pg_stat_statements) "
                   "TO '{path}' WITH (FORMAT csv, HEADER)", "pgss-csv"),
    "json lines": ("pgss.json", f"\\copy (SELECT row_to_json(s) FROM ({VIEW}) s) TO '{{path}}'", "pgss-json"),
    "json array": ("pgss_agg.json", f"\\copy (SELECT json_agg(s) FROM ({VIEW}) s) TO '{{path}}'", "pgss-json"),
}


@pytest.fixture
def pgss_db(fresh_db: str) -> str:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
        except psycopg.Error as exc:
            pytest.skip(f"pg_stat_statements is not available on the test server: {exc}")
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, a int, note text)")
        conn.execute("INSERT INTO t SELECT g, g % 10, 'line one\nline two \\ back''slash' FROM generate_series(1, 100) g")
        for i in range(7):
            conn.execute("SELECT * FROM t WHERE a = %s", (i,))
        for i in range(3):
            conn.execute(f"SELECT note FROM t WHERE id = {i}\n  AND note LIKE 'line%'")
        conn.execute("SELECT count(*) FROM t WHERE note = E'tab\\there \\\\ and \"quotes\"'")
        conn.execute("BEGIN")
        conn.execute("COMMIT")
    return fresh_db


def _psql(dsn: str, command: str) -> None:
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    subprocess.run([psql, dsn, "-X", "-v", "ON_ERROR_STOP=1", "-c", command], check=True, capture_output=True,
                   timeout=60)


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_copy_exports_read_like_the_view(pgss_db: str, tmp_path: Path, kind: str):
    name, command, fmt = EXPORTS[kind]
    path = tmp_path / name
    _psql(pgss_db, command.format(path=path))
    assert detect_format(path) == fmt
    builder = WorkloadBuilder()
    assert read_workload_file(path, builder, SourceOptions()) == fmt
    workload = builder.build()
    assert not workload.errors, workload.errors

    live = WorkloadBuilder()
    with psycopg.connect(pgss_db, autocommit=True) as conn:
        read_pg_stat_statements(conn, live)
    expected = {s.fingerprint: s.calls for s in live.build().statements}
    got = {s.fingerprint: s.calls for s in workload.statements}
    # the export ran before the live read: the live one has a few more of its own
    assert got[fingerprint("SELECT * FROM t WHERE a = $1")] == 7
    assert got[fingerprint("SELECT note FROM t WHERE id = 1 AND note LIKE 'x'")] == 3
    assert got[fingerprint("SELECT count(*) FROM t WHERE note = 'x'")] == 1
    for fp, calls in got.items():
        assert expected.get(fp, 0) >= calls
    by_fp = {s.fingerprint: s for s in workload.statements}
    multi = by_fp[fingerprint("SELECT note FROM t WHERE id = 1 AND note LIKE 'x'")]
    assert "\n  AND" in multi.sql  # newlines survive COPY's escaping
    quoted = by_fp[fingerprint("SELECT count(*) FROM t WHERE note = 'x'")]
    assert "\\" in quoted.sql or "$1" in quoted.sql
    assert all(s.total_time_ms is not None for s in workload.statements)
    assert not any(s.sql.upper().startswith(("BEGIN", "COMMIT")) for s in workload.statements)


def test_export_without_header_says_how_to_write_one(tmp_path: Path):
    path = tmp_path / "pgss.csv"
    path.write_text('10,"SELECT 1",5,0.5\n')
    builder = WorkloadBuilder()
    read_workload_file(path, builder, SourceOptions(input_format="pgss-csv"))
    workload = builder.build()
    assert workload.statements == []
    assert any("HEADER" in n for n in workload.notes)
    assert any("no statements" in e.message for e in workload.errors)
