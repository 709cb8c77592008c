"""The statistics model's paths agree on which predicates filter an access's own rows."""

from __future__ import annotations

from dataclasses import replace

from indexadvisor.costing.model import StatsModel
from indexadvisor.model import Column, ColumnStats, Predicate, PredKind, QName, SortKey, Table, TableAccess


def test_a_join_key_no_index_searches_changes_no_path_of_the_access():
    """The rows an access sends up (to a sort, past a LIMIT) are those its filters keep: a join
    key is the join's condition. Counted at 1/n_distinct it shrank the rows every path sorts, and
    hid the early stop of an index that delivers the order (costing/model.filters)."""
    stats = ColumnStats(null_frac=0.0, n_distinct=-1.0, avg_width=8)
    table = Table("public", "members", {c: Column(c, "bigint", stats=stats) for c in ("tenant_id", "user_id", "created_at")},
                  row_estimate=500_000, pages=5_000, last_analyze="2026-01-01")
    table.columns["tenant_id"] = Column("tenant_id", "integer", stats=ColumnStats(0.0, 100.0, 4))
    tenant = Predicate("tenant_id", PredKind.EQ, constant="7")
    alone = TableAccess(QName("public", "members"), predicates=[tenant], order_by=[SortKey("created_at")])
    joined = replace(alone, predicates=[tenant, Predicate("user_id", PredKind.JOIN)])
    model = StatsModel()

    def costs(access: TableAccess) -> list[float]:
        return [model.seq_scan(table, access).cost, model.brin_scan(table, access, [tenant], 0.9).cost,
                model.bitmap_scan(table, access, [tenant]).cost]

    assert costs(joined) == costs(alone)


def test_a_unique_index_on_every_column_tested_for_equality_is_a_one_row_lookup():
    """`user_id = $1 AND post_id = $2` with the primary key (user_id, post_id), where pg_stats says
    post_id alone is unique too: the best new index would be (post_id), which the key does not
    lead with, and the statement was costed as a sequential scan (21,370 on 1 million rows) while
    the report said the key serves it (serve.pins_one_row, one rule for both)."""
    from indexadvisor.candidates.requirements import column_rank
    from indexadvisor.costing.stats import StatsCoster
    from indexadvisor.extract.patterns import Extractor
    from indexadvisor.model import Catalog, Index, IndexKey, Statement
    from indexadvisor.select.pool import ranker

    likes = Table("public", "likes", {"user_id": Column("user_id", "bigint", stats=ColumnStats(0.0, 100_000.0, 8)),
                                      "post_id": Column("post_id", "bigint", stats=ColumnStats(0.0, -1.0, 8))},
                  indexes=[Index("likes_pkey", "public", "likes", [IndexKey("user_id"), IndexKey("post_id")], unique=True)],
                  row_estimate=1_000_000, pages=6_370, last_analyze="2026-01-01")
    catalog = Catalog(source="snapshot")
    catalog.add(likes)
    [access], _ = Extractor(catalog).extract(Statement("x", "SELECT 1 FROM likes WHERE user_id = $1 AND post_id = $2", "f", 1, 1, None, None))
    coster = StatsCoster(catalog, ranker(column_rank([access], catalog)))
    assert coster.access_cost(access, []) < 10
