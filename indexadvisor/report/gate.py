"""CI gating: which of a report's problems fail the build.

A *problem* is a proposed index or a health finding, with a stable id
(indexadvisor.report.identity) and the workload locations it concerns. `--fail-on` picks
the problems that count; `--baseline` (an older JSON report) takes away those that
were already there, so only new problems fail a build.

Levels of `--fail-on` (repeatable, or comma-separated; any match fails):

    none          never fail (the default)
    any           any proposal or finding
    proposals     any proposed index
    findings      any health finding
    benefit:N     a proposed index whose estimated benefit is at least N
    KIND          a finding of that kind (unused_index, duplicate_index, ...)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from indexadvisor.errors import InputError
from indexadvisor.model import Finding, Recommendation, Report
from indexadvisor.pg.sql import render_key
from indexadvisor.report.identity import PROPOSAL_RULE, finding_id, recommendation_id

FINDING_KINDS = ("unused_index", "duplicate_index", "redundant_index", "fk_without_index", "invalid_index", "n_plus_one")
LEVELS = ("none", "any", "proposals", "findings", "benefit:N", *FINDING_KINDS)
NOT_A_FILE = frozenset({"pg_stat_statements"})
_BENEFIT = re.compile(r"^benefit\s*(?::|>=|=)\s*([0-9][0-9_,]*(?:\.[0-9]+)?)$")


@dataclass(frozen=True)
class Location:
    path: str
    line: int | None = None


@dataclass
class Problem:
    id: str
    rule: str  # PROPOSAL_RULE or the finding's kind
    title: str
    message: str
    table: str  # schema.table
    index: str | None
    ddl: str | None
    severity: str  # note | warning | error, before gating
    benefit: float | None = None
    locations: list[Location] = field(default_factory=list)
    recommendation: Recommendation | None = None
    finding: Finding | None = None
    new: bool = True  # not in the baseline (always true without one)
    gated: bool = False  # matches --fail-on and is new: this one fails the build


@dataclass
class Policy:
    levels: list[str] = field(default_factory=lambda: ["none"])
    any: bool = False
    proposals: bool = False
    findings: bool = False
    min_benefit: float | None = None
    kinds: frozenset[str] = frozenset()

    def matches(self, p: Problem) -> bool:
        if self.any:
            return True
        if p.rule == PROPOSAL_RULE:
            if self.proposals:
                return True
            return self.min_benefit is not None and p.benefit is not None and p.benefit >= self.min_benefit
        return self.findings or p.rule in self.kinds

    @property
    def active(self) -> bool:
        return self.any or self.proposals or self.findings or self.min_benefit is not None or bool(self.kinds)

    def describe(self) -> str:
        return ",".join(self.levels)


@dataclass
class GateResult:
    problems: list[Problem]
    policy: Policy
    baseline: str | None = None  # where the baseline came from, when one was given
    gone: list[str] = field(default_factory=list)  # ids in the baseline that are no longer raised

    @property
    def gated(self) -> list[Problem]:
        return [p for p in self.problems if p.gated]

    @property
    def failed(self) -> bool:
        return bool(self.gated)

    @property
    def known(self) -> list[Problem]:
        return [p for p in self.problems if not p.new]


def parse_fail_on(values: Iterable[str]) -> Policy:
    """Parse --fail-on values; an unknown level is an InputError listing the known ones."""
    policy = Policy(levels=[])
    kinds: set[str] = set()
    for value in values:
        for raw in value.split(","):
            level = raw.strip().lower()
            if not level:
                continue
            policy.levels.append(level)
            m = _BENEFIT.match(level)
            if level == "none":
                continue
            elif level == "any":
                policy.any = True
            elif level in ("proposals", "proposal", PROPOSAL_RULE):
                policy.proposals = True
            elif level in ("findings", "finding"):
                policy.findings = True
            elif m:
                threshold = float(m.group(1).replace("_", "").replace(",", ""))
                policy.min_benefit = threshold if policy.min_benefit is None else min(policy.min_benefit, threshold)
            elif level in FINDING_KINDS:
                kinds.add(level)
            else:
                raise InputError(f"--fail-on: unknown level {raw.strip()!r} (one of: {', '.join(LEVELS)})")
    policy.kinds = frozenset(kinds)
    if not policy.levels:
        policy.levels = ["none"]
    return policy


def problems(report: Report) -> list[Problem]:
    """Every proposal and finding of a report, as problems located in the workload (or the schema file)."""
    by_fp = {s.fingerprint: s for s in report.statements}
    fallback = [Location(f) for f in report.catalog_files[:1]]
    out: list[Problem] = []
    for r in report.recommendations:
        served = [by_fp[fp] for fp in r.statements if fp in by_fp]
        calls = sum(s.calls for s in served)
        locations = [loc for loc in (parse_location(s.location) for s in served) if loc] or fallback
        benefit = r.estimate.benefit if r.estimate else None
        extra = []
        if r.include:
            extra.append(f"INCLUDE ({', '.join(r.include)})")
        if r.where:
            extra.append(f"WHERE {r.where}")
        keys = ", ".join(render_key(k) for k in r.keys) + (f" {' '.join(extra)}" if extra else "")
        benefit_text = f"; estimated benefit {benefit:,.0f}" if benefit is not None else ""
        out.append(Problem(
            id=recommendation_id(r),
            rule=PROPOSAL_RULE,
            title=f"Add index {r.name} on {r.schema}.{r.table}",
            message=(
                f"Index {r.name} on {r.schema}.{r.table} ({keys}) would serve {len(served)} statement "
                f"shape(s), {calls} call(s){benefit_text}. {r.reason.rstrip('.')}. Create it with: {r.ddl}"
            ),
            table=f"{r.schema}.{r.table}",
            index=r.name,
            ddl=r.ddl,
            severity="warning",
            benefit=benefit,
            locations=locations,
            recommendation=r,
        ))
    for f in report.findings:
        subject = f.index or f.table
        related = f" (see {f.related})" if f.related else ""
        fix = f" Fix: {f.ddl or getattr(f, 'fix', None)}" if f.ddl or getattr(f, "fix", None) else ""
        involved = [by_fp[fp] for fp in getattr(f, "statements", None) or [] if fp in by_fp]
        out.append(Problem(
            id=finding_id(f),
            rule=f.kind,
            title=f"{f.kind.replace('_', ' ').capitalize()}: {subject}",
            message=f"{f.kind.replace('_', ' ').capitalize()} {subject} on {f.table}{related}: {f.evidence.rstrip('.') or 'no evidence given'}.{fix}",
            table=f.table,
            index=f.index,
            ddl=f.ddl,
            severity=_severity(f.severity),
            locations=[loc for loc in (parse_location(s.location) for s in involved) if loc] or list(fallback),
            finding=f,
        ))
    return out


def evaluate(report: Report, policy: Policy, baseline: Report | None = None,
             baseline_name: str | None = None) -> GateResult:
    """Mark each problem new (not in the baseline) and gated (new and matching the policy)."""
    items = problems(report)
    gone: list[str] = []
    if baseline is not None:
        known = {p.id for p in problems(baseline)}
        current = {p.id for p in items}
        for p in items:
            p.new = p.id not in known
        gone = sorted(known - current)
    for p in items:
        p.gated = p.new and policy.matches(p)
    return GateResult(items, policy, baseline_name if baseline is not None else None, gone)


def parse_location(location: str) -> Location | None:
    """`path:line` (or a bare path) as a Location; None for sources that are not files."""
    if not location or location in NOT_A_FILE:
        return None
    path, sep, line = location.rpartition(":")
    if sep and line.isdigit() and path:
        return Location(path, int(line))
    return Location(location)


def _severity(value: str | None) -> str:
    value = (value or "").lower()
    if value in ("error", "critical", "high"):
        return "error"
    if value in ("warning", "warn", "medium"):
        return "warning"
    return "note"


def summary_line(report: Report, result: GateResult) -> str:
    """One line for a log or the top of a comment: what was found and whether the gate passed."""
    n_prop = len(report.recommendations)
    n_find = len(report.findings)
    parts = [f"{n_prop} index{'es' if n_prop != 1 else ''} proposed", f"{n_find} finding{'s' if n_find != 1 else ''}"]
    text = ", ".join(parts)
    if result.baseline is not None:
        new = sum(1 for p in result.problems if p.new)
        text += f" ({new} new since the baseline, {len(result.gone)} resolved)"
    if not result.policy.active:
        return text + "; no gate (--fail-on none)"
    if result.failed:
        return text + f"; gate FAILED: {len(result.gated)} new problem(s) match --fail-on {result.policy.describe()}"
    return text + f"; gate passed (--fail-on {result.policy.describe()})"


def sorted_problems(items: Sequence[Problem]) -> list[Problem]:
    """Gated first, then proposals by benefit, then findings by kind; stable for snapshots."""
    return sorted(items, key=lambda p: (not p.gated, p.rule != PROPOSAL_RULE, -(p.benefit or 0.0), p.rule, p.table, p.index or ""))
