"""Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY: summary, proposals with DDL, findings."""

from __future__ import annotations

from indexadvisor.model import Report
from indexadvisor.pg.sql import render_key
from indexadvisor.report import curve as budget
from indexadvisor.report.ci import repo_path
from indexadvisor.report.gate import GateResult, Problem, sorted_problems, summary_line
from indexadvisor.report.identity import PROPOSAL_RULE
from indexadvisor.report.table import printable

MAX_ROWS = 50  # a PR comment holds 65,536 characters: keep the tables short
MAX_PLACES = 3


def render(report: Report, result: GateResult) -> str:
    out: list[str] = []
    n_prop, n_find = len(report.recommendations), len(report.findings)
    out.append(f"## indexadvisor: {_count(n_prop, 'index', 'indexes')} proposed, {_count(n_find, 'finding', 'findings')}")
    out.append("")
    if not result.policy.active:
        out.append("No gate: `--fail-on none`.")
    elif result.failed:
        n = len(result.gated)
        out.append(f"**Gate failed**: {_count(n, 'problem', 'problems')} {'matches' if n == 1 else 'match'} "
                   f"`--fail-on {result.policy.describe()}`.")
    else:
        out.append(f"**Gate passed**: nothing new matches `--fail-on {result.policy.describe()}`.")
    if result.baseline is not None:
        new = sum(1 for p in result.problems if p.new)
        out.append(f"Compared with the baseline `{result.baseline}`: {new} new, "
                   f"{len(result.known)} already known (not counted), {len(result.gone)} resolved.")
    out.append("")
    out.append(
        f"{report.seen} statements read, {len(report.statements)} shapes, {report.analysed} analysed, "
        f"{report.skipped} skipped, {_count(len(report.errors), 'error', 'errors')}; "
        f"catalog: {report.catalog_source}; estimates: {report.costing}."
    )

    ordered = sorted_problems(result.problems)
    proposals = [p for p in ordered if p.rule == PROPOSAL_RULE]
    findings = [p for p in ordered if p.rule != PROPOSAL_RULE]
    if proposals:
        out += ["", "### Proposed indexes", ""]
        out.append("| | Index | Table | Keys | Benefit | Statements |")
        out.append("| --- | --- | --- | --- | ---: | --- |")
        for p in proposals[:MAX_ROWS]:
            r = p.recommendation
            assert r is not None
            keys = ", ".join(render_key(k) for k in r.keys)
            if r.include:
                keys += f" INCLUDE ({', '.join(r.include)})"
            if r.where:
                keys += f" WHERE {r.where}"
            benefit = f"{p.benefit:,.0f}" if p.benefit is not None else "-"
            out.append(f"| {_status(p, result)} | `{_cell(r.name)}` | `{_cell(p.table)}` | {_code(keys)} | {benefit} | {_places(p)} |")
        if len(proposals) > MAX_ROWS:
            out.append(f"\n... and {len(proposals) - MAX_ROWS} more (see the JSON report).")
        out += ["", "<details><summary>DDL</summary>", "", "```sql"]
        out += [p.ddl or "" for p in proposals[:MAX_ROWS]]
        out += ["```", "", "</details>"]
    else:
        out += ["", "No index proposed."]
    out += _curve(report)
    if findings:
        out += ["", "### Findings", ""]
        out.append("| | Kind | Table | Index | Evidence | Fix |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        for p in findings[:MAX_ROWS]:
            f = p.finding
            assert f is not None
            out.append(
                f"| {_status(p, result)} | {_cell(f.kind)} | `{_cell(f.table)}` | {_code(f.index or '')} | "
                f"{_cell(f.evidence)} | {_code(f.ddl) if f.ddl else _cell(getattr(f, 'fix', None) or '')} |"
            )
        if len(findings) > MAX_ROWS:
            out.append(f"\n... and {len(findings) - MAX_ROWS} more (see the JSON report).")
    notes = list(report.notes)
    if report.errors:
        notes.append(f"{_count(len(report.errors), 'statement or file', 'statements or files')} could not be used, "
                     f"e.g. {report.errors[0].location}: {report.errors[0].message}")
    if notes:
        out += ["", "### Notes", ""]
        out += [f"- {_cell(n)}" for n in notes]
    out += ["", f"<sub>{_cell(summary_line(report, result))}</sub>"]
    # printed to a terminal or a CI log as often as posted: control characters written out, not acted on
    return printable("\n".join(out) + "\n")


def _curve(report: Report) -> list[str]:
    """What each budget buys, folded: a row per index added, and the row where the proposed set stops."""
    shown = budget.points(report)
    if not shown or report.budget_curve is None:
        return []
    out = ["", f"<details><summary>{budget.HEADING}</summary>", "", f"{_cell(budget.EXPLAINED.capitalize())}.", "",
           "| # | Size | Cost | Index |", "| ---: | ---: | ---: | --- |"]
    stop = f"| | | | **{_cell(budget.stop_line(report.budget_curve))}** |"
    rows = [f"| {p.number} | {p.size} | {p.change} | {_code(p.index)} |" for p in shown]
    chosen = sum(p.chosen for p in shown)
    return out + rows[:chosen] + [stop] + rows[chosen:] + ["", "</details>"]


def _status(p: Problem, result: GateResult) -> str:
    if p.gated:
        return "❌ fails"
    if result.baseline is not None:
        return "🆕 new" if p.new else "known"
    return ""


def _places(p: Problem) -> str:
    r = p.recommendation
    shown = [f"`{_cell(repo_path(loc.path))}:{loc.line}`" if loc.line else f"`{_cell(repo_path(loc.path))}`"
             for loc in p.locations[:MAX_PLACES]]
    count = len(r.statements) if r else len(p.locations)
    more = f" (+{count - len(shown)})" if count > len(shown) else ""
    return (", ".join(shown) + more) if shown else f"{count} shape(s)"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no newlines."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: str) -> str:
    if not text:
        return ""
    text = _cell(text)
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"
