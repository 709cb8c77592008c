"""Advice: candidates, recommendations with their estimates, findings, and the Report renderers read."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexadvisor.model.catalog import Defined, IndexKey, QName
from indexadvisor.model.workload import SourceError


@dataclass
class StatementCost:
    """One statement's cost per execution before and after an index (or the whole set)."""

    fingerprint: str
    cost_before: float
    cost_after: float


@dataclass
class Estimate:
    """A statistics-based or planner-based estimate of what an index buys."""

    method: str  # "statistics" | "rules" | "planner"
    cost_before: float | None = None  # weighted workload cost of the served statements
    cost_after: float | None = None
    benefit: float = 0.0  # weighted gain minus write cost; comparable within one report
    rows_before: float | None = None  # per execution, for the hottest served statement
    rows_after: float | None = None
    size_bytes: int | None = None
    write_cost: float = 0.0  # weighted cost of maintaining the index under the workload's writes
    helps: list[StatementCost] = field(default_factory=list)


@dataclass
class Candidate(Defined):
    """A proposed index before selection: keys in order, and who asked for it."""

    schema: str
    table: str
    keys: list[IndexKey]
    include: list[str] = field(default_factory=list)
    where: str | None = None
    method: str = "btree"
    statements: list[str] = field(default_factory=list)  # fingerprints
    reasons: list[str] = field(default_factory=list)
    kind: str = "btree"  # btree | partial | covering | expression | trigram | gin | brin (kinds.KINDS); not identity
    why: str = ""  # why this kind, with its evidence
    rows_fraction: float | None = None  # share of the table's rows a partial index holds

    @property
    def qname(self) -> QName:
        return QName(self.schema, self.table)



@dataclass
class Recommendation(Defined):
    name: str
    schema: str
    table: str
    keys: list[IndexKey]
    include: list[str]
    where: str | None
    method: str
    ddl: str
    statements: list[str]  # fingerprints of the statements it serves
    reason: str
    estimate: Estimate | None = None
    kind: str = "btree"  # btree | partial | covering | expression | trigram | gin | brin
    kind_reason: str = ""  # why this kind of index, with its evidence

    @property
    def columns(self) -> list[str]:
        return [k.text for k in self.keys]


@dataclass
class Finding:
    kind: str
    table: str
    index: str | None = None
    related: str | None = None
    evidence: str = ""
    severity: str = "info"
    ddl: str | None = None
    # CREATE INDEX text of the finding's index (pg_get_indexdef), so a migration that drops it can recreate it
    definition: str | None = None
    fix: str | None = None  # what to do instead, when it is not DDL (n_plus_one: batch or join)
    statements: list[str] = field(default_factory=list)  # fingerprints involved (n_plus_one: parent, child)
    metrics: dict[str, float | None] = field(default_factory=dict)  # n_plus_one: bursts, calls, sizes, rate


@dataclass
class StatementReport:
    """What the report says about one statement shape."""

    fingerprint: str
    sql: str
    location: str
    calls: int
    total_time_ms: float | None
    tables: list[str]
    served_by_existing: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)  # names
    notes: list[str] = field(default_factory=list)
    cost_before: float | None = None  # per execution, with the existing indexes
    cost_after: float | None = None  # per execution, with the whole proposed set
    samples: list[tuple[str, ...]] = field(default_factory=list)  # sample literal sets (Statement.samples)
    constants: list[str | None] | None = None  # literals that never changed (Statement.constants)


@dataclass
class CurveStep:
    """One index the selection adds, in its order, with what the set so far takes and leaves."""

    table: str  # schema.table
    index: str  # its keys, INCLUDE and WHERE, as text
    size_bytes: int  # the whole set's size with this index
    cost_after: float  # the weighted workload cost with the set so far
    chosen: bool  # in the proposed set (else: what the next one would buy)


@dataclass
class BudgetCurve:
    """What each budget buys: the selection's indexes one by one, past the proposed set, and
    why the proposed set stops where it does."""

    steps: list[CurveStep]
    stop: str  # budget | max_indexes | min_improvement | nothing_left
    stop_reason: str  # the same, in words, with the numbers


@dataclass
class Report:
    recommendations: list[Recommendation]
    findings: list[Finding]
    statements: list[StatementReport]
    seen: int
    analysed: int
    skipped: int
    errors: list[SourceError]
    catalog_source: str
    costing: str  # statistics | rules | planner
    notes: list[str] = field(default_factory=list)
    server_version: int | None = None
    explain_count: int = 0  # EXPLAINs sent for planner costing
    workload_cost_before: float | None = None  # weighted, with the existing indexes
    workload_cost_after: float | None = None  # weighted, with the proposed set
    catalog_files: list[str] = field(default_factory=list)  # schema (DDL) or snapshot files read, for CI locations
    budget_curve: BudgetCurve | None = None  # what each budget buys (select/curve.py)
