"""Running the health checks: each check module in order over one shared Context."""


from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from indexadvisor.errors import InputError
from indexadvisor.extract.patterns import (
    Extractor,
    StatementParseError,
    UnsupportedStatement,
)
from indexadvisor.health import duplicate, fk, invalid, redundant, unused
from indexadvisor.health.common import (
    REPLICA_NOTE,
    SEVERITIES,
    Context,
    HealthOptions,
    HealthResult,
    Skipped,
)
from indexadvisor.model import Catalog, ParsedStatement, Workload

CHECKS: tuple[ModuleType, ...] = (invalid, duplicate, redundant, unused, fk)
KINDS: tuple[str, ...] = tuple(m.KIND for m in CHECKS)


def help_text(kind: str) -> str:
    """The docstring of a check: what the finding means and how to fix it."""
    for module in CHECKS:
        if module.KIND == kind:
            return (module.__doc__ or "").strip()
    raise KeyError(kind)


def check(catalog: Catalog, workload: Sequence[ParsedStatement] | Workload | None = None,
          options: HealthOptions | None = None) -> HealthResult:
    """Run the health checks on a catalog; with a workload, "unused" also asks what it could use.

    `workload` is the advisor's parsed statements (or a Workload, parsed here). The
    result lists the findings, the checks that ran, and those that could not run and why.
    """
    options = options or HealthOptions()
    parsed = _parse(catalog, workload) if isinstance(workload, Workload) else (list(workload) if workload is not None else None)
    unknown = set(options.checks or ()) - set(KINDS)
    if unknown:
        raise InputError(f"unknown health check(s): {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})")
    ctx = Context(catalog, options, parsed)
    result = HealthResult(
        findings=[],
        catalog_source=catalog.source,
        server_version=catalog.server_version,
        captured_at=catalog.captured_at,
        tables=len(catalog.tables),
        indexes=sum(len(t.indexes) for t in catalog.tables.values()),
        foreign_keys=sum(len(t.foreign_keys) for t in catalog.tables.values()),
        evidence_since=ctx.evidence_since,
        evidence_from=ctx.evidence_from,
        evidence_days=ctx.evidence_days,
        min_evidence_days=options.min_evidence_days,
        workload_shapes=len(parsed) if parsed is not None else None,
    )
    for module in CHECKS:
        if options.checks is not None and module.KIND not in options.checks:
            continue
        reason = module.cannot_run(ctx)
        if reason:
            result.skipped.append(Skipped(module.KIND, reason))
            continue
        result.ran.append(module.KIND)
        result.findings.extend(module.run(ctx))
    if unused.KIND in result.ran:
        result.notes.append(REPLICA_NOTE)
    result.notes.extend(ctx.notes)
    result.proposals = ctx.proposals
    order = {k: n for n, k in enumerate(KINDS)}
    rank = {s: n for n, s in enumerate(SEVERITIES)}
    result.findings.sort(key=lambda f: (rank.get(f.severity, len(rank)), order.get(f.kind, len(order))))
    return result


def _parse(catalog: Catalog, workload: Workload) -> list[ParsedStatement]:
    extractor = Extractor(catalog)
    out = []
    for st in workload.statements:
        try:
            accesses, notes = extractor.extract(st)
        except (StatementParseError, UnsupportedStatement):
            continue
        out.append(ParsedStatement(st, accesses, notes))
    return out
