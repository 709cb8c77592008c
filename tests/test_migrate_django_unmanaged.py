"""Django migrations for an unmanaged model (managed = False): Django's schema operations do nothing for
one (AddIndexConcurrently prints OK and creates no index), so the index is RunSQL, and says why; run for
real with `manage.py migrate`, forward and back."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from test_migrate_frameworks import INITIAL, MODELS, django_project, run

from indexadvisor import api
from indexadvisor.report.migrations import generate
from indexadvisor.report.migrations.base import MigrateOptions
from indexadvisor.report.migrations.django import read_app

LEGACY_MODEL = '''

class LegacyEvent(models.Model):
    id = models.BigIntegerField(primary_key=True)
    account_id = models.BigIntegerField()
    at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "legacy_events"
'''

LEGACY_OPERATION = '''        migrations.CreateModel(
            name="LegacyEvent",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("account_id", models.BigIntegerField()),
                ("at", models.DateTimeField()),
            ],
            options={"db_table": "legacy_events", "managed": False},
        ),
    ]
'''

TABLE = "CREATE TABLE legacy_events (id bigint PRIMARY KEY, account_id bigint NOT NULL, at timestamptz NOT NULL);"
WORKLOAD = "SELECT * FROM legacy_events WHERE account_id = 5 ORDER BY at DESC LIMIT 10;\n" * 5


def _project(root: Path, dsn: str) -> Path:
    migrations = django_project(root, dsn)
    (root / "shop" / "models.py").write_text(MODELS + LEGACY_MODEL)
    initial = INITIAL.rstrip()
    assert initial.endswith("]")
    (migrations / "0001_initial.py").write_text(initial[: -1].rstrip() + "\n" + LEGACY_OPERATION)
    return migrations


def _report(tmp_path: Path) -> api.Report:
    (tmp_path / "schema.sql").write_text(TABLE)
    (tmp_path / "workload.sql").write_text(WORKLOAD)
    report = api.analyze([tmp_path / "workload.sql"], schema=[tmp_path / "schema.sql"])
    assert [r.table for r in report.recommendations] == ["legacy_events"]
    return report


def test_the_app_reader_knows_unmanaged_models(tmp_path: Path) -> None:
    migrations = _project(tmp_path, "host=localhost dbname=x user=u")
    state = read_app(migrations)
    assert state.models["legacyevent"].managed is False and state.models["order"].managed is True
    (migrations / "0002_manage_it.py").write_text(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0001_initial')]\n"
        "    operations = [migrations.AlterModelOptions(name='legacyevent', options={})]\n")
    assert read_app(migrations).models["legacyevent"].managed is True  # managed again: options back to defaults


def test_an_index_on_an_unmanaged_model_is_run_sql_and_created_for_real(fresh_db: str, tmp_path: Path) -> None:
    pytest.importorskip("django")
    project = tmp_path / "project"
    project.mkdir()
    migrations = _project(project, fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(TABLE)  # an unmanaged model's table is made outside Django
    run(["manage.py", "migrate", "shop", "0001", "--no-input"], project)

    written = generate(_report(tmp_path), "django", migrations, MigrateOptions()).written
    assert len(written) == 1
    text = written[0].read_text()
    assert "AddIndexConcurrently(" not in text and "migrations.RunSQL(" in text
    assert "# RunSQL, not AddIndexConcurrently: LegacyEvent is unmanaged (managed = False)" in text
    assert "CREATE INDEX CONCURRENTLY" in text and "atomic = False" in text

    def names() -> set[str]:
        with psycopg.connect(fresh_db) as conn:
            return {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'legacy_events'")}

    run(["manage.py", "migrate", "--no-input"], project)
    created = names() - {"legacy_events_pkey"}
    assert len(created) == 1 and next(iter(created)).startswith("legacy_events_account_id")
    run(["manage.py", "migrate", "shop", "0001", "--no-input"], project)
    assert names() == {"legacy_events_pkey"}
