"""Where a command's result and warnings go: the report to --output or stdout, warnings to stderr."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import typer

from indexadvisor.errors import AdvisorError
from indexadvisor.model import SourceError

SHOWN_WARNINGS = 20


def write(text: str, output: Path | None = None) -> None:
    """The command's result, to the --output file when given, else to stdout."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AdvisorError(f"cannot write {output}: {exc.strerror or exc}") from None


def warn(errors: Sequence[SourceError]) -> None:
    """The first inputs that could not be used, one line each on stderr (the report lists them all)."""
    for error in errors[:SHOWN_WARNINGS]:
        typer.echo(f"indexadvisor: warning: {error.location}: {error.message}", err=True)


def note(message: str) -> None:
    """A line about what the command did, on stderr."""
    typer.echo(f"indexadvisor: {message}", err=True)
