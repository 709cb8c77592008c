"""`analyze --verbose` (each proposal's estimate and statements under its row) and `indexadvisor explain N`
(one recommendation in full, from a saved JSON report or a fresh analysis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.report.load import load_report

ROOT = Path(__file__).resolve().parent.parent
SAAS = Path("sample_workloads") / "saas"  # relative, as a user types it (from the checkout)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _in_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _invoke(*args: str, columns: int = 100):
    return runner.invoke(app, list(args), env={"COLUMNS": str(columns)})


def test_verbose_puts_the_estimate_and_every_served_statement_under_each_row() -> None:
    plain = _invoke("analyze", str(SAAS))
    verbose = _invoke("analyze", str(SAAS), "--verbose")
    assert plain.exit_code == 0 and verbose.exit_code == 0, verbose.output
    assert "serves sample_workloads/saas/workload.sql:59 (4 calls): 34,166.7 -> 18.1 per call (1,893x cheaper)" \
        not in plain.output
    assert "serves " in verbose.output and "size: " in verbose.output and "benefit:" in verbose.output
    assert all(len(line) <= 100 for line in verbose.stdout.splitlines())
    table = verbose.output[verbose.output.index("Proposed indexes"):verbose.output.index("DDL:")]
    assert table.count("serves sample_workloads/saas/workload.sql:") >= 10


def test_explain_from_a_saved_report_and_from_a_fresh_analysis_say_the_same(tmp_path: Path) -> None:
    saved = tmp_path / "report.json"
    assert _invoke("analyze", str(SAAS), "--format", "json", "-o", str(saved)).exit_code == 0
    from_file = _invoke("explain", "2", "--from", str(saved), columns=80)
    fresh = _invoke("explain", "2", str(SAAS), columns=80)
    assert from_file.exit_code == 0, from_file.output
    text = from_file.stdout
    assert text == fresh.stdout
    report = load_report(saved)
    count, second = len(report.recommendations), report.recommendations[1]
    served = [s for s in report.statements if s.fingerprint in second.statements]
    assert text.startswith(f"Recommendation 2 of {count}: {second.schema}.{second.table} {second.kind} (")
    for part in (f"  name: {second.name}", "  why: ", f"  budget curve: step 2 of {count}",
                 "DDL:\nCREATE INDEX CONCURRENTLY", f"Statements it serves ({len(served)})",
                 "1. sample_workloads/saas/workload.sql:", "    SELECT "):
        assert part in text, part
    assert all(len(line) <= 80 for line in text.splitlines())


def test_explain_a_number_the_report_does_not_have_is_one_line_and_exit_2(tmp_path: Path) -> None:
    saved = tmp_path / "report.json"
    assert _invoke("analyze", str(SAAS), "--format", "json", "-o", str(saved)).exit_code == 0
    count = len(load_report(saved).recommendations)
    result = _invoke("explain", str(count + 1), "--from", str(saved))
    assert result.exit_code == 2
    assert f"no recommendation {count + 1} in this report: it has {count} (1-{count})" in result.output
    zero = _invoke("explain", "0", "--from", str(saved))
    assert zero.exit_code == 2
    both = _invoke("explain", "1", str(SAAS), "--from", str(saved))
    assert both.exit_code == 2 and "--from reads a saved report" in both.output
