"""The `indexadvisor` command: parse options, call the library, pick a renderer. No logic."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from indexadvisor import __version__, api
from indexadvisor.errors import AdvisorError, ExitCode
from indexadvisor.selection import SelectionOptions
from indexadvisor.sizes import parse_size

app = typer.Typer(
    name="indexadvisor",
    help="PostgreSQL index advice from the workload your database really runs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, enum.Enum):
    table = "table"
    json = "json"


PathsArg = Annotated[
    Optional[list[Path]],
    typer.Argument(help="Workload files (.sql) or folders (a folder's schema.sql is read as the schema).", show_default=False),
]
SchemaOpt = Annotated[Optional[list[Path]], typer.Option("--schema", help="DDL file(s) to read the catalog from (repeatable).")]
SnapshotOpt = Annotated[Optional[Path], typer.Option("--snapshot", help="Catalog snapshot written by `indexadvisor snapshot`.")]
DsnOpt = Annotated[
    Optional[str],
    typer.Option("--dsn", help="Database to read the catalog (and pg_stat_statements) from; default DATABASE_URL or the PG* variables.", show_default=False),
]
PgssOpt = Annotated[bool, typer.Option("--pg-stat-statements", help="Read the workload from pg_stat_statements on the database.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


class Weight(str, enum.Enum):
    calls = "calls"
    time = "time"


BudgetOpt = Annotated[Optional[str], typer.Option("--budget", help="Storage budget for the proposed set, e.g. 500MB or 2GB (default: no limit).")]
MaxIndexesOpt = Annotated[Optional[int], typer.Option("--max-indexes", min=1, help="Propose at most this many indexes.")]
MinImprovementOpt = Annotated[float, typer.Option("--min-improvement", min=0.0, max=1.0, help="Stop when the next index saves less than this share of the workload's cost.")]
WeightOpt = Annotated[Weight, typer.Option("--weight", help="Weight statements by their calls or their total time.")]
MaxWidthOpt = Annotated[int, typer.Option("--max-width", min=1, max=32, help="Widest index (number of key columns) to consider.")]
NoWriteCostOpt = Annotated[bool, typer.Option("--no-write-cost", help="Do not charge indexes for the writes they slow down.")]
EnableHypopgOpt = Annotated[bool, typer.Option("--enable-hypopg", help="CREATE EXTENSION hypopg in the database if missing (the only write the advisor ever makes).")]
NoHypopgOpt = Annotated[bool, typer.Option("--no-hypopg", help="Do not use HypoPG even where installed: estimate from statistics.")]


def selection_options(budget: Optional[str], max_indexes: Optional[int], min_improvement: float, weight: Weight,
                      max_width: int, no_write_cost: bool) -> SelectionOptions:
    return SelectionOptions(
        budget_bytes=parse_size(budget) if budget else None,
        max_indexes=max_indexes,
        min_improvement=min_improvement,
        weight=weight.value,
        max_width=max_width,
        write_cost=not no_write_cost,
    )
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")]


def _run(action: Callable[[], Optional[str]], output: Optional[Path] = None) -> None:
    """Run a command body: user errors become one line on stderr and exit code 2."""
    try:
        text = action()
    except AdvisorError as exc:
        typer.echo(f"indexadvisor: error: {exc}", err=True)
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        typer.echo("indexadvisor: interrupted", err=True)
        raise typer.Exit(130) from None
    if text is None:
        return
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            typer.echo(f"indexadvisor: error: cannot write {output}: {exc.strerror or exc}", err=True)
            raise typer.Exit(int(ExitCode.ERROR)) from None
    else:
        sys.stdout.write(text)


@app.command()
def analyze(
    paths: PathsArg = None,
    schema: SchemaOpt = None,
    snapshot: SnapshotOpt = None,
    dsn: DsnOpt = None,
    pg_stat_statements: PgssOpt = False,
    format: FormatOpt = Format.table,
    output: OutputOpt = None,
    budget: BudgetOpt = None,
    max_indexes: MaxIndexesOpt = None,
    min_improvement: MinImprovementOpt = 0.01,
    weight: WeightOpt = Weight.calls,
    max_width: MaxWidthOpt = 3,
    no_write_cost: NoWriteCostOpt = False,
    enable_hypopg: EnableHypopgOpt = False,
    no_hypopg: NoHypopgOpt = False,
) -> None:
    """Propose indexes for a workload."""

    def body() -> str:
        options = selection_options(budget, max_indexes, min_improvement, weight, max_width, no_write_cost)
        report = api.analyze(paths or [], schema=schema or [], snapshot=snapshot, dsn=dsn, pg_stat_statements=pg_stat_statements,
                             options=options, hypopg=not no_hypopg, enable_hypopg=enable_hypopg)
        for error in report.errors[:20]:
            typer.echo(f"indexadvisor: warning: {error.location}: {error.message}", err=True)
        if format is Format.json:
            from indexadvisor.render import json as renderer
        else:
            from indexadvisor.render import table as renderer  # type: ignore[no-redef]
        return renderer.render(report)

    _run(body, output)


@app.command()
def snapshot(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the snapshot (JSON).")],
    dsn: DsnOpt = None,
) -> None:
    """Write the live database's catalog and statistics to a file, for offline analysis."""

    def body() -> None:
        from indexadvisor import db
        from indexadvisor.catalog.live import read_catalog
        from indexadvisor.catalog.snapshot import write_snapshot

        with db.connect(dsn) as conn:
            catalog = read_catalog(conn)
        write_snapshot(catalog, output)
        typer.echo(f"indexadvisor: wrote {len(catalog.tables)} tables to {output}", err=True)

    _run(body)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"indexadvisor {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """PostgreSQL index advice from the workload your database really runs."""


def main() -> None:
    app()
