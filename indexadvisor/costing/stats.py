"""The offline coster: statement costs from the statistics model (costing/model.py).

Every index kind is priced here: B-trees (partial, covering, expression keys) by
the serve rule (candidates/serve.py), as an index-only scan when the index holds
every column the access reads; BRIN and GIN by the predicates they answer
(candidates/serve.py). GIN is priced only here: HypoPG cannot create it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from indexadvisor.candidates import serve
from indexadvisor.candidates.kinds.covering import index_only_possible
from indexadvisor.candidates.requirements import Requirement, key_ref, requirement_for
from indexadvisor.candidates.serve import match
from indexadvisor.costing import ideal_over_keys, worst_over_keys
from indexadvisor.costing.btree_size import EXPRESSION_WIDTH, btree_bytes
from indexadvisor.costing.model import AccessCost, StatsModel, filters
from indexadvisor.model import (
    Candidate,
    Catalog,
    Index,
    ParsedStatement,
    Predicate,
    PredKind,
    Table,
    TableAccess,
    is_variant,
)
from indexadvisor.pg.selectivity import BRIN_PAGES_PER_RANGE

# an index must make an access at least this many times cheaper to count for it: by the
# model's assumptions alone (no statistics), or from the table's pg_stats, which the model
# then follows closely enough that a 1.5x cheaper plan (a 1%-selective filter) is one
MIN_GAIN = 2.0
MIN_GAIN_WITH_STATS = 1.5


def min_gain(table: Table | None) -> float:
    """The factor an index must make an access on this table cheaper by (see MIN_GAIN)."""
    return MIN_GAIN_WITH_STATS if table is not None and table.has_stats else MIN_GAIN
# GIN: one entry per trigram (about one per character), per jsonb key and value (jsonb_ops)
# or leaf path (jsonb_path_ops), per array element; the row pointers of an entry are kept
# as compressed posting lists, about GIN_BYTES_PER_ITEM each. Entries per row from the
# column's average width (pg_stats.avg_width): bytes per entry, and the fixed overhead.
_GIN_ENTRY_WIDTH = {"gin_trgm_ops": (1.0, 0), "jsonb_path_ops": (20.0, 4), "jsonb_ops": (10.0, 4), None: (6.0, 20)}
GIN_BYTES_PER_ITEM = 1.8


class StatsCoster:
    """Costs a statement as the sum of its table accesses' cheapest paths."""

    def __init__(self, catalog: Catalog, rank: Callable[[TableAccess, Table | None], Callable[[str], tuple]],
                 model: StatsModel | None = None) -> None:
        self.catalog = catalog
        self.model = model or StatsModel()
        self.rank = rank
        self.method = "statistics" if catalog.has_stats else "rules"
        self._access: dict[int, tuple[Requirement | None, float]] = {}
        self._reqs: dict[int, list[Requirement]] = {}
        # id(access) -> rows its filters match, where known better than from the defaults (select/gin.py)
        self.matched_rows: dict[int, float] = {}
        self.costed = 0  # statement costings with candidates, the offline measure of effort
        self._skipped: list[str] = []  # the keys the last index_cost's best scan skipped (PostgreSQL 18+)
        # id(access) -> (access, index, skipped keys, its cost, a sequential scan's): where the existing
        # indexes' cheapest path is a skip scan, said in the statement's notes
        self._skip_paths: dict[int, tuple[TableAccess, Index, list[str], float, float]] = {}
        self._notes: dict[str, str] = {}
        self._arms: dict[tuple[int, tuple[Predicate, ...]], TableAccess] = {}  # (id(access), arm) -> the arm's access

    def table(self, access: TableAccess) -> Table | None:
        return self.catalog.tables.get(str(access.table))

    def before(self, access: TableAccess) -> float:
        return self._info(access)[1]

    def requirements(self, access: TableAccess) -> list[Requirement]:
        """The B-tree requirements to match indexes against: on plain columns, and with expressions."""
        reqs = self._reqs.get(id(access))
        if reqs is None:
            table = self.table(access)
            rank = self.rank(access, table)
            reqs = []
            for expressions in (False, True):
                req = requirement_for(access, rank, expressions=expressions, table=table)
                if req is not None and all(req.keys() != r.keys() for r in reqs):
                    reqs.append(req)
            self._reqs[id(access)] = reqs
        return reqs

    def _info(self, access: TableAccess) -> tuple[Requirement | None, float]:
        cached = self._access.get(id(access))
        if cached is None:
            table = self.table(access)
            reqs = self.requirements(access)
            seq = best = self.model.seq_scan(table, access).cost
            skip: tuple[Index, list[str], float] | None = None  # the cheapest path, when it is a skip scan
            for index in (table.indexes if table else []):
                cost = self.index_cost(table, access, index)
                if cost is not None and cost.cost < best:
                    best = cost.cost
                    skip = (index, self._skipped, cost.cost) if self._skipped else None
            cached = (reqs[0] if reqs else None, best)
            self._access[id(access)] = cached
            if skip is not None:
                self._skip_paths[id(access)] = (access, *skip, seq)
        return cached

    def index_cost(self, table: Table | None, access: TableAccess, index: Index) -> AccessCost | None:
        """The cheapest scan of the access through this index, or None when it cannot serve it.

        On PostgreSQL 18+ (the catalog's server version) a B-tree may serve it by a skip scan
        over leading keys with no condition (candidates/serve.py); self._skipped then names them.
        """
        self._skipped = []
        if not index.valid:
            return None
        if index.method in serve.OTHER_METHODS:
            used = serve.served_predicates(index, access, table)
            if not used:
                return None
            if index.method in ("gin", "gist", "spgist", "hash"):  # a bitmap (or hash) scan of the matching rows
                return self.model.bitmap_scan(table, access, used, self.matched_rows.get(id(access)))
            column = table.columns.get(index.keys[0].column or "") if table is not None else None
            stats = column.stats if column is not None else None
            correlation = stats.correlation if stats is not None and stats.correlation is not None else 0.0
            return self.model.brin_scan(table, access, used, correlation)
        if index.method != "btree":
            return None
        best: AccessCost | None = None
        only = index_only_possible(index, access)
        width = entry_width(table, index)
        if serve.pins_one_row(index, access):  # a unique lookup, whatever the requirement leads with
            req = Requirement([k.column for k in index.keys if k.column is not None])
            return self.model.index_scan(table, access, req, match(index, req, access), one_row=True,
                                         key_columns=key_columns(index.keys), index_only=only, entry_width=width)
        skip = serve.skippable(table, self.catalog.server_version)
        for req in self.requirements(access):
            m = match(index, req, access, skip)
            if not (m.eq or m.order or m.range):
                continue
            one = index.unique and not index.where and len(m.eq) == len(index.keys)
            cost = self.model.index_scan(table, access, req, m, one_row=one, key_columns=key_columns(index.keys),
                                         index_only=only, entry_width=width, first_key=index.keys[0].column)
            if best is None or cost.cost < best.cost:
                best = cost
                self._skipped = m.skipped
        return best

    def access_cost(self, access: TableAccess, config: Iterable[Candidate]) -> float:
        _, best = self._info(access)
        table = self.table(access)
        current = best
        for c in config:
            if c.schema != access.table.schema or c.table != access.table.name:
                continue
            cost = self.index_cost(table, access, c.spec.as_index())
            if cost is not None and cost.cost * min_gain(table) <= best:
                current = min(current, cost.cost)
        for arms in access.any_of:
            either = self._bitmap_or(table, access, arms, config)
            if either is not None and either * min_gain(table) <= best:
                current = min(current, either)
        return current

    def _bitmap_or(self, table: Table | None, access: TableAccess, arms: tuple[tuple[Predicate, ...], ...],
                   config: Iterable[Candidate]) -> float | None:
        """An OR served one index per arm (a BitmapOr): the sum of each arm's cheapest index scan,
        existing or in the configuration; None when an arm has none."""
        indexes = self._indexes(access, list(config))
        total = 0.0
        for arm in arms:
            # one object per arm for the coster's life: its caches are keyed by id(access)
            arm_access = self._arms.setdefault((id(access), arm), access.arm(arm))
            costs = [cost.cost for index in indexes if (cost := self.index_cost(table, arm_access, index)) is not None]
            if not costs:
                return None
            total += min(costs)
        return total

    def statement_cost(self, parsed: ParsedStatement, config: Iterable[Candidate]) -> float | None:
        config = list(config)
        return worst_over_keys(lambda p: self._one_cost(p, config), parsed)

    def _one_cost(self, parsed: ParsedStatement, config: list[Candidate]) -> float | None:
        if config:
            self.costed += 1
        accesses = [a for a in parsed.accesses if a.kind != "insert"]
        total = 0.0
        for a in accesses:
            cost = self.access_cost(a, config)
            probed = self._probed(a, accesses, config)
            total += cost if probed is None else min(cost, probed)
        if not config:
            self._note_skip_scans(parsed)
        return total

    def _probed(self, access: TableAccess, accesses: list[TableAccess], config: list[Candidate]) -> float | None:
        """The access as the inner side of a nested loop: one lookup by its join key (through an
        index that leads with it) for each row the most selective other access sends. An access with
        filters of its own is otherwise costed as the side that drives the join, so `memberships JOIN
        tenants ... WHERE "userId" = $1 AND tenants.status = 'active'` read every active tenant
        where the planner looks up the user's five. None where no index serves the join key."""
        keys = [p.column for p in access.predicates if p.kind == PredKind.JOIN]
        others = [a for a in accesses if a is not access]
        if not keys or not filters(access) or not others:
            return None
        table = self.table(access)
        probes = min(self._sent(a, [x for x in accesses if x is not a], config) for a in others)
        req = Requirement(list(dict.fromkeys(keys)))
        best: float | None = None
        for index in self._indexes(access, config):
            if not index.valid or index.method != "btree":
                continue
            m = match(index, req, access)
            if not m.eq:
                continue
            one = self.model.index_scan(table, access, req, m, key_columns=key_columns(index.keys),
                                        index_only=index_only_possible(index, access), entry_width=entry_width(table, index))
            best = one.cost * probes if best is None else min(best, one.cost * probes)
        return best

    def _sent(self, access: TableAccess, joined: list[TableAccess], config: list[Candidate]) -> float:
        """The rows an access sends up the plan: those its filters keep, or under a LIMIT no more
        than it asks for where an index delivers its ORDER BY (the scan stops early), if the tables
        it joins keep most of what it sends (a soft-delete flag); where one of them filters (the
        posts of one tag, newest first), the scan runs on until enough rows pass the join."""
        table = self.table(access)
        rows = max(self.model.rows(table) * self.model.combined_selectivity(table, filters(access)), 1.0)
        if access.limit and access.order_by and all(
                self.model.combined_selectivity(self.table(b), filters(b)) >= 0.5 for b in joined) and any(
                match(index, req, access).order for index in self._indexes(access, config) for req in self.requirements(access)):
            rows = min(rows, float(access.limit))
        return rows

    def _indexes(self, access: TableAccess, config: list[Candidate]) -> list[Index]:
        """The access's table's indexes, with the configuration's on it."""
        table = self.table(access)
        return list(table.indexes if table else []) + [c.spec.as_index() for c in config
                                                       if (c.schema, c.table) == (access.table.schema, access.table.name)]

    def _note_skip_scans(self, parsed: ParsedStatement) -> None:
        """Say where a skip scan of an existing index is the statement's cheapest path now: a new
        index must beat it, not a sequential scan (PostgreSQL 18+)."""
        fp = parsed.statement.fingerprint
        if fp in self._notes:
            return
        texts = []
        for access in parsed.accesses:
            path = self._skip_paths.get(id(access))
            if path is None:
                continue
            _, index, skipped, cost, seq = path
            table = self.table(access)
            values = self.model.skip_descents(table, skipped)
            keys = ", ".join(k.text for k in index.keys)
            texts.append(
                f"PostgreSQL {_major(self.catalog.server_version)} skip scan: the existing index {index.name} "
                f"({keys}) serves {access.table.name}'s filter on a later key by skipping over "
                f"{' x '.join(skipped)} ({values:,.0f} distinct value{'s' if values != 1 else ''}), estimated "
                f"{cost:,.1f} per call against {seq:,.1f} for a sequential scan; a new index must beat that")
        if texts:
            self._notes[fp] = "; ".join(texts)

    def ideal(self, parsed: ParsedStatement, candidates: list[Candidate]) -> tuple[float | None, list[Candidate]]:
        return ideal_over_keys(lambda p: self._one_ideal(p, candidates), parsed)

    def _one_ideal(self, parsed: ParsedStatement, candidates: list[Candidate]) -> tuple[float | None, list[Candidate]]:
        """The cost with every candidate available, and for each access the candidate that is its
        cheapest path (when one is, by at least min_gain over the existing indexes)."""
        used: list[Candidate] = []
        for access in parsed.accesses:
            if access.kind == "insert":
                continue
            best, pick = self.before(access), None
            for c in candidates:
                if (c.schema, c.table) != (access.table.schema, access.table.name):
                    continue
                cost = self.index_cost(self.table(access), access, c.spec.as_index())
                if cost is not None and cost.cost * min_gain(self.table(access)) <= self.before(access) and cost.cost < best:
                    best, pick = cost.cost, c
            if pick is not None and pick not in used:
                used.append(pick)
        return self._one_cost(parsed, candidates), used

    def sizes(self, candidates: list[Candidate]) -> None:
        """Nothing to batch: an offline size is a formula (see size)."""

    def scan_rows(self, parsed: ParsedStatement) -> dict[str, float]:
        return {}  # the model's own estimates are all it has

    def failure(self, fingerprint: str) -> str | None:
        return None  # the model costs every statement it is given

    def notes(self) -> dict[str, str]:
        # nothing interrupts a formula; skip scans that serve a statement now (a variant's are its statement's own)
        return {fp: text for fp, text in self._notes.items() if not is_variant(fp)}

    def early_stop(self, parsed: ParsedStatement) -> tuple[float, float] | None:
        return None  # the model gives a LIMIT no early stop through a filter (costing/model.py index_scan)

    @property
    def whatif_calls(self) -> int:
        return self.costed

    def offer(self, parsed: ParsedStatement, candidates: list[Candidate]) -> None:
        """Nothing to prepare: the model costs each index as it is."""

    def usable_part(self, parsed: ParsedStatement, candidate: Candidate) -> Candidate | None:
        """The whole index: the model costs each index as it is."""
        return candidate

    def uses_alike(self, parsed: ParsedStatement, wide: Candidate, narrow: Candidate) -> bool:
        """Never: the model prices each index as it is, and a price costs no query."""
        return False

    def size(self, candidate: Candidate) -> int | None:
        return index_bytes(self.catalog.tables.get(f"{candidate.schema}.{candidate.table}"), candidate, self.model)

    def rows(self, parsed: ParsedStatement) -> float | None:
        total = 0.0
        for a in parsed.accesses:
            if a.kind == "insert":
                total += a.rows_written or 1
            elif a.kind in ("update", "delete"):
                table = self.table(a)
                total += self.model.rows(table) * self.model.combined_selectivity(table, a.predicates)
        return total


def entry_width(table: Table | None, index: Index | Candidate) -> float:
    """Average bytes of an index entry's keys and INCLUDE columns."""
    width = 0.0
    names = [k.column for k in index.keys] + list(index.include)
    for name in names:
        col = table.columns.get(name) if table and name else None
        if name is None:
            width += EXPRESSION_WIDTH
        else:
            width += col.stats.avg_width if col is not None and col.stats is not None else 8
    return width


def index_bytes(table: Table | None, candidate: Candidate, model: StatsModel) -> int:
    """The bytes a new index takes once built: a B-tree by its on-disk layout (btree_size.py),
    BRIN by its block ranges, GIN by its entries per row; a partial one holds its share of the rows."""
    rows = model.rows(table) * (candidate.rows_fraction if candidate.rows_fraction is not None else 1.0)
    if candidate.method == "brin":
        ranges = math.ceil(model.pages(table) / BRIN_PAGES_PER_RANGE)
        width = entry_width(table, candidate.spec.as_index())
        return int(max(3, 2 + math.ceil(ranges * (2 * width + 24) / 8000.0)) * 8192)
    if candidate.method == "gin":
        total = 0.0
        for key in candidate.keys:
            col = table.columns.get(key.column) if table and key.column else None
            width = col.stats.avg_width if col is not None and col.stats is not None else 32
            opclass = key.opclass if key.opclass in _GIN_ENTRY_WIDTH else (
                "jsonb_ops" if col is not None and col.type == "jsonb" else None)
            per_entry, overhead = _GIN_ENTRY_WIDTH[opclass]
            entries = max(1.0, (width - overhead) / per_entry)
            total += rows * entries * GIN_BYTES_PER_ITEM
        return int(max(total, 16384))
    return btree_bytes(table, candidate.keys, candidate.include, rows)


def key_columns(keys) -> frozenset[str]:
    return frozenset(r for r in (key_ref(k) for k in keys) if r)


def _major(server_version: int | None) -> str:
    return str(server_version // 10000) if server_version else "18+"
