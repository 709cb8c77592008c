"""Planner what-if costing through HypoPG, and the workload-level choice, on a real server."""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api
from indexadvisor.candidates.serve import serves_scans_of
from indexadvisor.costing.hypopg import WhatIf, hypo_index
from indexadvisor.costing.leading import lead_with
from indexadvisor.model import Index, IndexKey
from indexadvisor.pg import session as db
from indexadvisor.select.options import SelectionOptions


def _db(dsn: str, *sql: str, hypopg: bool = True) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        if hypopg:
            conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        for statement in sql:
            conn.execute(statement)
        conn.execute("ANALYZE")


ORDERS = (
    "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, "
    "created_at timestamptz NOT NULL, note text)",
    "INSERT INTO orders (customer_id, status, created_at, note) "
    "SELECT g % 5000, (ARRAY['new','paid','shipped'])[1 + g % 3], now() - g * interval '1 second', repeat('x', 40) "
    "FROM generate_series(1, 200000) g",
)


def _workload(tmp_path, text: str):
    path = tmp_path / "workload.sql"
    path.write_text(text)
    return path


@pytest.mark.hypopg
def test_generic_plans_for_parameters_leave_nothing_behind(fresh_db):
    _db(fresh_db, *ORDERS)
    with db.connect(fresh_db) as conn:
        conn.execute("PREPARE users_own AS SELECT 1")  # the user's prepared statement must survive
        whatif = WhatIf(conn)
        sql = "SELECT * FROM orders WHERE customer_id = $1 AND ($2 IS NULL OR status = $2) ORDER BY created_at DESC LIMIT $3"
        before = whatif.cost("q1", sql)
        index = hypo_index("public", "orders", [IndexKey("customer_id"), IndexKey("created_at", desc=True)])
        after = whatif.cost("q1", sql, [index])
        assert after.cost < before.cost / 10
        assert after.indexes_used == {index}
        assert whatif.explains == 2
        again = whatif.cost("q1", sql, [index])  # cached: no new EXPLAIN
        assert again.cost == after.cost and whatif.explains == 2 and whatif.cache_hits == 1
        prepared = [r[0] for r in conn.execute("SELECT name FROM pg_prepared_statements").fetchall()]
        assert prepared == ["users_own"]
        assert conn.execute("SELECT count(*) FROM hypopg_list_indexes").fetchone()[0] == 0
        size = whatif.sizes([index])[index]
        assert 1_000_000 < size < 20_000_000


@pytest.mark.hypopg
def test_a_statement_led_by_another_table_costs_the_same_and_sees_partial_indexes(fresh_db):
    """costing/leading.py: the rewrite changes nothing the planner sees but HypoPG's matching."""
    _db(fresh_db, *ORDERS,
        "CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL)",
        "INSERT INTO customers SELECT g, (ARRAY['eu', 'us', 'ap'])[1 + g % 3] FROM generate_series(0, 4999) g")
    with psycopg.connect(fresh_db) as conn:  # a literal: now() would move the estimate between two EXPLAINs
        hour_ago = conn.execute("SELECT (max(created_at) - interval '1 hour')::text FROM orders").fetchone()[0]
    sql = ("SELECT c.region, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id "
           f"WHERE o.status = 'new' AND o.created_at > '{hour_ago}' GROUP BY c.region")
    led = lead_with(sql, "public", "orders")
    assert led is not None and led.startswith("SELECT c.region, COUNT(*) FROM orders AS o JOIN customers AS c ON")
    outer = ("SELECT c.id, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
             f"AND o.created_at > '{hour_ago}' GROUP BY c.id")
    outer_led = lead_with(outer, "public", "orders")
    assert outer_led is not None and "FROM orders AS o RIGHT JOIN customers AS c" in outer_led
    partial = hypo_index("public", "orders", [IndexKey("created_at")], where="status = 'new'")
    with db.connect(fresh_db) as conn:
        whatif = WhatIf(conn)
        assert whatif.cost("as written", sql).cost == pytest.approx(whatif.cost("led", led).cost, rel=1e-9)
        assert whatif.cost("outer", outer).cost == pytest.approx(whatif.cost("outer led", outer_led).cost, rel=1e-9)
        assert whatif.cost("led", led, [partial]).indexes_used == {partial}
        assert whatif.cost("led", led, [partial]).cost < whatif.cost("led", led).cost / 5


@pytest.mark.hypopg
def test_update_and_delete_are_explained_read_only(fresh_db):
    _db(fresh_db, *ORDERS)
    with db.connect(fresh_db) as conn:
        whatif = WhatIf(conn)
        plan = whatif.cost("u", "UPDATE orders SET status = $1 WHERE customer_id = $2")
        assert plan.cost > 0 and plan.rows > 0
        assert conn.execute("SHOW transaction_read_only").fetchone()[0] == "on"
    with psycopg.connect(fresh_db) as conn:
        assert conn.execute("SELECT count(*) FROM orders WHERE status NOT IN ('new','paid','shipped')").fetchone()[0] == 0


@pytest.mark.hypopg
def test_planner_costed_report_with_explain_count(fresh_db, tmp_path):
    _db(fresh_db, *ORDERS)
    workload = _workload(tmp_path, """
        SELECT id, status FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20;
        SELECT count(*) FROM orders WHERE customer_id = $1 AND created_at > $2;
    """)
    report = api.analyze([workload], dsn=fresh_db)
    assert report.costing == "planner"
    assert report.explain_count > 0
    # two statements, one shared composite index rather than two
    assert [r.ddl for r in report.recommendations] == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_created_at_idx ON public.orders (customer_id, created_at DESC);"
    ]
    rec = report.recommendations[0]
    assert rec.estimate.method == "planner"
    assert len(rec.estimate.helps) == 2 and all(h.cost_after < h.cost_before for h in rec.estimate.helps)
    assert rec.estimate.size_bytes and rec.estimate.size_bytes > 1_000_000
    assert all(s.cost_after < s.cost_before for s in report.statements)
    assert report.workload_cost_after < report.workload_cost_before


@pytest.mark.hypopg
def test_budget_forces_the_better_choice(fresh_db, tmp_path):
    _db(
        fresh_db,
        *ORDERS,
        "CREATE TABLE events (id bigserial PRIMARY KEY, account_id int, payload text)",
        "INSERT INTO events (account_id, payload) SELECT g % 100000, repeat('y', 20) FROM generate_series(1, 200000) g",
    )
    # the orders lookup runs 50 times as often as the events lookup; the indexes are about the same size
    text = "SELECT * FROM orders WHERE customer_id = 42;\n" * 50 + "SELECT * FROM events WHERE account_id = 7;\n"
    workload = _workload(tmp_path, text)
    unlimited = api.analyze([workload], dsn=fresh_db)
    assert {r.table for r in unlimited.recommendations} == {"orders", "events"}
    sizes = {r.table: r.estimate.size_bytes for r in unlimited.recommendations}
    budget = max(sizes.values()) + min(sizes.values()) // 2  # room for one of them
    limited = api.analyze([workload], dsn=fresh_db, options=SelectionOptions(budget_bytes=budget))
    assert [r.table for r in limited.recommendations] == ["orders"]
    assert sum(r.estimate.size_bytes for r in limited.recommendations) <= budget


@pytest.mark.hypopg
def test_write_cost_removes_a_marginal_index(fresh_db, tmp_path):
    _db(fresh_db, *ORDERS)
    reads = "SELECT * FROM orders WHERE status = 'paid' AND customer_id = 3;\n"
    writes = "INSERT INTO orders (customer_id, status, created_at) VALUES (1, 'new', now());\n" * 8000
    workload = _workload(tmp_path, reads + writes)
    free = api.analyze([workload], dsn=fresh_db, options=SelectionOptions(write_cost=False))
    assert [r.table for r in free.recommendations] == ["orders"]
    charged = api.analyze([workload], dsn=fresh_db)
    assert charged.recommendations == []


@pytest.mark.hypopg
def test_hot_update_loss_is_charged(fresh_db, tmp_path):
    _db(fresh_db, *ORDERS)
    reads = "SELECT * FROM orders WHERE status = 'paid' AND customer_id = 3;\n"
    updates = "UPDATE orders SET status = 'shipped' WHERE id = 12;\n" * 3000
    workload = _workload(tmp_path, reads + updates)
    free = api.analyze([workload], dsn=fresh_db, options=SelectionOptions(write_cost=False))
    assert [set(r.columns) for r in free.recommendations] == [{"customer_id", "status"}]
    # indexing status would turn 3,000 HOT updates into non-HOT ones: customer_id alone does nearly as well
    charged = api.analyze([workload], dsn=fresh_db)
    assert [r.columns for r in charged.recommendations] == [["customer_id"]]
    assert charged.recommendations[0].estimate.write_cost > 0


@pytest.mark.hypopg
def test_never_a_copy_or_prefix_of_an_existing_index(fresh_db, tmp_path):
    _db(fresh_db, *ORDERS, "CREATE INDEX orders_cust_status_idx ON orders (customer_id, status)")
    workload = _workload(tmp_path, """
        SELECT * FROM orders WHERE customer_id = $1;
        SELECT * FROM orders WHERE customer_id = $1 AND status = $2;
        SELECT * FROM orders WHERE id = $1;
    """)
    report = api.analyze([workload], dsn=fresh_db)
    assert report.recommendations == []


def test_without_hypopg_falls_back_and_says_so(fresh_db, tmp_path):
    _db(fresh_db, *ORDERS, hypopg=False)
    workload = _workload(tmp_path, "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20;")
    report = api.analyze([workload], dsn=fresh_db)
    assert report.costing == "statistics"
    assert report.explain_count == 0
    assert sum("HypoPG is not installed" in n for n in report.notes) == 1
    assert report.recommendations[0].columns == ["customer_id", "created_at"]
    with psycopg.connect(fresh_db) as conn:  # and it did not install it
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'").fetchone()[0] == 0


@pytest.mark.hypopg
def test_enable_hypopg_creates_it_when_asked(fresh_db, tmp_path):
    _db(fresh_db, *ORDERS, hypopg=False)
    workload = _workload(tmp_path, "SELECT * FROM orders WHERE customer_id = $1;")
    report = api.analyze([workload], dsn=fresh_db, enable_hypopg=True)
    assert report.costing == "planner"


@pytest.mark.hypopg
def test_unexplainable_statement_is_reported_with_its_reason(fresh_db, tmp_path):
    _db(fresh_db, *ORDERS)
    workload = _workload(tmp_path, """
        SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 5;
        SELECT * FROM orders WHERE no_such_column = 1;
    """)
    report = api.analyze([workload], dsn=fresh_db)
    bad = next(s for s in report.statements if "no_such_column" in s.sql)
    assert any("could not explain" in n and "no_such_column" in n for n in bad.notes)
    assert report.recommendations
    # an input error with its place, as a statement that cannot be parsed is; not counted as analysed
    [error] = report.errors
    assert (error.line, error.message.startswith("cannot explain statement:"), "no_such_column" in error.message) == (3, True, True)
    assert (report.analysed, report.skipped) == (1, 1)
    assert not bad.served_by_existing


@pytest.mark.hypopg
def test_two_thousand_shapes_over_three_hundred_columns(fresh_db, tmp_path):
    tables = []
    for t in range(10):
        cols = ", ".join(f"c{c} int" for c in range(30))
        tables.append(f"CREATE TABLE wide{t} (id bigserial PRIMARY KEY, {cols})")
        values = ", ".join(f"(g * {c + 7}) % {50 + 97 * c}" for c in range(30))
        tables.append(f"INSERT INTO wide{t} ({', '.join(f'c{c}' for c in range(30))}) SELECT {values} FROM generate_series(1, 20000) g")
    _db(fresh_db, *tables)
    lines = []
    for i in range(2000):  # 200 distinct shapes per table
        t, j = divmod(i, 200)
        k = j // 30
        a, b, o = j % 30, (j % 30 + k + 1) % 30, (j % 30 + 2 * k + 3) % 30
        lines.append(f"SELECT id FROM wide{t} WHERE c{a} = $1 AND c{b} > $2 ORDER BY c{o} LIMIT {1 + i % 50};")
    workload = _workload(tmp_path, "\n".join(lines))
    # no single index saves 1% of this evenly spread workload: with the default nothing is
    # proposed, and most candidates are never explained (their upper bound is below the threshold)
    default = api.analyze([workload], dsn=fresh_db)
    assert default.analysed == 2000 and default.costing == "planner"
    assert default.recommendations == [] and default.explain_count < 4 * 2000
    report = api.analyze([workload], dsn=fresh_db, options=SelectionOptions(max_indexes=20, min_improvement=0.0))
    assert len(report.recommendations) == 20
    assert report.workload_cost_after < report.workload_cost_before
    assert report.explain_count < 45_000  # about 20 per shape for 20 rounds of choice: no blow-up


@pytest.mark.hypopg
def test_no_proposal_that_another_makes_redundant_and_costs_that_add_up(fresh_db, tmp_path):
    # a rare status asks for a partial index on customer_id; the hot lookup asks for customer_id
    # alone, which serves every scan of the partial one: health would call the pair redundant
    _db(fresh_db, "CREATE TABLE tickets (id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, body text)",
        "INSERT INTO tickets (customer_id, status, body) SELECT g % 20000, CASE WHEN g % 100 = 0 THEN 'open' "
        "ELSE 'closed' END, repeat('x', 60) FROM generate_series(1, 300000) g")
    workload = _workload(tmp_path, "SELECT * FROM tickets WHERE customer_id = $1 AND status = 'open';\n" * 50
                         + "SELECT * FROM tickets WHERE customer_id = $1;\n" * 20)
    # the budget leaves out the composite (customer_id, status), which would serve both
    report = api.analyze([workload], dsn=fresh_db, options=SelectionOptions(min_improvement=0.0, budget_bytes=8 * 2**20))
    assert report.recommendations
    probes = [Index(r.name, r.schema, r.table, r.keys, r.include, r.where, r.method) for r in report.recommendations]
    assert not [(a.name, b.name) for a in probes for b in probes if a is not b and serves_scans_of(a, b)]
    assert not [f for f in report.findings if f.kind in ("duplicate_index", "redundant_index")]
    # nothing was folded away after the choice, so the costs below are those of the proposed set
    assert not [n for n in report.notes if n.startswith("not proposed")]
    weighted = sum(s.calls * s.cost_after for s in report.statements if s.cost_after is not None)
    assert weighted == pytest.approx(report.workload_cost_after, rel=1e-3)
