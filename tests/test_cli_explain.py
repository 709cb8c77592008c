"""`analyze --verbose` (each proposal's estimate and statements under its row) and `indexadvisor explain N`
(one recommendation in full, from a saved JSON report or a fresh analysis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexadvisor.cli import app

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
    assert "serves " in verbose.output and "size: 42.4 MB" in verbose.output and "benefit:" in verbose.output
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
    assert text.startswith("Recommendation 2 of 10: public.Task btree (organizationId, createdAt, title)")
    for part in ("  name: Task_organizationId_createdAt_title_idx", "  why: B-tree: equality on organizationId",
                 "  budget curve: step 2 of 10", "DDL:\nCREATE INDEX CONCURRENTLY",
                 "Statements it serves (2)", "1. sample_workloads/saas/workload.sql:84, 2 calls:",
                 '    SELECT "id", "title", "status" FROM "Task"'):
        assert part in text, part
    assert all(len(line) <= 80 for line in text.splitlines())


def test_explain_a_number_the_report_does_not_have_is_one_line_and_exit_2(tmp_path: Path) -> None:
    saved = tmp_path / "report.json"
    assert _invoke("analyze", str(SAAS), "--format", "json", "-o", str(saved)).exit_code == 0
    result = _invoke("explain", "11", "--from", str(saved))
    assert result.exit_code == 2
    assert "no recommendation 11 in this report: it has 10 (1-10)" in result.output
    zero = _invoke("explain", "0", "--from", str(saved))
    assert zero.exit_code == 2
    both = _invoke("explain", "1", str(SAAS), "--from", str(saved))
    assert both.exit_code == 2 and "--from reads a saved report" in both.output
