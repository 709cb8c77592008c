"""The command line as a user runs it: exit codes, messages, formats, files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlglot
import typer
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.errors import ExitCode
from indexadvisor.health import HealthOptions
from indexadvisor.report.migrations.base import MigrateOptions
from indexadvisor.select.options import SelectionOptions
from indexadvisor.sources.formats import AUTO, FORMATS

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workloads"
runner = CliRunner()


def test_sample_saas_table_report():
    result = runner.invoke(app, ["analyze", str(SAMPLES / "saas")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Proposed indexes" in out
    assert 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Task_projectId' in out
    assert "no planner statistics" in out  # DDL only: says how it ranked
    # the one broken statement is reported with its file and line, and the rest analysed
    assert "workload.sql:126" in result.stderr


def test_sample_ecommerce_json_report(tmp_path):
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["analyze", str(SAMPLES / "ecommerce"), "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    report = json.loads(out.read_text())
    # health findings from the DDL: unindexed foreign keys (no counters, so no unused/invalid ones)
    assert report["findings"] and {f["kind"] for f in report["findings"]} == {"fk_without_index"}
    stats = report["statements"]
    assert stats["seen"] >= stats["shapes"] >= stats["analysed"] > 0
    assert report["recommendations"]
    for rec in report["recommendations"]:
        assert set(rec) >= {"table", "columns", "include", "where", "method", "ddl", "statements", "reason", "estimate"}
        assert rec["table"].startswith("shop.")
        assert rec["statements"] and all(":" in s["location"] for s in rec["statements"])
        assert isinstance(sqlglot.parse_one(rec["ddl"], dialect="postgres"), sqlglot.exp.Create)


def test_parse_errors_are_listed_with_location():
    result = runner.invoke(app, ["analyze", str(SAMPLES / "saas"), "--format", "json"])
    errors = json.loads(result.stdout)["statements"]["errors"]
    assert len(errors) == 1
    assert errors[0]["location"].endswith("saas/workload.sql:126")
    assert "cannot parse" in errors[0]["message"]


def test_missing_file_is_exit_2_and_one_line(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.sql")])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no such file" in result.stderr


def test_unreachable_database_is_exit_2_and_one_line(tmp_path):
    workload = tmp_path / "w.sql"
    workload.write_text("SELECT 1 FROM t WHERE a = 1;")
    result = runner.invoke(app, ["analyze", str(workload), "--dsn", "postgresql://u:s3cret@127.0.0.1:1/db?connect_timeout=2"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect" in lines[0]
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.output


def test_empty_workload_is_exit_0_with_a_message(tmp_path):
    workload = tmp_path / "empty.sql"
    workload.write_text("-- nothing captured yet\n")
    result = runner.invoke(app, ["analyze", str(workload)])
    assert result.exit_code == 0
    assert "the workload has no statements" in result.stdout


def test_no_workload_is_exit_2(tmp_path):
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 2
    assert "no workload given" in result.stderr


def test_unparsable_schema_statement_is_reported_not_fatal(tmp_path):
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, a int);\nCREATE TABLE broken (;\n")
    (tmp_path / "workload.sql").write_text("SELECT * FROM t WHERE a = 1;\nSELECT * FROM missing WHERE b = 2;\n")
    result = runner.invoke(app, ["analyze", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert any(e["location"].endswith("schema.sql:2") for e in report["statements"]["errors"])
    assert [r["ddl"] for r in report["recommendations"]] == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON public.t (a);"
    ]
    notes = [n for s in report["statements"]["items"] for n in s["notes"]]
    assert any("missing is not in the catalog" in n for n in notes)


def test_python_dash_m_runs():
    proc = subprocess.run([sys.executable, "-m", "indexadvisor", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("indexadvisor ")


def test_selection_options_on_the_command_line():
    result = runner.invoke(app, ["analyze", str(SAMPLES / "ecommerce"), "--format", "json", "--max-indexes", "2", "--max-width", "2"])
    assert result.exit_code == 0, result.output
    recs = json.loads(result.stdout)["recommendations"]
    assert len(recs) == 2 and all(len(r["columns"]) <= 2 for r in recs)
    bad = runner.invoke(app, ["analyze", str(SAMPLES / "ecommerce"), "--budget", "2XB"])
    assert bad.exit_code == 2 and "invalid size '2XB'" in bad.stderr


def test_budget_is_respected_offline():
    result = runner.invoke(app, ["analyze", str(SAMPLES / "ecommerce"), "--format", "json", "--budget", "60MB"])
    recs = json.loads(result.stdout)["recommendations"]
    assert recs and sum(r["estimate"]["size_bytes"] for r in recs) <= 60 * 1024 * 1024


def test_unwritable_output_is_exit_2_and_one_line(tmp_path):
    result = runner.invoke(app, ["analyze", str(SAMPLES / "ecommerce"), "--output", str(tmp_path / "no" / "such" / "dir.txt")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("indexadvisor: error: cannot write ")
    assert "Traceback" not in result.output


def _params(command: str) -> dict:
    group = typer.main.get_command(app)
    return {p.name: p for p in group.commands[command].params}


def test_defaults_are_the_library_options_defaults():
    selection = SelectionOptions()
    for command in ("analyze", "migrate", "report"):
        params = _params(command)
        assert params["min_improvement"].default == selection.min_improvement
        assert params["max_width"].default == selection.max_width
        assert params["max_indexes"].default == selection.max_indexes
        assert params["weight"].default.value == selection.weight
        assert params["no_write_cost"].default is (not selection.write_cost)
    assert _params("health")["min_evidence_days"].default == HealthOptions().min_evidence_days
    assert _params("migrate")["lock_timeout"].default == MigrateOptions().lock_timeout
    assert _params("migrate")["include_drops"].default is MigrateOptions().include_drops


def test_input_format_choices_are_the_registered_formats():
    choices = [c.value for c in type(_params("analyze")["input_format"].default)]
    assert choices == [AUTO, *FORMATS]


def test_help_groups_options_in_panels_and_flags_show_no_value():
    result = runner.invoke(app, ["analyze", "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    for panel in ("Workload", "Catalog", "Selection", "Output"):
        assert f"─ {panel} ─" in result.output
    flags = [ln for ln in result.output.splitlines() if any(f in ln for f in ("--pg-stat-statements", "--no-write-cost", "--no-hypopg"))]
    assert len(flags) == 3 and not any("<bool>" in ln for ln in flags)


def _crash(*args, **kwargs):
    raise RuntimeError("boom")


def test_a_crash_has_its_own_exit_code_and_one_line(monkeypatch, tmp_path):
    """An unexpected error is not `report`'s 'gate failed' (1): its own code, one line, no traceback."""
    workload = tmp_path / "w.sql"
    workload.write_text("SELECT 1 FROM t WHERE a = 1;")
    monkeypatch.setattr("indexadvisor.api.analyze", _crash)
    for command in ("analyze", "report"):
        result = runner.invoke(app, [command, str(workload)])
        assert result.exit_code == ExitCode.INTERNAL == 70, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("indexadvisor: internal error: RuntimeError: boom"), result.stderr
        assert "--debug" in lines[0] and "Traceback" not in result.output


def test_debug_shows_the_traceback(monkeypatch, tmp_path):
    workload = tmp_path / "w.sql"
    workload.write_text("SELECT 1 FROM t WHERE a = 1;")
    monkeypatch.setattr("indexadvisor.api.analyze", _crash)
    result = runner.invoke(app, ["--debug", "analyze", str(workload)])
    assert result.exit_code == ExitCode.INTERNAL
    assert "Traceback (most recent call last)" in result.stderr and "RuntimeError: boom" in result.stderr


def test_a_crash_in_a_real_process_exits_70(tmp_path):
    """The installed command, not the test runner: a RecursionError deep in a reader becomes exit 70 and one line."""
    code = ("import sys; import indexadvisor.api as api\n"
            "def deep(*a, **k):\n    return deep()\n"
            "api.analyze = deep\n"
            "from indexadvisor.cli import main\nsys.argv = ['indexadvisor', 'analyze', sys.argv[1]]\nmain()\n")
    workload = tmp_path / "w.sql"
    workload.write_text("SELECT 1;")
    proc = subprocess.run([sys.executable, "-c", code, str(workload)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 70, proc.stderr
    assert proc.stderr.count("\n") == 1 and "RecursionError" in proc.stderr


def test_readme_exit_code_table_covers_every_code():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    documented = {int(line.split("|")[1]) for line in table.splitlines() if line.startswith("| ") and line.split("|")[1].strip().isdigit()}
    assert documented == {int(code) for code in ExitCode}
