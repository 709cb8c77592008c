"""What each budget buys: the chosen set's indexes in the order the selection added them,
each with the set's size and the workload's cost left, then a few more past the proposed
set (what a bigger budget, more indexes or a lower --min-improvement would add), and why
the proposed set stops where it does.

It runs after the advice is final and changes nothing in it. Each step of the set re-costs
only the statements its indexes may serve, with the configurations the greedy already costed
(cached). The steps past the set come from one more greedy run that starts from
the chosen set with the budget and --max-indexes lifted, under the same --min-improvement;
when that adds nothing, a run under a tenth of it looks for the next index. A candidate starts
there at no more than it saved next to fewer indexes in the selection's runs (the lazy greedy's
premise, which two indexes better together break: the curve may miss such a pair, the advice
does not; TPC-H SF1 at 250MB: 162 -> 97 EXPLAINs for the same steps), each step with the cost
that run found (not re-costed: 10 to 13 EXPLAINs fewer on TPC-H SF1, within 0.3% of the
workload's cost of the re-costed figure). Both share a
bound on their what-if calls (5% of the analysis's, at least 500): where each index
saves little, finding the next ones costs as much as choosing the set did.
"""

from __future__ import annotations

from dataclasses import replace

from indexadvisor.costing import Bounded, OutOfEffort
from indexadvisor.model import BudgetCurve, Candidate, CurveStep, IndexKey
from indexadvisor.pg.sizes import format_size
from indexadvisor.select.greedy import greedy
from indexadvisor.select.options import SIZE_MARGIN
from indexadvisor.select.state import Outcome, Problem, Run

PAST = 5  # steps shown past the proposed set
LOWER = 10  # the run past a set stopped by --min-improvement looks down to a tenth of it
EFFORT_SHARE, EFFORT_MIN = 20, 500  # what-if calls past the set: 5% of the analysis's, at least 500


def budget_curve(problem: Problem, best: Outcome) -> BudgetCurve:
    """The curve of the proposed set (`best`) and the next indexes the selection would add."""
    options = problem.options
    steps = _steps(problem, [best.chosen[:k] for k in range(1, len(best.chosen) + 1)])
    coster = Bounded(problem.coster, problem.coster.whatif_calls + max(EFFORT_MIN, problem.coster.whatif_calls // EFFORT_SHARE))
    sets, net = _past(problem, best, options.min_improvement, PAST, coster)
    lowered = not sets and options.min_improvement > 0
    if lowered:
        sets, net = _past(problem, best, options.min_improvement / LOWER, 1, coster)
    now = steps[-1].cost_after if steps else problem.workload_cost(problem.base)
    steps += [_step(problem, config, cost, False) for config, cost in sets]
    first = steps[len(best.chosen)] if sets else None
    if options.max_indexes is not None and len(best.chosen) >= options.max_indexes:
        return BudgetCurve(steps, "max_indexes", f"--max-indexes {options.max_indexes} reached")
    if options.budget_bytes is not None and first is not None and not options.fits(0, first.size_bytes):
        return BudgetCurve(steps, "budget", f"the next index would take the set to {format_size(first.size_bytes)}, "
                                            f"more than --budget {format_size(options.budget_bytes)} holds (less the "
                                            f"{SIZE_MARGIN:.0%} a size estimate may be off)")
    if options.budget_bytes is not None and not lowered:
        return BudgetCurve(steps, "budget", f"the cheapest set the budget search found under --budget "
                                            f"{format_size(options.budget_bytes)}")
    if options.min_improvement <= 0:
        return BudgetCurve(steps, "nothing_left", "no other index makes the workload cheaper (net of its write cost)")
    if first is not None and now:
        return BudgetCurve(steps, "min_improvement", f"the next index saves {net / now:.1%} of the workload's cost, "
                                                     f"less than --min-improvement {options.min_improvement:g}")
    return BudgetCurve(steps, "min_improvement", f"no other index saves --min-improvement {options.min_improvement:g} "
                                                 "of the workload's cost")


def _past(problem: Problem, best: Outcome, floor: float, most: int, coster: Bounded,
          ) -> tuple[list[tuple[list[Candidate], float]], float]:
    """The set after each index (at most `most`) the greedy adds past `best` with no budget or index limit,
    down to `floor` (the --min-improvement it runs under), until `coster` refuses, with the workload's
    cost as that run costed it (each statement at its cost with the set, but the few _negligible()
    left at their cost before: it is the selection's own estimate, no what-if call more); and the
    first one's net saving."""
    lifted = replace(problem, coster=coster, options=replace(problem.options, budget_bytes=None, min_improvement=floor,
                                                             max_indexes=len(best.chosen) + most))
    sets: list[tuple[list[Candidate], float]] = []
    nets: list[float] = []

    def taken(run: Run) -> None:
        sets.append((list(run.chosen), problem.workload_cost(run.now)))
        nets.append(run.results[-1].estimate.benefit)

    try:
        greedy(lifted, per_byte=False, start=Run(list(best.chosen), list(best.results), {}), on_take=taken, earlier=True)
    except OutOfEffort:
        pass
    return sets, nets[0] if nets else 0.0


def _costs(problem: Problem, config: list[Candidate], now: dict[str, float]) -> dict[str, float]:
    """Each statement's cost with a set, from its costs `now` with the set's other indexes: the
    statements the last index may serve at their cost with the whole set on their tables
    (configurations the greedy costed as it added them: cached); an index cannot change a
    statement it may not serve."""
    now = dict(now)
    for p in problem.relevant.get(config[-1].spec, []):
        fp = p.statement.fingerprint
        cost = problem.coster.statement_cost(p, problem.config_for(fp, config)) if fp in now else None
        if cost is not None:
            now[fp] = min(cost, now[fp])
    return now


def _steps(problem: Problem, sets: list[list[Candidate]]) -> list[CurveStep]:
    """The step that adds each set's last index, with the whole set's size and the workload's cost
    with it; each set costed from the one before it where it is that one and one index more, else
    from the baseline index by index."""
    steps = []
    prior: list[Candidate] = []
    now = dict(problem.base)
    for config in sets:
        if [x.spec for x in config[:-1]] != [x.spec for x in prior]:
            prior, now = [], dict(problem.base)
            for k in range(1, len(config)):
                now = _costs(problem, config[:k], now)
        now = _costs(problem, config, now)
        prior = config
        steps.append(_step(problem, config, problem.workload_cost(now), True))
    return steps


def _step(problem: Problem, config: list[Candidate], cost: float, chosen: bool) -> CurveStep:
    """The step that adds the set's last index: the whole set's size, and the workload's cost with it."""
    c = config[-1]
    return CurveStep(table=f"{c.schema}.{c.table}", index=definition(c.keys, c.include, c.where, c.method),
                     size_bytes=sum(problem.sizes.get(x.spec, 0) for x in config), cost_after=round(cost, 2), chosen=chosen)


def definition(keys: list[IndexKey], include: list[str], where: str | None, method: str) -> str:
    """An index in a step's words: (keys), USING method for other than B-tree, INCLUDE and WHERE."""
    text = f"({', '.join(k.shown for k in keys)})"
    if method != "btree":
        text = f"USING {method} {text}"
    if include:
        text += f" INCLUDE ({', '.join(include)})"
    if where:
        text += f" WHERE {where}"
    return text
