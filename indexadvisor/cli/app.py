"""The typer app: its commands, --version, --debug, and errors as one line on stderr and an exit code.

An AdvisorError (bad input, unreachable database) is the user's to fix: its message and
exit 2. Anything else is a bug: one line naming it and exit 70 (never 1, which `report`
uses for "the gate failed"), with the traceback only under --debug.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Annotated, Any

import typer

from indexadvisor import __version__
from indexadvisor.cli import analyze, explain, health, migrate, report, snapshot
from indexadvisor.cli.options import FLAG
from indexadvisor.errors import AdvisorError, ExitCode


def _no_values(params: list[Any]) -> list[Any]:
    """Flags shown without a value in --help: typer gives its own (--help, --install-completion,
    --show-completion) a <bool>, as if they took one. Ours set FLAG already."""
    for param in params:
        if getattr(param, "param_type_name", "") == "option" and getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = FLAG
    return params


class _Group(typer.core.TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _no_values(super().get_params(ctx))


class _Command(typer.core.TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _no_values(super().get_params(ctx))


app = typer.Typer(
    name="indexadvisor",
    cls=_Group,
    help="PostgreSQL index advice from the workload your database really runs.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion and --show-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
)

INTERRUPTED = int(ExitCode.INTERRUPTED)
# typer's own ways out of a command (an exit code, an abort, a usage error): typer reports those.
# ClickException is found through typer's classes: newer typer vendors click instead of importing it.
_TYPER_EXITS: tuple[type[BaseException], ...] = (
    typer.Exit, typer.Abort, *(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"))
_options = {"debug": False}  # the app's own options, set by its callback before each command


def handle_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Run a command: an AdvisorError becomes one line on stderr and its exit code (2 for every user error);
    any other exception one line and exit 70, with its traceback under --debug."""

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
        except _TYPER_EXITS:
            raise
        except Exception as exc:  # the one place an unexpected error is turned into an exit code
            if _options["debug"]:
                typer.echo(traceback.format_exc().rstrip("\n"), err=True)
            typer.echo(f"indexadvisor: internal error: {_one_line(exc)} "
                       "(a bug in indexadvisor; run again with --debug for the traceback)", err=True)
            raise typer.Exit(int(ExitCode.INTERNAL)) from None

    return run


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# in the order --help lists them
app.command(cls=_Command)(handle_errors(analyze.analyze))
app.command(cls=_Command)(handle_errors(explain.explain))
app.command(cls=_Command)(handle_errors(snapshot.snapshot))
app.command(cls=_Command)(handle_errors(migrate.migrate))
app.command(cls=_Command)(handle_errors(report.report))
app.command(cls=_Command)(handle_errors(health.health))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"indexadvisor {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", metavar=FLAG, callback=_version, is_eager=True,
                                          help="Show the version.")] = False,
    debug: Annotated[bool, typer.Option("--debug", metavar=FLAG,
                                        help="On an internal error, print its traceback (exit code 70 either way).")] = False,
) -> None:
    """PostgreSQL index advice from the workload your database really runs."""
    _options["debug"] = debug


def main() -> None:
    app(prog_name="indexadvisor")  # the same name under `python -m indexadvisor`, for completion scripts
