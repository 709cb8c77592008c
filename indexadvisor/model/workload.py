"""What was read: statement shapes with their calls and time, and what could not be used."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexadvisor.model.advice import Finding


@dataclass(frozen=True)
class WriteWindow:
    """pg_stat_statements' window and the table write counters' own (seconds each, up to `now`),
    to tell what the counters wrote within the window the statements cover."""

    seconds: float  # since pg_stat_statements' reset
    counters_seconds: float  # since the database's statistics reset (or the server start)
    now: datetime
    complete: bool = False  # no entry evicted since the reset (pg_stat_statements_info.dealloc = 0)
    nested: bool = False  # statements inside functions and triggers tracked too (pg_stat_statements.track = all)

    def counts(self, written_by_statements: bool) -> bool:
        """Whether a table's counters say more than the statements: always when entries were evicted;
        with every entry kept, only for a table no statement writes where nested statements are not
        tracked (a trigger's or a function's writes). Counters since the reset also hold what was
        written before the window, such as the load of a database analysed and then run."""
        return not self.complete or (not self.nested and not written_by_statements)


@dataclass
class SourceError:
    """A piece of input that could not be used, with where it came from."""

    source: str
    line: int | None
    message: str

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class Statement:
    """One statement shape: every execution with the same fingerprint, merged."""

    fingerprint: str
    sql: str  # one representative text (the first seen)
    source: str  # file path, or "pg_stat_statements"
    line: int | None  # line of the first occurrence, where known
    calls: int = 1
    total_time_ms: float | None = None
    rows: int | None = None
    # a few distinct sets of the literal values seen, each in text order ($n filled from logged parameters)
    samples: list[tuple[str, ...]] = field(default_factory=list)
    # per literal of the representative: its value when every execution checked had the same, else None
    constants: list[str | None] | None = None

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class Workload:
    statements: list[Statement] = field(default_factory=list)
    seen: int = 0  # statements read, before dedupe
    errors: list[SourceError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the sources want said (skipped lines, no statements ...)
    findings: list[Finding] = field(default_factory=list)  # found while reading (n_plus_one)
