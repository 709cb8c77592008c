"""The selectivity of an expression measured on a bounded sample (pg/selectivity.py)."""

from __future__ import annotations

import pytest

from indexadvisor.pg.selectivity import DEFAULT_INEQ_SEL, DEFAULT_RANGE_SEL, sampled_eq_selectivity


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


@pytest.mark.parametrize("where, want", [
    ("created_at >= $1 AND created_at < $2", DEFAULT_RANGE_SEL),  # a window between two parameters
    ("created_at BETWEEN $1 AND $2", DEFAULT_RANGE_SEL),
    ("created_at >= $1", DEFAULT_INEQ_SEL),
    ("created_at >= '2024-01-01' AND created_at < '2024-02-01'", DEFAULT_INEQ_SEL ** 2),  # literals: no histogram here
])
def test_a_range_bounded_on_both_sides_by_parameters_is_the_planners_pair(where, want):
    """The planner's generic plan counts `>= $1 AND < $2` on one column as one range (0.5%), not
    as two independent thirds (11%): offline, a time window then asks for its index as live."""
    from indexadvisor.extract.patterns import Extractor
    from indexadvisor.model import Catalog, Column, ColumnStats, Statement, Table
    from indexadvisor.pg.selectivity import TableStats

    catalog = Catalog(source="snapshot")
    cols = {"id": Column("id", "bigint"), "created_at": Column("created_at", "timestamptz")}
    cols["created_at"].stats = ColumnStats(n_distinct=-1)
    catalog.add(Table("public", "events", cols, row_estimate=1_000_000.0, pages=10_000))
    [access], _ = Extractor(catalog).extract(Statement("fp", f"SELECT id FROM events WHERE {where}", "w.sql", 1))
    assert TableStats().combined_selectivity(catalog.tables["public.events"], access.predicates) == pytest.approx(want)


def test_without_statistics_any_range_pair_is_the_planners_default():
    """With no histogram the planner counts a pair of bounds as one range of 0.5%, literal or not."""
    from indexadvisor.extract.patterns import Extractor
    from indexadvisor.model import Catalog, Column, Statement, Table
    from indexadvisor.pg.selectivity import TableStats

    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "users", {"id": Column("id", "bigint"), "city_id": Column("city_id", "int")}))
    [access], _ = Extractor(catalog).extract(Statement("fp", "SELECT * FROM users WHERE city_id BETWEEN 1 AND 2", "w.sql", 1))
    assert TableStats().combined_selectivity(catalog.tables["public.users"], access.predicates) == pytest.approx(DEFAULT_RANGE_SEL)
