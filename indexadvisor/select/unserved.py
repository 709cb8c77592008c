"""No silent drops: a statement that costs a meaningful share of the workload ends served by
an existing index, helped by a proposal, or with a note that says why neither.

The reasons, in the order they are tried: nothing in the statement is one an index could
serve; with every candidate index available its plan is no cheaper; an index would help,
but --max-indexes is reached, it does not fit --budget, it saves less than
--min-improvement of the workload, or its write cost outweighs what it saves.
"""

from __future__ import annotations

from indexadvisor.model import Candidate, ParsedStatement
from indexadvisor.select.economics import write_cost
from indexadvisor.select.reasons import note
from indexadvisor.select.screen import indexable_columns
from indexadvisor.select.state import Advice, Outcome, Problem

NOTE_SHARE = 0.01  # a statement at least this share of the workload's cost gets an outcome
NO_BETTER = 0.98  # with every candidate, a plan this close to the current cost is no cheaper


def explain_unserved(problem: Problem, advice: Advice, best: Outcome) -> None:
    """Give each costly statement that nothing serves or helps a note with the reason: costly
    before the proposals, or in what is left after them (a clean-up job at 0.03% of a workload
    whose hot statements are unindexed is 2% of it once they are served)."""
    total = problem.workload_cost(problem.base)
    helped = {fp for chosen in advice.chosen for fp in chosen.served}
    for p in problem.parsed:
        fp = p.statement.fingerprint
        if fp not in problem.base or not total or fp in helped or advice.served_by_existing.get(fp) or _tiny_only(problem, p):
            continue
        before = problem.weight[fp] * problem.base[fp] / total
        after = problem.weight[fp] * best.final[fp] / best.total if best.total else 0.0
        if max(before, after) < NOTE_SHARE:
            continue
        share = f"{before:.1%} of the workload's cost" + (f", {after:.1%} of what is left with the proposals"
                                                           if before < NOTE_SHARE else "")
        note(advice.notes, fp, f"no index proposed for it ({share}): {_why(problem, p, best)}")


def _tiny_only(problem: Problem, p: ParsedStatement) -> bool:
    """Every table it reads is one a sequential scan reads as fast as an index (pool.py says so in
    its notes). Any other note (why no covering or partial index, how a cost was corrected) says
    nothing of why no index is proposed: the reason is still owed."""
    reads = [problem.catalog.tables.get(str(a.table)) for a in p.accesses if a.kind != "insert"]
    return bool(reads) and all(problem.model.is_tiny(t) for t in reads)


def _why(problem: Problem, p: ParsedStatement, best: Outcome) -> str:
    fp = p.statement.fingerprint
    candidates = [c for c in problem.pool + [c for c, _ in problem.grown.values()] if any(q is p for q in problem.relevant.get(c.spec, []))]
    if not candidates:
        if not any(indexable_columns(a) or a.predicates for a in p.accesses if a.kind != "insert"):
            return "none of its filters, join keys, ORDER BY or GROUP BY is one an index could serve"
        if problem.planner:
            return "the planner uses none of the candidate indexes for it: its plan stays cheaper without them"
        return ("even the index that would serve it best would not make it cheap enough (1.5x, twice without statistics) "
                "(by the statistics model: its filters keep too many rows)")
    now = best.final[fp]
    config = problem.config_for(fp, best.chosen)
    cost, used = problem.coster.ideal(p, config + candidates)
    # the cost with every candidate is a bound where the plan hangs on the LIMIT trap: what one
    # more index does is asked of each the plan may use, and the best one is shown
    tried = [] if cost is None or cost >= now * NO_BETTER else [
        (problem.coster.statement_cost(p, config + [c]), n, c) for n, c in enumerate(used) if c not in best.chosen]
    found = sorted((one, n, c) for one, n, c in tried if one is not None and one < now * NO_BETTER)
    if not found:
        if problem.coster.early_stop(p) is not None:
            return (f"with every candidate index available the planner keeps the plan whose LIMIT stops early only if "
                    f"the rows its filter keeps are spread evenly (the LIMIT trap; {now:,.1f} per call counted without "
                    "that early stop), so it would not use a new index")
        return (f"with every candidate index available its plan is no cheaper ({now:,.1f} per call), "
                "so the plan it has stays the better one")
    cost, _, helper = found[0]
    gain = problem.weight[fp] * (now - cost)
    shown = f"an index such as {_text(helper)} would make it cheaper ({now:,.1f} -> {cost:,.1f} per call), but"
    opts = problem.options
    if opts.max_indexes is not None and len(best.chosen) >= opts.max_indexes:
        return f"{shown} --max-indexes {opts.max_indexes} is reached"
    size = problem.sizes.get(helper.spec) or problem.coster.size(helper) or 0
    used_bytes = sum(problem.sizes.get(c.spec, 0) for c in best.chosen)
    if not opts.fits(used_bytes, size):
        return f"{shown} it does not fit --budget"
    wcost = write_cost(helper, problem.writes, problem.catalog) * problem.ms_per_unit if opts.write_cost else 0.0
    if wcost >= gain:
        return f"{shown} its write cost ({wcost:,.0f}) outweighs what it saves ({gain:,.0f})"
    if gain < opts.min_improvement * best.total:
        return f"{shown} it saves less than --min-improvement ({opts.min_improvement:.0%}) of the workload's cost"
    return f"{shown} the indexes chosen serve the workload better together"


def _text(c: Candidate) -> str:
    keys = ", ".join(k.text + (" DESC" if k.desc else "") for k in c.keys)
    return f"{c.table} ({keys})" + (f" WHERE {c.where}" if c.where else "")
