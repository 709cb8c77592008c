"""The terminal report: what to add, why, and what could not be read."""

from __future__ import annotations

import re
import textwrap

from tabulate import tabulate

from indexadvisor.model import Report, SourceError, StatementReport
from indexadvisor.pg.sizes import format_size

_WRAP = 60

# what a terminal acts on instead of showing: C0 controls (ESC starts colour, cursor and title sequences) but
# tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), bidirectional overrides, and lone surrogates
# (from a hand-edited JSON report: they cannot even be written out as UTF-8)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """text safe to print on a terminal: each control character written out as \\xNN or \\uNNNN.

    SQL text, identifiers and file names come from the input and may hold anything: printed raw,
    "\\x1b]0;...\\x07" retitles the window and "\\x1b[2J" clears the screen.
    """
    return _CONTROL.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _cell(value: object) -> str:
    return printable(str(value))


def _improved(report: Report) -> list[tuple[StatementReport, float, float]]:
    """The statements the proposed set makes cheaper, with their costs per call before and after, biggest saving first."""
    improved = []
    for s in report.statements:
        if s.cost_before and s.cost_after is not None and s.cost_after < s.cost_before:
            improved.append((s, s.cost_before, s.cost_after))
    return sorted(improved, key=lambda c: -c[0].calls * (c[1] - c[2]))


def render(report: Report) -> str:
    out: list[str] = []
    by_fp = {s.fingerprint: s for s in report.statements}
    out.append(
        f"indexadvisor: {report.seen} statements read, {len(report.statements)} shapes, "
        f"{report.analysed} analysed, {report.skipped} skipped, {len(report.errors)} errors"
    )
    costing = f"estimates: {report.costing}"
    if report.costing == "planner":
        costing += f" (HypoPG, {report.explain_count} EXPLAIN calls)"
    out.append(f"catalog: {report.catalog_source}; {costing}")
    if report.recommendations and report.workload_cost_before:
        before, after = report.workload_cost_before, report.workload_cost_after or 0.0
        out.append(f"weighted workload cost: {before:,.0f} -> {after:,.0f} ({(after / before - 1) * 100:+.1f}%), "
                   f"{format_size(sum(r.estimate.size_bytes or 0 for r in report.recommendations if r.estimate))} of new indexes")
    for note in report.notes:
        out.append(f"note: {note}")
    out.append("")
    if report.recommendations:
        rows = []
        for i, r in enumerate(report.recommendations, 1):
            served = [by_fp[fp] for fp in r.statements if fp in by_fp]
            where = ", ".join(_cell(s.location) for s in served[:3]) + (f" (+{len(served) - 3})" if len(served) > 3 else "")
            benefit = f"{r.estimate.benefit:,.0f}" if r.estimate else "-"
            rows.append([
                i,
                _cell(f"{r.schema}.{r.table}"),
                f"[{r.kind}]\n" + textwrap.fill(_cell(", ".join(r.columns) + (f" INCLUDE ({', '.join(r.include)})" if r.include else "")
                                                       + (f" WHERE {r.where}" if r.where else "")), 30),
                benefit,
                format_size(r.estimate.size_bytes if r.estimate else None),
                f"{len(served)} ({sum(s.calls for s in served)} calls)\n" + textwrap.fill(where, 30),
                textwrap.fill(_cell(r.reason), _WRAP),
            ])
        out.append(f"Proposed indexes ({len(report.recommendations)}):")
        out.append(tabulate(rows, headers=["#", "table", "keys", "benefit", "size", "statements", "why"], tablefmt="simple_grid"))
        out.append("")
        out.append("DDL:")
        out.extend(r.ddl for r in report.recommendations)
    else:
        out.append("No new index proposed: the existing indexes serve this workload, or no statement could use one.")
    improved = _improved(report)
    if improved and report.recommendations:
        out.append("")
        out.append(f"Statements made cheaper ({len(improved)}), cost per call with the whole set:")
        rows = [[_cell(s.location), s.calls, f"{before:,.1f}", f"{after:,.1f}", f"{after / before:.2f}"]
                for s, before, after in improved[:10]]
        out.append(tabulate(rows, headers=["statement", "calls", "before", "after", "ratio"], tablefmt="simple", disable_numparse=True))
        if len(improved) > 10:
            out.append(f"  ... and {len(improved) - 10} more (see --format json)")
    served = [s for s in report.statements if s.served_by_existing]
    if served:
        out.append("")
        out.append(f"Already served by existing indexes: {len(served)} statement shape(s)")
        for s in served[:10]:
            out.append(f"  {s.location}: {', '.join(s.served_by_existing)}")
    if report.findings:
        out.append("")
        out.append("Findings:")
        rows = [[f.severity, _cell(f.kind), _cell(f.table), _cell(f.index or f.related or ""),
                 textwrap.fill(_cell(f.evidence + (f" Fix: {f.fix}" if f.fix else "")), _WRAP)] for f in report.findings]
        out.append(tabulate(rows, headers=["severity", "kind", "table", "index / key", "evidence"], tablefmt="simple_grid"))
        fixes = list(dict.fromkeys(f.ddl for f in report.findings if f.ddl))
        if fixes:
            out.append("")
            out.append("Findings DDL (one statement at a time):")
            out.extend(fixes)
    out += errors_block(report.errors)
    notes = [(s.location, n) for s in report.statements for n in s.notes if not n.startswith("not analysed")]
    if notes:
        out.append("")
        out.append("Notes:")
        for location, note in notes[:20]:
            out.append(f"  {location}: {note}")
        if len(notes) > 20:
            out.append(f"  ... and {len(notes) - 20} more (see --format json)")
    return printable("\n".join(out) + "\n")  # the lines not in a table (DDL, notes, locations) too


def errors_block(errors: list[SourceError], shown: int = 20) -> list[str]:
    """The inputs that could not be used, the first `shown` of them, for a table report."""
    if not errors:
        return []
    out = ["", f"Could not use ({len(errors)}):"]
    out += [printable(f"  {e.location}: {e.message}") for e in errors[:shown]]
    if len(errors) > shown:
        out.append(f"  ... and {len(errors) - shown} more (see --format json)")
    return out
