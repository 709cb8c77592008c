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

import heapq
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
    IndexKey,
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
                    twin = _reversed(c)
                    if twin.key in origins:  # a B-tree scans both ways: the same index
                        c = origins[twin.key][0]
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
        """Lazy greedy (CELF): a candidate's gain only shrinks as others are chosen, so a
        candidate is re-costed only when its last known gain is the best on the heap."""
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
                reason = getattr(coster, "failures", {}).get(p.statement.fingerprint, "unknown reason")
                _note(notes, p.statement.fingerprint, f"not costed: the planner could not explain it: {reason}")
                continue
            base[p.statement.fingerprint] = cost
        weight = self._weights(parsed, base)
        current = dict(base)
        total_before = sum(weight[fp] * c for fp, c in base.items())
        floor = opts.min_improvement * total_before
        ms_per_unit = self._ms_per_unit(parsed, base) if opts.weight == "time" else 1.0
        writes = self._write_load(parsed, coster)
        relevant = {c.key: self._relevant(c, by_table) for c in pool}
        ideal: dict[str, float] = {}
        if hasattr(coster, "ideal"):
            # narrower prefixes stay where they may win: under a budget, or on written tables
            narrow = {c.table for c in pool} if opts.budget_bytes is not None else {t.split(".", 1)[1] for t in writes}
            pool = self._planner_picks(pool, relevant, current, coster, ideal, keep_prefixes=narrow)
        if hasattr(coster, "sizes"):
            coster.sizes(pool)  # one batch instead of one round trip per candidate
        sizes = {c.key: coster.size(c) or 0 for c in pool}

        chosen: list[Candidate] = []
        results: list[Chosen] = []
        used = 0

        def evaluate(c: Candidate):
            replaced = [x for x in chosen if _is_prefix(x, c)]
            size = sizes[c.key] - sum(sizes[x.key] for x in replaced)
            if opts.budget_bytes is not None and used + size > opts.budget_bytes:
                return None
            kept = [x for x in chosen if x not in replaced]
            gain, per = 0.0, {}
            for p in relevant[c.key]:
                fp = p.statement.fingerprint
                if fp not in current:
                    continue
                config = [x for x in kept if f"{x.schema}.{x.table}" in tables_of[fp]] + [c]
                new = coster.statement_cost(p, config)
                if new is not None and new < current[fp]:
                    gain += weight[fp] * (current[fp] - new)
                    per[fp] = (current[fp], new)
            if gain <= 0:
                return None
            wcost = self._write_cost(c, writes, replaced) * ms_per_unit if opts.write_cost else 0.0
            net = gain - wcost
            score = net / max(size, 8192) if opts.budget_bytes is not None else net
            return score, net, gain, wcost, per, replaced, size

        # Start from an upper bound that costs no EXPLAIN: the index cannot save more than
        # the whole current cost of the statements it could serve.
        heap = []
        for n, c in enumerate(pool):
            bound = sum(weight[fp] * (current[fp] - ideal.get(fp, 0.0))
                        for fp in (p.statement.fingerprint for p in relevant[c.key]) if fp in current)
            if bound <= 0 or bound < floor:
                continue
            score = bound / max(sizes[c.key], 8192) if opts.budget_bytes is not None else bound
            heapq.heappush(heap, (-score, len(c.keys), n, -1, c, None))
        round_no = 0
        while heap:
            neg, width, n, computed, c, result = heapq.heappop(heap)
            if computed != round_no:
                result = evaluate(c)
                if result is not None:
                    heapq.heappush(heap, (-result[0], width, n, round_no, c, result))
                continue
            score, net, gain, wcost, per, replaced, size = result
            if net <= 0 or net < floor:
                continue  # not worth it; under a budget, a bigger one may still be
            for x in replaced:
                chosen.remove(x)
                results = [r for r in results if r.candidate is not x]
            chosen.append(c)
            used += size
            for fp, (_, new) in per.items():
                current[fp] = new
            results.append(self._describe(c, origins[c.key], per, weight, gain, wcost, sizes[c.key], parsed))
            round_no += 1
            if opts.max_indexes is not None and len(chosen) >= opts.max_indexes:
                break
        self._final_attribution(results, chosen, by_table, tables_of, current, weight)
        return Advice(
            results, served, notes,
            costs={fp: (base[fp], current[fp]) for fp in base},
            workload_before=total_before,
            workload_after=sum(weight[fp] * current[fp] for fp in current),
        )

    @staticmethod
    def _planner_picks(pool, relevant, current, coster, ideal: dict[str, float], keep_prefixes: set[str]) -> list[Candidate]:
        """Per-statement candidate selection: keep what the planner uses when offered everything.

        Each statement is explained once with all its candidates present; a candidate
        that no statement's plan picks over the others is dominated and is dropped
        (its left prefixes stay, as cheaper options under a budget).
        """
        offered: dict[str, tuple[ParsedStatement, list[Candidate]]] = {}
        for c in pool:
            for p in relevant[c.key]:
                offered.setdefault(p.statement.fingerprint, (p, []))[1].append(c)
        picked: set[tuple] = set()
        for fp, (p, candidates) in offered.items():
            if fp not in current:
                continue
            cost, used = coster.ideal(p, candidates)
            if cost is not None:
                ideal[fp] = min(cost, current[fp])
            picked.update(c.key for c in used)
        keep = [c for c in pool if c.key in picked]
        columns = {_columns_of(c) for c in keep}  # the same columns in other directions are as good
        keep += [c for c in pool if c.key not in picked and _columns_of(c) in columns]
        if keep_prefixes:
            keep += [c for c in pool if c not in keep and c.table in keep_prefixes and any(_is_prefix(c, k) for k in keep)]
        kept = {c.key for c in keep}
        return [c for c in pool if c.key in kept]  # pool order: ties go to the hotter statement's variant

    def _relevant(self, c: Candidate, by_table) -> list[ParsedStatement]:
        """Statements with an access the candidate's leading keys can serve at all."""
        probe = Index("", c.schema, c.table, c.keys, c.include, c.where, c.method)
        out = []
        for p in by_table.get(f"{c.schema}.{c.table}", []):
            for a in p.accesses:
                if a.table.schema != c.schema or a.table.name != c.table or a.kind == "insert":
                    continue
                req = requirement_for(a, lambda col: (0, col))
                if req is None:
                    continue
                m = match(probe, req, a)
                if m.eq or m.order or m.range:
                    out.append(p)
                    break
        return out

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


def _columns_of(c: Candidate) -> tuple:
    return (c.schema, c.table, c.method, c.where, tuple(c.include), tuple((k.column, k.expression, k.opclass) for k in c.keys))


def _reversed(c: Candidate) -> Candidate:
    """The same index with every key's direction (and NULLS placement) flipped."""
    keys = []
    for k in c.keys:
        nulls_first = k.desc if k.nulls_first is None else k.nulls_first  # explicit, then flipped
        flipped_desc = not k.desc
        flipped_nulls = not nulls_first
        keys.append(IndexKey(k.column, k.expression, flipped_desc,
                             None if flipped_nulls == flipped_desc else flipped_nulls, k.opclass, k.collation))
    return Candidate(c.schema, c.table, keys, list(c.include), c.where, c.method)


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
