"""fk_without_index: a foreign key whose referencing columns lead no index.

Anti-pattern::

    CREATE TABLE order_items (
        id       bigint PRIMARY KEY,
        order_id bigint NOT NULL REFERENCES orders (id)
    );
    -- no index starts with order_id

PostgreSQL indexes the referenced side (its primary key or unique constraint) but
not the referencing side. Every DELETE on orders, and every UPDATE of its key,
looks up the matching order_items rows: without an index that is a sequential
scan of order_items per row deleted (ON DELETE CASCADE too), and joins on the
key have no index either.

Fix::

    CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx ON public.order_items (order_id);

A foreign key is served by a valid B-tree whose leading key columns are its
columns in any order (a composite primary key (order_id, line) serves order_id),
also when partial on ``col IS NOT NULL`` only, or by a hash index on its single
column. Columns at a later position do not count. Severity follows the size of
the referencing table. On a partitioned table the DDL builds the index ON ONLY
the parent, each partition's concurrently, and attaches them.
"""

from __future__ import annotations

from collections.abc import Sequence

from indexadvisor.candidates.serve import key_signature
from indexadvisor.extract.where import not_null_columns
from indexadvisor.health.common import (
    Context,
    is_constraint,
    qname,
    size_text,
)
from indexadvisor.model import Finding, ForeignKey, Index, IndexDef, IndexKey, Table

KIND = "fk_without_index"
TITLE = "Foreign key without an index"

HIGH_ROWS = 100_000
MEDIUM_ROWS = 1_000


def cannot_run(ctx: Context) -> str | None:
    return "no catalog" if ctx.catalog.source == "none" else None


def covers(index: Index, columns: Sequence[str]) -> bool:
    """Whether the index serves lookups on all of columns by equality (a foreign key check)."""
    n = len(columns)
    if not index.valid or n == 0:
        return False
    if index.method == "hash":
        if n != 1:
            return False
    elif index.method != "btree":
        return False
    keys = index.keys[:n]
    if len(keys) < n or any(k.column is None for k in keys) or {k.column for k in keys} != set(columns):
        return False
    pinned = not_null_columns(index.where)
    return pinned is not None and pinned <= set(columns)


def run(ctx: Context) -> list[Finding]:
    weighted: list[tuple[float, Finding]] = []
    for table in ctx.tables():
        uncovered = [fk for fk in table.foreign_keys if fk.columns and not _served(table, fk) and not _inherited(ctx, table, fk)]
        if not uncovered:
            continue
        built: dict[int, tuple[list[IndexKey], str, str]] = {}
        proposals = _proposals(uncovered)
        proposal_of = {id(fk): (n, fks) for n, (_, fks) in enumerate(proposals) for fk in fks}
        for fk in uncovered:  # in the table's order of foreign keys
            n, fks = proposal_of[id(fk)]
            if n not in built:
                keys = [IndexKey(c) for c in proposals[n][0]]
                built[n] = (keys, *ctx.create_sql(table, keys))
            keys, name, ddl = built[n]
            finding = _finding(ctx, table, fk, fks, keys, name, ddl)
            ctx.proposals.append((finding, str(table.qname), keys))
            weighted.append((_rows(ctx, table) or 0, finding))
    weighted.sort(key=lambda wf: -wf[0])  # bigger referencing tables first
    return [f for _, f in weighted]


def _served(table: Table, fk: ForeignKey) -> bool:
    return any(covers(index, fk.columns) for index in table.indexes)


def _inherited(ctx: Context, table: Table, fk: ForeignKey) -> bool:
    """A partition's copy of its parent's foreign key: reported once, on the parent."""
    if not table.partition_of:
        return False
    parent = ctx.catalog.tables.get(table.partition_of)
    return parent is not None and any(p.name == fk.name and p.columns == fk.columns for p in parent.foreign_keys)


def _proposals(fks: list[ForeignKey]) -> list[tuple[list[str], list[ForeignKey]]]:
    """One index per set of columns; an index on (a, b) also serves a key on (a)."""
    out: list[tuple[list[str], list[ForeignKey]]] = []
    for fk in sorted(fks, key=lambda f: (len(f.columns), f.name)):
        want = set(fk.columns)
        for columns, served in out:
            if set(columns) <= want:
                columns.extend(c for c in fk.columns if c not in columns)
                served.append(fk)
                break
        else:
            out.append((list(fk.columns), [fk]))
    return out


def _rows(ctx: Context, table: Table) -> float | None:
    if table.partitioned:
        parts = [_rows(ctx, p) for p in ctx.partitions.get(str(table.qname), [])]
        rows = [r for r in parts if r is not None]
        return None if not parts or len(rows) < len(parts) else sum(rows)
    return table.row_estimate if table.has_stats else None


def _size(ctx: Context, table: Table) -> int | None:
    if table.partitioned:
        parts = [_size(ctx, p) for p in ctx.partitions.get(str(table.qname), [])]
        sizes = [s for s in parts if s is not None]
        return None if not parts or len(sizes) < len(parts) else sum(sizes)
    return table.size_bytes


def _finding(ctx: Context, table: Table, fk: ForeignKey, fks: list[ForeignKey], keys: list[IndexKey],
             name: str, ddl: str) -> Finding:
    cols = ", ".join(fk.columns)
    ref = f"{fk.ref_schema}.{fk.ref_table}"
    evidence = (f"foreign key {fk.name} ({cols}) references {ref}"
                + (f" ({', '.join(fk.ref_columns)})" if fk.ref_columns else "")
                + f"; no valid index of {table.qname} leads with {cols}, so each DELETE on {ref} (and UPDATE "
                f"of its key) scans {table.qname} for referencing rows")
    rows = _rows(ctx, table)
    if rows is None:
        severity = "medium"
        evidence += "; table size unknown (no statistics)"
    else:
        severity = "high" if rows >= HIGH_ROWS else "medium" if rows >= MEDIUM_ROWS else "low"
        evidence += f"; {table.qname} has about {rows:,.0f} rows, {size_text(_size(ctx, table))}"
    referenced = ctx.catalog.tables.get(ref)
    if referenced is not None and referenced.n_tup_del is not None:
        evidence += f"; {ref} has had {referenced.n_tup_del:,} deletes and {referenced.n_tup_upd or 0:,} updates since the counters started"
    later = [i for i in table.indexes if i.valid and any(k.column in fk.columns for k in i.keys[len(fk.columns):])]
    if later:
        evidence += f"; {', '.join(qname(i) for i in later[:3])} has these columns, but not leading"
    others = [f.name for f in fks if f is not fk]
    if others:
        evidence += f"; the same index also serves foreign key {', '.join(others)}"
    made_redundant = _made_redundant(table, keys)
    if made_redundant:
        evidence += (f"; once built, {', '.join(qname(i) for i in made_redundant)} is a left prefix of it "
                     "(redundant_index): drop it then")
    return Finding(KIND, str(table.qname), None, fk.name, evidence, severity, ddl)


def _made_redundant(table: Table, keys: list[IndexKey]) -> list[Index]:
    probe = key_signature(IndexDef(table.schema, table.name, tuple(keys)).as_index())
    out = []
    for index in table.indexes:
        if (index.method != "btree" or not index.valid or index.unique or is_constraint(index) or index.where
                or index.parent or not index.keys or len(index.keys) >= len(keys)):
            continue
        if probe[:len(index.keys)] == key_signature(index) and set(index.include) <= {k.column for k in keys}:
            out.append(index)
    return out

