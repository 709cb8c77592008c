"""Silently empty or impossible inputs (issue 15, item 11): a --schema with no DDL is an error (exit 2),
not a run with no catalog; pg_stat_statements values no server writes are bad rows with their line,
never a traceback or an infinite cost in the report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from indexadvisor import api
from indexadvisor.errors import InputError
from indexadvisor.sources.files import SourceOptions, read_workload_file
from indexadvisor.sources.workload import WorkloadBuilder

WORKLOAD = "SELECT * FROM t WHERE a = 1;\n"
SCHEMA = "CREATE TABLE t (a int, b int);\n"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "indexadvisor", *args], capture_output=True, text=True, timeout=120)


def _schemas(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (what --schema is given, what the error says)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "README.md").write_text("not DDL")
    no_tables = tmp_path / "no_tables.sql"
    no_tables.write_text("-- just a comment\nSET search_path = public;\nGRANT SELECT ON t TO app;\n")
    only_index = tmp_path / "only_index.sql"
    only_index.write_text("CREATE INDEX t_a ON t (a);\n")
    broken = tmp_path / "broken.sql"
    broken.write_text("CREATE TABLE t (a int CHECK (a > );\n")
    binary = tmp_path / "binary.sql"
    binary.write_bytes(bytes(range(256)) * 8)
    folder = tmp_path / "folder_no_tables"
    folder.mkdir()
    (folder / "001.sql").write_text("SELECT 1;\n")
    return {
        "an empty folder": (empty, "no DDL files (.sql) in this folder"),
        "a folder of other files": (other, "no DDL files (.sql) in this folder"),
        "a file with no CREATE TABLE": (no_tables, "no CREATE TABLE in the schema"),
        "a file with only an index": (only_index, "no CREATE TABLE in the schema"),
        "a CREATE TABLE that does not parse": (broken, "cannot parse DDL"),
        "binary data": (binary, "no CREATE TABLE in the schema"),
        "a folder of files with no CREATE TABLE": (folder, "no CREATE TABLE in the schema"),
    }


@pytest.mark.parametrize("command", ["analyze", "health", "migrate"])
def test_a_schema_with_no_tables_is_exit_2_with_one_line(tmp_path: Path, command: str) -> None:
    workload = tmp_path / "w.sql"
    workload.write_text(WORKLOAD)
    for name, (schema, message) in _schemas(tmp_path).items():
        args = {"analyze": ["analyze", str(workload)], "health": ["health"],
                "migrate": ["migrate", "--tool", "sql", "--out", str(tmp_path / "m"), str(workload)]}[command]
        proc = _run(*args, "--schema", str(schema))
        assert proc.returncode == 2, (name, proc.returncode, proc.stderr)
        errors = [line for line in proc.stderr.splitlines() if line.startswith("indexadvisor: error:")]
        assert len(errors) == 1 and message in errors[0] and str(schema) in errors[0], (name, proc.stderr)
        assert "Traceback" not in proc.stderr and not proc.stdout, name


def test_a_folder_of_ddl_files_is_read_in_name_order(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_tables.sql").write_text(SCHEMA)
    (folder / "002_index.sql").write_text("CREATE INDEX t_a ON t (a);\n")
    (folder / "notes.txt").write_text("not read")
    workload = tmp_path / "w.sql"
    workload.write_text(WORKLOAD)
    report = api.analyze([workload], schema=[folder])
    assert report.catalog_source == "ddl" and not report.errors
    assert report.catalog_files == [str(folder / "001_tables.sql"), str(folder / "002_index.sql")]
    assert not report.recommendations  # t_a serves it: the index file was read after the table's


def test_the_library_raises_input_error(tmp_path: Path) -> None:
    workload = tmp_path / "w.sql"
    workload.write_text(WORKLOAD)
    empty = tmp_path / "empty.sql"
    empty.write_text("")
    with pytest.raises(InputError, match="no CREATE TABLE"):
        api.analyze([workload], schema=[empty])
    with pytest.raises(InputError, match="no CREATE TABLE"):
        api.health(schema=[empty])


def test_a_workload_folders_schema_file_with_no_tables_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("-- nothing yet\n")
    (tmp_path / "w.sql").write_text(WORKLOAD)
    proc = _run("analyze", str(tmp_path))
    assert proc.returncode == 2 and "no CREATE TABLE in the schema" in proc.stderr, proc.stderr


# ---------------------------------------------------------------- pg_stat_statements values


def _read(path: Path):
    builder = WorkloadBuilder()
    read_workload_file(path, builder, SourceOptions())
    return builder.build()


@pytest.mark.parametrize("value, kind", [
    ("1e308", "rows with a calls count out of range"),
    ("1e400", "rows with a calls count out of range"),  # JSON's Infinity by another name
    ("-5", "rows with a calls count out of range"),
    ("NaN", "rows with a calls count out of range"),
    ('"lots"', "rows with an unreadable calls count"),
    ("9223372036854775808", "rows with a calls count out of range"),  # bigint + 1
])
def test_impossible_calls_are_bad_rows_with_their_line(tmp_path: Path, value: str, kind: str) -> None:
    path = tmp_path / "pgss.json"
    path.write_text(
        '{"query": "SELECT * FROM t WHERE a = $1", "calls": 10, "total_exec_time": 5.0}\n'
        f'{{"query": "SELECT * FROM t WHERE b = $1", "calls": {value}, "total_exec_time": 5.0}}\n'
    )
    workload = _read(path)
    assert [s.calls for s in workload.statements] == [10]
    assert [(e.line, e.message.split(":")[0]) for e in workload.errors] == [(2, kind)]


@pytest.mark.parametrize("field", ["total_exec_time", "mean_exec_time", "rows"])
@pytest.mark.parametrize("value", ["1e308", "-1", "Infinity"])
def test_impossible_times_and_rows_are_bad_rows(tmp_path: Path, field: str, value: str) -> None:
    path = tmp_path / "pgss.json"
    path.write_text(
        '{"query": "SELECT * FROM t WHERE a = $1", "calls": 10, "total_exec_time": 5.0, "rows": 10}\n'
        f'{{"query": "SELECT * FROM t WHERE b = $1", "calls": 3, "{field}": {value}}}\n'
    )
    workload = _read(path)
    assert [s.calls for s in workload.statements] == [10]
    assert [e.line for e in workload.errors] == [2] and "out of range" in workload.errors[0].message


def test_pgss_csv_is_checked_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "pgss.csv"
    path.write_text('query,calls,total_exec_time,rows\n"SELECT * FROM t WHERE a = $1",10,5.0,10\n'
                    '"SELECT * FROM t WHERE b = $1",1e308,5.0,10\n"SELECT * FROM t WHERE a = $1 AND b = 1",2,inf,1\n')
    workload = _read(path)
    assert [s.calls for s in workload.statements] == [10]
    assert [e.line for e in workload.errors] == [3, 4]


def test_calls_1e308_end_to_end_no_traceback_no_infinity(tmp_path: Path) -> None:
    export = tmp_path / "pgss.json"
    export.write_text('{"query": "SELECT * FROM t WHERE a = 1", "calls": 1e308, "total_exec_time": 5}\n'
                      '{"query": "SELECT * FROM t WHERE b = 1", "calls": 3, "total_exec_time": 1e308}\n'
                      '{"query": "SELECT * FROM t WHERE a = 2 AND b = 2", "calls": 1e309, "rows": 1e400}\n'
                      '{"query": "SELECT * FROM t WHERE b = 7", "calls": 4, "total_exec_time": 2.5}\n')
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA)
    out = tmp_path / "report.json"
    proc = _run("analyze", str(export), "--schema", str(schema), "--weight", "time", "--format", "json", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    text = out.read_text()
    assert "Infinity" not in text and "NaN" not in text
    doc = json.loads(text)
    assert [e["line"] for e in doc["statements"]["errors"]] == [1, 2, 3]
    assert doc["statements"]["analysed"] == 1
