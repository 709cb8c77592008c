"""The what-if effort of small fixed workloads, counted exactly (issue 18): a change that
multiplies EXPLAINs fails here, not in a benchmark. When a change lowers a count on purpose,
check the advice is the same and write the new count down. No table has more rows than
ANALYZE samples (30,000 at the default statistics target), so its statistics, and the
plans, are the same on every run."""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api
from indexadvisor.report.json import to_dict
from indexadvisor.select.options import SelectionOptions

SCHEMA = (
    "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, "
    "created_at timestamptz NOT NULL, total int NOT NULL)",
    "INSERT INTO orders (customer_id, status, created_at, total) SELECT g % 2000, (ARRAY['new','paid','shipped'])[1 + g % 3], "
    "timestamptz '2024-01-01' + g * interval '1 minute', g % 500 FROM generate_series(1, 30000) g",
    "CREATE TABLE t (id int PRIMARY KEY, " + ", ".join(f"c{i} int NOT NULL" for i in range(8)) + ")",
    "INSERT INTO t SELECT g, " + ", ".join(f"(g * {i + 3}) % {10 + 13 * i}" for i in range(8)) + " FROM generate_series(1, 20000) g",
)
APP = """
SELECT * FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20;
SELECT count(*) FROM orders WHERE status = 'new' AND created_at > now() - interval '1 day';
SELECT id, total FROM orders WHERE customer_id = $1 AND status = $2;
UPDATE orders SET status = 'paid' WHERE id = 7;
"""
PAIRS = "".join(f"SELECT * FROM t WHERE c{i} = 0 AND c{j} = 1;\n" for i in range(8) for j in range(i + 1, 8))


@pytest.fixture
def loaded(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        for sql in SCHEMA:
            conn.execute(sql)
        conn.execute("VACUUM ANALYZE")
    return fresh_db


@pytest.mark.hypopg
@pytest.mark.parametrize("name, text, options, explains", [
    # 13 and 16 while the test server committed asynchronously and the VACUUM after the load left the
    # pages of orders not all-visible on most runs (tests/conftest.py: SERVER_SETTINGS)
    ("app", APP, SelectionOptions(), 16),
    # the per-byte order and the local search run only where the budget turned an index away: a budget
    # nothing exceeds is no budget (21 while the local search ran anyway)
    ("app under a budget it never reaches", APP, SelectionOptions(budget_bytes=10**10), 16),
    ("all pairs of 8 columns", PAIRS, SelectionOptions(), 269),  # 241 before the curve followed a set leave-one-out trims
    # 28 partial indexes of a few hundred kB each, packed both ways and searched (885 before the per-byte
    # order started each candidate at what the benefit order found it saved next to none; 866 before it
    # was offered an extension only after its parent, and the search's refills started each candidate
    # at what it saved next to fewer indexes: the same set; 523 while the search could spend as much as
    # everything before it, 452 while half, 368 while a refill could run past the third: the same set and cost)
    ("all pairs of 8 columns under a budget", PAIRS, SelectionOptions(budget_bytes=1_500_000), 355),
])
def test_explain_count(loaded, tmp_path, name, text, options, explains):
    path = tmp_path / "w.sql"
    path.write_text(text)
    report = api.analyze([path], dsn=loaded, options=options)
    print(name, report.explain_count, [(r.table, [k.column for k in r.keys]) for r in report.recommendations])
    assert report.explain_count == explains


@pytest.mark.hypopg
def test_the_report_is_the_same_for_any_number_of_costing_sessions(loaded, tmp_path):
    path = tmp_path / "w.sql"
    path.write_text(APP + PAIRS)
    reports = [to_dict(api.analyze([path], dsn=loaded, options=SelectionOptions(jobs=jobs))) for jobs in (1, 4)]
    assert reports[0]["explain_count"] > 100
    assert reports[0] == reports[1]


@pytest.mark.hypopg
def test_a_statement_offered_many_candidates_gets_the_same_report_for_any_number_of_sessions(loaded, tmp_path):
    """30 columns, all 435 pairs: a statement is offered more than CROWDED candidates and costed
    with their usable parts, which the screen decides before any prefetch runs."""
    with psycopg.connect(loaded, autocommit=True) as conn:
        conn.execute("CREATE TABLE w (id int PRIMARY KEY, " + ", ".join(f"c{i} int NOT NULL" for i in range(30)) + ")")
        conn.execute("INSERT INTO w SELECT g, " + ", ".join(f"(g * {i + 7}) % {2 + 3 * i}" for i in range(30))
                     + " FROM generate_series(1, 3000) g")
        conn.execute("VACUUM ANALYZE w")
    path = tmp_path / "w.sql"
    path.write_text("".join(f"SELECT * FROM w WHERE c{i} = 0 AND c{j} = 1;\n" for i in range(30) for j in range(i + 1, 30)))
    reports = [to_dict(api.analyze([path], dsn=loaded, options=SelectionOptions(jobs=jobs))) for jobs in (1, 4)]
    assert reports[0]["recommendations"]
    assert reports[0] == reports[1]


@pytest.mark.hypopg
def test_a_plan_made_with_more_indexes_answers_for_fewer_that_still_hold_the_ones_it_uses(loaded):
    """The planner picked its plan among more indexes; with only some of them gone, and none it
    uses, that plan is still the cheapest: no EXPLAIN (WhatIf._implied). Without one it uses, an
    EXPLAIN."""
    from indexadvisor.costing.hypopg import WhatIf, hypo_index
    from indexadvisor.model import IndexKey

    with psycopg.connect(loaded, autocommit=True) as conn:
        whatif = WhatIf(conn)
        sql = "SELECT * FROM orders WHERE customer_id = 42"
        good = hypo_index("public", "orders", [IndexKey("customer_id")])
        idle = hypo_index("public", "orders", [IndexKey("total")])
        both = whatif.cost("q", sql, [good, idle])
        assert both.indexes_used == {good} and whatif.explains == 1
        assert whatif.cost("q", sql, [good]) is both and whatif.explains == 1
        assert whatif.cost("q", sql, [idle]).indexes_used == set() and whatif.explains == 2


@pytest.mark.hypopg
def test_covering_candidates_costed_roughly_first_choose_what_exact_costing_chooses(loaded, tmp_path, monkeypatch):
    """A covering candidate is first costed, for the statements that cannot scan it index-only, as
    the index without its INCLUDE columns (a lower bound), and exactly only where that puts it on
    top of the greedy's heap: the same set as costing every one exactly, for fewer EXPLAINs."""
    from indexadvisor.select import greedy

    path = tmp_path / "w.sql"
    path.write_text(APP + "SELECT customer_id, total FROM orders WHERE customer_id = $1;\n"
                    "SELECT created_at, total FROM orders WHERE customer_id = $1 AND created_at > $2;\n")
    rough = api.analyze([path], dsn=loaded)
    monkeypatch.setattr(greedy, "_stand_in", lambda problem, p, c: c)
    exact = api.analyze([path], dsn=loaded)
    print(rough.explain_count, exact.explain_count, [r.ddl for r in rough.recommendations])
    assert [r.ddl for r in rough.recommendations] == [r.ddl for r in exact.recommendations]
    assert any(r.include for r in rough.recommendations)
    assert rough.explain_count < exact.explain_count
