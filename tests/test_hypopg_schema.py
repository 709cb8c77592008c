"""HypoPG where hosts put it, and hypothetical indexes on tables with non-ASCII names (real server)."""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor.costing.hypopg import WhatIf, hypo_index
from indexadvisor.model import IndexKey
from indexadvisor.pg import session as db

pytestmark = pytest.mark.hypopg  # skipped, with the reason, on a server without HypoPG (the embedded 18)

# HypoPG's generated index name (<oid>btree_<table>_<column>) is cut at 63 bytes: with one of
# these two names the cut falls in the middle of a two-byte character, whatever the OID's length
LONG_NAMES = ("x" + "ä" * 30, "xx" + "ä" * 30)


def _setup(dsn: str, *sql: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in sql:
            conn.execute(statement)


def test_hypopg_installed_in_its_own_schema(fresh_db):
    _setup(fresh_db,
           "CREATE SCHEMA extensions", "CREATE EXTENSION hypopg SCHEMA extensions",
           "CREATE TABLE orders AS SELECT g AS id, g % 1000 AS customer_id FROM generate_series(1, 50000) g",
           "ANALYZE orders")
    with db.connect(fresh_db) as conn:
        whatif = WhatIf(conn)
        index = hypo_index("public", "orders", [IndexKey("customer_id")])
        sql = "SELECT * FROM orders WHERE customer_id = 7"
        assert whatif.cost("q", sql, [index]).indexes_used == {index}
        assert whatif.sizes([index])[index] > 0


def test_a_hypothetical_index_on_a_table_with_a_long_non_ascii_name(fresh_db):
    _setup(fresh_db, "CREATE EXTENSION IF NOT EXISTS hypopg")
    for name in LONG_NAMES:
        _setup(fresh_db,
               f'CREATE TABLE "{name}" AS SELECT g AS id, g % 1000 AS "kundennummer" FROM generate_series(1, 50000) g',
               f'ANALYZE "{name}"')
    with db.connect(fresh_db) as conn:
        whatif = WhatIf(conn)
        for name in LONG_NAMES:
            index = hypo_index("public", name, [IndexKey("kundennummer")])
            plan = whatif.cost(name, f'SELECT * FROM "{name}" WHERE kundennummer = 7', [index])
            assert plan.indexes_used == {index}
