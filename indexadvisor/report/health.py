"""The `indexadvisor health` report, as a table for people or one JSON document for machines.

Findings are printed the way the `analyze` JSON report prints them
(render.json.finding_to_dict), so one consumer reads both.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from typing import Any

from tabulate import tabulate

from indexadvisor import __version__
from indexadvisor.health.common import SEVERITIES, HealthResult, format_time
from indexadvisor.report.json import FORMAT_VERSION, finding_to_dict
from indexadvisor.report.table import errors_block, printable

_WRAP = 70


def to_dict(result: HealthResult) -> dict[str, Any]:
    by_kind = Counter(f.kind for f in result.findings)
    by_severity = Counter(f.severity for f in result.findings)
    return {
        "indexadvisor": {"version": __version__, "format": FORMAT_VERSION, "report": "health"},
        "catalog": {
            "source": result.catalog_source,
            "server_version": result.server_version,
            "captured_at": result.captured_at,
            "files": result.catalog_files,
            "tables": result.tables,
            "indexes": result.indexes,
            "foreign_keys": result.foreign_keys,
        },
        "evidence": {
            "since": result.evidence_since,
            "from": result.evidence_from,
            "days": round(result.evidence_days, 2) if result.evidence_days is not None else None,
            "min_days": result.min_evidence_days,
        },
        "checks": {
            "ran": result.ran,
            "skipped": [{"check": s.check, "reason": s.reason} for s in result.skipped],
        },
        "notes": result.notes,
        "summary": {
            "findings": len(result.findings),
            "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
            "by_kind": dict(sorted(by_kind.items())),
        },
        "findings": [finding_to_dict(f) for f in result.findings],
        "errors": [
            {"source": e.source, "line": e.line, "location": e.location, "message": e.message}
            for e in result.errors
        ],
    }


def render_json(result: HealthResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"


def render_table(result: HealthResult) -> str:
    out: list[str] = []
    version = f", PostgreSQL {result.server_version // 10000}" if result.server_version else ""
    out.append(f"indexadvisor health: {result.tables} tables, {result.indexes} indexes, "
               f"{result.foreign_keys} foreign keys (catalog: {result.catalog_source}{version})")
    if result.evidence_since:
        how = "stats reset" if result.evidence_from == "stats_reset" else "server start"
        days = f", {result.evidence_days:.1f} days" if result.evidence_days is not None else ""
        out.append(f"usage counters since {format_time(result.evidence_since)} ({how}{days}); "
                   f"unused indexes are drop candidates after {result.min_evidence_days:g} days")
    out.append("checks: " + (", ".join(result.ran) or "none"))
    for s in result.skipped:
        out.append(f"not checked: {s.check}: {s.reason}")
    for note in result.notes:
        out.append(f"note: {note}")
    out.append("")
    if not result.findings:
        out.append("No findings.")
        return printable("\n".join(out) + "\n")
    counts = Counter(f.severity for f in result.findings)
    summary = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    out.append(f"Findings ({len(result.findings)}: {summary}):")
    rows = [[f.severity, printable(f.kind), printable(f.table), printable(f.index or f.related or ""),
             textwrap.fill(printable(f.evidence), _WRAP)] for f in result.findings]
    out.append(tabulate(rows, headers=["severity", "kind", "table", "index / key", "evidence"], tablefmt="simple_grid"))
    fixes: dict[str, list[str]] = {}  # one DDL can fix several findings (an index for two foreign keys)
    for f in result.findings:
        if f.ddl:
            fixes.setdefault(f.ddl, []).append(f"{f.kind}: {f.index or f.table}" + (f" ({f.related})" if f.related else ""))
    if fixes:
        out.append("")
        out.append("DDL (run each statement on its own: CONCURRENTLY cannot run inside a transaction block):")
        for ddl, what in fixes.items():
            out.extend(f"-- {w}" for w in what)
            out.append(ddl)
    out += errors_block(result.errors)
    return printable("\n".join(out) + "\n")  # the lines not in a table (DDL, notes, skipped checks) too
