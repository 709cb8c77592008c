"""Migrations for an index on a partitioned table (issue 14): PostgreSQL refuses CREATE INDEX CONCURRENTLY
on a partitioned parent, so every tool's migration holds the form it accepts (ON ONLY the parent, each
partition's index concurrently, attached), each statement sent on its own, and a down step that drops
it all. Run for real: psql files, Flyway's statement by statement, the one-message runners' files one
message each, `alembic upgrade`/`downgrade`, `manage.py migrate` forward and back; Rails through a real
Ruby against the stand-in ActiveRecord."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from migrate_support import NOW, ruby_calls, statements
from test_migrate import ONE_MESSAGE
from test_migrate_frameworks import FIRST_REVISION, _alembic_project, django_project, run
from test_migrate_quoting import STUB

from indexadvisor import api
from indexadvisor.report.migrations import generate
from indexadvisor.report.migrations.base import MigrateOptions, plan

SCHEMA = """
CREATE TABLE events (id bigint, tenant_id int NOT NULL, at timestamptz NOT NULL, body text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
"""
WORKLOAD = "SELECT * FROM events WHERE tenant_id = 42 ORDER BY at DESC LIMIT 20;\n" * 20
PARTITIONS = ("events_2024", "events_2025")


@pytest.fixture
def report(tmp_path: Path) -> api.Report:
    (tmp_path / "schema.sql").write_text(SCHEMA)
    (tmp_path / "workload.sql").write_text(WORKLOAD)
    result = api.analyze([tmp_path / "workload.sql"], schema=[tmp_path / "schema.sql"])
    [rec] = result.recommendations
    assert rec.table == "events" and " ON ONLY public.events " in rec.ddl
    return result


def _state(dsn: str) -> dict[str, tuple[bool, str | None]]:
    """Index on the events tables -> (valid, the index it is attached to)."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT c.relname, i.indisvalid, p.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid LEFT JOIN pg_inherits h ON h.inhrelid = c.oid "
            "LEFT JOIN pg_class p ON p.oid = h.inhparent WHERE t.relname LIKE 'events%'").fetchall()
    return {name: (valid, parent) for name, valid, parent in rows}


def _assert_up(dsn: str, name: str) -> None:
    state = _state(dsn)
    assert state[name] == (True, None), state  # the parent's index, valid: every partition's is attached
    attached = [index for index, (valid, parent) in state.items() if parent == name and valid]
    assert len(attached) == len(PARTITIONS), state


def _assert_down(dsn: str) -> None:
    assert _state(dsn) == {}


def _tables(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)


def _write(report: api.Report, tool: str, out: Path) -> list[Path]:
    return generate(report, tool, out, MigrateOptions(now=NOW)).written


def test_the_plan_keeps_the_partitioned_form_and_drops_it_all(report: api.Report) -> None:
    [change] = plan(report)
    name = report.recommendations[0].name
    assert change.ups == change.steps and len(change.steps) == 1 + 2 * len(PARTITIONS)
    assert " ON ONLY public.events " in change.steps[0] and "CONCURRENTLY" not in change.steps[0]
    assert sum("ATTACH PARTITION" in s for s in change.steps) == len(PARTITIONS)
    assert statements(change.down or "")[0] == f"DROP INDEX IF EXISTS public.{name}"
    assert all("CONCURRENTLY" not in s for s in statements(change.down or ""))


def test_psql_files(report: api.Report, fresh_db: str, tmp_path: Path) -> None:
    _tables(fresh_db)
    files = _write(report, "sql", tmp_path / "out")
    psql = shutil.which("psql")
    for suffix, check in ((".up.sql", lambda: _assert_up(fresh_db, report.recommendations[0].name)),
                          (".down.sql", lambda: _assert_down(fresh_db))):
        for path in [p for p in files if p.name.endswith(suffix)]:
            if psql:
                subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", fresh_db, "-f", str(path)],
                               check=True, capture_output=True, text=True, timeout=60)
            else:
                with psycopg.connect(fresh_db, autocommit=True) as conn:
                    for statement in statements(path.read_text()):
                        conn.execute(statement)
        check()


def test_flyway_statement_by_statement_and_a_rerun_of_the_up(report: api.Report, fresh_db: str, tmp_path: Path) -> None:
    _tables(fresh_db)
    files = _write(report, "flyway", tmp_path / "out")
    [up] = [p for p in files if p.name.startswith("V") and p.suffix == ".sql"]
    [down] = [p for p in files if p.name.startswith("U") and p.suffix == ".sql"]
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for _ in range(2):  # every statement can run again (a retry after a failed build)
            for statement in statements(up.read_text()):
                conn.execute(statement)
            _assert_up(fresh_db, report.recommendations[0].name)
        for statement in statements(down.read_text()):
            conn.execute(statement)
    _assert_down(fresh_db)


@pytest.mark.parametrize("tool", sorted(ONE_MESSAGE))
def test_one_message_runners_get_a_file_per_statement(tool: str, report: api.Report, fresh_db: str, tmp_path: Path) -> None:
    _tables(fresh_db)
    out = tmp_path / "migrations"
    ups, downs = ONE_MESSAGE[tool](out, _write(report, tool, out))
    assert len(ups) == len(downs) == 1 + 2 * len(PARTITIONS)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for text in ups:
            assert len(statements(text)) == 1
            conn.execute(text)  # one simple-query message
        _assert_up(fresh_db, report.recommendations[0].name)
        for text in downs:
            conn.execute(text)
    _assert_down(fresh_db)




def test_alembic_upgrade_and_downgrade(report: api.Report, fresh_db: str, tmp_path: Path) -> None:
    pytest.importorskip("alembic")
    _tables(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id bigint PRIMARY KEY)")  # the project's first revision comments on it
    versions = _alembic_project(tmp_path, fresh_db)
    (versions / "a1b2c3d4e5f6_first.py").write_text(FIRST_REVISION)
    [path] = _write(report, "alembic", versions)
    assert "op.create_index" not in path.read_text() and "ON ONLY public.events" in path.read_text()
    run(["-m", "alembic", "upgrade", "head"], tmp_path)
    _assert_up(fresh_db, report.recommendations[0].name)
    run(["-m", "alembic", "downgrade", "a1b2c3d4e5f6"], tmp_path)
    _assert_down(fresh_db)


def test_django_migrate_forward_and_back(report: api.Report, fresh_db: str, tmp_path: Path) -> None:
    pytest.importorskip("django")
    _tables(fresh_db)
    migrations = django_project(tmp_path, fresh_db)
    run(["manage.py", "migrate", "shop", "0001", "--no-input"], tmp_path)
    [path] = _write(report, "django", migrations)
    text = path.read_text()
    assert "AddIndexConcurrently(" not in text and "migrations.RunSQL(\n            [" in text
    run(["manage.py", "migrate", "--no-input"], tmp_path)
    _assert_up(fresh_db, report.recommendations[0].name)
    run(["manage.py", "migrate", "shop", "0001", "--no-input"], tmp_path)
    _assert_down(fresh_db)


@pytest.mark.skipif(shutil.which("ruby") is None, reason="no ruby installed (apt-get install ruby)")
def test_rails_executes_each_statement(report: api.Report, tmp_path: Path) -> None:
    [path] = _write(report, "rails", tmp_path / "db" / "migrate")
    calls = ruby_calls(path, STUB, tmp_path)
    [change] = plan(report)
    executed = [c[1] for c in calls if c[0] == "execute" and "lock_timeout" not in c[1]]
    assert executed == [s.rstrip(";") for s in change.steps] + [change.down]
    assert not [c for c in calls if c[0] in ("add_index", "remove_index")]
