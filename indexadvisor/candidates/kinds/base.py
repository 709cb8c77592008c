"""What every index kind's module offers, and what it is given.

Each kind module (expression, partial, brin, covering, trigram, gin) has `KIND`, its
name for `--kinds`, and `propose(ctx, ask, out)`: for one table access (`ask`) it adds
its candidates, notes and the existing indexes that already serve it to `out`. They run
in the order candidates/pool.py registers them; a later kind reads what an earlier one
put in `out` (covering builds on a partial index, BRIN stands back for one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from indexadvisor.candidates.requirements import Requirement
from indexadvisor.model import Candidate, Index, IndexDef, ParsedStatement, Predicate, PredKind, Table, TableAccess
from indexadvisor.pg.selectivity import TableStats


class Pricer(Protocol):
    """What a kind may ask the coster (for its evidence): a size, a statement's cost."""

    def size(self, candidate: Candidate) -> int | None: ...

    def statement_cost(self, parsed: ParsedStatement, config: Iterable[Candidate]) -> float | None: ...


@dataclass
class Ask:
    """One table access asking for candidates."""

    statement: ParsedStatement
    access: TableAccess
    table: Table | None
    req: Requirement | None  # the plain B-tree that would serve it best (None: a B-tree cannot help)
    rank: Callable[[str], tuple]  # the order of its equality columns
    existing: Index | None  # an existing index that already serves it in full


@dataclass
class Extra:
    """What the kinds add for one access."""

    candidates: list[tuple[Candidate, Requirement]] = field(default_factory=list)
    supersede_plain: bool = False  # a partial or BRIN index is the better index: no plain variants
    covering: bool = False  # a covering (INCLUDE) candidate serves the access's index-only scan
    partials: list[Candidate] = field(default_factory=list)  # the partial candidates, for covering to build on
    notes: list[str] = field(default_factory=list)
    served_by: list[str] = field(default_factory=list)  # existing indexes that already serve a kind's filters


@dataclass
class Context:
    """What the kinds know of the whole workload."""

    kinds: frozenset[str]
    max_width: int
    model: TableStats
    pricer: Pricer
    planner: bool  # costs come from the real planner (HypoPG)
    total_calls: int
    # (table, column) -> every operator the workload uses on it (jsonb_path_ops only when @> is all)
    workload_ops: dict[tuple[str, str], set[PredKind]]
    # (table, predicate) -> the statement shapes that carry it (evidence that a literal is a constant)
    predicate_shapes: dict[tuple[str, Predicate], set[str]] = field(default_factory=dict)
    # GIN candidates by identity: the candidate and the (statement, access) pairs it serves
    gin_pool: dict[IndexDef, tuple[Candidate, list[tuple[ParsedStatement, TableAccess]]]] = field(default_factory=dict)
    partial_columns: set[tuple[str, str]] = field(default_factory=set)  # where a partial index took the column out of the key
    brin_columns: set[tuple[str, str]] = field(default_factory=set)  # where BRIN serves the range


Found = list[tuple[Candidate, list[Predicate]]]
