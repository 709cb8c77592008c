"""The JSON report: one document, stable keys, for machines and for `--from report.json`."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from indexadvisor import __version__
from indexadvisor.model import Finding, Recommendation, Report
from indexadvisor.report.identity import finding_id, recommendation_id

FORMAT_VERSION = 1


def to_dict(report: Report) -> dict[str, Any]:
    by_fp = {s.fingerprint: s for s in report.statements}
    return {
        "indexadvisor": {"version": __version__, "format": FORMAT_VERSION},
        "catalog": {"source": report.catalog_source, "server_version": report.server_version, "files": report.catalog_files},
        "costing": report.costing,
        "explain_count": report.explain_count,
        "workload_cost": {"before": report.workload_cost_before, "after": report.workload_cost_after},
        "budget_curve": asdict(report.budget_curve) if report.budget_curve is not None else None,
        "notes": report.notes,
        "recommendations": [_recommendation(r, by_fp) for r in report.recommendations],
        "findings": [finding_to_dict(f) for f in report.findings],
        "statements": {
            "seen": report.seen,
            "shapes": len(report.statements),
            "analysed": report.analysed,
            "skipped": report.skipped,
            "errors": [
                {"source": e.source, "line": e.line, "location": e.location, "message": e.message}
                for e in report.errors
            ],
            "items": [asdict(s) for s in report.statements],
        },
    }


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """One finding as both `analyze` and `health` print it."""
    return {"id": finding_id(f), **asdict(f)}


def _recommendation(r: Recommendation, by_fp: dict) -> dict[str, Any]:
    return {
        "id": recommendation_id(r),
        "name": r.name,
        "table": f"{r.schema}.{r.table}",
        "schema": r.schema,
        "columns": r.columns,
        "keys": [asdict(k) for k in r.keys],
        "include": r.include,
        "where": r.where,
        "method": r.method,
        "kind": r.kind,
        "kind_reason": r.kind_reason,
        "ddl": r.ddl,
        "statements": [
            {"fingerprint": fp, "location": by_fp[fp].location, "calls": by_fp[fp].calls}
            for fp in r.statements if fp in by_fp
        ],
        "reason": r.reason,
        "estimate": asdict(r.estimate) if r.estimate else None,
    }


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
