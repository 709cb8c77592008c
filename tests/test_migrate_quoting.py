"""Generated Ruby and Prisma text says exactly the identifiers and WHERE text of the advice.

Ruby double-quoted strings interpolate `#{...}`, `#@ivar`, `#@@cvar` and `#$global`; Prisma
schema strings end at an unescaped `"`. The Rails migration is also loaded by a real Ruby
(when one is installed) against a stand-in for ActiveRecord that records its calls.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from migrate_support import NOW, REPORT

from indexadvisor.model import IndexKey, Recommendation
from indexadvisor.report.load import load_report
from indexadvisor.report.migrations import generate
from indexadvisor.report.migrations.base import MigrateOptions

COLUMNS = ["#@x", "#$0", "#@@cv", 'a\\b"#{1+1}']
INCLUDE = ["#{`id`}"]
WHERE = "\"#@x\" <> '#{system(\"touch /tmp/indexadvisor-pwned\")}' AND \"#$0\" IS NOT NULL"
NAME = "ix_#@x_#{name}"
TABLE = "we#@ird"


def _report(keys: list[IndexKey], name: str = NAME, where: str | None = WHERE, method: str = "btree",
            include: list[str] | None = None):
    report = load_report(REPORT)
    report.findings = []
    report.recommendations = [Recommendation(name, "public", TABLE, keys, INCLUDE if include is None else include,
                                             where, method, "CREATE INDEX ...", [], "test")]
    return report


def _ruby_literals(text: str) -> list[str]:
    """The double-quoted string literals of a Ruby text, as written (between the quotes)."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return re.findall(r'"((?:[^"\\]|\\.)*)"', code)


def _unescaped_hash(literal: str) -> bool:
    i = 0
    while i < len(literal):
        if literal[i] == "\\":
            i += 2
            continue
        if literal[i] == "#":
            return True
        i += 1
    return False


def _rails(tmp_path: Path) -> Path:
    keys = [IndexKey(c, desc=i == 1) for i, c in enumerate(COLUMNS)]
    written = generate(_report(keys), "rails", tmp_path, MigrateOptions(now=NOW)).written
    assert len(written) == 1
    return written[0]


def test_rails_strings_interpolate_nothing(tmp_path):
    text = _rails(tmp_path).read_text()
    literals = _ruby_literals(text)
    assert literals and not [lit for lit in literals if _unescaped_hash(lit)], text


STUB = r'''
require "json"
module ActiveRecord
  class IrreversibleMigration < StandardError; end
  class Migration
    CALLS = []
    def self.[](_version)
      self
    end
    def self.disable_ddl_transaction!; end
    def execute(sql)
      CALLS << ["execute", sql]
    end
    def add_index(*args, **kw)
      CALLS << ["add_index", args, kw]
    end
    def remove_index(*args, **kw)
      CALLS << ["remove_index", args, kw]
    end
  end
end
load ARGV[0]
migration = Object.const_get(ARGV[1]).new
migration.up
migration.down
puts JSON.generate(ActiveRecord::Migration::CALLS)
'''


@pytest.mark.skipif(shutil.which("ruby") is None, reason="no ruby installed (apt-get install ruby)")
def test_rails_migration_passes_the_names_to_active_record(tmp_path):
    path = _rails(tmp_path)
    class_name = re.search(r"^class (\w+) <", path.read_text(), re.M).group(1)
    stub = tmp_path / "stub.rb"
    stub.write_text(STUB)
    proc = subprocess.run(["ruby", str(stub), str(path), class_name], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    calls = json.loads(proc.stdout)
    add = next(c for c in calls if c[0] == "add_index")
    assert add[1] == [f"public.{TABLE}", COLUMNS]
    assert add[2]["name"] == NAME and add[2]["where"] == WHERE and add[2]["include"] == INCLUDE
    assert add[2]["order"] == {COLUMNS[1]: "desc"}
    remove = next(c for c in calls if c[0] == "remove_index")
    assert remove[1] == [f"public.{TABLE}"] and remove[2]["name"] == NAME
    assert [c[1] for c in calls if c[0] == "execute"] == ["SET lock_timeout = '5s'", "RESET lock_timeout"] * 2
    assert not Path("/tmp/indexadvisor-pwned").exists()


def _psl_strings(line: str) -> list[str]:
    """The string literals of a Prisma schema line, unescaped; asserts no quote is left outside them."""
    found = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
    rest = re.sub(r'"((?:[^"\\]|\\.)*)"', "", line)
    assert '"' not in rest, f"a stray quote: {line}"
    return [re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s) for s in found]


def test_prisma_index_lines_escape_quotes(tmp_path):
    name = 'orders_"status"_idx'
    where = '"isDeleted" = false AND note <> \'a\\b\''
    report = _report([IndexKey("status")], name=name, where=where, include=[])
    (tmp_path / "migrations").mkdir()
    notes = generate(report, "prisma", tmp_path / "migrations", MigrateOptions(now=NOW)).notes
    line = next(n for n in notes if "@@index(" in n)
    index = line[line.index("@@index("):line.index("  (needs")]
    assert _psl_strings(index) == [name, where]
    gin = _report([IndexKey("tags", opclass='jsonb_path"ops')], name="t_idx", where=None, method="gin", include=[])
    line = next(n for n in generate(gin, "prisma", tmp_path / "g", MigrateOptions(now=NOW)).notes if "@@index(" in n)
    assert _psl_strings(line[line.index("@@index("):]) == ['jsonb_path"ops', "t_idx"]


def test_prisma_column_without_a_field_name_is_not_written_as_one(tmp_path):
    report = _report([IndexKey("has space")], name="t_space_idx", where=None, include=[])
    notes = generate(report, "prisma", tmp_path / "m", MigrateOptions(now=NOW)).notes
    line = next(n for n in notes if "t_space_idx" in n)
    assert "no @@index for t_space_idx" in line and "has no field name" in line
