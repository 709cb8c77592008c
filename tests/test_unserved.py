"""No silent drops: a statement that costs 1%+ of the workload and gets no index says why (offline)."""

from __future__ import annotations

import pytest

from indexadvisor import api
from indexadvisor.select.options import SelectionOptions

SCHEMA = """
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, created_at timestamptz, note text);
CREATE TABLE events (id bigint PRIMARY KEY, account_id bigint, at timestamptz);
"""
ORDERS = "SELECT * FROM orders WHERE customer_id = 42;"
EVENTS = "SELECT * FROM events WHERE account_id = 7;"
BATCH = "INSERT INTO orders (id, customer_id) VALUES " + ", ".join(f"({n}, {n})" for n in range(100)) + ";"


@pytest.mark.parametrize("workload, options, statement, reason", [
    ([ORDERS, EVENTS], SelectionOptions(max_indexes=1), "events", "--max-indexes 1 is reached"),
    ([ORDERS], SelectionOptions(budget_bytes=1), "orders", "does not fit --budget"),
    ([ORDERS] + [EVENTS] * 50, SelectionOptions(min_improvement=0.5), "orders", "saves less than --min-improvement"),
    ([ORDERS] + [BATCH] * 400, SelectionOptions(), "orders", "outweighs what it saves"),
    (["SELECT count(*) FROM events;", EVENTS], SelectionOptions(), "count(*)",
     "none of its filters, join keys, ORDER BY or GROUP BY is one an index could serve"),
], ids=["max-indexes", "budget", "min-improvement", "write-cost", "nothing-indexable"])
def test_a_costly_statement_without_an_index_says_why(tmp_path, workload, options, statement, reason):
    (tmp_path / "schema.sql").write_text(SCHEMA)
    (tmp_path / "workload.sql").write_text("\n".join(workload))
    report = api.analyze([tmp_path], options=options)
    [rep] = [s for s in report.statements if statement in s.sql and s.sql.startswith("SELECT")]
    assert not rep.recommendations and not rep.served_by_existing
    assert any(n.startswith("no index proposed for it") and reason in n for n in rep.notes), rep.notes
