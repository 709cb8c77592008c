"""The pool the selection chooses from: per table access, the candidates that would serve it.

Each access that no existing index serves in full asks for the B-tree that would serve
it best (candidates/requirements.py), narrowed to --max-width and its left prefixes;
the other kinds add theirs (candidates/pool.py). With the planner, one-column and
all-columns seeds join them (the planner may prefer them, and they grow when they pay
off); offline, an access whose ideal index would not make it twice as cheap asks for none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from indexadvisor.candidates.kinds.covering import needed_columns
from indexadvisor.candidates.pool import KindAdvisor
from indexadvisor.candidates.requirements import Requirement, is_flag, requirement_for, variants
from indexadvisor.candidates.serve import copies_existing, match, serving_in_tree
from indexadvisor.costing.model import StatsModel
from indexadvisor.costing.stats import key_columns, min_gain
from indexadvisor.model import Candidate, Catalog, IndexDef, IndexKey, ParsedStatement, PredKind, Table, TableAccess
from indexadvisor.select.options import SelectionOptions
from indexadvisor.select.reasons import note
from indexadvisor.select.screen import covering_columns, indexable_columns, key_type_ok, reversed_candidate
from indexadvisor.select.state import Pool

Rank = Callable[[TableAccess, Table | None], Callable[[str], tuple]]


def ranker(table_rank: Callable[[str, str], tuple]) -> Rank:
    """Per access, the order of its equality columns: flags and IS NULL tests last, then by
    how many statements filter on the column, then by its distinct values."""
    def for_access(access: TableAccess, table: Table | None) -> Callable[[str], tuple]:
        key = str(access.table)

        def rank(column: str) -> tuple:
            return (is_flag(column, access, table),) + table_rank(key, column)

        return rank

    return for_access


class _Builder:
    """Collects candidates by identity, each with the requirements and statements that asked for it."""

    def __init__(self) -> None:
        self.origins: dict[IndexDef, tuple[Candidate, list[Requirement]]] = {}
        self.served: dict[str, list[str]] = {}
        self.notes: dict[str, list[str]] = {}

    def add(self, c: Candidate, req: Requirement, fp: str) -> None:
        home = self.origins.setdefault(c.spec, (c, []))
        home[1].append(req)
        if fp not in home[0].statements:
            home[0].statements.append(fp)

    def seed(self, c: Candidate, req: Requirement) -> None:
        if c.spec not in self.origins:
            self.origins[c.spec] = (c, [req])

    def pool(self) -> Pool:
        return Pool([c for c, _ in self.origins.values()], {k: r for k, (_, r) in self.origins.items()},
                    self.served, self.notes)


def build_pool(catalog: Catalog, parsed: list[ParsedStatement], options: SelectionOptions, model: StatsModel,
               kinds: KindAdvisor, rank: Rank, planner: bool) -> Pool:
    """Every access's candidates (B-tree variants and the other kinds), minus what existing indexes serve."""
    out = _Builder()
    for p in parsed:
        for access in p.accesses:
            if access.kind != "insert":
                _access_candidates(out, catalog, p, access, options, model, kinds, rank, planner)
    kinds.prune(out.origins)  # one-column B-trees a partial or BRIN index supersedes
    return out.pool()


def _access_candidates(out: _Builder, catalog: Catalog, p: ParsedStatement, access: TableAccess,
                       options: SelectionOptions, model: StatsModel, kinds: KindAdvisor, rank: Rank,
                       planner: bool) -> None:
    fp = p.statement.fingerprint
    table = catalog.tables.get(str(access.table))
    if model.is_tiny(table):
        note(out.notes, fp, f"{access.table} has about {int(model.rows(table))} rows: a sequential scan is as fast as an index")
        return
    order = rank(access, table)
    req = requirement_for(access, order, table=table)
    existing = serving_in_tree(catalog, table, req, access) if req is not None else None
    # the other kinds (candidates/kinds/): partial, covering, expression, BRIN here; GIN after the greedy
    extra = kinds.propose(p, access, table, req, order, existing)
    for text in extra.notes:
        note(out.notes, fp, text)
    if extra.served_by:
        out.served.setdefault(fp, []).extend(extra.served_by)
    for c, kind_req in extra.candidates:
        if not copies_existing(c, table):
            out.add(c, kind_req, fp)
    if req is None:
        return
    if existing is not None:
        out.served.setdefault(fp, []).append(existing.name)
        if planner:
            _join_seeds(out, catalog, table, access, req)
        return
    if extra.supersede_plain and not (planner and extra.partials):
        # a partial or BRIN index is the better index for this access (candidates/kinds/); with
        # the planner a partial one competes with the plain variants, since the planner may not
        # use it where the statement's shape hides the implication (a subquery's filter)
        return
    if not planner and not _worth_it(out, model, table, access, req, fp):
        return
    for r in [req] + _prefix_search(access, table, order):
        for keys in variants(r, options.max_width):
            c = Candidate(access.table.schema, access.table.name, keys, statements=[fp])
            if copies_existing(c, table):
                continue
            twin = reversed_candidate(c)
            if twin.spec in out.origins:  # a B-tree scans both ways: the same index
                c = out.origins[twin.spec][0]
            out.add(c, r, fp)
    if planner:  # seeds the planner may prefer, and grows when they pay off
        # (no all-columns seed where candidates/kinds/covering.py proposes INCLUDE for the same index-only scan)
        wide = [] if extra.covering else [covering_columns(access, options.max_width, table)]
        for cols in [[col] for col in indexable_columns(access)] + wide:
            seed = Candidate(access.table.schema, access.table.name, [IndexKey(c) for c in cols], statements=[fp])
            if cols and all(key_type_ok(table, c) for c in cols) and not copies_existing(seed, table):
                out.seed(seed, req)
        if wide and wide[0] and extra.partials:
            _partial_wide_seed(out, access, extra.partials[0], wide[0], table, options.max_width, req)


def _partial_wide_seed(out: _Builder, access: TableAccess, partial: Candidate, wide: list[str], table: Table | None,
                       max_width: int, req: Requirement) -> None:
    """The all-columns seed in the partial index's form: its keys, then the columns an index-only scan
    still needs beside its WHERE. Where the statement is too rare for an INCLUDE (covering.py), the
    plain all-columns seed would otherwise be the only index-only scan on offer, and the planner picks
    it (`WHERE "deletedAt" IS NOT NULL AND "deletedAt" < $1` on a column 99% NULL: the whole table's
    index instead of its 1%); as the partial one's plain twin it then stays out of that statement's
    offer (screen._leave_to_partial_twins)."""
    needed = needed_columns(access, partial.where)
    if needed is None:
        return
    keys = [k.column for k in partial.keys if k.column is not None]
    cols = keys + [c for c in wide if c in needed and c not in keys]
    if len(keys) < len(partial.keys) or len(cols) == len(keys) or len(cols) > max_width or not all(key_type_ok(table, c) for c in cols[len(keys):]):
        return
    seed = Candidate(partial.schema, partial.table, list(partial.keys) + [IndexKey(c) for c in cols[len(keys):]],
                     where=partial.where, statements=list(partial.statements), kind=partial.kind, why=partial.why,
                     rows_fraction=partial.rows_fraction)
    if not copies_existing(seed, table):
        out.seed(seed, req)


def _prefix_search(access: TableAccess, table: Table | None, rank: Callable[[str], tuple]) -> list[Requirement]:
    """Outside a C collation a B-tree searches LIKE 'abc%' only with a pattern operator class, which
    orders the column otherwise than ORDER BY asks: for `WHERE name LIKE 'abc%' ORDER BY name` the
    requirement is the index that delivers the order (the LIKE a filter, the LIMIT trap if the prefix
    is rare), and this second one searches the prefix (the rows sorted after). Costing picks."""
    ordered = {k.column for k in access.order_by}
    if not any(p.kind == PredKind.LIKE_PREFIX and p.expression is None and p.column in ordered for p in access.predicates):
        return []
    search = requirement_for(replace(access, order_by=[]), rank, table=table)
    return [search] if search is not None and search.range_opclass else []


def _join_seeds(out: _Builder, catalog: Catalog, table: Table | None, access: TableAccess, req: Requirement) -> None:
    """A table reached only through join keys on two or more columns (a link table keyed (a_id, b_id))
    is served, as one requirement, by an index over them all; but a plan that comes from one side
    probes with that side's key alone, and (b_id) needs an index that leads with it. Each join key
    no index leads with is a seed (the planner decides whether any plan wants it)."""
    if len(req.eq) < 2 or req.sort or req.range or set(req.eq) != {p.column for p in access.predicates if p.kind == PredKind.JOIN}:
        return
    for col in req.eq:
        alone = Requirement([col])
        seed = Candidate(access.table.schema, access.table.name, [IndexKey(col)])
        if serving_in_tree(catalog, table, alone, access) is None and key_type_ok(table, col) and not copies_existing(seed, table):
            out.seed(seed, alone)


def _worth_it(out: _Builder, model: StatsModel, table: Table | None, access: TableAccess, req: Requirement,
              fp: str) -> bool:
    """Offline pre-screen: would even the ideal index make this access cheaper by min_gain (2x, 1.5x with pg_stats)?"""
    before = model.seq_scan(table, access)
    best_index = None
    for index in table.indexes if table else []:
        m = match(index, req, access)
        if m.eq or m.order or m.range:
            one = index.unique and not index.where and len(m.eq) == len(index.keys)
            cost = model.index_scan(table, access, req, m, one_row=one, key_columns=key_columns(index.keys))
            if cost.cost < before.cost:
                before, best_index = cost, index
    ideal_index = IndexDef(access.table.schema, access.table.name, tuple(req.keys())).as_index()
    ideal = model.index_scan(table, access, req, match(ideal_index, req, access), key_columns=key_columns(ideal_index.keys))
    if ideal.cost * min_gain(table) <= before.cost:
        return True
    if best_index is not None:
        out.served.setdefault(fp, []).append(best_index.name)
        note(out.notes, fp, f"existing index {best_index.name} serves {access.table} nearly as well as a new one would")
    return False
