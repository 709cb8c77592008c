"""The rule-based choice of GIN indexes, after the greedy has chosen the B-trees and BRINs.

HypoPG cannot create a hypothetical GIN index, so the planner cannot price one.
Each GIN candidate (trigram, jsonb, array) is instead priced by the offline
statistics model (costing/model.py: a bitmap scan of the rows its operator
matches, with the planner's default selectivities for those operators) against
the statements' cost with the existing indexes plus everything already chosen,
in the same model, so a statement the chosen B-trees already serve gains little.
A GIN index is proposed when

- it makes a statement cheaper by costing.stats.min_gain (2x, 1.5x with pg_stats) in that model, on a table
  that is not tiny;
- its weighted gain minus its write cost (economics.GIN_WRITE_FACTOR times a
  B-tree's: a row adds one entry per trigram, key or element) is positive and at
  least --min-improvement of the workload's cost in the same model;
- --max-indexes and --budget still allow it (best net benefit first).

Its estimate says `statistics` (or `rules` without statistics), never `planner`,
and its reason says it is not planner-costed. With planner costing the report's
workload cost after does not include these savings (they are in other units);
offline it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from indexadvisor.candidates import serve
from indexadvisor.candidates.kinds import gin, label
from indexadvisor.costing.stats import StatsCoster
from indexadvisor.model import Candidate, IndexDef, ParsedStatement, PredKind, Statement, TableAccess
from indexadvisor.pg.sql import qualified, quote_ident
from indexadvisor.select.economics import GIN_WRITE_FACTOR, ms_per_unit, weights, write_cost
from indexadvisor.select.options import SelectionOptions
from indexadvisor.select.pool import Rank
from indexadvisor.select.reasons import estimate_for, note
from indexadvisor.select.state import Advice, Chosen, Evaluation, Problem

Served = list[tuple[ParsedStatement, TableAccess]]


@dataclass
class _Market:
    """The GIN choice's own measure: the statistics model's costs with what is chosen so far."""

    problem: Problem
    stats: StatsCoster
    chosen: list[Candidate]  # the greedy's set, then the GIN indexes picked
    rewritten: dict[int, ParsedStatement]  # id(statement) -> its `= ANY(col)` filters as `col @> ARRAY[...]`
    base: dict[str, float] = field(default_factory=dict)
    weight: dict[str, float] = field(default_factory=dict)
    ms_per_unit: float = 1.0

    def cost(self, p: ParsedStatement, extra: list[Candidate]) -> float:
        config = self.problem.config_for(p.statement.fingerprint, self.chosen + extra)
        return self.stats.statement_cost(self.rewritten[id(p)] if extra else p, config) or 0.0


def choose(problem: Problem, advice: Advice, pool: dict[IndexDef, tuple[Candidate, Served]], rank: Rank) -> None:
    """Append the GIN proposals that pay to advice.chosen, best first."""
    if not pool:
        return
    opts = problem.options
    stats = StatsCoster(problem.catalog, rank, problem.model)
    rewritten = {id(p): replace(p, accesses=[gin.as_rewritten(a) for a in p.accesses]) for p in problem.parsed}
    for _, served in pool.values():
        for p, access in served:
            _planner_rows(problem, stats, p, access, rewritten[id(p)])
    market = _Market(problem, stats, [r.candidate for r in advice.chosen], rewritten)
    market.base = {p.statement.fingerprint: market.cost(p, []) for p in problem.parsed if problem.tables_of[p.statement.fingerprint]}
    market.weight = weights(problem.parsed, market.base, opts)
    market.ms_per_unit = ms_per_unit(problem.parsed, market.base, opts)
    floor = opts.min_improvement * sum(market.weight[fp] * c for fp, c in market.base.items())
    used = sum((r.estimate.size_bytes or 0) for r in advice.chosen)
    remaining = {c.spec: (c, served) for c, served in pool.values()}
    while remaining:
        offer = _best(market, advice, remaining)
        if offer is None:
            break
        del remaining[offer.candidate.spec]
        take, why, stop = _verdict(offer, opts, floor, len(advice.chosen), used)
        for fp in offer.per if why else ():
            note(advice.notes, fp, f"{label(offer.candidate.kind)} on {offer.candidate.table} "
                                   f"({offer.candidate.keys[0].text}) {why}")
        if stop:
            break
        if not take:
            continue
        market.chosen.append(offer.candidate)
        used += offer.size
        advice.chosen.append(_chosen(problem, offer, market.weight, stats))
        _account(problem, advice, offer, market.weight)


def _best(market: _Market, advice: Advice, remaining: dict[IndexDef, tuple[Candidate, Served]]) -> Evaluation | None:
    """The remaining candidate with the best net benefit (per byte under a budget); candidates
    that would make no statement cheaper get a note saying so."""
    best: tuple[float, Evaluation] | None = None
    for c, served in remaining.values():
        per: dict[str, tuple[float, float]] = {}
        gain = 0.0
        for p in {id(p): p for p, _ in served}.values():
            fp = p.statement.fingerprint
            if fp not in market.base:
                continue
            before, after = market.cost(p, []), market.cost(p, [c])
            if after < before:  # the model counts an index only where it is min_gain times cheaper
                per[fp] = (before, after)
                gain += market.weight[fp] * (before - after)
        if not per:
            _no_gain_notes(market.problem, advice, c, served, market.stats)
            continue
        opts = market.problem.options
        wcost = write_cost(c, market.problem.writes, market.problem.catalog) * market.ms_per_unit if opts.write_cost else 0.0
        offer = Evaluation(c, [], per, gain, wcost, market.stats.size(c) or 0)  # what the greedy weighs, too
        score = offer.score(opts.budget_bytes is not None)
        if best is None or score > best[0]:
            best = (score, offer)
    return best[1] if best else None


def _verdict(offer: Evaluation, opts: SelectionOptions, floor: float, count: int, used: int) -> tuple[bool, str | None, bool]:
    """Whether the offer is taken; else the note for its statements (None: none) and whether
    the choice stops there (--max-indexes reached)."""
    if offer.net <= 0:
        return False, None, False
    if offer.net < floor:
        return False, "saves less than --min-improvement of the workload: not proposed", False
    if opts.max_indexes is not None and count >= opts.max_indexes:
        return False, "would pay, but --max-indexes is reached", True
    if not opts.fits(used, offer.size):
        return False, "would pay, but does not fit --budget", False
    return True, None, False


def _account(problem: Problem, advice: Advice, offer: Evaluation, weight: dict[str, float]) -> None:
    """Offline, the GIN index's savings go into the workload's cost after; with the planner they
    are in other units, and the statements say so."""
    for fp, (_, after) in offer.per.items():
        if problem.planner:
            note(advice.notes, fp, f"the {label(offer.candidate.kind)} proposed for it is not planner-costed (HypoPG cannot "
                                   "create GIN indexes): its gain is not in the planner cost after")
        elif fp in advice.costs:
            before_all, now = advice.costs[fp]
            if after < now:
                advice.workload_after -= weight[fp] * (now - after)
                advice.costs[fp] = (before_all, after)


def _no_gain_notes(problem: Problem, advice: Advice, c: Candidate, served: Served, stats: StatsCoster) -> None:
    """Say why a GIN-kind index that a statement asked for is not proposed: it would not
    make the statement cheaper, with the rows its filter is expected to match."""
    table = problem.catalog.tables.get(f"{c.schema}.{c.table}")
    total = table.row_estimate if table is not None and table.has_stats else None
    for p, access in served:
        rows = stats.matched_rows.get(id(access))
        expected = (f": the filter is expected to match {rows:,.0f} of {total:,.0f} rows"
                    if rows is not None and total else "")
        other = any(q.kind not in serve.GIN_KINDS for q in access.predicates)
        note(advice.notes, p.statement.fingerprint,
             f"{label(c.kind)} on {c.table} ({c.keys[0].text}) not proposed: it would not make the statement "
             f"cheaper{expected}, so {'its other filters (an index on them, or a scan) stay' if other else 'a scan of the table stays'} "
             "the better plan")


def _planner_rows(problem: Problem, stats: StatsCoster, p: ParsedStatement, access: TableAccess,
                  rewritten: ParsedStatement) -> None:
    """The rows the access's GIN filters match, by the coster's own estimate where it has one (the
    planner's, from pg_stats and its selectivity functions for the operator: `subject ILIKE
    '%printer%'` by the column's histogram, where the model's default is a few rows): the
    statement's scan when it filters on nothing else, else its GIN filters alone."""
    if any(q.kind == PredKind.ANY_ELEMENT for q in access.predicates):
        return  # an operator the rewrite changes: the scan's rows are not the index's
    if problem.catalog.tables.get(str(access.table)) is None:
        return
    asked = p if all(q.kind in serve.GIN_KINDS for q in access.predicates) else _filters_alone(p, access)
    if asked is None:
        return
    rows = problem.coster.scan_rows(asked).get(access.table.name)
    if rows is None:
        return
    stats.matched_rows[id(access)] = rows
    for a in rewritten.accesses:
        if a.table == access.table:
            stats.matched_rows[id(a)] = rows


# written otherwise than `column operator literal` (`$1 = ANY(tags)`; a tsquery built by a function)
_NOT_INFIX = frozenset({PredKind.ANY_ELEMENT, PredKind.MATCHES})


def _filters_alone(p: ParsedStatement, access: TableAccess) -> ParsedStatement | None:
    """A statement of the access's GIN filters alone on its table, for the planner's row estimate
    of what a GIN index would return; None unless each is a column against a literal (a parameter
    gets the planner's default selectivity, which the model has too)."""
    preds = [q for q in access.predicates if q.kind in serve.GIN_KINDS]
    if not preds or any(q.kind not in gin.OPS_TEXT or q.kind in _NOT_INFIX or q.expression is not None or q.constant is None for q in preds):
        return None
    where = " AND ".join(f"{quote_ident(q.column)} {gin.OPS_TEXT[q.kind]} {q.constant}" for q in preds)
    sql = f"SELECT 1 FROM {qualified(access.table.schema, access.table.name)} WHERE {where}"
    statement = Statement(f"{p.statement.fingerprint}:gin:{access.table}", sql, p.statement.source, p.statement.line)
    return ParsedStatement(statement, [TableAccess(access.table, preds)])


def _chosen(problem: Problem, offer: Evaluation, weight: dict[str, float], stats: StatsCoster) -> Chosen:
    c = offer.candidate
    table = problem.catalog.tables.get(f"{c.schema}.{c.table}")
    method = "statistics" if table is not None and table.has_stats else "rules"
    estimate = estimate_for(method, offer.per, weight, offer.gain, offer.write_cost, offer.size)
    helps = estimate.helps
    rows = table.row_estimate if table is not None and table.has_stats else None
    reason = f"{label(c.kind)}: {c.why}"
    if len(helps) > 1:
        reason += f"; serves {len(helps)} statement shapes"
    top = helps[0]
    source = ("the planner's row estimate for the filter (from pg_stats)" if problem.planner else
              "the operator's selectivity (pg_stats most-common values where they tell, else the planner's default)")
    reason += (f"; not planner-costed (HypoPG cannot create a hypothetical GIN index): estimated by the statistics "
               f"model from {source} and the table's size"
               + (f" ({rows:,.0f} rows)" if rows else "")
               + f", cost per call {top.cost_before:,.1f} -> {top.cost_after:,.1f}"
               + (" in the statistics model's units, not the planner's" if problem.planner else ""))
    if offer.write_cost:
        reason += (f"; write cost {offer.write_cost:,.0f} charged ({GIN_WRITE_FACTOR:g}x a B-tree's: one entry per "
                   "trigram, key or element)")
    return Chosen(c, estimate, [h.fingerprint for h in helps], reason, c.kind, c.why)
