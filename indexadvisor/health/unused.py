"""unused_index: an index no scan has used since the usage counters started.

Anti-pattern::

    CREATE INDEX orders_coupon_code_idx ON orders (coupon_code);
    -- pg_stat_user_indexes.idx_scan = 0, 60 days after the last statistics reset

Every INSERT, and every UPDATE of an indexed column, still writes to it, and it
takes space in shared buffers and backups.

Fix (once the evidence is old enough, and on every server that serves reads)::

    DROP INDEX CONCURRENTLY IF EXISTS public.orders_coupon_code_idx;

The evidence is only as old as ``pg_stat_database.stats_reset`` (or the server
start when the counters were never reset): below --min-evidence-days (default 7)
an unused index is a low-severity note, not a recommendation to drop, and so is
an index that is the only one serving a foreign key. Replicas keep their own
counters. Never reported: indexes backing a primary key, unique or exclusion
constraint, and unique indexes (they enforce uniqueness on every write without a
scan being counted). With a workload, an index that a workload statement could
use is not reported whatever its counter says, and a B-tree that no statement
could use is stronger evidence (high severity).
"""

from __future__ import annotations

from indexadvisor.health.common import (
    Context,
    definition,
    describe,
    is_constraint,
    qname,
    size_text,
)
from indexadvisor.health.fk import covers
from indexadvisor.model import Finding, Index, Table

KIND = "unused_index"
TITLE = "Unused index"


def cannot_run(ctx: Context) -> str | None:
    if ctx.catalog.source == "none":
        return "no catalog"
    if not ctx.live_like:
        return "DDL files carry no usage counters (pg_stat_user_indexes.idx_scan): use --dsn or --snapshot"
    indexes = [i for t in ctx.catalog.tables.values() for i in t.indexes]
    if indexes and all(i.idx_scan is None for i in indexes):
        return "the catalog has no idx_scan counters (pg_stat_user_indexes)"
    return None


def run(ctx: Context) -> list[Finding]:
    findings = []
    spared: list[str] = []
    for table in ctx.tables():
        for index in table.indexes:
            if not index.valid or index.parent or not ctx.survives(index):
                continue
            if is_constraint(index) or index.unique:
                continue
            scans = ctx.scans(index)
            if scans is None or scans > 0 or ctx.proxy_scans.get(qname(index), 0) > 0:
                continue
            if ctx.usable(index):
                spared.append(qname(index))
                continue
            findings.append(_finding(ctx, table, index))
    if spared:
        shown = ", ".join(spared[:10]) + (f" and {len(spared) - 10} more" if len(spared) > 10 else "")
        ctx.notes.append(f"{len(spared)} index(es) with idx_scan = 0 are not reported as unused because workload "
                         f"statements could use them: {shown}")
    return findings


def _finding(ctx: Context, table: Table, index: Index) -> Finding:
    q = qname(index)
    evidence = f"{describe(index)}: idx_scan = 0 since {ctx.since_text()}, {size_text(ctx.size(index))}"
    days = ctx.evidence_days
    fk = _sole_fk_cover(ctx, table, index)
    plain_btree = index.method == "btree" and all(k.column is not None for k in index.keys)
    if ctx.usage is not None:
        if plain_btree:
            evidence += f"; no statement of the workload ({len(ctx.parsed or [])} shapes) could use it"
        else:
            evidence += "; the workload check reads plain B-tree keys only, so it cannot vouch for this one"
    if index.keys and any(k.column is None for k in index.keys):
        evidence += "; ANALYZE keeps statistics on its expression, which the planner may use for estimates even without scanning it"
    if days is None or days < ctx.options.min_evidence_days:
        age = "of unknown age" if days is None else f"only {days:.1f} days old"
        evidence += (f"; the evidence is {age} (under {ctx.options.min_evidence_days:g} days): "
                     "a note, not a reason to drop it yet")
        severity, ddl = "low", None
    elif fk is not None:
        evidence += (f"; it is the only index serving foreign key {fk}: without it, every DELETE or key UPDATE "
                     "on the referenced table scans this one, so keep it unless those never happen")
        severity, ddl = "low", None
    else:
        severity = "high" if ctx.usage is not None and plain_btree else "medium"
        ddl = ctx.drop_sql(index)
        evidence += "; these are this server's counters: check idx_scan on the replicas too before dropping it"
        if ctx.partitioned(index):
            evidence += "; a partitioned index cannot be dropped CONCURRENTLY: the drop locks the table"
    return Finding(KIND, str(table.qname), q, None, evidence, severity, ddl, definition(index))


def _sole_fk_cover(ctx: Context, table: Table, index: Index) -> str | None:
    for fk in table.foreign_keys:
        if covers(index, fk.columns) and not any(
            other is not index and ctx.survives(other) and covers(other, fk.columns) for other in table.indexes
        ):
            return fk.name
    return None
