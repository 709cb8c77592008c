"""The rule "index I serves access A": one place, used by every stage.

Candidates (what an existing index already serves), the costers (which index a scan
can use), the selection (what a chosen index makes worthless) and the health checks
(what a workload could use, what is redundant) all ask here, so they cannot drift.
Every answer is table-aware: an index serves only scans of its own table.

B-trees: the leading keys match the equality columns in any order, then the ORDER BY
keys in order (either direction), then a range (DESIGN.md); a partial index only when
the access's predicates imply its WHERE. On PostgreSQL 18+ a B-tree skip scan also reaches
a later key when the leading keys before it have no condition: one descent per distinct
value of those keys, so it pays only when they have few values (the costers decide; the
caller says which columns may be skipped: `skippable`). GIN and BRIN by their operator classes
(PostgreSQL docs, "Built-in Operator Classes"; pg_trgm):

| opclass | type | operators |
| --- | --- | --- |
| jsonb_ops (default) | jsonb | @> ? ?| ?& (and @? @@) |
| jsonb_path_ops | jsonb | @> (and @? @@) |
| array_ops (default) | anyarray | @> <@ && = |
| gin_trgm_ops | text | LIKE ILIKE (and ~ ~*) |

`value = ANY(array_column)` is served by none of them: rewritten as
`array_column @> ARRAY[value]` it is.
"""


from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

from indexadvisor.candidates.requirements import (
    PATTERN_OPCLASSES,
    Requirement,
    key_ref,
    requirement_for,
)
from indexadvisor.extract.where import conjuncts, index_predicates
from indexadvisor.model import (
    Candidate,
    Catalog,
    Index,
    IndexKey,
    Predicate,
    PredKind,
    SortKey,
    Table,
    TableAccess,
)
from indexadvisor.pg import types as T
from indexadvisor.pg.selectivity import BRIN_MIN_CORRELATION

JSONB_OPS = frozenset({PredKind.CONTAINS, PredKind.HAS_KEY, PredKind.HAS_ANY_KEY, PredKind.HAS_ALL_KEYS})
JSONB_PATH_OPS = frozenset({PredKind.CONTAINS})
ARRAY_OPS = frozenset({PredKind.CONTAINS, PredKind.CONTAINED, PredKind.OVERLAPS})
TRGM_OPS = frozenset({PredKind.LIKE, PredKind.ILIKE, PredKind.LIKE_PREFIX})
TSVECTOR_OPS = frozenset({PredKind.MATCHES})  # tsvector_ops (GIN and GiST): @@
GIN_KINDS = JSONB_OPS | ARRAY_OPS | TRGM_OPS | TSVECTOR_OPS | {PredKind.ANY_ELEMENT}
BRIN_KINDS = frozenset({PredKind.RANGE, PredKind.EQ, PredKind.IN})
# hash_ops: = only; an IN list through a bitmap scan, one probe per value (hash indexes do not
# take the array themselves, amsearcharray, but the bitmap scan expands it)
HASH_KINDS = frozenset({PredKind.EQ, PredKind.IN, PredKind.JOIN})
# GiST and SP-GiST: range_ops, inet_ops, the geometric opclasses and btree_gist answer
# equality, overlap and containment; gist_trgm_ops the pattern operators (as gin_trgm_ops).
# On a scalar column (inet_ops, btree_gist's opclasses, SP-GiST's text_ops) they answer <, <=,
# >=, > too; range_ops and the geometric ones do not (their < and > are not orderings of values).
GIST_KINDS = frozenset({PredKind.EQ, PredKind.OVERLAPS, PredKind.CONTAINS, PredKind.CONTAINED})
_NOT_ORDERED = ("range", "multirange", "point", "box", "polygon", "circle", "line", "lseg", "path", "geometry", "geography")
OTHER_METHODS = ("gin", "brin", "hash", "gist", "spgist")


def gin_operators(key: IndexKey, column_type: str | None) -> frozenset[PredKind]:
    """The predicate kinds a GIN key with this opclass answers."""
    opclass = (key.opclass or "").lower()
    if opclass == "gin_trgm_ops":
        return TRGM_OPS
    if opclass == "jsonb_path_ops":
        return JSONB_PATH_OPS
    if opclass == "jsonb_ops" or T.is_jsonb(column_type):
        return JSONB_OPS
    if opclass in ("array_ops",) or T.is_array(column_type):
        return ARRAY_OPS
    if opclass == "tsvector_ops" or T.is_tsvector(column_type) or (key.expression or "").lower().startswith("to_tsvector("):
        return TSVECTOR_OPS
    if column_type is None and not opclass:
        return JSONB_OPS | ARRAY_OPS  # type unknown (no catalog): either default opclass
    return frozenset()


def served_predicates(index: Index, access: TableAccess, table: Table | None = None) -> list[Predicate]:
    """The access's predicates an index of another method than B-tree answers, by its operator
    classes: GIN, BRIN, hash, GiST and SP-GiST (empty for a B-tree: see match)."""
    if not index.valid or not index.keys or index.method not in OTHER_METHODS or not same_table(index, access):
        return []
    if index.where and not predicate_implied(index.where, access):
        return []
    if index.method == "brin":
        ref = key_ref(index.keys[0])
        return [p for p in access.predicates if p.column == ref and p.kind in BRIN_KINDS]
    out: list[Predicate] = []
    for key in index.keys if index.method != "hash" else index.keys[:1]:
        ref = key_ref(key)
        ops = _operators(index.method, key, table)
        out += [p for p in access.predicates if p.column == ref and p.kind in ops and p not in out]
    return out


def _operators(method: str, key: IndexKey, table: Table | None) -> frozenset[PredKind]:
    """The predicate kinds one key of a hash, GiST, SP-GiST or GIN index answers."""
    if method == "hash":
        return HASH_KINDS
    column = table.columns.get(key.column) if table is not None and key.column else None
    if method in ("gist", "spgist"):
        if (key.opclass or "").lower() == "gist_trgm_ops":
            return TRGM_OPS
        kind = (column.type if column is not None else "").lower()
        if T.is_tsvector(kind):
            return TSVECTOR_OPS
        return GIST_KINDS if not kind or kind.endswith(_NOT_ORDERED) else GIST_KINDS | {PredKind.RANGE}
    return gin_operators(key, column.type if column is not None else None)


def same_table(index: Index, access: TableAccess) -> bool:
    """An index serves only the scans of its own table."""
    return (index.schema, index.table) == (access.table.schema, access.table.name)


@dataclass
class Match:
    """How far an index's leading keys go in serving a requirement."""

    eq: list[str]  # equality columns matched by leading keys
    range: bool = False
    order: bool = False  # the index delivers the requested order
    full: bool = False
    implied: list[Predicate] = field(default_factory=list)  # the access's predicates a partial index's WHERE answers
    # leading keys a skip scan (PostgreSQL 18+) steps over to reach the matched ones: no order
    # is delivered then, and the scan descends once per distinct value of these keys
    skipped: list[str] = field(default_factory=list)


SKIP_SCAN_VERSION = 180000  # server_version_num from which B-tree indexes skip over leading keys
# A skip scan descends once per distinct value of the skipped keys, each descent about what reading
# a few hundred rows sequentially costs: past one value per this many rows a sequential scan is
# cheaper (the 18 planner: 10 values in 20,000 rows skip-scanned, 200 not)
SKIP_SCAN_ROWS_PER_VALUE = 400


@dataclass(frozen=True)
class SkipScan:
    """What a B-tree skip scan may step over on this table (see skippable)."""

    values: dict[str, float] = field(default_factory=dict)  # column -> its distinct values (pg_stats)
    most: float = 0.0  # the most distinct values (of all the skipped keys together) worth skipping over

    def __bool__(self) -> bool:
        return bool(self.values)


def skippable(table: Table | None, server_version: int | None) -> SkipScan:
    """The columns a B-tree skip scan may step over when they lead an index and the access has no
    equality on them: on PostgreSQL 18+, those whose distinct values pg_stats knows and that are
    few (one per SKIP_SCAN_ROWS_PER_VALUE rows at most, all skipped keys together); how much the
    skip costs, the costers decide from the number. Nothing before 18, or without statistics."""
    if table is None or not server_version or server_version < SKIP_SCAN_VERSION or not table.row_estimate:
        return SkipScan()
    rows = max(float(table.row_estimate), 1.0)
    most = rows / SKIP_SCAN_ROWS_PER_VALUE
    values = {}
    for name, c in table.columns.items():
        if c.stats is not None and c.stats.n_distinct != 0:
            n = c.stats.n_distinct if c.stats.n_distinct > 0 else -c.stats.n_distinct * rows
            if n <= most:
                values[name] = n
    return SkipScan(values, most)


def match(index: Index, req: Requirement, access: TableAccess | None = None,
          skip: SkipScan | None = None) -> Match:
    """Match an index's leading keys against a requirement (the serve rule of DESIGN.md).

    skip: columns a skip scan may step over (see skippable); when the first key is not one the
    requirement searches, leading keys among these are skipped and matching goes on after them.
    """
    if index.method != "btree" or not index.valid or (access is not None and not same_table(index, access)):
        return Match([])
    if index.where and (access is None or not predicate_implied(index.where, access)):
        return Match([])
    keys = index.keys
    # columns the index predicate pins (WHERE x IS NULL, WHERE s = 'a') need no key
    pinned = {p.column for p in index_predicates(index.where)} if index.where else set()
    wanted = set(req.eq) - pinned
    # a key on a column the access pins serves, needed or not: a value most rows hold (optional), a
    # flag's parameter kept after the sort keys (common) that an index may hold before them as well
    searched = wanted | set(req.optional) | set(req.common)
    refs = [key_ref(k) for k in keys]
    if skip and refs and refs[0] not in searched:
        skipped = _skip_prefix(keys, refs, req, wanted, skip)
        if skipped:
            m = _match_after_skip(keys, refs, req, wanted, len(skipped))
            if m is not None:
                m.skipped = skipped
                m.implied = _implied(index, access)
                return m
    matched: list[str] = []
    i = 0
    while i < len(keys):
        ref = refs[i]
        if ref is None or ref not in searched or ref in matched:
            break
        if keys[i].opclass and keys[i].opclass not in PATTERN_OPCLASSES:
            break
        matched.append(ref)
        i += 1
    pinned_eq = sorted(pinned & set(req.eq))
    all_eq = wanted <= set(matched)
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
    return Match(matched + pinned_eq, rng, order, full, _implied(index, access))


def _implied(index: Index, access: TableAccess | None) -> list[Predicate]:
    """The access's predicates a partial index's WHERE answers."""
    needs = index_predicates(index.where) if index.where else ()
    return [have for have in (access.predicates if access is not None else []) if any(_implies(have, n) for n in needs)]


def _skip_prefix(keys: list[IndexKey], refs: list[str | None], req: Requirement, wanted: set[str],
                 skip: SkipScan) -> list[str]:
    """The leading keys a skip scan steps over: plain skippable columns the requirement does not
    search by equality, up to the first key it does search (an equality or its range column), with
    few enough distinct values together."""
    out: list[str] = []
    values = 1.0
    for key, ref in zip(keys, refs):
        if ref in wanted or ref == req.range:
            return out
        if ref is None or key.column is None or ref not in skip.values:
            return []
        values *= skip.values[ref]
        if values > skip.most:
            return []
        out.append(ref)
    return []


def _match_after_skip(keys: list[IndexKey], refs: list[str | None], req: Requirement, wanted: set[str],
                      start: int) -> Match | None:
    """Equality keys, then the range, from key `start` on (what a skip scan searches; no order)."""
    matched: list[str] = []
    i = start
    while i < len(keys) and refs[i] in wanted and refs[i] not in matched:
        if keys[i].opclass and keys[i].opclass not in PATTERN_OPCLASSES:
            break
        matched.append(refs[i])  # type: ignore[arg-type]
        i += 1
    rng = bool(req.range) and i < len(keys) and refs[i] == req.range and _range_opclass_ok(keys[i], req)
    if not (matched or rng):
        return None
    return Match(matched, rng, False, False)


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
        return key.opclass in PATTERN_OPCLASSES or (key.collation or "").lower() in ("c", "posix")
    return key.opclass is None or (req.range_like and key.opclass in PATTERN_OPCLASSES)


@functools.cache
def where_columns(where: str) -> frozenset[str]:
    """The columns a partial index's WHERE tests."""
    return frozenset(q.column for q in index_predicates(where))


def tested_columns(access: TableAccess) -> set[str]:
    """The columns an access's conditions test, an OR's arms included: the planner proves a
    partial index's WHERE from these alone, so an index whose WHERE tests another column is no
    use to the access (predicate_implied says when one of these implies it)."""
    return {p.column for p in access.predicates} | {p.column for arms in access.any_of for arm in arms for p in arm}


def predicate_implied(where: str, access: TableAccess) -> bool:
    """Whether an access's predicates imply a partial index's WHERE (simple conjunctions)."""
    required = index_predicates(where)
    if not required:
        return False
    return all(any(_implies(have, need) for have in access.predicates) for need in required)


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
        allowed = {v.lower() for v in need.literals()}
        return have.kind in (PredKind.EQ, PredKind.IN) and {v.lower() for v in have.literals()} <= allowed
    return False


def could_serve(index: Index, access: TableAccess, table: Table | None = None, server_version: int | None = None) -> bool:
    """Whether the index can take part in any plan for the access, whatever its kind.

    B-trees (partial, covering, expression keys too) by the serve rule above, on PostgreSQL
    18+ (server_version) also by a skip scan over leading keys with statistics; BRIN for a
    range or equality on its leading column; hash for equality; GIN, GiST and SP-GiST for
    the operators their operator classes support (served_predicates).
    """
    if not index.valid or access.kind == "insert" or not same_table(index, access):
        return False
    if index.method == "btree":
        req = requirement_for(access, lambda col: (0, col), expressions=True)
        if req is None:
            return False
        m = match(index, req, access, skippable(table, server_version))
        return bool(m.eq or m.order or m.range)
    return bool(served_predicates(index, access, table))


def served_requirement(index: Index, access: TableAccess, table: Table | None) -> Requirement | None:
    """The access's requirement (its columns as written), where the B-tree serves part of it by
    the serve rule: a key it searches, its ORDER BY or its range; None otherwise."""
    req = requirement_for(access, lambda col: (0, col), table=table)
    if req is None:
        return None
    m = match(index, req, access)
    return req if m.eq or m.order or m.range else None


def conditions_applied(index: Index, access: TableAccess, table: Table | None) -> int:
    """How many of the access's conditions a B-tree applies before it reads the table: the
    equality columns and the range it searches, and its ORDER BY where a LIMIT stops the scan.

    What bounds the rows a call reads at a key that holds many: the planner prices every key at
    the average rows, so `(user_id)` and `(user_id, created_at DESC)` cost alike for `user_id =
    $1 ORDER BY created_at DESC LIMIT 10` where users hold ten chats on average; at a user with
    two thousand, the first reads and sorts them all, the second reads ten."""
    if index.method != "btree":
        return 0
    req = requirement_for(access, lambda col: (0, col), expressions=True, table=table)
    if req is None:
        return 0
    m = match(index, req, access)
    return len(m.eq) + int(m.range) + int(m.order and access.limit is not None)


def serving_index(table: Table | None, req: Requirement, access: TableAccess) -> Index | None:
    """An existing index that serves the access in full, or a unique one pinning it to one row."""
    if table is None:
        return None
    for index in table.indexes:
        if match(index, req, access).full or pins_one_row(index, access):
            return index
        if index.method in ("hash", "gist", "spgist") and _answers_all(index, req, access, table):
            return index
        if index.method == "brin" and _in_order(index, table) and _answers_all(index, req, access, table):
            return index  # the rows sit in the column's order: few block ranges to read
    return None


def pins_one_row(index: Index, access: TableAccess) -> bool:
    """A valid unique B-tree (its WHERE implied) whose every key the access tests for equality:
    one row at most, whatever the best new index for the access would lead with (a unique
    (user_id, post_id) for `user_id = $1 AND post_id = $2`, where post_id alone is unique too)."""
    eq_cols = set(access.columns_of(PredKind.EQ))
    return (index.unique and index.valid and index.method == "btree"
            and (not index.where or predicate_implied(index.where, access))
            and all(k.column is not None and k.column in eq_cols for k in index.keys))


def _in_order(index: Index, table: Table | None) -> bool:
    """Whether a BRIN index's column is stored in its order (pg_stats.correlation; unknown: yes)."""
    column = table.columns.get(index.keys[0].column or "") if table is not None else None
    corr = column.stats.correlation if column is not None and column.stats is not None else None
    return corr is None or abs(corr) >= BRIN_MIN_CORRELATION


def _answers_all(index: Index, req: Requirement, access: TableAccess, table: Table) -> bool:
    """Whether a hash, GiST or SP-GiST index answers everything the best B-tree would search
    (its equality and range columns; it delivers no order)."""
    if req.sort:
        return False
    answered = {p.column for p in served_predicates(index, access, table)}
    wanted = set(req.eq) | ({req.range} if req.range else set())
    return bool(wanted) and wanted <= answered


def key_signature(index: Index) -> tuple:
    """The keys as the planner sees them, comparable between indexes.

    Each key is its column or expression, opclass and collation; for a B-tree also its
    direction and NULLS placement, taken relative to the first key: a B-tree is scanned
    backwards as readily as forwards, so (a DESC, b) and (a, b DESC) are the same index.
    A left prefix of the signature is the signature of the index's left prefix.
    """
    btree = index.method == "btree"
    flip = btree and bool(index.keys) and index.keys[0].desc
    out = []
    for k in index.keys:
        ident: tuple = (
            k.column,
            " ".join(k.expression.split()) if k.column is None and k.expression else None,
            k.opclass.lower() if k.opclass else None,
            k.collation,
        )
        if btree:
            nulls_first = k.desc if k.nulls_first is None else k.nulls_first
            desc = k.desc
            if flip:
                desc, nulls_first = not desc, not nulls_first
            ident += (desc, nulls_first)
        out.append(ident)
    return tuple(out)


def serves_scans_of(narrow: Index, wide: Index) -> bool:
    """Whether `wide` serves every scan of `narrow` as well: B-tree keys a left prefix, the
    same predicate, INCLUDE columns covered. Health calls `narrow` redundant then, so the
    advisor never proposes the two together either.

    Only the same predicate: an index with a narrower one (`(created_at) WHERE NOT
    processed` beside `(created_at)`) can be used wherever the wider one can, but it holds
    only the rows its queries want, so a scan of it skips what the wider one must read
    past (a queue's processed rows): dropping it can make those queries much slower.
    """
    if (narrow.schema, narrow.table) != (wide.schema, wide.table):
        return False  # an index serves only the scans of its own table
    if narrow.method != "btree" or wide.method != "btree" or not wide.valid or not narrow.keys:
        return False
    n, w = key_signature(narrow), key_signature(wide)
    if len(n) > len(w) or w[:len(n)] != n or conjuncts(narrow.where) != conjuncts(wide.where):
        return False
    columns = {k.column for k in wide.keys} | set(wide.include)
    return all(c in columns for c in narrow.include)


def reads_within(partial: Index, plain: Index, access: TableAccess) -> bool:
    """Whether a scan of the partial index reads, for this access, no more than a scan of the plain
    one and in the same order: the access implies the partial's WHERE, and the plain index's keys
    are columns that WHERE pins to one value followed by the partial's keys. The plain index's part
    for those values is then the partial index's entries (or more of them, where the WHERE also
    tests what the plain one does not hold), so the partial one serves the access at least as well
    while it is smaller and cheaper to keep. Where the planner prices it higher, that is the planner's
    statistics: the correlation of a pinned column taken over all its values (one dominant value
    makes a rare one look stored in order), or a NULL test beside a range on the same column counted
    as a second, independent filter."""
    if (partial.schema, partial.table) != (plain.schema, plain.table) or partial.method != "btree" or plain.method != "btree":
        return False
    if not partial.where or plain.where or not predicate_implied(partial.where, access):
        return False
    lead = len(plain.keys) - len(partial.keys)
    if lead < 0:
        return False
    rest, own = key_signature(replace(plain, keys=plain.keys[lead:])), key_signature(partial)
    if not access.order_by:  # nothing read in order: the directions and NULLS placement do not matter
        rest, own = tuple(k[:4] for k in rest), tuple(k[:4] for k in own)
    if rest != own:
        return False
    pinned = pinned_columns(partial.where)
    stored = {k.column for k in plain.keys} | set(plain.include)
    return all(k.column in pinned for k in plain.keys[:lead]) and set(partial.include) <= stored


def pinned_columns(where: str | None) -> frozenset[str]:
    """The columns a partial index's WHERE holds to one value (`= constant`, IS NULL): as keys
    they would separate nothing, so the partial index needs none of them."""
    if not where:
        return frozenset()
    return frozenset(q.column for q in index_predicates(where) if q.expression is None
                     and (q.kind == PredKind.IS_NULL or (q.kind == PredKind.EQ and q.constant is not None)))


def copies_existing(c: Candidate, table: Table | None) -> bool:
    """The guard: never propose a copy or a left prefix of an existing index or key.

    HypoPG may price a hypothetical copy of an existing index below the real one;
    such gains are not real. Directions count as equal when all are reversed.
    """
    for index in table.indexes if table else []:
        if index.method != c.method or not index.valid or index.where != c.where or len(index.keys) < len(c.keys):
            continue
        pairs = list(zip(c.keys, index.keys))
        if not all(same_key(a, b) for a, b in pairs):
            continue
        # NULLS placement counts too: (a DESC) does not deliver ORDER BY a DESC NULLS LAST
        forward = all(a.desc == b.desc and nulls_first(a) == nulls_first(b) for a, b in pairs)
        backward = all(a.desc != b.desc and nulls_first(a) != nulls_first(b) for a, b in pairs)
        if forward or backward:
            return True
    return False


def same_key(a: IndexKey, b: IndexKey) -> bool:
    """The same column or expression, opclass and collation (direction aside)."""
    return (a.column, a.expression, a.opclass, a.collation) == (b.column, b.expression, b.opclass, b.collation)


def nulls_first(key: IndexKey) -> bool:
    return key.desc if key.nulls_first is None else key.nulls_first


def serving_in_tree(catalog: Catalog, table: Table | None, req: Requirement, access: TableAccess) -> Index | None:
    """serving_index, where a partitioned table also counts as served when each of its leaf
    partitions has an index of its own that serves the access: the planner scans every
    partition with that partition's indexes, whether or not the parent has one."""
    found = serving_index(table, req, access)
    if found is not None or table is None or not table.partitioned:
        return found
    leaves = catalog.leaves(table)
    picks = [serving_index(leaf, req, replace(access, table=leaf.qname)) for leaf in leaves]
    return picks[0] if picks and all(picks) else None
