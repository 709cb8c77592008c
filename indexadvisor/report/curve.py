"""What each budget buys, as every renderer words it: the steps of the budget curve with the
set's size and its change to the workload's cost, and where the proposed set stops."""

from __future__ import annotations

from dataclasses import dataclass

from indexadvisor.model import BudgetCurve, Report
from indexadvisor.pg.sizes import format_size

HEADING = "What each budget buys"
EXPLAINED = ("indexes in the order the selection adds them; size: the set so far; cost: the workload's estimated "
             "cost with it")


@dataclass(frozen=True)
class Point:
    """One step as text, with the numbers a chart needs."""

    number: int
    size: str  # the set's size: 42.4 MB
    change: str  # the workload's cost with the set: -22.5%
    index: str  # schema.table (keys) ...
    chosen: bool
    size_bytes: int
    share_left: float  # the workload's cost left, as a share of its cost with the existing indexes (1.0: unchanged)


def points(report: Report) -> list[Point]:
    """The curve's steps as text; none when the report has no curve or no workload cost."""
    curve, before = report.budget_curve, report.workload_cost_before
    if curve is None or not curve.steps or not before:
        return []
    return [Point(n, format_size(s.size_bytes), change(s.cost_after, before), f"{s.table} {s.index}", s.chosen,
                  s.size_bytes, s.cost_after / before)
            for n, s in enumerate(curve.steps, 1)]


def change(after: float, before: float) -> str:
    """The workload's cost with a set, as a change from its cost without: -22.5%, -<0.1%."""
    pct = (after / before - 1) * 100
    if -0.1 < pct < 0:
        return "-<0.1%"
    return f"{pct:+.1f}%" if pct else "0%"


def stop_line(curve: BudgetCurve) -> str:
    """Where the proposed set stops and why, in words."""
    return f"the proposed set stops here: {curve.stop_reason}"

