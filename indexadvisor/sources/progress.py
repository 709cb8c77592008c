"""A progress bar on stderr while a large input is read.

Shown only on a terminal (stderr is a TTY), never when output is piped or
redirected, and never in CI (``CI`` set to anything but ``false``/``0``), and
only once reading has taken more than a moment, so small inputs print nothing.
The stream and the clock are injectable for tests.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 1.0  # seconds before the bar appears
INTERVAL = 0.2  # seconds between redraws
WIDTH = 30


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
    """``update(done)`` as bytes are read, ``close()`` at the end (clears the line)."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic, delay: float = DELAY) -> None:
        self.label = label
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.start = clock()
        self.delay = delay
        self._next = self.start + delay
        self.shown = False

    def update(self, done: int) -> None:
        now = self.clock()
        if now < self._next:
            return
        self._next = now + INTERVAL
        self._draw(done, now)

    def _draw(self, done: int, now: float) -> None:
        frac = min(max(done / self.total, 0.0), 1.0)
        filled = int(frac * WIDTH)
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed / 1e6
        eta = (self.total - done) / (done / elapsed) if done else 0.0
        bar = "#" * filled + "-" * (WIDTH - filled)
        text = (f"\r{self.label} [{bar}] {frac * 100:5.1f}% {done / 1e6:,.0f}/{self.total / 1e6:,.0f} MB "
                f"{rate:,.1f} MB/s, {eta:,.0f}s left ")
        try:
            self.stream.write(text)
            self.stream.flush()
            self.shown = True
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        if self.shown:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self.shown = False


