"""The JSON report with the gate's verdict added: still readable by `--from` and `--baseline`."""

from __future__ import annotations

from typing import Any

from indexadvisor.model import Report
from indexadvisor.report.ci import to_json
from indexadvisor.report.gate import GateResult
from indexadvisor.report.json import to_dict


def render(report: Report, result: GateResult) -> str:
    document: dict[str, Any] = to_dict(report)
    document["gate"] = {
        "fail_on": result.policy.levels,
        "failed": result.failed,
        "baseline": result.baseline,
        "resolved": result.gone,
        "problems": [
            {
                "id": p.id,
                "rule": p.rule,
                "title": p.title,
                "table": p.table,
                "index": p.index,
                "benefit": p.benefit,
                "locations": [{"path": loc.path, "line": loc.line} for loc in p.locations],
                "new": p.new,
                "gated": p.gated,
            }
            for p in result.problems
        ],
    }
    return to_json(document)
