"""Access patterns: how one statement reads each table (predicates, order, columns)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from indexadvisor.model.catalog import QName, Table
from indexadvisor.model.workload import Statement


class PredKind(str, enum.Enum):
    EQ = "eq"
    IN = "in"
    RANGE = "range"
    IS_NULL = "is_null"
    IS_NOT_NULL = "is_not_null"
    LIKE_PREFIX = "like_prefix"
    JOIN = "join"
    # operators a B-tree cannot serve (GIN: pg_trgm, jsonb, arrays); see indexadvisor/candidates/kinds/
    LIKE = "like"  # LIKE with a leading wildcard, or a parameter pattern
    ILIKE = "ilike"
    CONTAINS = "contains"  # @> (jsonb, arrays)
    CONTAINED = "contained"  # <@ (arrays)
    HAS_KEY = "has_key"  # jsonb ?
    HAS_ANY_KEY = "has_any_key"  # jsonb ?|
    HAS_ALL_KEYS = "has_all_keys"  # jsonb ?&
    OVERLAPS = "overlaps"  # arrays &&
    ANY_ELEMENT = "any_element"  # value = ANY(array column)
    MATCHES = "matches"  # full-text search: tsvector @@ tsquery
    # two columns of the same row compared (`l_commitdate < l_receiptdate`): no index key can
    # search it, but it is the same test in every execution, so it can be a partial index's WHERE
    ROW_COMPARE = "row_compare"


@dataclass(frozen=True)
class Predicate:
    column: str
    kind: PredKind
    constant: str | None = None  # SQL text of a literal operand; None for $n / expressions
    values: int = 1  # number of IN-list values
    # the filtered operand is an expression (lower(email), data->>'k'): its SQL text as the query
    # writes it; `column` then holds its canonical form (indexadvisor.pg.exprtext.signature)
    expression: str | None = None
    # ROW_COMPARE: the operator (< or <=; `a > b` is kept as `b < a`) and the other column
    compared: tuple[str, str] | None = None
    # RANGE: which side it bounds (True: from above, `col < x`; False: from below; None: not known)
    upper: bool | None = None

    def literals(self) -> list[str]:
        """The literals it tests, as SQL text: each of an IN list's ("'a', 'b'" holds two), else
        its constant; none for a parameter or an expression."""
        if self.constant is None:
            return []
        if self.kind != PredKind.IN:
            return [self.constant]
        out, current, quoted = [], "", False
        for ch in self.constant:
            if ch == "'":
                quoted = not quoted
            if ch == "," and not quoted:
                out.append(current.strip())
                current = ""
                continue
            current += ch
        if current.strip():
            out.append(current.strip())
        return out


@dataclass(frozen=True)
class SortKey:
    column: str
    desc: bool = False
    nulls_first: bool | None = None
    # where the order comes from when no ORDER BY asks for it (extract/clauses.py): "min" or "max"
    # (PostgreSQL reads a MIN/MAX from one end of an index), "window" (a window function's input)
    origin: str | None = field(default=None, compare=False)


@dataclass
class TableAccess:
    """How one statement reads one table (one occurrence of it in the FROM tree)."""

    table: QName
    predicates: list[Predicate] = field(default_factory=list)
    order_by: list[SortKey] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    columns_read: set[str] = field(default_factory=set)
    columns_output: set[str] = field(default_factory=set)  # read outside WHERE/ON: select list, ORDER/GROUP BY
    limit: int | None = None
    kind: str = "select"  # select | update | delete | insert
    set_columns: set[str] = field(default_factory=set)  # columns an UPDATE changes (HOT updates need them unindexed)
    rows_written: int | None = None  # rows an INSERT ... VALUES writes per call
    only: bool = False  # FROM ONLY t: the table without its inheritance children
    # ORs whose every arm filters this table: per OR, each arm's predicates. No one index
    # serves such an OR; one index per arm does, the planner ORing their bitmaps (BitmapOr).
    any_of: list[tuple[tuple[Predicate, ...], ...]] = field(default_factory=list)

    def arm(self, predicates: tuple[Predicate, ...]) -> TableAccess:
        """One arm of an OR (any_of) as an access of its own: its filters only, no order or limit."""
        return TableAccess(self.table, list(predicates), columns_read=set(self.columns_read), kind=self.kind)

    def read_columns(self, table: Table | None) -> set[str] | None:
        """Every column the access reads, `*` as every column of its table (`table`); None when it
        reads `*` of a table not known."""
        if "*" not in self.columns_read:
            return set(self.columns_read)
        return None if table is None else (self.columns_read - {"*"}).union(table.columns)

    def columns_of(self, *kinds: PredKind) -> list[str]:
        seen: list[str] = []
        for p in self.predicates:
            if p.kind in kinds and p.column not in seen:
                seen.append(p.column)
        return seen


_VARIANT = "~"  # no fingerprint of a statement holds it (sources/fingerprint.py: hex digits)


def variant_fingerprint(fingerprint: str, n: int) -> str:
    """The fingerprint of a statement's n-th variant (ParsedStatement.variants): the costers key
    their caches by fingerprint, and a variant's answers are not its statement's."""
    return f"{fingerprint}{_VARIANT}{n}"


def is_variant(fingerprint: str) -> bool:
    """Whether the fingerprint is a variant's (variant_fingerprint): what a coster says of it, it
    says of the statement itself."""
    return _VARIANT in fingerprint


@dataclass
class ParsedStatement:
    statement: Statement
    accesses: list[TableAccess]
    notes: list[str] = field(default_factory=list)
    # the same shape at the lightest and the heaviest of its sampled keys (pg_stats), where those
    # hold other rows than its first execution's: costed beside it (costing.worst_over_keys)
    variants: list[ParsedStatement] = field(default_factory=list)
