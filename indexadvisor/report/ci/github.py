"""GitHub Actions workflow commands: `::warning file=...,line=...::message` annotations.

Printed to a step's stdout, each line becomes an annotation on the pull request's
diff at that file and line. Gated problems (the ones that fail the build) are
`::error`, the others `::warning` (`::notice` for informational findings).

GitHub shows at most 10 annotations of each level per step and drops the rest without a
word: the 10 most important of each level are written (gated first, then proposals by
benefit, then findings), and one more line says how many were left out and where to see
them all: a `::notice` when that level has room left, else a plain log line.
"""

from __future__ import annotations

from indexadvisor.model import Report
from indexadvisor.report.ci import repo_path
from indexadvisor.report.gate import GateResult, sorted_problems, summary_line
from indexadvisor.report.table import printable

PER_LEVEL = 10  # GitHub's limit of annotations per level (error, warning, notice) per step
LEVELS = ("error", "warning", "notice")


def render(report: Report, result: GateResult) -> str:
    lines: list[str] = []
    shown = dict.fromkeys(LEVELS, 0)
    left_out = dict.fromkeys(LEVELS, 0)
    for p in sorted_problems(result.problems):
        level = "error" if p.gated else ("notice" if p.severity == "note" else "warning")
        if shown[level] >= PER_LEVEL:
            left_out[level] += 1
            continue
        shown[level] += 1
        props: list[str] = []
        if p.locations:
            loc = p.locations[0]
            props.append(f"file={_prop(repo_path(loc.path))}")
            if loc.line:
                props.append(f"line={loc.line}")
        props.append(f"title={_prop('indexadvisor: ' + p.title)}")
        lines.append(f"::{level} {','.join(props)}::{_data(p.message)}")
    if any(left_out.values()):
        lines.append(_left_out_line(left_out, shown["notice"] < PER_LEVEL))
    lines.append(printable(f"indexadvisor: {summary_line(report, result)}"))
    return "\n".join(lines) + "\n"


def _left_out_line(left_out: dict[str, int], as_notice: bool) -> str:
    counts = ", ".join(f"{n} {level}{'s' if n != 1 else ''}" for level, n in left_out.items() if n)
    text = (f"{sum(left_out.values())} more problem(s) not annotated ({counts}): GitHub shows at most {PER_LEVEL} "
            "annotations per level per step, and these are the least important; see them all in the markdown "
            "report (--format markdown, e.g. the job summary) or in code scanning (--format sarif)")
    if as_notice:
        return f"::notice title={_prop('indexadvisor: more problems than annotations')}::{_data(text)}"
    return printable(f"indexadvisor: {text}")


def _data(text: str) -> str:
    # the log that shows these lines is a terminal: control characters written out, not acted on
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
