"""Prisma and Django query logs.

The Django log is produced for real: statements run on the test server through
psycopg's client-side binding (what Django's PostgreSQL backend uses), logged
with the exact call Django's CursorDebugWrapper makes. Prisma cannot run here
(its engines are downloaded at install time), so its logs are fixtures in the
documented formats (tests/cases/sources/prisma_*).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import psycopg
import pytest
from casefiles import CASES

from indexadvisor.sources.detect import detect_format
from indexadvisor.sources.files import SourceOptions, read_workload_file
from indexadvisor.sources.fingerprint import fingerprint
from indexadvisor.sources.workload import WorkloadBuilder

SOURCES = CASES / "sources"


def _read(path: Path, **options):
    builder = WorkloadBuilder()
    fmt = read_workload_file(path, builder, SourceOptions(**options))
    return fmt, builder.build()


def test_prisma_stdout_log():
    fmt, workload = _read(SOURCES / "prisma_stdout.log")
    assert fmt == "prisma"
    calls = {s.sql: s.calls for s in workload.statements}
    user = 'SELECT "public"."User"."id", "public"."User"."email" FROM "public"."User" WHERE ("public"."User"."email" = $1 AND 1=1) LIMIT $2 OFFSET $3'
    assert calls[user] == 2
    assert len(calls) == 3  # BEGIN / COMMIT left out
    assert any("application's own output" in n for n in workload.notes)
    assert workload.findings == []


def test_prisma_event_handler_log_with_params_and_an_n_plus_one():
    fmt, workload = _read(SOURCES / "prisma_events.log")
    assert fmt == "prisma"
    item = next(s for s in workload.statements if '"Item"' in s.sql)
    assert item.calls == 12 and item.total_time_ms == 12.0
    assert item.samples[0] == ("1000", "1", "0") and item.constants == [None, "1", "0"]
    role = next(s for s in workload.statements if '"role"' in s.sql)
    assert role.samples == [("'admin'",)]
    finding, = workload.findings
    assert finding.kind == "n_plus_one" and finding.table == '"public"."Item"'
    assert finding.metrics["calls"] == 12
    assert '"public"."Item"."orderId" = ANY($1)' in finding.fix


def test_prisma_query_events_as_json_lines():
    fmt, workload = _read(SOURCES / "prisma_events.jsonl")
    assert fmt == "prisma"
    item = next(s for s in workload.statements if '"Item"' in s.sql)
    assert item.calls == 8
    finding, = workload.findings
    assert finding.metrics["bursts"] == 1 and finding.metrics["calls"] == 8
    assert [e.line for e in workload.errors] == [10]  # the truncated last event


DJANGO_FORMAT = "%(levelname)s %(asctime)s %(module)s %(process)d %(thread)d %(message)s"


def _django_log(dsn: str, path: Path) -> None:
    """Run an N+1 through psycopg's client-side binding, logged as Django logs it."""
    logger = logging.getLogger("django.db.backends.test")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter(DJANGO_FORMAT))
    logger.addHandler(handler)
    try:
        with psycopg.connect(dsn, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:

            def execute(sql: str, params=None):
                cur = conn.cursor()
                start = time.monotonic()
                cur.execute(sql, params)
                duration = time.monotonic() - start
                executed = cur._query.query.decode() if cur._query else sql  # Django's last_executed_query
                logger.debug("(%.3f) %s; args=%s; alias=%s", duration, executed, params, "default",
                             extra={"duration": duration, "sql": executed, "params": params, "alias": "default"})
                return cur.fetchall() if cur.description else None

            execute('CREATE TABLE shop_order (id serial PRIMARY KEY, customer_id int NOT NULL, "status" text)')
            execute("CREATE TABLE shop_item (id serial PRIMARY KEY, order_id int NOT NULL, name text)")
            execute("INSERT INTO shop_order (customer_id, status) SELECT g % 3, 'paid' FROM generate_series(1, 30) g")
            execute("INSERT INTO shop_item (order_id, name) SELECT g % 30 + 1, 'x' FROM generate_series(1, 90) g")
            orders = execute('SELECT "shop_order"."id", "shop_order"."customer_id" FROM "shop_order" '
                             'WHERE "shop_order"."customer_id" = %s ORDER BY "shop_order"."id" ASC', (1,))
            for order_id, _customer in orders:
                execute('SELECT "shop_item"."id", "shop_item"."name" FROM "shop_item" WHERE "shop_item"."order_id" = %s',
                        (order_id,))
            execute('SELECT "shop_order"."id" FROM "shop_order" WHERE "shop_order"."status" = %s\n'
                    '   AND "shop_order"."customer_id" IN (%s, %s)', ("paid", 1, 2))
    finally:
        logger.removeHandler(handler)
        handler.close()


@pytest.mark.pg
def test_django_debug_log_from_a_real_run(fresh_db: str, tmp_path: Path):
    path = tmp_path / "django.log"
    _django_log(fresh_db, path)
    assert detect_format(path) == "django"
    fmt, workload = _read(path)
    assert fmt == "django"
    calls = {s.fingerprint: s.calls for s in workload.statements}
    item = fingerprint('SELECT "shop_item"."id", "shop_item"."name" FROM "shop_item" WHERE "shop_item"."order_id" = 1')
    assert calls[item] == 10
    multi = next(s for s in workload.statements if '"status"' in s.sql and "IN" in s.sql)
    assert "\n   AND" in multi.sql and "'paid'" in multi.sql  # a statement spanning lines, values in it
    finding, = workload.findings
    assert finding.table == '"shop_item"' and finding.metrics["calls"] == 10
    assert all(s.total_time_ms is not None for s in workload.statements)
    assert not workload.errors


def test_django_placeholders_filled_from_args(tmp_path: Path):
    path = tmp_path / "django.log"
    path.write_text(
        "(0.001) SELECT * FROM t WHERE a = %s AND b = %s; args=(5, 'x'); alias=default\n"
        "(0.001) SELECT * FROM t WHERE a = %s AND b = %s; args=(6, datetime.date(2024, 1, 1)); alias=default\n"
        "(0.000) BEGIN; args=None; alias=default\n"
        "(0.001) INSERT INTO t (a) VALUES (%s); args=[(1,), (2,)]; alias=default\n"
    )
    fmt, workload = _read(path)
    assert fmt == "django"
    by_sql = {s.sql: s for s in workload.statements}
    st = by_sql["SELECT * FROM t WHERE a = 5 AND b = 'x'"]
    assert st.calls == 2  # the second keeps %s (its args do not parse) and is the same shape
    assert "INSERT INTO t (a) VALUES (%s)" in by_sql
