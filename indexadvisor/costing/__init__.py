"""What a statement costs under a set of candidate indexes.

Two costers implement one protocol, so that selection does not care which one it has:
`StatsCoster` (an offline model of the planner from pg_stats, costing/stats.py) and
`PlannerCoster` (the real planner through HypoPG hypothetical indexes, costing/hypopg.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from indexadvisor.model import Candidate, ParsedStatement


class Coster(Protocol):
    """The questions selection asks a coster; every coster answers all of them."""

    method: str  # "statistics" | "rules" | "planner"

    def statement_cost(self, parsed: ParsedStatement, config: Iterable[Candidate]) -> float | None:
        """Cost of one execution with the existing indexes plus `config`; None if it cannot be costed."""

    def offer(self, parsed: ParsedStatement, candidates: list[Candidate]) -> None:
        """The candidates the screen offers the statement, said before any of them is costed with it."""

    def ideal(self, parsed: ParsedStatement, candidates: list[Candidate]) -> tuple[float | None, list[Candidate]]:
        """The cost with every candidate available, and the candidates that cheapest plan uses."""

    def usable_part(self, parsed: ParsedStatement, candidate: Candidate) -> Candidate | None:
        """The part of the index the statement is costed with: None when its plan cannot use it;
        two indexes with the same part cost the statement the same."""

    def uses_alike(self, parsed: ParsedStatement, wide: Candidate, narrow: Candidate) -> bool:
        """Whether the statement can use the index `wide` only as it uses `narrow` (the same plan
        on a bigger index): its cost with narrow is then the least its cost with wide can be."""

    def size(self, candidate: Candidate) -> int | None:
        """Estimated size of the index in bytes, where known."""

    def sizes(self, candidates: list[Candidate]) -> None:
        """Size many candidates at once (later size() calls are then cheap)."""

    def rows(self, parsed: ParsedStatement) -> float | None:
        """Rows one execution reads/changes (for write costs), where known."""

    def scan_rows(self, parsed: ParsedStatement) -> dict[str, float]:
        """Table name -> the rows the plan's scan of it returns, where the coster knows better
        than the statistics model's defaults (the planner's own estimate); else empty."""

    def failure(self, fingerprint: str) -> str | None:
        """Why a statement could not be costed, if it could not."""

    def early_stop(self, parsed: ParsedStatement) -> tuple[float, float] | None:
        """With the existing indexes, when the plan's LIMIT stops early only if the rows a filter
        keeps are spread evenly (the LIMIT trap): its cost if they are, and the cost the coster
        counts instead, allowing for rows that cluster. None when the plan does not hang on that."""

    def notes(self) -> dict[str, str]:
        """Fingerprint -> what the coster wants said about that statement (costing interrupted)."""

    @property
    def whatif_calls(self) -> int:
        """What-if questions sent so far (EXPLAINs for the planner), the measure of effort."""


class OutOfEffort(Exception):
    """A Bounded coster was asked past its limit."""


@dataclass
class Bounded:
    """A coster that refuses what-if calls past a limit: a search that may spend only so much
    stops there (the budget's local search, the curve's steps past the set)."""

    inner: Coster
    limit: int

    def statement_cost(self, parsed: ParsedStatement, config: Iterable[Candidate]) -> float | None:
        if self.inner.whatif_calls >= self.limit:
            raise OutOfEffort
        return self.inner.statement_cost(parsed, config)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def parallel(coster: Coster, jobs: int | None) -> None:
    """Let the coster explain over `jobs` database sessions (None: its default), where it can."""
    method = getattr(coster, "parallel", None)
    if method is not None:
        method(jobs)


def close(coster: Coster) -> None:
    """Let the coster close what parallel() opened."""
    method = getattr(coster, "close", None)
    if method is not None:
        method()


def prefetch(coster: Coster, requests: Iterable[tuple[ParsedStatement, list[Candidate]]]) -> None:
    """Tell the coster what will be asked next, so that it can answer it in parallel; the
    answers, and the effort counted, are the same as without (a coster may ignore it)."""
    method = getattr(coster, "prefetch", None)
    if method is not None:
        method(requests)


def worst_over_keys(cost: Callable[[ParsedStatement], float | None], parsed: ParsedStatement) -> float | None:
    """The statement's cost at its first execution's keys and at its variants' (the lightest and
    heaviest sampled keys, extract/representative.py): the worst, as an index must serve the keys
    that hold few rows and those that hold many. None where the first cannot be costed."""
    first = cost(parsed)
    if first is None:
        return None
    return max([first] + [c for c in (cost(v) for v in parsed.variants) if c is not None])


def ideal_over_keys(ideal: Callable[[ParsedStatement], tuple[float | None, list[Candidate]]],
                    parsed: ParsedStatement) -> tuple[float | None, list[Candidate]]:
    """ideal() over the statement and its variants: the worst of their costs, and every candidate
    one of their cheapest plans uses."""
    cost, used = ideal(parsed)
    for v in parsed.variants:
        other, also = ideal(v)
        if cost is not None and other is not None:
            cost = max(cost, other)
        used += [c for c in also if c not in used]
    return cost, used
