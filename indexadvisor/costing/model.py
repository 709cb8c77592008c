"""Offline cost estimates from planner statistics, in the planner's cost units.

This is a deliberately small model of what PostgreSQL's planner does for one
table access: a sequential scan reads every page; an index scan descends the
tree, reads the matching index entries and fetches heap pages at random. It uses
pg_stats (most-common values, n_distinct, null fraction) for selectivity. With no
statistics (a schema from DDL files) it assumes a large table and the planner's
default selectivities, so the ranking falls back to structure and frequency; the
report says so. Planner what-if costing through HypoPG replaces this where it can.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from indexadvisor.candidates import Match, Requirement
from indexadvisor.model import Predicate, PredKind, Table, TableAccess

# PostgreSQL's defaults (costsize.c, selfuncs.h)
SEQ_PAGE_COST = 1.0
RANDOM_PAGE_COST = 4.0
CPU_TUPLE_COST = 0.01
CPU_INDEX_TUPLE_COST = 0.005
CPU_OPERATOR_COST = 0.0025
DEFAULT_EQ_SEL = 0.005
DEFAULT_INEQ_SEL = 1.0 / 3.0
DEFAULT_RANGE_SEL = 0.005  # a two-sided range (BETWEEN), as the planner assumes
DEFAULT_MATCH_SEL = 0.005  # LIKE prefix

# What a table without statistics is assumed to look like: big enough that an
# index matters, with equality and prefix filters that pick few rows (as the
# columns people filter on mostly do), so advice is ranked by structure and frequency.
ASSUMED_ROWS = 1_000_000.0
ROWS_PER_PAGE = 60.0
ASSUMED_EQ_SEL = 0.001
ASSUMED_FLAG_SEL = 0.5  # a boolean, or an IS NULL test
ASSUMED_MATCH_SEL = 0.001
TINY_TABLE_ROWS = 1_000  # below this a sequential scan is as fast as any index


@dataclass
class AccessCost:
    cost: float
    rows: float  # table rows read (heap tuples visited)


class StatsModel:
    """Estimates the cost of one table access by each available path."""

    def rows(self, table: Optional[Table]) -> float:
        if table is not None and table.has_stats:
            return max(float(table.row_estimate or 0.0), 1.0)
        return ASSUMED_ROWS

    def pages(self, table: Optional[Table]) -> float:
        if table is not None and table.has_stats and table.pages:
            return float(table.pages)
        return max(self.rows(table) / ROWS_PER_PAGE, 1.0)

    def is_tiny(self, table: Optional[Table]) -> bool:
        return table is not None and table.has_stats and self.rows(table) < TINY_TABLE_ROWS

    def selectivity(self, table: Optional[Table], pred: Predicate) -> float:
        column = table.columns.get(pred.column) if table is not None else None
        stats = column.stats if column is not None and table is not None and table.has_stats else None
        n = self.rows(table)
        if stats is None:
            return self._assumed(column, pred)
        if pred.kind in (PredKind.EQ, PredKind.JOIN):
            return self._eq(stats, n, pred.constant)
        if pred.kind == PredKind.IN:
            return min(1.0, self._eq(stats, n, None) * max(pred.values, 1))
        if pred.kind == PredKind.IS_NULL:
            return stats.null_frac
        if pred.kind == PredKind.IS_NOT_NULL:
            return 1.0 - stats.null_frac
        if pred.kind == PredKind.LIKE_PREFIX:
            return DEFAULT_MATCH_SEL
        return DEFAULT_INEQ_SEL  # RANGE

    @staticmethod
    def _assumed(column, pred: Predicate) -> float:
        """Selectivity with no statistics: the rules fallback."""
        flag = column is not None and column.type.startswith("bool")
        if pred.kind in (PredKind.EQ, PredKind.JOIN):
            return ASSUMED_FLAG_SEL if flag else ASSUMED_EQ_SEL
        if pred.kind == PredKind.IN:
            return min(1.0, ASSUMED_EQ_SEL * max(pred.values, 1))
        if pred.kind in (PredKind.IS_NULL, PredKind.IS_NOT_NULL):
            return ASSUMED_FLAG_SEL
        if pred.kind == PredKind.LIKE_PREFIX:
            return ASSUMED_MATCH_SEL
        return DEFAULT_INEQ_SEL

    def _eq(self, stats, n: float, constant: Optional[str]) -> float:
        if stats is None:
            return DEFAULT_EQ_SEL
        mcv = stats.most_common_vals or []
        freqs = stats.most_common_freqs or []
        if constant is not None and mcv:
            value = _unquote(constant)
            for v, f in zip(mcv, freqs):
                if v == value or (v in ("t", "f") and value.lower() in ("true", "false") and (v == "t") == (value.lower() == "true")):
                    return f
        distinct = stats.n_distinct if stats.n_distinct >= 0 else -stats.n_distinct * n
        if distinct <= 0:
            return DEFAULT_EQ_SEL
        rest = max(1.0 - stats.null_frac - sum(freqs), 0.0)
        others = max(distinct - len(mcv), 1.0)
        if constant is not None and mcv:
            return rest / others  # a value not among the most common ones
        return max((1.0 - stats.null_frac) / distinct, 1.0 / n)

    # ------------------------------------------------------------------ paths

    def seq_scan(self, table: Optional[Table], access: TableAccess) -> AccessCost:
        n, pages = self.rows(table), self.pages(table)
        cost = pages * SEQ_PAGE_COST + n * (CPU_TUPLE_COST + CPU_OPERATOR_COST * max(len(access.predicates), 1))
        matched = n * self.combined_selectivity(table, access.predicates)
        if access.order_by:
            if access.limit is not None:
                cost += matched * CPU_OPERATOR_COST * 2  # top-N heapsort
            else:
                cost += _sort_cost(matched)
        return AccessCost(cost, n)

    def index_scan(self, table: Optional[Table], access: TableAccess, req: Requirement, m: Match,
                   one_row: bool = False, key_columns: frozenset[str] = frozenset()) -> AccessCost:
        """Cost of an index scan using the matched leading keys; one_row for a unique lookup.

        Predicates on other key columns of the index are checked on the index entry,
        so only the rows that pass them cost a heap fetch.
        """
        n, pages = self.rows(table), self.pages(table)
        used = [p for p in access.predicates if p.column in m.eq or (m.range and p.column == req.range)]
        rest = [p for p in access.predicates if p not in used]
        in_index = [p for p in rest if p.column in key_columns]
        matched = 1.0 if one_row else max(n * self.combined_selectivity(table, used), 1.0)
        residual = self.combined_selectivity(table, rest)
        scanned = matched
        if m.order and access.limit is not None:
            wanted = access.limit or 10  # a parameter LIMIT: assume a page of results
            scanned = min(matched, max(wanted / max(residual, 1e-9), 1.0))
        fetched = max(scanned * self.combined_selectivity(table, in_index), min(scanned, 1.0))
        cost = (
            RANDOM_PAGE_COST  # the descent
            + scanned * (CPU_INDEX_TUPLE_COST + CPU_OPERATOR_COST * len(in_index))
            + fetched * (CPU_TUPLE_COST + CPU_OPERATOR_COST * (len(rest) - len(in_index)))
            + _heap_fetch_cost(fetched, pages)
            + math.log2(n + 1) * CPU_OPERATOR_COST
        )
        if access.order_by and not m.order:
            cost += _sort_cost(matched * residual)
        return AccessCost(cost, fetched)

    def combined_selectivity(self, table: Optional[Table], preds: list[Predicate]) -> float:
        sel = 1.0
        for p in preds:
            sel *= self.selectivity(table, p)
        return sel


def _heap_fetch_cost(rows: float, pages: float) -> float:
    """Heap pages visited for `rows` scattered rows, priced as a bitmap heap scan would be:
    distinct pages touched (Mackert-Lohman style), each between a random and a sequential read."""
    touched = pages * (1.0 - math.exp(-rows / pages)) if pages > 0 else rows
    per_page = RANDOM_PAGE_COST - (RANDOM_PAGE_COST - SEQ_PAGE_COST) * math.sqrt(min(touched / pages, 1.0)) if pages > 0 else RANDOM_PAGE_COST
    return touched * per_page


def _sort_cost(rows: float) -> float:
    rows = max(rows, 2.0)
    return 2.0 * CPU_OPERATOR_COST * rows * math.log2(rows)


def _unquote(constant: str) -> str:
    if len(constant) >= 2 and constant[0] == "'" and constant[-1] == "'":
        return constant[1:-1].replace("''", "'")
    return constant
