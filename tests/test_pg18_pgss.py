"""pg_stat_statements as each server version has it (issue 16), read live: the view found in its
extension's schema and its columns by name, only the current database's rows (dbid), and on
PostgreSQL 18 the squashed IN-list text (`IN ($1 /*, ... */)`) read as a list.

Run on every server the suite runs on (Debian's 15, the embedded 18: scripts/test.sh).
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from indexadvisor import api
from indexadvisor.model import PredKind


def _setup(dsn: str, schema: str | None = None) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        if schema:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("CREATE EXTENSION pg_stat_statements SCHEMA {}").format(sql.Identifier(schema)))
        else:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL)")
        conn.execute("INSERT INTO orders (customer_id, status) SELECT g % 5000, (ARRAY['new','paid','sent','done'])[1 + g % 4] "
                     "FROM generate_series(1, 50000) g")
        conn.execute("ANALYZE orders")


def _reset(dsn: str, schema: str = "public") -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("SELECT {}()").format(sql.Identifier(schema, "pg_stat_statements_reset")))


def test_only_this_database_from_the_view_in_its_own_schema(fresh_db, pg_dsn):
    """The extension in another schema (as hosted services install it), and a second database whose
    statements the shared view also holds: only this database's statements are read."""
    _setup(fresh_db, schema="extensions")
    other = f"ia_other_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(other)))
    try:
        other_dsn = make_conninfo(pg_dsn, dbname=other)
        with psycopg.connect(other_dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int, note text)")
        _reset(fresh_db, "extensions")
        with psycopg.connect(other_dsn, autocommit=True) as conn:
            for i in range(5):
                conn.execute("SELECT * FROM orders WHERE note = %s", (str(i),))  # another database's statement
        with psycopg.connect(fresh_db, autocommit=True) as conn:
            for i in range(5):
                conn.execute("SELECT * FROM orders WHERE customer_id = %s", (i,))
        report = api.analyze(dsn=fresh_db, pg_stat_statements=True)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(other)))
    texts = [s.sql for s in report.statements]
    assert not any("note" in t for t in texts), texts
    [ours] = [s for s in report.statements if "customer_id" in s.sql]
    assert ours.calls == 5 and ours.cost_before is not None  # read and costed


@pytest.mark.pg(min_version=180000)
def test_a_squashed_in_list_is_read_and_costed_as_a_list(fresh_db):
    """PostgreSQL 18 keeps one entry for IN lists of any length, its text `IN ($1 /*, ... */)`."""
    _setup(fresh_db)
    _reset(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for n in (2, 3, 5) * 20:
            values = sql.SQL(", ").join(sql.Literal(i) for i in range(n))
            conn.execute(sql.SQL("SELECT * FROM orders WHERE customer_id IN ({})").format(values))
    report = api.analyze(dsn=fresh_db, pg_stat_statements=True)
    squashed = [s for s in report.statements if "customer_id IN" in s.sql]
    assert len(squashed) == 1 and squashed[0].calls == 60, [s.sql for s in report.statements]
    assert "/*, ... */" in squashed[0].sql  # the text as 18 writes it
    assert not report.errors and not any(n.startswith("not analysed") for n in squashed[0].notes)

    # read as a list of values on customer_id, not one value
    workload = api.load_workload(api.resolve_inputs(dsn=fresh_db, pg_stat_statements=True), _connect(fresh_db))
    catalog = api.read_catalog(_connect(fresh_db))
    parsed = api.extract(workload, catalog).parsed
    [statement] = [p for p in parsed if "customer_id IN" in p.statement.sql]
    [predicate] = [p for a in statement.accesses for p in a.predicates if p.column == "customer_id"]
    assert predicate.kind is PredKind.IN and predicate.values > 1
    # costed: an index on customer_id serves it, the statement's cost drops
    assert [r.keys[0].column for r in report.recommendations] == ["customer_id"]
    assert squashed[0].cost_after is not None and squashed[0].cost_before is not None
    assert squashed[0].cost_after < squashed[0].cost_before


def _connect(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True)
