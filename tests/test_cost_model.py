"""The statistics model's paths agree on which predicates filter an access's own rows."""

from __future__ import annotations

from dataclasses import replace

from indexadvisor.costing.model import StatsModel
from indexadvisor.model import (
    Candidate,
    Column,
    ColumnStats,
    ParsedStatement,
    Predicate,
    PredKind,
    QName,
    SortKey,
    Table,
    TableAccess,
)


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


def _column(name: str, distinct: float, mcv: tuple[list[str], list[float]] | None = None) -> Column:
    return Column(name, "bigint", stats=ColumnStats(0.0, distinct, 8, None, *(mcv or (None, None))))


def _keyed_table(name: str, rows: int, pages: int, *columns: Column):
    """A table with statistics and a primary key on its first column."""
    from indexadvisor.model import Index, IndexKey

    return Table("public", name, {c.name: c for c in columns},
                 indexes=[Index(f"{name}_pkey", "public", name, [IndexKey(columns[0].name)], unique=True)],
                 row_estimate=rows, pages=pages, last_analyze="2026-01-01")


def _join_cost(tables: list[Table], sql: str, candidate: Candidate) -> tuple[float, float]:
    """The statement's cost with the candidate, and a sequential scan of its second table."""
    from indexadvisor.candidates.requirements import column_rank
    from indexadvisor.costing.stats import StatsCoster
    from indexadvisor.extract.patterns import Extractor
    from indexadvisor.model import Catalog, Statement
    from indexadvisor.select.pool import ranker

    catalog = Catalog(source="snapshot")
    for t in tables:
        catalog.add(t)
    statement = Statement("x", sql, "f", 1, 1, None, None)
    parsed = ParsedStatement(statement, *Extractor(catalog).extract(statement))
    coster = StatsCoster(catalog, ranker(column_rank(parsed.accesses, catalog)))
    second = parsed.accesses[1]
    return coster.statement_cost(parsed, [candidate]) or 0.0, coster.model.seq_scan(catalog.tables[str(second.table)], second).cost


def test_a_table_with_filters_of_its_own_can_still_be_the_inner_side_of_the_join():
    """`memberships JOIN tenants ON tenantId = tenants.id WHERE userId = $1 AND tenants.status =
    'active'`: the user has about five memberships, so the planner looks up five tenants by key
    rather than read every active one (StatsCoster._probed)."""
    from indexadvisor.model import IndexKey

    memberships = _keyed_table("memberships", 500_000, 3_600, _column("id", -1.0), _column("userId", 100_000.0),
                               _column("tenantId", 50_000.0), _column("createdAt", -1.0))
    tenants = _keyed_table("tenants", 50_000, 1_500, _column("id", -1.0), _column("status", 3.0, (["active"], [0.9])))
    cost, scan = _join_cost([memberships, tenants], 'SELECT t.id FROM memberships m JOIN tenants t ON m."tenantId" = t.id '
                            'WHERE m."userId" = $1 AND t.status = \'active\'',
                            Candidate("public", "memberships", [IndexKey("userId")]))
    assert cost < scan / 10


def test_an_inner_side_is_looked_up_only_for_the_rows_an_early_stop_sends():
    """A members page of a tenant with 60,000 members, ORDER BY "createdAt" LIMIT 50: with an index
    that delivers the order the scan of memberships stops after 50 rows, so 50 users are looked
    up, not every member (StatsCoster._sent)."""
    from indexadvisor.model import IndexKey

    memberships = _keyed_table("memberships", 500_000, 3_600, _column("id", -1.0), _column("userId", -0.5),
                               _column("tenantId", 50_000.0, (["7"], [0.12])), _column("createdAt", -1.0))
    users = _keyed_table("users", 1_000_000, 20_000, _column("id", -1.0), _column("isDeleted", 2.0, (["f"], [0.98])))
    cost, scan = _join_cost([memberships, users], 'SELECT u.id FROM memberships m JOIN users u ON m."userId" = u.id '
                            'WHERE m."tenantId" = 7 AND u."isDeleted" = false ORDER BY m."createdAt" LIMIT 50',
                            Candidate("public", "memberships", [IndexKey("tenantId"), IndexKey("createdAt")]))
    assert cost < scan / 10


def test_an_early_stop_does_not_cap_the_lookups_where_the_join_filters():
    """The posts of one tag, newest first, LIMIT 20: one post in 500 has the tag, so a scan of
    posts in date order runs on for thousands of rows before 20 pass the join, and looking up
    post_tags for each is no cheaper than reading the tag's rows (StatsCoster._sent)."""
    from indexadvisor.model import Index, IndexKey

    posts = _keyed_table("posts", 1_000_000, 20_000, _column("id", -1.0), _column("created_at", -1.0))
    post_tags = Table("public", "post_tags", {c.name: c for c in (_column("post_id", -0.7), _column("tag_id", 500.0))},
                      indexes=[Index("post_tags_pkey", "public", "post_tags", [IndexKey("post_id"), IndexKey("tag_id")], unique=True)],
                      row_estimate=1_500_000, pages=8_000, last_analyze="2026-01-01")
    cost, scan = _join_cost([posts, post_tags], "SELECT p.id FROM posts p JOIN post_tags pt ON pt.post_id = p.id "
                            "WHERE pt.tag_id = $1 ORDER BY p.created_at DESC LIMIT 20",
                            Candidate("public", "posts", [IndexKey("created_at", desc=True)]))
    assert cost > scan / 2


def test_a_scan_in_the_order_rows_are_stored_in_reads_their_pages_in_order():
    """The overdue invoices, oldest due first: `("dueAt") WHERE status = 'open'` reads them in
    "dueAt"'s order, which is the table's (pg_stats.correlation 0.99: invoices are stored as they
    fall due), so 500 rows sit on a few consecutive pages, as the planner counts them (23.8 in the
    SaaS benchmark); priced as 500 scattered fetches (1,098), the partial index did not clear
    --min-improvement offline."""
    from indexadvisor.candidates.requirements import column_rank
    from indexadvisor.costing.stats import StatsCoster
    from indexadvisor.extract.patterns import Extractor
    from indexadvisor.model import Catalog, Index, IndexKey, Statement
    from indexadvisor.select.pool import ranker

    def cost(correlation: float) -> float:
        due = ColumnStats(0.0, -0.9, 8, correlation=correlation)
        status = ColumnStats(0.0, 4.0, 5, most_common_vals=["paid", "open", "void", "draft"],
                             most_common_freqs=[0.9, 0.034, 0.04, 0.026])
        invoices = Table("public", "invoices", {"id": Column("id", "bigint", stats=ColumnStats(0.0, -1.0, 8)),
                                                "status": Column("status", "text", stats=status),
                                                "dueAt": Column("dueAt", "timestamptz", stats=due)},
                         row_estimate=120_000, pages=2_000, last_analyze="2026-01-01")
        catalog = Catalog(source="snapshot")
        catalog.add(invoices)
        sql = 'SELECT id FROM invoices WHERE status = \'open\' AND "dueAt" < $1 ORDER BY "dueAt" LIMIT 500'
        [access], _ = Extractor(catalog).extract(Statement("x", sql, "f", 1, 1, None, None))
        coster = StatsCoster(catalog, ranker(column_rank([access], catalog)))
        index = Index("due", "public", "invoices", [IndexKey("dueAt")], where="status = 'open'")
        found = coster.index_cost(invoices, access, index)
        assert found is not None
        return found.cost

    assert cost(0.99) * 10 < cost(0.0)


def test_a_cte_under_the_limit_is_not_its_input():
    """EXPLAIN lists a CTE's plan among the children of the node that reads it, first: `WITH
    ws_wh AS (...) SELECT ... ORDER BY ... LIMIT 100` hangs it on the LIMIT, ahead of the sort
    that is the LIMIT's input. Read as the input, the CTE's join filter made an early stop whose
    cost 'read to the end' was the CTE's, below the plan's (TPC-DS q95: 44,284 for a plan of
    116,321), and the statement's cost was taken at that."""
    from indexadvisor.costing.hypopg import _plan

    cte = {"Node Type": "Hash Join", "Parent Relationship": "InitPlan", "Subplan Name": "CTE ws_wh",
           "Total Cost": 30_000.0, "Plan Rows": 1_000, "Join Filter": "(ws1.wh <> ws2.wh)", "Plans": []}
    sort = {"Node Type": "Sort", "Parent Relationship": "Outer", "Total Cost": 116_320.7, "Plan Rows": 1,
            "Plans": [{"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "web_sales",
                       "Total Cost": 100_000.0, "Plan Rows": 5_000, "Filter": "(x > 1)"}]}
    top = {"Node Type": "Limit", "Total Cost": 116_320.7, "Plan Rows": 1, "Plans": [cte, sort]}
    plan, _ = _plan([{"QUERY PLAN": [{"Plan": top}]}])
    assert plan.cost == 116_320.7
    assert plan.early_stop is None  # a sort reads all of its input before the LIMIT takes a row


def test_what_the_scan_s_filter_checks_delays_the_early_stop():
    """hypopg._rejects: a predicate delays a LIMIT's early stop where the filtered scan's Filter
    checks it and its index condition does not search it (a partial index's WHERE implies some:
    the planner drops those from the filter); an expression's columns are read from its text, and
    one whose text does not parse counts by its canonical column."""
    from indexadvisor.costing.hypopg import EarlyStop, _rejects

    early = EarlyStop(10.0, 100.0, "task", '("tenantId" = 7)', '(NOT "isDeleted")')
    assert _rejects(Predicate("isDeleted", PredKind.EQ, "false"), early)
    assert not _rejects(Predicate("status", PredKind.IN, "'todo', 'done'", values=2), early)  # implied, not filtered
    assert not _rejects(Predicate("tenantId", PredKind.EQ, "7"), early)  # searched
    lower = EarlyStop(10.0, 100.0, "users", "", "(lower((email)::text) = 'a'::text)")
    assert _rejects(Predicate("lower(email)", PredKind.EQ, "'a'", expression="lower(email)"), lower)
    odd = EarlyStop(10.0, 100.0, "users", "", "(weird ~~> x)")
    assert _rejects(Predicate("weird", PredKind.EQ, None, expression="weird ~~> ("), odd)


def test_a_hash_join_streams_its_outer_side_into_a_limit():
    """`... JOIN label l ON l.code = 'tenant ' || t.tenant_id WHERE t.due_on = $1 LIMIT 10`: the
    planner builds the small inner side's hash and stops the outer scan after ten matches, a cost
    that holds only if the rows the filter keeps are spread evenly (the LIMIT trap); what is
    filtered inside the hash is read whole whatever the LIMIT."""
    from indexadvisor.costing.hypopg import _plan

    outer = {"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "task", "Total Cost": 9_146.0,
             "Plan Rows": 441, "Filter": "(due_on = '2024-03-01'::date)"}
    inner = {"Node Type": "Hash", "Parent Relationship": "Inner", "Total Cost": 31.0, "Plan Rows": 2_000,
             "Plans": [{"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "label",
                        "Total Cost": 31.0, "Plan Rows": 2_000, "Filter": "(descr <> 'x')"}]}
    join = {"Node Type": "Hash Join", "Parent Relationship": "Outer", "Total Cost": 9_209.72, "Plan Rows": 441,
            "Plans": [outer, inner]}
    plan, _ = _plan([{"QUERY PLAN": [{"Plan": {"Node Type": "Limit", "Total Cost": 263.57, "Plan Rows": 10, "Plans": [join]}}]}])
    assert plan.early_stop is not None
    assert (plan.early_stop.relation, plan.early_stop.input_cost) == ("task", 9_209.72)
    outer.pop("Filter")  # the filter left is inside the hash, read whole
    assert _plan([{"QUERY PLAN": [{"Plan": {"Node Type": "Limit", "Total Cost": 263.57, "Plan Rows": 10,
                                            "Plans": [join]}}]}])[0].early_stop is None


def test_a_filter_in_a_subplan_is_no_stream_into_the_limit():
    """A scalar subquery in the select list runs once per row the scan sends up: its own filter
    turns none of those rows away, so it is no early stop the LIMIT waits on."""
    from indexadvisor.costing.hypopg import _plan

    per_row = {"Node Type": "Seq Scan", "Parent Relationship": "SubPlan", "Subplan Name": "SubPlan 1",
               "Relation Name": "vote", "Total Cost": 50.0, "Plan Rows": 1, "Filter": "(chat_id = c.id)"}
    scan = {"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "chat", "Total Cost": 5_000.0,
            "Plan Rows": 100_000, "Plans": [per_row]}
    plan, _ = _plan([{"QUERY PLAN": [{"Plan": {"Node Type": "Limit", "Total Cost": 5.0, "Plan Rows": 10, "Plans": [scan]}}]}])
    assert plan.early_stop is None
