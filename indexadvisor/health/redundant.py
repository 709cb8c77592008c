"""redundant_index: a B-tree whose keys are a left prefix of another B-tree's.

Anti-pattern::

    CREATE INDEX orders_customer_id_idx ON orders (customer_id);
    CREATE INDEX orders_customer_id_created_at_idx ON orders (customer_id, created_at);

Every scan the first can do, the second does as well (its leading column is the
same), so the first only costs writes and space.

Fix::

    DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_idx;

Redundant when, on the same table, both are valid B-trees, the keys (columns or
expressions, opclasses, collations, directions read forwards or backwards) are a
left prefix of the other's, the predicates are the same (one with a narrower
predicate is not redundant: see candidates.serve.serves_scans_of), and the other covers
this one's INCLUDE columns. Never for an index that backs a constraint, nor for a
unique index: it enforces a uniqueness the wider index does not. Same keys with the
same predicate are a duplicate_index instead.
"""

from __future__ import annotations

from indexadvisor.candidates.serve import key_signature, serves_scans_of
from indexadvisor.extract.where import conjuncts
from indexadvisor.health.common import (
    Context,
    definition,
    describe,
    is_constraint,
    qname,
    size_text,
)
from indexadvisor.model import Finding, Index

KIND = "redundant_index"
TITLE = "Redundant index (a left prefix of another)"


def cannot_run(ctx: Context) -> str | None:
    return "no catalog" if ctx.catalog.source == "none" else None


def run(ctx: Context) -> list[Finding]:
    findings = []
    for table in ctx.tables():
        # a partition's copy of its parent's index covers the partition's own ones, and is never
        # itself the one to drop (only its parent's DROP removes it)
        btrees = [i for i in table.indexes
                  if i.method == "btree" and i.valid and i.keys and ctx.survives(i)]
        if len(btrees) < 2:
            continue
        sig = {qname(i): key_signature(i) for i in btrees}
        by_prefix: dict[tuple, list[Index]] = {}  # every left prefix of every index -> those indexes
        for index in btrees:
            s = sig[qname(index)]
            for n in range(1, len(s) + 1):
                by_prefix.setdefault(s[:n], []).append(index)
        # wider first (and, among equal keys, weaker predicates first), so an index's
        # fate is settled before a narrower one is weighed against it
        for narrow in sorted(btrees, key=lambda i: (-len(i.keys), len(conjuncts(i.where)), i.name)):
            if narrow.unique or is_constraint(narrow) or narrow.parent:
                continue
            s = sig[qname(narrow)]
            wider = [w for w in by_prefix.get(s, []) if w is not narrow and _covers(w, narrow, s, sig)]
            if not wider:
                continue
            best = min(wider, key=lambda w: (not ctx.survives(w), len(w.keys), not is_constraint(w), w.name))
            findings.append(_finding(ctx, table, narrow, best))
    return findings


def _covers(wide: Index, narrow: Index, s: tuple, sig: dict[str, tuple]) -> bool:
    if len(sig[qname(wide)]) == len(s):
        return False  # the same keys and predicate: duplicate_index
    return serves_scans_of(narrow, wide)


def _finding(ctx: Context, table, narrow: Index, wide: Index) -> Finding:
    q, w = qname(narrow), qname(wide)
    evidence = f"{describe(narrow)}: its keys are a left prefix of {describe(wide)}, which serves every scan this one does"
    severity = "medium"
    scans = ctx.scans(narrow)
    if scans is not None:
        evidence += f"; {ctx.scans_text(narrow)}"
    n_size, w_size = ctx.size(narrow), ctx.size(wide)
    if n_size is not None and w_size is not None:
        evidence += f"; {size_text(n_size)} against {size_text(w_size)}"
        if scans and w_size >= 2 * max(n_size, 1):
            severity = "low"
            evidence += (f"; it is scanned and {w_size / max(n_size, 1):.1f}x smaller, so its queries will read more "
                         f"pages through {w}: drop it unless they are hot")
    finding = Finding(KIND, str(table.qname), q, w, evidence, severity, ctx.drop_sql(narrow), definition(narrow))
    ctx.claim(finding, wide, scans)
    return finding
