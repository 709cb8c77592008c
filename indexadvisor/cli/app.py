"""The typer app: its commands, --version, and our errors as one line on stderr and an exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

import typer

from indexadvisor import __version__
from indexadvisor.cli import analyze, health, migrate, report, snapshot
from indexadvisor.cli.options import FLAG
from indexadvisor.errors import AdvisorError

app = typer.Typer(
    name="indexadvisor",
    help="PostgreSQL index advice from the workload your database really runs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

INTERRUPTED = 130  # the shell's code for a SIGINT


def handle_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Run a command: an AdvisorError becomes one line on stderr and its exit code (2 for every user error)."""

    @functools.wraps(command)
    def run(**kwargs: Any) -> None:
        try:
            command(**kwargs)
        except AdvisorError as exc:
            typer.echo(f"indexadvisor: error: {exc}", err=True)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("indexadvisor: interrupted", err=True)
            raise typer.Exit(INTERRUPTED) from None

    return run


# in the order --help lists them
app.command()(handle_errors(analyze.analyze))
app.command()(handle_errors(snapshot.snapshot))
app.command()(handle_errors(migrate.migrate))
app.command()(handle_errors(report.report))
app.command()(handle_errors(health.health))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"indexadvisor {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", metavar=FLAG, callback=_version, is_eager=True,
                                          help="Show the version.")] = False,
) -> None:
    """PostgreSQL index advice from the workload your database really runs."""


def main() -> None:
    app()
