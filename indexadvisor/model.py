"""The data model shared by every stage of the pipeline.

Stages hand these dataclasses to each other; renderers read only a Report.
Identifiers are stored as PostgreSQL sees them: unquoted names folded to lower
case, quoted names exactly as written. Quoting happens only when SQL is rendered.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional


# --------------------------------------------------------------------------- workload


@dataclass
class SourceError:
    """A piece of input that could not be used, with where it came from."""

    source: str
    line: Optional[int]
    message: str

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class Statement:
    """One statement shape: every execution with the same fingerprint, merged."""

    fingerprint: str
    sql: str  # one representative text (the first seen)
    source: str  # file path, or "pg_stat_statements"
    line: Optional[int]  # line of the first occurrence, where known
    calls: int = 1
    total_time_ms: Optional[float] = None
    rows: Optional[int] = None
    # a few distinct sets of the literal values seen, each in text order ($n filled from logged parameters)
    samples: list[tuple[str, ...]] = field(default_factory=list)
    # per literal of the representative: its value when every execution checked had the same, else None
    constants: Optional[list[Optional[str]]] = None

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    @property
    def mean_time_ms(self) -> Optional[float]:
        if self.total_time_ms is None or not self.calls:
            return None
        return self.total_time_ms / self.calls


@dataclass
class Workload:
    statements: list[Statement] = field(default_factory=list)
    seen: int = 0  # statements read, before dedupe
    errors: list[SourceError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the sources want said (skipped lines, no statements ...)
    findings: list["Finding"] = field(default_factory=list)  # found while reading (n_plus_one)


# --------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class QName:
    """A schema-qualified relation name."""

    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class ColumnStats:
    """The planner statistics of one column (pg_stats)."""

    null_frac: float = 0.0
    n_distinct: float = 0.0  # negative: fraction of rows, as in pg_stats
    avg_width: int = 0
    correlation: Optional[float] = None
    most_common_vals: Optional[list[str]] = None
    most_common_freqs: Optional[list[float]] = None


@dataclass
class Column:
    name: str
    type: str
    not_null: bool = False
    stats: Optional[ColumnStats] = None
    # the collation its comparisons use ("C", "en_US.utf8", "und-x-icu"); None: not known.
    # In C/POSIX a plain B-tree serves LIKE 'abc%', elsewhere only a *_pattern_ops one does
    collation: Optional[str] = None


@dataclass
class IndexKey:
    """One key of an index: a column or an expression, with its ordering."""

    column: Optional[str]  # None when the key is an expression
    expression: Optional[str] = None  # SQL text of an expression key
    desc: bool = False
    nulls_first: Optional[bool] = None  # None: the default for the direction
    opclass: Optional[str] = None  # only when not the default opclass
    collation: Optional[str] = None

    @property
    def text(self) -> str:
        return self.column if self.column is not None else f"({self.expression})"


@dataclass
class Index:
    name: str
    schema: str
    table: str
    keys: list[IndexKey]
    include: list[str] = field(default_factory=list)
    where: Optional[str] = None
    method: str = "btree"
    unique: bool = False
    primary: bool = False
    constraint: Optional[str] = None  # name of the constraint it backs
    constraint_type: Optional[str] = None  # p, u, x
    valid: bool = True
    definition: Optional[str] = None
    size_bytes: Optional[int] = None
    idx_scan: Optional[int] = None
    parent: Optional[str] = None  # "schema.name" of the partitioned index this one is attached to

    @property
    def qname(self) -> QName:
        return QName(self.schema, self.name)

    @property
    def key_columns(self) -> list[Optional[str]]:
        return [k.column for k in self.keys]


@dataclass
class ForeignKey:
    name: str
    columns: list[str]
    ref_schema: str
    ref_table: str
    ref_columns: list[str]


@dataclass
class Table:
    schema: str
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    row_estimate: Optional[float] = None  # pg_class.reltuples; None when unknown
    pages: Optional[int] = None
    all_visible_pages: Optional[int] = None
    size_bytes: Optional[int] = None
    seq_scan: Optional[int] = None
    n_tup_ins: Optional[int] = None
    n_tup_upd: Optional[int] = None
    n_tup_del: Optional[int] = None
    n_tup_hot_upd: Optional[int] = None
    last_analyze: Optional[str] = None
    partitioned: bool = False  # a partitioned table (relkind p): its rows live in its partitions
    partition_of: Optional[str] = None  # "schema.name" of the parent, for a partition

    @property
    def qname(self) -> QName:
        return QName(self.schema, self.name)

    @property
    def has_stats(self) -> bool:
        return self.row_estimate is not None and self.row_estimate >= 0


@dataclass
class Catalog:
    tables: dict[str, Table] = field(default_factory=dict)  # key: "schema.name"
    source: str = "none"  # live | snapshot | ddl | none
    server_version: Optional[int] = None  # server_version_num
    stats_reset: Optional[str] = None
    captured_at: Optional[str] = None
    server_started: Optional[str] = None  # pg_postmaster_start_time(): usage evidence age when stats_reset is null
    search_path: list[str] = field(default_factory=lambda: ["public"])

    def add(self, table: Table) -> None:
        self.tables[str(table.qname)] = table

    def find(self, name: str, schema: Optional[str] = None) -> Optional[Table]:
        """Resolve a table the way the search path would."""
        if schema:
            return self.tables.get(f"{schema}.{name}")
        for s in self.search_path:
            table = self.tables.get(f"{s}.{name}")
            if table:
                return table
        matches = [t for t in self.tables.values() if t.name == name]
        return matches[0] if len(matches) == 1 else None

    @property
    def has_stats(self) -> bool:
        return any(t.has_stats for t in self.tables.values())


# --------------------------------------------------------------------------- access patterns


class PredKind(str, enum.Enum):
    EQ = "eq"
    IN = "in"
    RANGE = "range"
    IS_NULL = "is_null"
    IS_NOT_NULL = "is_not_null"
    LIKE_PREFIX = "like_prefix"
    JOIN = "join"
    # operators a B-tree cannot serve (GIN: pg_trgm, jsonb, arrays); see indexadvisor/kinds/
    LIKE = "like"  # LIKE with a leading wildcard, or a parameter pattern
    ILIKE = "ilike"
    CONTAINS = "contains"  # @> (jsonb, arrays)
    CONTAINED = "contained"  # <@ (arrays)
    HAS_KEY = "has_key"  # jsonb ?
    HAS_ANY_KEY = "has_any_key"  # jsonb ?|
    HAS_ALL_KEYS = "has_all_keys"  # jsonb ?&
    OVERLAPS = "overlaps"  # arrays &&
    ANY_ELEMENT = "any_element"  # value = ANY(array column)
    # two columns of the same row compared (`l_commitdate < l_receiptdate`): no index key can
    # search it, but it is the same test in every execution, so it can be a partial index's WHERE
    ROW_COMPARE = "row_compare"


@dataclass(frozen=True)
class Predicate:
    column: str
    kind: PredKind
    constant: Optional[str] = None  # SQL text of a literal operand; None for $n / expressions
    values: int = 1  # number of IN-list values
    # the filtered operand is an expression (lower(email), data->>'k'): its SQL text as the query
    # writes it; `column` then holds its canonical form (indexadvisor.kinds.exprtext.signature)
    expression: Optional[str] = None
    # ROW_COMPARE: the operator (< or <=; `a > b` is kept as `b < a`) and the other column
    compared: Optional[tuple[str, str]] = None


@dataclass(frozen=True)
class SortKey:
    column: str
    desc: bool = False
    nulls_first: Optional[bool] = None


@dataclass
class TableAccess:
    """How one statement reads one table (one occurrence of it in the FROM tree)."""

    table: QName
    predicates: list[Predicate] = field(default_factory=list)
    order_by: list[SortKey] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    columns_read: set[str] = field(default_factory=set)
    columns_output: set[str] = field(default_factory=set)  # read outside WHERE/ON: select list, ORDER/GROUP BY
    limit: Optional[int] = None
    kind: str = "select"  # select | update | delete | insert
    set_columns: set[str] = field(default_factory=set)  # columns an UPDATE changes (HOT updates need them unindexed)
    rows_written: Optional[int] = None  # rows an INSERT ... VALUES writes per call

    def columns_of(self, *kinds: PredKind) -> list[str]:
        seen: list[str] = []
        for p in self.predicates:
            if p.kind in kinds and p.column not in seen:
                seen.append(p.column)
        return seen


@dataclass
class ParsedStatement:
    statement: Statement
    accesses: list[TableAccess]
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- advice


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
    cost_before: Optional[float] = None  # weighted workload cost of the served statements
    cost_after: Optional[float] = None
    benefit: float = 0.0  # weighted gain minus write cost; comparable within one report
    rows_before: Optional[float] = None  # per execution, for the hottest served statement
    rows_after: Optional[float] = None
    size_bytes: Optional[int] = None
    write_cost: float = 0.0  # weighted cost of maintaining the index under the workload's writes
    helps: list[StatementCost] = field(default_factory=list)


@dataclass
class Candidate:
    """A proposed index before selection: keys in order, and who asked for it."""

    schema: str
    table: str
    keys: list[IndexKey]
    include: list[str] = field(default_factory=list)
    where: Optional[str] = None
    method: str = "btree"
    statements: list[str] = field(default_factory=list)  # fingerprints
    reasons: list[str] = field(default_factory=list)
    kind: str = "btree"  # btree | partial | covering | expression | trigram | gin | brin (kinds.KINDS); not identity
    why: str = ""  # why this kind, with its evidence
    rows_fraction: Optional[float] = None  # share of the table's rows a partial index holds

    @property
    def qname(self) -> QName:
        return QName(self.schema, self.table)

    @property
    def key(self) -> tuple:
        """Identity of the index definition (two candidates with equal keys are one index)."""
        return (
            self.schema, self.table, self.method, self.where, tuple(self.include),
            tuple((k.column, k.expression, k.desc, k.nulls_first, k.opclass, k.collation) for k in self.keys),
        )


@dataclass
class Recommendation:
    name: str
    schema: str
    table: str
    keys: list[IndexKey]
    include: list[str]
    where: Optional[str]
    method: str
    ddl: str
    statements: list[str]  # fingerprints of the statements it serves
    reason: str
    estimate: Optional[Estimate] = None
    kind: str = "btree"  # btree | partial | covering | expression | trigram | gin | brin
    kind_reason: str = ""  # why this kind of index, with its evidence

    @property
    def columns(self) -> list[str]:
        return [k.text for k in self.keys]


@dataclass
class Finding:
    kind: str
    table: str
    index: Optional[str] = None
    related: Optional[str] = None
    evidence: str = ""
    severity: str = "info"
    ddl: Optional[str] = None
    # CREATE INDEX text of the finding's index (pg_get_indexdef), so a migration that drops it can recreate it
    definition: Optional[str] = None
    fix: Optional[str] = None  # what to do instead, when it is not DDL (n_plus_one: batch or join)
    statements: list[str] = field(default_factory=list)  # fingerprints involved (n_plus_one: parent, child)
    metrics: dict[str, Optional[float]] = field(default_factory=dict)  # n_plus_one: bursts, calls, sizes, rate


@dataclass
class StatementReport:
    """What the report says about one statement shape."""

    fingerprint: str
    sql: str
    location: str
    calls: int
    total_time_ms: Optional[float]
    tables: list[str]
    served_by_existing: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)  # names
    notes: list[str] = field(default_factory=list)
    cost_before: Optional[float] = None  # per execution, with the existing indexes
    cost_after: Optional[float] = None  # per execution, with the whole proposed set
    samples: list[tuple[str, ...]] = field(default_factory=list)  # sample literal sets (Statement.samples)
    constants: Optional[list[Optional[str]]] = None  # literals that never changed (Statement.constants)


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
    server_version: Optional[int] = None
    explain_count: int = 0  # EXPLAINs sent for planner costing
    workload_cost_before: Optional[float] = None  # weighted, with the existing indexes
    workload_cost_after: Optional[float] = None  # weighted, with the proposed set
    catalog_files: list[str] = field(default_factory=list)  # schema (DDL) or snapshot files read, for CI locations
