"""The greedy choice of a set: add the index with the best marginal net benefit for the
whole workload, re-costing what it touches, while one pays off.

Lazy evaluation (CELF): a candidate's gain only shrinks as others are chosen, so it is
re-costed only when its last known gain is the best on the heap. It starts from an upper
bound that costs no what-if call: an index cannot save more than its statements' current
cost above their ideal. A candidate that serves every scan of a chosen one replaces it; one
whose scans a chosen index serves is not added (the set never holds what health would call
redundant). A run stops when the next index saves less than --min-improvement of the
workload's cost, at --max-indexes, or when nothing more fits in --budget.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from indexadvisor.candidates.serve import conditions_applied, serves_scans_of
from indexadvisor.costing import prefetch
from indexadvisor.model import Candidate, ParsedStatement
from indexadvisor.select.economics import write_cost
from indexadvisor.select.reasons import describe
from indexadvisor.select.screen import extensions, relevant_statements, same_definition_but_include
from indexadvisor.select.state import Evaluation, Outcome, Problem, Run

# The share of the lowest floor that the statements a candidate is not re-costed for may sum to
# (_negligible): at a tenth, TPC-H's sets at four budgets and the probes' are the same, the scale
# benchmark's within 0.03% of their estimated cost.
NEGLIGIBLE = 0.1


@dataclass(order=True)
class _Entry:
    """A heap entry: the best score first, then the index that applies more of its statements'
    conditions (_reach), then narrower indexes, then pool order."""

    priority: float
    reach: int  # minus _reach(); 0 for a bound
    width: int
    order: int
    computed: int  # the round its evaluation is from (-1: only a bound)
    candidate: Candidate = field(compare=False)
    evaluation: Evaluation | None = field(compare=False)
    most: float = field(compare=False)  # the most it can still save


def greedy(problem: Problem, per_byte: bool, start: Run | None = None, banned: frozenset = frozenset(),
           on_take: Callable[[Run], None] | None = None, earlier: bool = False) -> Run:
    """Add indexes to `start` (or to nothing) while one pays off; `banned` candidates are not offered;
    `on_take` sees the run after each index is added (curve.py); `earlier`: a candidate starts at no
    more than it saved next to fewer indexes in an earlier run (_bounds)."""
    if start is None:
        run = Run([], [], dict(problem.base))
    else:
        run = Run(list(start.chosen), list(start.results), final_costs(problem, start.chosen) if start.chosen else dict(problem.base))
        run.used = sum(problem.sizes[c.spec] for c in run.chosen)
    heap = _bounds(problem, run, per_byte, banned, earlier)
    offered = {e.candidate.spec for e in heap}
    round_no = 0
    floor = problem.options.min_improvement * problem.workload_cost(run.now)
    while heap:
        entry = heapq.heappop(heap)
        if entry.most < floor:
            continue  # even its best case saves less than the threshold now
        if entry.computed != round_no:
            ev = evaluate(problem, run, entry.candidate, per_byte, entry.evaluation)
            if ev is not None:
                heapq.heappush(heap, _evaluated(problem, entry, ev, round_no, per_byte))
            continue
        ev = entry.evaluation
        if ev is None or ev.net <= 0 or ev.candidate in run.chosen:
            continue
        if ev.rough:  # the best on the heap by its optimistic evaluation: cost it exactly, then compare again
            ev = evaluate(problem, run, entry.candidate, per_byte, ev, exact=True)
            if ev is not None:
                heapq.heappush(heap, _evaluated(problem, entry, ev, round_no, per_byte))
            continue
        _take(problem, run, ev)
        if on_take is not None:
            on_take(run)
        floor = problem.options.min_improvement * problem.workload_cost(run.now)
        round_no += 1
        for ext, order in _grow(problem, ev):
            bound = _extension_bound(problem, run, ext, ev.candidate)
            if bound >= floor and ext.spec not in offered:
                offered.add(ext.spec)
                heapq.heappush(heap, _bounded(problem, ext, bound, order, per_byte))
        if problem.options.max_indexes is not None and len(run.chosen) >= problem.options.max_indexes:
            break
    return run


def _evaluated(problem: Problem, entry: _Entry, ev: Evaluation, round_no: int, per_byte: bool) -> _Entry:
    """The entry's candidate at its evaluation of this round."""
    return _Entry(-ev.score(per_byte), -_reach(problem, ev), entry.width, entry.order, round_no, entry.candidate, ev, ev.net)


def _bounded(problem: Problem, c: Candidate, bound: float, order: int, per_byte: bool) -> _Entry:
    """A candidate not evaluated yet, at the most it could save (per byte in that order)."""
    score = bound / max(problem.sizes[c.spec], 8192) if per_byte else bound
    return _Entry(-score, 0, len(c.keys), order, -1, c, None, bound)


def _reach(problem: Problem, ev: Evaluation) -> int:
    """The most conditions the index applies for a statement it makes cheaper
    (serve.conditions_applied). Between two indexes that save the same, it is the one that keeps
    saving at the keys that hold more rows than the average the planner prices: calls follow
    rows, so those are the keys most calls ask for (an expert's `(user_id, created_at DESC)` for a
    user's last ten chats, where `(user_id)` costs the same to the planner)."""
    c = ev.candidate
    index = c.spec.as_index()
    table = problem.catalog.tables.get(f"{c.schema}.{c.table}")
    return max((conditions_applied(index, a, table) for p in problem.relevant[c.spec] if p.statement.fingerprint in ev.per
                for a in p.accesses), default=0)


def _bounds(problem: Problem, run: Run, per_byte: bool, banned: frozenset, earlier: bool) -> list[_Entry]:
    """The starting heap: each candidate at the most it could save, where that can clear the floor:
    its statements' cost above their ideal, and no more than it saved next to the same indexes in an
    earlier run: what it saved next to none, where a run starts from none (the per-byte order after
    the benefit one: TPC-H SF1 at 250 MB to 1 GB, 27 to 51 fewer EXPLAINs, the same sets). With
    `earlier`, next to fewer of them too (a gain only shrinks as indexes are added: the lazy greedy's
    premise, which indexes on two joined tables can break: taken by the runs that start from a set,
    the local search's refills and the curve's, not by the first ones)."""
    heap: list[_Entry] = []
    lowest = _lowest_floor(problem, run)
    chosen = frozenset(c.spec for c in run.chosen)
    offered = list(enumerate(problem.pool))
    if run.chosen:  # a run from a set: what every run has grown too (_grow)
        offered += [(n, c) for c, n in problem.grown.values()]
    for n, c in offered:
        if c.spec in banned or c in run.chosen:
            continue
        bound = sum(problem.weight[fp] * (run.now[fp] - problem.ideal.get(fp, 0.0))
                    for fp in (p.statement.fingerprint for p in problem.relevant[c.spec]) if fp in run.now)
        bound = min([bound] + [gain for among, gain in problem.gains.get(c.spec, [])
                               if among == chosen or (earlier and among <= chosen)])
        if bound <= 0 or bound < lowest:
            continue
        heapq.heappush(heap, _bounded(problem, c, bound, n, per_byte))
    return heap


def _extension_bound(problem: Problem, run: Run, ext: Candidate, parent: Candidate) -> float:
    """The most a wider index grown from a chosen one can save: what its statements cost now, for
    those it serves otherwise than its parent does (where the two have the same usable part, or
    the statement uses them alike, it replaces the parent and changes nothing)."""
    total = 0.0
    for p in problem.relevant[ext.spec]:
        fp = p.statement.fingerprint
        if fp in run.now:
            part = problem.coster.usable_part(p, ext)
            was = problem.coster.usable_part(p, parent)
            if part is not None and (was is None or (part.spec != was.spec and not problem.coster.uses_alike(p, ext, parent))):
                total += problem.weight[fp] * run.now[fp]
    return total


def _effective(problem: Problem, run: Run, c: Candidate) -> tuple[Candidate, list[Candidate]]:
    """The index c really adds given what is chosen, and what it replaces.

    A chosen index with the same keys but other INCLUDE columns is merged into
    one (two would be duplicates); a chosen left prefix is replaced.
    """
    twins = [x for x in run.chosen if same_definition_but_include(x, c)]
    if twins:
        include = list(c.include) + [col for x in twins for col in x.include if col not in c.include]
        merged = Candidate(c.schema, c.table, c.keys, include, c.where, c.method,
                           list(dict.fromkeys(c.statements + [fp for x in twins for fp in x.statements])))
        if merged.spec not in problem.sizes:
            problem.origins[merged.spec] = problem.origins[c.spec]
            problem.relevant[merged.spec] = list({id(p): p for x in twins + [c] for p in problem.relevant[x.spec]}.values())
            problem.sizes[merged.spec] = problem.coster.size(merged) or 0
        c = merged
    return c, twins + [x for x in run.chosen if x not in twins and serves_scans_of(x.spec.as_index(), c.spec.as_index())]


def evaluate(problem: Problem, run: Run, candidate: Candidate, per_byte: bool,
             prior: Evaluation | None = None, exact: bool = False) -> Evaluation | None:
    """What adding the candidate to the run would save; None when it cannot be added or saves nothing.

    A `prior` evaluation of the same index against the same replaced ones lends its costs for
    the statements the run has not changed since (the indexes taken since then may serve none
    of them): a round re-costs only what the last index touched, not every statement again. Unless
    `exact`, a statement that uses the candidate only as it uses an index it replaces (a grown
    index's new column is not the statement's) keeps its cost now, and a covering candidate is
    costed for a statement that cannot scan it index-only as the index without its INCLUDE
    columns (_stand_in), which it then uses alike: both are lower bounds (the same use of a
    smaller index), the evaluation `rough`, and greedy() makes it exact only if it comes out on
    top (TPC-H: most of a covering index's statements read beyond it). Not the cost itself: the
    planner prices a scan of a wider index dearer, by its size and by less of its lead column's
    correlation with the heap counted (a tenant's rows stored together: `("workspaceId")` 42 per
    call, `("workspaceId", number)` 1,075 for the same scan)."""
    c, replaced = _effective(problem, run, candidate)
    size = problem.sizes[c.spec] - sum(problem.sizes[x.spec] for x in replaced)
    if not problem.options.fits(run.used, size):
        run.crowded = True
        return None
    kept = [x for x in run.chosen if x not in replaced]
    if any(serves_scans_of(c.spec.as_index(), x.spec.as_index()) for x in kept):
        return None  # health would call it redundant next to one already chosen
    known: dict[str, float | None] = {}
    rough: set[str] = set()
    if prior is not None and prior.candidate.spec == c.spec and [x.spec for x in prior.replaced] == [x.spec for x in replaced]:
        known = {fp: cost for fp, cost in prior.costs.items()
                 if run.changed.get(fp, 0) <= prior.at and not (exact and fp in prior.rough)}
        rough = set(prior.rough).intersection(known)
    for p in problem.relevant[c.spec] if not exact else []:  # what it replaces, it serves alike: at most as well
        fp = p.statement.fingerprint
        if fp in run.now and fp not in known and any(problem.coster.uses_alike(p, c, x) for x in replaced):
            known[fp] = run.now[fp]
            rough.add(fp)
    todo = [p for p in problem.relevant[c.spec] if p.statement.fingerprint in run.now and p.statement.fingerprint not in known]
    if problem.planner:  # (not those a replaced index serves: they can lose what it gave them)
        exposed = {p.statement.fingerprint for x in replaced for p in problem.relevant.get(x.spec, [])}
        known.update(_negligible(problem, run, [p.statement.fingerprint for p in todo if p.statement.fingerprint not in exposed],
                                 grown=candidate not in problem.pool))
    todo = [p for p in todo if p.statement.fingerprint not in known]
    stand_in = {p.statement.fingerprint: c if exact else _stand_in(problem, p, c) for p in todo}
    prefetch(problem.coster, [(p, _with(problem, p, kept, [stand_in[p.statement.fingerprint]])) for p in todo])
    for p in todo:
        fp = p.statement.fingerprint
        if stand_in[fp] is not c:
            known[fp] = problem.coster.statement_cost(p, _with(problem, p, kept, [stand_in[fp]]))
            rough.add(fp)
    per, gain, costs = savings(problem, run, problem.relevant[c.spec], kept, [c], known, losses=bool(replaced))
    problem.gains.setdefault(candidate.spec, []).append((frozenset(x.spec for x in run.chosen), max(gain, 0.0)))
    if gain <= 0:
        return None
    wcost = 0.0
    if problem.options.write_cost:
        wcost = write_cost(c, problem.writes, problem.catalog, replaces=bool(replaced)) * problem.ms_per_unit
    return Evaluation(c, replaced, per, gain, wcost, size, costs, run.takes, frozenset(rough))


def _stand_in(problem: Problem, p: ParsedStatement, c: Candidate) -> Candidate:
    """What the statement is costed with for candidate c: c without its INCLUDE columns where the
    statement uses c only as it would use that (it cannot read all it needs from c: no index-only
    scan), as a replaced index is taken at the cost with its replacement (evaluate); else c. Only
    with the planner, where a cost is a what-if call: the statistics model prices c as cheaply."""
    if not c.include or not problem.planner:
        return c
    plain = problem.plain.get(c.spec)
    if plain is None:
        plain = problem.plain[c.spec] = Candidate(c.schema, c.table, c.keys, [], c.where, c.method, c.statements)
    return plain if problem.coster.uses_alike(p, c, plain) else c


def _negligible(problem: Problem, run: Run, fingerprints: list[str], grown: bool) -> dict[str, float]:
    """With the planner, the statements not worth a what-if call for this candidate, at their cost
    now: the least they could gain (their cost now above their ideal) first, while it sums to under
    NEGLIGIBLE of the lowest floor the run can have (_lowest_floor): together they cannot lift an
    index over the floor at any point of the run, or change which of two is better by more than
    that, and the set's costs are re-costed whole at the end (final_costs). (A share of the floor
    now was too much early on, when the floor is high: a partial index that pays off once the big
    statements are served was evaluated at nothing and left the run.) The ideal (every pool
    candidate offered, screen.py) bounds what a pool candidate can do; a grown one may do better,
    so for it a statement's whole cost counts. TPC-H at 2 GB: half of the calls went to statements
    within 0.1% of the workload's cost of their ideal, and found next to nothing there."""
    spare = NEGLIGIBLE * _lowest_floor(problem, run)

    def most(fp: str) -> float:
        return problem.weight[fp] * max(0.0, run.now[fp] - (0.0 if grown else problem.ideal.get(fp, 0.0)))

    out: dict[str, float] = {}
    for fp in sorted(fingerprints, key=most):
        m = most(fp)
        if m > 0 and m >= spare:
            break
        spare -= m
        out[fp] = run.now[fp]
    return out


def _lowest_floor(problem: Problem, run: Run) -> float:
    """The floor is a share (--min-improvement) of the workload's cost at the time; it is never
    below that share of the cost with every statement at its ideal."""
    return problem.options.min_improvement * sum(problem.weight[fp] * problem.ideal.get(fp, 0.0) for fp in run.now)


def savings(problem: Problem, run: Run, statements: Iterable[ParsedStatement], kept: list[Candidate],
            added: list[Candidate], known: dict[str, float | None] | None = None, losses: bool = False,
            ) -> tuple[dict[str, tuple[float, float]], float, dict[str, float | None]]:
    """The statements the added indexes make cheaper, next to `kept`: fingerprint -> (cost now,
    cost with them), the weighted gain, and every statement's cost with them (None: not costed);
    `known` costs are taken as they are. With `losses` (the added indexes replace chosen ones,
    whose statements can cost more on the wider index) the statements made dearer count against
    the gain. Not beside the set: a statement whose plan a new index would turn to a LIMIT's early
    stop (dearer where rows cluster) is most often served by an index of its own later, and a
    candidate that saves nothing now leaves the run (saas: `events ("createdAt")` made the tenant
    feed dearer until `("tenantId", "createdAt" DESC)` was taken, and was lost for its own report)."""
    per: dict[str, tuple[float, float]] = {}
    costs: dict[str, float | None] = {}
    lost = 0.0
    for p in statements:
        fp = p.statement.fingerprint
        if fp not in run.now:
            continue
        new = known[fp] if known and fp in known else problem.coster.statement_cost(p, _with(problem, p, kept, added))
        costs[fp] = new
        if new is not None and new < run.now[fp]:
            per[fp] = (run.now[fp], new)
        elif losses and new is not None and new > run.now[fp]:
            lost += problem.weight[fp] * (new - run.now[fp])
    return per, sum(problem.weight[fp] * (now - new) for fp, (now, new) in per.items()) - lost, costs


def _with(problem: Problem, p: ParsedStatement, kept: list[Candidate], added: list[Candidate]) -> list[Candidate]:
    """The configuration a statement is costed with for indexes added to those kept: the kept ones
    it may use, and the added ones as it may use them (Problem.on_tables)."""
    fp = p.statement.fingerprint
    return problem.config_for(fp, kept) + [y for a in added for y in problem.on_tables(fp, a)]


def _take(problem: Problem, run: Run, ev: Evaluation) -> None:
    """Add the evaluated index to the run, dropping what it replaces."""
    for x in ev.replaced:
        run.chosen.remove(x)
        run.results = [r for r in run.results if r.candidate.spec != x.spec]
    run.chosen.append(ev.candidate)
    run.used += ev.size
    run.takes += 1
    for x in [ev.candidate] + ev.replaced:
        for p in problem.relevant[x.spec]:
            run.changed[p.statement.fingerprint] = run.takes
    for fp, (_, new) in ev.per.items():
        run.now[fp] = new
    for x in ev.replaced:  # a statement the replaced index served may cost more on its replacement
        for p in problem.relevant[x.spec]:
            cost = ev.costs.get(p.statement.fingerprint)
            if cost is not None and cost > run.now.get(p.statement.fingerprint, cost):
                run.now[p.statement.fingerprint] = cost
    run.results.append(describe(problem, ev.candidate, ev.per, ev.gain, ev.write_cost, problem.sizes[ev.candidate.spec]))


def _grow(problem: Problem, ev: Evaluation) -> list[tuple[Candidate, int]]:
    """With the planner, the wider candidates grown from a chosen one, registered in the
    problem, each with its place in the heap's order (after everything sized before it): those an
    earlier run grew from it (extensions() grows each once) and any new ones. A run from nothing
    (the per-byte order after the benefit one) is offered an extension only once it takes its
    parent, as the first run was: offered every extension the first run had grown, it asked the
    planner about wider forms of indexes it never took (TPC-H SF1 at 1 GB: 147 -> 72 EXPLAINs,
    the same set). A run from a set (a refill, the curve) is offered them all (_bounds)."""
    if not problem.planner:
        return []
    children = problem.children.setdefault(ev.candidate.spec, [])
    for ext in extensions(ev.candidate, ev.per, problem.relevant[ev.candidate.spec], problem.origins, problem.catalog, problem.options.max_width):
        problem.relevant[ext.spec] = relevant_statements(ext, problem.by_column, problem.catalog, broad=True)
        problem.coster.sizes([ext])
        problem.sizes[ext.spec] = problem.coster.size(ext) or 0
        problem.grown[ext.spec] = (ext, len(problem.sizes))
        children.append(ext.spec)
    return [problem.grown[spec] for spec in children]


def final_costs(problem: Problem, chosen: list[Candidate]) -> dict[str, float]:
    """Every statement on a chosen index's table, re-costed with the whole set."""
    final = dict(problem.base)
    touched = {f"{c.schema}.{c.table}" for c in chosen}
    prefetch(problem.coster, [(p, problem.config_for(p.statement.fingerprint, chosen)) for t in sorted(touched)
                              for p in problem.statements_on(t) if p.statement.fingerprint in problem.base])
    for t in touched:
        for p in problem.statements_on(t):
            fp = p.statement.fingerprint
            if fp not in problem.base:
                continue
            cost = problem.coster.statement_cost(p, problem.config_for(fp, chosen))
            if cost is not None:
                final[fp] = min(cost, problem.base[fp])
    return final


def outcome(problem: Problem, run: Run) -> Outcome:
    """A run's result, judged by the weighted workload cost with its whole set."""
    final = final_costs(problem, run.chosen)
    return Outcome(problem.workload_cost(final), run.chosen, run.results, final)
