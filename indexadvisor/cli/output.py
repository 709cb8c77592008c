"""Where a command's result and warnings go: the report to --output or stdout, warnings to stderr.

An --output file is written whole or not at all (indexadvisor.fileio), and never over
one of the command's inputs: `refuse_overwriting_inputs` is called before the work starts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import typer

from indexadvisor.errors import AdvisorError, InputError
from indexadvisor.fileio import same_file, write_atomic
from indexadvisor.model import SourceError
from indexadvisor.sources.files import WORKLOAD_SUFFIXES

SHOWN_WARNINGS = 20


def write(text: str, output: Path | None = None) -> None:
    """The command's result, to the --output file when given, else to stdout."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise AdvisorError(f"cannot write {output}: {exc.strerror or exc}") from None


def refuse_overwriting_inputs(output: Path | None, inputs: Iterable[Path | None]) -> None:
    """An InputError when --output names a file the command reads (the same file, through links too).

    A folder among the inputs stands for the files under it that a reader takes (by suffix:
    .sql, logs, exports, compressed), which is what `analyze` reads of a folder and more.
    """
    if output is None or not output.exists():
        return  # a file that does not exist yet is read by nobody
    for given in inputs:
        if given is None:
            continue
        for path in _files(given):
            if same_file(path, output):
                shown = "" if same_file(given, output) else f" (read from {given})"
                raise InputError(f"--output {output} is one of the inputs{shown}: writing the result there would "
                                 "destroy it; choose another file")


def _files(path: Path) -> Iterator[Path]:
    if not path.is_dir():
        yield path
        return
    try:
        yield from (child for child in path.rglob("*") if child.suffix in WORKLOAD_SUFFIXES and child.is_file())
    except OSError:
        return


def warn(errors: Sequence[SourceError]) -> None:
    """The first inputs that could not be used, one line each on stderr (the report lists them all)."""
    for error in errors[:SHOWN_WARNINGS]:
        typer.echo(f"indexadvisor: warning: {error.location}: {error.message}", err=True)


def note(message: str) -> None:
    """A line about what the command did, on stderr."""
    typer.echo(f"indexadvisor: {message}", err=True)
