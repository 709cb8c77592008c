"""GIN proposals: trigram search, jsonb and arrays.

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
  `value = ANY(tags)` cannot use any index as written; the proposal says to
  write it `tags @> ARRAY[value]`, which this index serves.

HypoPG cannot create hypothetical GIN indexes, so none of these is planner-costed:
they are chosen after the greedy by the rules in rules.py, from the operator and
the table's statistics.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from indexadvisor.candidates.serve import ARRAY_OPS, JSONB_OPS
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

TRGM_MIN_RUN = 3  # pg_trgm extracts nothing useful from fewer characters in a row
_OPS_TEXT = {
    PredKind.CONTAINS: "@>", PredKind.CONTAINED: "<@", PredKind.OVERLAPS: "&&", PredKind.HAS_KEY: "?",
    PredKind.HAS_ANY_KEY: "?|", PredKind.HAS_ALL_KEYS: "?&", PredKind.ANY_ELEMENT: "= ANY",
    PredKind.LIKE: "LIKE", PredKind.ILIKE: "ILIKE",
}


def longest_run(pattern: str) -> int:
    """Longest run of characters that are not LIKE wildcards."""
    best = run = 0
    escaped = False
    for ch in pattern:
        if escaped:
            run += 1
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "%_":
            run = 0
        else:
            run += 1
        best = max(best, run)
    return best


def _unquote(constant: str) -> str:
    if len(constant) >= 2 and constant[0] == "'" and constant[-1] == "'":
        return constant[1:-1].replace("''", "'")
    return constant


def _key(pred: Predicate, opclass: str | None) -> IndexKey:
    if pred.expression is not None:
        return IndexKey(None, expression=pred.expression, opclass=opclass)
    return IndexKey(pred.column, opclass=opclass)


def _type(table: Table | None, pred: Predicate) -> str | None:
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


def _immutability(pred: Predicate, table: Table | None) -> str | None:
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


def trigram(access: TableAccess, table: Table | None) -> tuple[list[tuple[Candidate, list[Predicate]]], list[str]]:
    """GIN gin_trgm_ops candidates for the access's LIKE/ILIKE searches."""
    out: list[tuple[Candidate, list[Predicate]]] = []
    notes: list[str] = []
    by_ref: dict[str, list[Predicate]] = {}
    for p in access.predicates:
        if p.kind not in (PredKind.LIKE, PredKind.ILIKE):
            continue
        kind = _type(table, p)
        if kind is not None and not T.is_textual(kind) and p.expression is None:
            continue
        if p.constant is not None and longest_run(_unquote(p.constant)) < TRGM_MIN_RUN:
            notes.append(f"no trigram index for {p.expression or p.column} {_OPS_TEXT[p.kind]} {p.constant}: "
                         f"the pattern has fewer than {TRGM_MIN_RUN} characters in a row, so pg_trgm cannot narrow the search")
            continue
        by_ref.setdefault(p.column, []).append(p)
    for preds in by_ref.values():
        first = preds[0]
        problem = _immutability(first, table)
        if problem:
            notes.append(f"no trigram index on {first.expression}: {problem}")
            continue
        c = Candidate(access.table.schema, access.table.name, [_key(first, "gin_trgm_ops")], method="gin", kind="trigram")
        ops = sorted({f"{_OPS_TEXT[p.kind]} {p.constant or '(a parameter)'}" for p in preds})
        c.why = (f"{first.expression or first.column} {', '.join(ops)} has a leading wildcard or ignores case, which no "
                 "B-tree serves; a GIN index with gin_trgm_ops finds the rows by their trigrams. Needs the pg_trgm "
                 "extension: CREATE EXTENSION IF NOT EXISTS pg_trgm (the CREATE INDEX fails without it)")
        if any(p.constant is None for p in preds):
            c.why += ("; the pattern is a parameter: if it is always a case-sensitive prefix ('abc%'), a B-tree "
                      "with text_pattern_ops is smaller")
        out.append((c, preds))
    return out, notes


def containment(access: TableAccess, table: Table | None, workload_ops: dict[tuple[str, str], set[PredKind]]
                ) -> tuple[list[tuple[Candidate, list[Predicate]]], list[str]]:
    """GIN candidates for jsonb and array operators. workload_ops: (table, ref) -> every operator the workload uses on it."""
    out: list[tuple[Candidate, list[Predicate]]] = []
    notes: list[str] = []
    by_ref: dict[str, list[Predicate]] = {}
    for p in access.predicates:
        if p.kind in JSONB_OPS | ARRAY_OPS or p.kind == PredKind.ANY_ELEMENT:
            by_ref.setdefault(p.column, []).append(p)
    for ref, preds in by_ref.items():
        first = preds[0]
        name = first.expression or first.column
        problem = _immutability(first, table)
        if problem:
            notes.append(f"no GIN index on {name}: {problem}")
            continue
        kind = _type(table, first)
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
        ops_here = sorted({_OPS_TEXT[k] for k in kinds})
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
        c = Candidate(access.table.schema, access.table.name, [_key(first, opclass)], method="gin", kind="gin", why=why)
        out.append((c, preds))
    return out, notes


def as_rewritten(access: TableAccess) -> TableAccess:
    """The access with `value = ANY(col)` written as `col @> ARRAY[value]`, as the GIN proposal asks."""

    if not any(p.kind == PredKind.ANY_ELEMENT for p in access.predicates):
        return access
    preds = [replace(p, kind=PredKind.CONTAINS) if p.kind == PredKind.ANY_ELEMENT else p for p in access.predicates]
    return replace(access, predicates=preds)
