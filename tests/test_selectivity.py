"""Range selectivity from pg_stats' histogram and most common values (pg/selectivity.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from indexadvisor.model import Column, ColumnStats, Predicate, PredKind, Table
from indexadvisor.pg.selectivity import TableStats, range_selectivity

HOURS = ColumnStats(null_frac=0.0, n_distinct=-1.0, avg_width=8,
                    histogram_bounds=[f"2025-01-01 {h:02d}:00:00+00" for h in range(0, 21, 4)])  # 5 buckets of 4 hours


@pytest.mark.parametrize("constant, upper, share", [
    ("'2025-01-01 02:00:00'", True, 0.1),  # half of the first of five buckets
    ("'2025-01-01 02:00:00'", False, 0.9),
    ("TIMESTAMP '2025-01-01 16:00:00'", True, 0.8),
    ("'2024-12-31'::date", True, 0.0),
    ("'2026-01-01'", False, 0.0),
])
def test_a_literal_bound_reads_the_histogram(constant, upper, share):
    assert range_selectivity(HOURS, constant, upper) == pytest.approx(share)


def test_the_most_common_values_count_apart_from_the_histogram():
    """Half the rows hold 0 (below 5), a tenth are NULL; the other 40% spread over 10..50."""
    stats = ColumnStats(null_frac=0.1, n_distinct=50.0, avg_width=4, most_common_vals=["0"], most_common_freqs=[0.5],
                        histogram_bounds=["10", "20", "30", "40", "50"])
    assert range_selectivity(stats, "5", True) == pytest.approx(0.5)
    assert range_selectivity(stats, "30", True) == pytest.approx(0.5 + 0.4 * 0.5)
    assert range_selectivity(stats, "30", False) == pytest.approx(0.4 * 0.5)


def test_without_a_literal_or_a_histogram_of_numbers_or_times_the_caller_keeps_its_default():
    assert range_selectivity(HOURS, None, True) is None  # a parameter
    assert range_selectivity(HOURS, "now() - interval '1 day'", True) is None
    assert range_selectivity(ColumnStats(n_distinct=-1.0), "5", True) is None


def test_two_literal_bounds_keep_the_rows_between_them_once():
    """`at >= 04:00 AND at < 12:00` is two of five buckets, not (4/5) x (3/5) of the rows."""
    table = Table("public", "readings", {"at": Column("at", "timestamptz", stats=HOURS)}, row_estimate=1_000_000, pages=10_000)
    preds = [Predicate("at", PredKind.RANGE, "'2025-01-01 04:00:00'", upper=False),
             Predicate("at", PredKind.RANGE, "'2025-01-01 12:00:00'", upper=True)]
    assert TableStats().combined_selectivity(table, preds) == pytest.approx(0.4)
    # the column's other tests still count: only the pair is read once
    half_null = Table("public", "readings", {"at": Column("at", "timestamptz", stats=replace(HOURS, null_frac=0.5))},
                      row_estimate=1_000_000, pages=10_000)
    assert TableStats().combined_selectivity(half_null, preds + [Predicate("at", PredKind.IS_NOT_NULL)]) == pytest.approx(0.2 * 0.5)


def test_the_histogram_survives_a_snapshot(tmp_path):
    from indexadvisor.catalog.snapshot import read_snapshot, write_snapshot
    from indexadvisor.model import Catalog

    catalog = Catalog(source="live")
    catalog.add(Table("public", "readings", {"at": Column("at", "timestamptz", stats=HOURS)}, row_estimate=1_000_000, pages=10_000))
    write_snapshot(catalog, tmp_path / "snap.json")
    assert read_snapshot(tmp_path / "snap.json").tables["public.readings"].columns["at"].stats == HOURS


STATUS = ColumnStats(null_frac=0.0, n_distinct=3.0, avg_width=5, most_common_vals=["done", "todo", "in_progress"],
                     most_common_freqs=[0.92, 0.05, 0.03])
TASKS = Table("public", "task", {"status": Column("status", "text", stats=STATUS)}, row_estimate=400_000, pages=4_000)


@pytest.mark.parametrize("pred, share", [
    (Predicate("status", PredKind.IN, "'todo', 'in_progress'", values=2), 0.08),  # each value's frequency, summed
    (Predicate("status", PredKind.IN, "'done', 'it''s, quoted'", values=2), 0.92),  # a value no row holds adds none
    (Predicate("status", PredKind.IN, None, values=2), 2 / 3),  # parameters: the average value's share each
    (Predicate("status", PredKind.EQ, "'todo'"), 0.05),
])
def test_an_in_list_keeps_the_rows_of_each_of_its_values(pred, share):
    """As the planner sums an IN list's values (scalararraysel): `status IN ('todo', 'in_progress')`
    keeps 8% of the rows where 'done' is 92%, not two thirds, the average of three values twice."""
    assert TableStats().selectivity(TASKS, pred) == pytest.approx(share, abs=1e-9)


def test_an_in_list_literal_may_hold_a_comma_or_a_quote():
    assert Predicate("s", PredKind.IN, "'a, b', 'it''s', 3", values=3).literals() == ["'a, b'", "'it''s'", "3"]


ZIPS = ColumnStats(null_frac=0.0, n_distinct=-1.0, avg_width=6,
                   histogram_bounds=[f"{z:05d}" for z in range(0, 100_001, 10_000)][:-1] + ["99999"])  # 10 buckets


@pytest.mark.parametrize("stats, constant, share", [
    (ZIPS, "'99000'", 0.01 * 10 / 9.999),  # past the last bound's 99,999's last tenth: about 1%
    (ZIPS, "'05000'", 0.95),
    (ZIPS, "'991'", None),  # as text '991' > '99000', as a number 991 < 99,000: not read
    (ColumnStats(0.0, -1.0, 3, histogram_bounds=["9", "10", "11"]), "'10'", None),  # text order, not numbers'
    (ColumnStats(0.0, -1.0, 5, histogram_bounds=["AB-01", "AB-02", "AB-03"]), "'AB-02'", None),  # not numbers
])
def test_a_text_column_reads_its_histogram_where_text_and_number_orders_agree(stats, constant, share):
    """`zip_code > '99000'` on text zip codes: written at one width, they order as the numbers they
    hold, and the histogram says 1% (the planner's estimate); elsewhere the caller's default stays."""
    got = range_selectivity(stats, constant, False, textual=True)
    assert got == (pytest.approx(share, abs=0.002) if share is not None else None)
