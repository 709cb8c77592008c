"""The executions a statement shape is costed at besides its first: its lightest and heaviest keys.

A shape is costed with one set of its literals, and the planner tells keys apart only by pg_stats'
most common values (every other key is priced at the average rows). Calls follow rows, so the
users with thousands of chats are asked for often, and a plan that reads all of a key's rows costs
most there; a plan whose LIMIT stops early only where the key's rows are many (a scan in the sort
column's order, filtered by the key) costs most at the light keys. The first execution can be
either. So among the sampled executions (up to sources.workload's SAMPLES), the one whose equality
keys hold the fewest rows by pg_stats and the one whose keys hold the most are costed too, where
they hold other rows than the first's, and an index must serve all of them (costing.worst_over_keys).
"""

from __future__ import annotations

from indexadvisor.model import Catalog, Predicate, PredKind, Statement, Table, TableAccess
from indexadvisor.pg.selectivity import TableStats
from indexadvisor.sources.fingerprint import with_literals


def key_variants(st: Statement, accesses: list[TableAccess], catalog: Catalog) -> list[str]:
    """The statement's text with the sampled literals whose equality keys hold the fewest rows, and
    with those whose keys hold the most, each where those rows are not the first execution's."""
    if len(st.samples) < 2:
        return []
    first = st.samples[0]
    if with_literals(st.sql, first) is None:
        return []
    keys = [(table, p, first.index(p.constant)) for table, p in _keys(accesses, catalog)
            if p.constant is not None and first.count(p.constant) == 1]
    if not keys:
        return []
    stats = TableStats()

    def rows(sample: tuple[str, ...]) -> float:
        share = 1.0
        for table, p, at in keys:
            column = table.columns[p.column]
            share *= stats.eq_selectivity(column.stats, stats.rows(table), sample[at])
        return share

    samples = [s for s in st.samples if len(s) == len(first)]
    out = []
    for sample in (min(samples, key=rows), max(samples, key=rows)):
        if rows(sample) != rows(first) and sample not in out:
            out.append(sample)
    return [text for text in (with_literals(st.sql, sample) for sample in out) if text is not None]


def _keys(accesses: list[TableAccess], catalog: Catalog) -> list[tuple[Table, Predicate]]:
    """The equalities on a column whose most common values pg_stats knows."""
    out = []
    for a in accesses:
        table = catalog.tables.get(str(a.table))
        if table is None or not table.has_stats:
            continue
        for p in a.predicates:
            column = table.columns.get(p.column) if p.kind == PredKind.EQ and p.expression is None else None
            if column is not None and column.stats is not None and column.stats.most_common_vals:
                out.append((table, p))
    return out
