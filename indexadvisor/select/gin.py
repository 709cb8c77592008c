"""The rule-based choice of GIN indexes, after the greedy has chosen the B-trees and BRINs.

HypoPG cannot create a hypothetical GIN index, so the planner cannot price one.
Each GIN candidate (trigram, jsonb, array) is instead priced by the offline
statistics model (costing/model.py: a bitmap scan of the rows its operator
matches, with the planner's default selectivities for those operators) against
the statements' cost with the existing indexes plus everything already chosen,
in the same model, so a statement the chosen B-trees already serve gains little.
A GIN index is proposed when

- it makes a statement at least MIN_GAIN (2x) cheaper in that model, on a table
  that is not tiny;
- its weighted gain minus its write cost (INDEX_WRITE_COST per written row times
  GIN_WRITE_FACTOR: a row adds one entry per trigram, key or element) is positive
  and at least --min-improvement of the workload's cost in the same model;
- --max-indexes and --budget still allow it (best net benefit first).

Its estimate says `statistics` (or `rules` without statistics), never `planner`,
and its reason says it is not planner-costed. With planner costing the report's
workload cost after does not include these savings (they are in other units);
offline it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from indexadvisor.candidates import serve
from indexadvisor.candidates.kinds import gin, label
from indexadvisor.costing.stats import StatsCoster
from indexadvisor.model import Candidate, ParsedStatement, PredKind

GIN_WRITE_FACTOR = 3.0


def choose(advisor, advice, pool: dict, parsed: list[ParsedStatement], rank: Callable) -> None:
    """Append the GIN proposals that pay to advice.chosen (selection.Chosen), best first."""
    from indexadvisor.select.advisor import INDEX_WRITE_COST, _note

    if not pool:
        return
    opts = advisor.options
    stats = StatsCoster(advisor.catalog, rank, advisor.model)
    planner = advisor.coster.method == "planner"
    greedy = [r.candidate for r in advice.chosen]
    picked: list[Candidate] = []
    rewritten = {id(p): replace(p, accesses=[gin.as_rewritten(a) for a in p.accesses]) for p in parsed}
    if planner:
        # the rows a GIN-only filter matches, by the planner's own estimate (pg_stats, its selectivity
        # functions for the operator): better than the model's defaults
        for _, served in pool.values():
            for p, access in served:
                _planner_rows(advisor, stats, p, access, rewritten[id(p)])
    tables_of = {p.statement.fingerprint: {str(a.table) for a in p.accesses if a.kind != "insert"} for p in parsed}

    def cost(p: ParsedStatement, extra: list[Candidate]) -> float:
        config = [c for c in greedy + picked + extra if f"{c.schema}.{c.table}" in tables_of[p.statement.fingerprint]]
        return stats.statement_cost(rewritten[id(p)] if extra else p, config) or 0.0

    base = {p.statement.fingerprint: cost(p, []) for p in parsed if tables_of[p.statement.fingerprint]}
    weight = {}
    for p in parsed:
        fp = p.statement.fingerprint
        if opts.weight == "time" and p.statement.total_time_ms and base.get(fp):
            weight[fp] = p.statement.total_time_ms / base[fp]
        else:
            weight[fp] = float(p.statement.calls)
    floor = opts.min_improvement * sum(weight[fp] * c for fp, c in base.items())
    # --weight time: gains are in ms, so write costs (in cost units) are converted as the greedy does
    timed = [(p.statement.total_time_ms, p.statement.calls * base[p.statement.fingerprint]) for p in parsed
             if opts.weight == "time" and p.statement.total_time_ms and base.get(p.statement.fingerprint)]
    ms_per_unit = sum(t for t, _ in timed) / sum(u for _, u in timed) if timed else 1.0
    writes = advisor._write_load(parsed, advisor.coster)
    used = sum((r.estimate.size_bytes or 0) for r in advice.chosen)
    remaining = {c.key: (c, served) for c, served in pool.values()}
    while remaining:
        best = None
        for key, (c, served) in remaining.items():
            per: dict[str, tuple[float, float]] = {}
            gain = 0.0
            for p in {id(p): p for p, _ in served}.values():
                fp = p.statement.fingerprint
                if fp not in base:
                    continue
                before, after = cost(p, []), cost(p, [c])
                if after < before:  # the model counts an index only where it is MIN_GAIN times cheaper
                    per[fp] = (before, after)
                    gain += weight[fp] * (before - after)
            if not per:
                _no_gain_notes(advisor, advice, c, served, stats)
                continue
            entry = writes.get(f"{c.schema}.{c.table}")
            wcost = (entry["rows"] * INDEX_WRITE_COST * GIN_WRITE_FACTOR * ms_per_unit if entry else 0.0) if opts.write_cost else 0.0
            size = stats.size(c) or 0
            net = gain - wcost
            score = net / max(size, 8192) if opts.budget_bytes is not None else net
            if best is None or score > best[0]:
                best = (score, net, gain, wcost, size, per, c, key)
        if best is None:
            break
        score, net, gain, wcost, size, per, c, key = best
        del remaining[key]
        if net <= 0 or net < floor:
            if net > 0:
                for fp in per:
                    _note(advice.notes, fp, f"{label(c.kind)} on {c.table} ({c.keys[0].text}) saves less than "
                                            f"--min-improvement of the workload: not proposed")
            continue
        if opts.max_indexes is not None and len(advice.chosen) >= opts.max_indexes:
            for fp in per:
                _note(advice.notes, fp, f"{label(c.kind)} on {c.table} ({c.keys[0].text}) would pay, but --max-indexes is reached")
            break
        if opts.budget_bytes is not None and used + size > opts.budget_bytes:
            for fp in per:
                _note(advice.notes, fp, f"{label(c.kind)} on {c.table} ({c.keys[0].text}) would pay, but does not fit --budget")
            continue
        picked.append(c)
        used += size
        advice.chosen.append(_chosen(advisor, c, per, weight, gain, wcost, size, planner, stats))
        for fp, (_, after) in per.items():
            if planner:
                _note(advice.notes, fp, f"the {label(c.kind)} proposed for it is not planner-costed (HypoPG cannot "
                                        "create GIN indexes): its gain is not in the planner cost after")
            elif fp in advice.costs:
                before_all, now = advice.costs[fp]
                if after < now:
                    advice.workload_after -= weight[fp] * (now - after)
                    advice.costs[fp] = (before_all, after)


def _no_gain_notes(advisor, advice, c: Candidate, served, stats: StatsCoster) -> None:
    """Say why a GIN-kind index that a statement asked for is not proposed: it would not
    make the statement cheaper, with the rows its filter is expected to match."""
    from indexadvisor.select.advisor import _note

    table = advisor.catalog.tables.get(f"{c.schema}.{c.table}")
    total = table.row_estimate if table is not None and table.has_stats else None
    for p, access in served:
        rows = stats.matched_rows.get(id(access))
        expected = (f": the filter is expected to match {rows:,.0f} of {total:,.0f} rows"
                    if rows is not None and total else "")
        _note(advice.notes, p.statement.fingerprint,
              f"{label(c.kind)} on {c.table} ({c.keys[0].text}) not proposed: it would not make the statement "
              f"cheaper{expected}, so a scan of the table stays the better plan")


def _planner_rows(advisor, stats: StatsCoster, p: ParsedStatement, access, rewritten: ParsedStatement) -> None:
    if any(q.kind not in serve.GIN_KINDS or q.kind == PredKind.ANY_ELEMENT for q in access.predicates):
        return  # other filters too, or an operator the rewrite changes: the scan's rows are not the index's
    plan = advisor.coster.plan(p, [])
    table = advisor.catalog.tables.get(str(access.table))
    if plan is None or table is None or access.table.name not in plan.scan_rows:
        return
    rows = plan.scan_rows[access.table.name]
    stats.matched_rows[id(access)] = rows
    for a in rewritten.accesses:
        if a.table == access.table:
            stats.matched_rows[id(a)] = rows


def _chosen(advisor, c: Candidate, per, weight, gain: float, wcost: float, size: int, planner: bool, stats: StatsCoster):
    from indexadvisor.select.advisor import Chosen, estimate_for

    table = advisor.catalog.tables.get(f"{c.schema}.{c.table}")
    method = "statistics" if table is not None and table.has_stats else "rules"
    estimate = estimate_for(method, per, weight, gain, wcost, size)
    helps = estimate.helps
    rows = table.row_estimate if table is not None and table.has_stats else None
    reason = f"{label(c.kind)}: {c.why}"
    if len(helps) > 1:
        reason += f"; serves {len(helps)} statement shapes"
    top = helps[0]
    source = ("the planner's row estimate for the filter (from pg_stats)" if planner else
              "the operator's selectivity (pg_stats most-common values where they tell, else the planner's default)")
    reason += (f"; not planner-costed (HypoPG cannot create a hypothetical GIN index): estimated by the statistics "
               f"model from {source} and the table's size"
               + (f" ({rows:,.0f} rows)" if rows else "")
               + f", cost per call {top.cost_before:,.1f} -> {top.cost_after:,.1f}"
               + (" in the statistics model's units, not the planner's" if planner else ""))
    if wcost:
        reason += f"; write cost {wcost:,.0f} charged ({GIN_WRITE_FACTOR:g}x a B-tree's: one entry per trigram, key or element)"
    return Chosen(c, estimate, [h.fingerprint for h in helps], reason, c.kind, c.why)
