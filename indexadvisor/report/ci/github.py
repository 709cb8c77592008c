"""GitHub Actions workflow commands: `::warning file=...,line=...::message` annotations.

Printed to a step's stdout, each line becomes an annotation on the pull request's
diff at that file and line. Gated problems (the ones that fail the build) are
`::error`, the others `::warning` (`::notice` for informational findings).
"""

from __future__ import annotations

from indexadvisor.model import Report
from indexadvisor.report.ci import repo_path
from indexadvisor.report.gate import GateResult, sorted_problems, summary_line
from indexadvisor.report.table import printable


def render(report: Report, result: GateResult) -> str:
    lines: list[str] = []
    for p in sorted_problems(result.problems):
        level = "error" if p.gated else ("notice" if p.severity == "note" else "warning")
        props: list[str] = []
        if p.locations:
            loc = p.locations[0]
            props.append(f"file={_prop(repo_path(loc.path))}")
            if loc.line:
                props.append(f"line={loc.line}")
        props.append(f"title={_prop('indexadvisor: ' + p.title)}")
        lines.append(f"::{level} {','.join(props)}::{_data(p.message)}")
    lines.append(printable(f"indexadvisor: {summary_line(report, result)}"))
    return "\n".join(lines) + "\n"


def _data(text: str) -> str:
    # the log that shows these lines is a terminal: control characters written out, not acted on
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
