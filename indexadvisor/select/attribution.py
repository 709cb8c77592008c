"""Leave-one-out attribution: what each chosen index saves given all the others.

The greedy order decides which index got credit for a statement; with a prefix replaced
by a wider index, or two indexes sharing statements, the honest figure is what the
workload would lose without this one.
"""

from __future__ import annotations

from indexadvisor.model import Candidate, StatementCost
from indexadvisor.select.state import Chosen, Problem


def leave_one_out(problem: Problem, results: list[Chosen], chosen: list[Candidate],
                  current: dict[str, float]) -> list[Chosen]:
    """Each result's estimate re-done as what the workload loses without it; best first. An index
    the others make worthless is dropped (its statements are served anyway)."""
    if len(results) < 2:
        return results
    by_fp = {p.statement.fingerprint: p for p in problem.parsed}
    for r in results:
        c = r.candidate
        others = [x for x in chosen if x.spec != c.spec]
        per = {}
        # the statements it may serve, as the greedy weighed it, and those it helped when added (an OR's)
        statements = {p.statement.fingerprint: p for p in problem.relevant.get(c.spec, [])}
        statements.update({fp: by_fp[fp] for fp in r.served if fp in by_fp})
        for fp, p in statements.items():
            if fp not in current:
                continue
            without = problem.coster.statement_cost(p, problem.config_for(fp, others))
            if without is not None and without > current[fp]:
                per[fp] = (without, current[fp])
        weight = problem.weight
        helps = sorted(per.items(), key=lambda kv: -weight[kv[0]] * (kv[1][0] - kv[1][1]))
        r.estimate.helps = [StatementCost(fp, round(b, 2), round(a, 2)) for fp, (b, a) in helps]
        r.estimate.cost_before = round(sum(weight[fp] * b for fp, (b, _) in helps), 2)
        r.estimate.cost_after = round(sum(weight[fp] * a for fp, (_, a) in helps), 2)
        r.estimate.benefit = round(r.estimate.cost_before - r.estimate.cost_after - r.estimate.write_cost, 2)
        r.served = [fp for fp, _ in helps]
    results.sort(key=lambda r: -r.estimate.benefit)
    return [r for r in results if r.estimate.helps]
