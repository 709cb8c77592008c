"""Expression indexes: index the expression a query filters on, exactly as it writes it.

`WHERE lower(email) = $1`, `WHERE data->>'plan' = $1`, `WHERE (data->'a'->>'b') = $1`,
`WHERE created_at::date = $1`, `WHERE date_trunc('day', ts) = $1`: a B-tree on the
column cannot serve any of them, an index on the expression can, when

- the expression is IMMUTABLE (pg/exprtext.immutability_problem): date_trunc,
  extract or a cast to date of a timestamptz, and text to date/time casts, depend
  on session settings, and PostgreSQL refuses to index them; the report says how
  to rewrite the query instead of proposing an index that cannot be built;
- no existing index already has it.

The key is the expression's text as the query writes it (the planner matches by
the parsed expression, constants included). Equality columns of the same query
go first, as for any B-tree, so `tenant_id = $1 AND lower(email) = $2` gets
(tenant_id, lower(email)).

HypoPG keeps no statistics for a hypothetical expression index, so the planner
prices it with default selectivities (0.5% of the rows for `=`): for a selective
expression (lower(email) is as unique as email) the real gain is larger than the
estimate. The proposal says so rather than being dropped for it; once built,
ANALYZE gathers the expression's own statistics.
"""

from __future__ import annotations

from dataclasses import replace

from indexadvisor.candidates.kinds.base import Ask, Context, Extra
from indexadvisor.candidates.requirements import requirement_for, variants
from indexadvisor.candidates.serve import match
from indexadvisor.model import Candidate, IndexKey, Predicate, PredKind, Table, TableAccess
from indexadvisor.pg import exprtext

_KINDS = (PredKind.EQ, PredKind.IN, PredKind.RANGE, PredKind.LIKE_PREFIX)

KIND = "expression"


def indexable(access: TableAccess, table: Table | None) -> tuple[TableAccess, list[Predicate], list[str]]:
    """The access keeping only the expression filters that can be indexed; those filters; notes on the others."""
    notes: list[str] = []
    keep: list[Predicate] = []

    def column_type(name: str) -> str | None:
        column = table.columns.get(name) if table is not None else None
        return column.type if column is not None else None

    for p in access.predicates:
        if p.expression is None:
            keep.append(p)
            continue
        if p.kind not in _KINDS:
            keep.append(p)  # a GIN operator on an expression: gin.py's business
            continue
        node = exprtext.parse_expression(p.expression)
        problem = "it cannot be parsed back" if node is None else exprtext.immutability_problem(node, column_type)
        if problem:
            note = f"no expression index on {p.expression}: {problem}"
            if note not in notes:
                notes.append(note)
        else:
            keep.append(p)
    kept = [p for p in keep if p.expression is not None and p.kind in _KINDS]
    return replace(access, predicates=keep), kept, notes


def why(exprs: list[str], planner: bool) -> str:
    text = (f"the statement filters on {', '.join(exprs)}, which no index on the plain column can serve: "
            "the key is the expression exactly as the query writes it")
    if planner:
        text += ("; HypoPG keeps no statistics for a hypothetical expression index, so the planner assumes its "
                 "default selectivity: where the column's statistics tell (lower(), upper(), trim() of a column), "
                 "the cost is corrected by them and the statement's note says so, else the estimated gain is likely "
                 "an understatement (after CREATE INDEX, ANALYZE gathers the expression's statistics)")
    else:
        text += "; its selectivity is estimated from the column's statistics where the expression keeps values apart, else the planner's default"
    return text


def propose(ctx: Context, ask: Ask, out: Extra) -> None:
    """An index on the expressions the access filters on, plain equality columns first."""
    access_e, preds, notes = indexable(ask.access, ask.table)
    out.notes += notes
    if not preds:
        return
    exprs = {q.column for q in preds}
    # plain equality columns first (they line up with the other statements' indexes), then expressions
    req = requirement_for(access_e, lambda ref: (ref in exprs,) + tuple(ask.rank(ref)), expressions=True, table=ask.table)
    if req is None or not req.exprs:
        return
    for index in ask.table.indexes if ask.table else []:
        if match(index, req, access_e).full:
            out.served_by.append(index.name)
            return
    refs = list(req.exprs)
    reason = why([req.exprs[r] for r in refs], ctx.planner)
    seen: list[list[IndexKey]] = []
    for keys in variants(req, ctx.max_width) + [[req.key(r)] for r in refs]:
        if keys in seen or not any(k.expression for k in keys):
            continue
        seen.append(keys)
        c = Candidate(ask.access.table.schema, ask.access.table.name, keys, kind="expression", why=reason)
        out.candidates.append((c, req))
