"""The live pg_stat_statements source, after running real statements."""

from __future__ import annotations

import psycopg

from indexadvisor import api
from indexadvisor.sources.pgss import keep


def test_reads_real_statements_and_skips_the_rest(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("CREATE TABLE events (id bigserial PRIMARY KEY, account_id int, kind text, at timestamptz)")
        conn.execute(
            "INSERT INTO events (account_id, kind, at) SELECT g % 1000, 'k' || (g % 50), now() FROM generate_series(1, 100000) g"
        )
        conn.execute("ANALYZE events")
        conn.execute("SELECT pg_stat_statements_reset()")
        for i in range(25):  # one shape, 25 calls, sent as a parameterised query
            conn.execute("SELECT * FROM events WHERE account_id = %s ORDER BY at DESC LIMIT 10", (i,))
        conn.execute("SELECT count(*) FROM pg_class")  # a catalog query: skipped
        conn.execute("VACUUM events")  # a utility statement: skipped

    report = api.analyze(dsn=fresh_db, pg_stat_statements=True)

    sqls = [s.sql for s in report.statements]
    events = [s for s in report.statements if "events" in s.sql and "account_id" in s.sql and s.sql.lstrip().upper().startswith("SELECT")]
    assert len(events) == 1 and events[0].calls == 25 and events[0].total_time_ms is not None
    assert "$1" in events[0].sql
    assert not any("pg_class" in q for q in sqls)
    assert not any("VACUUM" in q.upper() for q in sqls)
    assert not any("indexadvisor" in q for q in sqls)  # the advisor's own catalog queries
    assert [r.ddl for r in report.recommendations] == [
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_account_id_at_idx ON public.events (account_id, at DESC);"
    ]


def test_missing_extension_is_one_clear_error(fresh_db):
    import pytest

    from indexadvisor.errors import DatabaseError

    with pytest.raises(DatabaseError, match="pg_stat_statements is not installed"):
        api.analyze(dsn=fresh_db, pg_stat_statements=True)


def test_keep_filters_utility_catalog_and_own_statements():
    assert keep("SELECT * FROM t WHERE a = $1")
    assert keep("/* app */ WITH x AS (SELECT 1) SELECT * FROM x")
    assert keep("INSERT INTO t SELECT * FROM u")
    assert not keep("INSERT INTO t VALUES ($1)")
    assert not keep("VACUUM t")
    assert not keep("SELECT * FROM pg_catalog.pg_class")
    assert not keep("/* indexadvisor */ SELECT 1 FROM t")
    assert not keep("<insufficient privilege>")
