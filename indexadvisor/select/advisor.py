"""Workload-level choice of an index set: the selection stage, its steps in order.

1. rank each table's equality columns and build the candidate pool (pool.py);
2. cost every statement with the existing indexes (the baseline) and weigh it (economics.py);
3. with the planner, keep the candidates some plan picks when offered everything (screen.py);
4. choose a set greedily, under a budget in two orders and with a local search (greedy.py, budget.py);
5. attribute each index's benefit leave-one-out (attribution.py);
6. choose GIN indexes by rule, since HypoPG cannot price them (gin.py);
7. say why a costly statement that nothing serves or helps got nothing (unserved.py);
8. show what each budget buys: the set's indexes one by one and the next few (curve.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from indexadvisor import costing
from indexadvisor.candidates.pool import KindAdvisor
from indexadvisor.candidates.requirements import column_rank
from indexadvisor.costing import Coster
from indexadvisor.costing.model import StatsModel
from indexadvisor.model import Catalog, ParsedStatement
from indexadvisor.select import bitmap_or, gin
from indexadvisor.select.attribution import leave_one_out
from indexadvisor.select.budget import best_set
from indexadvisor.select.curve import budget_curve
from indexadvisor.select.economics import ms_per_unit, weights, write_load
from indexadvisor.select.options import SelectionOptions
from indexadvisor.select.pool import Rank, build_pool, ranker
from indexadvisor.select.reasons import note
from indexadvisor.select.screen import column_index, planner_picks, relevant_statements
from indexadvisor.select.state import Advice, Chosen, Outcome, Pool, Problem
from indexadvisor.select.unserved import explain_unserved

CosterFactory = Callable[[Rank], Coster]


def advise(catalog: Catalog, parsed: list[ParsedStatement], coster_factory: CosterFactory,
           options: SelectionOptions | None = None) -> Advice:
    """The proposed set for the workload, with what existing indexes serve and notes per statement."""
    options = options or SelectionOptions()
    rank = ranker(column_rank([a for p in parsed for a in p.accesses], catalog))
    coster = coster_factory(rank)
    costing.parallel(coster, options.jobs)
    try:
        return _advise(catalog, parsed, coster, rank, options)
    finally:
        costing.close(coster)


def _advise(catalog: Catalog, parsed: list[ParsedStatement], coster: Coster, rank: Rank,
            options: SelectionOptions) -> Advice:
    model = StatsModel()
    planner = coster.method == "planner"
    kinds = KindAdvisor(catalog, options.kinds, options.max_width, parsed, model, coster, planner)
    pool = build_pool(catalog, parsed, options, model, kinds, rank, planner)
    problem = _problem(catalog, options, coster, model, kinds, parsed, pool)
    failed = {fp: coster.failure(fp) or "unknown reason" for fp, tables in problem.tables_of.items()
              if tables and fp not in problem.base}
    for fp in failed:  # never planned: no existing index can be said to serve it
        pool.served.pop(fp, None)
    best = bitmap_or.complete(problem, best_set(problem), rank, pool.notes)  # ORs: one index per arm
    results = leave_one_out(problem, best.results, best.chosen, best.final)
    best = _proposed(problem, best, results)
    advice = Advice(
        results, pool.served, pool.notes,
        costs={fp: (problem.base[fp], best.final[fp]) for fp in problem.base},
        workload_before=problem.workload_cost(problem.base),
        workload_after=problem.workload_cost(best.final),
        failed=failed,
    )
    gin.choose(problem, advice, kinds.gin_pool, rank)  # GIN: priced by rules, not by HypoPG
    for fp, text in coster.notes().items():
        note(advice.notes, fp, text)
    explain_unserved(problem, advice, best)  # no silent drops
    advice.curve = budget_curve(problem, best)  # last: the advice is final, the curve only reads it
    return advice


def _proposed(problem: Problem, best: Outcome, results: list[Chosen]) -> Outcome:
    """The set as proposed: without an index leave-one-out found worthless next to the later ones
    (the curve, the unserved notes and the costs after read this set), re-costing only what it may
    serve, in the configuration leave-one-out costed."""
    if len(results) == len(best.chosen):
        return best
    kept = {r.candidate.spec for r in results}
    chosen = [c for c in best.chosen if c.spec in kept]
    final = dict(best.final)
    for gone in (c for c in best.chosen if c.spec not in kept):
        for p in problem.relevant.get(gone.spec, []):
            fp = p.statement.fingerprint
            cost = problem.coster.statement_cost(p, problem.config_for(fp, chosen)) if fp in final else None
            if cost is not None:
                final[fp] = min(cost, problem.base[fp])
    return replace(best, total=problem.workload_cost(final), chosen=chosen, results=results, final=final)


def _problem(catalog: Catalog, options: SelectionOptions, coster: Coster, model: StatsModel, kinds: KindAdvisor,
             parsed: list[ParsedStatement], pool: Pool) -> Problem:
    """The baseline costs, weights and write load, and the pool screened and sized."""
    by_table: dict[str, list[ParsedStatement]] = {}
    tables_of: dict[str, set[str]] = {}
    for p in parsed:
        tables = {str(a.table) for a in p.accesses if a.kind != "insert"}
        tables_of[p.statement.fingerprint] = tables
        for t in tables:
            by_table.setdefault(t, []).append(p)
    base: dict[str, float] = {}
    costing.prefetch(coster, [(p, []) for p in parsed if tables_of[p.statement.fingerprint]])
    for p in parsed:
        fp = p.statement.fingerprint
        if not tables_of[fp]:
            continue
        cost = coster.statement_cost(p, [])
        if cost is None:
            note(pool.notes, fp, f"not costed: the planner could not explain it: {coster.failure(fp) or 'unknown reason'}")
            continue
        base[fp] = cost
    problem = Problem(catalog, options, coster, model, kinds, parsed, pool.candidates, pool.origins, by_table,
                      column_index(parsed), tables_of,
                      base, weights(parsed, base, options), ms_per_unit(parsed, base, options),
                      write_load(parsed, coster, catalog, options))
    problem.relevant = {c.spec: relevant_statements(c, problem.by_column, catalog, broad=problem.planner)
                        for c in problem.pool}
    if problem.planner:
        # narrower prefixes stay where they may win: under a budget, or on written tables
        narrow = {c.table for c in problem.pool} if options.budget_bytes is not None else {t.split(".", 1)[1] for t in problem.writes}
        problem.pool = planner_picks(problem.pool, problem.relevant, dict(base), coster, problem.ideal, keep_prefixes=narrow)
    coster.sizes(problem.pool)  # one batch instead of one round trip per candidate
    problem.sizes = {c.spec: coster.size(c) or 0 for c in problem.pool}
    return problem
