"""BRIN: a tiny index for range filters on a large table stored in the column's order.

A BRIN index keeps the minimum and maximum of each block range (128 pages); a
range filter reads only the block ranges that can match. That is as good as a
B-tree when the rows matching the range sit together on disk, which
pg_stats.correlation measures: near 1 (or -1) for append-only timestamps and
serial ids. The index is then hundreds to thousands of times smaller than the
B-tree, and cheap to maintain. BRIN is a candidate for the range column (offline
instead of the B-tree; with the planner beside it, chosen by cost, write cost and
size) when

- the table has at least BRIN_MIN_ROWS rows;
- |pg_stats.correlation| of the column is at least BRIN_MIN_CORRELATION;
- the access filters on a range of that column and nothing a B-tree would use
  first (no equality or IN column), and has no ORDER BY ... LIMIT (a B-tree
  delivers that order and stops early; BRIN cannot);
- the range is estimated to match at least one block range's worth of rows
  (below that, BRIN's granularity reads more than a B-tree would).

Both the planner and HypoPG price BRIN pessimistically (brincostestimate assumes
scattered heap reads), so its estimated gain understates it; the proposal shows
its size beside the B-tree alternative's, and the B-tree's planner cost.

Anti-pattern: a 20 GB B-tree on events(created_at) of an append-only table for
`WHERE created_at >= $1 AND created_at < $2`. Fix: `USING brin (created_at)`, a few hundred kB.
"""

from __future__ import annotations

from indexadvisor.candidates.kinds.base import Ask, Context, Extra
from indexadvisor.candidates.requirements import Requirement
from indexadvisor.model import Candidate, IndexKey, PredKind, Table, TableAccess
from indexadvisor.pg.selectivity import BRIN_MIN_CORRELATION, BRIN_PAGES_PER_RANGE, TableStats
from indexadvisor.pg.sizes import format_size

BRIN_MIN_ROWS = 100_000

KIND = "brin"


def column_for(access: TableAccess, table: Table | None, req: Requirement | None, model: TableStats) -> tuple[str | None, str | None]:
    """The column a BRIN index should serve for this access, and the evidence; (None, note or None) otherwise."""
    if req is None or not req.range or req.eq or req.in_after_sort or req.range in req.exprs:
        return None, None
    if req.range_like or (access.order_by and access.limit is not None):
        return None, None
    if table is None or not table.has_stats:
        return None, None
    rows = model.rows(table)
    if rows < BRIN_MIN_ROWS:
        return None, None
    column = table.columns.get(req.range)
    stats = column.stats if column is not None else None
    if stats is None or stats.correlation is None:
        return None, None
    corr = stats.correlation
    if abs(corr) < BRIN_MIN_CORRELATION:
        return None, (f"no BRIN on {req.range}: its physical correlation is {corr:.2f} (pg_stats.correlation; BRIN "
                      f"needs at least {BRIN_MIN_CORRELATION} to skip block ranges), so a B-tree serves the range")
    used = [p for p in access.predicates if p.column == req.range and p.kind == PredKind.RANGE]
    sel = model.combined_selectivity(table, used)
    per_range = rows / model.pages(table) * BRIN_PAGES_PER_RANGE
    if rows * sel < per_range:
        return None, None
    evidence = (f"range filter on {req.range} of a table of {rows:,.0f} rows whose physical order follows it "
                f"(pg_stats.correlation {corr:.3f}), so the matching rows sit in few of its "
                f"{model.pages(table) / BRIN_PAGES_PER_RANGE:,.0f} block ranges of {BRIN_PAGES_PER_RANGE} pages")
    return req.range, evidence


def propose(ctx: Context, ask: Ask, out: Extra) -> None:
    """BRIN instead of the B-tree on a correlated range column (not where a partial index serves)."""
    if ask.existing is not None or out.partials or ask.req is None:
        return
    access = ask.access
    column, proof = column_for(access, ask.table, ask.req, ctx.model)
    if column is None:
        if proof:
            out.notes.append(proof)
        return
    c = Candidate(access.table.schema, access.table.name, [IndexKey(column)], method="brin", kind="brin")
    alternative = Candidate(access.table.schema, access.table.name, [IndexKey(column)])
    size, alt_size = ctx.pricer.size(c), ctx.pricer.size(alternative)
    why = f"{proof}; a BRIN index is {format_size(size)} against {format_size(alt_size)} for the B-tree ({column})"
    if ctx.planner:
        mine = ctx.pricer.statement_cost(ask.statement, [c])
        theirs = ctx.pricer.statement_cost(ask.statement, [alternative])
        if mine is not None and theirs is not None:
            why += (f"; the planner prices it at {mine:,.0f} per call against {theirs:,.0f} for the B-tree, "
                    "but prices BRIN pessimistically (real and hypothetical alike), so the gain is understated")
    c.why = why
    out.candidates.append((c, ask.req))
    ctx.brin_columns.add((str(access.table), column))
    # offline, BRIN is proposed instead of the B-tree; with the planner the two compete (the
    # screen keeps BRIN beside the B-tree where size or writes count: select/screen.py)
    out.supersede_plain = not ctx.planner
