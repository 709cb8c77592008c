"""What each budget buys: the chosen set's indexes in the order the selection added them,
each with the set's size and the workload's cost left, then a few more past the proposed
set (what a bigger budget, more indexes or a lower --min-improvement would add), and why
the proposed set stops where it does.

It runs after the advice is final and changes nothing in it: the steps past the set come
from one more greedy run that starts from the chosen set with the limits lifted.
"""

from __future__ import annotations

from dataclasses import replace

from indexadvisor.model import BudgetCurve, Candidate, CurveStep, IndexKey
from indexadvisor.pg.sizes import format_size
from indexadvisor.select.greedy import final_costs, greedy
from indexadvisor.select.state import Outcome, Problem, Run

PAST = 5  # steps shown past the proposed set


def budget_curve(problem: Problem, best: Outcome) -> BudgetCurve:
    """The curve of the proposed set (`best`) and the next indexes the selection would add."""
    steps = [_step(problem, best.chosen[:k], True) for k in range(1, len(best.chosen) + 1)]
    past, net = _past(problem, best)
    steps += [_step(problem, config, False) for config in past]
    options = problem.options
    if options.max_indexes is not None and len(best.chosen) >= options.max_indexes:
        return BudgetCurve(steps, "max_indexes", f"--max-indexes {options.max_indexes} reached")
    if not past:
        return BudgetCurve(steps, "nothing_left", "no other index makes the workload cheaper (net of its write cost)")
    first = steps[len(best.chosen)]
    if options.budget_bytes is not None and first.size_bytes > options.budget_bytes:
        return BudgetCurve(steps, "budget", f"the next index would take the set to {format_size(first.size_bytes)}, "
                                            f"over --budget {format_size(options.budget_bytes)}")
    before = problem.workload_cost(final_costs(problem, best.chosen)) if best.chosen else problem.workload_cost(problem.base)
    share = net / before if before else 0.0
    if options.budget_bytes is not None and share >= options.min_improvement:
        return BudgetCurve(steps, "budget", "the cheapest set the budget search found under "
                                            f"--budget {format_size(options.budget_bytes)}")
    return BudgetCurve(steps, "min_improvement", f"the next index saves {share:.1%} of the workload's cost, "
                                                 f"less than --min-improvement {options.min_improvement:g}")


def _past(problem: Problem, best: Outcome) -> tuple[list[list[Candidate]], float]:
    """The set after each index the greedy adds past `best` with no budget or threshold (one it adds
    may replace a chosen one it serves every scan of), and the first one's net saving (0 when none)."""
    lifted = replace(problem, options=replace(problem.options, budget_bytes=None, max_indexes=len(best.chosen) + PAST,
                                              min_improvement=0.0))
    sets: list[list[Candidate]] = []
    nets: list[float] = []

    def taken(run: Run) -> None:
        if len(sets) < PAST:
            sets.append(list(run.chosen))
            nets.append(run.results[-1].estimate.benefit)

    greedy(lifted, per_byte=False, start=Run(list(best.chosen), list(best.results), {}), on_take=taken)
    return sets, nets[0] if nets else 0.0


def _step(problem: Problem, config: list[Candidate], chosen: bool) -> CurveStep:
    """The step that adds config's last index: the whole set's size and the workload's cost with it."""
    c = config[-1]
    return CurveStep(table=f"{c.schema}.{c.table}", index=definition(c.keys, c.include, c.where, c.method),
                     size_bytes=sum(problem.sizes.get(x.spec, 0) for x in config),
                     cost_after=round(problem.workload_cost(final_costs(problem, config)), 2), chosen=chosen)


def definition(keys: list[IndexKey], include: list[str], where: str | None, method: str) -> str:
    """An index in a step's words: (keys), USING method for other than B-tree, INCLUDE and WHERE."""
    text = f"({', '.join(k.text for k in keys)})"
    if method != "btree":
        text = f"USING {method} {text}"
    if include:
        text += f" INCLUDE ({', '.join(include)})"
    if where:
        text += f" WHERE {where}"
    return text
