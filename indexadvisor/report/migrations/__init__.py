"""Migration files for the tool a project already uses: one small module per tool.

`generate(report, tool, out, options)` plans the changes (indexadvisor.report.migrations.base),
leaves out those already written to `out` by an earlier run, and has the tool's module
write the rest following that tool's conventions.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from indexadvisor.errors import InputError
from indexadvisor.model import Report
from indexadvisor.report.migrations.base import (
    MigrateOptions,
    MigrateResult,
    drop_notes,
    ensure_out,
    pending,
    plan,
)

TOOLS = ("sql", "alembic", "django", "prisma", "flyway", "rails", "golang-migrate", "dbmate")


def generate(report: Report, tool: str, out: Path, options: MigrateOptions | None = None) -> MigrateResult:
    """Write the report's changes not yet in `out` as the tool's migration files.

    Files are written whole (atomically). Marked files an earlier run left incomplete
    stop the run before anything is written; any failure to read or write `out` is an
    InputError naming the path.
    """
    if tool not in TOOLS:
        raise ValueError(f"unknown migration tool {tool!r}")
    options = options or MigrateOptions()
    out = Path(out)
    module = importlib.import_module(f"indexadvisor.report.migrations.{tool.replace('-', '_')}")
    result = MigrateResult(tool, out)
    try:
        ensure_out(out)
        changes = pending(plan(report, options.include_drops), out, result, module.incomplete)
        result.notes += drop_notes(report, options.include_drops)
        if changes:
            module.write(changes, out, options, result)
    except OSError as exc:
        where = exc.filename if exc.filename is not None else out
        raise InputError(f"cannot use {where}: {exc.strerror or exc}") from None
    return result
