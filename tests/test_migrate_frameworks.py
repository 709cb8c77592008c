"""The Alembic and Django migrations, run by the real tools against a test database.

Alembic: `alembic init`, a hand-written first revision, our revisions chained after it,
`alembic upgrade head`, `alembic downgrade <first>`. Django: a minimal project whose
app's 0001_initial creates the tables, our migrations depending on it,
`manage.py migrate`, `manage.py migrate app 0001`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from migrate_support import (
    CASES,
    CREATED,
    DROPPED,
    INVALID_INDEX,
    assert_down,
    assert_up,
    create_invalid_index,
    create_schema,
    indexes,
    make,
    make_invalid_drop,
)
from psycopg.conninfo import conninfo_to_dict

from indexadvisor.report.migrations.alembic import heads
from indexadvisor.report.migrations.django import django_name, read_app, where_to_q

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], cwd: Path, env: dict | None = None) -> str:
    result = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PYTHONPATH": f"{cwd}{os.pathsep}{ROOT}", **(env or {})})
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


# --------------------------------------------------------------------------- alembic

FIRST_REVISION = '''"""the project's own first revision"""
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("COMMENT ON TABLE orders IS 'managed by alembic'")


def downgrade() -> None:
    op.execute("COMMENT ON TABLE orders IS NULL")
'''


def sqlalchemy_url(dsn: str) -> str:
    from sqlalchemy.engine import URL

    p = conninfo_to_dict(dsn)
    url = URL.create("postgresql+psycopg", username=p.get("user"), password=p.get("password"),
                     host=p.get("host"), port=int(p["port"]) if p.get("port") else None, database=p.get("dbname"))
    return url.render_as_string(hide_password=False)


def test_alembic_upgrade_and_downgrade(fresh_db, tmp_path):
    pytest.importorskip("alembic")
    create_schema(fresh_db)
    run(["-m", "alembic", "init", "alembic"], tmp_path)
    ini = tmp_path / "alembic.ini"
    url = sqlalchemy_url(fresh_db).replace("%", "%%")
    ini.write_text("\n".join(f"sqlalchemy.url = {url}" if line.startswith("sqlalchemy.url") else line
                             for line in ini.read_text().splitlines()) + "\n")
    versions = tmp_path / "alembic" / "versions"
    (versions / "a1b2c3d4e5f6_first.py").write_text(FIRST_REVISION)

    written = make("alembic", versions)
    assert len(written) == 8
    texts = [p.read_text() for p in written]
    assert "down_revision = 'a1b2c3d4e5f6'" in texts[0]  # chained after the folder's head
    assert all("with op.get_context().autocommit_block():" in t for t in texts)
    assert "postgresql_concurrently=True" in texts[0]
    partial = next(t for t in texts if "orders_status_4d32bbc9_idx" in t)
    assert "postgresql_include=['total']" in partial and "postgresql_where=sa.text('is_deleted = false')" in partial
    assert heads(versions) == written[-1].name.split("_", 1)[0]  # one head: our last revision

    run(["-m", "alembic", "upgrade", "head"], tmp_path)
    assert_up(fresh_db)
    run(["-m", "alembic", "downgrade", "a1b2c3d4e5f6"], tmp_path)
    assert_down(fresh_db)
    run(["-m", "alembic", "upgrade", "head"], tmp_path)  # and back up: the chain is repeatable
    assert_up(fresh_db)


def test_alembic_several_heads_are_merged(tmp_path):
    for rev in ("aaa", "bbb"):
        (tmp_path / f"{rev}_x.py").write_text(f"revision = {rev!r}\ndown_revision = None\n")
    written = make("alembic", tmp_path)
    assert "down_revision = ('aaa', 'bbb')" in written[0].read_text()


# --------------------------------------------------------------------------- django

SETTINGS = '''
SECRET_KEY = "test"
INSTALLED_APPS = ["shop"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": {name!r}, "USER": {user!r},
                          "PASSWORD": {password!r}, "HOST": {host!r}, "PORT": {port!r}}}}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
'''

MODELS = '''from django.db import models


class Customer(models.Model):
    id = models.BigIntegerField(primary_key=True)
    email = models.TextField()
    name = models.TextField(null=True)

    class Meta:
        db_table = "customers"


class Order(models.Model):
    id = models.BigIntegerField(primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    status = models.TextField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    is_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "orders"


class Task(models.Model):
    id = models.BigIntegerField(primary_key=True)
    project_id = models.BigIntegerField(db_column="projectId")
    created_at = models.DateTimeField(db_column="createdAt", null=True)

    class Meta:
        db_table = "Task"
'''

INITIAL = '''from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("email", models.TextField()),
                ("name", models.TextField(null=True)),
            ],
            options={"db_table": "customers"},
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("status", models.TextField()),
                ("total", models.DecimalField(decimal_places=2, max_digits=12)),
                ("is_deleted", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField()),
                ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.customer")),
            ],
            options={"db_table": "orders"},
        ),
        migrations.CreateModel(
            name="Task",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("project_id", models.BigIntegerField(db_column="projectId")),
                ("created_at", models.DateTimeField(db_column="createdAt", null=True)),
            ],
            options={"db_table": "Task"},
        ),
    ]
'''

# what schema.sql has beyond the app's own tables
EXTRA = """
CREATE TABLE "user" (id bigint PRIMARY KEY, "group" text);
CREATE SCHEMA shop;
CREATE TABLE shop.events (id bigint PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL);
CREATE INDEX orders_legacy_idx ON orders (status, total);
"""


def django_project(root: Path, dsn: str) -> Path:
    p = conninfo_to_dict(dsn)
    (root / "settings.py").write_text(SETTINGS.format(name=p.get("dbname"), user=p.get("user") or "",
                                                      password=p.get("password") or "", host=p.get("host") or "",
                                                      port=str(p.get("port") or "")))
    (root / "manage.py").write_text(
        "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n"
        "from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n")
    app = root / "shop"
    (app / "migrations").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(MODELS)
    (app / "migrations" / "__init__.py").write_text("")
    (app / "migrations" / "0001_initial.py").write_text(INITIAL)
    return app / "migrations"


def test_django_reads_the_app(tmp_path):
    migrations = django_project(tmp_path, "host=localhost dbname=x user=u")
    state = read_app(migrations)
    assert state.label == "shop" and state.leaves == ["0001_initial"] and state.last_number == 1
    assert state.models["order"].table == "orders"
    assert state.models["order"].columns == {"id": "id", "status": "status", "total": "total",
                                             "is_deleted": "is_deleted", "created_at": "created_at",
                                             "customer_id": "customer"}
    assert state.models["task"].columns["projectId"] == "project_id"
    order = state.models["order"]
    assert where_to_q("is_deleted = false", order) == "models.Q(is_deleted=False)"
    assert where_to_q("NOT is_deleted AND status IN ('a', 'b')", order) == \
        "models.Q(is_deleted=False) & models.Q(status__in=['a', 'b'])"
    assert where_to_q("customer_id IS NOT NULL AND total >= 10", order) == \
        "models.Q(customer__isnull=False) & models.Q(total__gte=10)"
    assert where_to_q("status <> 'x'", order) == "~models.Q(status='x')"
    assert where_to_q("lower(status) = 'x'", order) is None
    assert where_to_q("is_deleted = false OR status = 'x'", order) is None
    assert len(django_name("orders_customer_id_created_at_idx")) <= 30


def test_django_migrate_forward_and_back(fresh_db, tmp_path):
    pytest.importorskip("django")
    migrations = django_project(tmp_path, fresh_db)
    run(["manage.py", "migrate", "shop", "0001", "--no-input"], tmp_path)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(EXTRA)

    written = make("django", migrations)
    assert [p.name for p in written][:2] == ["0002_add_index_orders_customer_id_created_at_idx.py",
                                             "0003_add_index_task_projectid_createdat_idx.py"]
    texts = {p.name: p.read_text() for p in written}
    first = texts["0002_add_index_orders_customer_id_created_at_idx.py"]
    assert "atomic = False" in first and "('shop', '0001_initial')," in first
    assert "AddIndexConcurrently(" in first and "fields=['customer', '-created_at']" in first
    partial = next(t for n, t in texts.items() if "orders_status" in n)
    assert "condition=models.Q(is_deleted=False)" in partial and "include=['total']" in partial
    assert "opclasses=['text_pattern_ops']" in next(t for n, t in texts.items() if n.endswith("customers_email_idx.py"))
    assert "migrations.RunSQL(" in texts["0003_add_index_task_projectid_createdat_idx.py"]  # NULLS LAST: not an Index

    created = [django_name(n) if n in ("orders_customer_id_created_at_idx",) else n for n in CREATED]
    run(["manage.py", "migrate", "--no-input"], tmp_path)
    assert_up(fresh_db, created)
    run(["manage.py", "migrate", "shop", "0001", "--no-input"], tmp_path)
    assert_down(fresh_db, created)
    assert DROPPED in indexes(fresh_db)
    assert (CASES / "schema.sql").exists()


# --------------------------------------------------------------------------- a dropped INVALID index, undone for real


def _alembic_project(root: Path, dsn: str) -> Path:
    run(["-m", "alembic", "init", "alembic"], root)
    ini = root / "alembic.ini"
    url = sqlalchemy_url(dsn).replace("%", "%%")
    ini.write_text("\n".join(f"sqlalchemy.url = {url}" if line.startswith("sqlalchemy.url") else line
                             for line in ini.read_text().splitlines()) + "\n")
    return root / "alembic" / "versions"


def test_alembic_downgrade_of_an_invalid_index_drop_does_nothing(fresh_db, tmp_path):
    pytest.importorskip("alembic")
    create_invalid_index(fresh_db)
    versions = _alembic_project(tmp_path, fresh_db)
    (versions / "a1b2c3d4e5f6_first.py").write_text(FIRST_REVISION.replace("orders", "dup"))
    text = make_invalid_drop("alembic", versions)[0].read_text()
    assert "# indexadvisor: no down step: public.dup_k_key was INVALID" in text
    run(["-m", "alembic", "upgrade", "head"], tmp_path)
    assert INVALID_INDEX not in indexes(fresh_db)
    run(["-m", "alembic", "downgrade", "a1b2c3d4e5f6"], tmp_path)  # not stuck on 23505
    assert INVALID_INDEX not in indexes(fresh_db)


def test_django_reverse_of_an_invalid_index_drop_does_nothing(fresh_db, tmp_path):
    pytest.importorskip("django")
    migrations = django_project(tmp_path, fresh_db)
    run(["manage.py", "migrate", "shop", "0001", "--no-input"], tmp_path)
    create_invalid_index(fresh_db)
    text = make_invalid_drop("django", migrations)[-1].read_text()
    assert "reverse_sql=migrations.RunSQL.noop" in text and "no down step" in text
    run(["manage.py", "migrate", "--no-input"], tmp_path)
    assert INVALID_INDEX not in indexes(fresh_db)
    run(["manage.py", "migrate", "shop", "0001", "--no-input"], tmp_path)
    assert INVALID_INDEX not in indexes(fresh_db)
