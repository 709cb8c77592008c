"""Under a storage budget: two greedy orders, then a local search over the better one.

Benefit per byte can fill a budget with small indexes and leave out a big, better one,
and benefit alone can do the opposite: both run and the cheaper workload wins, where the
budget turned an index away (one the set never reaches leaves nothing to pack: TPC-H SF1 at
2 GB, 908 -> 532 EXPLAINs for the same set). A budget
is a knapsack, where the greedy has no guarantee, so the result then goes through a local
search: drop one chosen index and let the greedy refill what it frees; keep the change when
the workload gets cheaper (a big index that was the best single pick can crowd out two that
are better together). The search spends at most a third as many what-if calls as everything
before it, a hard limit (a refill that reaches it is left unfinished): its first change is worth the most, the later ones little for their calls (TPC-H
SF1 at 1 GB: 1.7% of the workload's cost after 102 EXPLAINs, then 0.2% after 155 more, the
built cost 0.574 -> 0.575 without them; on other statistics 0.06% after 86, then nothing
after 78 more; TPC-DS at about SF 0.2 under 100 MB: 3.2% after 2,500, then 0.07% after
1,500 more). At as many as everything before it, TPC-H at 1 GB took 557 EXPLAINs, over
issue 18's 500; at half as many, 445 to 521 as ANALYZE's sample moved the plans.

A budget the first run never met is no knapsack: the advice is the one without a budget, at
its cost (it searched anyway: TPC-DS at about SF 0.2 under 2 GB took 5,284 -> 10,584 EXPLAINs,
18 s -> 35 s, for the set it has without; TPC-H SF1 under 2 GB, 508 -> 291 EXPLAINs, built
cost 0.501 -> 0.509 of the workload's without indexes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from indexadvisor.costing import Bounded, OutOfEffort
from indexadvisor.model import IndexDef
from indexadvisor.select.greedy import greedy, outcome
from indexadvisor.select.state import Outcome, Problem, Run

# a greedy run: per byte, from a start, with candidates banned, within a limit of what-if calls
Greedy = Callable[[bool, Run | None, frozenset, int | None], Run]


def best_set(problem: Problem) -> Outcome:
    """The chosen set: one greedy run, or where the budget turned an index away both orders and
    the local search, whose refills start each candidate at what it saved next to fewer indexes
    (greedy._bounds; with greedy._grow, TPC-H SF1 at 1 GB: 644 -> 557 EXPLAINs, the same set)."""
    def run(per_byte: bool, start: Run | None = None, banned: frozenset[IndexDef] = frozenset(), limit: int | None = None) -> Run:
        bounded = problem if limit is None else replace(problem, coster=Bounded(problem.coster, limit))
        return greedy(bounded, per_byte, start, banned, earlier=start is not None)

    def judge(r: Run) -> Outcome:
        return outcome(problem, r)

    first = run(False)
    best = judge(first)
    if problem.options.budget_bytes is not None and first.crowded:  # the budget decided something
        other = judge(run(True))
        best = other if other.total < best.total else best
        best = local_search(best, run, judge, problem.sizes, lambda: problem.coster.whatif_calls)
    return best


def local_search(best: Outcome, run: Greedy, judge: Callable[[Run], Outcome], sizes: dict[IndexDef, int],
                 effort: Callable[[], int], rounds: int = 3) -> Outcome:
    """Drop one chosen index at a time (the smallest benefit per byte first) and refill with
    the greedy in both orders; keep the first change that makes the workload cheaper. A refill
    that would pass the limit stops there, unfinished, and the search with it."""
    limit = effort() * 4 // 3
    for _ in range(rounds):
        improved = False
        benefit = {r.candidate.spec: r.estimate.benefit for r in best.results}
        order = sorted(best.chosen, key=lambda c: benefit.get(c.spec, 0.0) / max(sizes.get(c.spec, 0), 8192))
        for x in order:
            start = Run([c for c in best.chosen if c.spec != x.spec], [r for r in best.results if r.candidate.spec != x.spec], {})
            for per_byte in (False, True):
                try:
                    trial = judge(run(per_byte, start, frozenset({x.spec}), limit))
                except OutOfEffort:
                    return best
                if trial.total < best.total * (1 - 1e-4):
                    best, improved = trial, True
                    break
            if improved:
                break
        if not improved:
            break
    return best
