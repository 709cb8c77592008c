"""The selectivity of an expression measured on a bounded sample (pg/selectivity.py)."""

from __future__ import annotations

import pytest

from indexadvisor.pg.selectivity import sampled_eq_selectivity


@pytest.mark.parametrize("sampled, non_null, distinct, once, rows, want", [
    (0, 0, 0, 0, 1000.0, None),  # an empty table, or a sample that found nothing
    (100, 0, 0, 0, 1000.0, None),  # every value null: no value to match
    (30_000, 30_000, 30_000, 30_000, 1_000_000.0, 1 / 1_000_000),  # each seen once: unique in the table
    (30_000, 15_000, 15_000, 15_000, 1_000_000.0, 1 / 1_000_000),  # half null: unique among the other half
    (30_000, 30_000, 2, 0, 1_000_000.0, 1 / 2),  # two values, each seen often: all there are
    (1_000, 1_000, 1_000, 1_000, 1_000.0, 1 / 1_000),  # the whole table sampled
])
def test_sampled_eq_selectivity(sampled, non_null, distinct, once, rows, want):
    got = sampled_eq_selectivity(sampled, non_null, distinct, once, rows)
    assert got == pytest.approx(want) if want is not None else got is None


def test_values_seen_once_and_again_fall_between_the_sample_and_the_table():
    """Half the values seen once: more distinct values than the sample shows, fewer than the rows."""
    got = sampled_eq_selectivity(30_000, 30_000, 20_000, 10_000, 1_000_000.0)
    assert 1 / 1_000_000 < got < 1 / 20_000
