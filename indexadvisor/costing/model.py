"""Offline cost estimates from planner statistics, in the planner's cost units.

This is a deliberately small model of what PostgreSQL's planner does for one
table access: a sequential scan reads every page; an index scan descends the
tree, reads the matching index entries and fetches heap pages at random. It uses
pg_stats (most-common values, n_distinct, null fraction) for selectivity. With no
statistics (a schema from DDL files) it assumes a large table and the planner's
default selectivities, so the ranking falls back to structure and frequency; the
report says so. Planner what-if costing through HypoPG replaces this where it can.

The other index kinds (indexadvisor/kinds/) are priced here too: a partial index
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
from typing import Optional

from indexadvisor.candidates.requirements import Requirement
from indexadvisor.candidates.serve import Match
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
DEFAULT_CONTAIN_SEL = 0.005  # array @>, <@, && (array_selfuncs.c)
DEFAULT_MATCHING_SEL = 0.010  # jsonb @>, ? (matchingsel)
FIXED_CHAR_SEL = 0.20  # per fixed character of a LIKE pattern (like_selectivity)
BRIN_PAGES_PER_RANGE = 128

# What a table without statistics is assumed to look like: big enough that an
# index matters, with equality and prefix filters that pick few rows (as the
# columns people filter on mostly do), so advice is ranked by structure and frequency.
ASSUMED_ROWS = 1_000_000.0
ROWS_PER_PAGE = 60.0
ASSUMED_EQ_SEL = 0.001
ASSUMED_FLAG_SEL = 0.5  # a boolean, or an IS NULL test
ASSUMED_MATCH_SEL = 0.001
TINY_TABLE_ROWS = 1_000  # below this a sequential scan is as fast as any index


_GIN_ONLY = (PredKind.CONTAINS, PredKind.CONTAINED, PredKind.OVERLAPS, PredKind.HAS_KEY, PredKind.HAS_ANY_KEY,
             PredKind.HAS_ALL_KEYS, PredKind.ANY_ELEMENT)


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
        special = self._special_selectivity(table, pred)
        if special is not None:
            return special
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

    def _special_selectivity(self, table: Optional[Table], pred: Predicate) -> Optional[float]:
        """Expressions and the GIN operators; None for the plain column predicates."""
        if pred.kind in (PredKind.LIKE, PredKind.ILIKE):
            return like_selectivity(pred.constant)
        if pred.kind == PredKind.ROW_COMPARE:
            return DEFAULT_INEQ_SEL  # the planner's assumption too: no statistic spans two columns
        if (table is None or not table.has_stats) and (pred.expression is not None or pred.kind in _GIN_ONLY):
            # no statistics: filters people index are selective, as for plain columns (the rules fallback)
            if pred.kind == PredKind.IN:
                return min(1.0, ASSUMED_EQ_SEL * max(pred.values, 1))
            return DEFAULT_INEQ_SEL if pred.kind == PredKind.RANGE else ASSUMED_EQ_SEL
        if pred.kind in (PredKind.CONTAINS, PredKind.HAS_KEY, PredKind.HAS_ANY_KEY, PredKind.HAS_ALL_KEYS):
            column = table.columns.get(pred.column) if table is not None else None
            if column is not None and column.type.endswith("]"):
                return DEFAULT_CONTAIN_SEL
            stats = column.stats if column is not None and table is not None and table.has_stats else None
            from_mcv = _jsonb_mcv_selectivity(stats, pred) if stats is not None else None
            return from_mcv if from_mcv is not None else DEFAULT_MATCHING_SEL
        if pred.kind in (PredKind.CONTAINED, PredKind.OVERLAPS, PredKind.ANY_ELEMENT):
            return DEFAULT_CONTAIN_SEL
        if pred.expression is None:
            return None
        if pred.kind in (PredKind.EQ, PredKind.IN):
            # lower(email) keeps emails apart about as well as email does; other expressions: the default
            stats = self._expression_column_stats(table, pred.expression)
            one = self._eq(stats, self.rows(table), None) if stats is not None else DEFAULT_EQ_SEL
            return min(1.0, one * max(pred.values, 1))
        if pred.kind == PredKind.LIKE_PREFIX:
            return DEFAULT_MATCH_SEL
        return DEFAULT_INEQ_SEL

    @staticmethod
    def _expression_column_stats(table: Optional[Table], expression: str):
        import re

        if table is None or not table.has_stats:
            return None
        m = re.fullmatch(r"\s*(?:lower|upper|btrim|trim)\s*\(\s*\"?([^\s()\"]+)\"?\s*\)\s*", expression, re.I)
        if not m:
            return None
        name = m.group(1) if '"' in expression else m.group(1).lower()
        column = table.columns.get(name)
        return column.stats if column is not None else None

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

    def all_visible(self, table: Optional[Table]) -> float:
        """Share of the table's pages marked all-visible (relallvisible / relpages); 0 when unknown."""
        if table is None or not table.pages or table.all_visible_pages is None:
            return 0.0
        return max(0.0, min(1.0, table.all_visible_pages / table.pages))

    def index_scan(self, table: Optional[Table], access: TableAccess, req: Requirement, m: Match,
                   one_row: bool = False, key_columns: frozenset[str] = frozenset(),
                   index_only: bool = False, entry_width: float = 0.0) -> AccessCost:
        """Cost of an index scan using the matched leading keys; one_row for a unique lookup.

        Predicates on other key columns of the index are checked on the index entry,
        so only the rows that pass them cost a heap fetch. An index-only scan (every
        column the access reads is in the index) visits the heap only for rows on
        pages that are not all-visible, and reads the leaf pages of its entries.
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
        heap = _heap_fetch_cost(fetched, pages)
        if index_only and self.all_visible(table) > 0:
            heap = heap * (1.0 - self.all_visible(table)) + math.ceil(scanned * (entry_width + 16) / 8192.0) * SEQ_PAGE_COST
        cost = (
            RANDOM_PAGE_COST  # the descent
            + scanned * (CPU_INDEX_TUPLE_COST + CPU_OPERATOR_COST * len(in_index))
            + fetched * (CPU_TUPLE_COST + CPU_OPERATOR_COST * (len(rest) - len(in_index)))
            + heap
            + math.log2(n + 1) * CPU_OPERATOR_COST
        )
        if access.order_by and not m.order:
            cost += _sort_cost(matched * residual)
        return AccessCost(cost, fetched)

    def brin_scan(self, table: Optional[Table], access: TableAccess, used: list[Predicate], correlation: float) -> AccessCost:
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
        matched = n * self.combined_selectivity(table, access.predicates)
        cost = (
            max(ranges / 200.0, 1.0) * SEQ_PAGE_COST + ranges * CPU_OPERATOR_COST  # the summaries
            + read * SEQ_PAGE_COST * 1.1  # ranges are read in physical order
            + rows_read * (CPU_TUPLE_COST + CPU_OPERATOR_COST * max(len(access.predicates), 1))  # recheck
        )
        if access.order_by and not (access.limit is not None):
            cost += _sort_cost(matched)
        elif access.order_by:
            cost += matched * CPU_OPERATOR_COST * 2
        return AccessCost(cost, rows_read)

    def gin_scan(self, table: Optional[Table], access: TableAccess, used: list[Predicate],
                 matched_rows: Optional[float] = None) -> AccessCost:
        """A bitmap scan through a GIN index: the posting lists of the matched rows, then their heap pages.

        matched_rows: the rows the operator matches when known better than from the
        defaults (the planner's own estimate for the filter, from pg_stats).
        """
        n, pages = self.rows(table), self.pages(table)
        matched = max(matched_rows if matched_rows is not None else n * self.combined_selectivity(table, used), 1.0)
        rest = [p for p in access.predicates if p not in used]
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


def _jsonb_mcv_selectivity(stats, pred: Predicate) -> Optional[float]:
    """A jsonb @> or ? filter evaluated on the column's most common values, as the planner's
    matchingsel does; the rows outside them at the default. None without usable MCVs."""
    import json

    if not stats.most_common_vals or not stats.most_common_freqs or pred.constant is None:
        return None
    try:
        wanted = json.loads(_unquote(pred.constant)) if pred.kind == PredKind.CONTAINS else _unquote(pred.constant)
        values = [json.loads(v) for v in stats.most_common_vals]
    except (ValueError, TypeError):
        return None
    if pred.kind == PredKind.CONTAINS:
        hits = [f for v, f in zip(values, stats.most_common_freqs) if _jsonb_contains(v, wanted)]
    elif pred.kind == PredKind.HAS_KEY:
        hits = [f for v, f in zip(values, stats.most_common_freqs)
                if (isinstance(v, dict) and wanted in v) or (isinstance(v, list) and wanted in v) or v == wanted]
    else:
        return None
    rest = max(1.0 - stats.null_frac - sum(stats.most_common_freqs), 0.0)
    return min(1.0, sum(hits) + rest * DEFAULT_MATCHING_SEL)


def _jsonb_contains(have, want) -> bool:
    """jsonb @> on parsed JSON values (objects by key, arrays by any element, scalars by equality)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and _jsonb_contains(have[k], v) for k, v in want.items())
    if isinstance(want, list):
        if not isinstance(have, list):
            return False
        return all(any(_jsonb_contains(h, w) for h in have) for w in want)
    if isinstance(have, list):
        return want in have
    return have == want


def like_selectivity(pattern: Optional[str]) -> float:
    """A LIKE/ILIKE pattern's selectivity from its fixed characters, as the planner estimates it
    (each fixed character FIXED_CHAR_SEL, a leading fixed prefix counted the same); a parameter:
    the default."""
    if pattern is None:
        return DEFAULT_MATCH_SEL
    text = _unquote(pattern)
    fixed = sum(1 for ch in text if ch not in "%_")
    return min(max(FIXED_CHAR_SEL ** fixed * 5.0, 1e-5), 0.5)


def _unquote(constant: str) -> str:
    if len(constant) >= 2 and constant[0] == "'" and constant[-1] == "'":
        return constant[1:-1].replace("''", "'")
    return constant
