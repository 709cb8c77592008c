"""`indexadvisor migrate`: migration files that create the proposed indexes."""

from __future__ import annotations

from indexadvisor.cli.analysis import AnalysisArgs, with_analysis
from indexadvisor.cli.options import FromOpt, IncludeDropsOpt, LockTimeoutOpt, MigrationsOutOpt, RailsVersionOpt, ToolOpt
from indexadvisor.cli.output import write
from indexadvisor.report.migrations import generate
from indexadvisor.report.migrations.base import MigrateOptions, parse_lock_timeout

_DEFAULTS = MigrateOptions()


@with_analysis
def migrate(
    args: AnalysisArgs,
    tool: ToolOpt,
    out: MigrationsOutOpt,
    from_: FromOpt = None,
    include_drops: IncludeDropsOpt = _DEFAULTS.include_drops,
    lock_timeout: LockTimeoutOpt = _DEFAULTS.lock_timeout or "0",
    rails_version: RailsVersionOpt = _DEFAULTS.rails_version,
) -> None:
    """Write migration files that create the proposed indexes, concurrently."""
    options = MigrateOptions(include_drops=include_drops, lock_timeout=parse_lock_timeout(lock_timeout),
                             rails_version=rails_version)
    result = generate(args.report(from_), tool.value, out, options)
    lines = [f"indexadvisor: {tool.value}: wrote {len(result.written)} file(s) to {out}; "
             f"{len(result.unchanged)} change(s) already there"]
    lines += [f"  {p}" for p in result.written]
    lines += [f"note: {n}" for n in result.notes]
    write("\n".join(lines) + "\n")
