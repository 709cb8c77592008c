"""Plain numbered SQL files: `0001_add_index_x.up.sql` / `0001_add_index_x.down.sql`.

For psql (`psql -v ON_ERROR_STOP=1 -f FILE`) or any runner that sends statements
one by one: each file sets a lock_timeout, runs its one concurrent statement and
resets the timeout, as three separate statements. Numbering continues after the
highest number already in the folder, with the same width.
"""

from __future__ import annotations

import re
from pathlib import Path

from indexadvisor.report.migrations.base import (
    RESET_LOCK_TIMEOUT,
    Change,
    MigrateOptions,
    MigrateResult,
    comment_block,
    down_sql,
    failure_hint,
    sequence,
    set_lock_timeout,
    unique_slugs,
    up_down_incomplete,
    versions_in,
    write_file,
)

_FILE = re.compile(r"^(\d+)_.+\.(?:up|down)\.sql$")
RUN_HINT = [
    "Run with: psql -v ON_ERROR_STOP=1 -f <this file>. psql sends each statement on its own; do not send",
    "this file as one multi-statement message (PostgreSQL would run it as one transaction and refuse).",
]

incomplete = up_down_incomplete  # a rerun's check of the files an earlier one wrote


def write(changes: list[Change], out: Path, options: MigrateOptions, result: MigrateResult) -> None:
    existing = versions_in(out, _FILE)
    width = max((len(v) for v in existing), default=4)
    numbers = sequence((int(v) for v in existing), len(changes))
    for change, number, slug in zip(changes, numbers, unique_slugs(changes)):
        base = f"{number:0{width}d}_{slug}"
        write_file(out / f"{base}.up.sql", render(change, "up", options), result)
        write_file(out / f"{base}.down.sql", render(change, "down", options), result)


def render(change: Change, direction: str, options: MigrateOptions, hint: list[str] = RUN_HINT) -> str:
    statement = "\n".join(change.ups) if direction == "up" else down_sql(change)
    text = comment_block([change.marker, *change.comment, *failure_hint(change), *hint])
    if options.lock_timeout:
        text += set_lock_timeout(options.lock_timeout) + "\n"
    text += statement + "\n"
    if options.lock_timeout:
        text += RESET_LOCK_TIMEOUT + "\n"
    return text
