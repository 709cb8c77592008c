"""`indexadvisor explain N`: one recommendation in full, for a terminal.

What it is and why, its estimate, where it comes in what each budget buys, its DDL, and
every statement it serves with its SQL and its cost per call before and after.
"""

from __future__ import annotations

from indexadvisor.errors import InputError
from indexadvisor.model import Report
from indexadvisor.pg.sizes import format_size
from indexadvisor.report.detail import detail
from indexadvisor.report.table import DEFAULT_WIDTH, MIN_WIDTH, fact_lines, wrap, wrap_sql
from indexadvisor.report.text import cell, printable
from indexadvisor.select.curve import definition


def render(report: Report, number: int, width: int | None = None) -> str:
    """Recommendation `number` (from 1, as the table numbers them) in full; an InputError when there is none."""
    count = len(report.recommendations)
    if not 1 <= number <= count:
        have = f"it has {count} (1-{count})" if count > 1 else ("it has one (1)" if count else "it proposes none")
        raise InputError(f"no recommendation {number} in this report: {have}")
    width = max(MIN_WIDTH, width or DEFAULT_WIDTH)
    d = detail(report, number)
    r = d.recommendation
    out = wrap(cell(f"Recommendation {number} of {count}: {r.schema}.{r.table} {d.index}"), width)
    out.append("")
    for text in [f"name: {cell(r.name)}", *fact_lines(d), *_curve_place(report, number)]:
        out += wrap(text, width, "  ")
    out += ["", "DDL:", *wrap_sql(cell(r.ddl), width)]
    if d.served:
        out += ["", *wrap(f"Statements it serves ({len(d.served)}), cost per call before -> after (with this index "
                          "added to the set at its turn):", width)]
        for n, s in enumerate(d.served, 1):
            costs = (f"{s.before:,.1f} -> {s.after:,.1f} ({s.change})"
                     if s.before is not None and s.after is not None else "not costed")
            item = wrap(cell(f"{n}. {s.location}, {s.calls:,} call{'' if s.calls == 1 else 's'}: {costs}"), width, "    ")
            out += [item[0][4:], *item[1:]]
            out += ["    " + line for line in wrap_sql(cell(s.sql), width - 4)]
    return printable("\n".join(out) + "\n")


def _curve_place(report: Report, number: int) -> list[str]:
    """Where the selection added this index in what each budget buys (none for one chosen by rule, e.g. GIN)."""
    curve, before = report.budget_curve, report.workload_cost_before
    if curve is None or not before:
        return []
    r = report.recommendations[number - 1]
    text = definition(r.keys, r.include, r.where, r.method)
    chosen = [s for s in curve.steps if s.chosen]
    for n, s in enumerate(chosen, 1):
        if s.table == f"{r.schema}.{r.table}" and s.index == text:
            return [f"budget curve: step {n} of {len(chosen)} of the proposed set; the set up to it takes "
                    f"{format_size(s.size_bytes)} and leaves the workload's cost at {(s.cost_after / before - 1) * 100:+.1f}%"]
    return []
