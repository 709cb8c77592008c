"""What each budget buys (select/curve.py): the chosen set one index at a time, the next few past it,
where and why the set stops, in the terminal, JSON and Markdown reports; the advice itself unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from indexadvisor import api
from indexadvisor.report import json as json_report
from indexadvisor.report import table
from indexadvisor.report.ci import markdown
from indexadvisor.report.gate import evaluate, parse_fail_on
from indexadvisor.report.load import from_dict
from indexadvisor.select import advisor
from indexadvisor.select.curve import PAST
from indexadvisor.select.options import SelectionOptions

SAAS = Path(__file__).resolve().parent.parent / "sample_workloads" / "saas"
MB = 1 << 20


def _analyze(**options) -> api.Report:
    return api.analyze([SAAS], options=SelectionOptions(**options))


def _check_steps(report: api.Report) -> None:
    curve = report.budget_curve
    assert curve is not None
    chosen = [s for s in curve.steps if s.chosen]
    assert len(chosen) == len(report.recommendations)
    assert [s.chosen for s in curve.steps] == [True] * len(chosen) + [False] * (len(curve.steps) - len(chosen))
    assert len(curve.steps) - len(chosen) <= PAST
    sizes = [s.size_bytes for s in curve.steps]
    assert sizes == sorted(sizes) and sizes[0] > 0
    assert all(s.cost_after <= (report.workload_cost_before or 0) for s in curve.steps)
    if chosen:  # the last chosen step is the proposed set: the report's own numbers
        assert chosen[-1].cost_after == pytest.approx(report.workload_cost_after, rel=1e-6)
        assert chosen[-1].size_bytes == sum(r.estimate.size_bytes or 0 for r in report.recommendations if r.estimate)


@pytest.mark.parametrize(("options", "stop", "words"), [
    ({}, "min_improvement", "no other index saves --min-improvement 0.01 of the workload's cost"),
    ({"min_improvement": 0.0}, "nothing_left", "no other index makes the workload cheaper"),
    ({"min_improvement": 0.05}, "min_improvement", "less than --min-improvement 0.05"),
    ({"budget_bytes": 100 * MB}, "budget", "more than --budget 100.0 MB holds"),
    ({"budget_bytes": MB}, "budget", "more than --budget 1.0 MB holds"),
    ({"max_indexes": 3}, "max_indexes", "--max-indexes 3 reached"),
])
def test_the_curve_says_where_and_why_the_set_stops(options: dict, stop: str, words: str) -> None:
    report = _analyze(**options)
    _check_steps(report)
    assert report.budget_curve is not None
    assert report.budget_curve.stop == stop and words in report.budget_curve.stop_reason
    if stop in ("budget", "max_indexes") or "the next index" in words:  # past the set: what a bigger limit would buy
        assert any(not s.chosen for s in report.budget_curve.steps)


@pytest.mark.parametrize("options", [{}, {"budget_bytes": 100 * MB}, {"budget_bytes": MB}, {"max_indexes": 3},
                                     {"min_improvement": 0.05}])
def test_the_curve_changes_nothing_in_the_advice(monkeypatch: pytest.MonkeyPatch, options: dict) -> None:
    with_curve = json.loads(json_report.render(_analyze(**options)))
    monkeypatch.setattr(advisor, "budget_curve", lambda problem, best: None)
    without = json.loads(json_report.render(_analyze(**options)))
    assert with_curve.pop("budget_curve") is not None and without.pop("budget_curve") is None
    assert with_curve == without


def test_under_a_budget_the_steps_past_the_set_show_what_a_bigger_one_buys() -> None:
    small, big = _analyze(budget_bytes=100 * MB), _analyze(budget_bytes=200 * MB)
    assert small.budget_curve is not None and big.budget_curve is not None
    past = [s for s in small.budget_curve.steps if not s.chosen]
    assert past[0].size_bytes > 100 * MB
    assert (big.workload_cost_after or 0) < (small.workload_cost_after or 0)


def test_the_curve_is_in_the_terminal_report_with_the_stop_line_between_the_rows() -> None:
    report = _analyze(budget_bytes=100 * MB)
    text = table.render(report, width=80)
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("What each budget buys"))
    block = lines[start:lines.index("", start)]
    stop = next(n for n, line in enumerate(block) if line.startswith("  -- the proposed set stops here"))
    numbers = [line.split()[0] for line in block if line[:2].strip().isdigit()]
    chosen = len(report.recommendations)
    assert numbers == [str(n) for n in range(1, len(report.budget_curve.steps) + 1)]  # type: ignore[union-attr]
    assert [line.split()[0] for line in block[:stop] if line[:2].strip().isdigit()][-1] == str(chosen)
    assert all(len(line) <= 80 for line in lines)


def test_with_nothing_proposed_the_curve_shows_what_the_first_indexes_need() -> None:
    report = _analyze(budget_bytes=MB)
    assert report.recommendations == []
    text = table.render(report, width=100)
    assert "No new index proposed" in text
    block = text[text.index("What each budget buys"):]
    assert block.index("the proposed set stops here") < block.index("\n1  ")


def test_the_curve_round_trips_through_the_json_report_and_shows_in_markdown() -> None:
    report = _analyze(budget_bytes=100 * MB)
    document = json.loads(json_report.render(report))
    assert document["budget_curve"]["stop"] == "budget"
    assert {"table", "index", "size_bytes", "cost_after", "chosen"} <= set(document["budget_curve"]["steps"][0])
    loaded = from_dict(document)
    assert loaded.budget_curve == report.budget_curve
    text = markdown.render(loaded, evaluate(loaded, parse_fail_on([])))
    assert "<summary>What each budget buys</summary>" in text
    assert "**the proposed set stops here: the next index would take the set to" in text
    document["budget_curve"] = None  # an older report: no curve, no section
    assert "What each budget buys" not in markdown.render(from_dict(document), evaluate(loaded, parse_fail_on([])))


@pytest.mark.hypopg
def test_the_curve_with_planner_costs_leaves_the_advice_alone(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, "
                     "created_at timestamptz NOT NULL, sku int NOT NULL)")
        conn.execute("INSERT INTO orders (customer_id, status, created_at, sku) SELECT g % 5000, "
                     "(ARRAY['new','paid','shipped'])[1 + g % 3], now() - g * interval '1 second', g % 700 "
                     "FROM generate_series(1, 100000) g")
        conn.execute("ANALYZE")
    workload = tmp_path / "workload.sql"
    workload.write_text("SELECT * FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 10;\n"
                        "SELECT count(*) FROM orders WHERE sku = 7;\n" * 3
                        + "SELECT * FROM orders WHERE created_at > now() - interval '1 minute';\n")
    one = api.analyze([workload], dsn=fresh_db, options=SelectionOptions(max_indexes=1))
    assert one.costing == "planner" and len(one.recommendations) == 1
    _check_steps(one)
    assert one.budget_curve is not None and one.budget_curve.stop == "max_indexes"
    past = [s for s in one.budget_curve.steps if not s.chosen]
    assert past and past[0].cost_after < (one.workload_cost_after or 0)  # the next index would save more
    every = api.analyze([workload], dsn=fresh_db)
    assert [r.ddl for r in every.recommendations][:1] == [r.ddl for r in one.recommendations]


def test_the_steps_past_the_set_grow_from_it() -> None:
    """Each step past the set adds to the set before it (an index may replace a chosen prefix of it)."""
    report = _analyze(budget_bytes=200 * MB)
    assert report.budget_curve is not None
    steps = report.budget_curve.steps
    last = max(n for n, s in enumerate(steps) if s.chosen)
    past = steps[last:]
    assert len(past) > 2
    assert all(b.size_bytes > a.size_bytes and b.cost_after < a.cost_after for a, b in zip(past, past[1:]))


def test_an_index_leave_one_out_drops_is_neither_proposed_nor_in_the_curve(monkeypatch: pytest.MonkeyPatch) -> None:
    """An index the later ones made worthless (its leave-one-out benefit is nothing: select/attribution.py)
    is dropped from the proposals; the curve steps through the set that is proposed, not the greedy's."""
    real = advisor.leave_one_out
    dropped: list = []

    def drop_the_weakest(problem, results, chosen, current):
        kept = real(problem, results, chosen, current)
        dropped.append(kept[-1].candidate.spec)
        return kept[:-1]

    monkeypatch.setattr(advisor, "leave_one_out", drop_the_weakest)
    report = _analyze()
    _check_steps(report)
    assert report.budget_curve is not None and dropped
    gone = dropped[0]
    assert all(s.index != f"({', '.join(k.shown for k in gone.keys)})" or s.table != f"{gone.schema}.{gone.table}"
               for s in report.budget_curve.steps if s.chosen)
