"""What the selection works on and what it hands back: plain data, no logic."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexadvisor.candidates.pool import KindAdvisor
from indexadvisor.candidates.requirements import Requirement
from indexadvisor.costing import Coster
from indexadvisor.costing.model import StatsModel
from indexadvisor.model import BudgetCurve, Candidate, Catalog, Estimate, IndexDef, ParsedStatement
from indexadvisor.select.economics import WriteLoad
from indexadvisor.select.options import SelectionOptions


@dataclass
class Chosen:
    candidate: Candidate
    estimate: Estimate
    served: list[str]  # fingerprints, biggest gain first
    reason: str
    kind: str = "btree"  # candidates.kinds.KINDS
    kind_reason: str = ""  # why this kind; for a plain B-tree, what its keys do


@dataclass
class Advice:
    chosen: list[Chosen]
    served_by_existing: dict[str, list[str]]  # fingerprint -> index names
    notes: dict[str, list[str]]  # fingerprint -> notes
    costs: dict[str, tuple[float, float]] = field(default_factory=dict)  # fingerprint -> before, after
    workload_before: float = 0.0
    workload_after: float = 0.0
    curve: BudgetCurve | None = None  # what each budget buys (curve.py)
    failed: dict[str, str] = field(default_factory=dict)  # fingerprint -> why the planner refused it (never costed)


@dataclass
class Pool:
    """The candidates to choose from, each with the requirements that asked for it."""

    candidates: list[Candidate]
    origins: dict[IndexDef, list[Requirement]]  # candidate definition -> requirements (for the reasons)
    served: dict[str, list[str]]  # fingerprint -> existing indexes that serve it
    notes: dict[str, list[str]]  # fingerprint -> notes


@dataclass
class Problem:
    """Everything a greedy run reads: fixed once the pool and the baseline costs are known,
    except the candidates grown from chosen ones (`grown`, `relevant`, `sizes`, `origins`)."""

    catalog: Catalog
    options: SelectionOptions
    coster: Coster
    model: StatsModel
    kinds: KindAdvisor
    parsed: list[ParsedStatement]
    pool: list[Candidate]
    origins: dict[IndexDef, list[Requirement]]
    by_table: dict[str, list[ParsedStatement]]  # "schema.table" -> statements that read it
    by_column: dict[tuple[str, str], list[tuple[int, ParsedStatement]]]  # (table, column) -> statements using it
    tables_of: dict[str, set[str]]  # fingerprint -> the tables it reads
    base: dict[str, float]  # fingerprint -> cost per call with the existing indexes
    weight: dict[str, float]
    ms_per_unit: float
    writes: dict[str, WriteLoad]
    relevant: dict[IndexDef, list[ParsedStatement]] = field(default_factory=dict)  # candidate definition -> statements it may serve
    sizes: dict[IndexDef, int] = field(default_factory=dict)
    ideal: dict[str, float] = field(default_factory=dict)  # fingerprint -> cost with every candidate available
    # extensions made by any run (greedy._grow): definition -> the candidate, its place in the heap's order
    grown: dict[IndexDef, tuple[Candidate, int]] = field(default_factory=dict)
    children: dict[IndexDef, list[IndexDef]] = field(default_factory=dict)  # chosen candidate -> its extensions
    # candidate definition -> (the set it was evaluated against, its gain there), from every run (greedy.evaluate)
    gains: dict[IndexDef, list[tuple[frozenset[IndexDef], float]]] = field(default_factory=dict)
    plain: dict[IndexDef, Candidate] = field(default_factory=dict)  # covering candidate -> it without INCLUDE (greedy._stand_in)
    # candidate definition -> (its relevant list, as fingerprints): config_for's lookup, redone
    # where the list was replaced (bitmap_or.py sets it anew for an arm's index)
    _serves: dict[IndexDef, tuple[list[ParsedStatement], frozenset[str]]] = field(default_factory=dict)
    _under: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # _reads_under's, by fingerprint
    _copies: dict[tuple[IndexDef, str], Candidate] = field(default_factory=dict)  # _cascaded's

    @property
    def planner(self) -> bool:
        """The real planner costs, and picks among candidates (HypoPG); else the statistics model."""
        return self.coster.method == "planner"

    def config_for(self, fingerprint: str, indexes: list[Candidate]) -> list[Candidate]:
        """The indexes of a configuration the statement may use: on its tables, and relevant to it
        where the candidate's relevant statements are known (screen.relevant_statements). The
        selection re-costs a statement only for the candidates relevant to it, so the others are
        left out of what it is explained with too: it is asked once per configuration it can use,
        not once per set (TPC-H at four budgets: 553 / 707 / 978 / 579 -> 512 / 661 / 903 / 537
        EXPLAINs, the same sets). A partial index stays in wherever it is on the statement's
        tables: a scan of it alone can serve a statement whose conditions imply its WHERE.

        An index on a partitioned table is created on each of its partitions too: a statement that
        reads a partition by name uses that copy (_cascaded), which HypoPG, creating the index on
        the parent alone, does not show it."""
        return [y for x in indexes if x.where is not None or x.spec not in self.relevant or fingerprint in self._relevant_to(x.spec)
                for y in self.on_tables(fingerprint, x)]

    def on_tables(self, fingerprint: str, x: Candidate) -> list[Candidate]:
        """The index as the statement may use it: itself on one of its tables, its copies on the
        partitions of its table that the statement reads by name, or nothing."""
        if f"{x.schema}.{x.table}" in self.tables_of[fingerprint]:
            return [x]
        under = self._reads_under(fingerprint)
        return [self._cascaded(x, t) for t in under.get(f"{x.schema}.{x.table}", [])] if under else []

    def statements_on(self, table: str) -> list[ParsedStatement]:
        """The statements that read the table, or one of its partitions by name."""
        found = {id(p): p for p in self.by_table.get(table, [])}
        for t in self.catalog.partitions(table):
            found.update((id(p), p) for p in self.by_table.get(t, []))
        return list(found.values())

    def _reads_under(self, fingerprint: str) -> dict[str, list[str]]:
        """The statement's tables that are partitions, under each partitioned table above them."""
        known = self._under.get(fingerprint)
        if known is None:
            known = self._under[fingerprint] = {}
            for t in sorted(self.tables_of[fingerprint]):
                for above in self.catalog.partition_ancestors(t):
                    known.setdefault(above, []).append(t)
        return known

    def _cascaded(self, x: Candidate, table: str) -> Candidate:
        """The copy of an index on a partitioned table that PostgreSQL creates on one of its
        partitions (one object per pair: the coster caches by candidate)."""
        copy = self._copies.get((x.spec, table))
        if copy is None:
            schema, name = self.catalog.tables[table].schema, self.catalog.tables[table].name
            copy = self._copies[(x.spec, table)] = Candidate(schema, name, x.keys, x.include, x.where, x.method, x.statements)
        return copy

    def _relevant_to(self, spec: IndexDef) -> frozenset[str]:
        statements = self.relevant[spec]
        known = self._serves.get(spec)
        if known is None or known[0] is not statements:
            known = self._serves[spec] = (statements, frozenset(p.statement.fingerprint for p in statements))
        return known[1]

    def workload_cost(self, costs: dict[str, float]) -> float:
        return sum(self.weight[fp] * c for fp, c in costs.items())


@dataclass
class Run:
    """One greedy run's state: the set so far and what each statement costs with it."""

    chosen: list[Candidate]
    results: list[Chosen]
    now: dict[str, float]
    used: int = 0  # bytes
    takes: int = 0  # indexes added so far
    changed: dict[str, int] = field(default_factory=dict)  # fingerprint -> the take that last changed its configuration
    crowded: bool = False  # a candidate that could still clear the floor did not fit the budget


@dataclass(frozen=True)
class Evaluation:
    """What adding one candidate to a run would do."""

    candidate: Candidate  # the index really added (merged with a chosen one's INCLUDE columns)
    replaced: list[Candidate]  # chosen indexes it makes redundant
    per: dict[str, tuple[float, float]]  # fingerprint -> cost now, cost with it
    gain: float
    write_cost: float
    size: int
    costs: dict[str, float | None] = field(default_factory=dict)  # every statement it may serve -> its cost with it
    at: int = 0  # Run.takes when it was made
    rough: frozenset[str] = frozenset()  # statements costed with a stand-in (greedy.evaluate): the gain is an upper bound

    @property
    def net(self) -> float:
        return self.gain - self.write_cost

    def score(self, per_byte: bool) -> float:
        return self.net / max(self.size, 8192) if per_byte else self.net


@dataclass
class Outcome:
    """A finished run: the weighted workload cost with its set, and the final costs."""

    total: float
    chosen: list[Candidate]
    results: list[Chosen]
    final: dict[str, float]
