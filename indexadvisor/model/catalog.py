"""The catalog: tables, columns with their planner statistics, indexes and keys.

Identifiers are stored as PostgreSQL sees them: unquoted names folded to lower
case, quoted names exactly as written. Quoting happens only when SQL is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QName:
    """A schema-qualified relation name."""

    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class ColumnStats:
    """The planner statistics of one column (pg_stats)."""

    null_frac: float = 0.0
    n_distinct: float = 0.0  # negative: fraction of rows, as in pg_stats
    avg_width: int = 0
    correlation: float | None = None
    most_common_vals: list[str] | None = None
    most_common_freqs: list[float] | None = None
    # numbers, dates and times only (pg/selectivity.py reads them): the equal-frequency bounds of
    # the values that are not among the most common
    histogram_bounds: list[str] | None = None


@dataclass
class Column:
    name: str
    type: str
    not_null: bool = False
    stats: ColumnStats | None = None
    # the collation its comparisons use ("C", "en_US.utf8", "und-x-icu"); None: not known.
    # In C/POSIX a plain B-tree serves LIKE 'abc%', elsewhere only a *_pattern_ops one does
    collation: str | None = None
    # a generated column: "stored" (12+) or "virtual" (18+, the default kind there: computed when
    # read, and it cannot be indexed), with its generating expression's SQL text; None: a plain column
    generated: str | None = None
    generation: str | None = None


@dataclass(frozen=True)
class IndexKey:
    """One key of an index: a column or an expression, with its ordering."""

    column: str | None  # None when the key is an expression
    expression: str | None = None  # SQL text of an expression key
    desc: bool = False
    nulls_first: bool | None = None  # None: the default for the direction
    opclass: str | None = None  # only when not the default opclass
    collation: str | None = None

    @property
    def text(self) -> str:
        return self.column if self.column is not None else f"({self.expression})"

    @property
    def shown(self) -> str:
        """The key as a report shows it: its text with a direction (and NULLS placement) other than the default."""
        text = self.text + (" DESC" if self.desc else "")
        if self.nulls_first is not None and self.nulls_first != self.desc:
            text += " NULLS FIRST" if self.nulls_first else " NULLS LAST"
        return text


@dataclass(frozen=True)
class IndexDef:
    """What an index is: its table, keys, INCLUDE columns, predicate and access method.

    The one definition that existing indexes, candidates and recommendations share (each
    has it as `.spec`), and so their one identity: two equal IndexDefs are one index.
    Names, sizes, usage and the reasons for proposing it are not part of it.
    """

    schema: str
    table: str
    keys: tuple[IndexKey, ...]
    include: tuple[str, ...] = ()
    where: str | None = None
    method: str = "btree"

    def as_index(self, name: str = "") -> Index:
        """An (existing, valid) index with this definition: what the serve rule and the costers take."""
        return Index(name, self.schema, self.table, list(self.keys), list(self.include), self.where, self.method)


class Defined:
    """Gives a class with the six definition fields its IndexDef (`spec`).

    Existing indexes, candidates and recommendations keep the fields themselves (the
    snapshot and report JSON formats are written from them); their identity is the spec.
    """

    schema: str
    table: str
    keys: list[IndexKey]
    include: list[str]
    where: str | None
    method: str

    @property
    def spec(self) -> IndexDef:
        """Made once per object (selection asks it millions of times): the six definition fields
        are never changed after construction; a changed index is a new object (dataclasses.replace)."""
        made = self.__dict__.get("_spec")
        if made is None:
            made = self.__dict__["_spec"] = IndexDef(self.schema, self.table, tuple(self.keys), tuple(self.include),
                                                     self.where, self.method)
        return made


@dataclass
class Index(Defined):
    name: str
    schema: str
    table: str
    keys: list[IndexKey]
    include: list[str] = field(default_factory=list)
    where: str | None = None
    method: str = "btree"
    unique: bool = False
    primary: bool = False
    constraint: str | None = None  # name of the constraint it backs
    constraint_type: str | None = None  # p, u, x
    valid: bool = True
    definition: str | None = None
    size_bytes: int | None = None
    idx_scan: int | None = None
    parent: str | None = None  # "schema.name" of the partitioned index this one is attached to

    @property
    def qname(self) -> QName:
        return QName(self.schema, self.name)

    @property
    def key_columns(self) -> list[str | None]:
        return [k.column for k in self.keys]


@dataclass
class ForeignKey:
    name: str
    columns: list[str]
    ref_schema: str
    ref_table: str
    ref_columns: list[str]


@dataclass
class Table:
    schema: str
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    row_estimate: float | None = None  # pg_class.reltuples; None when unknown
    pages: int | None = None
    all_visible_pages: int | None = None
    size_bytes: int | None = None
    seq_scan: int | None = None
    n_tup_ins: int | None = None
    n_tup_upd: int | None = None
    n_tup_del: int | None = None
    n_tup_hot_upd: int | None = None
    last_analyze: str | None = None
    n_mod_since_analyze: int | None = None  # rows written since last_analyze (pg_stat_user_tables)
    partitioned: bool = False  # a partitioned table (relkind p): its rows live in its partitions
    partition_of: str | None = None  # "schema.name" of the parent, for a partition
    # "schema.name" of the parent table of an inheritance child (INHERITS; not a partition): a
    # scan of the parent reads the child too, with the child's own indexes
    inherits_from: str | None = None
    materialized: bool = False  # a materialized view (relkind m): a relation that takes indexes, read like a table

    @property
    def qname(self) -> QName:
        return QName(self.schema, self.name)

    @property
    def has_stats(self) -> bool:
        return self.row_estimate is not None and self.row_estimate >= 0


@dataclass
class Catalog:
    tables: dict[str, Table] = field(default_factory=dict)  # key: "schema.name"
    source: str = "none"  # live | snapshot | ddl | none
    server_version: int | None = None  # server_version_num
    stats_reset: str | None = None
    captured_at: str | None = None
    server_started: str | None = None  # pg_postmaster_start_time(): usage evidence age when stats_reset is null
    search_path: list[str] = field(default_factory=lambda: ["public"])
    database: str | None = None  # current_database() of a live catalog (and its snapshot)
    database_oid: int | None = None  # its pg_database.oid: pg_stat_statements' dbid
    # views (not materialized ones, which are tables with a flag): "schema.name" -> the defining SELECT
    views: dict[str, str] = field(default_factory=dict)

    def add(self, table: Table) -> None:
        self.tables[str(table.qname)] = table

    def find(self, name: str, schema: str | None = None) -> Table | None:
        """Resolve a table the way the search path would."""
        if schema:
            return self.tables.get(f"{schema}.{name}")
        for s in self.search_path:
            table = self.tables.get(f"{s}.{name}")
            if table:
                return table
        matches = [t for t in self.tables.values() if t.name == name]
        return matches[0] if len(matches) == 1 else None

    def find_view(self, name: str, schema: str | None = None) -> tuple[QName, str] | None:
        """A view's name and defining SELECT, resolved the way the search path would (a table of that
        name earlier in the path hides it)."""
        if schema:
            sql = self.views.get(f"{schema}.{name}")
            return (QName(schema, name), sql) if sql is not None else None
        for s in self.search_path:
            if f"{s}.{name}" in self.tables:
                return None
            if f"{s}.{name}" in self.views:
                return QName(s, name), self.views[f"{s}.{name}"]
        matches = [k for k in self.views if k.split(".", 1)[1] == name] if not self.find(name) else []
        if len(matches) == 1:
            schema, _, rest = matches[0].partition(".")
            return QName(schema, rest), self.views[matches[0]]
        return None

    def descendants(self, table: Table) -> list[Table]:
        """The inheritance children of a table (INHERITS), and theirs, in name order."""
        out: list[Table] = []
        for child in sorted((t for t in self.tables.values() if t.inherits_from == str(table.qname)), key=lambda t: str(t.qname)):
            out += [child] + self.descendants(child)
        return out

    def partition_ancestors(self, name: str) -> list[str]:
        """The partitioned tables a table is a partition of ("schema.name"), its parent first."""
        out: list[str] = []
        parent = self.tables[name].partition_of if name in self.tables else None
        while parent is not None and parent not in out:
            out.append(parent)
            parent = self.tables[parent].partition_of if parent in self.tables else None
        return out

    def partitions(self, name: str) -> list[str]:
        """Every partition under a partitioned table ("schema.name"), sub-partitioned ones and their
        partitions too, in name order."""
        out: list[str] = []
        for child in sorted(t for t, table in self.tables.items() if table.partition_of == name):
            out += [child] + self.partitions(child)
        return out

    def leaves(self, table: Table) -> list[Table]:
        """The leaf partitions of a partitioned table (through sub-partitioned ones), in name order."""
        return [t for t in (self.tables[n] for n in self.partitions(str(table.qname))) if not t.partitioned]

    @property
    def has_stats(self) -> bool:
        return any(t.has_stats for t in self.tables.values())
