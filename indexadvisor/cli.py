"""The `indexadvisor` command: parse options, call the library, pick a renderer. No logic."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from indexadvisor import __version__, api
from indexadvisor.errors import AdvisorError, ExitCode

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
) -> None:
    """Propose indexes for a workload."""

    def body() -> str:
        report = api.analyze(paths or [], schema=schema or [], snapshot=snapshot, dsn=dsn, pg_stat_statements=pg_stat_statements)
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
