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
