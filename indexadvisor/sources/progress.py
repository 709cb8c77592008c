"""A progress bar on stderr while a large input is read, drawn by rich.progress.

Shown only on a terminal (stderr is a TTY), never when output is piped or
redirected, and never in CI (``CI`` set to anything but ``false``/``0``), and
only once reading has taken more than a moment, so small inputs print nothing.
It is one line as wide as the terminal (COLUMNS, else the terminal's width): the
file name gives way (cut with an ellipsis) before the numbers, so a long name on
a narrow terminal never wraps, which would leave a new line at every redraw. It
is cleared when reading ends. The stream, the width and the clock are injectable
for tests.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    ProgressColumn,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as Bar
from rich.table import Column

DELAY = 1.0  # seconds before the bar appears
INTERVAL = 0.2  # seconds between redraws


def enabled(stream: TextIO | None = None, environ: dict | None = None) -> bool:
    """Whether a progress bar belongs on this stream in this environment."""
    stream = stream if stream is not None else sys.stderr
    env = environ if environ is not None else os.environ
    if env.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    if env.get("INDEXADVISOR_NO_PROGRESS"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """``update(done)`` as bytes are read, ``close()`` at the end (clears the line).

    With ``unit`` (and no total), a counter instead of a bar: the count so far, in that unit,
    and the time taken (the planner's EXPLAINs while candidates are costed).
    """

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic, delay: float = DELAY, width: int | None = None,
                 unit: str | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self._next = clock() + delay
        self.shown = False
        console = Console(file=self.stream, width=width, force_terminal=True, highlight=False)
        # the name takes what the numbers leave and is cut, never wrapped
        name = TextColumn("{task.description}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis"))
        columns: tuple[ProgressColumn, ...] = (
            (SpinnerColumn(), TextColumn("{task.completed:,} " + unit), TimeElapsedColumn()) if unit else
            (BarColumn(bar_width=None, table_column=Column(ratio=1)), TaskProgressColumn(), DownloadColumn(),
             TransferSpeedColumn(), TimeRemainingColumn()))
        self._bar = Bar(name, *columns, console=console, transient=True, auto_refresh=False, expand=True, get_time=clock)
        self._task = self._bar.add_task(label, total=None if unit else max(total, 1))

    def update(self, done: int) -> None:
        self._bar.update(self._task, completed=done)
        now = self.clock()
        if now < self._next:
            return
        self._next = now + INTERVAL
        try:
            if not self.shown:
                self._bar.start()
                self.shown = True
            self._bar.refresh()
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        if self.shown:
            try:
                self._bar.stop()
            except (OSError, ValueError):
                pass
            self.shown = False
