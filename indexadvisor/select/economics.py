"""The economics of an index, in one place for every kind: statement weights and write costs.

A statement's weight is its calls (or, with `--weight time`, its measured time per
unit of planner cost, so that weight x cost is time). An index is charged for the rows
the workload writes to its table, and for the HOT updates it takes away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from indexadvisor.costing import Coster
from indexadvisor.model import Candidate, Catalog, IndexKey, ParsedStatement, Table, WriteWindow
from indexadvisor.pg.exprtext import column_names
from indexadvisor.select.options import SelectionOptions

# Cost, in planner units, of maintaining one index entry for one written row: about
# one buffer access to the leaf page plus the CPU to insert. Documented in the README.
INDEX_WRITE_COST = 1.0
# A DELETE writes no index entry: the row's entries stay until vacuum removes them, in one
# pass over the whole index for all the rows deleted since the last one. With the default
# autovacuum_vacuum_scale_factor (0.2) that pass comes after a fifth of the table is dead,
# and reads the index's pages (a few hundred entries a page): about 1/50 of a page per
# deleted row, so a deleted row is charged this share of an inserted one.
DELETE_SHARE = 0.02
# A GIN index adds one entry per trigram, key or element of a written row.
GIN_WRITE_FACTOR = 3.0
# A BRIN index keeps one summary per block range: an inserted row widens the summary of its range
# at most (appended rows land in the last range, left unsummarised until VACUUM summarises it),
# a deleted one changes nothing, and from PostgreSQL 16 an UPDATE of its column stays HOT.
BRIN_WRITE_FACTOR = 0.1


@dataclass
class WriteLoad:
    """Rows written to one table per workload period, and the columns UPDATEs change (with volume)."""

    rows: float = 0.0
    updated: dict[str, float] = field(default_factory=dict)


def weights(parsed: list[ParsedStatement], base: dict[str, float], options: SelectionOptions) -> dict[str, float]:
    """Per statement: its calls, or with --weight time its time per unit of its cost."""
    out = {}
    for p in parsed:
        fp = p.statement.fingerprint
        if options.weight == "time" and p.statement.total_time_ms and base.get(fp):
            out[fp] = p.statement.total_time_ms / base[fp]  # weight x cost = measured time
        else:
            out[fp] = float(p.statement.calls)
    return out


def ms_per_unit(parsed: list[ParsedStatement], base: dict[str, float], options: SelectionOptions) -> float:
    """With --weight time, gains are in ms: the factor that turns a write cost (cost units) into ms."""
    if options.weight != "time":
        return 1.0
    timed = [(p.statement.total_time_ms, p.statement.calls * base[p.statement.fingerprint])
             for p in parsed if p.statement.total_time_ms and base.get(p.statement.fingerprint)]
    units = sum(u for _, u in timed)
    return sum(t for t, _ in timed) / units if units else 1.0


def write_load(parsed: list[ParsedStatement], coster: Coster, catalog: Catalog,
               options: SelectionOptions) -> dict[str, WriteLoad]:
    """Per table ("schema.name"): the rows the workload writes, from its statements, or from
    pg_stat_user_tables' counters within the workload's window where they tell more
    (WriteWindow.counts, counted_writes), whichever is larger."""
    load: dict[str, WriteLoad] = {}
    for p in parsed:
        writes = [a for a in p.accesses if a.kind in ("insert", "update", "delete")]
        # pg_stat_statements counts the rows a statement wrote: better than the planner's generic
        # estimate (`DELETE ... WHERE "expiresAt" < $1` is a third of the table to it)
        per_call = p.statement.rows / p.statement.calls if p.statement.rows is not None and p.statement.calls and len(writes) == 1 else None
        for a in writes:
            entry = load.setdefault(str(a.table), WriteLoad())
            if per_call is not None:
                rows = per_call
            else:
                rows = (a.rows_written or 1) if a.kind == "insert" else max(coster.rows(p) or 1.0, 1.0)
            entry.rows += p.statement.calls * rows * (DELETE_SHARE if a.kind == "delete" else 1.0)
            for col in a.set_columns:
                entry.updated[col] = entry.updated.get(col, 0.0) + p.statement.calls * rows
    window = options.write_window
    if window is not None:
        written = set(load)
        for name, table in catalog.tables.items():
            counted = counted_writes(table, window) if window.counts(name in written) else 0.0
            if counted:
                entry = load.setdefault(name, WriteLoad())
                entry.rows = max(entry.rows, counted)
    return load


def counted_writes(table: Table, window: WriteWindow) -> float:
    """The rows pg_stat_user_tables says the table had written within pg_stat_statements' window
    (what the statements may not show: triggers, functions, evicted entries), at the table's recent
    rate: its rows modified since its last ANALYZE over the time since, where known. Its counters
    since the statistics reset would count a bulk load or a backfill before the window as steady
    writes (a database loaded, analysed and then run for an hour is not written at its load's rate);
    without an ANALYZE time they are all there is, spread evenly over their window."""
    analysed = _time(table.last_analyze)
    if table.n_mod_since_analyze is not None and analysed is not None:
        since = (window.now - analysed).total_seconds()
        if since > 0:
            return table.n_mod_since_analyze * min(1.0, window.seconds / since)
    counted = sum(x or 0 for x in (table.n_tup_ins, table.n_tup_upd, table.n_tup_del))
    return counted * min(1.0, window.seconds / window.counters_seconds) if window.counters_seconds > 0 else 0.0


def hot_blocking(keys: Iterable[IndexKey], include: Iterable[str], where: str | None) -> set[str]:
    """The columns an UPDATE must leave unchanged to stay HOT with this index: its keys and INCLUDE
    columns, and those its expression keys or its WHERE read (a partial index on `status = 'queued'`
    takes the HOT path from every UPDATE of status, as PostgreSQL's hot-blocking set says)."""
    cols = {k.column for k in keys if k.column} | set(include)
    for text in [k.expression for k in keys if k.expression] + ([where] if where else []):
        cols |= column_names(text)
    return cols


def write_cost(c: Candidate, writes: dict[str, WriteLoad], catalog: Catalog, replaces: bool = False) -> float:
    """What maintaining the index costs under the workload's writes, in cost units.

    Nothing for the rows when it replaces a chosen index (that one was charged); a partial
    index only for the share of rows it holds; GIN GIN_WRITE_FACTOR times a B-tree's, BRIN
    BRIN_WRITE_FACTOR times. An index that
    reads a column the workload's UPDATEs change (hot_blocking), which no index read before, also
    costs those updates their HOT path.
    """
    entry = writes.get(f"{c.schema}.{c.table}")
    if not entry:
        return 0.0
    if c.method == "gin":
        return entry.rows * INDEX_WRITE_COST * GIN_WRITE_FACTOR
    share = c.rows_fraction if c.rows_fraction is not None else 1.0
    cost = entry.rows * INDEX_WRITE_COST * (0 if replaces else 1) * share
    table = catalog.tables.get(f"{c.schema}.{c.table}")
    if c.method == "brin":
        cost *= BRIN_WRITE_FACTOR
        if (catalog.server_version or 0) >= 160000:
            return cost  # a summarising index: an UPDATE of its column stays HOT
    indexes = table.indexes if table else []
    indexed_now = {col for i in indexes for col in hot_blocking(i.keys, i.include, i.where)}
    mine = hot_blocking(c.keys, c.include, c.where)
    for col, volume in entry.updated.items():
        if col in mine and col not in indexed_now:
            # the UPDATE was HOT-eligible; now every index on the table gets a new entry
            cost += volume * INDEX_WRITE_COST * (len(indexes) if table else 1)
    return cost


def _time(text: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return when if when is not None and when.tzinfo is not None else None
