"""From access patterns to candidate B-tree indexes, minus what existing indexes serve.

The key order follows DESIGN.md: equality columns first, then the ORDER BY
columns in the query's order and directions, then at most one range column.
Equality columns are ordered by how many statements of the workload filter on
them (then by selectivity), so that candidates from different statements line
up and one index can serve several of them.

A key is identified by its "ref": the column name, or for an expression key the
expression's canonical form (pg/exprtext.signature), which is also what a
predicate on an expression carries as its `column`. So the same rules serve
expression indexes (`requirement_for(..., expressions=True)`); the other kinds
(partial, covering, GIN, BRIN) are built on these rules in candidates/kinds/; whether an
existing index serves a requirement is the serve rule's question (candidates/serve.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from indexadvisor.model import (
    Catalog,
    IndexKey,
    Predicate,
    PredKind,
    SortKey,
    Table,
    TableAccess,
)
from indexadvisor.pg import types as T
from indexadvisor.pg.exprtext import signature
from indexadvisor.pg.selectivity import TableStats

_EQ_KINDS = (PredKind.EQ, PredKind.IS_NULL)
_RANGE_KINDS = (PredKind.RANGE, PredKind.LIKE_PREFIX)
# an equality or NULL test whose value at least this share of the rows holds is a filter, not a key
FILTER_ONLY_SHARE = 0.8
_SHARES = TableStats()
PATTERN_OPCLASSES = ("text_pattern_ops", "varchar_pattern_ops", "bpchar_pattern_ops")


@dataclass
class Requirement:
    """What an index must deliver to serve one access in full.

    `eq` is a set (any order serves), `sort` must follow in order with consistent
    directions (a B-tree scans backwards too), `range` may follow the sort keys.
    """

    eq: list[str]
    sort: list[SortKey] = field(default_factory=list)
    range: str | None = None
    range_opclass: str | None = None  # pattern opclass needed for LIKE 'abc%'
    in_after_sort: list[str] = field(default_factory=list)  # multi-valued IN, IS NULL kept after the sort keys
    exprs: dict[str, str] = field(default_factory=dict)  # ref -> expression text as written, for expression keys
    range_like: bool = False  # the range is only LIKE 'abc%' (with no opclass needed in a C collation)
    flags: list[str] = field(default_factory=list)  # equality columns that are flags (see is_flag): narrow little
    # columns the access pins (`flag = false`, `x IS NULL`) to a value nearly every row holds
    # (common_value "known"): an index need not have them, and one that has them still serves
    optional: list[str] = field(default_factory=list)
    # of in_after_sort, the columns kept there because a parameter most likely brings the value
    # nearly every row holds (common_value "likely")
    common: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.eq) + len(self.sort) + (1 if self.range else 0) + len(self.in_after_sort)

    def key(self, ref: str, opclass: str | None = None) -> IndexKey:
        if ref in self.exprs:
            return IndexKey(None, expression=self.exprs[ref], opclass=opclass)
        return IndexKey(ref, opclass=opclass)

    def keys(self) -> list[IndexKey]:
        keys = [self.key(c) for c in self.eq]
        keys += [IndexKey(s.column, desc=s.desc, nulls_first=s.nulls_first) for s in self.sort]
        keys += [self.key(c) for c in self.in_after_sort]
        if self.range:
            keys.append(self.key(self.range, self.range_opclass))
        return keys

    def narrowed(self, eq: list[str]) -> Requirement:
        return Requirement(eq, self.sort, self.range, self.range_opclass, self.in_after_sort, self.exprs, self.range_like,
                           [c for c in self.flags if c in eq], self.optional, self.common)


def is_flag(column: str, access: TableAccess, table: Table | None) -> bool:
    """A column an equality or NULL test on narrows little: a boolean, a column with at most
    five distinct values, or one the access tests with IS NULL. Such columns go last among
    the equality columns, and are the first a narrower index leaves out."""
    return column in access.columns_of(PredKind.IS_NULL) or _few_values(column, table)


def _few_values(column: str, table: Table | None) -> bool:
    """A boolean, or a column with at most five distinct values."""
    col = table.columns.get(column) if table else None
    return col is not None and (col.type.startswith("bool") or (col.stats is not None and 0 < col.stats.n_distinct <= 5))


def common_value(column: str, preds: list[Predicate], table: Table | None) -> str | None:
    """Whether the access pins the column to a value nearly every row holds (at least
    FILTER_ONLY_SHARE of them by pg_stats): `"isDeleted" = false` where 3% are deleted,
    `"deletedAt" IS NULL` where 95% are NULL, `status = 'active'` where 88% are active.

    "known" where the statement shows the value (a literal on a flag column, see _few_values, or a
    NULL test): as a key it narrows nothing, only widens the index and keeps it from serving the
    statements that do not test it, so it stays a filter (Requirement.optional). "likely" where
    every test is a parameter on a flag column whose most common value holds that share:
    `"isDeleted" = $2`, as pg_stat_statements shows every `= false`. The parameter most likely
    brings that value, but may bring the rare one, so the column stays a key, after the sort keys,
    where the index still tests it without visiting the heap (Requirement.common). Else None."""
    if table is None or not table.has_stats:
        return None
    tests = [p for p in preds if p.column == column and p.expression is None and p.kind in _EQ_KINDS]
    if not tests:
        return None
    known = [p for p in tests if p.kind == PredKind.IS_NULL or (p.constant is not None and _few_values(column, table))]
    if len(known) == len(tests):
        return "known" if all(_SHARES.selectivity(table, p) >= FILTER_ONLY_SHARE for p in known) else None
    stats = table.columns[column].stats if _few_values(column, table) else None
    freqs = stats.most_common_freqs if stats is not None else None
    if all(p.kind == PredKind.EQ and p.constant is None for p in tests) and freqs and freqs[0] >= FILTER_ONLY_SHARE:
        return "likely"
    return None


def is_unique(column: str, table: Table | None) -> bool:
    """A column with no two rows alike: the only key of a unique index (a valid, full one), or
    all distinct by pg_stats (n_distinct = -1). An equality on it matches one row at most."""
    if table is None:
        return False
    if any(i.unique and i.valid and not i.where and len(i.keys) == 1 and i.keys[0].column == column for i in table.indexes):
        return True
    col = table.columns.get(column)
    return col is not None and col.stats is not None and col.stats.n_distinct == -1


def key_ref(key: IndexKey) -> str | None:
    """What a key indexes, comparable with a predicate's `column`: the column, or the expression's signature."""
    if key.column is not None:
        return key.column
    return signature(key.expression) if key.expression else None


def requirement_for(access: TableAccess, rank: Callable[[str], tuple], expressions: bool = False,
                    table: Table | None = None) -> Requirement | None:
    """The best single B-tree for one access, or None when a B-tree cannot help.

    Filters on expressions count only with `expressions` (an expression index is a
    kind of its own, see candidates/kinds/expression.py); `table` picks the pattern operator
    class of a LIKE prefix column by its type (varchar_pattern_ops for varchar).
    """
    preds = [p for p in access.predicates if expressions or p.expression is None]
    exprs = {p.column: p.expression for p in preds if p.expression is not None}

    def columns_of(*kinds: PredKind) -> list[str]:
        seen: list[str] = []
        for p in preds:
            if p.kind in kinds and p.column not in seen:
                seen.append(p.column)
        return seen

    eq = columns_of(*_EQ_KINDS)
    null_tests = [c for c in columns_of(PredKind.IS_NULL) if c not in columns_of(PredKind.EQ)]
    multi_in = [p.column for p in preds if p.kind == PredKind.IN and p.column not in eq]
    joins = [c for c in columns_of(PredKind.JOIN) if c not in eq and c not in multi_in]
    if joins and (eq or multi_in or access.order_by or columns_of(*_RANGE_KINDS)):
        # a table with its own filters likely drives the join: index the filters;
        # a table reached only through join keys is the inner side: index the keys
        joins = []
    sort = [k for k in access.order_by if k.column not in eq]
    in_after_sort: list[str] = []
    common: list[str] = []
    if sort:
        # a multi-valued IN before the sort keys breaks the delivered order, and so does an IS NULL
        # test: PostgreSQL fixes a column for ORDER BY only through `col = constant`
        sort_cols = {k.column for k in sort}
        in_after_sort = [c for c in multi_in + null_tests if c not in sort_cols]
        eq = [c for c in eq if c not in null_tests]
        # a flag a parameter most likely pins to its common value goes after them too, while an
        # equality column that narrows leads (alone before the sort keys, it may be a queue's rare value)
        common = [c for c in eq if c not in exprs and c not in sort_cols and common_value(c, preds, table) == "likely"]
        if len(common) < len(eq):
            eq = [c for c in eq if c not in common]
            in_after_sort += common
    else:
        eq = eq + [c for c in multi_in if c not in eq]
    eq = sorted(eq, key=rank) + sorted(joins, key=rank)
    range_col: str | None = None
    range_opclass: str | None = None
    only_like = False
    sort_cols = {k.column for k in sort}
    ranges = [p for p in preds if p.kind in _RANGE_KINDS and p.column not in eq and p.column not in sort_cols]
    if ranges:
        chosen = sorted(ranges, key=lambda p: rank(p.column))[0]
        range_col = chosen.column
        only_like = all(p.kind == PredKind.LIKE_PREFIX for p in preds if p.column == range_col)
        column = table.columns.get(range_col) if table is not None and range_col not in exprs else None
        range_opclass = (T.pattern_opclass(column.type, column.collation) if column is not None else "text_pattern_ops") if only_like else None
    pinned = next((c for c in eq if c in columns_of(PredKind.EQ) and c not in exprs and is_unique(c, table)), None)
    if pinned is not None:  # at most one row: nothing after the column narrows or orders anything
        eq, sort, in_after_sort, range_col, range_opclass, only_like = [pinned], [], [], None, None, False
    cut = next((i for i, k in enumerate(sort) if is_unique(k.column, table)), None)
    sort = sort if cut is None else sort[:cut + 1]  # keys after a unique one never break a tie
    optional = [c for c in dict.fromkeys(eq + in_after_sort) if c not in exprs and common_value(c, preds, table) == "known"]
    eq = [c for c in eq if c not in optional]
    in_after_sort = [c for c in in_after_sort if c not in optional]
    used = set(eq) | set(in_after_sort) | ({range_col} if range_col else set())
    flags = [c for c in eq if c not in exprs and is_flag(c, access, table)]
    req = Requirement(eq, sort, range_col, range_opclass, in_after_sort, {r: t for r, t in exprs.items() if r in used},
                      only_like, flags, optional, [c for c in in_after_sort if c in common])
    return req if req.width else None


def column_rank(accesses: Iterable[TableAccess], catalog: Catalog) -> Callable[[str, str], tuple]:
    """Order equality columns: used by more statements first, then more distinct values first."""
    uses: Counter[tuple[str, str]] = Counter()
    for access in accesses:
        for col in set(access.columns_of(*_EQ_KINDS, PredKind.IN, PredKind.JOIN)):
            uses[(str(access.table), col)] += 1

    def rank(table: str, column: str) -> tuple:
        t = catalog.tables.get(table)
        distinct = 0.0
        col = t.columns.get(column) if t is not None else None
        if t is not None and col is not None and col.stats is not None:
            stats = col.stats
            distinct = stats.n_distinct if stats.n_distinct >= 0 else -stats.n_distinct * (t.row_estimate or 0)
        return (-uses[(table, column)], -distinct, column)

    return rank


def describe(req: Requirement) -> str:
    """Why these keys, in words: what each part of the index does for the statement."""
    parts = []
    if req.eq:
        parts.append("equality on " + ", ".join(req.exprs.get(c, c) for c in req.eq))
    keys = ", ".join(s.column + (" DESC" if s.desc else "") for s in req.sort)
    if req.sort and req.sort[0].origin == "window":
        parts.append(f"delivers its window's rows in order ({keys}), so no sort runs before the window function")
    elif req.sort and req.sort[0].origin:  # MIN/MAX, read as ORDER BY ... LIMIT 1 (extract/clauses.py)
        parts.append(f"delivers {req.sort[0].origin}({req.sort[0].column}) from one end of the index")
    elif req.sort:
        parts.append("delivers ORDER BY " + keys)
    lists = [c for c in req.in_after_sort if c not in req.common]
    if lists:
        parts.append("filter on " + ", ".join(lists) + " (an IN list or NULL test: it would break the order) kept after the sort keys")
    if req.common:
        parts.append(f"{', '.join(req.common)} kept after the sort keys (compared with a parameter, most likely the value at "
                     f"least {FILTER_ONLY_SHARE:.0%} of the rows hold: before them it would narrow nothing; after them the "
                     "index still tests it, whichever value comes)")
    if req.optional:
        parts.append(f"{', '.join(req.optional)} left a filter (the value tested holds at least {FILTER_ONLY_SHARE:.0%} of the rows: "
                     "as a key it would narrow nothing)")
    if req.range:
        parts.append(("LIKE prefix on " if req.range_like else "range on ") + req.exprs.get(req.range, req.range)
                     + (" (C collation: the default operator class serves it)" if req.range_like and not req.range_opclass else ""))
    return "; ".join(parts)


def variants(req: Requirement, max_width: int) -> list[list[IndexKey]]:
    """Candidate keys for one requirement: the full index, narrowed to max_width, and its left prefixes.

    Narrowing first drops what follows the sort keys (an IN list, a NULL test, a range: there
    they only filter, while an equality column narrows the scan), then the lowest-ranked
    equality columns (flags, IS NULL tests) before the sort and range keys: with the rest
    pinned, (a, sort) still delivers the order.
    Where flags sit before a sort or range key, the index without them is offered too: a
    flag narrows little, and `flag = constant` does not stand between the other equality
    columns and the order, so (project, position) serves `project = $1 AND NOT deleted ORDER
    BY position` with the flag checked as a filter.
    """
    keys = req.keys()
    if len(keys) > max_width and req.sort and len(req.eq) + len(req.sort) <= max_width:
        keys = keys[:max_width]  # after the sort keys, IN lists, NULL tests and a range only filter
    elif len(keys) > max_width:
        eq = list(req.eq)
        while eq and len(eq) + (len(keys) - len(req.eq)) > max_width:
            eq.pop()
        narrowed = req.narrowed(eq).keys()
        keys = narrowed[:max_width] if narrowed else keys[:max_width]
    out = [keys[:w] for w in range(len(keys), 0, -1)]
    if req.flags and (req.sort or req.range):
        unflagged = req.narrowed([c for c in req.eq if c not in req.flags]).keys()[:max_width]
        if unflagged and unflagged not in out:
            out.insert(1, unflagged)
    tail = req.keys()[len(req.eq):]  # the sort keys and the range alone: an index that needs no equality
    if req.eq and tail:
        sort_only = tail[:len(req.sort)] if req.sort else []
        for extra in (sort_only[:max_width], tail[-1:] if req.range else []):
            if extra and extra not in out:
                out.append(extra)
    return [k for k in out if k]
