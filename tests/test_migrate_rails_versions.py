"""Rails before 7.1 has no `add_index ... include:`: a covering index is `execute` of its concurrent
CREATE INDEX there. The app's Rails comes from --rails-version, else the Gemfile.lock above --out,
else its migrations; the migration class says the same version. Loaded by a real Ruby against the
stand-in ActiveRecord of test_migrate_quoting, where one is installed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from migrate_support import NOW, REPORT, ruby_calls
from test_migrate_quoting import STUB
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.model import IndexKey, Recommendation
from indexadvisor.report.load import load_report
from indexadvisor.report.migrations import generate
from indexadvisor.report.migrations.base import MigrateOptions

DDL = 'CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id) INCLUDE (total);'
LOCK = """GEM
  remote: https://rubygems.org/
  specs:
    actionpack (7.0.8)
      rails-html-sanitizer (~> 1.0)
    activerecord (7.0.8)
      activemodel (= 7.0.8)
    rails (7.0.8)
      activerecord (= 7.0.8)

DEPENDENCIES
  rails (~> 7.0.8)
"""


def _report(include: list[str]):
    report = load_report(REPORT)
    report.findings = []
    report.recommendations = [Recommendation("orders_customer_id_idx", "public", "orders", [IndexKey("customer_id")],
                                             include, None, "btree", DDL, [], "test")]
    return report


def _write(out: Path, include: list[str] | None = None, **options) -> tuple[str, list[str]]:
    result = generate(_report(["total"] if include is None else include), "rails", out, MigrateOptions(now=NOW, **options))
    assert len(result.written) == 1
    return result.written[0].read_text(), result.notes


def _app(tmp_path: Path, lock: str | None) -> Path:
    out = tmp_path / "app" / "db" / "migrate"
    out.mkdir(parents=True)
    if lock is not None:
        (tmp_path / "app" / "Gemfile.lock").write_text(lock)
    return out


def test_before_7_1_a_covering_index_is_execute_sql(tmp_path: Path) -> None:
    text, notes = _write(_app(tmp_path, LOCK))
    assert "< ActiveRecord::Migration[7.0]" in text
    assert "    add_index " not in text
    assert f'execute "{DDL.rstrip(";")}"' in text
    assert "# add_index has include: only from Rails 7.1 (this app: 7.0)" in text
    assert 'remove_index "public.orders", name: "orders_customer_id_idx", algorithm: :concurrently' in text
    assert any("Rails 7.0 (" in n and "Gemfile.lock" in n for n in notes)


@pytest.mark.parametrize(("lock", "options", "version", "execute"), [
    (None, {}, "7.1", False),  # no app to read: the default
    (LOCK.replace("7.0.8", "7.1.3"), {}, "7.1", False),
    (LOCK.replace("7.0.8", "8.0.1"), {}, "8.0", False),
    (LOCK, {"rails_version": "7.2"}, "7.2", False),  # --rails-version wins
    (None, {"rails_version": "6.1.7"}, "6.1", True),
])
def test_the_version_comes_from_the_option_the_lock_file_or_the_default(tmp_path, lock, options, version, execute):
    text, _ = _write(_app(tmp_path, lock), **options)
    assert f"< ActiveRecord::Migration[{version}]" in text
    assert ("execute \"CREATE INDEX" in text) is execute and ("include: [\"total\"]" in text) is not execute


def test_an_index_without_include_stays_add_index_on_old_rails(tmp_path: Path) -> None:
    text, notes = _write(_app(tmp_path, LOCK), include=[])
    assert 'add_index "public.orders", ["customer_id"]' in text and "execute \"CREATE" not in text
    assert not any("covering" in n for n in notes)


def test_the_cli_takes_rails_version_and_refuses_nonsense(tmp_path: Path) -> None:
    saved = tmp_path / "report.json"
    saved.write_text(Path(REPORT).read_text())
    out = tmp_path / "db" / "migrate"
    bad = CliRunner().invoke(app, ["migrate", "--from", str(saved), "--tool", "rails", "--out", str(out),
                                   "--rails-version", "seven"])
    assert bad.exit_code == 2 and "--rails-version: 'seven' is not a version" in bad.output
    good = CliRunner().invoke(app, ["migrate", "--from", str(saved), "--tool", "rails", "--out", str(out),
                                    "--rails-version", "6.1"])
    assert good.exit_code == 0, good.output
    assert all("Migration[6.1]" in p.read_text() for p in out.glob("*.rb"))


@pytest.mark.skipif(shutil.which("ruby") is None, reason="no ruby installed (apt-get install ruby)")
def test_ruby_runs_the_execute_of_an_old_rails_app(tmp_path: Path) -> None:
    out = _app(tmp_path, LOCK)
    _write(out)
    path = next(out.glob("*.rb"))
    calls = ruby_calls(path, STUB, tmp_path)
    assert [c[1] for c in calls if c[0] == "execute"] == [
        "SET lock_timeout = '5s'", DDL.rstrip(";"), "RESET lock_timeout", "SET lock_timeout = '5s'", "RESET lock_timeout"]
    assert not [c for c in calls if c[0] == "add_index"]
    assert [c[2]["name"] for c in calls if c[0] == "remove_index"] == ["orders_customer_id_idx"]
