"""What every health check shares: options, results, and the catalog seen index by index.

A `Context` is built once per run. It indexes the catalog per table (so every
check is linear in the indexes of one table, never quadratic over the whole
catalog), knows how old the usage counters are, which indexes a workload could
use, and which indexes earlier checks already reported, so one index gets one
finding and the index another finding relies on is never called droppable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Iterator, Optional, Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from indexadvisor.model import Catalog, Finding, Index, IndexKey, ParsedStatement, SourceError, Table
from indexadvisor.render.ddl import create_index_sql, drop_index_sql, index_name, qualified
from indexadvisor.sizes import format_size

SEVERITIES = ("high", "medium", "low")
REPLICA_NOTE = (
    "idx_scan counts the scans of this server only: a replica keeps its own counters, "
    "so check pg_stat_user_indexes on every replica that serves reads before dropping an index"
)


@dataclass
class HealthOptions:
    min_evidence_days: float = 7.0  # below this age of the usage counters, "unused" is only a note
    checks: Optional[Sequence[str]] = None  # finding kinds to check; None for all


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
    server_version: Optional[int] = None
    captured_at: Optional[str] = None
    tables: int = 0
    indexes: int = 0
    foreign_keys: int = 0
    evidence_since: Optional[str] = None  # start of the usage counters' window
    evidence_from: Optional[str] = None  # "stats_reset" | "server_start"
    evidence_days: Optional[float] = None
    min_evidence_days: float = 7.0
    workload_shapes: Optional[int] = None  # statement shapes the usage check consulted; None without a workload
    errors: list[SourceError] = field(default_factory=list)  # catalog input that could not be read
    catalog_files: list[str] = field(default_factory=list)
    # indexes the findings propose (fk_without_index): (finding, "schema.table", keys), for checking advice against
    proposals: list[tuple[Finding, str, list[IndexKey]]] = field(default_factory=list, repr=False)


# --------------------------------------------------------------------------- the context


class Context:
    """The catalog as the checks need it, plus what earlier checks decided."""

    def __init__(self, catalog: Catalog, options: HealthOptions,
                 parsed: Optional[Sequence[ParsedStatement]] = None) -> None:
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
        self.usage: Optional[dict[str, int]] = usage_by_index(catalog, parsed) if parsed is not None else None
        self.claimed: dict[str, Finding] = {}  # index -> the finding that drops it
        self.notes: list[str] = []  # what checks want the report to say
        self.proposals: list[tuple[Finding, str, list[IndexKey]]] = []  # indexes findings propose
        self.proxy_scans: dict[str, int] = {}  # kept index -> scans of the indexes reported in its favour
        self.evidence_since, self.evidence_from, self.evidence_days = evidence_age(catalog)
        self._names: Optional[dict[str, set[str]]] = None

    # ------------------------------------------------------------------ what the catalog holds

    @property
    def live_like(self) -> bool:
        """A catalog read from a server (now or in a snapshot): counters and validity are known."""
        return self.catalog.source in ("live", "snapshot")

    def tables(self) -> Iterator[Table]:
        for key in sorted(self.catalog.tables):
            yield self.catalog.tables[key]

    def scans(self, index: Index) -> Optional[int]:
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

    def size(self, index: Index) -> Optional[int]:
        kids = self.children.get(qname(index))
        if not kids:
            return index.size_bytes
        sizes = [self.size(k) for k in kids]
        return None if any(s is None for s in sizes) else sum(sizes) + (index.size_bytes or 0)  # type: ignore[misc]

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

    def claim(self, finding: Finding, keeper: Optional[Index] = None, scans: Optional[int] = None) -> None:
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
        """A new index's name and the DDL that builds it without blocking writes.

        A partitioned table cannot build an index CONCURRENTLY: its index is made ON ONLY
        the parent, each partition's index is built concurrently and attached to it.
        """
        name = self._new_name(table.schema, table.name, keys)
        if not table.partitioned:
            return name, create_index_sql(name, table.schema, table.name, keys, [], None)
        statements: list[str] = []
        self._create_partitioned(table, keys, name, statements)
        return name, "\n".join(statements)

    def _create_partitioned(self, table: Table, keys: list[IndexKey], name: str, out: list[str]) -> None:
        parent_ddl = create_index_sql(name, table.schema, table.name, keys, [], None, concurrently=False)
        out.append(parent_ddl.replace(f" ON {qualified(table.schema, table.name)} ", f" ON ONLY {qualified(table.schema, table.name)} ", 1))
        for part in sorted(self.partitions.get(str(table.qname), []), key=lambda t: t.name):
            part_name = self._new_name(part.schema, part.name, keys)
            if part.partitioned:
                self._create_partitioned(part, keys, part_name, out)
            else:
                out.append(create_index_sql(part_name, part.schema, part.name, keys, [], None))
            out.append(f"ALTER INDEX {qualified(table.schema, name)} ATTACH PARTITION {qualified(part.schema, part_name)};")

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
    from indexadvisor.render.ddl import render_key

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


def key_signature(index: Index) -> tuple:
    """The keys as the planner sees them, comparable between indexes.

    Each key is its column or expression, opclass and collation; for a B-tree also its
    direction and NULLS placement, taken relative to the first key: a B-tree is scanned
    backwards as readily as forwards, so (a DESC, b) and (a, b DESC) are the same index.
    A left prefix of the signature is the signature of the index's left prefix.
    """
    btree = index.method == "btree"
    flip = btree and bool(index.keys) and index.keys[0].desc
    out = []
    for k in index.keys:
        ident: tuple = (
            k.column,
            " ".join(k.expression.split()) if k.column is None and k.expression else None,
            k.opclass.lower() if k.opclass else None,
            k.collation,
        )
        if btree:
            nulls_first = k.desc if k.nulls_first is None else k.nulls_first
            desc = k.desc
            if flip:
                desc, nulls_first = not desc, not nulls_first
            ident += (desc, nulls_first)
        out.append(ident)
    return tuple(out)


def serves_scans_of(narrow: Index, wide: Index) -> bool:
    """Whether `wide` serves every scan of `narrow` as well: B-tree keys a left prefix, the
    same predicate, INCLUDE columns covered. Health calls `narrow` redundant then, so the
    advisor never proposes the two together either.

    Only the same predicate: an index with a narrower one (`(created_at) WHERE NOT
    processed` beside `(created_at)`) can be used wherever the wider one can, but it holds
    only the rows its queries want, so a scan of it skips what the wider one must read
    past (a queue's processed rows): dropping it can make those queries much slower.
    """
    if (narrow.schema, narrow.table) != (wide.schema, wide.table):
        return False  # an index serves only the scans of its own table
    if narrow.method != "btree" or wide.method != "btree" or not wide.valid or not narrow.keys:
        return False
    n, w = key_signature(narrow), key_signature(wide)
    if len(n) > len(w) or w[:len(n)] != n or conjuncts(narrow.where) != conjuncts(wide.where):
        return False
    columns = {k.column for k in wide.keys} | set(wide.include)
    return all(c in columns for c in narrow.include)


@functools.lru_cache(maxsize=None)
def conjuncts(where: Optional[str]) -> frozenset[str]:
    """The AND-ed conditions of an index predicate, each in one normal form."""
    if not where:
        return frozenset()
    tree = _parse(where)
    if tree is None:
        return frozenset({" ".join(where.split())})
    return frozenset(c.sql(dialect="postgres") for c in _flatten_and(tree))


@functools.lru_cache(maxsize=None)
def not_null_columns(where: Optional[str]) -> Optional[frozenset[str]]:
    """The columns of a predicate made only of `col IS NOT NULL` tests; None if it has others."""
    if not where:
        return frozenset()
    tree = _parse(where)
    if tree is None:
        return None
    cols = set()
    for c in _flatten_and(tree):
        negated = isinstance(c, exp.Not)
        test = _unparen(c.this) if negated else c
        if isinstance(test, exp.Is) and (negated or test.args.get("negate")) and not (negated and test.args.get("negate")):
            if isinstance(test.this, exp.Column) and isinstance(test.expression, exp.Null):
                cols.add(test.this.name)
                continue
        return None
    return frozenset(cols)


@functools.lru_cache(maxsize=None)
def _parse(where: str) -> Optional[exp.Expression]:
    try:
        return sqlglot.parse_one(where, dialect="postgres")
    except (ParseError, TokenError):
        return None


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _flatten_and(node: exp.Expression) -> list[exp.Expression]:
    node = _unparen(node)
    if isinstance(node, exp.And):
        return _flatten_and(node.this) + _flatten_and(node.expression)
    return [node]


# --------------------------------------------------------------------------- workload


def usage_by_index(catalog: Catalog, parsed: Sequence[ParsedStatement]) -> dict[str, int]:
    """For each index, the calls of workload statements whose predicates or order it could serve.

    Uses the advisor's own serve rule (candidates.match), so "could use" means what it
    means everywhere else: leading equality columns, a delivered order, or a range.
    """
    from indexadvisor.candidates import match, requirement_for

    def rank(column: str) -> tuple:
        return (0, column)

    usage: dict[str, int] = {}
    for p in parsed:
        for access in p.accesses:
            if access.kind == "insert":
                continue
            table = catalog.tables.get(str(access.table))
            if table is None or not table.indexes:
                continue
            req = requirement_for(access, rank, table=table)
            if req is None:
                continue
            for index in table.indexes:
                m = match(index, req, access)
                if m.eq or m.order or m.range:
                    q = qname(index)
                    usage[q] = usage.get(q, 0) + max(p.statement.calls, 1)
    return usage


# --------------------------------------------------------------------------- time


def evidence_age(catalog: Catalog) -> tuple[Optional[str], Optional[str], Optional[float]]:
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


def parse_time(text: str) -> Optional[datetime]:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def format_time(text: str) -> str:
    value = parse_time(text)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if value else text


def size_text(n: Optional[int]) -> str:
    return format_size(n) if n is not None else "size unknown"
