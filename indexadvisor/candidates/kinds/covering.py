"""Covering indexes: INCLUDE the few narrow columns a hot statement reads beyond the key.

With every column the statement needs in the index, the planner can use an
index-only scan, which reads the heap only for rows on pages not yet marked
all-visible by VACUUM. So a covering index pays when

- the statement is hot (at least COVER_HOT_SHARE of the workload's calls);
- it reads at most COVER_MAX_COLUMNS columns beyond the key, each narrow
  (pg_stats.avg_width at most COVER_MAX_WIDTH bytes; never json/jsonb, arrays,
  bytea or other types wide by nature): every one is copied into every entry;
- the table is mostly all-visible (relallvisible / relpages at least
  COVER_MIN_VISIBLE); on a table that VACUUM has not caught up with, the
  "index-only" scan still visits the heap for most rows, and the report says so
  instead of proposing it.

Anti-pattern: `SELECT id, total FROM orders WHERE customer_id = $1` with an index
on (customer_id): every matching row costs a heap visit to read total.
Fix: `CREATE INDEX ... ON orders (customer_id) INCLUDE (total)`.
"""

from __future__ import annotations

from indexadvisor.candidates.kinds.base import Ask, Context, Extra
from indexadvisor.candidates.requirements import variants
from indexadvisor.extract.where import index_predicates
from indexadvisor.model import Candidate, Column, Index, IndexKey, Statement, Table, TableAccess
from indexadvisor.pg import types as T

COVER_HOT_SHARE = 0.01
COVER_MAX_COLUMNS = 3
COVER_MAX_WIDTH = 24
COVER_MIN_VISIBLE = 0.5

KIND = "covering"


def needed_columns(access: TableAccess, where: str | None) -> set[str] | None:
    """Columns an index-only scan of the access must return; None when it reads every column.

    A column the query only filters on with a predicate the index's WHERE implies
    needs no place in the index (the planner drops such implied quals).
    """
    if "*" in access.columns_read:
        return None
    pinned: set[str] = set()
    if where:
        pinned = {p.column for p in index_predicates(where)}
    filter_only = access.columns_read - access.columns_output
    return set(access.columns_output) | {c for c in filter_only if c not in pinned}


def index_only_possible(index: Index, access: TableAccess) -> bool:
    """Whether every column the access needs is stored in the index (a B-tree, so it can return them)."""
    if index.method != "btree" or access.kind != "select":
        return False
    needed = needed_columns(access, index.where)
    if needed is None:
        return False
    stored = {k.column for k in index.keys if k.column is not None} | set(index.include)
    return needed <= stored


def too_wide(column: Column) -> str | None:
    """Why copying the column into every entry of an index (to return it from an index-only
    scan, not to search by it) costs too much, or None: a type wide by nature, or more than
    COVER_MAX_WIDTH bytes on average by pg_stats. The one rule for INCLUDE columns and for
    read-only columns made keys (select/screen.py)."""
    if T.is_wide(column.type):
        return f"{column.type}, a wide type"
    if column.stats is not None and column.stats.avg_width > COVER_MAX_WIDTH:
        return f"average {column.stats.avg_width} bytes per pg_stats, over {COVER_MAX_WIDTH}"
    return None


def include_for(access: TableAccess, statement: Statement, table: Table | None, keys: list[IndexKey],
                where: str | None, total_calls: int) -> tuple[list[str], str, str | None]:
    """The INCLUDE columns that make the access index-only, why, and a note when it does not pay.

    Returns ([], "", note-or-None) when no covering index is proposed.
    """
    if access.kind != "select" or table is None or not table.has_stats or any(k.column is None for k in keys):
        return [], "", None  # without pg_stats and the visibility map, nothing to say either way
    share = statement.calls / total_calls if total_calls else 0.0
    if share < COVER_HOT_SHARE:
        return [], "", None
    needed = needed_columns(access, where)
    if needed is None:
        return [], "", None
    beyond = needed - {k.column for k in keys}
    if not beyond or any(c not in table.columns for c in beyond):
        return [], "", None
    extra = [c for c in table.columns if c in beyond]  # in the table's column order
    label = f"INCLUDE ({', '.join(extra)})"
    if len(extra) > COVER_MAX_COLUMNS:
        return [], "", None  # reads too much of the row for a covering index to be the answer
    widths = []
    for name in extra:
        column = table.columns[name]
        wide = too_wide(column)
        if wide:
            return [], "", f"no covering index: {label} would copy {name} ({wide}) into every entry"
        if column.stats is None:
            return [], "", None  # no pg_stats: the width is unknown, so say nothing either way
        widths.append(f"{name} {column.stats.avg_width} bytes")
    if not table.pages or table.all_visible_pages is None:
        return [], "", None
    visible = table.all_visible_pages / table.pages
    evidence = f"relallvisible {table.all_visible_pages:,} / relpages {table.pages:,}"
    if visible < COVER_MIN_VISIBLE:
        return [], "", (f"no covering index yet: {label} would make this an index-only scan, but only {visible:.0%} of "
                        f"the pages of {table.name} are all-visible ({evidence}), so it would still visit the heap for most "
                        f"rows; once VACUUM (or autovacuum) has caught up, analyse again")
    at = f" at {statement.location}" if statement.line else ""  # the index may serve more: say which one this is
    why = (f"{label}: the statement{at} ({statement.calls:,} call{'s' if statement.calls != 1 else ''}, {share:.0%} of the workload) reads only "
           f"{'this column' if len(extra) == 1 else 'these columns'} beyond the key, so it can run as an index-only "
           f"scan; narrow ({', '.join(widths)} on average, pg_stats); {visible:.0%} of the pages of {table.name} are "
           f"all-visible ({evidence}), so the scan rarely visits the heap")
    return extra, why, None


def propose(ctx: Context, ask: Ask, out: Extra) -> None:
    """INCLUDE columns on the access's partial index, or else on its plain B-tree, for an index-only scan
    (not beside a BRIN index: that one stands for a B-tree on the range column)."""
    if ask.existing is not None or (out.supersede_plain and not out.partials):
        return
    if out.partials:
        base = out.partials[0]
        keys, where = base.keys, base.where
        base_req = next(r for c, r in out.candidates if c is base)
    elif ask.req is not None:
        keys, where, base_req = variants(ask.req, ctx.max_width)[0], None, ask.req
    else:
        return
    include, why, note = include_for(ask.access, ask.statement.statement, ask.table, keys, where, ctx.total_calls)
    if note:
        out.notes.append(note)
    if not include:
        return
    schema, name = ask.access.table.schema, ask.access.table.name
    if out.partials:
        c = Candidate(schema, name, keys, include, where, kind="partial+covering",
                      why=f"{out.partials[0].why}; {why}", rows_fraction=out.partials[0].rows_fraction)
    else:
        c = Candidate(schema, name, keys, include, kind="covering", why=why)
    out.candidates.append((c, base_req))
    out.covering = True
