"""Partial indexes: a constant every execution carries goes into the index's WHERE.

A predicate qualifies when

- every execution of the statement shape carries the same constant: a literal
  that never changed across the executions seen (Statement.constants), a boolean
  (`"isDeleted" = false`, `NOT archived`), or `IS [NOT] NULL`; never a parameter
  (`$1`), whose value can change from one execution to the next;
- or it compares two columns of the same row (`l_commitdate < l_receiptdate`): no
  constant at all, so the same in every execution; it keeps ROW_COMPARE_SHARE of the
  rows by the planner's default, and so only joins a WHERE with other filters;
- the column holds few distinct values (a flag, a status; at most
  PARTIAL_MAX_DISTINCT), or the test is IS [NOT] NULL;
- pg_stats says the constant selects a small part of the table (at most
  PARTIAL_MAX_FRACTION): most_common_freqs for the value(s), null_frac for the
  null tests. Without statistics nothing qualifies: the share is unknown.

The WHERE is written in the form the queries use, since the planner uses a
partial index only when it can prove the query's predicate implies it (`status IN
('a', 'b')` stays an IN list); booleans are written `col` / `NOT col`, because
HypoPG does not match a hypothetical `WHERE col = false` to a query's `col =
false` while both HypoPG and the planner match `WHERE NOT col`. The column
leaves the key: every entry has the same value. Shapes that share the constant
get the same WHERE, so one partial index serves them all.

Anti-pattern: `CREATE INDEX ON jobs (queue, state)` for `WHERE queue = $1 AND
state = 'failed'` when 1% of jobs have failed. Fix: `CREATE INDEX ON jobs (queue)
WHERE state = 'failed'`, a hundredth of the size.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace

from indexadvisor.candidates.kinds.base import Ask, Context, Extra
from indexadvisor.candidates.requirements import Requirement, requirement_for, variants
from indexadvisor.candidates.serve import predicate_implied
from indexadvisor.model import Candidate, IndexKey, Predicate, PredKind, Statement, Table, TableAccess
from indexadvisor.pg import types as T
from indexadvisor.pg.selectivity import TableStats
from indexadvisor.pg.sql import quote_ident
from indexadvisor.sources.fingerprint import limit_counts, literals
from indexadvisor.sources.workload import constant_evidence

PARTIAL_MAX_FRACTION = 0.2
# a constant that keeps up to half the rows joins the WHERE of a partial index when,
# with the others (taken as independent), the index holds at most PARTIAL_MAX_FRACTION
PARTIAL_COMBINED_MAX = 0.5
PARTIAL_MAX_DISTINCT = 200
# Evidence that a literal is the application's constant, not one value of a parameter that
# happened to be captured: seen unchanged in enough executions while the statement's other
# literals varied (sources/workload.constant_evidence) ... or a value of an enum-like column: at
# most this many distinct values, whose most-common values cover nearly every row (a status, a
# kind, a flag stored as text) ...
ENUM_MAX_DISTINCT = 20
ENUM_MIN_COVERAGE = 0.95
# ... or the same predicate in this many statement shapes.
PARTIAL_MIN_SHAPES = 2
# the share of rows a comparison of two columns of the same row keeps: pg_stats has no
# statistic across two columns, so this is the planner's own assumption for it
# (DEFAULT_INEQ_SEL), which HypoPG's size estimate of the partial index uses too
ROW_COMPARE_SHARE = 1 / 3
_KINDS = (PredKind.EQ, PredKind.IN, PredKind.IS_NULL, PredKind.IS_NOT_NULL)

KIND = "partial"


@functools.lru_cache(maxsize=256)
def _literals(sql: str) -> tuple[str, ...]:
    """The statement's literals in text order, read once per statement (not once per predicate)."""
    return tuple(literals(sql))


def is_boolean(pred: Predicate) -> bool:
    return pred.kind == PredKind.EQ and (pred.constant or "").lower() in ("true", "false")


def fixed(pred: Predicate, statement: Statement) -> bool:
    """Whether every execution of the shape carries this predicate's constant."""
    if pred.kind == PredKind.ROW_COMPARE:
        return True  # no constant at all: `a < b` is the same test in every execution
    if pred.expression is not None or pred.kind not in _KINDS:
        return False
    if pred.kind in (PredKind.IS_NULL, PredKind.IS_NOT_NULL) or is_boolean(pred):
        return True  # part of the statement's shape: the fingerprint keeps booleans and NULL
    if pred.constant is None:
        return False  # a parameter or an expression

    if statement.constants is None:
        return False
    texts = _literals(statement.sql)
    if len(texts) != len(statement.constants):
        return False
    positions: dict[str, list[int]] = {}  # each literal's places in the text, read once (long IN lists)
    for i, t in enumerate(texts):
        positions.setdefault(t, []).append(i)
    for value in pred.literals():
        places = positions.get(value)
        if not places or any(statement.constants[i] != value for i in places):
            return False
    return True


def why_constant(pred: Predicate, statement: Statement, table: Table | None, shapes: int) -> str | None:
    """The evidence that a fixed predicate is the application's constant (None: too little).

    A boolean, a NULL test or a comparison of two columns is part of the statement's shape.
    A literal needs more than having been seen: the same value in enough executions whose
    other literals varied (sources/workload.constant_evidence), a value of an enum-like column, or the same
    predicate in PARTIAL_MIN_SHAPES statement shapes (`shapes`).
    """
    if not fixed(pred, statement):
        return None
    if pred.kind in (PredKind.ROW_COMPARE, PredKind.IS_NULL, PredKind.IS_NOT_NULL) or is_boolean(pred):
        return "part of the statement's shape"
    mine = set(pred.literals())
    counts = limit_counts(statement.sql)  # a LIMIT's page size is no other value that could have varied
    others = [c for i, (c, text) in enumerate(zip(statement.constants or [], _literals(statement.sql)))
              if text not in mine and i not in counts]
    if constant_evidence(statement.calls, others):
        varied = " while its other values varied" if others else ""
        return f"the same in all {statement.calls:,} executions{varied}"
    if _enum_like(pred, table):
        return "a value of an enum-like column (pg_stats: a few values cover nearly every row)"
    if shapes >= PARTIAL_MIN_SHAPES:
        return f"the same predicate in {shapes} statement shapes"
    return None


def _enum_like(pred: Predicate, table: Table | None) -> bool:
    """Whether the predicate's column holds a small closed set of values (pg_stats: few distinct
    values, most-common values covering nearly every row), as a status or a kind does."""
    if table is None or not table.has_stats:
        return False
    column = table.columns.get(pred.column)
    stats = column.stats if column is not None else None
    if stats is None or not stats.most_common_vals or not stats.most_common_freqs or (column is not None and T.is_numeric(column.type)):
        return False  # (a number with few values is as often an id in small data as a code: not evidence)
    distinct = stats.n_distinct if stats.n_distinct >= 0 else -stats.n_distinct * (table.row_estimate or 0)
    return 0 < distinct <= ENUM_MAX_DISTINCT and sum(stats.most_common_freqs) + stats.null_frac >= ENUM_MIN_COVERAGE


def fraction(pred: Predicate, table: Table | None) -> float | None:
    """Share of the table's rows the predicate selects, from pg_stats; None when unknown."""
    if table is None or not table.has_stats:
        return None
    if pred.kind == PredKind.ROW_COMPARE:
        return ROW_COMPARE_SHARE
    column = table.columns.get(pred.column)
    if column is None or column.stats is None:
        return None
    stats = column.stats
    if pred.kind == PredKind.IS_NULL:
        return stats.null_frac
    if pred.kind == PredKind.IS_NOT_NULL:
        return 1.0 - stats.null_frac
    distinct = stats.n_distinct if stats.n_distinct >= 0 else -stats.n_distinct * (table.row_estimate or 0)
    if not T.is_bool(column.type) and not (0 < distinct <= PARTIAL_MAX_DISTINCT):
        return None  # not a flag or a status: a constant of it is an id, not a subset worth an index
    return TableStats().selectivity(table, pred)


def where_text(preds: list[Predicate]) -> str:
    """The WHERE of the partial index, in the form the queries write it (booleans as col / NOT col)."""
    parts = []
    for p in preds:
        col = quote_ident(p.column)
        if p.kind == PredKind.ROW_COMPARE and p.compared:
            parts.append(f"{col} {p.compared[0]} {quote_ident(p.compared[1])}")
        elif p.kind == PredKind.IS_NULL:
            parts.append(f"{col} IS NULL")
        elif p.kind == PredKind.IS_NOT_NULL:
            parts.append(f"{col} IS NOT NULL")
        elif is_boolean(p):
            parts.append(col if (p.constant or "").lower() == "true" else f"NOT {col}")
        elif p.kind == PredKind.IN:
            parts.append(f"{col} IN ({p.constant})")
        else:
            parts.append(f"{col} = {p.constant}")
    return " AND ".join(parts)


def qualifying(access: TableAccess, statement: Statement, table: Table | None,
               proof: dict[Predicate, str]) -> list[tuple[Predicate, float]]:
    """The access's predicates that belong in a partial index's WHERE, with the share each selects.

    The constants with evidence (`proof`: predicate -> why it is a constant, see
    why_constant) that select at most PARTIAL_COMBINED_MAX of the rows each, when
    together (taken as independent) they leave at most PARTIAL_MAX_FRACTION: one that
    selective alone, or several (`shipmode = 'AIR' AND shipinstruct = 'DELIVER IN
    PERSON'`: 14% and 25% alone, 3.6% together). The most selective first.
    """
    shares = sorted(((p, s) for p, s in ((p, fraction(p, table)) for p in access.predicates if p in proof)
                     if s is not None and s <= PARTIAL_COMBINED_MAX), key=lambda ps: ps[1])
    held = 1.0
    for _, share in shares:
        held *= share
    return shares if held <= PARTIAL_MAX_FRACTION else []


def without(access: TableAccess, preds: list[Predicate]) -> TableAccess:
    """The access with these predicates taken out (the index's WHERE answers them)."""
    return replace(access, predicates=[p for p in access.predicates if p not in preds])


def evidence(pred: Predicate, share: float, why: str) -> str:
    """The reason text for one predicate of the WHERE: what it is, why it is a constant, and its share."""
    if pred.kind == PredKind.ROW_COMPARE:
        return (f"{where_text([pred])} compares two columns of the same row, the same test in every execution, "
                f"and keeps about {share:.0%} of the rows by the planner's default (no statistic spans two columns)")
    if pred.kind in (PredKind.IS_NULL, PredKind.IS_NOT_NULL):
        source, constant = "pg_stats.null_frac", "the null test"
    else:
        source = "pg_stats most_common_freqs"
        many = len(pred.literals()) > 1
        constant = "a boolean" if is_boolean(pred) else f"the literal{'s' if many else ''} {pred.constant}, {why}"
    return f"{where_text([pred])} is {constant}, not a parameter, and selects {share:.1%} of the rows ({source})"


def propose(ctx: Context, ask: Ask, out: Extra) -> None:
    """Partial indexes for the access's fixed, selective constants: all together, and each alone
    that is selective enough; the constants' columns leave the key."""
    if ask.existing is not None:
        return
    statement, table = ask.statement.statement, str(ask.access.table)
    proof = {q: why for q in ask.access.predicates
             if (why := why_constant(q, statement, ask.table, len(ctx.predicate_shapes.get((table, q), ())))) is not None}
    found = qualifying(ask.access, statement, ask.table, proof)
    if not found:
        return
    preds = [q for q, _ in found]
    shares = dict(found)
    groups = [preds] + ([[q] for q in preds if shares[q] <= PARTIAL_MAX_FRACTION] if len(preds) > 1 else [])
    # a constant known from the column's values or from other shapes alone, not from this
    # statement's own executions or shape, may be a parameter that happened to be captured:
    # the constants the statement itself shows also make a WHERE of their own, without it
    weak = {q for q in preds if not _own_evidence(q, statement)}
    sure = [q for q in preds if q not in weak]
    if weak and len(sure) > 1 and math.prod(shares[q] for q in sure) <= PARTIAL_MAX_FRACTION:
        groups.append(sure)
    made = [_group(ctx, ask, out, group, shares, proof, weak) for group in groups]
    if any(made):
        # A constant known only from being shared by shapes may as well be a value the plain
        # index on its column serves for all of them (`c00 = 0` beside a different column in
        # each of 19 shapes): the plain variants stay to compete, and the selection decides.
        own = {q for q in preds if why_constant(q, statement, ask.table, 0) is not None}
        ctx.partial_columns.update((table, q.column) for q in own)
        out.supersede_plain = out.supersede_plain or len(own) == len(preds)


def shown_constant(where: str, access: TableAccess, statement: Statement) -> bool:
    """Whether the statement itself shows a partial index's WHERE as what every execution carries
    (its shape, or the same literal through its executions), not only through other shapes that
    share it: a constant known that way may be a parameter captured once, which a plain index on
    its column serves for every value."""
    own = [q for q in access.predicates if _own_evidence(q, statement)]
    return bool(own) and predicate_implied(where, replace(access, predicates=own))


def _own_evidence(pred: Predicate, statement: Statement) -> bool:
    """Whether the statement itself shows the constant: part of its shape, or the same in its executions."""
    return why_constant(pred, statement, None, 0) is not None


def _group(ctx: Context, ask: Ask, out: Extra, group: list[Predicate], shares: dict[Predicate, float],
           proof: dict[Predicate, str], weak: set[Predicate]) -> bool:
    """The partial candidates whose WHERE holds one group of constants; False when it makes none.

    With nothing else to search, the key is a column the WHERE compares but does not pin
    (`l_commitdate < l_receiptdate`); an index whose WHERE pins its only key column
    (`(city_id) WHERE city_id = 1`) is degenerate, and none is proposed.
    """
    where = where_text(group)
    req = requirement_for(without(ask.access, group), ask.rank, table=ask.table)
    share = 1.0
    for q in group:
        share *= shares[q]
    text = "; ".join(evidence(q, shares[q], proof[q]) for q in group)
    constants = list(dict.fromkeys(q.column for q in group if q.kind != PredKind.ROW_COMPARE))
    if req is None:  # nothing else to search: key on a compared column that the WHERE does not pin
        unpinned = [q.column for q in group if q.kind == PredKind.ROW_COMPARE and q.column not in constants]
        if not unpinned:
            return False
        keys_list = [[IndexKey(unpinned[0])]]
        req = Requirement([unpinned[0]])
    else:
        keys_list = variants(req, ctx.max_width)
    made = False
    for keys in keys_list:
        # (a constant's column stays in the key where the statement sorts or groups by it)
        leaving = [col for col in constants if col not in {k.column for k in keys}]
        if any(q.column not in leaving and q.kind != PredKind.ROW_COMPARE for q in group if q in weak):
            # the key separates that column's values anyway: pinning them to the ones seen only
            # trims the index, and fails every other value if the literal was a parameter
            continue
        why = f"WHERE {where}: {text}; so the index holds about {share:.1%} of the table"
        if leaving:
            why += f" and {', '.join(leaving)} {'leaves' if len(leaving) == 1 else 'leave'} the key"
        c = Candidate(ask.access.table.schema, ask.access.table.name, keys, where=where, kind="partial", why=why,
                      rows_fraction=share)
        out.candidates.append((c, req))
        out.partials.append(c)
        made = True
    return made
