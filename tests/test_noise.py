"""No noise on stderr from an ordinary schema, and no lock_timeout that PostgreSQL reads as none."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import sqlglot

from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.errors import InputError
from indexadvisor.pg import parsing
from indexadvisor.report.migrations.base import parse_lock_timeout

PG_DUMP_SCHEMA = """\
SET search_path = public;
CREATE TABLE public.orders (id integer NOT NULL, customer_id integer, status text);
ALTER TABLE public.orders OWNER TO app;
CREATE SEQUENCE public.orders_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.orders_id_seq OWNER TO app;
ALTER SEQUENCE public.orders_id_seq OWNED BY public.orders.id;
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
"""

WORKLOAD = """\
SELECT * FROM orders WHERE customer_id = 42 ORDER BY id DESC LIMIT 10;
VACUUM orders;
SELECT * FROM orders WHERE status = 'open';
"""


def test_pg_dump_schema_prints_nothing_from_sqlglot_on_stderr(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(PG_DUMP_SCHEMA)
    workload = tmp_path / "workload.sql"
    workload.write_text(WORKLOAD)
    proc = subprocess.run(
        [sys.executable, "-m", "indexadvisor", "analyze", str(workload), "--schema", str(schema)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Falling back" not in proc.stderr and "unsupported syntax" not in proc.stderr, proc.stderr
    assert "orders" in proc.stdout


def test_our_parse_drops_sqlglot_warnings_only_while_it_parses(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(PG_DUMP_SCHEMA)
    with caplog.at_level(logging.WARNING, logger="sqlglot"):
        catalog = read_ddl([schema], [])
        assert "orders" in str(catalog.tables)
        assert not [r for r in caplog.records if r.name == "sqlglot"]
        # sqlglot called by anyone else in the process still warns: we configure no global logging
        sqlglot.parse_one("ALTER TABLE public.orders OWNER TO app", dialect="postgres")
    assert any("Falling back" in r.getMessage() for r in caplog.records if r.name == "sqlglot")
    assert logging.getLogger("sqlglot").level == logging.NOTSET and not logging.getLogger("sqlglot").handlers


def test_errors_logged_by_sqlglot_still_pass_while_we_parse(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    def noisy_parse(sql: str, **opts: object) -> sqlglot.exp.Expr:
        logging.getLogger("sqlglot").warning("just a warning")
        logging.getLogger("sqlglot").error("a real error")
        return sqlglot.exp.Literal.number(1)

    monkeypatch.setattr(sqlglot, "parse_one", noisy_parse)
    with caplog.at_level(logging.WARNING, logger="sqlglot"):
        parsing.parse_one("SELECT 1", dialect="postgres")
    messages = [r.getMessage() for r in caplog.records if r.name == "sqlglot"]
    assert messages == ["a real error"]


@pytest.mark.parametrize("value", ["0.4ms", "0.9 ms", "500us", "999us", "0.0004s", "0.00001min"])
def test_sub_millisecond_lock_timeout_is_refused(value: str) -> None:
    # PostgreSQL keeps lock_timeout in whole milliseconds: these round to 0, which means no timeout
    with pytest.raises(InputError, match="--lock-timeout.*1ms"):
        parse_lock_timeout(value)


@pytest.mark.parametrize("value, expected", [
    ("1ms", "1ms"), ("1.5ms", "1.5ms"), ("1000us", "1000us"), ("5s", "5s"), ("0.5s", "0.5s"), ("1min", "1min"),
    ("0", None), ("off", None), (None, None),
])
def test_lock_timeouts_of_a_millisecond_or_more_are_kept(value: str | None, expected: str | None) -> None:
    assert parse_lock_timeout(value) == expected


def test_postgres_reads_a_sub_millisecond_lock_timeout_as_none(pg_dsn: str) -> None:
    """Why the parser refuses them: the server rounds 0.4ms to 0, i.e. wait forever."""
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '0.4ms'")
        assert conn.execute("SHOW lock_timeout").fetchone() == ("0",)
        conn.execute("SET lock_timeout = '1ms'")
        assert conn.execute("SHOW lock_timeout").fetchone() == ("1ms",)
