"""`indexadvisor migrate`: each tool's files are what the tool expects, and they run on PostgreSQL.

The SQL of each tool is sent the way that tool sends it: statement by statement for
psql and Flyway, one message per file (psycopg's `execute(text)` without parameters is
one simple-query message) for golang-migrate, dbmate and Prisma. Alembic and Django
run for real (`alembic upgrade/downgrade`, `manage.py migrate`) in
tests/test_migrate_frameworks.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import psycopg
import pytest
from migrate_support import (
    INVALID_INDEX,
    NOW,
    REPORT,
    assert_down,
    assert_up,
    create_invalid_index,
    create_schema,
    indexes,
    indexes_named,
    make,
    make_invalid_drop,
    statements,
)
from migrate_support import (
    key as _key,
)
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.errors import InputError
from indexadvisor.model import Finding, IndexKey, Recommendation
from indexadvisor.pg.sql import create_index_sql
from indexadvisor.report import json as json_report
from indexadvisor.report.load import load_report
from indexadvisor.report.migrations import TOOLS, generate
from indexadvisor.report.migrations.base import MigrateOptions, plan, recreate_sql

# --------------------------------------------------------------------------- the trap


def test_set_and_concurrent_build_in_one_message_fails(fresh_db):
    """Why the one-message runners get one statement per file: PostgreSQL refuses the pair (25001)."""
    create_schema(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            conn.execute("SET lock_timeout = '5s'; CREATE INDEX CONCURRENTLY t_idx ON orders (status);")
        conn.execute("CREATE INDEX CONCURRENTLY t_idx ON orders (status);")  # alone in its message: fine


# --------------------------------------------------------------------------- sql (psql)


def test_sql_files_are_numbered_up_down_pairs(tmp_path):
    (tmp_path / "0007_existing.up.sql").write_text("SELECT 1;\n")
    written = make("sql", tmp_path)
    names = sorted(p.name for p in written)
    assert names[0] == "0008_add_index_orders_customer_id_created_at_idx.down.sql"  # best first
    assert len(written) == 2 * 8  # 7 creates + 1 drop, each up and down
    assert {p.name.split("_", 1)[0] for p in written} == {f"{n:04d}" for n in range(8, 16)}
    up = (tmp_path / "0008_add_index_orders_customer_id_created_at_idx.up.sql").read_text()
    assert statements(up) == [
        "SET lock_timeout = '5s'",
        "CREATE INDEX CONCURRENTLY orders_customer_id_created_at_idx ON public.orders (customer_id, created_at DESC)",
        "RESET lock_timeout",
    ]
    down = (tmp_path / "0008_add_index_orders_customer_id_created_at_idx.down.sql").read_text()
    assert "DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_created_at_idx" in statements(down)


def test_sql_files_run_with_psql(fresh_db, tmp_path):
    create_schema(fresh_db)
    files = make("sql", tmp_path)
    ups = sorted((p for p in files if p.name.endswith(".up.sql")), key=_key)
    downs = sorted((p for p in files if p.name.endswith(".down.sql")), key=_key, reverse=True)
    psql = shutil.which("psql")
    for group, check in ((ups, assert_up), (downs, assert_down)):
        for path in group:
            if psql:
                subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", fresh_db, "-f", str(path)],
                               check=True, capture_output=True, text=True, timeout=60)
            else:  # what psql does: one statement at a time
                with psycopg.connect(fresh_db, autocommit=True) as conn:
                    for statement in statements(path.read_text()):
                        conn.execute(statement)
        check(fresh_db)


# --------------------------------------------------------------------------- flyway


def test_flyway_versions_conf_and_undo(tmp_path):
    (tmp_path / "V1__init.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "V2_1__more.sql").write_text("SELECT 1;\n")
    written = {p.name for p in make("flyway", tmp_path)}
    assert "V3__add_index_orders_customer_id_created_at_idx.sql" in written
    assert "U3__add_index_orders_customer_id_created_at_idx.sql" in written
    assert "V10__drop_index_orders_legacy_idx.sql" in written
    for name in written:
        if name.endswith(".sql"):
            conf = (tmp_path / f"{name}.conf").read_text()
            assert "executeInTransaction=false" in conf.splitlines()


def test_flyway_migrations_run_statement_by_statement(fresh_db, tmp_path):
    create_schema(fresh_db)
    files = make("flyway", tmp_path)
    with psycopg.connect(fresh_db, autocommit=True) as conn:  # Flyway: one session, autocommit, statement by statement
        for prefix, check, reverse in (("V", assert_up, False), ("U", assert_down, True)):
            for path in sorted((p for p in files if p.name.startswith(prefix) and p.suffix == ".sql"), key=_key, reverse=reverse):
                for statement in statements(path.read_text()):
                    conn.execute(statement)
            check(fresh_db)


# --------------------------------------------------------------------------- one message per file


def _one_statement(text: str) -> str:
    found = statements(text)
    assert len(found) == 1, f"expected one statement, got {found}"
    return found[0]


def golang_files(out: Path, files: list[Path]) -> tuple[list[str], list[str]]:
    ups = sorted((p for p in files if p.name.endswith(".up.sql")), key=_key)
    downs = sorted((p for p in files if p.name.endswith(".down.sql")), key=_key, reverse=True)
    return [p.read_text() for p in ups], [p.read_text() for p in downs]


def dbmate_files(out: Path, files: list[Path]) -> tuple[list[str], list[str]]:
    ups, downs = [], []
    for path in sorted(files, key=_key):
        text = path.read_text()
        assert text.startswith("-- migrate:up transaction:false\n")
        up, marker, down = text.partition("-- migrate:down transaction:false\n")
        assert marker, path
        ups.append(up)
        downs.insert(0, down)
    return ups, downs


def prisma_files(out: Path, files: list[Path]) -> tuple[list[str], list[str]]:
    folders = sorted({p.parent for p in files})
    return ([(f / "migration.sql").read_text() for f in folders],
            [(f / "down.sql").read_text() for f in reversed(folders)])


ONE_MESSAGE = {"golang-migrate": golang_files, "dbmate": dbmate_files, "prisma": prisma_files}


def documented_option(text: str) -> dict[str, str]:
    """The connection option a one-message runner's file says to add to the database URL, as libpq reads it."""
    m = re.search(r"add (options=\S+)\s", text)
    assert m, "the file does not say which connection option sets lock_timeout"
    return dict(parse_qsl(m.group(1)))


@pytest.mark.parametrize("tool", sorted(ONE_MESSAGE))
def test_one_message_runners(tool, fresh_db, tmp_path):
    """Each file (dbmate: each section) is one message holding one statement; up, check, down, check."""
    create_schema(fresh_db)
    out = tmp_path / "migrations"
    ups, downs = ONE_MESSAGE[tool](out, make(tool, out))
    assert len(ups) == len(downs) == 8  # one migration per change, no SET of its own
    option = documented_option(ups[0])
    assert option == {"options": "-c lock_timeout=5s"}
    url = re.search(r"add (options=\S+)\s", ups[0]).group(1)  # as written in the file, into a URL's query string
    params = {k: v for k, v in conninfo_to_dict(fresh_db).items() if k in ("host", "port", "user", "password")}
    with psycopg.connect(f"postgresql:///{conninfo_to_dict(fresh_db)['dbname']}?{urlencode(params)}&{url}") as conn:
        assert conn.execute("SHOW lock_timeout").fetchone()[0] == "5s"
    # one session for the whole run, as these tools do, opened with the documented URL option
    with psycopg.connect(fresh_db, autocommit=True, **option) as conn:
        assert conn.execute("SHOW lock_timeout").fetchone()[0] == "5s"
        for text in ups:
            _one_statement(text)
            conn.execute(text)  # no parameters: one simple-query message, comments and all
        assert_up(fresh_db)
        for text in downs:
            _one_statement(text)
            conn.execute(text)
    assert_down(fresh_db)


@pytest.mark.parametrize("tool", sorted(ONE_MESSAGE))
def test_one_message_runners_keep_the_lock_timeout_on_a_retry(tool, fresh_db, tmp_path):
    """A build that times out on its lock and is retried (a new run: a new session) times out again, never waits forever."""
    create_schema(fresh_db)
    out = tmp_path / "migrations"
    files = generate(load_report(REPORT), tool, out, MigrateOptions(now=NOW, lock_timeout="300ms")).written
    ups, _ = ONE_MESSAGE[tool](out, files)
    assert not any("SET lock_timeout" in text for text in ups)  # nothing recorded as applied that a retry would skip
    first = ups[0]
    option = documented_option(first)
    guard = " -c statement_timeout=20s"  # were the timeout lost, the test fails instead of hanging
    with psycopg.connect(fresh_db, autocommit=True) as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE")  # what CREATE INDEX CONCURRENTLY waits for
        for _ in range(2):  # the run, then its retry: each a session of its own
            with psycopg.connect(fresh_db, autocommit=True, options=option["options"] + guard) as conn:
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    conn.execute(first)
        holder.execute("ROLLBACK")
    with psycopg.connect(fresh_db, autocommit=True, **option) as conn:
        conn.execute(first)  # the lock is free: the retry builds it
    assert indexes(fresh_db)["orders_customer_id_created_at_idx"] is True


def test_golang_migrate_names_follow_the_folder(tmp_path):
    (tmp_path / "000041_init.up.sql").write_text("SELECT 1;")
    (tmp_path / "000041_init.down.sql").write_text("SELECT 1;")
    names = sorted(p.name for p in make("golang-migrate", tmp_path))
    assert names[0] == "000042_add_index_orders_customer_id_created_at_idx.down.sql"
    assert names[-1] == "000049_drop_index_orders_legacy_idx.up.sql"
    stamped = tmp_path / "stamped"
    stamped.mkdir()
    (stamped / "20230101000000_init.up.sql").write_text("SELECT 1;")
    names = sorted(p.name for p in make("golang-migrate", stamped))
    assert names[0].startswith("20240501120000_add_index_orders_customer_id_created_at_idx")


def test_dbmate_and_prisma_names(tmp_path):
    names = sorted(p.name for p in make("dbmate", tmp_path / "db"))
    assert names[0] == "20240501120000_add_index_orders_customer_id_created_at_idx.sql"
    prisma = tmp_path / "prisma" / "migrations"
    prisma.mkdir(parents=True)
    (prisma / "migration_lock.toml").write_text('provider = "postgresql"\n')
    later = prisma / "20250101000000_init"
    later.mkdir()
    (later / "migration.sql").write_text("CREATE TABLE t (id int);\n")
    folders = sorted({p.parent.name for p in make("prisma", prisma)})
    assert folders[0] == "20250101000001_add_index_orders_customer_id_created_at_idx"  # after the newest existing migration
    assert all((prisma / f / "migration.sql").exists() and (prisma / f / "down.sql").exists() for f in folders)


def test_prisma_schema_lines(tmp_path):
    prisma = tmp_path / "prisma"
    (prisma / "migrations").mkdir(parents=True)
    (prisma / "schema.prisma").write_text(
        'model Order {\n  id Int @id\n  customerId Int @map("customer_id")\n  createdAt DateTime @map("created_at")\n'
        '  status String\n  total Decimal\n  isDeleted Boolean @map("is_deleted")\n  @@map("orders")\n}\n'
    )
    result = generate(load_report(REPORT), "prisma", prisma / "migrations", MigrateOptions(now=NOW))
    notes = "\n".join(result.notes)
    assert 'model Order: @@index([customerId, createdAt(sort: Desc)], map: "orders_customer_id_created_at_idx")' in notes
    assert 'where: raw("is_deleted = false")' in notes and "partialIndexes" in notes
    assert "INCLUDE (total), which Prisma then reports as drift" in notes
    assert "no @@index for customers_lower_email_8d9d1e2a_idx" in notes  # an expression key
    assert "operator class text_pattern_ops" in notes


# --------------------------------------------------------------------------- rails (structure)


def test_rails_migrations(tmp_path):
    (tmp_path / "20230101000000_create_orders.rb").write_text(
        "class CreateOrders < ActiveRecord::Migration[7.0]\nend\n")
    written = sorted(make("rails", tmp_path))
    assert len(written) == 8
    first = written[0]
    assert first.name == "20240501120000_add_index_orders_customer_id_created_at_idx.rb"
    text = first.read_text()
    assert "class AddIndexOrdersCustomerIdCreatedAtIdx < ActiveRecord::Migration[7.0]" in text
    assert "  disable_ddl_transaction!" in text
    assert ('add_index "public.orders", ["customer_id", "created_at"], name: "orders_customer_id_created_at_idx", '
            'order: { "created_at" => :desc }, algorithm: :concurrently') in text
    assert 'remove_index "public.orders", name: "orders_customer_id_created_at_idx", algorithm: :concurrently' in text
    assert text.index("execute \"SET lock_timeout = '5s'\"") < text.index("add_index")
    for path in written:  # Rails derives the class from the file name
        slug = path.stem.split("_", 1)[1]
        assert f"class {''.join(w.capitalize() for w in slug.split('_'))} < " in path.read_text()
    partial = next(p for p in written if "orders_status" in p.name).read_text()
    # an app on Rails 7.0 (its migrations say so): add_index has no include: there, so the covering index is SQL
    assert 'execute "CREATE INDEX CONCURRENTLY orders_status_4d32bbc9_idx ON public.orders (status) INCLUDE (total) ' \
        'WHERE is_deleted = false"' in partial
    newer = tmp_path / "newer"
    newer.mkdir()
    partial = next(p for p in make("rails", newer) if "orders_status" in p.name).read_text()
    assert 'include: ["total"], where: "is_deleted = false", algorithm: :concurrently' in partial
    expression = next(p for p in written if "lower_email" in p.name).read_text()
    assert 'add_index "public.customers", "(lower(email))", name: "customers_lower_email_8d9d1e2a_idx"' in expression
    task = next(p for p in written if "task_projectid" in p.name).read_text()
    assert 'order: { "createdAt" => "DESC NULLS LAST" }' in task
    drop = next(p for p in written if "drop_index" in p.name).read_text()
    assert 'remove_index "public.orders", name: "orders_legacy_idx", algorithm: :concurrently, if_exists: true' in drop
    assert 'execute "CREATE INDEX CONCURRENTLY orders_legacy_idx ON public.orders USING btree (status, total)"' in drop


# --------------------------------------------------------------------------- every tool


@pytest.mark.parametrize("tool", TOOLS)
def test_rerun_makes_no_churn(tool, tmp_path):
    """Same advice: the second run writes nothing; two fresh folders get identical files."""
    first, second = tmp_path / "a" / "app" / "migrations", tmp_path / "b" / "app" / "migrations"
    written = make(tool, first)
    assert written
    assert make(tool, first) == []
    make(tool, second)
    tree = lambda root: {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}  # noqa: E731
    assert tree(first) == tree(second)


@pytest.mark.parametrize("tool", TOOLS)
def test_new_advice_continues_the_folder(tool, tmp_path):
    out = tmp_path / "migrations"
    make(tool, out)
    report = load_report(REPORT)
    keys = [IndexKey("total")]
    report.recommendations.append(Recommendation(
        "orders_total_idx", "public", "orders", keys, [], None, "btree",
        create_index_sql("orders_total_idx", "public", "orders", keys, [], None), [], "range on total"))
    result = generate(report, tool, out, MigrateOptions(include_drops=True, now=NOW))
    assert len(result.unchanged) == 8
    assert result.written and all("orders_total_idx" in p.read_text() or "lock_timeout" in p.read_text()
                                  for p in result.written if p.suffix in (".sql", ".py", ".rb"))


def test_one_index_per_statement_and_every_statement_concurrent():
    for change in plan(load_report(REPORT), include_drops=True):
        assert change.up.count(";") == 1 and " CONCURRENTLY " in change.up
        assert change.down and change.down.count(";") == 1 and " CONCURRENTLY " in change.down
        assert "IF NOT EXISTS" not in change.up  # a failed build's INVALID leftover must not be skipped silently


def test_drops_only_when_asked(tmp_path):
    result = generate(load_report(REPORT), "sql", tmp_path, MigrateOptions(now=NOW))
    assert not any("drop_index" in p.name for p in result.written)
    assert any("--include-drops" in n for n in result.notes)


def test_drop_without_definition_has_a_down_that_refuses(fresh_db, tmp_path):
    report = load_report(REPORT)
    report.recommendations = []
    report.findings[0].definition = None
    create_schema(fresh_db)
    files = generate(report, "golang-migrate", tmp_path, MigrateOptions(include_drops=True, now=NOW, lock_timeout=None)).written
    down = next(p for p in files if p.name.endswith(".down.sql")).read_text()
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="cannot recreate index public.orders_legacy_idx"):
            conn.execute(down)


def test_recreate_sql():
    assert recreate_sql("CREATE UNIQUE INDEX a ON public.t USING btree (x)") == \
        "CREATE UNIQUE INDEX CONCURRENTLY a ON public.t USING btree (x);"
    assert recreate_sql("CREATE INDEX p ON ONLY public.parted USING btree (x);") == \
        "CREATE INDEX p ON ONLY public.parted USING btree (x);"  # a partitioned parent cannot be built concurrently
    assert recreate_sql(None) is None


# --------------------------------------------------------------------------- the command


runner = CliRunner()


def test_cli_migrate_from_report(tmp_path):
    out = tmp_path / "migrations"
    result = runner.invoke(app, ["migrate", "--tool", "golang-migrate", "--out", str(out), "--from", str(REPORT),
                                 "--lock-timeout", "2s"])
    assert result.exit_code == 0, result.output
    assert "wrote 14 file(s)" in result.stdout  # 7 creates, up and down
    assert "add options=-c%20lock_timeout%3D2s to the database URL" in result.stdout
    first = (out / "000001_add_index_orders_customer_id_created_at_idx.up.sql").read_text()
    assert "add options=-c%20lock_timeout%3D2s" in first and "SET lock_timeout" not in first
    again = runner.invoke(app, ["migrate", "--tool", "golang-migrate", "--out", str(out), "--from", str(REPORT)])
    assert again.exit_code == 0 and "wrote 0 file(s)" in again.stdout and "7 change(s) already there" in again.stdout


def test_cli_migrate_analyses_like_analyze(tmp_path):
    samples = Path(__file__).resolve().parent.parent / "sample_workloads" / "ecommerce"
    result = runner.invoke(app, ["migrate", "-t", "sql", "--out", str(tmp_path), str(samples)])
    assert result.exit_code == 0, result.output
    assert list(tmp_path.glob("0001_add_index_*.up.sql"))


@pytest.mark.parametrize("args, message", [
    (["--from", "nope.json"], "no such file"),
    (["--from", str(REPORT), "workload.sql"], "--from reads a saved report"),
    (["--from", str(REPORT), "--lock-timeout", "soon"], "--lock-timeout"),
])
def test_cli_migrate_usage_errors_are_exit_2(tmp_path, args, message):
    result = runner.invoke(app, ["migrate", "-t", "sql", "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.stderr


# --------------------------------------------------------------------------- write errors, and what a rerun finds


def test_cli_migrate_unwritable_out_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file\n")
    for out in (blocker / "migrations", blocker):
        result = runner.invoke(app, ["migrate", "-t", "sql", "--out", str(out), "--from", str(REPORT)])
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("indexadvisor: error: "), result.stderr
        assert str(blocker) in lines[0] and "Traceback" not in result.output


def test_cli_migrate_disk_full_part_way_is_one_line_exit_2_and_no_half_file(tmp_path):
    """A real process whose file-size limit stops the writes part-way (EFBIG, as a full disk's ENOSPC)."""
    import resource
    import sys

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (700, 700))

    out = tmp_path / "migrations"
    proc = subprocess.run([sys.executable, "-m", "indexadvisor", "migrate", "-t", "sql", "--out", str(out), "--from", str(REPORT)],
                          capture_output=True, text=True, timeout=120, preexec_fn=limit)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("indexadvisor: error: cannot write "), proc.stderr
    for path in out.iterdir():
        assert not path.name.startswith(".") and path.read_text().endswith("RESET lock_timeout;\n"), path


def _marked(written: list[Path]) -> list[Path]:
    return [p for p in written if p.is_file() and "indexadvisor-change:" in p.read_text()]


@pytest.mark.parametrize("tool", TOOLS)
def test_rerun_reports_a_file_cut_short_instead_of_taking_it_as_done(tool, tmp_path):
    out = tmp_path / "app" / "migrations"
    victim = _marked(make(tool, out))[0]
    text = victim.read_bytes()
    victim.write_bytes(text[: len(text) // 2])  # what a full disk left behind before writes were atomic
    with pytest.raises(InputError, match="incomplete") as err:
        make(tool, out)
    assert victim.name in str(err.value) and "\n" not in str(err.value)
    result = runner.invoke(app, ["migrate", "-t", tool, "--out", str(out), "--from", str(REPORT), "--include-drops"])
    assert result.exit_code == 2 and "already there" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and victim.name in result.stderr


@pytest.mark.parametrize("tool, lost", [
    ("sql", lambda out: next(out.glob("*.down.sql"))),
    ("golang-migrate", lambda out: next(out.glob("*_add_index_*.down.sql"))),
    ("flyway", lambda out: next(out.glob("U*.sql"))),
    ("flyway", lambda out: next(out.glob("V*.sql.conf"))),
    ("prisma", lambda out: next(out.glob("*/down.sql"))),
])
def test_rerun_reports_a_migration_without_its_down_file(tool, lost, tmp_path):
    out = tmp_path / "migrations"
    make(tool, out)
    gone = lost(out)
    gone.unlink()
    with pytest.raises(InputError, match=f"no {gone.name.replace('.', '[.]')}"):
        make(tool, out)


def test_dbmate_rerun_reports_a_file_without_its_down_section(tmp_path):
    make("dbmate", tmp_path)
    victim = next(tmp_path.glob("*_add_index_*.sql"))
    victim.write_text(victim.read_text().partition("-- migrate:down")[0])
    with pytest.raises(InputError, match="no -- migrate:down section"):
        make("dbmate", tmp_path)


# --------------------------------------------------------------------------- which drops


def _with_notes(report):
    """The case report plus health notes that carry no DROP: too young to drop, the only index of a foreign key."""
    young = "idx_scan = 0 since the statistics reset, 0.0 days old (under --min-evidence-days 7): a note, not a reason to drop it yet"
    report.findings += [
        Finding("unused_index", "public.orders", "public.orders_young_idx", None, young, "low", None,
                "CREATE INDEX orders_young_idx ON public.orders USING btree (total)"),
        Finding("unused_index", "public.customers", "public.customers_fk_idx", None,
                "idx_scan = 0, but it is the only index serving a foreign key", "low", None,
                "CREATE INDEX customers_fk_idx ON public.customers USING btree (id)"),
        # a note without DROP on an index another finding does drop: the drop wins, no "left out"
        Finding("unused_index", "public.orders", "public.orders_legacy_idx", None, "young", "low", None, None),
    ]
    return report


def test_include_drops_takes_only_findings_that_carry_a_drop(tmp_path):
    report = _with_notes(load_report(REPORT))
    drops = [c.name for c in plan(report, include_drops=True) if c.action == "drop"]
    assert drops == ["orders_legacy_idx"]
    result = generate(report, "sql", tmp_path, MigrateOptions(include_drops=True, now=NOW))
    assert not any("young" in p.name or "customers_fk" in p.name for p in result.written)
    left = [n for n in result.notes if n.startswith("left out of the drops")]
    assert len(left) == 2, result.notes
    assert "public.orders_young_idx (unused_index, low): the finding carries no DROP statement" in left[1]
    assert "a note, not a reason to drop it yet" in left[1]
    assert "public.customers_fk_idx" in left[0] and "only index serving a foreign key" in left[0]
    without = generate(report, "sql", tmp_path / "b", MigrateOptions(now=NOW)).notes
    assert "1 index(es) health findings advise dropping: pass --include-drops to add them" in without


def test_cli_migrate_says_which_drops_it_left_out(tmp_path):
    saved = tmp_path / "report.json"
    saved.write_text(json_report.render(_with_notes(load_report(REPORT))))
    result = runner.invoke(app, ["migrate", "-t", "sql", "--out", str(tmp_path / "m"), "--from", str(saved), "--include-drops"])
    assert result.exit_code == 0, result.output
    assert "note: left out of the drops: public.orders_young_idx" in result.stdout
    assert not list((tmp_path / "m").glob("*young*"))


# --------------------------------------------------------------------------- a dropped INVALID index


def _run_sql_tool(tool: str, dsn: str, files: list[Path], direction: str) -> None:
    """Run a tool's up or down files the way the tool sends them (see the module docstring)."""
    if tool in ONE_MESSAGE:
        ups, downs = ONE_MESSAGE[tool](files[0].parent if tool != "prisma" else files[0].parent.parent, files)
        with psycopg.connect(dsn, autocommit=True) as conn:
            for text in ups if direction == "up" else downs:
                conn.execute(text)
        return
    pick = {"sql": (".up.sql", ".down.sql"), "flyway": ("V", "U")}[tool]
    chosen = [p for p in files if p.suffix == ".sql" and
              (p.name.endswith(pick[0 if direction == "up" else 1]) if tool == "sql" else p.name.startswith(pick[0 if direction == "up" else 1]))]
    with psycopg.connect(dsn, autocommit=True) as conn:
        for path in sorted(chosen, key=_key, reverse=direction == "down"):
            for statement in statements(path.read_text()):
                conn.execute(statement)


@pytest.mark.parametrize("tool", ["sql", "flyway", "golang-migrate", "dbmate", "prisma"])
def test_dropping_an_invalid_index_has_a_down_step_that_does_nothing(tool, fresh_db, tmp_path):
    """Recreating a failed unique index fails on its duplicates (23505): its drop's down runs and does nothing."""
    create_invalid_index(fresh_db)
    files = make_invalid_drop(tool, tmp_path / "migrations")
    texts = "\n".join(p.read_text() for p in files)
    assert "No down step: public.dup_k_key was INVALID" in texts and "CREATE UNIQUE INDEX" not in texts
    _run_sql_tool(tool, fresh_db, files, "up")
    assert indexes_named(fresh_db, INVALID_INDEX) == {}
    _run_sql_tool(tool, fresh_db, files, "down")  # no UniqueViolation, nothing stuck
    assert indexes_named(fresh_db, INVALID_INDEX) == {}


def test_rails_drop_of_an_invalid_index_has_an_empty_down(tmp_path):
    text = make_invalid_drop("rails", tmp_path)[0].read_text()
    down = text.split("  def down\n", 1)[1].split("  end\n", 1)[0]
    assert "# indexadvisor: no down step: public.dup_k_key was INVALID" in down
    assert "execute" not in down and "raise" not in down
