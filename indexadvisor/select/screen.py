"""Which candidates are worth a greedy's attention, and which statements each one can change.

With the planner, each statement is explained once with all its candidates available and
a candidate no plan picks is dropped; a candidate that pays off grows by one more column
its statements use (a wider index the planner may prefer). Offline, a candidate is
relevant to the statements whose access its leading keys serve (the serve rule).
"""

from __future__ import annotations

from dataclasses import replace

from indexadvisor.candidates.kinds.covering import too_wide
from indexadvisor.candidates.kinds.partial import shown_constant
from indexadvisor.candidates.requirements import Requirement, key_ref
from indexadvisor.candidates.serve import (
    copies_existing,
    could_serve,
    pinned_columns,
    reads_within,
    served_requirement,
    tested_columns,
    where_columns,
)
from indexadvisor.costing import Coster, prefetch
from indexadvisor.extract.where import index_predicates
from indexadvisor.model import Candidate, Catalog, IndexDef, IndexKey, ParsedStatement, PredKind, Table, TableAccess
from indexadvisor.pg import types as T

# what a key on a plain column can search (the other predicate kinds: expressions, GIN operators, in candidates/kinds/)
_SHARED_KINDS = (PredKind.EQ, PredKind.IN, PredKind.IS_NULL)
_BTREE_KINDS = (PredKind.EQ, PredKind.IN, PredKind.RANGE, PredKind.IS_NULL, PredKind.LIKE_PREFIX, PredKind.JOIN)
_PINNING = (PredKind.EQ, PredKind.IN, PredKind.IS_NULL, PredKind.JOIN)  # one value (per list element, per outer row)


def indexable_columns(access: TableAccess) -> list[str]:
    """Columns an index key could serve: filtered, joined, grouped or sorted on."""
    cols = [p.column for p in access.predicates if p.kind in _BTREE_KINDS and p.expression is None]
    cols += access.group_by + [k.column for k in access.order_by]
    return list(dict.fromkeys(cols))


def arm_columns(access: TableAccess) -> list[str]:
    """Columns the arms of the access's ORs search (each arm's own index, bitmap_or.py)."""
    return list(dict.fromkeys(q.column for arms in access.any_of for arm in arms for q in arm if q.expression is None))


def covering_columns(access: TableAccess, max_width: int, table: Table | None) -> list[str]:
    """Every column the access touches, searchable ones first, when few enough to allow an
    index-only scan and each one only read is cheap to copy into every entry; else nothing."""
    if "*" in access.columns_read:
        return []
    cols = indexable_columns(access)
    read = [c for c in sorted(access.columns_read) if c not in cols]
    if not all(copy_ok(table, c) for c in read):
        return []
    cols += read
    return cols if 1 < len(cols) <= max_width else []


def copy_ok(table: Table | None, column: str) -> bool:
    """Whether a column only read (not searched, sorted or grouped) may be a key, which copies
    it into every entry for an index-only scan: the covering kind's width rule (too_wide)."""
    col = table.columns.get(column) if table is not None else None
    return col is None or too_wide(col) is None


ColumnIndex = dict[tuple[str, str], list[tuple[int, ParsedStatement]]]  # (table, ref) -> (position, statement)


def column_index(parsed: list[ParsedStatement]) -> ColumnIndex:
    """(table, column or expression signature) -> the statements that filter, join, sort or group
    on it, in workload order: an index can serve a statement only through such a column, so each
    candidate looks at those statements, not at every statement on its table."""
    out: ColumnIndex = {}
    for position, p in enumerate(parsed):
        seen: set[tuple[str, str]] = set()
        for a in p.accesses:
            if a.kind == "insert":
                continue
            for ref in [q.column for q in a.predicates] + a.group_by + [k.column for k in a.order_by] + arm_columns(a):
                key = (str(a.table), ref)
                if key not in seen:
                    seen.add(key)
                    out.setdefault(key, []).append((position, p))
    return out


def relevant_statements(c: Candidate, by_column: ColumnIndex, catalog: Catalog,
                        broad: bool = False) -> list[ParsedStatement]:
    """Statements with an access the candidate's leading keys can serve at all.

    `broad` (the planner decides): any access that filters, joins, groups or sorts
    on the leading column; otherwise the access-pattern match rule. Either way, an OR
    with an arm that searches the leading column (one index per arm: bitmap_or.py). Only
    statements that use the leading key's column (a GIN or BRIN index: any key's) are looked at.
    """
    lead = c.keys[0].column if c.keys else None
    # on a partitioned table, the statements that read one of its partitions by name too: the
    # index is created on each, as it serves them there (state.Problem.on_tables)
    tables = [f"{c.schema}.{c.table}"] + catalog.partitions(f"{c.schema}.{c.table}")
    on = {t: replace(c.spec.as_index(), schema=catalog.tables[t].schema, table=catalog.tables[t].name) if t != tables[0]
          else c.spec.as_index() for t in tables}
    refs = {key_ref(k) for k in (c.keys[:1] if c.method == "btree" else c.keys)}
    found = dict(entry for table in tables for ref in refs if ref for entry in by_column.get((table, ref), []))
    out = []
    for _, p in sorted(found.items(), key=lambda entry: entry[0]):
        for a in p.accesses:
            index = on.get(str(a.table))
            if index is None or a.kind == "insert":
                continue
            if c.method != "btree" or any(k.expression for k in c.keys):  # GIN/BRIN operators, expression keys
                if could_serve(index, a):
                    out.append(p)
                    break
                continue
            if lead in arm_columns(a) and (not c.where or where_columns(c.where) <= tested_columns(a)):
                out.append(p)
                break
            if broad and lead in indexable_columns(a):
                if not c.where or where_columns(c.where) <= tested_columns(a):
                    out.append(p)
                    break
                continue  # the planner cannot prove its WHERE from this access
            if served_requirement(index, a, catalog.tables.get(str(a.table))) is not None:
                out.append(p)
                break
    return out


def planner_picks(pool: list[Candidate], relevant: dict[IndexDef, list[ParsedStatement]], current: dict[str, float],
                  coster: Coster, ideal: dict[str, float], keep_prefixes: set[str]) -> list[Candidate]:
    """Per-statement candidate selection: keep what the planner uses when offered everything.

    Each statement is explained once with all its candidates present; a candidate
    that no statement's plan picks over the others is dominated and is dropped
    (its left prefixes stay, as cheaper options under a budget). Fills `ideal`.
    """
    offered: dict[str, tuple[ParsedStatement, list[Candidate]]] = {}
    for c in pool:
        for p in relevant[c.spec]:
            offered.setdefault(p.statement.fingerprint, (p, []))[1].append(c)
    _leave_to_partial_twins(offered, relevant, coster, current)
    picked: set[IndexDef] = set()
    for p, candidates in offered.values():
        coster.offer(p, candidates)
    prefetch(coster, [(p, candidates) for fp, (p, candidates) in offered.items() if fp in current])
    for fp, (p, candidates) in offered.items():
        if fp not in current:
            continue
        cost, used = coster.ideal(p, candidates)
        if cost is not None:
            ideal[fp] = min(cost, current[fp])
        picked.update(c.spec for c in used)
    keep = [c for c in pool if c.spec in picked]
    columns = {_columns_of(c) for c in keep}  # the same columns in other directions are as good
    keep += [c for c in pool if c.spec not in picked and _columns_of(c) in columns]
    shared = _shared_columns(keep)
    kept = {c.spec for c in keep}
    keep += [c for c in pool if c.spec not in kept and _plain_on(c) in shared]
    kept = {c.spec for c in keep}
    if keep_prefixes:
        cheaper = [c for c in pool if c.spec not in kept and c.table in keep_prefixes]
        kept |= {c.spec for c in _narrower_ones(cheaper, keep) + _brin_beside(cheaper, keep)}
    return [c for c in pool if c.spec in kept]  # pool order: ties go to the hotter statement's variant


def _leave_to_partial_twins(offered: dict[str, tuple[ParsedStatement, list[Candidate]]],
                            relevant: dict[IndexDef, list[ParsedStatement]], coster: Coster, current: dict[str, float]) -> None:
    """Take from each statement the plain candidates a partial one offered to it reads within
    (candidates/serve.py, reads_within), where the planner can use the partial one for it at all
    (one EXPLAIN each) and the statement itself shows the WHERE as constant (kinds/partial.py,
    shown_constant): the partial index serves it at least as well, smaller, while the planner's
    statistics price the plain one a little lower (`(visibility, "createdAt")` over `("createdAt")
    WHERE visibility = 'public'`, 34 MB for 0.7 MB). Neither the screen nor the greedy then weighs
    the plain one for that statement; it stays for the others."""
    pairs: dict[str, list[tuple[Candidate, Candidate]]] = {}
    for fp, (p, candidates) in offered.items():
        partials = [q for q in candidates if q.where and q.method == "btree"]
        for plain in (c for c in candidates if partials and not c.where and c.method == "btree"):
            accesses = [a for a in p.accesses if (a.table.schema, a.table.name) == (plain.schema, plain.table) and a.kind != "insert"]
            for q in partials:
                if accesses and all(reads_within(q.spec.as_index(), plain.spec.as_index(), a)
                                    and shown_constant(q.where or "", a, p.statement) for a in accesses):
                    pairs.setdefault(fp, []).append((plain, q))
    prefetch(coster, [(offered[fp][0], [q]) for fp, twins in pairs.items() if fp in current for _, q in twins])
    for fp, twins in pairs.items():
        p, candidates = offered[fp]
        usable = {q.spec for _, q in twins if fp in current and (coster.statement_cost(p, [q]) or current[fp]) < current[fp]}
        gone = {plain.spec for plain, q in twins if q.spec in usable}
        if gone:
            offered[fp] = (p, [c for c in candidates if c.spec not in gone])
            for spec in gone:
                relevant[spec] = [x for x in relevant[spec] if x.statement.fingerprint != fp]


def _brin_beside(pool: list[Candidate], kept: list[Candidate]) -> list[Candidate]:
    """The BRIN candidates of `pool` on a column a kept B-tree leads with. The planner prices a
    BRIN scan pessimistically and picks the B-tree when offered both, but a BRIN index is a
    fraction of its size and its writes: where those count, the selection weighs the two."""
    leads = {(c.schema, c.table, c.keys[0].column) for c in kept if c.method == "btree" and c.keys and c.keys[0].column}
    return [c for c in pool if c.method == "brin" and (c.schema, c.table, c.keys[0].column) in leads]


def _plain_on(c: Candidate) -> tuple[str, str, str] | None:
    """(schema, table, column) of a plain one-column B-tree; None for any other index."""
    if c.method != "btree" or c.where or c.include or len(c.keys) != 1 or c.keys[0].column is None:
        return None
    return c.schema, c.table, c.keys[0].column


def _shared_columns(picked: list[Candidate]) -> set[tuple[str, str, str]]:
    """Columns that two or more picked partial B-trees search on, by their leading key or their WHERE.

    Each statement's plan picks the index best for it alone; where several partial picks
    share a column (`(b) WHERE a = 0` for one statement, `(c) WHERE a = 0` for another), one
    plain index on that column may serve them all, and pay off where none of the picks does
    alone. (Composites that share a prefix keep it by `keep_prefixes`, where it may win.)
    """
    seen: dict[tuple[str, str, str], int] = {}
    for c in picked:
        if c.method != "btree" or not c.where:
            continue
        # (a WHERE column counts where a B-tree on it searches the same test: not `a < b`)
        cols = {q.column for q in index_predicates(c.where) if q.kind in _SHARED_KINDS and q.expression is None}
        cols |= {c.keys[0].column} if c.keys and c.keys[0].column else set()
        for col in cols:
            seen[(c.schema, c.table, col)] = seen.get((c.schema, c.table, col), 0) + 1
    return {spot for spot, n in seen.items() if n >= 2}


def extensions(c: Candidate, per: dict[str, tuple[float, float]], statements: list[ParsedStatement],
               origins: dict[IndexDef, list[Requirement]], catalog: Catalog, max_width: int) -> list[Candidate]:
    """Wider candidates grown from one that pays off: one more column its statements use.

    Chosen, an extension replaces its parent (the parent would be a redundant prefix).
    Each is registered in `origins` with its parent's requirements; a column those leave a
    filter (Requirement.optional: a value nearly every row holds) is not one more key.
    A column the statements it made cheaper (`per`) search is one more key; a column only
    read is one only where it is the last one the index lacks for an index-only scan of one of
    the `statements` it may serve: no plan uses it otherwise (TPC-H: lineitem's price and
    discount columns grew a dozen such keys, each asked of the planner in every run, while
    l_quantity lets a correlated subquery read (l_partkey, l_suppkey, l_quantity) alone).
    """
    if len(c.keys) >= max_width or c.method != "btree":
        return []
    table = catalog.tables.get(f"{c.schema}.{c.table}")
    holds = {k.column for k in c.keys} | set(c.include)
    have = holds | {col for r in origins.get(c.spec, []) for col in r.optional}  # a key cannot repeat an INCLUDE column
    have |= pinned_columns(c.where)  # every entry holds the one value its WHERE pins: as a key it separates nothing
    columns: list[str] = []
    for p in statements:
        for a in p.accesses:
            if a.table.schema == c.schema and a.table.name == c.table and a.kind != "insert":
                searched = _after(a, c.keys) if p.statement.fingerprint in per else []
                read = a.read_columns(table)
                lacks = read - holds if read is not None else set()
                last = [col for col in lacks if len(lacks) == 1 and col not in searched and copy_ok(table, col)]
                columns += [col for col in searched + last if col not in have and col not in columns]
    columns = [col for col in columns if key_type_ok(table, col)]
    out = []
    for col in columns:
        ext = Candidate(c.schema, c.table, c.keys + [IndexKey(col)], list(c.include), c.where, c.method, list(c.statements))
        if ext.spec in origins or copies_existing(ext, table):
            continue
        origins[ext.spec] = origins[c.spec]  # described by the parent's requirements
        out.append(ext)
    return out


def _after(access: TableAccess, keys: list[IndexKey]) -> list[str]:
    """The columns of the access one more key after `keys` can serve. Where it tests each of
    `keys` for one value, any it could search: the new key narrows the scan or orders what it
    finds. Past a key it does not pin, the index is read in that key's order: a constant filter
    is still checked in the index before the heap, and a sort or group column is still read in
    order where the access sorts or groups by the unpinned keys too; a column it only joins on
    could be tested only against each outer row over the whole range (TPC-H: `(l_shipdate,
    l_orderkey)`, asked of the planner in every run and taken by no plan)."""
    columns = indexable_columns(access)
    loose = {k.column for k in keys} - set(access.columns_of(*_PINNING))
    if not loose:
        return columns
    keep = {q.column for q in access.predicates if q.kind != PredKind.JOIN}
    for order in (access.group_by, [k.column for k in access.order_by]):
        if loose <= set(order):
            keep |= set(order)
    return [col for col in columns if col in keep]


def key_type_ok(table: Table | None, column: str) -> bool:
    """Whether a B-tree key may be this column: its type has a B-tree operator class (not json, xml,
    the geometric types); a key PostgreSQL refuses would make HypoPG refuse the whole batch."""
    col = table.columns.get(column) if table is not None else None
    return col is None or T.btree_key_type(col.type)


def reversed_candidate(c: Candidate) -> Candidate:
    """The same index with every key's direction (and NULLS placement) flipped."""
    keys = []
    for k in c.keys:
        nulls_first = k.desc if k.nulls_first is None else k.nulls_first  # explicit, then flipped
        flipped_desc = not k.desc
        flipped_nulls = not nulls_first
        keys.append(IndexKey(k.column, k.expression, flipped_desc,
                             None if flipped_nulls == flipped_desc else flipped_nulls, k.opclass, k.collation))
    return Candidate(c.schema, c.table, keys, list(c.include), c.where, c.method)


def _keyed(c: Candidate, n: int | None = None) -> tuple:
    """The index's table, method, WHERE and first n keys (all: None), each key with its direction:
    equal for two indexes that differ at most in their INCLUDE columns and later keys."""
    keys = c.keys if n is None else c.keys[:n]
    return (c.schema, c.table, c.method, c.where,
            tuple((k.column, k.expression, k.opclass, k.collation, k.desc, k.nulls_first) for k in keys))


def _narrower_ones(pool: list[Candidate], wide: list[Candidate]) -> list[Candidate]:
    """The candidates of `pool` that are one of `wide` with fewer columns: a left prefix of its
    keys, or its keys with fewer INCLUDE columns (a cheaper option under a budget); found by
    lookup (a pool of thousands against thousands)."""
    prefixes = {_keyed(w, n) for w in wide for n in range(1, len(w.keys))}
    includes: dict[tuple, list[set[str]]] = {}
    for w in wide:
        includes.setdefault(_keyed(w), []).append(set(w.include))
    return [c for c in pool if _keyed(c) in prefixes or any(set(c.include) < inc for inc in includes.get(_keyed(c), []))]


def same_definition_but_include(a: Candidate, b: Candidate) -> bool:
    """The same index but for its INCLUDE columns (two such would be duplicates)."""
    return _keyed(a) == _keyed(b) and set(a.include) != set(b.include)


def _columns_of(c: Candidate) -> tuple:
    return (c.schema, c.table, c.method, c.where, tuple(c.include), tuple((k.column, k.expression, k.opclass) for k in c.keys))
