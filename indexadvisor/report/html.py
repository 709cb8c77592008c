"""The HTML report (`analyze --format html`): one self-contained file that loads nothing.

Summary, what each budget buys as an inline SVG chart (with its table), the proposals with
their DDL (copy buttons) and the statements each serves with their cost before and after,
health findings, N+1 bursts, and what could not be read. Its only script and style are
inline and named by hash in a Content-Security-Policy of `default-src 'none'`, so a browser
fetches nothing for it, even if some text from the input looked like markup (all of it is
escaped anyway).
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from indexadvisor import __version__
from indexadvisor.model import Finding, Report, StatementReport
from indexadvisor.pg.sizes import format_size
from indexadvisor.report import curve as budget
from indexadvisor.report.detail import Detail, detail
from indexadvisor.report.text import change, printable

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1d2330}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccd;padding-bottom:.2em}h3{margin:1.4em 0 .4em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #dde;padding:.25em .5em;text-align:left;
vertical-align:top}td.n{text-align:right;white-space:nowrap}tr.past td{color:#778}tr.stop td{font-weight:600;
background:#fff6e0}pre{background:#f4f5f8;padding:.6em;overflow-x:auto;white-space:pre-wrap;margin:.3em 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{color:#556}dd{margin:0}
button.copy{float:right;margin:.2em}.note{color:#556}svg text{font-size:12px;fill:#334}
svg .axis{stroke:#889}svg .line{fill:none;stroke:#3566c8;stroke-width:2}svg .chosen{fill:#3566c8}
svg .past{fill:#fff;stroke:#3566c8;stroke-width:1.5}svg .stop{stroke:#d08a00;stroke-dasharray:4 3}
"""

SCRIPT = """
document.documentElement.dataset.ready = "1";
document.querySelectorAll("button.copy").forEach(function (b) {
  b.addEventListener("click", function () {
    var text = document.getElementById(b.dataset.target).textContent;
    var done = function () { b.textContent = "Copied"; };
    if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done); return; }
    var r = document.createRange(); r.selectNodeContents(document.getElementById(b.dataset.target));
    var s = window.getSelection(); s.removeAllRanges(); s.addRange(r); document.execCommand("copy"); done();
  });
});
"""

CHART_WIDTH, CHART_HEIGHT = 640, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 20, 16, 40


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


POLICY = (f"default-src 'none'; style-src '{_sha256(STYLE)}'; script-src '{_sha256(SCRIPT)}'; "
          "base-uri 'none'; form-action 'none'")


def _e(value: object) -> str:
    """Text from the input as HTML text: escaped, control characters written out."""
    return escape(printable(str(value)), quote=True)


def render(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="referrer" content="no-referrer">',
        "<title>indexadvisor report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>indexadvisor report</h1>",
        *_summary(report),
        *_curve(report),
        *_proposals(report),
        *_findings([f for f in report.findings if f.kind != "n_plus_one"]),
        *_bursts(report, [f for f in report.findings if f.kind == "n_plus_one"]),
        *_cheaper_and_unread(report),
        f'<p class="note">Written by indexadvisor {_e(__version__)}.</p>',
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _summary(report: Report) -> list[str]:
    out = ['<section id="summary"><h2>Summary</h2><ul>',
           f"<li>{report.seen:,} statements read, {len(report.statements):,} shapes, {report.analysed:,} analysed, "
           f"{report.skipped:,} skipped, {len(report.errors):,} could not be used</li>",
           f"<li>catalog: {_e(report.catalog_source)}; estimates: {_e(report.costing)}"
           + (f" (HypoPG, {report.explain_count:,} EXPLAIN calls)" if report.costing == "planner" else "") + "</li>"]
    before, after = report.workload_cost_before, report.workload_cost_after
    if report.recommendations and before:
        size = sum(r.estimate.size_bytes or 0 for r in report.recommendations if r.estimate)
        out.append(f"<li>{len(report.recommendations)} indexes proposed: <strong>{budget.change(after or 0.0, before)}"
                   f"</strong> of the workload's estimated cost, {_e(format_size(size))} of new indexes</li>")
    elif not report.recommendations:
        out.append("<li>No new index proposed.</li>")
    out.append(f"<li>{len(report.findings)} health findings</li></ul>")
    out += [f'<p class="note">note: {_e(n)}</p>' for n in report.notes]
    return out + ["</section>"]


def _curve(report: Report) -> list[str]:
    points = budget.points(report)
    if not points or report.budget_curve is None:
        return []
    out = ['<section id="budget-curve">', f"<h2>{budget.HEADING}</h2>",
           f'<p class="note">{_e(budget.EXPLAINED.capitalize())}. Filled points: the proposed set; '
           "hollow: what the next indexes would buy.</p>", _chart(points, budget.stop_line(report.budget_curve)),
           "<table><thead><tr><th>#</th><th>size</th><th>cost</th><th>index</th></tr></thead><tbody>"]
    chosen = sum(p.chosen for p in points)
    stop = f'<tr class="stop"><td colspan="4">{_e(budget.stop_line(report.budget_curve))}</td></tr>'
    rows = [f'<tr class="{"chosen" if p.chosen else "past"}"><td class="n">{p.number}</td><td class="n">{_e(p.size)}</td>'
            f'<td class="n">{_e(p.change)}</td><td><code>{_e(p.index)}</code></td></tr>' for p in points]
    return out + rows[:chosen] + [stop] + rows[chosen:] + ["</tbody></table></section>"]


def _chart(points: list[budget.Point], stop: str) -> str:
    """The curve as an SVG line chart: the set's size across, the workload's cost left (%) up."""
    width, height = CHART_WIDTH - _LEFT - _RIGHT, CHART_HEIGHT - _TOP - _BOTTOM
    most = max(p.size_bytes for p in points) or 1

    def x(size: int) -> float:
        return _LEFT + width * size / most

    def y(left: float) -> float:
        return _TOP + height * (1 - min(max(left, 0.0), 1.0))

    out = [f'<svg id="budget-chart" xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
           f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" aria-label="{_e(budget.HEADING)}">',
           f'<line class="axis" x1="{_LEFT}" y1="{_TOP + height}" x2="{_LEFT + width}" y2="{_TOP + height}"/>',
           f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_TOP + height}"/>']
    for share in (0.0, 0.5, 1.0):
        out.append(f'<text x="{_LEFT - 6}" y="{y(share) + 4:.1f}" text-anchor="end">{share:.0%}</text>')
    for size, anchor in ((0, "start"), (most // 2, "middle"), (most, "end")):
        out.append(f'<text x="{x(size):.1f}" y="{_TOP + height + 16}" text-anchor="{anchor}">{_e(format_size(size))}</text>')
    out.append(f'<text x="{_LEFT + width / 2:.1f}" y="{CHART_HEIGHT - 4}" text-anchor="middle">size of the set</text>')
    out.append(f'<text x="12" y="{_TOP + height / 2:.1f}" transform="rotate(-90 12 {_TOP + height / 2:.1f})" '
               'text-anchor="middle">workload cost left</text>')
    line = " ".join(f"{x(p.size_bytes):.1f},{y(p.share_left):.1f}" for p in points)
    out.append(f'<polyline class="line" points="{x(0):.1f},{y(1.0):.1f} {line}"/>')
    chosen = [p for p in points if p.chosen]
    at = x(chosen[-1].size_bytes) if chosen else x(0)
    out.append(f'<line class="stop" x1="{at:.1f}" y1="{_TOP}" x2="{at:.1f}" y2="{_TOP + height}"><title>{_e(stop)}</title></line>')
    for p in points:
        out.append(f'<circle class="{"chosen" if p.chosen else "past"}" cx="{x(p.size_bytes):.1f}" '
                   f'cy="{y(p.share_left):.1f}" r="4.5"><title>{p.number}. {_e(p.index)}: {_e(p.size)}, '
                   f'{_e(p.change)}</title></circle>')
    return "".join(out) + "</svg>"


def _proposals(report: Report) -> list[str]:
    if not report.recommendations:
        return ['<section id="proposals"><h2>Proposed indexes</h2><p>None: the existing indexes serve this '
                "workload, or no statement could use one.</p></section>"]
    out = ['<section id="proposals"><h2>Proposed indexes</h2>']
    for n in range(1, len(report.recommendations) + 1):
        out += _proposal(detail(report, n))
    return out + ["</section>"]


def _proposal(d: Detail) -> list[str]:
    r = d.recommendation
    out = [f'<article class="proposal" id="proposal-{d.number}">',
           f"<h3>{d.number}. <code>{_e(r.schema)}.{_e(r.table)}</code> {_e(d.index)}</h3><dl>"]
    out += [f"<dt>{_e(label)}</dt><dd>{_e(text)}</dd>" for label, text in d.facts if label != "DDL"]
    out.append("</dl>")
    out += _code_block(f"ddl-{d.number}", r.ddl)
    if d.served:
        out.append("<table><thead><tr><th>statement</th><th>calls</th><th>before</th><th>after</th><th>change</th>"
                   "</tr></thead><tbody>")
        for s in d.served:
            before = f"{s.before:,.1f}" if s.before is not None else "-"
            after = f"{s.after:,.1f}" if s.after is not None else "-"
            out.append(f"<tr><td>{_e(s.location)}<details><summary>SQL</summary><pre>{_e(s.sql)}</pre></details></td>"
                       f'<td class="n">{s.calls:,}</td><td class="n">{before}</td><td class="n">{after}</td>'
                       f'<td class="n">{_e(s.change)}</td></tr>')
        out.append("</tbody></table>")
    return out + ["</article>"]


def _code_block(target: str, text: str) -> list[str]:
    return [f'<div><button class="copy" type="button" data-target="{target}">Copy</button>'
            f'<pre><code id="{target}">{_e(text)}</code></pre></div>']


def _findings(findings: list[Finding]) -> list[str]:
    out = ['<section id="findings"><h2>Health findings</h2>']
    if not findings:
        return out + ["<p>None.</p></section>"]
    for n, f in enumerate(findings, 1):
        title = f"{f.severity}: {f.kind} on {f.table}" + (f" ({f.index or f.related})" if f.index or f.related else "")
        out.append(f'<article class="finding"><h3>{_e(title)}</h3><p>{_e(f.evidence)}</p>')
        if f.fix:
            out.append(f"<p>Fix: {_e(f.fix)}</p>")
        if f.ddl:
            out += _code_block(f"finding-{n}", f.ddl)
        out.append("</article>")
    return out + ["</section>"]


def _bursts(report: Report, bursts: list[Finding]) -> list[str]:
    """N+1 bursts: the child statement run once per parent row, with the numbers and the fix."""
    if not bursts:
        return []
    by_fp = {s.fingerprint: s for s in report.statements}
    out = ['<section id="n-plus-one"><h2>N+1 bursts</h2>', "<table><thead><tr><th>parent</th><th>repeated</th>"
           "<th>bursts</th><th>calls in bursts</th><th>burst size</th><th>fix</th></tr></thead><tbody>"]
    for f in bursts:
        parent, child = (by_fp.get(fp) for fp in [*f.statements, "", ""][:2])
        m = f.metrics
        size = f"{m.get('min_burst') or 0:,.0f}-{m.get('max_burst') or 0:,.0f} (mean {m.get('mean_burst') or 0:,.1f})"
        out.append(f"<tr><td>{_statement(parent)}</td><td>{_statement(child)}</td>"
                   f'<td class="n">{m.get("bursts") or 0:,.0f}</td><td class="n">{m.get("calls") or 0:,.0f}</td>'
                   f'<td class="n">{size}</td><td>{_e(f.fix or "")}</td></tr>')
    return out + ["</tbody></table></section>"]


def _statement(s: StatementReport | None) -> str:
    if s is None:
        return "-"
    return f"{_e(s.location)}<details><summary>SQL</summary><pre>{_e(s.sql)}</pre></details>"


def _cheaper_and_unread(report: Report) -> list[str]:
    """What could not be read, and the notes on statements (the cheaper statements with the whole set first)."""
    out: list[str] = []
    cheaper = [s for s in report.statements if s.cost_before and s.cost_after is not None and s.cost_after < s.cost_before]
    if cheaper and report.recommendations:
        out += ['<section id="statements"><h2>Statements made cheaper</h2><table><thead><tr><th>statement</th>'
                "<th>calls</th><th>before</th><th>after</th><th>change</th></tr></thead><tbody>"]
        for s in sorted(cheaper, key=lambda s: -s.calls * ((s.cost_before or 0) - (s.cost_after or 0))):
            out.append(f'<tr><td>{_statement(s)}</td><td class="n">{s.calls:,}</td><td class="n">{s.cost_before:,.1f}</td>'
                       f'<td class="n">{s.cost_after:,.1f}</td><td class="n">'
                       f"{_e(change(s.cost_before or 0.0, s.cost_after or 0.0))}</td></tr>")
        out.append("</tbody></table></section>")
    if report.errors:
        out.append(f'<section id="errors"><h2>Could not use ({len(report.errors)})</h2><ul>')
        out += [f"<li>{_e(e.location)}: {_e(e.message)}</li>" for e in report.errors]
        out.append("</ul></section>")
    return out
