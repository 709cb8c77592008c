"""What a statement costs under a set of candidate indexes.

Two costers share one interface so that selection does not care which one it
has: `StatsCoster` (an offline model of the planner from pg_stats) and
`PlannerCoster` (the real planner through HypoPG hypothetical indexes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from indexadvisor.model import Candidate, ParsedStatement


class Coster(Protocol):
    method: str  # "statistics" | "rules" | "planner"

    def statement_cost(self, parsed: ParsedStatement, config: Iterable[Candidate]) -> float | None:
        """Cost of one execution with the existing indexes plus `config`; None if it cannot be costed."""

    def size(self, candidate: Candidate) -> int | None:
        """Estimated size of the index in bytes, where known."""

    def rows(self, parsed: ParsedStatement) -> float | None:
        """Rows one execution reads/changes (for write costs), where known."""
