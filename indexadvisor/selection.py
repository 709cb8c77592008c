"""Workload-level choice: candidates merged, then chosen greedily with interactions.

Each access asks for the B-tree that would serve it best. An access already
served by an existing index (or by a unique index that pins it to one row) asks
for nothing. A candidate whose keys serve another candidate's requirement in
full absorbs it, so one index serves several statements. The choice is greedy
on marginal benefit: each round re-costs every access against the existing
indexes plus those already chosen, so an index chosen early makes a later,
overlapping one worth nothing and it is dropped instead of being added up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from indexadvisor.candidates import Requirement, column_rank, covers, describe, match, requirement_for
from indexadvisor.costing.model import StatsModel
from indexadvisor.model import Catalog, Estimate, Index, IndexKey, ParsedStatement, PredKind, Table, TableAccess

MIN_GAIN = 2.0  # an index must make an access at least this many times cheaper to count for it
MIN_IMPROVEMENT = 0.01  # stop when the next index saves less than this share of the workload's cost


@dataclass
class _Access:
    """One access with what is fixed about it: its requirement and its cost today."""

    parsed: ParsedStatement
    access: TableAccess
    table: Optional[Table]
    req: Requirement
    before: float  # cheapest cost with existing indexes
    before_rows: float
    best_existing: Optional[Index]

    @property
    def calls(self) -> int:
        return self.parsed.statement.calls

    @property
    def fingerprint(self) -> str:
        return self.parsed.statement.fingerprint


@dataclass
class Proposal:
    """A merged candidate with everything the report needs to say about it."""

    schema: str
    table: str
    keys: list[IndexKey]
    asked_by: list[_Access] = field(default_factory=list)
    estimate: Estimate = field(default_factory=lambda: Estimate("rules"))
    served: list[str] = field(default_factory=list)  # fingerprints, biggest gain first
    reason: str = ""
    costs: dict[int, tuple[float, float]] = field(default_factory=dict)  # access id -> (cost, rows)

    @property
    def qname(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass
class Advice:
    proposals: list[Proposal]
    served_by_existing: dict[str, list[str]]  # fingerprint -> index names
    notes: dict[str, list[str]]  # fingerprint -> notes


class Advisor:
    def __init__(self, catalog: Catalog, model: Optional[StatsModel] = None,
                 min_improvement: float = MIN_IMPROVEMENT) -> None:
        self.catalog = catalog
        self.model = model or StatsModel()
        self.min_improvement = min_improvement

    def advise(self, parsed: list[ParsedStatement]) -> Advice:
        table_rank = column_rank([a for p in parsed for a in p.accesses], self.catalog)
        served: dict[str, list[str]] = {}
        notes: dict[str, list[str]] = {}
        accesses: list[_Access] = []
        wanting: list[_Access] = []
        for p in parsed:
            fp = p.statement.fingerprint
            for access in p.accesses:
                table = self.catalog.tables.get(str(access.table))
                if self.model.is_tiny(table):
                    _note(notes, fp, f"{access.table} has about {int(self.model.rows(table))} rows: a sequential scan is as fast as an index")
                    continue
                rank = self._rank(table_rank, access, table)
                req = requirement_for(access, rank)
                if req is None:
                    continue
                a = self._access(p, access, table, req)
                accesses.append(a)
                existing = self._serving_index(a)
                if existing is not None:
                    served.setdefault(fp, []).append(existing.name)
                    continue
                probe = Index(name="", schema="", table="", keys=req.keys())
                ideal = self.model.index_scan(table, access, req, match(probe, req, access))
                if ideal.cost * MIN_GAIN > a.before:
                    if a.best_existing is not None:
                        served.setdefault(fp, []).append(a.best_existing.name)
                        _note(notes, fp, f"existing index {a.best_existing.name} serves {access.table} nearly as well as a new one would")
                    continue
                wanting.append(a)
        proposals = self._merge(wanting)
        chosen = self._choose(proposals, accesses)
        return Advice(chosen, served, notes)

    def _rank(self, table_rank, access: TableAccess, table: Optional[Table]) -> Callable[[str], tuple]:
        """Equality-column order: flags, tiny enums and IS NULL tests last, then by use and selectivity."""
        key = str(access.table)
        null_tests = set(access.columns_of(PredKind.IS_NULL))

        def rank(column: str) -> tuple:
            col = table.columns.get(column) if table else None
            low = column in null_tests or (col is not None and (
                col.type.startswith("bool") or (col.stats is not None and 0 < col.stats.n_distinct <= 5)))
            return (low,) + table_rank(key, column)

        return rank

    def _access(self, parsed: ParsedStatement, access: TableAccess, table: Optional[Table], req: Requirement) -> _Access:
        best = self.model.seq_scan(table, access)
        best_index: Optional[Index] = None
        for index in table.indexes if table else []:
            m = match(index, req, access)
            if not (m.eq or m.order or m.range):
                continue
            pins_one = index.unique and not index.where and len(m.eq) == len(index.keys)
            cost = self.model.index_scan(table, access, req, m, one_row=pins_one)
            if cost.cost < best.cost:
                best, best_index = cost, index
        return _Access(parsed, access, table, req, best.cost, best.rows, best_index)

    def _serving_index(self, a: _Access) -> Optional[Index]:
        """An existing index that serves the access in full, or a unique one pinning it to one row."""
        if a.table is None:
            return None
        eq_cols = set(a.access.columns_of(PredKind.EQ))
        for index in a.table.indexes:
            if match(index, a.req, a.access).full:
                return index
            if (index.unique and index.valid and not index.where and index.method == "btree"
                    and all(k.column is not None and k.column in eq_cols for k in index.keys)):
                return index
        return None

    def _merge(self, wanting: list[_Access]) -> list[Proposal]:
        """Fold each requirement into the widest candidate that serves it in full."""
        proposals: list[Proposal] = []
        for a in sorted(wanting, key=lambda a: (-a.req.width, -a.calls, str(a.access.table))):
            schema, table = a.access.table.schema, a.access.table.name
            home = next((p for p in proposals if p.schema == schema and p.table == table and covers(p.keys, a.req)), None)
            if home is None:
                home = Proposal(schema, table, a.req.keys())
                proposals.append(home)
            home.asked_by.append(a)
        return proposals

    def _choose(self, proposals: list[Proposal], accesses: list[_Access]) -> list[Proposal]:
        """Greedy choice on marginal weighted benefit, re-costing against what is chosen."""
        by_table: dict[str, list[_Access]] = {}
        for a in accesses:
            by_table.setdefault(str(a.access.table), []).append(a)
        for p in proposals:
            probe = Index(name="", schema=p.schema, table=p.table, keys=p.keys)
            for a in by_table.get(p.qname, []):
                m = match(probe, a.req, a.access)
                if m.eq or m.order or m.range:
                    cost = self.model.index_scan(a.table, a.access, a.req, m)
                    p.costs[id(a)] = (cost.cost, cost.rows)
        current = {id(a): a.before for a in accesses}
        floor = self.min_improvement * sum(a.calls * a.before for a in accesses)
        chosen: list[Proposal] = []
        remaining = list(proposals)
        while remaining:
            scored = [(self._gain(p, by_table.get(p.qname, []), current), p) for p in remaining]
            best_gain, best = max(scored, key=lambda s: (s[0], -len(s[1].keys)))
            if best_gain <= 0 or best_gain < floor:
                break
            self._finish(best, by_table.get(best.qname, []), current)
            for a in by_table.get(best.qname, []):
                if id(a) in best.costs and self._counts(a, best.costs[id(a)][0], current[id(a)]):
                    current[id(a)] = best.costs[id(a)][0]
            chosen.append(best)
            remaining.remove(best)
        return chosen

    @staticmethod
    def _counts(a: _Access, cost: float, current: float) -> bool:
        return cost * MIN_GAIN <= a.before and cost < current

    def _gain(self, p: Proposal, accesses: list[_Access], current: dict[int, float]) -> float:
        gain = 0.0
        for a in accesses:
            if id(a) in p.costs:
                cost = p.costs[id(a)][0]
                if self._counts(a, cost, current[id(a)]):
                    gain += a.calls * (current[id(a)] - cost)
        return gain

    def _finish(self, p: Proposal, accesses: list[_Access], current: dict[int, float]) -> None:
        """Fill in the estimate and the reason for a chosen proposal."""
        before = after = 0.0
        gains: dict[str, float] = {}
        hottest: Optional[tuple[int, float, float]] = None
        for a in accesses:
            if id(a) not in p.costs:
                continue
            cost, rows = p.costs[id(a)]
            if not self._counts(a, cost, current[id(a)]):
                continue
            before += a.calls * current[id(a)]
            after += a.calls * cost
            gains[a.fingerprint] = gains.get(a.fingerprint, 0.0) + a.calls * (current[id(a)] - cost)
            if hottest is None or a.calls > hottest[0]:
                hottest = (a.calls, a.before_rows, rows)
        table = self.catalog.tables.get(p.qname)
        method = "statistics" if table is not None and table.has_stats else "rules"
        p.estimate = Estimate(
            method,
            cost_before=round(before, 2),
            cost_after=round(after, 2),
            benefit=round(before - after, 2),
            rows_before=round(hottest[1], 1) if hottest else None,
            rows_after=round(hottest[2], 1) if hottest else None,
        )
        p.served = sorted(gains, key=lambda fp: -gains[fp])
        main = max(p.asked_by, key=lambda a: a.calls)
        reason = describe(main.req)
        if len(p.served) > 1:
            reason += f"; serves {len(p.served)} statement shapes"
        if hottest and method == "statistics":
            reason += f"; rows read per call {hottest[1]:,.0f} -> {hottest[2]:,.0f}"
        elif method == "rules":
            reason += "; no statistics for this table: ranked by structure and call frequency"
        p.reason = reason


def _note(notes: dict[str, list[str]], fp: str, text: str) -> None:
    bucket = notes.setdefault(fp, [])
    if text not in bucket:
        bucket.append(text)
