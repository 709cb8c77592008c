"""Rails (Active Record): `db/migrate/<YYYYMMDDHHMMSS>_add_index_x.rb`.

Each migration calls `disable_ddl_transaction!` (Rails' way out of its transaction)
and `add_index ... algorithm: :concurrently`; Active Record sends each call as its
own statement, so the lock_timeout is an `execute` before it and a reset after.
The class name is the file name camelized, as Rails requires; the migration
version (`Migration[7.0]`) is the app's Rails: --rails-version, else the rails (or
activerecord) gem in the Gemfile.lock above --out, else the newest migration already
in the folder, else 7.1. Before Rails 7.1 `add_index` has no `include:`, so a covering
index is written as `execute` of its concurrent CREATE INDEX there.
"""

from __future__ import annotations

import re
from pathlib import Path

from indexadvisor.errors import InputError
from indexadvisor.model import IndexKey
from indexadvisor.pg.sql import render_key
from indexadvisor.report.migrations.base import (
    Change,
    MigrateOptions,
    MigrateResult,
    comment_block,
    failure_hint,
    is_concurrent,
    timestamps,
    unique_slugs,
    write_file,
)

_FILE = re.compile(r"^(\d+)_.+\.rb$")
_VERSION = re.compile(r"ActiveRecord::Migration\[(\d+)\.(\d+)\]")
_LOCKED = re.compile(r"^ {4}(?:rails|activerecord) \((\d+)\.(\d+)[^)]*\)\s*$", re.M)
_GIVEN = re.compile(r"^(\d+)\.(\d+)(\.\d+)*$")
DEFAULT_VERSION = "7.1"
INCLUDE_SINCE = (7, 1)  # add_index include:


def incomplete(path: Path, text: str) -> str | None:
    """A rerun's check of a migration an earlier one wrote: up and down, and the class closed."""
    if not _FILE.match(path.name):
        return None
    lines = text.rstrip().splitlines()
    if not lines or lines[-1] != "end":
        return "cut short"
    return None if "  def up" in text and "  def down" in text else "no up or down method"


def write(changes: list[Change], out: Path, options: MigrateOptions, result: MigrateResult) -> None:
    files = sorted(out.glob("*.rb")) if out.is_dir() else []
    existing = [m.group(1) for m in (_FILE.match(p.name) for p in files) if m]
    ar_version, source = app_version(out, files, options.rails_version)
    for change, version, slug in zip(changes, timestamps(options, existing, len(changes)), unique_slugs(changes)):
        write_file(out / f"{version}_{slug}.rb", render(change, camelize(slug), ar_version, options), result)
    if any(c.recommendation and c.recommendation.include for c in changes) and _older_than_include(ar_version):
        result.notes.append(f"Rails {ar_version} ({source}): covering indexes are written as execute of their "
                            "CREATE INDEX CONCURRENTLY, since add_index has include: only from Rails 7.1")


def camelize(slug: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in slug.split("_") if part)


def render(change: Change, class_name: str, ar_version: str, options: MigrateOptions) -> str:
    down: str | None  # None: the change cannot be undone
    if change.steps:  # a partitioned table: each statement on its own (add_index cannot say ON ONLY or ATTACH)
        up = "\n    ".join(f"execute {_rb(step.rstrip(';'))}" for step in change.steps)
        down = f"execute {_rb(change.down or '')}"
    elif change.action == "create":
        up = _add_index(change, ar_version)
        down = f"remove_index {_rb(_table(change))}, name: {_rb(change.name)}, algorithm: :concurrently"
    else:
        up = (f"remove_index {_rb(_table(change))}, name: {_rb(change.name)}, algorithm: :concurrently, if_exists: true"
              if is_concurrent(change.up) else f"execute {_rb(change.up.rstrip(';'))}")
        down = f"execute {_rb(change.down.rstrip(';'))}" if change.down else None
    lines = [comment_block([change.marker, *change.comment, *failure_hint(change)], "#").rstrip("\n")]
    lines += [f"class {class_name} < ActiveRecord::Migration[{ar_version}]",
              "  # CONCURRENTLY cannot run inside a transaction block",
              "  disable_ddl_transaction!", "", "  def up"]
    lines += _body(up, options)
    lines += ["  end", "", "  def down"]
    if down is None and change.no_down:
        lines += comment_block([f"indexadvisor: no down step: {change.no_down}"], "    #").rstrip("\n").splitlines()
    elif down is None:
        lines.append(f"    raise ActiveRecord::IrreversibleMigration, {_rb('indexadvisor: ' + change.irreversible_reason)}")
    else:
        lines += _body(down, options)
    lines += ["  end", "end"]
    return "\n".join(lines) + "\n"


def _body(statement: str, options: MigrateOptions) -> list[str]:
    out = []
    if options.lock_timeout:
        out.append(f"    execute {_rb(f'SET lock_timeout = {chr(39)}{options.lock_timeout}{chr(39)}')}")
    out.append(f"    {statement}")
    if options.lock_timeout:
        out.append(f"    execute {_rb('RESET lock_timeout')}")
    return out


def _older_than_include(ar_version: str) -> bool:
    return tuple(int(p) for p in ar_version.split(".")[:2]) < INCLUDE_SINCE


def _add_index(change: Change, ar_version: str) -> str:
    r = change.recommendation
    assert r is not None
    if r.include and _older_than_include(ar_version):
        return (f"# add_index has include: only from Rails 7.1 (this app: {ar_version}): the covering index as SQL\n"
                f"    execute {_rb(change.up.rstrip(';'))}")
    args = [_rb(_table(change))]
    opts: list[str] = []
    if any(k.column is None or k.collation for k in r.keys):
        # Rails passes a string of key SQL through unquoted when it is not a plain name
        args.append(_rb(", ".join(render_key(k) for k in r.keys)))
    else:
        args.append("[" + ", ".join(_rb(k.column or "") for k in r.keys) + "]")
        order = {k.column: _order(k) for k in r.keys if _order(k)}
        if order:
            opts.append("order: { " + ", ".join(f"{_rb(c or '')} => {v}" for c, v in order.items()) + " }")
        opclass = {k.column: k.opclass for k in r.keys if k.opclass}
        if opclass:
            opts.append("opclass: { " + ", ".join(f"{_rb(c or '')} => {_symbol(v)}" for c, v in opclass.items()) + " }")
    opts.insert(0, f"name: {_rb(r.name)}")
    if r.method != "btree":
        opts.append(f"using: {_symbol(r.method)}")
    if r.include:
        opts.append("include: [" + ", ".join(_rb(c) for c in r.include) + "]")
    if r.where:
        opts.append(f"where: {_rb(r.where)}")
    opts.append("algorithm: :concurrently")
    return "add_index " + ", ".join(args + opts)


def _order(k: IndexKey) -> str:
    if k.nulls_first is None:
        return ":desc" if k.desc else ""
    return _rb(("DESC" if k.desc else "ASC") + (" NULLS FIRST" if k.nulls_first else " NULLS LAST"))


def _table(change: Change) -> str:
    return f"{change.schema}.{change.table}"


def _rb(text: str) -> str:
    """A Ruby double-quoted string literal that says exactly `text`.

    Every `#` is escaped: in a double-quoted Ruby string `#{...}`, `#@ivar`, `#@@cvar` and
    `#$global` all interpolate (a column named `#@x` would become "").
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("#", "\\#") + '"'


def _symbol(name: str) -> str:
    """A Ruby symbol: `:name`, or `:"..."` for a name that is not a plain identifier."""
    return f":{name}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else ":" + _rb(name)


def app_version(out: Path, files: list[Path], given: str | None) -> tuple[str, str]:
    """The app's Rails as major.minor, and where it was read: --rails-version, the Gemfile.lock
    of the app --out is in, the newest migration in --out, or the default."""
    if given:
        m = _GIVEN.match(given.strip())
        if not m:
            raise InputError(f"--rails-version: {given!r} is not a version like 7.0 or 6.1.7")
        return f"{int(m.group(1))}.{int(m.group(2))}", "--rails-version"
    for folder in [out.resolve(), *out.resolve().parents][:5]:
        lock = folder / "Gemfile.lock"
        try:
            text = lock.read_text(encoding="utf-8", errors="replace") if lock.is_file() else None
        except OSError:
            text = None
        m = _LOCKED.search(text or "")
        if m:
            return f"{int(m.group(1))}.{int(m.group(2))}", str(lock)
    version = _ar_version(files)
    return version, "the migrations in the folder" if files and version != DEFAULT_VERSION else "the default"


def _ar_version(files: list[Path]) -> str:
    versions = []
    for path in files:
        try:
            m = _VERSION.search(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if m:
            versions.append((int(m.group(1)), int(m.group(2))))
    if not versions:
        return DEFAULT_VERSION
    major, minor = max(versions)
    return f"{major}.{minor}"
