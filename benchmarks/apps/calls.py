"""The calls of an app's workload: each statement shape made as many times as it is called, with
values picked from rows sampled from the data, then put in a deterministic shuffled order."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any


class Calls:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.out: list[str] = []

    def pick(self, rows: Sequence[Any]) -> Any:
        return self.rng.choice(rows)

    def add(self, n: int, make: Callable[[], str]) -> None:
        self.out.extend(make() for _ in range(n))

    def shuffled(self) -> list[str]:
        """Every call, shuffled, each ending with a semicolon."""
        self.rng.shuffle(self.out)
        return [s if s.endswith(";") else s + ";" for s in self.out]
