"""An EXPLAIN cancelled during costing (here: a lock another session holds, and the advisor's
lock_timeout) is retried once; cancelled again, the statement keeps its last known cost and
the report says so. A configuration the planner refuses costs the statement nothing else.
On a real server, with HypoPG."""

from __future__ import annotations

import threading

import psycopg
import pytest

from indexadvisor.costing.hypopg import PlannerCoster, WhatIf
from indexadvisor.extract.patterns import Extractor
from indexadvisor.model import Candidate, Catalog, IndexKey, ParsedStatement, Statement
from indexadvisor.pg import session as db

pytestmark = pytest.mark.hypopg  # skipped, with the reason, on a server without HypoPG (the embedded 18)

SETUP = (
    "CREATE EXTENSION IF NOT EXISTS hypopg",
    "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, note text)",
    "INSERT INTO orders (customer_id, note) SELECT g % 5000, repeat('x', 40) FROM generate_series(1, 50000) g",
    "ANALYZE orders",
)
SQL = "SELECT * FROM orders WHERE customer_id = 42"
CANDIDATE = Candidate("public", "orders", [IndexKey("customer_id")])


def _parsed() -> ParsedStatement:
    statement = Statement("fp", SQL, "w.sql", 1)
    accesses, _ = Extractor(Catalog()).extract(statement)
    return ParsedStatement(statement, accesses, [])


def _lock(dsn: str, seconds: float) -> threading.Event:
    """Hold an ACCESS EXCLUSIVE lock on orders for `seconds` in another session; set the event once held."""
    held = threading.Event()

    def hold() -> None:
        try:
            with psycopg.connect(dsn) as conn:
                conn.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
                held.set()
                threading.Event().wait(seconds)
                conn.rollback()
        except psycopg.OperationalError:
            pass  # the test database was dropped while the lock was still held: nothing to release

    threading.Thread(target=hold, daemon=True).start()
    held.wait(10)
    return held


def test_a_cancelled_explain_is_retried_once(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for statement in SETUP:
            conn.execute(statement)
    with db.connect(fresh_db, lock_timeout_ms=1000) as conn:
        coster = PlannerCoster(WhatIf(conn))
        _lock(fresh_db, 1.5)  # longer than one lock_timeout, shorter than two
        cost = coster.statement_cost(_parsed(), [])
        assert cost is not None and coster.failure("fp") is None
        assert coster.whatif_calls == 2  # the cancelled one and its retry


def test_cancelled_twice_the_statement_keeps_its_last_known_cost(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for statement in SETUP:
            conn.execute(statement)
    with db.connect(fresh_db, lock_timeout_ms=500) as conn:
        coster = PlannerCoster(WhatIf(conn))
        parsed = _parsed()
        before = coster.statement_cost(parsed, [])
        _lock(fresh_db, 4.0)
        during = coster.statement_cost(parsed, [CANDIDATE])
        assert before is not None and during == before
        assert coster.failure("fp") is None  # the statement stays in the selection
        assert "cancelled twice" in coster.notes()["fp"] and "lock timeout" in coster.notes()["fp"]


def test_a_configuration_the_planner_refuses_leaves_the_statement_its_other_costs(fresh_db):
    """HypoPG refusing one hypothetical index fails the EXPLAIN of every configuration that holds
    it; the statement, which the planner takes without it, keeps its baseline and its costs with
    the other candidates (it was dropped from the whole selection), and the note says why."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for statement in SETUP:
            conn.execute(statement)
    refused = Candidate("public", "orders", [IndexKey("customer_id", opclass="text_pattern_ops")])  # not for integers
    with db.connect(fresh_db) as conn:
        coster = PlannerCoster(WhatIf(conn))
        parsed = _parsed()
        before = coster.statement_cost(parsed, [])
        assert coster.statement_cost(parsed, [refused]) is None
        assert coster.statement_cost(parsed, [refused]) is None and coster.whatif_calls == 2  # asked once
        with_index = coster.statement_cost(parsed, [CANDIDATE])
        assert before is not None and with_index is not None and with_index < before / 10
        assert coster.failure("fp") is None
        assert "refused it with some candidate indexes" in coster.notes()["fp"] and "text_pattern_ops" in coster.notes()["fp"]
        coster.parallel(2)  # nor is it sent ahead to the other sessions again
        coster.prefetch([(parsed, [refused]), (parsed, [refused, CANDIDATE])])
        assert coster.statement_cost(parsed, [refused, CANDIDATE]) is None and coster.whatif_calls == 4
        coster.prefetch([(parsed, [refused]), (parsed, [refused, CANDIDATE])])
        assert not coster.whatif._ahead
        coster.close()
