"""Flyway: `V<version>__<description>.sql`, with a `.sql.conf` that runs it outside a transaction.

Flyway wraps each migration in a transaction unless its script config file says
`executeInTransaction=false`; then it sends the script's statements one by one in
autocommit, so the lock_timeout is set, the index built concurrently and the timeout
reset as three statements of one file. The matching undo migration is
`U<version>__<description>.sql` (undo is a Flyway Teams/Enterprise feature; Community
logs a warning and ignores it). Versions continue after the highest one in the folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from indexadvisor.report.migrations.base import (
    Change,
    MigrateOptions,
    MigrateResult,
    missing,
    sequence,
    sql_cut_short,
    unique_slugs,
    versions_in,
    write_file,
)
from indexadvisor.report.migrations.sql import render as render_sql

_FILE = re.compile(r"^[VU](\d+)(?:[._]\d+)*__.+\.sql$")
RUN_HINT = [
    "The .sql.conf beside this file sets executeInTransaction=false: Flyway then sends each statement on its own,",
    "in autocommit, which is what CONCURRENTLY needs.",
]
CONF = (
    "# indexadvisor: CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block\n"
    "executeInTransaction=false\n"
)


def incomplete(path: Path, text: str) -> str | None:
    """A rerun's check of a migration an earlier one wrote: its undo pair, its .conf, and each whole."""
    if not _FILE.match(path.name):
        return None
    other = path.with_name(("U" if path.name[0] == "V" else "V") + path.name[1:])
    return missing(other) or missing(path.with_name(path.name + ".conf")) or sql_cut_short(text)


def write(changes: list[Change], out: Path, options: MigrateOptions, result: MigrateResult) -> None:
    existing = [int(v) for v in versions_in(out, _FILE)]
    for change, version, slug in zip(changes, sequence(existing, len(changes)), unique_slugs(changes)):
        for prefix, direction in (("V", "up"), ("U", "down")):
            name = f"{prefix}{version}__{slug}.sql"
            write_file(out / name, render_sql(change, direction, options, RUN_HINT), result)
            write_file(out / f"{name}.conf", CONF, result)
