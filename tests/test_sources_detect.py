"""Telling workload files apart, the progress bar, and the CLI options for sources."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.sources import progress
from indexadvisor.sources.detect import detect_format, detect_text
from indexadvisor.sources.pglog import (
    COMMON_PREFIXES,
    compile_prefix,
    detect_prefix,
    parse_ts,
    plan_query,
)

runner = CliRunner()

CSVLOG = ('2024-01-02 03:04:05.678 UTC,"app","app",4242,"127.0.0.1:5000",65a1b2c3.1092,1,"SELECT",'
          '2024-01-02 03:04:00 UTC,3/5,0,LOG,00000,"duration: 0.5 ms  statement: SELECT 1",,,,,,,,,"psql","client backend",,0')


@pytest.mark.parametrize("text, name, fmt", [
    ("SELECT 1;\nSELECT 2;\n", "workload.txt", "sql"),
    ("-- captured\n/* x */ UPDATE t SET a = 1;", "w", "sql"),
    ("anything at all", "queries.sql", "sql"),
    ("2024-01-02 03:04:05.678 UTC [42] LOG:  duration: 1.0 ms  statement: SELECT 1\n", "postgresql.log", "stderr"),
    ("Jan  2 03:04:05 host postgres[42]: [3-1] LOG:  statement: SELECT 1\n", "syslog", "stderr"),
    (CSVLOG + "\n", "postgresql.csv", "csvlog"),
    ('{"timestamp":"2024-01-02 03:04:05.678 UTC","pid":42,"error_severity":"LOG","message":"statement: SELECT 1"}\n',
     "postgresql.json", "jsonlog"),
    ("userid,dbid,toplevel,queryid,query,calls,total_exec_time,rows\n10,5,t,1,SELECT 1,3,0.5,3\n", "x.csv", "pgss-csv"),
    ("query\tcalls\ttotal_exec_time\nSELECT 1\t3\t0.5\n", "x.tsv", "pgss-csv"),
    ('{"query":"SELECT 1","calls":3,"total_exec_time":0.5}\n', "x.json", "pgss-json"),
    ('[{"query":"SELECT 1","calls":3}]', "x.json", "pgss-json"),
    ("prisma:query SELECT 1\n", "app.log", "prisma"),
    ("2024-01-02T03:04:05.678Z prisma:query SELECT 1\n", "app.log", "prisma"),
    ('{"timestamp":"2024","query":"SELECT 1","params":"[]","duration":1}\n', "events.log", "prisma"),
    ("DEBUG 2024-01-02 03:04:05,678 utils 1 2 (0.001) SELECT 1; args=(); alias=default\n", "debug.log", "django"),
    ("hello world\n", "notes.txt", None),
])
def test_detect(text, name, fmt):
    assert detect_text(text, name) == fmt


def test_detect_looks_inside_compressed_files(tmp_path: Path):
    path = tmp_path / "postgresql.csv.gz"
    path.write_bytes(gzip.compress((CSVLOG + "\n").encode()))
    assert detect_format(path) == "csvlog"


@pytest.mark.parametrize("prefix", COMMON_PREFIXES)
def test_common_prefixes_are_detected(prefix: str):
    line = {
        "%m": "2024-01-02 03:04:05.678 UTC", "%t": "2024-01-02 03:04:05 UTC", "%p": "4242", "%l": "7",
        "%u": "app", "%d": "appdb", "%a": "web 1", "%h": "10.0.0.5", "%r": "10.0.0.5(5432)", "%c": "65a1b2c3.1092", "%q": "",
    }
    text = prefix
    for k, v in line.items():
        text = text.replace(k, v)
    lines = [text + f"LOG:  duration: 0.1 ms  statement: SELECT {i}" for i in range(5)]
    pattern = detect_prefix(lines)
    assert pattern.regex.match(lines[0])
    m = pattern.regex.match(lines[0])
    if "%p" in prefix or "%c" in prefix:
        assert m.group("session") in ("4242", "65a1b2c3.1092")
    if "%m" in prefix or "%t" in prefix:
        assert m.group("ts").startswith("2024-01-02 03:04:05")


def test_prefix_q_and_padding():
    pattern = compile_prefix("%m [%-6p] %q%u@%d ")
    assert pattern.regex.match("2024-01-02 03:04:05.678 UTC [42    ] LOG:  checkpoint starting: time")
    m = pattern.regex.match("2024-01-02 03:04:05.678 UTC [42    ] app@db LOG:  statement: SELECT 1")
    assert m.group("msg") == "statement: SELECT 1" and m.group("session").strip() == "42"
    with pytest.raises(ValueError):
        compile_prefix("%m %Z ")


def test_timestamps():
    assert parse_ts("2024-01-02 03:04:05.678 UTC") == pytest.approx(1704164645.678)
    assert parse_ts("2024-01-02 03:04:05 CET") == 1704164645.0
    assert parse_ts("1704164645.250") == pytest.approx(1704164645.25)
    assert parse_ts("nonsense") is None


def test_plan_query_text_and_json():
    text = "\nQuery Text: SELECT *\n  FROM t\n WHERE a = 1\nSeq Scan on t  (cost=0.00..1.01 rows=1 width=4)\n  Filter: (a = 1)"
    assert plan_query(text) == ("SELECT *\n  FROM t\n WHERE a = 1", None)
    doc = json.dumps({"Query Text": "SELECT 2", "Query Parameters": "$1 = '5'", "Plan": {}}, indent=2)
    assert plan_query("\n" + doc) == ("SELECT 2", "$1 = '5'")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_not_in_ci():
    assert progress.enabled(_Tty(), {}) is True
    assert progress.enabled(io.StringIO(), {}) is False
    assert progress.enabled(_Tty(), {"CI": "true"}) is False
    assert progress.enabled(_Tty(), {"CI": "false"}) is True


def test_progress_draws_after_a_moment_and_clears():
    stream = _Tty()
    now = [0.0]
    bar = progress.Progress("big.log", 1000, stream, clock=lambda: now[0], width=80)
    bar.update(10)
    assert stream.getvalue() == ""  # too early
    now[0] = 2.0
    bar.update(500)
    assert " 50%" in stream.getvalue() and "big.log" in stream.getvalue()
    drawn = len(stream.getvalue())
    bar.close()
    assert stream.getvalue()[drawn:].endswith("\x1b[2K")  # the line cleared


def _redraws(stream: io.StringIO) -> list[str]:
    """The lines a terminal would show, one per redraw, without the colour and cursor codes."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())
    return [line for line in re.split(r"[\r\n]", plain) if line]


@pytest.mark.parametrize(("width", "environ"), [(80, None), (None, "60"), (200, None)])
def test_progress_is_one_line_as_wide_as_the_terminal_whatever_the_file_name(monkeypatch, width, environ):
    """A long file name is cut, never wrapped: every redraw overwrites the same line (a wrapped one
    would leave a new line on the terminal at every redraw)."""
    if environ is not None:
        monkeypatch.setenv("COLUMNS", environ)
    stream = _Tty()
    now = [0.0]
    name = "production-db-01.postgresql-2024-05-01_000000.csv.log.gz-from-the-nightly-archive-of-logs"
    bar = progress.Progress(name, 500_000_000, stream, clock=lambda: now[0], width=width)
    for second in range(2, 30):
        now[0] = second * 0.5
        bar.update(second * 15_000_000)
    drawn = stream.getvalue()
    bar.close()
    columns = width or int(environ or 80)
    lines = _redraws(stream)
    assert len(lines) > 20 and all(len(line) <= columns for line in lines)
    assert drawn.count("\n") == 0  # redraws return to the line's start; only close() moves (and clears)
    assert all("% " in line and "/500.0 MB" in line for line in lines)  # the numbers stay, the name gives way
    assert stream.getvalue().count("\n") <= 1


LOG = "".join(f"<{i}> [{4000 + i % 2}] LOG:  duration: 0.1 ms  statement: SELECT * FROM t WHERE id = {i}\n" for i in range(30))


def test_cli_input_format_and_log_line_prefix(tmp_path: Path):
    path = tmp_path / "server.txt"
    path.write_text(LOG)
    result = runner.invoke(app, ["analyze", str(path), "--format", "json", "--log-line-prefix", "<%l> [%p] "])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["statements"]["seen"] == 30 and report["statements"]["shapes"] == 1
    assert any("'<%l> [%p] '" in n for n in report["notes"])
    item = report["statements"]["items"][0]
    assert item["calls"] == 30
    # forced to be read as SQL, the same file is nonsense, and says so per statement
    result = runner.invoke(app, ["analyze", str(path), "--format", "json", "--input-format", "sql"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["statements"]["seen"] == 1


def test_cli_bad_options_exit_2(tmp_path: Path):
    path = tmp_path / "server.log"
    path.write_text(LOG)
    result = runner.invoke(app, ["analyze", str(path), "--log-line-prefix", "%Z"])
    assert result.exit_code == 2 and "log_line_prefix" in result.stderr
    result = runner.invoke(app, ["analyze", str(path), "--input-format", "nope"])
    assert result.exit_code == 2


def test_cli_no_progress_bar_when_piped(tmp_path: Path):
    path = tmp_path / "server.log"
    path.write_text(LOG * 10)
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 0
    assert "\r" not in result.stderr and "MB/s" not in result.stderr


def test_report_and_migrate_read_logs_with_the_same_options(tmp_path: Path):
    path = tmp_path / "server.txt"
    path.write_text(LOG)
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id int, note text);")
    source = [str(path), "--schema", str(tmp_path / "schema.sql"), "--log-line-prefix", "<%l> [%p] "]
    result = runner.invoke(app, ["report", *source, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["columns"] for r in json.loads(result.stdout)["recommendations"]] == [["id"]]
    result = runner.invoke(app, ["migrate", *source, "--tool", "sql", "--out", str(tmp_path / "migrations")])
    assert result.exit_code == 0, result.output
    assert [p.name for p in sorted((tmp_path / "migrations").iterdir())] == ["0001_add_index_t_id_idx.down.sql", "0001_add_index_t_id_idx.up.sql"]
    # the selection options too; and none of them beside --from, which reads a finished report
    result = runner.invoke(app, ["report", *source, "--format", "json", "--kinds", "btree", "--max-indexes", "1"])
    assert result.exit_code == 0, result.output
    saved = tmp_path / "report.json"
    saved.write_text(result.stdout)
    result = runner.invoke(app, ["migrate", "--from", str(saved), "--tool", "sql", "--out", str(tmp_path / "m2"), "--budget", "1GB"])
    assert result.exit_code == 2 and "--from reads a saved report: give it without --budget" in result.stderr


def test_costing_progress_counts_explains_on_one_line():
    stream = _Tty()
    now = [0.0]
    bar = progress.Progress("costing candidate indexes with the planner (HypoPG)", 0, stream,
                            clock=lambda: now[0], width=80, unit="EXPLAINs")
    bar.update(3)
    assert stream.getvalue() == ""  # too early: short analyses print nothing
    now[0] = 2.0
    bar.update(1234)
    lines = _redraws(stream)
    assert lines and "1,234 EXPLAINs" in lines[-1] and len(lines[-1]) <= 80
    bar.close()
