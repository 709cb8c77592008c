"""golang-migrate: `<version>_<name>.up.sql` / `<version>_<name>.down.sql`.

golang-migrate's PostgreSQL drivers send each file as one message (unless
x-multi-statement is set), so every file holds exactly one statement. Versions
continue the folder's style: sequential (`000001`, the width of the files already
there) or timestamps (`20060102150405`) when the folder uses those.
"""

from __future__ import annotations

import re
from pathlib import Path

from indexadvisor.report.migrations.base import (
    Change,
    MigrateOptions,
    MigrateResult,
    comment_block,
    connection_lock_timeout_note,
    sequence,
    single_statement_units,
    timestamps,
    up_down_incomplete,
    versions_in,
    write_file,
)

_FILE = re.compile(r"^(\d+)_.+\.(?:up|down)\.sql$")

incomplete = up_down_incomplete  # a rerun's check of the files an earlier one wrote


def write(changes: list[Change], out: Path, options: MigrateOptions, result: MigrateResult) -> None:
    units = single_statement_units(changes, options)
    existing = versions_in(out, _FILE)
    if any(len(v) >= 14 for v in existing):
        versions = timestamps(options, existing, len(units))
    else:
        width = max((len(v) for v in existing), default=6)
        versions = [f"{n:0{width}d}" for n in sequence((int(v) for v in existing), len(units))]
    for unit, version in zip(units, versions):
        header = comment_block(unit.comment)
        write_file(out / f"{version}_{unit.slug}.up.sql", header + unit.up + "\n", result)
        write_file(out / f"{version}_{unit.slug}.down.sql", header + unit.down + "\n", result)
    result.notes += connection_lock_timeout_note(
        "golang-migrate", options, "migrate -database 'postgres://user@host/db?sslmode=require&{option}' -path <folder> up")
