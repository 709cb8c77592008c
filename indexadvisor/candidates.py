"""From access patterns to candidate B-tree indexes, minus what existing indexes serve.

The key order follows DESIGN.md: equality columns first, then the ORDER BY
columns in the query's order and directions, then at most one range column.
Equality columns are ordered by how many statements of the workload filter on
them (then by selectivity), so that candidates from different statements line
up and one index can serve several of them.

A key is identified by its "ref": the column name, or for an expression key the
expression's canonical form (kinds.exprtext.signature), which is also what a
predicate on an expression carries as its `column`. So the same rules serve
expression indexes (`requirement_for(..., expressions=True)`); the other kinds
(partial, covering, GIN, BRIN) are built on these rules in indexadvisor/kinds/.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from indexadvisor.model import (
    Candidate,
    Catalog,
    Index,
    IndexKey,
    Predicate,
    PredKind,
    SortKey,
    Statement,
    Table,
    TableAccess,
)
from indexadvisor.kinds import types as T
from indexadvisor.kinds.exprtext import signature
from indexadvisor.patterns import Extractor, StatementParseError, UnsupportedStatement

_EQ_KINDS = (PredKind.EQ, PredKind.IS_NULL)
_RANGE_KINDS = (PredKind.RANGE, PredKind.LIKE_PREFIX)
_PATTERN_OPCLASSES = ("text_pattern_ops", "varchar_pattern_ops", "bpchar_pattern_ops")


@dataclass
class Requirement:
    """What an index must deliver to serve one access in full.

    `eq` is a set (any order serves), `sort` must follow in order with consistent
    directions (a B-tree scans backwards too), `range` may follow the sort keys.
    """

    eq: list[str]
    sort: list[SortKey] = field(default_factory=list)
    range: Optional[str] = None
    range_opclass: Optional[str] = None  # pattern opclass needed for LIKE 'abc%'
    in_after_sort: list[str] = field(default_factory=list)  # multi-valued IN kept after the sort keys
    exprs: dict[str, str] = field(default_factory=dict)  # ref -> expression text as written, for expression keys
    range_like: bool = False  # the range is only LIKE 'abc%' (with no opclass needed in a C collation)

    @property
    def width(self) -> int:
        return len(self.eq) + len(self.sort) + (1 if self.range else 0) + len(self.in_after_sort)

    def key(self, ref: str, opclass: Optional[str] = None) -> IndexKey:
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

    def narrowed(self, eq: list[str]) -> "Requirement":
        return Requirement(eq, self.sort, self.range, self.range_opclass, self.in_after_sort, self.exprs, self.range_like)


@dataclass
class Match:
    """How far an index's leading keys go in serving a requirement."""

    eq: list[str]  # equality columns matched by leading keys
    range: bool = False
    order: bool = False  # the index delivers the requested order
    full: bool = False


def key_ref(key: IndexKey) -> Optional[str]:
    """What a key indexes, comparable with a predicate's `column`: the column, or the expression's signature."""
    if key.column is not None:
        return key.column
    return signature(key.expression) if key.expression else None


def requirement_for(access: TableAccess, rank: Callable[[str], tuple], expressions: bool = False,
                    table: Optional[Table] = None) -> Optional[Requirement]:
    """The best single B-tree for one access, or None when a B-tree cannot help.

    Filters on expressions count only with `expressions` (an expression index is a
    kind of its own, see kinds/expression.py); `table` picks the pattern operator
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
    multi_in = [p.column for p in preds if p.kind == PredKind.IN and p.column not in eq]
    joins = [c for c in columns_of(PredKind.JOIN) if c not in eq and c not in multi_in]
    if joins and (eq or multi_in or access.order_by or columns_of(*_RANGE_KINDS)):
        # a table with its own filters likely drives the join: index the filters;
        # a table reached only through join keys is the inner side: index the keys
        joins = []
    sort = [k for k in access.order_by if k.column not in eq]
    in_after_sort: list[str] = []
    if sort:
        # a multi-valued IN before the sort keys breaks the delivered order
        in_after_sort = [c for c in multi_in if c not in {k.column for k in sort}]
    else:
        eq = eq + [c for c in multi_in if c not in eq]
    eq = sorted(eq, key=rank) + sorted(joins, key=rank)
    range_col: Optional[str] = None
    range_opclass: Optional[str] = None
    only_like = False
    sort_cols = {k.column for k in sort}
    ranges = [p for p in preds if p.kind in _RANGE_KINDS and p.column not in eq and p.column not in sort_cols]
    if ranges:
        chosen = sorted(ranges, key=lambda p: rank(p.column))[0]
        range_col = chosen.column
        only_like = all(p.kind == PredKind.LIKE_PREFIX for p in preds if p.column == range_col)
        column = table.columns.get(range_col) if table is not None and range_col not in exprs else None
        range_opclass = (T.pattern_opclass(column.type, column.collation) if column is not None else "text_pattern_ops") if only_like else None
    used = set(eq) | set(in_after_sort) | ({range_col} if range_col else set())
    req = Requirement(eq, sort, range_col, range_opclass, in_after_sort, {r: t for r, t in exprs.items() if r in used}, only_like)
    return req if req.width else None


def match(index: Index, req: Requirement, access: Optional[TableAccess] = None) -> Match:
    """Match an index's leading keys against a requirement (the serve rule of DESIGN.md)."""
    if index.method != "btree" or not index.valid:
        return Match([])
    if index.where and (access is None or not predicate_implied(index.where, access)):
        return Match([])
    keys = index.keys
    # columns the index predicate pins (WHERE x IS NULL, WHERE s = 'a') need no key
    pinned = {p.column for p in _index_predicates(index.where)} if index.where else set()
    wanted = set(req.eq) - pinned
    refs = [key_ref(k) for k in keys]
    matched: list[str] = []
    i = 0
    while i < len(keys) and refs[i] in wanted and refs[i] not in matched:
        if keys[i].opclass and keys[i].opclass not in _PATTERN_OPCLASSES:
            break
        matched.append(refs[i])  # type: ignore[arg-type]
        i += 1
    pinned_eq = sorted(pinned & set(req.eq))
    all_eq = len(matched) == len(wanted)
    # after the pinned prefix, an index can still deliver the order (unmatched equality
    # columns become filters) or search the range
    order = bool(req.sort) and _sort_matches(keys[i:i + len(req.sort)], req.sort)
    if order:
        i += len(req.sort)
        for col in req.in_after_sort:
            if i < len(keys) and refs[i] == col:
                i += 1
    rng = bool(req.range) and i < len(keys) and refs[i] == req.range and _range_opclass_ok(keys[i], req)
    if not (matched or order or rng):
        return Match([])
    full = all_eq and (order or not req.sort) and (rng or not req.range)
    return Match(matched + pinned_eq, rng, order, full)


def _sort_matches(keys: list[IndexKey], sort: list[SortKey]) -> bool:
    if len(keys) < len(sort):
        return False
    forward = backward = True
    for key, want in zip(keys, sort):
        if key.column != want.column or key.opclass:
            return False
        key_nulls_first = key.desc if key.nulls_first is None else key.nulls_first
        want_nulls_first = want.desc if want.nulls_first is None else want.nulls_first
        forward &= key.desc == want.desc and key_nulls_first == want_nulls_first
        backward &= key.desc != want.desc and key_nulls_first != want_nulls_first
    return forward or backward


def _range_opclass_ok(key: IndexKey, req: Requirement) -> bool:
    if req.range_opclass:
        return key.opclass in _PATTERN_OPCLASSES or (key.collation or "").lower() in ("c", "posix")
    return key.opclass is None or (req.range_like and key.opclass in _PATTERN_OPCLASSES)


def predicate_implied(where: str, access: TableAccess) -> bool:
    """Whether an access's predicates imply a partial index's WHERE (simple conjunctions)."""
    required = _index_predicates(where)
    if not required:
        return False
    return all(any(_implies(have, need) for have in access.predicates) for need in required)


@functools.lru_cache(maxsize=4096)
def _index_predicates(where: str) -> tuple[Predicate, ...]:
    """The conjuncts of an index predicate, read with the statement extractor."""
    try:
        accesses, _ = Extractor(Catalog()).extract(Statement("", f"SELECT 1 FROM t WHERE {where}", "", None))
    except (StatementParseError, UnsupportedStatement):
        return ()
    return tuple(accesses[0].predicates) if len(accesses) == 1 else ()


def _implies(have: Predicate, need: Predicate) -> bool:
    """Whether one query predicate implies one conjunct of an index predicate."""
    if have.column != need.column:
        return False
    if need.kind == PredKind.ROW_COMPARE:
        return have.kind == PredKind.ROW_COMPARE and have.compared == need.compared
    if need.kind == PredKind.IS_NOT_NULL:
        return have.kind != PredKind.IS_NULL  # every other operator is strict: it rejects NULL
    if need.kind == PredKind.IS_NULL:
        return have.kind == PredKind.IS_NULL
    if need.constant is None or have.constant is None:
        return False
    if need.kind == PredKind.EQ:
        return have.kind == PredKind.EQ and have.constant.lower() == need.constant.lower()
    if need.kind == PredKind.IN:
        allowed = {v.strip().lower() for v in need.constant.split(",")}
        if have.kind == PredKind.EQ:
            return have.constant.lower() in allowed
        return have.kind == PredKind.IN and {v.strip().lower() for v in have.constant.split(",")} <= allowed
    return False


def served_by(table: Optional[Table], req: Requirement, access: TableAccess) -> Optional[Index]:
    """An existing index that serves the requirement in full, if any."""
    if table is None:
        return None
    for index in table.indexes:
        if match(index, req, access).full:
            return index
    return None


def column_rank(accesses: Iterable[TableAccess], catalog: Catalog) -> Callable[[str, str], tuple]:
    """Order equality columns: used by more statements first, then more distinct values first."""
    uses: Counter[tuple[str, str]] = Counter()
    for access in accesses:
        for col in set(access.columns_of(*_EQ_KINDS, PredKind.IN, PredKind.JOIN)):
            uses[(str(access.table), col)] += 1

    def rank(table: str, column: str) -> tuple:
        t = catalog.tables.get(table)
        distinct = 0.0
        if t is not None and column in t.columns and t.columns[column].stats is not None:
            stats = t.columns[column].stats
            distinct = stats.n_distinct if stats.n_distinct >= 0 else -stats.n_distinct * (t.row_estimate or 0)
        return (-uses[(table, column)], -distinct, column)

    return rank


def could_serve(index: Index, access: TableAccess) -> bool:
    """Whether the index can take part in any plan for the access, whatever its kind.

    B-trees (partial, covering, expression keys too) by the serve rule above; BRIN
    for a range or equality on its leading column; GIN for the operators its
    operator class supports (kinds/gin.py).
    """
    if not index.valid or access.kind == "insert":
        return False
    if index.method == "btree":
        req = requirement_for(access, lambda col: (0, col), expressions=True)
        if req is None:
            return False
        m = match(index, req, access)
        return bool(m.eq or m.order or m.range)
    from indexadvisor.kinds import serve

    return bool(serve.served_predicates(index, access))


def candidate_from(access: TableAccess, req: Requirement, fingerprint: str, reason: str) -> Candidate:
    return Candidate(access.table.schema, access.table.name, req.keys(), statements=[fingerprint], reasons=[reason])


def covers(bigger: list[IndexKey], smaller_req: Requirement) -> bool:
    """Whether an index with keys `bigger` serves the requirement in full."""
    probe = Index(name="", schema="", table="", keys=bigger)
    return match(probe, smaller_req).full


def describe_keys(keys: list[IndexKey], req: Requirement) -> str:
    """What each part of a chosen index does for the statement that asked for it."""
    cols = [key_ref(k) for k in keys]
    eq = [c for c in req.eq if c in cols]
    sort = [s for s in req.sort if s.column in cols]
    text = describe(Requirement(eq, sort, req.range if req.range in cols else None, req.range_opclass,
                                [c for c in req.in_after_sort if c in cols], req.exprs, req.range_like))
    ideal = req.keys()
    if len(keys) < len(ideal):
        text += f"; narrower than the ideal ({', '.join(k.text for k in ideal)}), which did not pay for its size or width"
    return text


def describe(req: Requirement) -> str:
    """Why these keys, in words: what each part of the index does for the statement."""
    parts = []
    if req.eq:
        parts.append("equality on " + ", ".join(req.exprs.get(c, c) for c in req.eq))
    if req.sort:
        parts.append("delivers ORDER BY " + ", ".join(s.column + (" DESC" if s.desc else "") for s in req.sort))
    if req.in_after_sort:
        parts.append("IN-list filter on " + ", ".join(req.in_after_sort) + " kept after the sort keys")
    if req.range:
        parts.append(("LIKE prefix on " if req.range_like else "range on ") + req.exprs.get(req.range, req.range)
                     + (" (C collation: the default operator class serves it)" if req.range_like and not req.range_opclass else ""))
    return "; ".join(parts)


def variants(req: Requirement, max_width: int) -> list[list[IndexKey]]:
    """Candidate keys for one requirement: the full index, narrowed to max_width, and its left prefixes.

    Narrowing drops the lowest-ranked equality columns (flags, IS NULL tests) before
    the sort and range keys: with the rest pinned, (a, sort) still delivers the order.
    """
    keys = req.keys()
    if len(keys) > max_width:
        eq = list(req.eq)
        while eq and len(eq) + (len(keys) - len(req.eq)) > max_width:
            eq.pop()
        narrowed = req.narrowed(eq).keys()
        keys = narrowed[:max_width] if narrowed else keys[:max_width]
    out = [keys[:w] for w in range(len(keys), 0, -1)]
    tail = req.keys()[len(req.eq):]  # the sort keys and the range alone: an index that needs no equality
    if req.eq and tail:
        sort_only = tail[:len(req.sort)] if req.sort else []
        for extra in (sort_only[:max_width], tail[-1:] if req.range else []):
            if extra and extra not in out:
                out.append(extra)
    return [k for k in out if k]
