"""The live pg_stat_statements source, after running real statements."""

from __future__ import annotations

from datetime import UTC

import psycopg
import pytest

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
    # a row of pg_stat_statements has no file and line: the terminal report shows the start of its text
    from indexadvisor.report import table
    assert "statements: pg_stat_statements [SELECT * FROM events WHERE account_id = $1" in table.render(report, width=200)


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


@pytest.mark.hypopg
def test_a_bulk_load_before_the_window_is_not_counted_as_writes(fresh_db):
    """Loaded, analysed, then queried: pg_stat_user_tables counts the load's 400,000 inserts since
    the statistics reset, but nothing was written within pg_stat_statements' window (no rows
    modified since the ANALYZE), so the lookup's index carries no write cost and is proposed."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute("SELECT pg_stat_reset()")  # the counters' window starts with the load
        conn.execute("CREATE TABLE ledger (id bigserial PRIMARY KEY, account int NOT NULL, amount int NOT NULL)")
        conn.execute("INSERT INTO ledger (account, amount) SELECT g % 40000, g FROM generate_series(1, 400000) g")
        conn.execute("ANALYZE ledger")
        conn.execute("SELECT pg_stat_statements_reset()")
        for i in range(2):
            conn.execute("SELECT sum(amount) FROM ledger WHERE account = %s", (i,))

    report = api.analyze(dsn=fresh_db, pg_stat_statements=True)

    [rec] = report.recommendations
    assert rec.table == "ledger" and rec.columns[0] == "account", report.notes
    assert rec.estimate is not None and rec.estimate.write_cost == 0


def test_writes_within_the_window_come_from_the_rows_modified_since_analyze():
    from datetime import datetime, timedelta

    from indexadvisor.model import Table, WriteWindow
    from indexadvisor.select.economics import counted_writes

    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    window = WriteWindow(seconds=3600.0, counters_seconds=7200.0, now=now)
    loaded = Table("public", "t", n_tup_ins=2_000_000, n_mod_since_analyze=300,
                   last_analyze=(now - timedelta(hours=3)).isoformat())
    assert counted_writes(loaded, window) == 100.0  # 300 in 3 hours: 100 in the window's hour
    recent = Table("public", "t", n_tup_ins=2_000_000, n_mod_since_analyze=50, last_analyze=(now - timedelta(minutes=10)).isoformat())
    assert counted_writes(recent, window) == 50.0  # analysed within the window: what it counted since
    unknown = Table("public", "t", n_tup_ins=2_000_000)
    assert counted_writes(unknown, window) == 1_000_000.0  # no ANALYZE time: the counters spread evenly


def test_the_counters_count_where_the_statements_cannot_tell():
    from datetime import datetime

    from indexadvisor.model import WriteWindow

    now = datetime(2026, 12, 5, tzinfo=UTC)
    evicted = WriteWindow(60.0, 600.0, now, complete=False, nested=True)
    assert evicted.counts(True) and evicted.counts(False)  # statements lost: the counters may hold their writes
    top = WriteWindow(60.0, 600.0, now, complete=True, nested=False)
    assert not top.counts(True) and top.counts(False)  # a table only triggers or functions write
    everything = WriteWindow(60.0, 600.0, now, complete=True, nested=True)
    assert not everything.counts(True) and not everything.counts(False)


@pytest.mark.hypopg
def test_a_second_analysis_does_not_read_the_first_ones_queries_back(fresh_db):
    """The advisor sends some of its queries several to a round trip; pg_stat_statements keeps each
    one's own text, so each carries the marker that keeps it out of the workload."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute("CREATE TABLE visit (id bigserial PRIMARY KEY, at timestamp NOT NULL)")
        conn.execute("INSERT INTO visit (at) SELECT timestamp '2026-01-01' + g * interval '1 minute' FROM generate_series(1, 200000) g")
        conn.execute("ANALYZE visit")
        conn.execute("SELECT pg_stat_statements_reset()")
        for i in range(20):  # an expression index whose selectivity the advisor samples (a batch of two)
            conn.execute("SELECT count(*) FROM visit WHERE date(at) = %s::date", (f"2026-02-{i + 1:02d}",))

    first = api.analyze(dsn=fresh_db, pg_stat_statements=True, enable_hypopg=True)
    second = api.analyze(dsn=fresh_db, pg_stat_statements=True, enable_hypopg=True)

    assert first.costing == "planner" and first.explain_count > 0
    assert not [s.sql for s in second.statements if "hypopg" in s.sql or "TABLESAMPLE" in s.sql]
    assert [s.sql for s in second.statements] == [s.sql for s in first.statements]
