"""The offline coster: statement costs from the statistics model (costing/model.py)."""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from indexadvisor.candidates import Requirement, match, requirement_for
from indexadvisor.costing.model import StatsModel
from indexadvisor.model import Candidate, Catalog, Index, ParsedStatement, Table, TableAccess

MIN_GAIN = 2.0  # an index must make an access at least this many times cheaper to count for it
_KEY_OVERHEAD = 16  # index tuple header and item pointer, bytes
_FILL = 1.0 / 0.9  # B-tree leaf fill factor


class StatsCoster:
    """Costs a statement as the sum of its table accesses' cheapest paths."""

    def __init__(self, catalog: Catalog, rank: Callable[[TableAccess, Optional[Table]], Callable[[str], tuple]],
                 model: Optional[StatsModel] = None) -> None:
        self.catalog = catalog
        self.model = model or StatsModel()
        self.rank = rank
        self.method = "statistics" if catalog.has_stats else "rules"
        self._access: dict[int, tuple[Optional[Requirement], float]] = {}

    def table(self, access: TableAccess) -> Optional[Table]:
        return self.catalog.tables.get(str(access.table))

    def requirement(self, access: TableAccess) -> Optional[Requirement]:
        return self._info(access)[0]

    def before(self, access: TableAccess) -> float:
        return self._info(access)[1]

    def _info(self, access: TableAccess) -> tuple[Optional[Requirement], float]:
        cached = self._access.get(id(access))
        if cached is None:
            table = self.table(access)
            req = requirement_for(access, self.rank(access, table))
            best = self.model.seq_scan(table, access).cost
            for index in (table.indexes if table and req else []):
                m = match(index, req, access)
                if m.eq or m.order or m.range:
                    one = index.unique and not index.where and len(m.eq) == len(index.keys)
                    best = min(best, self.model.index_scan(table, access, req, m, one_row=one, key_columns=key_columns(index.keys)).cost)
            cached = (req, best)
            self._access[id(access)] = cached
        return cached

    def access_cost(self, access: TableAccess, config: Iterable[Candidate]) -> float:
        req, best = self._info(access)
        if req is None:
            return best
        table = self.table(access)
        current = best
        for c in config:
            if c.schema != access.table.schema or c.table != access.table.name:
                continue
            m = match(Index("", c.schema, c.table, c.keys, c.include, c.where, c.method), req, access)
            if not (m.eq or m.order or m.range):
                continue
            cost = self.model.index_scan(table, access, req, m, key_columns=key_columns(c.keys)).cost
            if cost * MIN_GAIN <= best:
                current = min(current, cost)
        return current

    def statement_cost(self, parsed: ParsedStatement, config: Iterable[Candidate]) -> Optional[float]:
        config = list(config)
        return sum(self.access_cost(a, config) for a in parsed.accesses if a.kind != "insert")

    def size(self, candidate: Candidate) -> Optional[int]:
        table = self.catalog.tables.get(f"{candidate.schema}.{candidate.table}")
        width = 0
        for name in [k.column for k in candidate.keys] + list(candidate.include):
            col = table.columns.get(name) if table and name else None
            width += col.stats.avg_width if col is not None and col.stats is not None else 8
        return int(self.model.rows(table) * (width + _KEY_OVERHEAD) * _FILL)

    def rows(self, parsed: ParsedStatement) -> Optional[float]:
        total = 0.0
        for a in parsed.accesses:
            if a.kind == "insert":
                total += a.rows_written or 1
            elif a.kind in ("update", "delete"):
                table = self.table(a)
                total += self.model.rows(table) * self.model.combined_selectivity(table, a.predicates)
        return total


def key_columns(keys) -> frozenset[str]:
    return frozenset(k.column for k in keys if k.column)
