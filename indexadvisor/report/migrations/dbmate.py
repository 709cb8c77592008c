"""dbmate: `<YYYYMMDDHHMMSS>_<name>.sql` with `-- migrate:up` / `-- migrate:down` sections.

Each section is marked `transaction:false` (dbmate's way out of its transaction)
and holds exactly one statement, because dbmate sends a section as one message.
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
    single_statement_units,
    sql_cut_short,
    timestamps,
    versions_in,
    write_file,
)

_FILE = re.compile(r"^(\d+)_.+\.sql$")

UP = "-- migrate:up"
DOWN = "-- migrate:down"


def incomplete(path: Path, text: str) -> str | None:
    """A rerun's check of a migration an earlier one wrote: both sections there, and each whole."""
    if not _FILE.match(path.name):
        return None
    up, marker, down = text.partition(DOWN)
    if UP not in up:
        return f"no {UP} section"
    if not marker:
        return f"no {DOWN} section"
    return sql_cut_short(up.partition(UP)[2].partition("\n")[2]) or sql_cut_short(down.partition("\n")[2])


def write(changes: list[Change], out: Path, options: MigrateOptions, result: MigrateResult) -> None:
    units = single_statement_units(changes, options)
    existing = versions_in(out, _FILE)
    for unit, version in zip(units, timestamps(options, existing, len(units))):
        text = (
            "-- migrate:up transaction:false\n"
            + comment_block(unit.comment)
            + unit.up + "\n\n"
            + "-- migrate:down transaction:false\n"
            + unit.down + "\n"
        )
        write_file(out / f"{version}_{unit.slug}.sql", text, result)
    result.notes += connection_lock_timeout_note(
        "dbmate", options, "DATABASE_URL='postgres://user@host/db?sslmode=require&{option}' dbmate up")
