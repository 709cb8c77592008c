"""Advice that would be undone: proposals checked against the health rules.

The advisor must never propose an index that its own health check would call a
duplicate or redundant, whether against an existing index, another proposal, or
the index a fk_without_index finding proposes. `audit` runs the checks for a
report and reconciles the proposals with them:

- a proposal that duplicates, or is a left prefix of, an existing index is
  dropped (its statements are served by that index);
- a proposal that is a left prefix of another proposal is folded into it;
- a proposal that is a left prefix of the index a foreign-key finding proposes is
  dropped in favour of that index; a proposal that serves the foreign key itself
  takes the finding's place (the finding then carries no DDL of its own);
- a proposal that would make an existing index redundant says so in its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from indexadvisor.candidates.serve import key_signature, serves_scans_of
from indexadvisor.extract.where import conjuncts
from indexadvisor.health.checks import check
from indexadvisor.health.common import (
    REPLICA_NOTE,
    HealthOptions,
    HealthResult,
    is_constraint,
    key_text,
    qname,
)
from indexadvisor.health.fk import covers
from indexadvisor.model import (
    Catalog,
    Finding,
    Index,
    IndexDef,
    IndexKey,
    ParsedStatement,
    Recommendation,
    StatementReport,
)


@dataclass
class Audit:
    """The health findings of a report, and the proposals reconciled with them."""

    result: HealthResult
    recommendations: list[Recommendation]
    notes: list[str] = field(default_factory=list)
    merged: dict[str, str] = field(default_factory=dict)  # dropped proposal -> the proposal that serves instead
    existing: dict[str, str] = field(default_factory=dict)  # dropped proposal -> the existing index that serves
    by_finding: dict[str, Finding] = field(default_factory=dict)  # dropped proposal -> the finding whose index serves

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings

    def apply(self, reports: dict[str, StatementReport]) -> list[Recommendation]:
        """Point the statement reports at what now serves them; return the kept proposals."""
        for rep in reports.values():
            names: list[str] = []
            for name in rep.recommendations:
                if name in self.merged:
                    name = self.merged[name]
                elif name in self.existing:
                    if self.existing[name] not in rep.served_by_existing:
                        rep.served_by_existing.append(self.existing[name])
                    continue
                elif name in self.by_finding:
                    f = self.by_finding[name]
                    rep.notes.append(f"served by the index proposed for foreign key {f.related} of {f.table} (see findings)")
                    continue
                if name not in names:
                    names.append(name)
            rep.recommendations = names
        return self.recommendations


def audit(catalog: Catalog, parsed: Sequence[ParsedStatement] | None, recommendations: list[Recommendation],
          options: HealthOptions | None = None) -> Audit:
    """Health findings for an analyze report, with the proposals reconciled against them."""
    result = check(catalog, parsed, options)
    out = Audit(result, list(recommendations))
    if catalog.source != "none":
        if result.skipped:
            out.notes.append("health checks not run: " + "; ".join(f"{s.check}: {s.reason}" for s in result.skipped))
        has_unused = any(f.kind == "unused_index" for f in result.findings)
        out.notes.extend(n for n in result.notes if n != REPLICA_NOTE or has_unused)
    _reconcile(out, catalog)
    return out


def _narrower(a: Index, b: Index) -> bool:
    return serves_scans_of(a, b) and not serves_scans_of(b, a)


def _same(a: Index, b: Index) -> bool:
    return (a.method, key_signature(a), conjuncts(a.where)) == (b.method, key_signature(b), conjuncts(b.where))


def _reconcile(out: Audit, catalog: Catalog) -> None:
    kept: list[Recommendation] = []
    dropped = {f.index for f in out.result.findings if f.index and f.ddl}  # findings already drop these
    # widest first, so a narrower proposal meets the wider one it folds into
    for rec in sorted(out.recommendations, key=lambda r: -len(r.keys)):
        probe = rec.spec.as_index(rec.name)
        table = catalog.tables.get(f"{rec.schema}.{rec.table}")
        existing = [i for i in (table.indexes if table else []) if i.valid and not i.parent]
        # an existing index serves all its scans, or one with the same keys that health would keep over it
        served = next((i for i in existing if serves_scans_of(probe, i)
                       or (_same(probe, i) and (i.unique or is_constraint(i)))), None)
        if served is not None:
            out.existing[rec.name] = served.name
            out.notes.append(f"not proposed: {rec.name} {_keys(rec.keys)} would be a duplicate or left prefix of "
                             f"existing index {qname(served)} (duplicate_index/redundant_index), which serves its statements")
            continue
        wider = next((k for k in kept if (k.schema, k.table) == (rec.schema, rec.table) and serves_scans_of(probe, k.spec.as_index(k.name))), None)
        if wider is not None:
            out.merged[rec.name] = wider.name
            wider.statements.extend(fp for fp in rec.statements if fp not in wider.statements)
            wider.reason += f"; also serves the statements of {_keys(rec.keys)}, a left prefix of it, not proposed separately"
            out.notes.append(f"not proposed: {rec.name} {_keys(rec.keys)} is a left prefix of proposed {wider.name}, which serves its statements")
            continue
        fk_index = next((f for f, t, keys in out.result.proposals
                         if t == f"{rec.schema}.{rec.table}" and f.ddl and _narrower(probe, IndexDef(rec.schema, rec.table, tuple(keys)).as_index())),
                        None)
        if fk_index is not None:
            out.by_finding[rec.name] = fk_index
            out.notes.append(f"not proposed: {rec.name} {_keys(rec.keys)} is a left prefix of the index proposed for "
                             f"foreign key {fk_index.related} of {fk_index.table} (see findings), which serves its statements")
            continue
        made_redundant = [i for i in existing if not i.unique and not is_constraint(i) and serves_scans_of(i, probe)
                          and qname(i) not in dropped]
        for i in made_redundant:
            rec.reason += (f"; once built, it makes existing {qname(i)} {_keys(i.keys)} redundant"
                           f" (it serves the same scans): drop that one then")
        kept.append(rec)
    order = {id(r): n for n, r in enumerate(out.recommendations)}
    out.recommendations = sorted(kept, key=lambda r: order[id(r)])
    for finding, table_key, _ in out.result.proposals:
        columns = _fk_columns(catalog, finding)
        serving = next((r for r in out.recommendations
                        if f"{r.schema}.{r.table}" == table_key and covers(r.spec.as_index(r.name), columns)), None)
        if serving is not None and finding.ddl:
            finding.ddl = None
            finding.evidence += f"; the proposed index {serving.name} {_keys(serving.keys)} serves it too, so no separate index is needed"


def _fk_columns(catalog: Catalog, finding: Finding) -> list[str]:
    table = catalog.tables.get(finding.table)
    for fk in table.foreign_keys if table else []:
        if fk.name == finding.related:
            return fk.columns
    return []


def _keys(keys: list[IndexKey]) -> str:
    return key_text(keys)
