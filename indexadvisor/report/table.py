"""The terminal report: what to add, why, and what could not be read."""

from __future__ import annotations

import os
import sys
import textwrap

from indexadvisor.model import Report, SourceError, StatementReport
from indexadvisor.pg.sizes import format_size
from indexadvisor.report import curve as budget
from indexadvisor.report.detail import Detail, detail
from indexadvisor.report.gate import NOT_A_FILE
from indexadvisor.report.text import cell as _cell
from indexadvisor.report.text import change, index_text, printable, share

__all__ = ["change", "index_text", "printable", "render", "share", "terminal_width"]

DEFAULT_WIDTH = 100  # when the output is not a terminal (piped, a file) and COLUMNS is not set
MIN_WIDTH = 40
_SEP = "  "


def terminal_width(to_stdout: bool = True) -> int:
    """The width to print at: COLUMNS when set, else the terminal's width (when printing to stdout and it
    is a terminal), else 100 (piped, or to a file)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    try:
        if to_stdout and sys.stdout.isatty():
            return max(MIN_WIDTH, os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError, AttributeError):
        pass
    return DEFAULT_WIDTH


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Text wrapped at spaces; a word longer than a line is split after a / . _ : or -, else where it must."""
    lines = textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent,
                          break_long_words=False, break_on_hyphens=False) or [indent]
    out: list[str] = []
    for line in lines:
        while len(line) > width:
            cut = next((c for c in (line.rfind(ch, len(indent) + 1, width) for ch in "/:._-") if c > 0), -1)
            cut = cut + 1 if cut > len(indent) else width
            out.append(line[:cut])
            line = indent + line[cut:]
        out.append(line)
    return out


def wrap_sql(sql: str, width: int, indent: str = "    ") -> list[str]:
    """A statement wrapped at spaces outside quotes (so it means the same when copied), continued indented."""
    words: list[str] = []
    current, quote = "", ""
    for ch in sql:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == " ":
            words.append(current)
            current = ""
            continue
        current += ch
    words.append(current)
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = indent + word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def _columns(headers: list[str], rows: list[list[str]], width: int, flexible: list[int],
             right: frozenset[int] = frozenset(), widest_first: bool = True) -> list[str]:
    """A plain table no wider than `width`: the flexible columns shrink (their cells wrap) until it fits."""
    head, body = _table(headers, rows, width, flexible, right, widest_first)
    return head + [line for group in body for line in group]


def _table(headers: list[str], rows: list[list[str]], width: int, flexible: list[int],
           right: frozenset[int] = frozenset(), widest_first: bool = True) -> tuple[list[str], list[list[str]]]:
    """The header lines and each row's lines (wrapped cells make a row several lines).

    The widest flexible column gives way first, or (widest_first=False) the first in `flexible` that can."""
    sizes = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    floor = {i: max(len(headers[i]), 8) for i in flexible}
    while sum(sizes) + len(_SEP) * (len(sizes) - 1) > width:
        shrinkable = [i for i in flexible if sizes[i] > floor[i]]
        if not shrinkable:
            break
        sizes[max(shrinkable, key=lambda i: sizes[i]) if widest_first else shrinkable[0]] -= 1

    def line(cells: list[str]) -> str:
        text = _SEP.join(c.rjust(sizes[i]) if i in right else c.ljust(sizes[i]) for i, c in enumerate(cells))
        return text.rstrip()

    body = []
    for row in rows:
        wrapped = [wrap(c, sizes[i]) if len(c) > sizes[i] else [c] for i, c in enumerate(row)]
        body.append([line([w[k] if k < len(w) else "" for w in wrapped]) for k in range(max(len(w) for w in wrapped))])
    return [line(headers), line(["-" * n for n in sizes])], body


def _improved(report: Report) -> list[tuple[StatementReport, float, float]]:
    """The statements the proposed set makes cheaper, with their costs per call before and after, biggest saving first."""
    improved = []
    for s in report.statements:
        if s.cost_before and s.cost_after is not None and s.cost_after < s.cost_before:
            improved.append((s, s.cost_before, s.cost_after))
    return sorted(improved, key=lambda c: -c[0].calls * (c[1] - c[2]))


def render(report: Report, width: int | None = None, verbose: bool = False) -> str:
    """The report for a terminal `width` columns wide (100 when not given): no line is longer,
    as long as no single word is (a file name, an identifier). `verbose`: each proposal's estimate
    and every statement it serves, with its cost before and after, under its row."""
    width = max(MIN_WIDTH, width or DEFAULT_WIDTH)
    out: list[str] = []
    by_fp = {s.fingerprint: s for s in report.statements}
    out += wrap(
        f"indexadvisor: {report.seen} statements read, {len(report.statements)} shapes, "
        f"{report.analysed} analysed, {report.skipped} skipped, {len(report.errors)} errors", width, "")
    costing = f"estimates: {report.costing}"
    if report.costing == "planner":
        costing += f" (HypoPG, {report.explain_count} EXPLAIN calls)"
    out += wrap(_cell(f"catalog: {report.catalog_source}; {costing}"), width)
    before_all = report.workload_cost_before
    if report.recommendations and before_all:
        after_all = report.workload_cost_after or 0.0
        size = format_size(sum(r.estimate.size_bytes or 0 for r in report.recommendations if r.estimate))
        unit = "planner cost" if report.costing == "planner" else "estimated cost"  # the words the reasons use
        out += wrap(f"with the proposed indexes: {(after_all / before_all - 1) * 100:+.1f}% of the workload's cost "
                     f"(weighted {unit} {before_all:,.0f} -> {after_all:,.0f}), {size} of new indexes", width)
    for note in report.notes:
        out += wrap(_cell(f"note: {note}"), width, "")
    out.append("")
    if report.recommendations:
        rows: list[list[str]] = []
        details: list[list[str]] = []
        for i, r in enumerate(report.recommendations, 1):
            served = [by_fp[fp] for fp in r.statements if fp in by_fp]
            rows.append([
                str(i),
                _cell(f"{r.schema}.{r.table}"),
                index_text(r),
                share(r.estimate.benefit, before_all) if r.estimate else "-",
                format_size(r.estimate.size_bytes if r.estimate else None),
                f"{len(served)} ({_calls(sum(s.calls for s in served))})",
            ])
            where = ", ".join(_cell(_where(s)) for s in served[:3]) + (f" (+{len(served) - 3})" if len(served) > 3 else "")
            details.append(long_lines(detail(report, i)) if verbose else
                           [_cell(r.reason), f"statements: {where}" if where else ""])
        heading = "cost" if before_all else "benefit"
        head, body = _table(["#", "table", "index", heading, "size", "statements"], rows, width, flexible=[1, 2, 5],
                            right=frozenset({0, 3, 4}))
        out += wrap(f"Proposed indexes ({len(report.recommendations)}); cost: the change each one makes to the "
                     "workload's estimated cost" if before_all else f"Proposed indexes ({len(report.recommendations)}):",
                     width)
        out += head
        indent = " " * (max(len(r[0]) for r in rows) + len(_SEP))
        for lines, texts in zip(body, details):
            out += lines
            for text in texts:
                if text:
                    out += wrap(text, width, indent)
        out.append("")
        out.append("DDL:")
        for r in report.recommendations:
            out += wrap_sql(_cell(r.ddl), width)
    else:
        out += wrap("No new index proposed: the existing indexes serve this workload, or no statement could use one.",
                     width)
    out += _curve_block(report, width)
    improved = _improved(report)
    if improved and report.recommendations:
        out.append("")
        out += wrap(f"Statements made cheaper ({len(improved)}), cost per call with the whole set:", width)
        rows = [[_cell(_where(s, 32)), f"{s.calls:,}", f"{before:,.1f}", f"{after:,.1f}", change(before, after)]
                for s, before, after in improved[:10]]
        out += _columns(["statement", "calls", "before", "after", "change"], rows, width, flexible=[4, 0],
                        right=frozenset({1, 2, 3}), widest_first=False)
        if len(improved) > 10:
            out.append(f"  ... and {len(improved) - 10} more (see --format json)")
    served_existing = [s for s in report.statements if s.served_by_existing]
    if served_existing:
        out.append("")
        out.append(f"Already served by existing indexes: {len(served_existing)} statement shape(s)")
        for s in served_existing[:10]:
            out += wrap(_cell(f"{_where(s)}: {', '.join(s.served_by_existing)}"), width, "  ")
    if report.findings:
        out.append("")
        out.append("Findings:")
        for f in report.findings:
            title = f"{f.severity}  {f.kind}  {f.table}" + (f"  {f.index or f.related}" if f.index or f.related else "")
            out += wrap(_cell(title), width, "- ")
            out += wrap(_cell(f.evidence + (f" Fix: {f.fix}" if f.fix else "")), width, "    ")
        fixes = list(dict.fromkeys(f.ddl for f in report.findings if f.ddl))
        if fixes:
            out.append("")
            out.append("Findings DDL (one statement at a time):")
            for ddl in fixes:
                out += wrap_sql(_cell(ddl), width)
    out += errors_block(report.errors, width=width)
    notes = [(_where(s), n) for s in report.statements for n in s.notes if not n.startswith("not analysed")]
    if notes:
        out.append("")
        out.append("Notes:")
        for location, note in notes[:20]:
            out += wrap(_cell(f"{location}: {note}"), width, "  ")
        if len(notes) > 20:
            out.append(f"  ... and {len(notes) - 20} more (see --format json)")
    return printable("\n".join(out) + "\n")  # the lines not in a table (DDL, notes, locations) too


def _where(s: StatementReport, room: int = 48) -> str:
    """A statement's place: file and line, or for a pg_stat_statements row (no file to point at)
    the start of its text, so that its notes and rows can be told apart."""
    if s.location not in NOT_A_FILE:
        return s.location
    text = " ".join(s.sql.split())
    return f"{s.location} [{text if len(text) <= room else text[:room - 3] + '...'}]"


# what the row and the DDL block already say
_IN_ROW = frozenset({"table", "index", "name", "DDL"})


def long_lines(d: Detail) -> list[str]:
    """One proposal's facts and the statements it serves, each a line to wrap."""
    return fact_lines(d) + served_lines(d)


def fact_lines(d: Detail) -> list[str]:
    return [_cell(f"{label}: {text}") for label, text in d.facts if label not in _IN_ROW]


def served_lines(d: Detail) -> list[str]:
    """Each statement the proposal serves, with its cost per call before and after."""
    out = []
    for s in d.served:
        costs = f"{s.before:,.1f} -> {s.after:,.1f} per call ({s.change})" if s.before is not None and s.after is not None else "not costed"
        out.append(_cell(f"serves {s.location} ({s.calls:,} call{'' if s.calls == 1 else 's'}): {costs}"))
    return out


def _curve_block(report: Report, width: int) -> list[str]:
    """What each budget buys: a row per step, and a line where the proposed set stops."""
    shown = budget.points(report)
    if not shown or report.budget_curve is None:
        return []
    rows = [[str(p.number), p.size, p.change, _cell(p.index)] for p in shown]
    head, body = _table(["#", "size", "cost", "index"], rows, width, flexible=[3], right=frozenset({0, 1, 2}))
    out = ["", *wrap(f"{budget.HEADING} ({budget.EXPLAINED}):", width), *head]
    marker = wrap(_cell(budget.stop_line(report.budget_curve)), width, "     ")
    marker[0] = "  -- " + marker[0][5:]
    stop = sum(p.chosen for p in shown)
    for lines in body[:stop] + [marker] + body[stop:]:
        out += lines
    return out


def errors_block(errors: list[SourceError], shown: int = 20, width: int | None = None) -> list[str]:
    """The inputs that could not be used, the first `shown` of them, for a table report (wrapped to `width`)."""
    if not errors:
        return []
    out = ["", f"Could not use ({len(errors)}):"]
    for e in errors[:shown]:
        line = printable(f"  {e.location}: {e.message}")
        out += wrap(_cell(line), width, "  ") if width else [line]
    if len(errors) > shown:
        out.append(f"  ... and {len(errors) - shown} more (see --format json)")
    return out


def _calls(n: int) -> str:
    return f"{n} call{'s' if n != 1 else ''}"
