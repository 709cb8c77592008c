"""Shared by the migration tests: the case report, generating files, and checking the database."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from indexadvisor.report.load import load_report
from indexadvisor.report.migrations import generate
from indexadvisor.report.migrations.base import MigrateOptions
from indexadvisor.sources.sqlfile import split_statements

CASES = Path(__file__).parent / "cases" / "migrate"
REPORT = CASES / "report.json"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
CREATED = [
    "orders_customer_id_created_at_idx",
    "Task_projectId_createdAt_idx",
    "customers_email_idx",
    "orders_status_4d32bbc9_idx",
    "customers_lower_email_8d9d1e2a_idx",
    "events_kind_at_idx",
    "user_group_idx",
]
DROPPED = "orders_legacy_idx"


def make(tool: str, out: Path, **options) -> list[Path]:
    options.setdefault("include_drops", True)
    result = generate(load_report(REPORT), tool, out, MigrateOptions(now=NOW, **options))
    return result.written


def statements(text: str) -> list[str]:
    """The statements of a text, split as psql would (without their semicolons)."""
    return [s.sql for s in split_statements(text)]




def create_schema(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute((CASES / "schema.sql").read_text())


def indexes(dsn: str) -> dict[str, bool]:
    """name -> indisvalid, for the indexes of the test tables."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            """SELECT c.relname, i.indisvalid FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname IN ('public', 'shop') AND NOT i.indisprimary"""
        ).fetchall()
    return {name: valid for name, valid in rows}


def assert_up(dsn: str, created=CREATED) -> None:
    state = indexes(dsn)
    missing = [n for n in created if n not in state]
    assert not missing, f"not created: {missing}; have {sorted(state)}"
    assert all(state[n] for n in created), f"invalid: {[n for n in created if not state[n]]}"
    assert DROPPED not in state


def assert_down(dsn: str, created=CREATED) -> None:
    state = indexes(dsn)
    assert not [n for n in created if n in state], f"left behind: {sorted(state)}"
    assert state.get(DROPPED) is True, "the dropped index was not recreated, valid"


def key(path: Path) -> tuple:
    """Sort migration files by their version number."""
    m = re.match(r"^[VU]?(\d+)", path.name)
    return (int(m.group(1)) if m else 0, path.name)


# a table whose unique index failed to build concurrently: the INVALID index a health finding drops
INVALID_SCHEMA = """
CREATE TABLE dup (id int PRIMARY KEY, k int);
INSERT INTO dup VALUES (1, 1), (2, 1);
"""
INVALID_INDEX = "dup_k_key"


def create_invalid_index(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(INVALID_SCHEMA)
        try:
            conn.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {INVALID_INDEX} ON dup (k)")
        except psycopg.errors.UniqueViolation:
            pass
    assert indexes(dsn).get(INVALID_INDEX) is False, "no INVALID index was left behind"


def invalid_drop_report():
    """The case report with no proposals and one finding: drop the INVALID unique index."""
    from indexadvisor.model import Finding

    report = load_report(REPORT)
    report.recommendations = []
    report.findings = [Finding("invalid_index", "public.dup", f"public.{INVALID_INDEX}", None,
                               "INVALID since a failed concurrent build", "high",
                               f"DROP INDEX CONCURRENTLY IF EXISTS public.{INVALID_INDEX};",
                               f"CREATE UNIQUE INDEX {INVALID_INDEX} ON public.dup USING btree (k)")]
    return report


def make_invalid_drop(tool: str, out: Path) -> list[Path]:
    return generate(invalid_drop_report(), tool, out, MigrateOptions(include_drops=True, now=NOW)).written


def indexes_named(dsn: str, name: str) -> dict[str, bool]:
    return {k: v for k, v in indexes(dsn).items() if k == name}


def ruby_calls(migration: Path, stub: str, work: Path) -> list:
    """The ActiveRecord calls a Rails migration makes, up then down, loaded by a real Ruby against `stub`
    (test_migrate_quoting.STUB, a stand-in for ActiveRecord that records them)."""
    import json
    import subprocess

    class_name = re.search(r"^class (\w+) <", migration.read_text(), re.M)
    assert class_name, migration
    runner = work / "stub.rb"
    runner.write_text(stub)
    proc = subprocess.run(["ruby", str(runner), str(migration), class_name.group(1)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)

