"""One index per arm of an OR: the BitmapOr plans that no single index gives.

`WHERE email = $1 OR phone = $2` is served by no one B-tree; with an index on each
arm the planner scans both and ORs their bitmaps. Each of those indexes alone saves
nothing (the other arm still needs the whole table), so the greedy, adding one index
at a time, never finds them. After it, each OR of the workload (extract/predicates.py:
TableAccess.any_of) is offered as a bundle: for every arm the existing or chosen index
that serves it, else the arm's own B-tree; the bundle is costed as a whole, with what
is already chosen, and taken when it pays as one index must: its net benefit at least
--min-improvement of the workload's cost, within --max-indexes and --budget. Offline the
statistics model prices the BitmapOr as the sum of the arms' bitmap scans (costing/stats.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from indexadvisor.candidates.requirements import requirement_for, variants
from indexadvisor.candidates.serve import copies_existing, match, serving_in_tree
from indexadvisor.model import Candidate, IndexDef, Predicate, TableAccess
from indexadvisor.select.economics import write_cost
from indexadvisor.select.greedy import outcome, savings
from indexadvisor.select.pool import Rank
from indexadvisor.select.reasons import describe, note
from indexadvisor.select.screen import relevant_statements
from indexadvisor.select.state import Outcome, Problem, Run


@dataclass(frozen=True)
class _Bundle:
    """The new indexes an OR needs (one per arm not served yet), and the statement it is for."""

    fingerprint: str
    text: str  # the OR, as its arms' columns
    candidates: tuple[Candidate, ...]


def complete(problem: Problem, best: Outcome, rank: Rank, notes: dict[str, list[str]]) -> Outcome:
    """The chosen set with the OR bundles that pay added (best first); notes for those that do not."""
    run = Run(list(best.chosen), list(best.results), dict(best.final),
              sum(problem.sizes.get(c.spec, 0) for c in best.chosen))
    taken = False
    for bundle in _bundles(problem, run, rank, notes):
        verdict = _offer(problem, run, bundle)
        if verdict:
            note(notes, bundle.fingerprint, f"one index per arm of the OR ({bundle.text}) {verdict}")
        else:
            taken = True
    return outcome(problem, run) if taken else best


def _bundles(problem: Problem, run: Run, rank: Rank, notes: dict[str, list[str]]) -> list[_Bundle]:
    """Every OR's bundle that needs a new index, once per set of indexes, hottest statement first."""
    out: dict[tuple, _Bundle] = {}
    for p in sorted(problem.parsed, key=lambda p: -problem.weight.get(p.statement.fingerprint, 0.0)
                    * run.now.get(p.statement.fingerprint, 0.0)):
        fp = p.statement.fingerprint
        if fp not in run.now:
            continue
        for access in p.accesses:
            for arms in access.any_of:
                needed = _needed(problem, run, access, arms, rank)
                text = " OR ".join(" AND ".join(q.expression or q.column for q in arm) for arm in arms)
                if needed is None:
                    note(notes, fp, f"an OR ({text}) with an arm no B-tree can search: no index per arm serves it")
                elif needed:
                    out.setdefault(tuple(sorted(str(c.spec) for c in needed)), _Bundle(fp, text, tuple(needed)))
    return list(out.values())


def _needed(problem: Problem, run: Run, access: TableAccess, arms: tuple[tuple[Predicate, ...], ...],
            rank: Rank) -> list[Candidate] | None:
    """The new index each arm needs (none where an existing or chosen index serves it);
    None when an arm is one no B-tree can search."""
    table = problem.catalog.tables.get(str(access.table))
    needed: dict[IndexDef, Candidate] = {}
    for arm in arms:
        arm_access = access.arm(arm)
        req = requirement_for(arm_access, rank(arm_access, table), table=table)
        if req is None:
            return None
        if serving_in_tree(problem.catalog, table, req, arm_access) is not None:
            continue
        if any((m := match(c.spec.as_index(), req, arm_access)).eq or m.range for c in run.chosen):
            continue
        c = Candidate(access.table.schema, access.table.name, variants(req, problem.options.max_width)[0])
        if copies_existing(c, table):
            continue
        needed.setdefault(c.spec, c)
        problem.origins.setdefault(c.spec, [req])
    return list(needed.values())


def _offer(problem: Problem, run: Run, bundle: _Bundle) -> str | None:
    """Cost the bundle with the chosen set; add it to the run when it pays (None), else say why not."""
    fresh = [c for c in bundle.candidates if c not in run.chosen]
    problem.coster.sizes(fresh)
    for c in fresh:
        problem.sizes[c.spec] = problem.coster.size(c) or 0
        problem.relevant[c.spec] = relevant_statements(c, problem.by_column, problem.catalog, broad=True)
    statements = {p.statement.fingerprint: p for c in fresh for p in problem.relevant[c.spec]}
    statements.update({p.statement.fingerprint: p for p in problem.parsed if p.statement.fingerprint == bundle.fingerprint})
    per, gain, _ = savings(problem, run, statements.values(), run.chosen, fresh)
    wcosts = [write_cost(c, problem.writes, problem.catalog) * problem.ms_per_unit if problem.options.write_cost else 0.0
              for c in fresh]
    size = sum(problem.sizes[c.spec] for c in fresh)
    opts = problem.options
    if bundle.fingerprint not in per:
        return "would not make it cheaper: its current plan stays the cheaper one"
    if gain - sum(wcosts) <= 0:
        return f"would cost more to maintain ({sum(wcosts):,.0f}) than it saves ({gain:,.0f})"
    if gain - sum(wcosts) < opts.min_improvement * problem.workload_cost(run.now):
        return f"saves less than --min-improvement ({opts.min_improvement:.0%}) of the workload's cost: not proposed"
    if opts.max_indexes is not None and len(run.chosen) + len(fresh) > opts.max_indexes:
        return f"would pay, but needs {len(fresh)} more indexes than --max-indexes allows"
    if not opts.fits(run.used, size):
        return "would pay, but does not fit --budget"
    _take(problem, run, bundle, fresh, per, gain, wcosts)
    return None


def _take(problem: Problem, run: Run, bundle: _Bundle, fresh: list[Candidate], per: dict[str, tuple[float, float]],
          gain: float, wcosts: list[float]) -> None:
    """Add the bundle's indexes to the run, each described with the bundle's savings."""
    for c, wcost in zip(fresh, wcosts):
        chosen = describe(problem, c, per, gain, wcost, problem.sizes[c.spec])
        others = [x for x in fresh if x is not c]
        partners = (" with " + ", ".join(f"({', '.join(k.text for k in x.keys)})" for x in others)) if others else ""
        chosen.reason += (f"; one index per arm of the OR ({bundle.text}){partners}: the planner ORs their bitmaps "
                          "(BitmapOr), and no single index serves the OR")
        run.chosen.append(c)
        run.results.append(chosen)
        run.used += problem.sizes[c.spec]
    for fp, (_, new) in per.items():
        run.now[fp] = new
