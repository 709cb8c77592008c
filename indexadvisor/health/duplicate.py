"""duplicate_index: two indexes with the same keys, predicate and method.

Anti-pattern::

    CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE);   -- users_email_key
    CREATE INDEX users_email_idx ON users (email);                    -- the same index again

Both serve exactly the same scans; every write pays for two, and the planner
picks one of them. Indexes are the same when they have the same key columns or
expressions in the same order (directions count, read forwards or backwards),
the same opclasses, collations, predicate and method. INCLUDE lists may differ.

Fix: keep one, drop the others::

    DROP INDEX CONCURRENTLY IF EXISTS public.users_email_idx;

The one kept backs a constraint if either does, else is unique if either is, else
covers more INCLUDE columns, else has been scanned more. When both back
constraints, removing one means dropping a constraint (foreign keys may depend
on it), so no DDL is given.
"""

from __future__ import annotations

from indexadvisor.candidates.serve import key_signature
from indexadvisor.extract.where import conjuncts
from indexadvisor.health.common import (
    Context,
    definition,
    describe,
    is_constraint,
    qname,
)
from indexadvisor.model import Finding, Index

KIND = "duplicate_index"
TITLE = "Duplicate index"


def cannot_run(ctx: Context) -> str | None:
    return "no catalog" if ctx.catalog.source == "none" else None


def _keep_order(ctx: Context, index: Index) -> tuple:
    return (
        not is_constraint(index),
        not index.primary,
        not index.unique,
        -len(index.include),
        -(ctx.scans(index) or 0),
        index.name,
    )


def run(ctx: Context) -> list[Finding]:
    findings = []
    for table in ctx.tables():
        groups: dict[tuple, list[Index]] = {}
        for index in table.indexes:
            if not index.valid or not index.keys or not ctx.survives(index):
                continue
            groups.setdefault((index.method, key_signature(index), conjuncts(index.where)), []).append(index)
        for group in groups.values():
            if len(group) < 2:
                continue
            # a partition's copy of its parent's index cannot be dropped on its own: it is the one kept
            group.sort(key=lambda i: (i.parent is None, _keep_order(ctx, i)))
            keeper = group[0]
            kept_columns = {k.column for k in keeper.keys} | set(keeper.include)
            for dup in group[1:]:
                if dup.parent is None:
                    findings.append(_finding(ctx, table, dup, keeper, kept_columns))
    return findings


def _finding(ctx: Context, table, dup: Index, keeper: Index, kept_columns: set) -> Finding:
    q, k = qname(dup), qname(keeper)
    evidence = f"{describe(dup)} has the same keys, predicate and method as {describe(keeper)}"
    scans = ctx.scans_text(dup)
    if scans:
        evidence += f"; {scans}"
    ddl: str | None  # None for a constraint's index: DROP INDEX cannot remove it
    severity, ddl = "high", ctx.drop_sql(dup)
    if is_constraint(dup):
        severity, ddl = "medium", None
        evidence += (f"; both back constraints ({dup.constraint}, {keeper.constraint}): removing one means "
                     f"ALTER TABLE ... DROP CONSTRAINT {dup.constraint}, and foreign keys may depend on it")
    else:
        lost = [c for c in dup.include if c not in kept_columns]
        if lost:
            severity = "medium"
            evidence += (f"; its INCLUDE columns {', '.join(lost)} are not in {k}: add them there first "
                         "if index-only scans need them")
        if dup.unique:
            evidence += f"; {k} enforces the same uniqueness (a foreign key that references {q} must be re-pointed first)"
        evidence += f"; keep {k}"
    finding = Finding(KIND, str(table.qname), q, k, evidence, severity, ddl, definition(dup))
    if ddl is not None:
        ctx.claim(finding, keeper, ctx.scans(dup))
    return finding
