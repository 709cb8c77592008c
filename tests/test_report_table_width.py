"""The terminal report is sized to the terminal: COLUMNS, else the tty's width, else 100 (piped)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.report import table
from indexadvisor.report.load import load_report

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workloads"
REPORT = ROOT / "tests" / "cases" / "migrate" / "report.json"
runner = CliRunner()


def _analyze(sample: str, env: dict[str, str | None]) -> str:
    result = runner.invoke(app, ["analyze", str(SAMPLES / sample)], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("sample", ["saas", "ecommerce"])
@pytest.mark.parametrize("width", [80, 120])
def test_no_line_is_longer_than_columns(sample, width):
    out = _analyze(sample, {"COLUMNS": str(width)})
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)
    assert "Proposed indexes" in out
    head = next(line for line in lines if line.lstrip().startswith("#"))
    assert head.split() == ["#", "table", "index", "cost", "size", "statements"]
    # numbers people read: the workload's share, factors instead of 0.00 ratios
    assert "% of the workload's cost" in out
    flat = " ".join(out.split())  # offline: the model's cost, not the planner's
    assert "weighted estimated cost" in flat and "planner cost" not in flat
    assert re.search(r"\dx( cheaper|$)", out, re.M) and "cheaper" in out and "0.00" not in out


def test_piped_default_is_100(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert table.terminal_width() == 100  # stdout is not a terminal under pytest
    lines = _analyze("saas", {"COLUMNS": None}).splitlines()
    assert 80 < max(len(line) for line in lines) <= 100


def test_columns_wins_and_is_kept_sane(monkeypatch):
    monkeypatch.setenv("COLUMNS", "132")
    assert table.terminal_width() == 132
    monkeypatch.setenv("COLUMNS", "10")
    assert table.terminal_width() == table.MIN_WIDTH
    monkeypatch.setenv("COLUMNS", "wide")
    assert table.terminal_width() == 100


def test_ddl_is_wrapped_outside_quotes_only():
    report = load_report(REPORT)
    r = copy.deepcopy(report.recommendations[0])
    r.ddl = ("CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_open_idx ON public.orders (customer_id) "
             "WHERE status = 'waiting for the warehouse to confirm' AND note <> 'a b c d e f g h'")
    report.recommendations = [r]
    lines = table.render(report, width=60).splitlines()
    assert all(len(line) <= 60 for line in lines)
    ddl = lines[lines.index("DDL:") + 1:]
    assert "'waiting for the warehouse to confirm'" in "\n".join(ddl)
    assert " ".join(line.strip() for line in ddl[:ddl.index("")] if line) == r.ddl


@pytest.mark.parametrize("before, after, text", [
    (34166.7, 18.1, "1,888x cheaper"), (100.0, 55.0, "-45%"), (100.0, 10.0, "10x cheaper"), (10.0, 0.0, "cost ~0"),
])
def test_change_per_call(before, after, text):
    assert table.change(before, after) == text


def test_share_of_the_workload():
    assert table.share(588.0, 1000.0) == "-58.8%"
    assert table.share(0.5, 1000.0) == "-<0.1%"
    assert table.share(1234.0, None) == "1,234"


def test_the_index_column_and_the_curve_show_key_directions():
    """(account_id, created_at DESC) and (account_id, created_at) are different indexes for ORDER BY
    created_at DESC, id: the table's index column and the budget curve say which one the DDL builds."""
    from indexadvisor.model import IndexKey, Recommendation
    from indexadvisor.report.text import index_text
    from indexadvisor.select.curve import definition

    keys = [IndexKey("account_id"), IndexKey("created_at", desc=True), IndexKey("id", nulls_first=True)]
    rec = Recommendation("i", "public", "order", keys, [], None, "btree", "", [], "")
    assert index_text(rec) == "btree (account_id, created_at DESC, id NULLS FIRST)"
    assert definition(keys, [], None, "btree") == "(account_id, created_at DESC, id NULLS FIRST)"
    assert IndexKey("created_at", desc=True, nulls_first=True).shown == "created_at DESC"
