"""What every health check shares: options, results, and the catalog seen index by index.

A `Context` is built once per run. It indexes the catalog per table (so every
check is linear in the indexes of one table, never quadratic over the whole
catalog), knows how old the usage counters are, which indexes a workload could
use, and which indexes earlier checks already reported, so one index gets one
finding and the index another finding relies on is never called droppable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from indexadvisor.candidates.serve import could_serve
from indexadvisor.model import (
    Catalog,
    Finding,
    Index,
    IndexDef,
    IndexKey,
    ParsedStatement,
    SourceError,
    Table,
)
from indexadvisor.pg.sizes import format_size
from indexadvisor.pg.sql import (
    create_index_sql,
    create_partitioned_index_sql,
    drop_index_sql,
    index_name,
    render_key,
)

SEVERITIES = ("high", "medium", "low")
REPLICA_NOTE = (
    "idx_scan counts the scans of this server only: a replica keeps its own counters, "
    "so check pg_stat_user_indexes on every replica that serves reads before dropping an index"
)


@dataclass
class HealthOptions:
    min_evidence_days: float = 7.0  # below this age of the usage counters, "unused" is only a note
    checks: Sequence[str] | None = None  # finding kinds to check; None for all


@dataclass
class Skipped:
    """A check that could not run, and why."""

    check: str
    reason: str


@dataclass
class HealthResult:
    findings: list[Finding]
    ran: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    catalog_source: str = "none"
    server_version: int | None = None
    captured_at: str | None = None
    tables: int = 0
    indexes: int = 0
    foreign_keys: int = 0
    evidence_since: str | None = None  # start of the usage counters' window
    evidence_from: str | None = None  # "stats_reset" | "server_start"
    evidence_days: float | None = None
    min_evidence_days: float = 7.0
    workload_shapes: int | None = None  # statement shapes the usage check consulted; None without a workload
    errors: list[SourceError] = field(default_factory=list)  # catalog input that could not be read
    catalog_files: list[str] = field(default_factory=list)
    # indexes the findings propose (fk_without_index): (finding, "schema.table", keys), for checking advice against
    proposals: list[tuple[Finding, str, list[IndexKey]]] = field(default_factory=list, repr=False)


# --------------------------------------------------------------------------- the context


class Context:
    """The catalog as the checks need it, plus what earlier checks decided."""

    def __init__(self, catalog: Catalog, options: HealthOptions,
                 parsed: Sequence[ParsedStatement] | None = None) -> None:
        self.catalog = catalog
        self.options = options
        self.parsed = parsed
        self.children: dict[str, list[Index]] = {}  # partitioned index -> its attached partition indexes
        self.partitions: dict[str, list[Table]] = {}  # partitioned table -> its partitions
        for table in catalog.tables.values():
            if table.partition_of:
                self.partitions.setdefault(table.partition_of, []).append(table)
            for index in table.indexes:
                if index.parent:
                    self.children.setdefault(index.parent, []).append(index)
        self.usage: dict[str, int] | None = usage_by_index(catalog, parsed) if parsed is not None else None
        self.claimed: dict[str, Finding] = {}  # index -> the finding that drops it
        self.notes: list[str] = []  # what checks want the report to say
        self.proposals: list[tuple[Finding, str, list[IndexKey]]] = []  # indexes findings propose
        self.proxy_scans: dict[str, int] = {}  # kept index -> scans of the indexes reported in its favour
        self.evidence_since, self.evidence_from, self.evidence_days = evidence_age(catalog)
        self._names: dict[str, set[str]] | None = None

    # ------------------------------------------------------------------ what the catalog holds

    @property
    def live_like(self) -> bool:
        """A catalog read from a server (now or in a snapshot): counters and validity are known."""
        return self.catalog.source in ("live", "snapshot")

    def tables(self) -> Iterator[Table]:
        for key in sorted(self.catalog.tables):
            yield self.catalog.tables[key]

    def scans(self, index: Index) -> int | None:
        """idx_scan, summed over the attached partition indexes for a partitioned index."""
        kids = self.children.get(qname(index))
        if not kids:
            return index.idx_scan
        total = 0
        for kid in kids:
            n = self.scans(kid)
            if n is None:
                return None
            total += n
        return total + (index.idx_scan or 0)

    def size(self, index: Index) -> int | None:
        kids = self.children.get(qname(index))
        if not kids:
            return index.size_bytes
        sizes = [self.size(k) for k in kids]
        known = [s for s in sizes if s is not None]
        return None if len(known) < len(sizes) else sum(known) + (index.size_bytes or 0)

    def usable(self, index: Index) -> int:
        """Calls of workload statements that could use the index (or its partitions' indexes)."""
        if self.usage is None:
            return 0
        q = qname(index)
        return self.usage.get(q, 0) + sum(self.usable(k) for k in self.children.get(q, []))

    def partitioned(self, index: Index) -> bool:
        table = self.catalog.tables.get(f"{index.schema}.{index.table}")
        return bool(table is not None and table.partitioned) or qname(index) in self.children

    # ------------------------------------------------------------------ decisions shared between checks

    def claim(self, finding: Finding, keeper: Index | None = None, scans: int | None = None) -> None:
        """Record that a finding drops finding.index, in favour of keeper (if any)."""
        if finding.index:
            self.claimed[finding.index] = finding
        if keeper is not None:
            k = qname(keeper)
            self.proxy_scans[k] = self.proxy_scans.get(k, 0) + (scans or 0)

    def survives(self, index: Index) -> bool:
        return qname(index) not in self.claimed

    # ------------------------------------------------------------------ DDL

    def drop_sql(self, index: Index) -> str:
        # DROP INDEX CONCURRENTLY is refused on a partitioned index: the plain drop locks the table
        return drop_index_sql(index.schema, index.name, concurrently=not self.partitioned(index))

    def taken_names(self, schema: str) -> set[str]:
        """Relation names in use in a schema (tables and indexes share one namespace)."""
        if self._names is None:
            names: dict[str, set[str]] = {}
            for table in self.catalog.tables.values():
                names.setdefault(table.schema, set()).add(table.name)
                for index in table.indexes:
                    names.setdefault(index.schema, set()).add(index.name)
            self._names = names
        return self._names.setdefault(schema, set())

    def _new_name(self, schema: str, table: str, keys: list[IndexKey]) -> str:
        """index_name's deterministic name, made unique in the schema (asked with only the clash,
        so naming stays constant-time in a schema of thousands of relations)."""
        taken = self.taken_names(schema)
        name = index_name(table, keys)
        if name in taken:
            name = index_name(table, keys, taken=[name])
            if name in taken:
                name = index_name(table, keys, taken=taken)
        taken.add(name)
        return name

    def create_sql(self, table: Table, keys: list[IndexKey]) -> tuple[str, str]:
        """A new index's name and the DDL that builds it without blocking writes (on a
        partitioned table: ON ONLY the parent, each partition concurrently, attached)."""
        name = self._new_name(table.schema, table.name, keys)
        if not table.partitioned:
            return name, create_index_sql(name, table.schema, table.name, keys, [], None)
        spec = IndexDef(table.schema, table.name, tuple(keys))
        statements = create_partitioned_index_sql(
            name, table, spec, lambda t: self.partitions.get(str(t.qname), []),
            lambda part: self._new_name(part.schema, part.name, keys))
        return name, "\n".join(statements)

    # ------------------------------------------------------------------ words

    def scans_text(self, index: Index) -> str:
        n = self.scans(index)
        if n is None:
            return ""
        return f"idx_scan = {n:,}" + (f" since {self.since_text()}" if self.evidence_since else "")

    def since_text(self) -> str:
        if not self.evidence_since:
            return "an unknown time"
        when = format_time(self.evidence_since)
        how = "the last statistics reset" if self.evidence_from == "stats_reset" else "the server start"
        days = f", {self.evidence_days:.1f} days" if self.evidence_days is not None else ""
        return f"{when} ({how}{days})"


# --------------------------------------------------------------------------- indexes


def qname(index: Index) -> str:
    return f"{index.schema}.{index.name}"


def is_constraint(index: Index) -> bool:
    """Backs a primary key, unique or exclusion constraint: never a drop candidate."""
    return index.primary or index.constraint is not None or index.constraint_type in ("p", "u", "x")


def key_text(keys: Iterable[IndexKey]) -> str:
    return "(" + ", ".join(render_key(k) for k in keys) + ")"


def describe(index: Index) -> str:
    """`name (keys) INCLUDE (...) WHERE ...` for evidence text."""
    text = f"{qname(index)} {key_text(index.keys)}"
    if index.method != "btree":
        text += f" USING {index.method}"
    if index.include:
        text += " INCLUDE (" + ", ".join(index.include) + ")"
    if index.where:
        text += f" WHERE {index.where}"
    return text


def definition(index: Index) -> str:
    """The CREATE INDEX text that rebuilds an index (for a migration's way back)."""
    if index.definition:
        return index.definition
    return create_index_sql(index.name, index.schema, index.table, index.keys, index.include, index.where,
                            index.method, unique=index.unique, concurrently=False, if_not_exists=False)


# --------------------------------------------------------------------------- workload


def usage_by_index(catalog: Catalog, parsed: Sequence[ParsedStatement]) -> dict[str, int]:
    """For each index, the calls of workload statements whose scans it could serve.

    Uses the advisor's own serve rule (candidates.serve.could_serve), so "could use"
    means what it means everywhere else, for every kind of index: a B-tree's leading
    equality columns, a delivered order or a range; a GIN or BRIN index's operators.
    """
    usage: dict[str, int] = {}
    for p in parsed:
        for access in p.accesses:
            table = catalog.tables.get(str(access.table))
            # a scan of a partitioned table is a scan of each partition, with its own indexes
            scanned = [(table, access)] + ([(leaf, replace(access, table=leaf.qname)) for leaf in catalog.leaves(table)]
                                           if table is not None and table.partitioned else [])
            for t, a in scanned:
                for index in t.indexes if t is not None else []:
                    if could_serve(index, a, t, catalog.server_version):  # 18+: skip scans too
                        q = qname(index)
                        usage[q] = usage.get(q, 0) + max(p.statement.calls, 1)
    return usage


# --------------------------------------------------------------------------- time


def evidence_age(catalog: Catalog) -> tuple[str | None, str | None, float | None]:
    """Since when the usage counters count: (since, "stats_reset" | "server_start", days)."""
    since, source = None, None
    if catalog.stats_reset:
        since, source = catalog.stats_reset, "stats_reset"
    elif catalog.server_started:
        since, source = catalog.server_started, "server_start"
    if since is None or not catalog.captured_at:
        return since, source, None
    start, end = parse_time(since), parse_time(catalog.captured_at)
    if start is None or end is None:
        return since, source, None
    return since, source, max(0.0, (end - start).total_seconds() / 86400)


def parse_time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_time(text: str) -> str:
    value = parse_time(text)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else text


def size_text(n: int | None) -> str:
    return format_size(n) if n is not None else "size unknown"
