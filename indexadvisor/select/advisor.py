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
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from indexadvisor.candidates.kinds import label
from indexadvisor.candidates.pool import KindAdvisor
from indexadvisor.candidates.requirements import (
    Requirement,
    column_rank,
    describe_keys,
    requirement_for,
    variants,
)
from indexadvisor.candidates.serve import (
    copies_existing,
    could_serve,
    match,
    same_key,
    serves_scans_of,
    serving_index,
)
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
from indexadvisor.select import gin as rules
from indexadvisor.select.options import SelectionOptions

# Cost, in planner units, of maintaining one index entry for one written row: about
# one buffer access to the leaf page plus the CPU to insert. Deletes are charged too,
# since vacuum removes their entries later. Documented in the README.
INDEX_WRITE_COST = 1.0


@dataclass
class Chosen:
    candidate: Candidate
    estimate: Estimate
    served: list[str]  # fingerprints, biggest gain first
    reason: str
    kind: str = "btree"  # kinds.KINDS
    kind_reason: str = ""  # why this kind; for a plain B-tree, what its keys do


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
                 options: SelectionOptions | None = None) -> None:
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
        kinds = self.kinds = KindAdvisor(self.catalog, self.options.kinds, self.options.max_width, parsed,
                                         self.model, self.coster, planner)
        for p in parsed:
            fp = p.statement.fingerprint
            for access in p.accesses:
                if access.kind == "insert":
                    continue
                table = self.catalog.tables.get(str(access.table))
                if self.model.is_tiny(table):
                    _note(notes, fp, f"{access.table} has about {int(self.model.rows(table))} rows: a sequential scan is as fast as an index")
                    continue
                req = requirement_for(access, rank(access, table), table=table)
                existing = serving_index(table, req, access) if req is not None else None
                # the other kinds (indexadvisor/kinds/): partial, covering, expression, BRIN here; GIN after the greedy
                extra = kinds.propose(p, access, table, req, rank(access, table), existing)
                for text in extra.notes:
                    _note(notes, fp, text)
                if extra.served_by:
                    served.setdefault(fp, []).extend(extra.served_by)
                for c, kind_req in extra.candidates:
                    if copies_existing(c, table):
                        continue
                    home = origins.setdefault(c.key, (c, []))
                    home[1].append(kind_req)
                    if fp not in home[0].statements:
                        home[0].statements.append(fp)
                if req is None:
                    continue
                if existing is not None:
                    served.setdefault(fp, []).append(existing.name)
                    continue
                if extra.supersede_plain:
                    continue  # a partial or BRIN index is the better index for this access (kinds/)
                if not planner and not self._worth_it(table, access, req, notes, fp, served):
                    continue
                for keys in variants(req, self.options.max_width):
                    c = Candidate(access.table.schema, access.table.name, keys, statements=[fp])
                    if copies_existing(c, table):
                        continue
                    twin = _reversed(c)
                    if twin.key in origins:  # a B-tree scans both ways: the same index
                        c = origins[twin.key][0]
                    home = origins.setdefault(c.key, (c, []))
                    home[1].append(req)
                    if fp not in home[0].statements:
                        home[0].statements.append(fp)
                if planner:  # seeds the planner may prefer, and grows when they pay off
                    # (no all-columns seed where kinds/covering.py proposes INCLUDE for the same index-only scan)
                    wide = [] if extra.covering else [_covering(access, self.options.max_width)]
                    for cols in [[col] for col in indexable_columns(access)] + wide:
                        seed = Candidate(access.table.schema, access.table.name, [IndexKey(c) for c in cols], statements=[fp])
                        if cols and not copies_existing(seed, table) and seed.key not in origins:
                            origins[seed.key] = (seed, [req])
        kinds.prune(origins)  # one-column B-trees a partial or BRIN index supersedes
        advice = self._choose(parsed, [c for c, _ in origins.values()], {k: r for k, (_, r) in origins.items()}, served, notes)
        rules.choose(self, advice, kinds.gin_pool, parsed, rank)  # GIN: priced by rules, not by HypoPG
        return advice

    # ------------------------------------------------------------------ screening

    def _ranker(self, table_rank):
        def for_access(access: TableAccess, table: Table | None) -> Callable[[str], tuple]:
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
        probe = Index("", access.table.schema, access.table.name, req.keys())
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
        ms_per_unit = self._ms_per_unit(parsed, base) if opts.weight == "time" else 1.0
        writes = self._write_load(parsed, coster)
        relevant = {c.key: self._relevant(c, by_table, broad=hasattr(coster, "ideal")) for c in pool}
        ideal: dict[str, float] = {}
        if hasattr(coster, "ideal"):
            # narrower prefixes stay where they may win: under a budget, or on written tables
            narrow = {c.table for c in pool} if opts.budget_bytes is not None else {t.split(".", 1)[1] for t in writes}
            pool = self._planner_picks(pool, relevant, current, coster, ideal, keep_prefixes=narrow)
        if hasattr(coster, "sizes"):
            coster.sizes(pool)  # one batch instead of one round trip per candidate
        sizes = {c.key: coster.size(c) or 0 for c in pool}

        grown: list[Candidate] = []  # extensions made by any run, offered to the later ones
        work = [0]  # statements re-costed by the greedy runs, to bound the local search

        def effort() -> int:
            """Work spent so far: EXPLAINs sent when the planner costs, else statements re-costed."""
            whatif = getattr(coster, "whatif", None)
            return whatif.explains if whatif is not None else work[0]

        def greedy(per_byte: bool, start: tuple[list[Candidate], list[Chosen]] = ([], []), banned: frozenset = frozenset()):
            """Add indexes to `start` (chosen, their descriptions) while one pays off."""
            chosen: list[Candidate] = list(start[0])
            results: list[Chosen] = list(start[1])
            now = self._final_costs(chosen, by_table, tables_of, base) if chosen else dict(base)
            used = sum(sizes[c.key] for c in chosen)

            def effective(c: Candidate) -> tuple[Candidate, list[Candidate]]:
                """The index c really adds given what is chosen, and what it replaces.

                A chosen index with the same keys but other INCLUDE columns is merged into
                one (two would be duplicates); a chosen left prefix is replaced.
                """
                twins = [x for x in chosen if _same_definition_but_include(x, c)]
                if twins:
                    include = list(c.include) + [col for x in twins for col in x.include if col not in c.include]
                    merged = Candidate(c.schema, c.table, c.keys, include, c.where, c.method,
                                       list(dict.fromkeys(c.statements + [fp for x in twins for fp in x.statements])))
                    if merged.key not in sizes:
                        origins[merged.key] = origins[c.key]
                        relevant[merged.key] = list({id(p): p for x in twins + [c] for p in relevant[x.key]}.values())
                        sizes[merged.key] = coster.size(merged) or 0
                    c = merged
                return c, twins + [x for x in chosen if x not in twins and serves_scans_of(_probe(x), _probe(c))]

            def evaluate(c: Candidate):
                c, replaced = effective(c)
                size = sizes[c.key] - sum(sizes[x.key] for x in replaced)
                if opts.budget_bytes is not None and used + size > opts.budget_bytes:
                    return None
                kept = [x for x in chosen if x not in replaced]
                if any(serves_scans_of(_probe(c), _probe(x)) for x in kept):
                    return None  # health would call it redundant next to one already chosen
                gain, per = 0.0, {}
                for p in relevant[c.key]:
                    fp = p.statement.fingerprint
                    if fp not in now:
                        continue
                    config = [x for x in kept if f"{x.schema}.{x.table}" in tables_of[fp]] + [c]
                    new = coster.statement_cost(p, config)
                    work[0] += 1
                    if new is not None and new < now[fp]:
                        gain += weight[fp] * (now[fp] - new)
                        per[fp] = (now[fp], new)
                if gain <= 0:
                    return None
                wcost = self._write_cost(c, writes, replaced) * ms_per_unit if opts.write_cost else 0.0
                net = gain - wcost
                return (net / max(size, 8192) if per_byte else net), net, gain, wcost, per, replaced, size, c

            # Start from an upper bound that costs no EXPLAIN: the index cannot save more
            # than its statements' current cost above their ideal.
            heap = []
            # the floor is a share of the workload's cost at the time; it is never below
            # that share of the cost with every statement at its ideal
            lowest = opts.min_improvement * sum(weight[fp] * ideal.get(fp, 0.0) for fp in now)
            for n, c in enumerate(pool + grown):
                if c.key in banned or c in chosen:
                    continue
                bound = sum(weight[fp] * (now[fp] - ideal.get(fp, 0.0))
                            for fp in (p.statement.fingerprint for p in relevant[c.key]) if fp in now)
                if bound <= 0 or bound < lowest:
                    continue
                heapq.heappush(heap, (-(bound / max(sizes[c.key], 8192) if per_byte else bound), len(c.keys), n, -1, c, None, bound))
            round_no = 0
            floor = opts.min_improvement * sum(weight[fp] * c for fp, c in now.items())
            while heap:
                neg, width, n, computed, c, result, most = heapq.heappop(heap)
                if most < floor:
                    continue  # even its best case saves less than the threshold now
                if computed != round_no:
                    result = evaluate(c)
                    if result is not None:
                        heapq.heappush(heap, (-result[0], width, n, round_no, c, result, result[1]))
                    continue
                score, net, gain, wcost, per, replaced, size, c = result
                if net <= 0 or c in chosen:
                    continue
                for x in replaced:
                    chosen.remove(x)
                    results = [r for r in results if r.candidate is not x]
                chosen.append(c)
                used += size
                for fp, (_, new) in per.items():
                    now[fp] = new
                floor = opts.min_improvement * sum(weight[fp] * c for fp, c in now.items())
                results.append(self._describe(c, origins[c.key], per, weight, gain, wcost, sizes[c.key], parsed))
                round_no += 1
                for ext in (self._extensions(c, per, parsed, origins) if hasattr(coster, "ideal") else []):
                    grown.append(ext)
                    relevant[ext.key] = self._relevant(ext, by_table, broad=hasattr(coster, "ideal"))
                    if hasattr(coster, "sizes"):
                        coster.sizes([ext])
                    sizes[ext.key] = coster.size(ext) or 0
                    heapq.heappush(heap, (-math.inf, len(ext.keys), len(sizes), -1, ext, None, math.inf))
                if opts.max_indexes is not None and len(chosen) >= opts.max_indexes:
                    break
            return chosen, results

        def outcome(run):
            final = self._final_costs(run[0], by_table, tables_of, base)
            return sum(weight[fp] * c for fp, c in final.items()), run[0], run[1], final

        # Under a budget, benefit per byte can fill it with small indexes and leave out a
        # big, better one: try both orders and keep the cheaper workload.
        best = outcome(greedy(per_byte=False))
        if opts.budget_bytes is not None:
            best = min(best, outcome(greedy(per_byte=True)), key=lambda o: o[0])
            best = self._swaps(best, greedy, outcome, sizes, effort)
        _, chosen, results, current = best
        results = self._final_attribution(results, chosen, by_table, tables_of, current, weight)
        return Advice(
            results, served, notes,
            costs={fp: (base[fp], current[fp]) for fp in base},
            workload_before=total_before,
            workload_after=sum(weight[fp] * current[fp] for fp in current),
        )

    @staticmethod
    def _swaps(best, greedy, outcome, sizes, effort: Callable[[], int], rounds: int = 3):
        """Local search under a size budget (a knapsack, where greedy has no guarantee):
        drop one chosen index and let the greedy refill what it frees; keep the result
        when the workload is cheaper.

        A greedy pick that was best alone can crowd out a pair that is better together
        (a big index taking the room of two smaller ones that serve more). The search
        may spend twice the work (EXPLAINs) of everything before it, no more.
        """
        limit = 3 * effort()
        for _ in range(rounds):
            total, chosen, results, _ = best
            improved = False
            # the smallest contribution per byte first: the likeliest to be worth trading
            order = sorted(chosen, key=lambda c: next((r.estimate.benefit for r in results if r.candidate is c), 0.0)
                           / max(sizes.get(c.key, 0), 8192))
            for x in order:
                if effort() >= limit:
                    return best
                keep = [c for c in chosen if c is not x]
                start = (keep, [r for r in results if r.candidate is not x])
                for per_byte in (False, True):
                    trial = outcome(greedy(per_byte, start, banned=frozenset({x.key})))
                    if trial[0] < total * (1 - 1e-4):
                        best, improved = trial, True
                        break
                if improved:
                    break
            if not improved:
                break
        return best

    def _final_costs(self, chosen, by_table, tables_of, base) -> dict[str, float]:
        """Every statement on a chosen index's table, re-costed with the whole set."""
        final = dict(base)
        touched = {f"{c.schema}.{c.table}" for c in chosen}
        for t in touched:
            for p in by_table.get(t, []):
                fp = p.statement.fingerprint
                if fp not in base:
                    continue
                config = [x for x in chosen if f"{x.schema}.{x.table}" in tables_of[fp]]
                cost = self.coster.statement_cost(p, config)
                if cost is not None:
                    final[fp] = min(cost, base[fp])
        return final

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
            keep += [c for c in pool if c not in keep and c.table in keep_prefixes and any(_narrower(c, k) for k in keep)]
        kept = {c.key for c in keep}
        return [c for c in pool if c.key in kept]  # pool order: ties go to the hotter statement's variant

    def _relevant(self, c: Candidate, by_table, broad: bool = False) -> list[ParsedStatement]:
        """Statements with an access the candidate's leading keys can serve at all.

        `broad` (the planner decides): any access that filters, joins, groups or sorts
        on the leading column; otherwise the access-pattern match rule.
        """
        probe = _probe(c)
        lead = c.keys[0].column if c.keys else None
        out = []
        for p in by_table.get(f"{c.schema}.{c.table}", []):
            for a in p.accesses:
                if a.table.schema != c.schema or a.table.name != c.table or a.kind == "insert":
                    continue
                if c.method != "btree" or any(k.expression for k in c.keys):  # kinds/serve.py, expression keys
                    if could_serve(probe, a):
                        out.append(p)
                        break
                    continue
                if broad and lead in indexable_columns(a):
                    out.append(p)
                    break
                req = requirement_for(a, lambda col: (0, col), table=self.catalog.tables.get(f"{c.schema}.{c.table}"))
                if req is None:
                    continue
                m = match(probe, req, a)
                if m.eq or m.order or m.range:
                    out.append(p)
                    break
        return out

    def _extensions(self, c: Candidate, per, parsed, origins) -> list[Candidate]:
        """Wider candidates grown from one that pays off: one more column its statements use.

        Chosen, an extension replaces its parent (the parent would be a redundant prefix).
        """
        if len(c.keys) >= self.options.max_width or c.method != "btree":
            return []
        table = self.catalog.tables.get(f"{c.schema}.{c.table}")
        have = {k.column for k in c.keys} | set(c.include)  # a key cannot repeat an INCLUDE column
        columns: list[str] = []
        for p in parsed:
            if p.statement.fingerprint not in per:
                continue
            for a in p.accesses:
                if a.table.schema == c.schema and a.table.name == c.table:
                    read = [col for col in sorted(a.columns_read) if col != "*"]
                    columns += [col for col in indexable_columns(a) + read if col not in have and col not in columns]
        out = []
        for col in columns:
            ext = Candidate(c.schema, c.table, c.keys + [IndexKey(col)], list(c.include), c.where, c.method, list(c.statements))
            if ext.key in origins or copies_existing(ext, table):
                continue
            origins[ext.key] = origins[c.key]  # described by the parent's requirements
            out.append(ext)
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
        cost = entry["rows"] * INDEX_WRITE_COST * (0 if replaced else 1) * (c.rows_fraction if c.rows_fraction is not None else 1.0)
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
        estimate = estimate_for(method, per, weight, gain, wcost, size)
        helps = estimate.helps
        if method != "planner":
            self._rows(estimate, c, helps, parsed)
        kind = self.kinds.kind_of(c) if hasattr(self, "kinds") else c.kind
        why = self.kinds.why_for(c) if hasattr(self, "kinds") else c.why
        keys = describe_keys(c.keys, reqs[0]) if c.method == "btree" else ""
        if not keys and not why and c.method == "btree":
            keys = _used_for(c, [p for p in parsed if p.statement.fingerprint in per])
        reason = f"{label(kind)}: " + "; ".join(part for part in (why, keys) if part)
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
        return Chosen(c, estimate, [h.fingerprint for h in helps], reason, kind, why or keys)

    def _rows(self, estimate: Estimate, c: Candidate, helps: list[StatementCost], parsed) -> None:
        """Rows read per call before/after, for the hottest helped statement (statistics mode)."""
        if not helps:
            return
        target = next(p for p in parsed if p.statement.fingerprint == helps[0].fingerprint)
        table = self.catalog.tables.get(f"{c.schema}.{c.table}")
        probe = _probe(c)
        for access in target.accesses:
            if access.table.schema != c.schema or access.table.name != c.table:
                continue
            req = requirement_for(access, lambda col: (0, col), table=table)
            if req is None:
                continue
            m = match(probe, req, access)
            if m.eq or m.order or m.range:
                estimate.rows_before = round(self.model.rows(table), 1)
                estimate.rows_after = round(self.model.index_scan(table, access, req, m, key_columns=key_columns(c.keys)).rows, 1)
                return

    def _final_attribution(self, results, chosen, by_table, tables_of, current, weight) -> list[Chosen]:
        """Leave-one-out: what each chosen index saves given all the others.

        The greedy order decides which index got credit for a statement; with a
        prefix replaced by a wider index, or two indexes sharing statements, the
        honest figure is what the workload would lose without this one.
        """
        if len(results) < 2:
            return results
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
        # an index the others make worthless is not advice (its statements are served anyway)
        return [r for r in results if r.estimate.helps]


def estimate_for(method: str, per: dict[str, tuple[float, float]], weight: dict[str, float], gain: float,
                 wcost: float, size: int) -> Estimate:
    """An index's estimate: the statements it helps (biggest weighted gain first), their
    weighted costs before and after, its net benefit, size and write cost."""
    helps = [StatementCost(fp, round(b, 2), round(a, 2))
             for fp, (b, a) in sorted(per.items(), key=lambda kv: -weight[kv[0]] * (kv[1][0] - kv[1][1]))]
    return Estimate(
        method,
        cost_before=round(sum(weight[h.fingerprint] * h.cost_before for h in helps), 2),
        cost_after=round(sum(weight[h.fingerprint] * h.cost_after for h in helps), 2),
        benefit=round(gain - wcost, 2),
        size_bytes=size or None,
        write_cost=round(wcost, 2),
        helps=helps,
    )


def _covering(access: TableAccess, max_width: int) -> list[str]:
    """Every column the access touches, searchable ones first, when few enough to allow an
    index-only scan; else nothing."""
    if "*" in access.columns_read:
        return []
    cols = indexable_columns(access)
    cols += [c for c in sorted(access.columns_read) if c not in cols]
    return cols if 1 < len(cols) <= max_width else []


# what a key on a plain column can search (the other predicate kinds: expressions, GIN operators, in kinds/)
_BTREE_KINDS = (PredKind.EQ, PredKind.IN, PredKind.RANGE, PredKind.IS_NULL, PredKind.LIKE_PREFIX, PredKind.JOIN)


def indexable_columns(access: TableAccess) -> list[str]:
    """Columns an index key could serve: filtered, joined, grouped or sorted on."""
    cols = [p.column for p in access.predicates if p.kind in _BTREE_KINDS and p.expression is None]
    cols += access.group_by + [k.column for k in access.order_by]
    return list(dict.fromkeys(cols))


def _probe(c: Candidate) -> Index:
    return Index("", c.schema, c.table, c.keys, list(c.include), c.where, c.method)


def _is_prefix(narrow: Candidate, wide: Candidate) -> bool:
    """Whether `narrow` is a left prefix of `wide` (same table, same key specs), and not equal."""
    if (narrow.schema, narrow.table, narrow.method, narrow.where) != (wide.schema, wide.table, wide.method, wide.where):
        return False
    if len(narrow.keys) >= len(wide.keys):
        return False
    return all(same_key(a, b) and a.desc == b.desc and a.nulls_first == b.nulls_first
               for a, b in zip(narrow.keys, wide.keys))


def _narrower(narrow: Candidate, wide: Candidate) -> bool:
    """Whether `narrow` is `wide` with fewer columns: a left prefix of its keys, or its
    keys with fewer INCLUDE columns (a cheaper option under a budget)."""
    if _is_prefix(narrow, wide):
        return True
    return _same_definition_but_include(narrow, wide) and set(narrow.include) < set(wide.include)


def _same_definition_but_include(a: Candidate, b: Candidate) -> bool:
    return (a.schema, a.table, a.method, a.where) == (b.schema, b.table, b.method, b.where) \
        and len(a.keys) == len(b.keys) and set(a.include) != set(b.include) \
        and all(same_key(x, y) and x.desc == y.desc and x.nulls_first == y.nulls_first for x, y in zip(a.keys, b.keys))


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


_USE_WORDS = {PredKind.JOIN: "join key", PredKind.EQ: "equality", PredKind.IN: "IN list", PredKind.RANGE: "range",
              PredKind.LIKE_PREFIX: "LIKE prefix", PredKind.IS_NULL: "IS NULL", PredKind.IS_NOT_NULL: "IS NOT NULL"}


def _used_for(c: Candidate, helped: list[ParsedStatement]) -> str:
    """What the statements an index helps do with its leading column, for a candidate that
    no single statement's requirement asked for (the planner picked it, e.g. a join key)."""
    lead = c.keys[0].column
    uses: list[str] = []
    for p in helped:
        for a in p.accesses:
            if a.table.schema != c.schema or a.table.name != c.table:
                continue
            uses += [_USE_WORDS[q.kind] for q in a.predicates if q.column == lead and q.kind in _USE_WORDS]
            uses += ["ORDER BY" for k in a.order_by if k.column == lead] + ["GROUP BY" for g in a.group_by if g == lead]
    words = list(dict.fromkeys(uses))
    return f"{' and '.join(words) if words else 'access'} on {lead}, as the planner uses it for these statements"


def _note(notes: dict[str, list[str]], fp: str, text: str) -> None:
    bucket = notes.setdefault(fp, [])
    if text not in bucket:
        bucket.append(text)
