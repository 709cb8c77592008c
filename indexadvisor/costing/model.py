"""Offline cost estimates from planner statistics, in the planner's cost units.

This is a deliberately small model of what PostgreSQL's planner does for one
table access: a sequential scan reads every page; an index scan descends the
tree, reads the matching index entries and fetches heap pages at random. It uses
pg_stats (most-common values, n_distinct, null fraction) for selectivity. With no
statistics (a schema from DDL files) it assumes a large table and the planner's
default selectivities, so the ranking falls back to structure and frequency; the
report says so. Planner what-if costing through HypoPG replaces this where it can.

The other index kinds (indexadvisor/candidates/kinds/) are priced here too: a partial index
through its implied predicate, a covering index as an index-only scan that visits
the heap only for pages not all-visible (relallvisible / relpages), an expression
key with the column's statistics where the expression keeps its values apart
(lower, upper, trim) and the planner's defaults otherwise, BRIN as a bitmap scan
of whole block ranges (tight when pg_stats.correlation is near 1), and GIN as a
bitmap scan of the rows its operator matches (selectivities as the planner's
defaults: contsel, matchingsel, the LIKE pattern's fixed characters).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from indexadvisor.candidates.requirements import Requirement
from indexadvisor.candidates.serve import Match
from indexadvisor.model import Predicate, PredKind, Table, TableAccess
from indexadvisor.pg.selectivity import BRIN_PAGES_PER_RANGE, TableStats

# PostgreSQL's defaults (costsize.c)
SEQ_PAGE_COST = 1.0
RANDOM_PAGE_COST = 4.0
CPU_TUPLE_COST = 0.01
CPU_INDEX_TUPLE_COST = 0.005
CPU_OPERATOR_COST = 0.0025
# comparisons of one more B-tree descent beyond its page read: the keys searched on the way
# down and the tree's pages, as btcostestimate charges (50 x cpu_operator_cost a page)
DESCENT_CPU = 200


@dataclass
class AccessCost:
    cost: float
    rows: float  # table rows read (heap tuples visited)


class StatsModel(TableStats):
    """Estimates the cost of one table access by each available path (selectivity: TableStats)."""


    def seq_scan(self, table: Table | None, access: TableAccess) -> AccessCost:
        n, pages = self.rows(table), self.pages(table)
        cost = pages * SEQ_PAGE_COST + n * (CPU_TUPLE_COST + CPU_OPERATOR_COST * max(len(filters(access)), 1))
        matched = n * self.combined_selectivity(table, filters(access))
        if access.order_by:
            if access.limit is not None:
                cost += matched * CPU_OPERATOR_COST * 2  # top-N heapsort
            else:
                cost += _sort_cost(matched)
        return AccessCost(cost, n)

    def index_scan(self, table: Table | None, access: TableAccess, req: Requirement, m: Match,
                   one_row: bool = False, key_columns: frozenset[str] = frozenset(),
                   index_only: bool = False, entry_width: float = 0.0, first_key: str | None = None) -> AccessCost:
        """Cost of an index scan using the matched leading keys; one_row for a unique lookup.

        Predicates on other key columns of the index are checked on the index entry,
        so only the rows that pass them cost a heap fetch. An index-only scan (every
        column the access reads is in the index) visits the heap only for rows on
        pages that are not all-visible, and reads the leaf pages of its entries.
        A skip scan (m.skipped, PostgreSQL 18+) descends once per distinct value of the
        skipped leading keys (skip_descents), each descent a random read and its comparisons.
        first_key: the index's first key column, whose pg_stats.correlation prices the heap fetches of
        a scan in its order (_clustered_fetch_cost), as the planner's does.
        """
        n, pages = self.rows(table), self.pages(table)
        used = [p for p in access.predicates
                if p.column in m.eq or p in m.implied or (m.range and p.column == req.range)]
        rest = [p for p in filters(access) if p not in used]
        in_index = [p for p in rest if p.column in key_columns]
        matched = 1.0 if one_row else max(n * self.combined_selectivity(table, used), 1.0)
        residual = self.combined_selectivity(table, rest)
        scanned = matched
        if m.order and access.limit is not None:
            # the index delivers the order: the scan stops after LIMIT matches, if the rows the
            # filters keep are spread evenly. A filter the heap checks can keep rows that cluster
            # (the LIMIT trap): count the scan between the early stop and all the matches, by the
            # share of rows that filter keeps (a soft-delete flag keeps nearly all: an early stop)
            wanted = access.limit or 10  # a parameter LIMIT: assume a page of results
            early = min(matched, max(wanted / max(residual, 1e-9), 1.0))
            scanned = past_early_stop(early, matched, self.combined_selectivity(table, [p for p in rest if p not in in_index]))
        fetched = max(scanned * self.combined_selectivity(table, in_index), min(scanned, 1.0))
        heap = _heap_fetch_cost(fetched, pages)
        if m.range and req.range:
            heap = min(heap, self._clustered_fetch_cost(table, req.range, fetched, n, pages))
        elif m.order and req.sort and first_key == req.sort[0].column:
            # read in the order of the index's first column: where the rows are stored in that order
            # (an insertion time), the heap pages come in order too, as the planner counts them
            heap = min(heap, self._clustered_fetch_cost(table, first_key, fetched, n, pages))
        if index_only and self.all_visible(table) > 0:
            heap = heap * (1.0 - self.all_visible(table)) + math.ceil(scanned * (entry_width + 16) / 8192.0) * SEQ_PAGE_COST
        descents = self.skip_descents(table, m.skipped) if m.skipped else 1.0
        cost = (
            RANDOM_PAGE_COST * descents  # the descent(s)
            + (descents - 1.0) * DESCENT_CPU * CPU_OPERATOR_COST
            + scanned * (CPU_INDEX_TUPLE_COST + CPU_OPERATOR_COST * len(in_index))
            + fetched * (CPU_TUPLE_COST + CPU_OPERATOR_COST * (len(rest) - len(in_index)))
            + heap
            + math.log2(n + 1) * CPU_OPERATOR_COST
        )
        if access.order_by and not m.order:
            cost += _sort_cost(matched * residual)
        return AccessCost(cost, fetched)

    def _clustered_fetch_cost(self, table: Table | None, column: str, fetched: float, n: float, pages: float) -> float:
        """The heap pages of rows a range selects on a column stored in its order (pg_stats.correlation c
        near 1), read in physical order: they sit in a share of the pages of sel / c^2, as for BRIN."""
        col = table.columns.get(column) if table is not None else None
        c = col.stats.correlation if col is not None and col.stats is not None else None
        if not c or not pages:
            return math.inf
        read = min(pages, pages * (fetched / max(n, 1.0)) / (c * c) + 1.0)
        return read * SEQ_PAGE_COST * 1.1

    def skip_descents(self, table: Table | None, skipped: list[str]) -> float:
        """Descents of a skip scan: the distinct values of the skipped leading keys together
        (pg_stats.n_distinct, a negative one a fraction of the rows), at most one per row."""
        n = self.rows(table)
        values = 1.0
        for name in skipped:
            column = table.columns.get(name) if table is not None else None
            stats = column.stats if column is not None else None
            if stats is None or stats.n_distinct == 0:
                return n  # unknown: as bad as it gets
            values *= stats.n_distinct if stats.n_distinct > 0 else -stats.n_distinct * n
        return max(1.0, min(values, n))

    def brin_scan(self, table: Table | None, access: TableAccess, used: list[Predicate], correlation: float) -> AccessCost:
        """A bitmap scan through a BRIN index: every page of each block range that may match.

        With a correlation c near 1 the matching rows sit in few ranges; as c falls they
        spread over more (modelled as sel / c^2), up to the whole table.
        """
        n, pages = self.rows(table), self.pages(table)
        sel = self.combined_selectivity(table, used)
        c = max(abs(correlation), 1e-3)
        read = min(pages, pages * sel / (c * c) + BRIN_PAGES_PER_RANGE)
        rows_read = n * read / pages if pages else n
        ranges = pages / BRIN_PAGES_PER_RANGE
        matched = n * self.combined_selectivity(table, filters(access))
        cost = (
            max(ranges / 200.0, 1.0) * SEQ_PAGE_COST + ranges * CPU_OPERATOR_COST  # the summaries
            + read * SEQ_PAGE_COST * 1.1  # ranges are read in physical order
            + rows_read * (CPU_TUPLE_COST + CPU_OPERATOR_COST * max(len(filters(access)), 1))  # recheck
        )
        if access.order_by and not (access.limit is not None):
            cost += _sort_cost(matched)
        elif access.order_by:
            cost += matched * CPU_OPERATOR_COST * 2
        return AccessCost(cost, rows_read)

    def bitmap_scan(self, table: Table | None, access: TableAccess, used: list[Predicate],
                 matched_rows: float | None = None) -> AccessCost:
        """A bitmap scan through a GIN (or GiST, SP-GiST, hash) index: the entries of the matched rows,
        then their heap pages.

        matched_rows: the rows the operator matches when known better than from the
        defaults (the planner's own estimate for the filter, from pg_stats).
        """
        n, pages = self.rows(table), self.pages(table)
        matched = max(matched_rows if matched_rows is not None else n * self.combined_selectivity(table, used), 1.0)
        rest = [p for p in filters(access) if p not in used]
        cost = (
            RANDOM_PAGE_COST * (1 + len(used))  # one entry-tree descent per searched key
            + matched * CPU_INDEX_TUPLE_COST * 2  # posting list entries (several keys per row)
            + _heap_fetch_cost(matched, pages)
            + matched * (CPU_TUPLE_COST + CPU_OPERATOR_COST * (len(used) + len(rest)))  # recheck
        )
        if access.order_by:
            wanted = matched * self.combined_selectivity(table, rest)
            cost += wanted * CPU_OPERATOR_COST * 2 if access.limit is not None else _sort_cost(wanted)
        return AccessCost(cost, matched)


def past_early_stop(early: float, whole: float, kept: float) -> float:
    """The LIMIT trap priced in, for the statistics model and the planner's plans alike: what a
    LIMIT over a filtered stream reads, between its early stop (the rows the filter keeps spread
    evenly) and the whole stream (they come last), by the share of rows the filter keeps. A filter
    that keeps nearly every row (a soft-delete flag) barely delays the stop; one that keeps one
    team's rows out of every team's can read everything."""
    return early + (whole - early) * (1.0 - kept)


def filters(access: TableAccess) -> list[Predicate]:
    """The predicates that filter the access's own rows. A join key the index does not search is
    the join's condition, not the scan's: a table that leads a nested loop sends out every row its
    filters keep (`memberships JOIN users ON "userId" = users.id ... ORDER BY "createdAt" LIMIT 50`
    stops after 50 memberships), where counted as a filter at 1/n_distinct it hid the early stop of
    an index that delivers the order, and the rows a sort must take."""
    return [p for p in access.predicates if p.kind != PredKind.JOIN]


def _heap_fetch_cost(rows: float, pages: float) -> float:
    """Heap pages visited for `rows` scattered rows, priced as a bitmap heap scan would be:
    distinct pages touched (Mackert-Lohman style), each between a random and a sequential read."""
    touched = pages * (1.0 - math.exp(-rows / pages)) if pages > 0 else rows
    per_page = RANDOM_PAGE_COST - (RANDOM_PAGE_COST - SEQ_PAGE_COST) * math.sqrt(min(touched / pages, 1.0)) if pages > 0 else RANDOM_PAGE_COST
    return touched * per_page


def _sort_cost(rows: float) -> float:
    rows = max(rows, 2.0)
    return 2.0 * CPU_OPERATOR_COST * rows * math.log2(rows)
