"""GIN proposals for jsonb and arrays (and what the trigram kind shares with them).

- `LIKE '%abc%'`, `ILIKE '%abc%'` and `ILIKE 'abc%'` cannot use a B-tree (a
  pattern opclass serves only a case-sensitive prefix): a GIN index with
  `gin_trgm_ops` can, when the pattern has at least three characters in a row
  (a trigram); the pg_trgm extension must be installed (`CREATE EXTENSION pg_trgm`),
  or the DDL fails. A parameter pattern (`LIKE $1`) is taken as a search, and
  the proposal says that a prefix-only search would be better served by a
  B-tree with text_pattern_ops.
- jsonb `@>`, `?`, `?|`, `?&`: a GIN index on the column; with `jsonb_path_ops`
  (smaller and faster) when the workload only ever uses `@>` on it, since that
  operator class has no key-existence operators. A json (not jsonb) column has
  no GIN operator class: the report says to use jsonb.
- arrays `@>`, `<@`, `&&`: a GIN index on the column (the default array_ops).
- full-text search, `document @@ query`: a GIN index on the tsvector column, or on the
  document expression as the query writes it (`to_tsvector('english', body)`, which needs
  its configuration spelled out to be IMMUTABLE).
  `value = ANY(tags)` cannot use any index as written; the proposal says to
  write it `tags @> ARRAY[value]`, which this index serves.

HypoPG cannot create hypothetical GIN indexes, so none of these is planner-costed:
they are chosen after the greedy by the rules in select/gin.py, from the operator and
the table's statistics.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from indexadvisor.candidates.kinds.base import Ask, Context, Extra, Found
from indexadvisor.candidates.serve import ARRAY_OPS, GIN_KINDS, JSONB_OPS, TSVECTOR_OPS, served_predicates
from indexadvisor.model import (
    Candidate,
    IndexKey,
    Predicate,
    PredKind,
    Table,
    TableAccess,
)
from indexadvisor.pg import exprtext
from indexadvisor.pg import types as T
from indexadvisor.pg.exprtext import parse_expression

OPS_TEXT = {
    PredKind.CONTAINS: "@>", PredKind.CONTAINED: "<@", PredKind.OVERLAPS: "&&", PredKind.HAS_KEY: "?",
    PredKind.HAS_ANY_KEY: "?|", PredKind.HAS_ALL_KEYS: "?&", PredKind.ANY_ELEMENT: "= ANY",
    PredKind.LIKE: "LIKE", PredKind.ILIKE: "ILIKE", PredKind.MATCHES: "@@",
}

KIND = "gin"


def unquote(constant: str) -> str:
    if len(constant) >= 2 and constant[0] == "'" and constant[-1] == "'":
        return constant[1:-1].replace("''", "'")
    return constant


def key_for(pred: Predicate, opclass: str | None) -> IndexKey:
    if pred.expression is not None:
        return IndexKey(None, expression=pred.expression, opclass=opclass)
    return IndexKey(pred.column, opclass=opclass)


def operand_type(table: Table | None, pred: Predicate) -> str | None:
    """The SQL type of the searched operand, where evident."""
    if pred.expression is not None:
        node = parse_expression(pred.expression)
        if isinstance(node, (exp.JSONExtract, exp.JSONBExtract)):
            return "jsonb"
        if isinstance(node, (exp.JSONExtractScalar, exp.JSONBExtractScalar, exp.Lower, exp.Upper, exp.Trim)):
            return "text"
        return None
    column = table.columns.get(pred.column) if table is not None else None
    return column.type if column is not None else None


def immutability(pred: Predicate, table: Table | None) -> str | None:
    """Why an expression operand cannot be indexed (None for a column, or an IMMUTABLE expression)."""
    if pred.expression is None:
        return None
    node = exprtext.parse_expression(pred.expression)
    if node is None:
        return "it cannot be parsed back"

    def column_type(name: str) -> str | None:
        column = table.columns.get(name) if table is not None else None
        return column.type if column is not None else None

    return exprtext.immutability_problem(node, column_type)


def containment(access: TableAccess, table: Table | None, workload_ops: dict[tuple[str, str], set[PredKind]]
                ) -> tuple[Found, list[str]]:
    """GIN candidates for jsonb and array operators. workload_ops: (table, ref) -> every operator the workload uses on it."""
    out: Found = []
    notes: list[str] = []
    by_ref: dict[str, list[Predicate]] = {}
    for p in access.predicates:
        if p.kind in JSONB_OPS | ARRAY_OPS | TSVECTOR_OPS or p.kind == PredKind.ANY_ELEMENT:
            by_ref.setdefault(p.column, []).append(p)
    for ref, preds in by_ref.items():
        first = preds[0]
        name = first.expression or first.column
        problem = immutability(first, table)
        if problem:
            notes.append(f"no GIN index on {name}: {problem}")
            continue
        if first.kind == PredKind.MATCHES:
            why = f"{name} is searched with @@ (full-text search), which no B-tree serves; a GIN index (tsvector_ops) answers it"
            c = Candidate(access.table.schema, access.table.name, [key_for(first, None)], method="gin", kind="gin", why=why)
            out.append((c, preds))
            continue
        kind = operand_type(table, first)
        kinds = {p.kind for p in preds}
        if kind is None:  # no catalog type: tell jsonb from arrays by the operators
            if kinds & {PredKind.HAS_KEY, PredKind.HAS_ANY_KEY, PredKind.HAS_ALL_KEYS}:
                kind = "jsonb"
            elif kinds & {PredKind.OVERLAPS, PredKind.ANY_ELEMENT, PredKind.CONTAINED}:
                kind = "unknown[]"
            elif any((p.constant or "").lstrip("'").startswith(("{\"", "[")) for p in preds):
                kind = "jsonb"
            else:
                continue
        if T.is_json(kind):
            notes.append(f"no GIN index on {name}: json has no GIN operator class; jsonb does (ALTER the column to jsonb)")
            continue
        ops_here = sorted({OPS_TEXT[k] for k in kinds})
        if T.is_jsonb(kind):
            everywhere = workload_ops.get((str(access.table), ref), kinds)
            if not (everywhere & JSONB_OPS):
                continue
            path = everywhere <= {PredKind.CONTAINS}
            opclass = "jsonb_path_ops" if path else None
            why = (f"{name} is searched with {', '.join(ops_here)}, jsonb operators no B-tree serves; a GIN index answers them")
            why += ("; the workload only ever uses @> on it, so jsonb_path_ops (smaller and faster for @>, "
                    "without the key-existence operators)" if path else
                    "; the default jsonb_ops, since the workload also tests keys (?, ?|, ?&), which jsonb_path_ops cannot")
        elif T.is_array(kind):
            opclass = None
            why = f"{name} (an array) is searched with {', '.join(ops_here)}; a GIN index (array_ops) answers @>, <@ and &&"
            if PredKind.ANY_ELEMENT in kinds:
                why += (f"; `value = ANY({name})` cannot use any index as written: write it `{name} @> ARRAY[value]` "
                        "(the same rows for a non-null value) and this index serves it")
                notes.append(f"= ANY({name}) cannot use an index: write it as {name} @> ARRAY[value] to use the proposed GIN index")
        else:
            continue
        c = Candidate(access.table.schema, access.table.name, [key_for(first, opclass)], method="gin", kind="gin", why=why)
        out.append((c, preds))
    return out, notes


def as_rewritten(access: TableAccess) -> TableAccess:
    """The access with `value = ANY(col)` written as `col @> ARRAY[value]`, as the GIN proposal asks."""
    if not any(p.kind == PredKind.ANY_ELEMENT for p in access.predicates):
        return access
    preds = [replace(p, kind=PredKind.CONTAINS) if p.kind == PredKind.ANY_ELEMENT else p for p in access.predicates]
    return replace(access, predicates=preds)


def propose(ctx: Context, ask: Ask, out: Extra) -> None:
    """GIN indexes for the access's jsonb and array operators."""
    found, notes = containment(ask.access, ask.table, ctx.workload_ops)
    out.notes += notes
    pool_found(ctx, ask, found, out)


def pool_found(ctx: Context, ask: Ask, found: Found, out: Extra) -> None:
    """Add GIN candidates to the workload's GIN pool (chosen after the greedy), unless an
    existing GIN index already answers the same operators."""
    rewritten = as_rewritten(ask.access)
    indexes = ask.table.indexes if ask.table else []
    for c, preds in found:
        wanted = {q for q in rewritten.predicates if q.column == preds[0].column and q.kind in GIN_KINDS}
        served = next((i for i in indexes if i.method == "gin" and set(served_predicates(i, rewritten, ask.table)) >= wanted), None)
        if served is not None:
            out.served_by.append(served.name)
            continue
        home = ctx.gin_pool.setdefault(c.spec, (c, []))
        if all(a is not ask.access for _, a in home[1]):
            home[1].append((ask.statement, ask.access))
        if ask.statement.statement.fingerprint not in home[0].statements:
            home[0].statements.append(ask.statement.statement.fingerprint)
