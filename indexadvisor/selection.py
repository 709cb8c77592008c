"""Workload-level choice of an index set, greedy on marginal net benefit, under a budget.

Each table access that no existing index serves in full asks for the B-tree that
would serve it best; the pool holds those keys (narrowed to --max-width, dropping
flag columns before sort keys) and their left prefixes. Each round re-costs every
statement that touches a candidate's table against the existing indexes plus
those already chosen plus the candidate, so an index chosen early makes an
overlapping one worthless instead of adding up single-index benefits. A wider
candidate whose left prefix is already chosen replaces it (the prefix would be
redundant). The round's best net benefit (weighted gain minus write cost, per
byte when a budget is set) is taken until the next one saves less than
--min-improvement of the workload's cost, or the budget or --max-indexes is reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

from indexadvisor.candidates import Requirement, column_rank, describe_keys, match, requirement_for, variants
from indexadvisor.costing import Coster
from indexadvisor.costing.model import StatsModel
from indexadvisor.costing.stats import MIN_GAIN, key_columns
from indexadvisor.model import (
    Candidate,
    Catalog,
    Estimate,
    Index,
    ParsedStatement,
    PredKind,
    StatementCost,
    Table,
    TableAccess,
)

# Cost, in planner units, of maintaining one index entry for one written row: about
# one buffer access to the leaf page plus the CPU to insert. Deletes are charged too,
# since vacuum removes their entries later. Documented in the README.
INDEX_WRITE_COST = 1.0


@dataclass
class SelectionOptions:
    budget_bytes: Optional[int] = None
    max_indexes: Optional[int] = None
    min_improvement: float = 0.01  # share of the weighted workload cost
    weight: str = "calls"  # calls | time
    max_width: int = 3
    write_cost: bool = True
    # charge pg_stat_user_tables write counters, times this share (the workload's window
    # over the counters' window; set when the workload comes from pg_stat_statements)
    table_write_scale: Optional[float] = None


@dataclass
class Chosen:
    candidate: Candidate
    estimate: Estimate
    served: list[str]  # fingerprints, biggest gain first
    reason: str


@dataclass
class Advice:
    chosen: list[Chosen]
    served_by_existing: dict[str, list[str]]  # fingerprint -> index names
    notes: dict[str, list[str]]  # fingerprint -> notes
    costs: dict[str, tuple[float, float]] = field(default_factory=dict)  # fingerprint -> before, after
    workload_before: float = 0.0
    workload_after: float = 0.0


class Advisor:
    def __init__(self, catalog: Catalog, coster_factory: Callable[[Callable], Coster],
                 options: Optional[SelectionOptions] = None) -> None:
        self.catalog = catalog
        self.options = options or SelectionOptions()
        self.model = StatsModel()
        self._coster_factory = coster_factory

    def advise(self, parsed: list[ParsedStatement]) -> Advice:
        table_rank = column_rank([a for p in parsed for a in p.accesses], self.catalog)
        rank = self._ranker(table_rank)
        self.coster = self._coster_factory(rank)
        planner = self.coster.method == "planner"
        served: dict[str, list[str]] = {}
        notes: dict[str, list[str]] = {}
        origins: dict[tuple, tuple[Candidate, list[Requirement]]] = {}
        for p in parsed:
            fp = p.statement.fingerprint
            for access in p.accesses:
                if access.kind == "insert":
                    continue
                table = self.catalog.tables.get(str(access.table))
                if self.model.is_tiny(table):
                    _note(notes, fp, f"{access.table} has about {int(self.model.rows(table))} rows: a sequential scan is as fast as an index")
                    continue
                req = requirement_for(access, rank(access, table))
                if req is None:
                    continue
                existing = _serving_index(table, req, access)
                if existing is not None:
                    served.setdefault(fp, []).append(existing.name)
                    continue
                if not planner and not self._worth_it(table, access, req, notes, fp, served):
                    continue
                for keys in variants(req, self.options.max_width):
                    c = Candidate(access.table.schema, access.table.name, keys, statements=[fp])
                    if _duplicates_existing(c, table):
                        continue
                    home = origins.setdefault(c.key, (c, []))
                    home[1].append(req)
                    if fp not in home[0].statements:
                        home[0].statements.append(fp)
        return self._choose(parsed, [c for c, _ in origins.values()], {k: r for k, (_, r) in origins.items()}, served, notes)

    # ------------------------------------------------------------------ screening

    def _ranker(self, table_rank):
        def for_access(access: TableAccess, table: Optional[Table]) -> Callable[[str], tuple]:
            key = str(access.table)
            null_tests = set(access.columns_of(PredKind.IS_NULL))

            def rank(column: str) -> tuple:
                col = table.columns.get(column) if table else None
                low = column in null_tests or (col is not None and (
                    col.type.startswith("bool") or (col.stats is not None and 0 < col.stats.n_distinct <= 5)))
                return (low,) + table_rank(key, column)

            return rank

        return for_access

    def _worth_it(self, table, access, req, notes, fp, served) -> bool:
        """Offline pre-screen: would even the ideal index make this access twice as cheap?"""
        before = self.model.seq_scan(table, access)
        best_index = None
        for index in table.indexes if table else []:
            m = match(index, req, access)
            if m.eq or m.order or m.range:
                one = index.unique and not index.where and len(m.eq) == len(index.keys)
                cost = self.model.index_scan(table, access, req, m, one_row=one, key_columns=key_columns(index.keys))
                if cost.cost < before.cost:
                    before, best_index = cost, index
        probe = Index("", "", "", req.keys())
        ideal = self.model.index_scan(table, access, req, match(probe, req, access), key_columns=key_columns(probe.keys))
        if ideal.cost * MIN_GAIN <= before.cost:
            return True
        if best_index is not None:
            served.setdefault(fp, []).append(best_index.name)
            _note(notes, fp, f"existing index {best_index.name} serves {access.table} nearly as well as a new one would")
        return False

    # ------------------------------------------------------------------ the greedy choice

    def _choose(self, parsed, pool, origins, served, notes) -> Advice:
        opts = self.options
        coster = self.coster
        by_table: dict[str, list[ParsedStatement]] = {}
        tables_of: dict[str, set[str]] = {}
        for p in parsed:
            tables = {str(a.table) for a in p.accesses if a.kind != "insert"}
            tables_of[p.statement.fingerprint] = tables
            for t in tables:
                by_table.setdefault(t, []).append(p)
        base: dict[str, float] = {}
        for p in parsed:
            if not tables_of[p.statement.fingerprint]:
                continue
            cost = coster.statement_cost(p, [])
            if cost is None:
                _note(notes, p.statement.fingerprint, f"not costed: the planner refused it: {getattr(coster, 'failures', {}).get(p.statement.fingerprint, 'unknown reason')}")
                continue
            base[p.statement.fingerprint] = cost
        weight = self._weights(parsed, base)
        current = dict(base)
        total_before = sum(weight[fp] * c for fp, c in base.items())
        floor = opts.min_improvement * total_before
        writes = self._write_load(parsed, coster)
        if hasattr(coster, "sizes"):
            coster.sizes(pool)  # one batch instead of one round trip per candidate
        sizes = {c.key: coster.size(c) or 0 for c in pool}
        ms_per_unit = self._ms_per_unit(parsed, base) if opts.weight == "time" else 1.0

        chosen: list[Candidate] = []
        results: list[Chosen] = []
        used = 0
        alive = list(pool)
        while alive:
            best = None
            for c in list(alive):
                replaced = [x for x in chosen if _is_prefix(x, c)]
                config_base = [x for x in chosen if x not in replaced]
                size = sizes[c.key] - sum(sizes[x.key] for x in replaced)
                if opts.budget_bytes is not None and used + size > opts.budget_bytes:
                    continue
                gain, per = 0.0, {}
                for p in by_table.get(f"{c.schema}.{c.table}", []):
                    fp = p.statement.fingerprint
                    if fp not in current:
                        continue
                    config = [x for x in config_base if f"{x.schema}.{x.table}" in tables_of[fp]] + [c]
                    new = coster.statement_cost(p, config)
                    if new is None or new >= current[fp]:
                        continue
                    gain += weight[fp] * (current[fp] - new)
                    per[fp] = (current[fp], new)
                if gain <= 0:
                    alive.remove(c)  # more indexes never make this one more useful
                    continue
                wcost = self._write_cost(c, writes, replaced) * ms_per_unit if opts.write_cost else 0.0
                net = gain - wcost
                score = net / max(size, 8192) if opts.budget_bytes is not None else net
                if best is None or (score, -len(c.keys)) > (best[0], -len(best[1].keys)):
                    best = (score, c, net, gain, wcost, per, replaced, size)
            if best is None:
                break
            _, c, net, gain, wcost, per, replaced, size = best
            if net <= 0 or net < floor:
                break
            for x in replaced:
                chosen.remove(x)
                results = [r for r in results if r.candidate is not x]
            chosen.append(c)
            alive.remove(c)
            used += size
            for fp, (_, new) in per.items():
                current[fp] = new
            results.append(self._describe(c, origins[c.key], per, weight, gain, wcost, sizes[c.key], parsed))
            if opts.max_indexes is not None and len(chosen) >= opts.max_indexes:
                break
        self._final_attribution(results, chosen, by_table, tables_of, current, weight)
        return Advice(
            results, served, notes,
            costs={fp: (base[fp], current[fp]) for fp in base},
            workload_before=total_before,
            workload_after=sum(weight[fp] * current[fp] for fp in current),
        )

    def _weights(self, parsed, base) -> dict[str, float]:
        weights = {}
        for p in parsed:
            fp = p.statement.fingerprint
            calls = float(p.statement.calls)
            if self.options.weight == "time" and p.statement.total_time_ms and base.get(fp):
                weights[fp] = p.statement.total_time_ms / base[fp]  # weight x cost = measured time
            else:
                weights[fp] = calls
        return weights

    @staticmethod
    def _ms_per_unit(parsed, base) -> float:
        timed = [(p.statement.total_time_ms, p.statement.calls * base[p.statement.fingerprint])
                 for p in parsed if p.statement.total_time_ms and base.get(p.statement.fingerprint)]
        units = sum(u for _, u in timed)
        return sum(t for t, _ in timed) / units if units else 1.0

    # ------------------------------------------------------------------ write costs

    def _write_load(self, parsed: list[ParsedStatement], coster: Coster) -> dict[str, dict]:
        """Per table: rows written per workload period, and the columns UPDATEs change (with volume)."""
        load: dict[str, dict] = {}
        for p in parsed:
            for a in p.accesses:
                if a.kind not in ("insert", "update", "delete"):
                    continue
                entry = load.setdefault(str(a.table), {"rows": 0.0, "updated": {}})
                rows = (a.rows_written or 1) if a.kind == "insert" else max(coster.rows(p) or 1.0, 1.0)
                entry["rows"] += p.statement.calls * rows
                for col in a.set_columns:
                    entry["updated"][col] = entry["updated"].get(col, 0.0) + p.statement.calls * rows
        scale = self.options.table_write_scale
        if scale:
            for name, table in self.catalog.tables.items():
                counted = sum(x or 0 for x in (table.n_tup_ins, table.n_tup_upd, table.n_tup_del)) * scale
                if counted:
                    entry = load.setdefault(name, {"rows": 0.0, "updated": {}})
                    entry["rows"] = max(entry["rows"], float(counted))
        return load

    def _write_cost(self, c: Candidate, writes: dict[str, dict], replaced: list[Candidate]) -> float:
        entry = writes.get(f"{c.schema}.{c.table}")
        if not entry:
            return 0.0
        cost = entry["rows"] * INDEX_WRITE_COST * (0 if replaced else 1)
        table = self.catalog.tables.get(f"{c.schema}.{c.table}")
        indexed_now = {k.column for i in (table.indexes if table else []) for k in i.keys if k.column}
        indexed_now |= {col for i in (table.indexes if table else []) for col in i.include}
        mine = {k.column for k in c.keys if k.column} | set(c.include)
        for col, volume in entry["updated"].items():
            if col in mine and col not in indexed_now:
                # the UPDATE was HOT-eligible; now every index on the table gets a new entry
                cost += volume * INDEX_WRITE_COST * (len(table.indexes) if table else 1)
        return cost

    # ------------------------------------------------------------------ reporting

    def _describe(self, c, reqs, per, weight, gain, wcost, size, parsed) -> Chosen:
        method = self.coster.method
        table = self.catalog.tables.get(f"{c.schema}.{c.table}")
        if method != "planner" and not (table is not None and table.has_stats):
            method = "rules"
        helps = [StatementCost(fp, round(b, 2), round(a, 2)) for fp, (b, a) in sorted(per.items(), key=lambda kv: -weight[kv[0]] * (kv[1][0] - kv[1][1]))]
        estimate = Estimate(
            method,
            cost_before=round(sum(weight[h.fingerprint] * h.cost_before for h in helps), 2),
            cost_after=round(sum(weight[h.fingerprint] * h.cost_after for h in helps), 2),
            benefit=round(gain - wcost, 2),
            size_bytes=size or None,
            write_cost=round(wcost, 2),
            helps=helps,
        )
        if method != "planner":
            self._rows(estimate, c, helps, parsed)
        reason = describe_keys(c.keys, reqs[0])
        if len(helps) > 1:
            reason += f"; serves {len(helps)} statement shapes"
        if helps:
            top = helps[0]
            unit = "planner cost" if method == "planner" else "estimated cost"
            reason += f"; {unit} per call {top.cost_before:,.1f} -> {top.cost_after:,.1f}"
        if wcost:
            reason += f"; write cost {wcost:,.0f} charged"
        if method == "rules":
            reason += "; no statistics for this table: ranked by structure and call frequency"
        return Chosen(c, estimate, [h.fingerprint for h in helps], reason)

    def _rows(self, estimate: Estimate, c: Candidate, helps: list[StatementCost], parsed) -> None:
        """Rows read per call before/after, for the hottest helped statement (statistics mode)."""
        if not helps:
            return
        target = next(p for p in parsed if p.statement.fingerprint == helps[0].fingerprint)
        table = self.catalog.tables.get(f"{c.schema}.{c.table}")
        probe = Index("", c.schema, c.table, c.keys)
        for access in target.accesses:
            if access.table.schema != c.schema or access.table.name != c.table:
                continue
            req = requirement_for(access, lambda col: (0, col))
            if req is None:
                continue
            m = match(probe, req, access)
            if m.eq or m.order or m.range:
                estimate.rows_before = round(self.model.rows(table), 1)
                estimate.rows_after = round(self.model.index_scan(table, access, req, m, key_columns=key_columns(c.keys)).rows, 1)
                return

    def _final_attribution(self, results, chosen, by_table, tables_of, current, weight) -> None:
        """Leave-one-out: what each chosen index saves given all the others.

        The greedy order decides which index got credit for a statement; with a
        prefix replaced by a wider index, or two indexes sharing statements, the
        honest figure is what the workload would lose without this one.
        """
        if len(results) < 2:
            return
        for r in results:
            c = r.candidate
            others = [x for x in chosen if x is not c]
            per = {}
            for p in by_table.get(f"{c.schema}.{c.table}", []):
                fp = p.statement.fingerprint
                if fp not in current:
                    continue
                config = [x for x in others if f"{x.schema}.{x.table}" in tables_of[fp]]
                without = self.coster.statement_cost(p, config)
                if without is not None and without > current[fp]:
                    per[fp] = (without, current[fp])
            helps = sorted(per.items(), key=lambda kv: -weight[kv[0]] * (kv[1][0] - kv[1][1]))
            r.estimate.helps = [StatementCost(fp, round(b, 2), round(a, 2)) for fp, (b, a) in helps]
            r.estimate.cost_before = round(sum(weight[fp] * b for fp, (b, _) in helps), 2)
            r.estimate.cost_after = round(sum(weight[fp] * a for fp, (_, a) in helps), 2)
            r.estimate.benefit = round(r.estimate.cost_before - r.estimate.cost_after - r.estimate.write_cost, 2)
            r.served = [fp for fp, _ in helps]
        results.sort(key=lambda r: -r.estimate.benefit)


def _serving_index(table: Optional[Table], req: Requirement, access: TableAccess) -> Optional[Index]:
    """An existing index that serves the access in full, or a unique one pinning it to one row."""
    if table is None:
        return None
    eq_cols = set(access.columns_of(PredKind.EQ))
    for index in table.indexes:
        if match(index, req, access).full:
            return index
        if (index.unique and index.valid and not index.where and index.method == "btree"
                and all(k.column is not None and k.column in eq_cols for k in index.keys)):
            return index
    return None


def _same_key(a, b) -> bool:
    return (a.column, a.expression, a.opclass, a.collation) == (b.column, b.expression, b.opclass, b.collation)


def _is_prefix(narrow: Candidate, wide: Candidate) -> bool:
    """Whether `narrow` is a left prefix of `wide` (same table, same key specs), and not equal."""
    if (narrow.schema, narrow.table, narrow.method, narrow.where) != (wide.schema, wide.table, wide.method, wide.where):
        return False
    if len(narrow.keys) >= len(wide.keys):
        return False
    return all(_same_key(a, b) and a.desc == b.desc and a.nulls_first == b.nulls_first
               for a, b in zip(narrow.keys, wide.keys))


def _duplicates_existing(c: Candidate, table: Optional[Table]) -> bool:
    """The guard: never propose a copy or a left prefix of an existing index or key.

    HypoPG may price a hypothetical copy of an existing index below the real one;
    such gains are not real. Directions count as equal when all are reversed.
    """
    for index in table.indexes if table else []:
        if index.method != c.method or not index.valid or index.where != c.where or len(index.keys) < len(c.keys):
            continue
        pairs = list(zip(c.keys, index.keys))
        if not all(_same_key(a, b) for a, b in pairs):
            continue
        forward = all(a.desc == b.desc for a, b in pairs)
        backward = all(a.desc != b.desc for a, b in pairs)
        if forward or backward:
            return True
    return False


def _note(notes: dict[str, list[str]], fp: str, text: str) -> None:
    bucket = notes.setdefault(fp, [])
    if text not in bucket:
        bucket.append(text)
