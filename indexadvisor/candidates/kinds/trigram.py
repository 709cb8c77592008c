"""Trigram indexes: GIN with gin_trgm_ops for searches no B-tree serves.

`LIKE '%abc%'`, `ILIKE '%abc%'` and `ILIKE 'abc%'` cannot use a B-tree (a pattern
opclass serves only a case-sensitive prefix): a GIN index with `gin_trgm_ops` can, when
the pattern has at least three characters in a row (a trigram); the pg_trgm extension
must be installed (`CREATE EXTENSION pg_trgm`), or the DDL fails. A parameter pattern
(`LIKE $1`) is taken as a search, and the proposal says that a prefix-only search would
be better served by a B-tree with text_pattern_ops. Like every GIN index it is not
planner-costed (HypoPG cannot create it): it is chosen after the greedy by the rules in
select/gin.py.

Anti-pattern: `WHERE name ILIKE '%smith%'` on a million customers, a sequential scan
each time. Fix: `CREATE INDEX ... USING gin (name gin_trgm_ops)`.
"""

from __future__ import annotations

from indexadvisor.candidates.kinds.base import Ask, Context, Extra, Found
from indexadvisor.candidates.kinds.gin import OPS_TEXT, immutability, key_for, operand_type, pool_found, unquote
from indexadvisor.model import Candidate, Predicate, PredKind, Table, TableAccess
from indexadvisor.pg import types as T

KIND = "trigram"
TRGM_MIN_RUN = 3  # pg_trgm extracts nothing useful from fewer characters in a row


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


def trigram(access: TableAccess, table: Table | None) -> tuple[Found, list[str]]:
    """GIN gin_trgm_ops candidates for the access's LIKE/ILIKE searches."""
    out: Found = []
    notes: list[str] = []
    by_ref: dict[str, list[Predicate]] = {}
    for p in access.predicates:
        if p.kind not in (PredKind.LIKE, PredKind.ILIKE):
            continue
        kind = operand_type(table, p)
        if kind is not None and not T.is_textual(kind) and p.expression is None:
            continue
        if p.constant is not None and longest_run(unquote(p.constant)) < TRGM_MIN_RUN:
            notes.append(f"no trigram index for {p.expression or p.column} {OPS_TEXT[p.kind]} {p.constant}: "
                         f"the pattern has fewer than {TRGM_MIN_RUN} characters in a row, so pg_trgm cannot narrow the search")
            continue
        by_ref.setdefault(p.column, []).append(p)
    for preds in by_ref.values():
        first = preds[0]
        problem = immutability(first, table)
        if problem:
            notes.append(f"no trigram index on {first.expression}: {problem}")
            continue
        c = Candidate(access.table.schema, access.table.name, [key_for(first, "gin_trgm_ops")], method="gin", kind="trigram")
        ops = sorted({f"{OPS_TEXT[p.kind]} {p.constant or '(a parameter)'}" for p in preds})
        c.why = (f"{first.expression or first.column} {', '.join(ops)} has a leading wildcard or ignores case, which no "
                 "B-tree serves; a GIN index with gin_trgm_ops finds the rows by their trigrams. Needs the pg_trgm "
                 "extension: CREATE EXTENSION IF NOT EXISTS pg_trgm (the CREATE INDEX fails without it)")
        if any(p.constant is None for p in preds):
            c.why += ("; the pattern is a parameter: if it is always a case-sensitive prefix ('abc%'), a B-tree "
                      "with text_pattern_ops is smaller")
        out.append((c, preds))
    return out, notes


def propose(ctx: Context, ask: Ask, out: Extra) -> None:
    """Trigram indexes for the access's LIKE/ILIKE searches."""
    found, notes = trigram(ask.access, ask.table)
    out.notes += notes
    pool_found(ctx, ask, found, out)
