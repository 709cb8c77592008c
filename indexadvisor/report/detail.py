"""One recommendation in full, as the HTML report, `analyze --verbose` and `indexadvisor explain` show it:
what it is, why, what it buys and takes, and each statement it serves with its cost before and after."""

from __future__ import annotations

from dataclasses import dataclass

from indexadvisor.model import Recommendation, Report, StatementReport
from indexadvisor.pg.sizes import format_size
from indexadvisor.report.text import change, index_text, share


@dataclass(frozen=True)
class Served:
    """A statement the index serves, with its estimated cost per call before and after."""

    location: str
    calls: int
    sql: str
    before: float | None
    after: float | None

    @property
    def change(self) -> str:
        if self.before is None or self.after is None or not self.before or self.after >= self.before:
            return "-"
        return change(self.before, self.after)


@dataclass(frozen=True)
class Detail:
    number: int  # its rank in the report, from 1
    recommendation: Recommendation
    index: str  # kind (keys) INCLUDE ... WHERE ...
    facts: list[tuple[str, str]]  # (label, text), in the order shown
    served: list[Served]


def served(report: Report, r: Recommendation) -> list[Served]:
    """The statements r serves: with r's own before/after where the estimate has them (the index
    added to the set at its turn), else each statement's costs with the whole set."""
    by_fp = {s.fingerprint: s for s in report.statements}
    own = {h.fingerprint: (h.cost_before, h.cost_after) for h in (r.estimate.helps if r.estimate else [])}
    out = []
    for fp in dict.fromkeys([*own, *r.statements]):
        s: StatementReport | None = by_fp.get(fp)
        if s is None:
            continue
        before, after = own.get(fp, (s.cost_before, s.cost_after))
        out.append(Served(s.location, s.calls, s.sql, before, after))
    return out


def detail(report: Report, number: int) -> Detail:
    """Recommendation `number` (from 1) of the report, in full."""
    r = report.recommendations[number - 1]
    e = r.estimate
    facts = [("table", f"{r.schema}.{r.table}"), ("index", index_text(r)), ("name", r.name), ("why", r.reason)]
    if r.kind_reason:
        facts.append(("kind", r.kind_reason))
    if e is not None:
        facts.append(("estimates", e.method))
        if report.workload_cost_before:
            facts.append(("workload cost", f"{share(e.benefit, report.workload_cost_before)} (net of writes)"))
        facts.append(("benefit", f"{e.benefit:,.1f} weighted cost units"
                                  + (f", after {e.write_cost:,.1f} for the writes it slows" if e.write_cost else "")))
        if e.cost_before is not None and e.cost_after is not None:
            facts.append(("its statements", f"weighted cost {e.cost_before:,.1f} -> {e.cost_after:,.1f}"))
        if e.rows_before is not None and e.rows_after is not None:
            facts.append(("rows read", f"{e.rows_before:,.0f} -> {e.rows_after:,.0f} per call (the hottest statement)"))
        facts.append(("size", format_size(e.size_bytes)))
    facts.append(("DDL", r.ddl))
    return Detail(number, r, index_text(r), facts, served(report, r))
