"""Selectivity from planner statistics (pg_stats), as PostgreSQL's planner estimates it.

What share of a table's rows a predicate keeps: most-common values and their
frequencies, n_distinct, the null fraction; the planner's default selectivities where
there are no statistics for the operand (an expression, a GIN operator), and the
advisor's assumptions where there are none at all (a schema from DDL files: large
tables, selective filters, so advice falls back to structure and frequency). Used by
the candidate rules (is a constant selective enough for a partial index, is a table
big enough for BRIN) and by the offline cost model.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections import Counter
from datetime import datetime

from indexadvisor.model import ColumnStats, Predicate, PredKind, Table
from indexadvisor.pg import types as T

# PostgreSQL's defaults (selfuncs.h, brin.h)
DEFAULT_EQ_SEL = 0.005
DEFAULT_INEQ_SEL = 1.0 / 3.0
DEFAULT_RANGE_SEL = 0.005  # a two-sided range (BETWEEN), as the planner assumes
DEFAULT_MATCH_SEL = 0.005  # LIKE prefix
DEFAULT_CONTAIN_SEL = 0.005  # array @>, <@, && (array_selfuncs.c)
DEFAULT_MATCHING_SEL = 0.010  # jsonb @>, ? (matchingsel)
FIXED_CHAR_SEL = 0.20  # per fixed character of a LIKE pattern (like_selectivity)
BRIN_PAGES_PER_RANGE = 128
# |pg_stats.correlation| from which a BRIN index skips most block ranges (rows in the column's order)
BRIN_MIN_CORRELATION = 0.9

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
             PredKind.HAS_ALL_KEYS, PredKind.ANY_ELEMENT, PredKind.MATCHES)
# the planner's default share of rows a full-text match keeps (DEFAULT_TS_MATCH_SEL), where
# pg_stats has no most-common lexemes for the document
DEFAULT_TS_MATCH_SEL = 0.005


class TableStats:
    """A table's size and the selectivity of predicates on it, from its statistics."""

    def rows(self, table: Table | None) -> float:
        if table is not None and table.has_stats:
            return max(float(table.row_estimate or 0.0), 1.0)
        return ASSUMED_ROWS

    def pages(self, table: Table | None) -> float:
        """relpages; a partitioned table has none of its own (-1): its rows' pages, as for no statistics."""
        if table is not None and table.has_stats and table.pages and table.pages > 0:
            return float(table.pages)
        return max(self.rows(table) / ROWS_PER_PAGE, 1.0)

    def is_tiny(self, table: Table | None) -> bool:
        return table is not None and table.has_stats and self.rows(table) < TINY_TABLE_ROWS

    def selectivity(self, table: Table | None, pred: Predicate) -> float:
        special = self._special_selectivity(table, pred)
        if special is not None:
            return special
        column = table.columns.get(pred.column) if table is not None else None
        stats = column.stats if column is not None and table is not None and table.has_stats else None
        n = self.rows(table)
        if stats is None:
            return self._assumed(column, pred)
        if pred.kind in (PredKind.EQ, PredKind.JOIN):
            return self.eq_selectivity(stats, n, pred.constant)
        if pred.kind == PredKind.IN:  # each value's share, as the planner sums them (scalararraysel)
            values: list[str | None] = list(pred.literals()) or [None] * max(pred.values, 1)
            return min(1.0, sum(self.eq_selectivity(stats, n, v) for v in values))
        if pred.kind == PredKind.IS_NULL:
            return stats.null_frac
        if pred.kind == PredKind.IS_NOT_NULL:
            return 1.0 - stats.null_frac
        if pred.kind == PredKind.LIKE_PREFIX:
            return DEFAULT_MATCH_SEL
        one_sided = range_selectivity(stats, pred.constant, pred.upper, T.is_textual(column.type) if column else False)  # RANGE
        return one_sided if one_sided is not None else DEFAULT_INEQ_SEL

    def _special_selectivity(self, table: Table | None, pred: Predicate) -> float | None:
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
        if pred.kind == PredKind.MATCHES:
            return DEFAULT_TS_MATCH_SEL
        if pred.expression is None:
            return None
        if pred.kind in (PredKind.EQ, PredKind.IN):
            # lower(email) keeps emails apart about as well as email does; other expressions: the default
            stats = expression_column_stats(table, pred.expression)
            one = self.eq_selectivity(stats, self.rows(table), None) if stats is not None else DEFAULT_EQ_SEL
            return min(1.0, one * max(pred.values, 1))
        if pred.kind == PredKind.LIKE_PREFIX:
            return DEFAULT_MATCH_SEL
        return DEFAULT_INEQ_SEL

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

    def eq_selectivity(self, stats, n: float, constant: str | None) -> float:
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

    def all_visible(self, table: Table | None) -> float:
        """Share of the table's pages marked all-visible (relallvisible / relpages); 0 when unknown."""
        if table is None or not table.pages or table.all_visible_pages is None:
            return 0.0
        return max(0.0, min(1.0, table.all_visible_pages / table.pages))

    def combined_selectivity(self, table: Table | None, preds: list[Predicate]) -> float:
        """The predicates' selectivities multiplied, where a column bounded on both sides by parameters
        (`BETWEEN $1 AND $2`, `>= $1 AND < $2`), or by anything on a table with no statistics, counts
        once at DEFAULT_RANGE_SEL, as the planner counts a pair it has no histogram for
        (clauselist_selectivity), not as two independent thirds. With literal bounds and statistics
        the planner reads the column's histogram, which the model does not have."""
        blind = table is None or not table.has_stats

        def unread(p: Predicate) -> bool:  # a bound no histogram is read for
            return p.kind == PredKind.RANGE and p.upper is not None and (p.constant is None or blind)

        bounds = Counter(column for column, _ in {(p.column, p.upper) for p in preds if unread(p)})
        sel = 1.0
        paired: set[str] = set()
        for p in preds:
            if unread(p) and bounds[p.column] == 2:
                if p.column not in paired:
                    paired.add(p.column)
                    sel *= DEFAULT_RANGE_SEL
                continue
            if p.column in paired and p.kind == PredKind.RANGE:
                continue  # its pair is counted
            between = self._between(table, p, preds)
            if between is not None:
                paired.add(p.column)
                sel *= between
                continue
            sel *= self.selectivity(table, p)
        return sel

    def _between(self, table: Table | None, pred: Predicate, preds: list[Predicate]) -> float | None:
        """A column bounded on both sides by literals its histogram reads: the rows between the
        two (below the upper bound and above the lower, less all the rows), as the planner combines
        a range pair; None otherwise."""
        if pred.kind != PredKind.RANGE or pred.upper is None or pred.expression is not None or table is None:
            return None
        column = table.columns.get(pred.column)
        stats = column.stats if column is not None and table.has_stats else None
        if stats is None:
            return None
        bounds = [q for q in preds
                  if q.column == pred.column and q.kind == PredKind.RANGE and q.upper is not None and q.expression is None]
        if len({q.upper for q in bounds}) < 2:
            return None  # one side: selectivity() reads it
        sides: dict[bool, float] = {}
        for q in bounds:
            one = range_selectivity(stats, q.constant, q.upper, T.is_textual(column.type) if column else False)
            if one is None:
                return None
            sides[bool(q.upper)] = min(sides.get(bool(q.upper), 1.0), one)
        return max(sides[True] + sides[False] - (1.0 - stats.null_frac), 1.0 / max(self.rows(table), 1.0))


def range_selectivity(stats: ColumnStats | None, constant: str | None, upper: bool | None,
                      textual: bool = False) -> float | None:
    """The share of rows `col < constant` (upper) or `col > constant` keeps, from the column's
    most common values and histogram (pg_stats), for numbers, dates and times; None where
    there is no literal, no histogram of that kind or no side (the caller's default then).
    A `textual` column compares as text: only where the constant and every value are numbers or
    times written at one width (zip codes, ISO dates kept as text) do text and number agree."""
    value = _ordinal(constant)
    if stats is None or value is None or upper is None:
        return None
    if textual and not _one_width(constant or "", tuple(stats.most_common_vals or ()) + tuple(stats.histogram_bounds or ())):
        return None
    common = _ordinals(tuple(stats.most_common_vals or ()))
    if common is None:
        return None
    mcv = list(zip(common, stats.most_common_freqs or []))
    from_mcv = sum(f for v, f in mcv if (v < value if upper else v > value))
    rest = max(1.0 - stats.null_frac - sum(f for _, f in mcv), 0.0)
    bounds = _ordinals(tuple(stats.histogram_bounds or ()))
    if bounds is None or len(bounds) < 2:
        return from_mcv if rest < 0.01 and mcv else None  # the common values are (nearly) all there is
    below = _histogram_share(bounds, value)
    return min(max(from_mcv + rest * (below if upper else 1.0 - below), 0.0), 1.0)


def _histogram_share(bounds: tuple[float, ...], value: float) -> float:
    """The share of a histogram's values below `value`: whole buckets, and the bucket it falls in
    in proportion (the planner's ineq_histogram_selectivity)."""
    if value <= bounds[0]:
        return 0.0
    if value >= bounds[-1]:
        return 1.0
    i = bisect.bisect_right(bounds, value) - 1
    low, high = bounds[i], bounds[i + 1]
    within = (value - low) / (high - low) if high > low else 0.5
    return (i + within) / (len(bounds) - 1)


_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _one_width(constant: str, values: tuple[str, ...]) -> bool:
    """Whether a literal and a text column's values are all written at one width: there, text
    order is the order of the numbers or times they hold ('09501' < '10001' either way, where
    '991' > '99000' as text and not as numbers)."""
    m = _QUOTED.search(constant)
    width = len((m.group(1) if m else constant).strip())
    return bool(values) and all(len(v) == width for v in values)


@functools.lru_cache(maxsize=4096)
def _ordinals(values: tuple[str, ...]) -> tuple[float, ...] | None:
    """pg_stats' values of a column as ordinals (_ordinal), parsed once per column rather than on
    every estimate; None when one is not a number, date or time."""
    parsed = [v for v in (_ordinal(text) for text in values) if v is not None]
    return tuple(parsed) if len(parsed) == len(values) else None


def _ordinal(text: str | None) -> float | None:
    """A number, date or time as a number that orders like it (a literal as SQL writes it,
    `'2024-01-01'::date`, `TIMESTAMP '...'`, or a value as pg_stats prints it); None otherwise.
    Times are compared as written, their zone dropped: a literal and the statistics read in one
    session share its TimeZone."""
    if text is None:
        return None
    m = _QUOTED.search(text)
    raw = (m.group(1) if m else text).strip()
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return (datetime.fromisoformat(raw).replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds()
    except ValueError:
        return None


def _jsonb_mcv_selectivity(stats, pred: Predicate) -> float | None:
    """A jsonb @> or ? filter evaluated on the column's most common values, as the planner's
    matchingsel does; the rows outside them at the default. None without usable MCVs."""
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


def like_selectivity(pattern: str | None) -> float:
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


def sampled_eq_selectivity(sampled: int, non_null: int, distinct: int, once: int, rows: float) -> float | None:
    """The share of a table's rows one value of an expression matches, from a sample of `sampled`
    rows in which the expression was not null `non_null` times, took `distinct` values, `once` of
    them seen once; None from an empty sample. The number of distinct values in the table is
    PostgreSQL's own estimator (ANALYZE's, Haas and Stokes): every value seen once means unique."""
    if sampled <= 0 or non_null <= 0 or distinct <= 0:
        return None
    share = non_null / sampled  # of the rows, those where it is not null
    total = max(rows * share, float(non_null))
    if once >= distinct:
        values = total
    else:
        values = non_null * distinct / (non_null - once + once * non_null / total)
        values = min(max(values, float(distinct)), total)
    return share / values


def expression_column_stats(table: Table | None, expression: str) -> ColumnStats | None:
    """The statistics of the column under lower(), upper() or trim(): the expression's values
    keep the column's widths and, for a nearly unique column, its distinct values."""
    if table is None or not table.has_stats:
        return None
    m = re.fullmatch(r"\s*(?:lower|upper|btrim|trim)\s*\(\s*\"?([^\s()\"]+)\"?\s*\)\s*", expression, re.I)
    if not m:
        return None
    name = m.group(1) if '"' in expression else m.group(1).lower()
    column = table.columns.get(name)
    return column.stats if column is not None else None
