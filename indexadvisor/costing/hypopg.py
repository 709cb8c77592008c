"""Planner what-if costing through HypoPG, in the advisor's own read-only session.

A configuration (a set of hypothetical indexes) is created with
hypopg_create_index(), the statement is EXPLAINed, and hypopg_reset() removes
them again: nothing is written, and nothing outlives the session. Parameterised
statements ($1, as pg_stat_statements stores them) are explained as generic
plans: EXPLAIN (GENERIC_PLAN) on PostgreSQL 16+, else PREPARE + EXPLAIN EXECUTE
under plan_cache_mode = force_generic_plan, re-prepared for every configuration
(a cached generic plan would keep pointing at a reset hypothetical index) and
deallocated by name, so the user's own prepared statements are never touched.

Costs are cached by (statement, hypothetical indexes: those the selection gives it,
select/state.Problem.config_for), and every EXPLAIN sent is counted.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import os
import queue
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import make_conninfo
from psycopg.types.json import set_json_loads

from indexadvisor.candidates.serve import tested_columns, where_columns
from indexadvisor.costing import ideal_over_keys, worst_over_keys
from indexadvisor.costing.btree_size import entry_bytes
from indexadvisor.costing.leading import lead_with
from indexadvisor.costing.model import StatsModel, filters, past_early_stop
from indexadvisor.costing.stats import index_bytes
from indexadvisor.errors import DatabaseError
from indexadvisor.model import Candidate, Catalog, IndexDef, ParsedStatement, Predicate, PredKind, Table, is_variant
from indexadvisor.pg import session as db
from indexadvisor.pg.exprtext import column_names, signature
from indexadvisor.pg.lexing import bound_lists, typed_parameters
from indexadvisor.pg.selectivity import DEFAULT_EQ_SEL, TableStats, sampled_eq_selectivity
from indexadvisor.pg.sql import create_index_sql, qualified, quote_ident

_PARAM = re.compile(r"\$(\d+)")
# planner cost of fetching one row through an index (a descent and a heap page): the least an
# expression index's corrected cost is counted at
EXPRESSION_FLOOR = 8.0
# an expression no statistic describes (data->>'key') is measured on at most this many rows of its table,
# read in at most this long (PlannerCoster._sampled)
SAMPLE_ROWS = 30_000
SAMPLE_TIMEOUT_MS = 2_000
# a statement offered more candidates than this is costed with their usable parts (PlannerCoster.usable_part)
CROWDED = 32
_UNTYPED = re.compile(r"could not determine data type of parameter \$(\d+)")
_names = itertools.count(1)


@dataclass(frozen=True)
class HypoIndex:
    """A hypothetical index, identified by its definition."""

    schema: str
    table: str
    definition: str  # CREATE INDEX ... text given to hypopg_create_index

    @property
    def qname(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass
@dataclass(frozen=True)
class EarlyStop:
    """A LIMIT whose early stop hangs on a filter, as the plan shows it."""

    limit_cost: float  # the plan's, as the planner prices it: the matching rows spread evenly, the scan stops early
    input_cost: float  # the plan's with the LIMIT's input run to the end: the matching rows come last
    relation: str | None  # the filtered scan's table (None: a join filters)
    index_cond: str  # that scan's index condition ("" for none): what is searched, not filtered
    filter: str  # that scan's filter: what rejects rows (not what a partial index's WHERE implies)


@dataclass
class Plan:
    cost: float
    rows: float
    indexes_used: set[HypoIndex] = field(default_factory=set)  # the hypothetical indexes the plan uses
    # table name -> the rows the planner expects its scan to return (all workers), for the
    # tables scanned once; the selectivity of their filters by the planner's own statistics
    scan_rows: dict[str, float] = field(default_factory=dict)
    # when the plan stops early only if the rows a filter keeps are spread evenly (the LIMIT
    # trap); PlannerCoster then counts a cost between the two: see PlannerCoster.robust
    early_stop: EarlyStop | None = None


class StatementNotExplainable(Exception):
    """The planner refused the statement; the message says why."""


class CostingInterrupted(StatementNotExplainable):
    """An EXPLAIN was cancelled twice (a lock timeout, a statement timeout, pg_cancel_backend):
    the statement is fine, this configuration could not be costed now."""


# Cancellations that say nothing about the statement: worth one retry
_INTERRUPTIONS = (pgerrors.QueryCanceled, pgerrors.LockNotAvailable)


def hypo_index(schema: str, table: str, keys, include=(), where: str | None = None, method: str = "btree") -> HypoIndex:
    sql = create_index_sql("", schema, table, list(keys), list(include), where, method, concurrently=False, if_not_exists=False)
    return HypoIndex(schema, table, sql.rstrip(";"))


def hypopg_version(conn: psycopg.Connection) -> str | None:
    rows = db.run(conn, "SELECT extversion FROM pg_extension WHERE extname = 'hypopg'", what="checking for HypoPG")
    return rows[0]["extversion"] if rows else None


def enable(conn: psycopg.Connection) -> None:
    """CREATE EXTENSION hypopg, only because the user asked (--enable-hypopg).

    The session is read-only by default; this one explicit statement runs in a
    read-write transaction of its own.
    """
    db.run(conn, "BEGIN TRANSACTION READ WRITE", what="enabling HypoPG")
    try:
        db.run(conn, "CREATE EXTENSION IF NOT EXISTS hypopg", what="enabling HypoPG",
               hint="install the package (Debian: postgresql-NN-hypopg) on the database server first")
        db.run(conn, "COMMIT", what="enabling HypoPG")
    except DatabaseError:
        db.run(conn, "ROLLBACK", what="enabling HypoPG")
        raise


# Parameters the server could not type that are retried one by one (as text) before all of
# the rest are: a statement costs at most MAX_GUESSES + 2 PREPAREs however many it has.
MAX_GUESSES = 3


def initial_types(used: set[int]) -> list[str]:
    """PREPARE's parameter types before the server has said anything: `unknown` (the server
    infers it from the column or operator the parameter meets) for the numbers the statement
    uses, and `text` for the numbers it skips (`$3` alone leaves $1 and $2 with nothing to
    infer from: each would be an error, and one retry, of its own)."""
    return ["unknown" if n in used else "text" for n in range(1, max(used, default=0) + 1)]


def auto_jobs(conn: psycopg.Connection, cores: int | None = None) -> int:
    """The default number of costing sessions: half the machine's cores, at most 4, and at most
    half the parallel workers the server allows (max_parallel_workers, which a server sized for
    its machine sets from its cores); 1 on a machine of 2 cores or fewer, where the server, if
    it is local, needs the other one."""
    cores = cores if cores is not None else (os.cpu_count() or 1)
    rows = db.run(conn, "SELECT current_setting('max_parallel_workers')::int AS n", what="reading the server's workers")
    server = int(rows[0]["n"]) if rows else 0
    return max(1, min(4, cores // 2, server // 2)) if cores > 2 else 1


class WhatIf:
    """EXPLAIN statements under hypothetical index configurations, with a cache."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.version = conn.info.server_version
        self.explains = 0
        self.on_explain: Callable[[int], None] | None = None  # called with the count after each EXPLAIN (progress)
        self.cache_hits = 0
        self.implied = 0  # answers implied by plans already made (_implied)
        self._explained: dict[str, list[tuple[frozenset[HypoIndex], Plan]]] = {}  # key -> configurations explained, their plans
        self._cache: dict[tuple[str, frozenset[HypoIndex]], Plan] = {}
        self._sizes: dict[HypoIndex, int] = {}
        self._param_types: dict[str, list[str]] = {}
        self.jobs = 1
        self._workers: list[WhatIf] = []
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        # (key, configuration) -> a plan or an error from prefetch(), and the EXPLAINs it took
        self._ahead: dict[tuple[str, frozenset[HypoIndex]], tuple[Any, int]] = {}
        # HypoPG's functions, qualified with the schema it is installed in (Supabase and other
        # hosts put extensions in their own schema, off the search path)
        self.hypopg = quote_ident(_extension_schema(conn))
        # EXPLAIN prints HypoPG's index names, which it cuts at 63 bytes, through a multi-byte
        # character of a non-ASCII table name: read plans leniently, and map indexes by OID
        set_json_loads(_lenient_json, conn)
        if self.version < 160000:
            db.run(conn, "SET plan_cache_mode = force_generic_plan", what="preparing generic plans")
        db.run(conn, f"SELECT {self.hypopg}.hypopg_reset()", what="resetting hypothetical indexes")

    def cost(self, key: str, sql: str, config: Iterable[HypoIndex] = ()) -> Plan:
        """The plan of a statement with these hypothetical indexes (and the real ones)."""
        config = frozenset(config)
        cached = self._cache.get((key, config))
        if cached is not None:
            self.cache_hits += 1
            return cached
        implied = self._implied(key, config)
        if implied is not None:
            self.implied += 1
            self._cache[(key, config)] = implied
            return implied
        ahead = self._ahead.pop((key, config), None)
        if ahead is not None:  # explained by prefetch(): counted now, as if explained now
            outcome, explains = ahead
            self._count(explains)
            if isinstance(outcome, Exception):
                raise outcome
            self._keep(key, config, outcome)
            return outcome
        plan = self._explain(key, sql, sorted(config, key=lambda i: i.definition))
        self._keep(key, config, plan)
        return plan

    def _implied(self, key: str, config: frozenset[HypoIndex]) -> Plan | None:
        """The plan explained for a configuration that holds this one and uses only indexes this
        one has too: it is this one's plan, no EXPLAIN needed (it was the cheapest among more
        indexes, and it is still there). The what-if calls whose answer the ones made imply."""
        for bigger, plan in self._explained.get(key, ()):
            if plan.indexes_used <= config <= bigger:
                return plan
        return None

    def _keep(self, key: str, config: frozenset[HypoIndex], plan: Plan) -> None:
        self._cache[(key, config)] = plan
        self._explained.setdefault(key, []).append((config, plan))

    def parallel(self, jobs: int | None) -> None:
        """Explain prefetch()ed statements over `jobs` sessions (this one and jobs - 1 more);
        None: auto_jobs()."""
        self.jobs = max(1, jobs) if jobs is not None else auto_jobs(self.conn)

    def prefetch(self, requests: list[tuple[str, str, frozenset[HypoIndex]]]) -> None:
        """Explain these (key, sql, configuration) requests ahead, over the parallel sessions.

        Their plans wait until cost() asks for them, and only then count as EXPLAINs (or raise
        the error the planner gave), so that a run's plans, errors and EXPLAIN count are the
        same whatever the number of sessions: a request nobody asks for again counts nothing."""
        todo = list(dict.fromkeys((k, s, c) for k, s, c in requests
                                  if (k, c) not in self._cache and (k, c) not in self._ahead and self._implied(k, c) is None))
        if self.jobs <= 1 or len(todo) < 2:
            return
        sessions = self._sessions()
        free: queue.SimpleQueue[WhatIf] = queue.SimpleQueue()
        for w in sessions:
            free.put(w)

        def explain(request: tuple[str, str, frozenset[HypoIndex]]) -> tuple[object, int]:
            key, sql, config = request
            w = free.get()
            try:
                before = w.explains
                try:
                    outcome: object = w._explain(key, sql, sorted(config, key=lambda i: i.definition))
                except StatementNotExplainable as exc:
                    outcome = exc
                return outcome, w.explains - before
            finally:
                free.put(w)

        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(sessions))
        counted = self.explains  # this session explains too, and counts only what is asked for later
        for (key, _, config), result in zip(todo, self._pool.map(explain, todo)):
            self._ahead[(key, config)] = result
        self.explains = counted

    def _sessions(self) -> list[WhatIf]:
        """This session and jobs - 1 more, opened with this one's connection parameters."""
        while len(self._workers) < self.jobs - 1:
            conn = db.connect(make_conninfo("", **_conninfo(self.conn)))
            self._workers.append(WhatIf(conn))
        return [self] + self._workers[: self.jobs - 1]

    def close(self) -> None:
        """Close the extra sessions (this one is the caller's)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        for w in self._workers:
            w.conn.close()
        self._workers = []

    def sizes(self, indexes: Iterable[HypoIndex]) -> dict[HypoIndex, int]:
        """Estimated sizes in bytes (hypopg_relation_size), created in one batch."""
        todo = [i for i in set(indexes) if i not in self._sizes]
        for chunk in _chunks(todo, 200):
            rows = db.run(
                self.conn,
                f"SELECT h.indexrelid, {self.hypopg}.hypopg_relation_size(h.indexrelid) AS size "
                f"FROM unnest(%s::text[]) WITH ORDINALITY AS d(def, n), LATERAL {self.hypopg}.hypopg_create_index(d.def) h "
                "ORDER BY d.n",
                ([i.definition for i in chunk],),
                what="sizing hypothetical indexes",
            )
            for index, row in zip(chunk, rows):
                self._sizes[index] = int(row["size"])
            db.run(self.conn, f"SELECT {self.hypopg}.hypopg_reset()", what="resetting hypothetical indexes")
        return {i: self._sizes[i] for i in indexes}

    # ------------------------------------------------------------------ internals

    def _count(self, explains: int) -> None:
        self.explains += explains
        if self.on_explain is not None:
            self.on_explain(self.explains)

    def _explain(self, key: str, sql: str, config: list[HypoIndex]) -> Plan:
        """One round trip: create the configuration, explain, clean up, reset."""
        numbers = {int(n) for n in _PARAM.findall(_strip_literals(sql))}
        nparams = max(numbers, default=0)
        types = self._param_types.get(key) or initial_types(numbers)
        retried = False  # one retry after a cancellation (lock or statement timeout)
        guesses = 0  # parameters the server could not type, set to text one at a time, then all at once
        for _ in range(MAX_GUESSES + 3):
            batch: list[str] = []
            if config:
                batch.append(
                    "SELECT h.indexrelid FROM unnest(ARRAY[" + ", ".join(_literal(i.definition) for i in config)
                    + f"]) WITH ORDINALITY AS d(def, n), LATERAL {self.hypopg}.hypopg_create_index(d.def) h ORDER BY d.n"
                )
            name = None
            if nparams == 0:
                batch.append(f"EXPLAIN (FORMAT JSON) {sql}")
            elif self.version >= 160000:
                batch.append(f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {sql}")
            else:
                name = f"indexadvisor_{next(_names)}"
                batch.append(f"PREPARE {name}({', '.join(types)}) AS {sql}")
                batch.append(f"EXPLAIN (FORMAT JSON) EXECUTE {name}({', '.join(['NULL'] * nparams)})")
                batch.append(f"DEALLOCATE {name}")
            if config:
                batch.append(f"SELECT {self.hypopg}.hypopg_reset()")
            try:
                results = db.run_batch(self.conn, batch, what="explaining a statement")
            except DatabaseError as exc:
                self._clean_up(name, bool(config))
                if isinstance(exc.__cause__, _INTERRUPTIONS):
                    self._count(1)
                    if not retried:
                        retried = True
                        continue
                    raise CostingInterrupted(str(exc).split(": ", 1)[-1]) from None
                m = _UNTYPED.search(str(exc))
                if m and name and types[int(m.group(1)) - 1] != "text" and guesses <= MAX_GUESSES:
                    # the server cannot infer it (a parameter with no column or operator to meet):
                    # text is the usual case. It names the first such parameter by number, so those
                    # before it were inferred; past a few, every one after it is text in one last
                    # try, so a statement costs a bounded number of PREPAREs
                    guesses += 1
                    k = int(m.group(1))
                    if guesses <= MAX_GUESSES:
                        types[k - 1] = "text"
                    else:
                        types = types[:k - 1] + ["text"] * (len(types) - k + 1)
                    continue
                self._count(1)
                raise StatementNotExplainable(str(exc).split(": ", 1)[-1]) from None
            self._param_types[key] = types
            self._count(1)
            oids = {int(row["indexrelid"]): index for row, index in zip(results[0], config)} if config else {}
            plan, used = _plan(next(r for r in results if r and "QUERY PLAN" in r[0]))
            plan.indexes_used = {oids[oid] for oid in (_hypothetical_oid(n) for n in used) if oid in oids}
            return plan
        raise StatementNotExplainable("could not infer the parameter types")

    def _clean_up(self, prepared: str | None, hypothetical: bool) -> None:
        """After a failed batch: drop what it may have left (prepared statements survive errors)."""
        statements = []
        if prepared:
            statements.append(f"SELECT 1 FROM pg_prepared_statements WHERE name = '{prepared}'")
        if hypothetical:
            statements.append(f"SELECT {self.hypopg}.hypopg_reset()")
        if statements:
            rows = db.run_batch(self.conn, statements, what="cleaning up")
            if prepared and rows[0]:
                db.run(self.conn, f"DEALLOCATE {prepared}", what="cleaning up")


def _plan(rows: list[dict[str, Any]]) -> tuple[Plan, set[str]]:
    """The plan from EXPLAIN (FORMAT JSON) output, and the names of the indexes it uses."""
    doc = rows[0]["QUERY PLAN"]
    top = doc[0]["Plan"]
    used: set[str] = set()
    scans: dict[str, list[float]] = {}

    def walk(node: dict[str, Any], workers: int) -> None:
        if "Index Name" in node:
            used.add(node["Index Name"])
        if node.get("Node Type") in ("Gather", "Gather Merge"):
            workers = int(node.get("Workers Planned", 0))
        if "Relation Name" in node and node.get("Node Type") != "ModifyTable":
            rows = float(node.get("Plan Rows", 0))
            if node.get("Parallel Aware") and workers:
                rows *= workers + max(0.0, 1.0 - 0.3 * workers)  # the planner's per-process share, undone
            scans.setdefault(node["Relation Name"], []).append(rows)
        for child in node.get("Plans", []):
            walk(child, workers)

    walk(top, 0)
    rows_out = float(top.get("Plan Rows", 0))
    written = _input(top) if top.get("Node Type") == "ModifyTable" else None
    if written is not None:
        rows_out = float(written.get("Plan Rows", 0))
    scan_rows = {t: r[0] for t, r in scans.items() if len(r) == 1}
    return Plan(float(top["Total Cost"]), rows_out, set(), scan_rows, _early_stop(top)), used


# Nodes that pass rows up as they come, so a LIMIT above them stops their scans early (a hash
# join its outer side: it builds the inner's hash first, whole, and streams the rows it probes with).
_STREAMING = frozenset({
    "Index Scan", "Index Only Scan", "Seq Scan", "Bitmap Heap Scan", "Nested Loop", "Merge Join", "Hash Join",
    "Subquery Scan", "Result", "Append", "Merge Append", "Gather", "Gather Merge", "Incremental Sort", "Unique",
    "LockRows",
})


def _early_stop(top: dict[str, Any]) -> EarlyStop | None:
    """The LIMIT trap: the planner prices a LIMIT over a filtered scan as if the rows the filter
    keeps were spread evenly, so that the scan stops after limit / selectivity rows. Real rows
    cluster (one tenant's, one email's) and the scan can read its whole input. Returns what the
    plan shows of it when a filter streams into a LIMIT of the part of the plan that runs once
    (_first_limit), else None (no LIMIT, a blocking node between, or an index that searches every
    filter: its early stop is sure). Its costs are the plan's, and the plan's with that LIMIT's
    input read to the end."""
    limit = _first_limit(top)
    if limit is None:
        return None
    child = _input(limit)
    if child is None:
        return None
    filtered = _filtered_stream(child)
    if filtered is None:
        return None
    cond = " ".join(str(filtered.get(k, "")) for k in ("Index Cond", "Recheck Cond"))
    total = float(top["Total Cost"])
    return EarlyStop(total, total + float(child["Total Cost"]) - float(limit["Total Cost"]), filtered.get("Relation Name"), cond,
                     str(filtered.get("Filter", "")))


def _inputs(node: dict[str, Any]) -> list[dict[str, Any]]:
    """A node's inputs: its children but a CTE, an InitPlan or a SubPlan, which EXPLAIN lists among
    them too (first: `WITH x AS (...) SELECT ... LIMIT 100` hangs the CTE's plan on the LIMIT) and
    which run once before it, or once per row of it, not as a stream into it."""
    return [c for c in node.get("Plans", []) if c.get("Parent Relationship") not in ("InitPlan", "SubPlan")]


def _input(node: dict[str, Any]) -> dict[str, Any] | None:
    """A node's first input (_inputs)."""
    return next(iter(_inputs(node)), None)


def _first_limit(node: dict[str, Any]) -> dict[str, Any] | None:
    """The first LIMIT from the top among the nodes that run once: the statement's own, or one
    under it (a queue's claim, `UPDATE ... WHERE id IN (SELECT id ... LIMIT 10 FOR UPDATE SKIP
    LOCKED)`, or the same in a CTE); not in a SubPlan or on a nested loop's inner side, which run
    once per row (a hash join's inner side is built once)."""
    if node.get("Node Type") == "Limit" and node.get("Plans"):
        return node
    for child in node.get("Plans", []):
        relation = child.get("Parent Relationship")
        if relation == "SubPlan" or (relation == "Inner" and node.get("Node Type") == "Nested Loop"):
            continue
        if (found := _first_limit(child)) is not None:
            return found
    return None


def _searched(column: str, index_cond: str) -> bool:
    """Whether an index condition (as EXPLAIN prints it) searches the column."""
    return bool(index_cond) and re.search(r'(?<![\w"])"?' + re.escape(column) + r'"?(?![\w"])', index_cond) is not None


def _rejects(predicate: Predicate, early: EarlyStop) -> bool:
    """Whether the predicate turns rows away in the stream the LIMIT waits on: its columns are in
    the scan's filter and the index condition does not search it. A partial index's WHERE implies
    some of the statement's predicates (`status IN ('todo', 'in_progress')`); the planner drops
    those from the filter, and every row the index holds passes them."""
    columns = (column_names(predicate.expression) if predicate.expression else None) or {predicate.column}
    return not _searched(predicate.column, early.index_cond) and any(_searched(c, early.filter) for c in columns)


def _filtered_stream(node: dict[str, Any]) -> dict[str, Any] | None:
    """The node whose filter rejects rows on their way up to the LIMIT, with no blocking node (a
    sort, a hash, an aggregate) between that reads everything anyway; None when there is none."""
    if "Filter" in node or "Join Filter" in node:
        return node
    if node.get("Node Type") not in _STREAMING:
        return None
    for child in _inputs(node):
        if (found := _filtered_stream(child)) is not None:
            return found
    return None


def _extension_schema(conn: psycopg.Connection) -> str:
    rows = db.run(conn, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                        "WHERE e.extname = 'hypopg'", what="finding HypoPG's schema")
    if not rows:
        raise DatabaseError("HypoPG is not installed in this database: CREATE EXTENSION hypopg, or pass --enable-hypopg")
    return str(rows[0]["nspname"])


def _hypothetical_oid(name: str) -> int | None:
    """HypoPG names a hypothetical index `<oid>btree_...`: its OID, whatever the rest became."""
    m = re.match(r"<(\d+)>", name)
    return int(m.group(1)) if m else None


def _lenient_json(data: str | bytes) -> Any:
    """json.loads for plans, with bytes that are not UTF-8 (a name cut mid-character) replaced."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data).decode("utf-8", "replace")
    return json.loads(data)


def _literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings is on since PostgreSQL 9.1)."""
    return "'" + text.replace("'", "''") + "'"


def _strip_literals(sql: str) -> str:
    """Remove strings and comments so a '$1' inside a literal is not taken for a parameter."""
    return re.sub(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/|\$\w*\$.*?\$\w*\$", "", sql, flags=re.S)


_WORD = re.compile(r'"((?:[^"]|"")+)"|([^\W\d]\w*)')


def _conninfo(conn: psycopg.Connection) -> dict[str, str]:
    """The session's connection parameters as libpq holds them, the password included."""
    return {o.keyword.decode(): o.val.decode() for o in conn.pgconn.info if o.val is not None}


@dataclass(frozen=True)
class _Use:
    """What one access to a table names, read once per statement: which part of an index it can use."""

    searched: frozenset[str]  # columns its conditions (and OR arms) test
    used: frozenset[str]  # those, and the columns it groups, sorts on or reads
    named: frozenset[str]  # what a key can serve: searched, grouped, sorted on, or output
    read: frozenset[str] | None  # every column it reads (`*` expanded); None when `*` and the table is unknown
    star: bool  # it reads `*`
    expressions: bool  # a condition on an expression (its columns are not listed one by one)
    insert: bool


def _uses(parsed: ParsedStatement, catalog: Catalog | None) -> dict[tuple[str, str], list[_Use]]:
    """(schema, table) -> what each access of the statement to it names."""
    out: dict[tuple[str, str], list[_Use]] = {}
    for a in parsed.accesses:
        searched = tested_columns(a)
        ordered = set(a.group_by) | {k.column for k in a.order_by}
        star = "*" in a.columns_read
        listed = a.columns_read - {"*"}
        columns = a.read_columns(catalog.tables.get(str(a.table)) if catalog is not None else None)
        read = frozenset(columns) if columns is not None else None
        out.setdefault((a.table.schema, a.table.name), []).append(_Use(
            frozenset(searched), frozenset(searched | ordered | listed), frozenset(searched | ordered | (a.columns_output - {"*"})),
            read, star, any(p.expression is not None for p in a.predicates), a.kind == "insert"))
    return out


@dataclass(frozen=True)
class _Shape:
    """What of a plain B-tree candidate the usable-part rule reads, worked out once per candidate."""

    keys: tuple[str, ...]
    named: frozenset[str]  # its key columns and the columns its WHERE names
    pinned: frozenset[str]  # the columns its WHERE tests
    held: frozenset[str]  # what an index-only scan finds in it: named and INCLUDE columns (a pinned column needs no fetch)


@dataclass
class _Worked:
    """What the planner coster works out once about one candidate."""

    shape: _Shape | None
    hypo: HypoIndex
    cuts: dict[int, Candidate] = field(default_factory=dict)  # keys kept -> PlannerCoster._cut()


def _shape(c: Candidate) -> _Shape | None:
    """The candidate's _Shape; None for one with expression keys or another access method."""
    if c.method != "btree" or any(k.expression or not k.column for k in c.keys):
        return None
    keys = tuple(k.column or "" for k in c.keys)
    named = set(keys)
    pinned: frozenset[str] = frozenset()
    if c.where:
        named |= {quoted.replace('""', '"') if quoted else word.lower() for quoted, word in _WORD.findall(c.where)}
        pinned = where_columns(c.where)
    return _Shape(keys, frozenset(named), pinned, frozenset(named.union(c.include)))


def _usable_part(uses: list[_Use], c: Candidate, shape: _Shape | None, crowded: bool,
                 cut: Callable[[Candidate, int], Candidate]) -> Candidate | None:
    """PlannerCoster.usable_part, uncached, given what the statement's accesses to c's table name;
    `cut` gives the index with its first n keys, where that costs the same."""
    if shape is None:
        return c if uses else None

    def can_use(u: _Use) -> bool:
        if shape.pinned and not shape.pinned <= u.searched:
            return False  # the planner proves a partial index's WHERE from the access's own conditions
        return u.expressions or not u.used.isdisjoint(shape.named) or (
            not u.star and u.read is not None and u.read <= shape.held)

    if not any(can_use(u) for u in uses):
        return None
    if not crowded:
        return c
    reads = [u for u in uses if not u.insert]
    read = reads[0].read if len(reads) == 1 and not reads[0].expressions else None
    if read is None or read <= shape.held:
        return c  # a self-join uses the index twice; an index-only scan reads the whole entry: its size counts
    keep = len(shape.keys)
    while keep > 1 and shape.keys[keep - 1] not in reads[0].named:
        keep -= 1
    return c if keep == len(shape.keys) and not c.include else cut(c, keep)


def _alike(uses: list[_Use], wide: _Shape | None, narrow: _Shape | None, keys_prefix: bool) -> bool:
    """PlannerCoster.uses_alike, given the statement's accesses to the indexes' table."""
    if wide is None or narrow is None or not keys_prefix or not narrow.held <= wide.held:
        return False
    extra = wide.named - narrow.named  # its other key and WHERE columns; an INCLUDE column serves only an index-only scan
    for u in uses:
        if u.insert:
            continue
        if u.expressions or not extra.isdisjoint(u.used) or (u.read is not None and u.read <= wide.held):
            return False
    return True


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


class PlannerCoster:
    """Statement costs from the real planner with hypothetical indexes (the Coster interface)."""

    method = "planner"

    def __init__(self, whatif: WhatIf, catalog: Catalog | None = None) -> None:
        self.whatif = whatif
        self.catalog = catalog
        self._model = StatsModel()  # sizes (index_bytes)
        self.failures: dict[str, str] = {}  # fingerprint -> why the planner refused it
        self.interrupted: dict[str, str] = {}  # fingerprint -> why a configuration could not be costed
        self.refused: dict[str, str] = {}  # fingerprint -> why the planner refused it with candidates (_plans)
        self._refused: set[tuple[str, frozenset[HypoIndex]]] = set()  # those configurations
        self._baseline: dict[str, Plan] = {}  # fingerprint -> its plan with the existing indexes
        self._leading: dict[tuple[str, str, str], str | None] = {}  # (fingerprint, schema, table) -> rewrite
        self._hypos: dict[IndexDef, HypoIndex] = {}
        # fingerprint -> id(candidate) -> (the candidate, its usable part and that part's hypothetical index)
        self._parts: dict[str, dict[int, tuple[Candidate, Candidate | None, HypoIndex | None]]] = {}
        self._uses: dict[str, dict[tuple[str, str], list[_Use]]] = {}  # fingerprint -> _uses()
        self._worked: dict[int, tuple[Candidate, _Worked]] = {}  # id(candidate) -> _of()
        self._crowded: set[str] = set()  # fingerprints offered more than CROWDED candidates
        self._texts: dict[str, str] = {}  # fingerprint -> the text explained (long lists cut: pg.lexing.bound_lists)
        self._bounded: dict[str, list[str]] = {}  # fingerprint -> what bound_lists said it did
        self._expression_notes: dict[str, str] = {}  # fingerprint -> how an expression index's cost was corrected
        self._samples: dict[tuple[str, str], tuple[float, int] | None] = {}  # (table, expression) -> _sampled()
        # HypoPG prices a hypothetical index below an identical real one (its size and
        # height estimates are not the real ones), so every configuration, the baseline
        # too, carries hypothetical copies of the existing B-trees: a candidate then only
        # gains what it really adds over them.
        self.copies: dict[str, list[HypoIndex]] = {}
        for name, table in (catalog.tables.items() if catalog else []):
            self.copies[name] = [
                hypo_index(i.schema, i.table, i.keys, i.include, i.where, i.method)
                for i in table.indexes if i.method == "btree" and i.valid
            ]

    def hypo(self, candidate: Candidate) -> HypoIndex:
        index = self._hypos.get(candidate.spec)
        if index is None:
            index = self._hypos[candidate.spec] = hypo_index(candidate.schema, candidate.table, candidate.keys,
                                                             candidate.include, candidate.where, candidate.method)
        return index

    def usable_part(self, parsed: ParsedStatement, candidate: Candidate) -> Candidate | None:
        """The part of the index the statement's plan can use, which is what it is costed with;
        None when its plan cannot use it at all (a configuration with it then costs exactly what
        one without it does, and is not asked for).

        A plain B-tree is usable by an access to its table that names one of its key or WHERE
        columns (a condition, a join, an ORDER BY or GROUP BY, an OR's arm, a column read: a
        min() or an index-only scan), or that reads nothing but columns it holds (count(*));
        any other index (expression keys, GIN, BRIN, hash) always counts as usable.

        A statement offered more than CROWDED candidates (offer(); 4,950 column pairs on one
        table name each column 99 times) is costed with their usable parts: where an index
        cannot cover the access (it reads a column the index lacks: no index-only scan), the
        trailing keys the statement never names and the INCLUDE columns serve it nothing but
        the index's size, and where they do not change its entries' bytes on a page either (an
        int after an int, padded to 8 bytes), the index without them. Indexes that differ only
        there are then one configuration for it, and the what-if calls it takes are bounded by
        the ways an index can serve it, not by the candidates. Elsewhere every index is costed
        whole: HypoPG sizes `(a, b)` above `(a)` even where their entries take the same bytes,
        and B-tree deduplication makes the narrower one smaller for real (TPC-H's
        `(o_custkey)` against `(o_custkey, o_orderdate)` changed its 1 GB set when costed alike)."""
        return self._part(parsed, candidate)[0]

    def uses_alike(self, parsed: ParsedStatement, wide: Candidate, narrow: Candidate) -> bool:
        """Whether the statement's plan can use `wide` only as it uses `narrow`: a B-tree with the
        same WHERE whose keys begin with narrow's, whose other key columns the statement names
        nowhere (an INCLUDE column serves nothing but an index-only scan), and that it cannot
        read from alone (no index-only scan). Its plan
        with wide then is its plan with narrow on a bigger index: no cheaper, and costlier only
        by the index's size, so a greedy that swaps narrow for wide takes the statement's cost
        with narrow instead of asking (TPC-H: 40% of the calls costing grown indexes)."""
        prefix = wide.keys[:len(narrow.keys)] == narrow.keys and (wide.where, wide.method) == (narrow.where, narrow.method)
        uses = self._uses_of(parsed).get((wide.schema, wide.table), [])
        return (wide.schema, wide.table) == (narrow.schema, narrow.table) and _alike(uses, self._of(wide).shape, self._of(narrow).shape, prefix)

    def _part(self, parsed: ParsedStatement, c: Candidate) -> tuple[Candidate | None, HypoIndex | None]:
        """usable_part and its hypothetical index, cached by the candidate object (kept alive with
        them, so that its id stays its own): the hot path of every what-if question."""
        fp = parsed.statement.fingerprint
        known = self._parts.get(fp)
        if known is None:
            known = self._parts[fp] = {}
        hit = known.get(id(c))
        if hit is None or hit[0] is not c:
            of = self._of(c)
            part = _usable_part(self._uses_of(parsed).get((c.schema, c.table), []), c, of.shape, fp in self._crowded, self._cut)
            hypo = None if part is None else of.hypo if part is c else self._of(part).hypo
            hit = known[id(c)] = (c, part, hypo)
        return hit[1], hit[2]

    def _uses_of(self, parsed: ParsedStatement) -> dict[tuple[str, str], list[_Use]]:
        """_uses() of the statement, read once."""
        fp = parsed.statement.fingerprint
        if fp not in self._uses:
            self._uses[fp] = _uses(parsed, self.catalog)
        return self._uses[fp]

    def _of(self, c: Candidate) -> _Worked:
        """What is worked out once per candidate object (by id, kept alive with it)."""
        hit = self._worked.get(id(c))
        if hit is None or hit[0] is not c:
            hit = self._worked[id(c)] = (c, _Worked(_shape(c), self.hypo(c)))
        return hit[1]

    def _cut(self, c: Candidate, keep: int) -> Candidate:
        """The index with only its first `keep` keys and no INCLUDE columns, where its entries take
        the same bytes on a page that way (the same size, so nearly the same cost); else the index."""
        cuts = self._of(c).cuts
        if keep not in cuts:
            table = self.catalog.tables.get(f"{c.schema}.{c.table}") if self.catalog is not None else None
            part = Candidate(c.schema, c.table, c.keys[:keep], [], c.where, c.method)
            cuts[keep] = part if entry_bytes(table, part.keys, []) == entry_bytes(table, c.keys, c.include) else c
        return cuts[keep]

    def plan(self, parsed: ParsedStatement, config: Iterable[Candidate]) -> Plan | None:
        plans = self._plans(parsed, config)
        return min(plans, key=lambda plan: self.robust(plan, parsed)) if plans else None

    def robust(self, plan: Plan, parsed: ParsedStatement) -> float:
        """The plan's cost, with the LIMIT trap priced in (model.past_early_stop): between the
        LIMIT's cost and its input's, by the share of rows the filter keeps: the selectivity
        (pg_stats) of the statement's predicates on the filtered table that the scan's filter
        checks (_rejects); unknown (a join filters), it is none. Where the statement reads that
        table more than once (a queue's claim: the UPDATE's target, and the subquery that picks its
        rows), the reading whose filters keep the fewest rows: the plan does not say which it is."""
        early = plan.early_stop
        if early is None:
            return plan.cost
        kept = 0.0
        table = self.catalog.find(early.relation) if self.catalog is not None and early.relation else None
        accesses = [a for a in parsed.accesses if early.relation and a.table.name == early.relation and a.kind != "insert"]
        if table is not None and accesses:
            kept = min(TableStats().combined_selectivity(table, [q for q in filters(a) if _rejects(q, early)]) for a in accesses)
        return past_early_stop(early.limit_cost, early.input_cost, kept)

    def _configuration(self, parsed: ParsedStatement, config: Iterable[Candidate]) -> tuple[list[tuple[Candidate, HypoIndex]], list[HypoIndex]]:
        """What the statement is explained with: each index of `config` it can use, with the
        hypothetical index of its usable part; and the configuration to explain (those parts,
        once each, and the copies of the existing B-trees)."""
        mine = []
        for c in config:
            h = self._part(parsed, c)[1]
            if h is not None:
                mine.append((c, h))
        tables = sorted({str(a.table) for a in parsed.accesses})
        hypos = list(dict.fromkeys(h for _, h in mine)) + [copy for t in tables for copy in self.copies.get(t, [])]
        return mine, hypos

    def _plans(self, parsed: ParsedStatement, config: Iterable[Candidate],
               configuration: tuple[list[tuple[Candidate, HypoIndex]], list[HypoIndex]] | None = None) -> list[Plan]:
        """The statement's plan, and for each table that a partial or expression candidate
        of the configuration is on, the plan of the statement led by that table when
        that plan uses one of them (leading.py: HypoPG matches those on the first table only).
        A statement the planner takes without candidates but not with some (HypoPG refuses a
        hypothetical index) has no cost with those, and keeps its costs with the others."""
        fp = parsed.statement.fingerprint
        if fp in self.failures:
            return []
        mine, hypos = configuration or self._configuration(parsed, config)
        if (fp, frozenset(hypos)) in self._refused:
            return []
        try:
            plans = [self.whatif.cost(fp, self.text(parsed), hypos)]
        except CostingInterrupted as exc:
            if not mine or fp not in self._baseline:
                self.failures[fp] = str(exc)
                return []
            self.interrupted[fp] = str(exc)
            return [self._baseline[fp]]  # its last known cost: the candidates count for nothing here
        except StatementNotExplainable as exc:
            if not mine or fp not in self._baseline:
                self.failures[fp] = str(exc)
            else:
                self.refused.setdefault(fp, str(exc))
                self._refused.add((fp, frozenset(hypos)))
            return []
        if not mine:
            self._baseline[fp] = plans[0]
        sensitive: dict[tuple[str, str], set[HypoIndex]] = {}
        for c, h in mine:
            if c.where or any(k.expression for k in c.keys):
                sensitive.setdefault((c.schema, c.table), set()).add(h)
        for (schema, table), wanted in sorted(sensitive.items()):
            led = self._led(parsed, schema, table)
            if led is None:
                continue
            try:
                plan = self.whatif.cost(f"{fp}@{schema}.{table}", led, hypos)
            except StatementNotExplainable:
                self._leading[(fp, schema, table)] = None  # the rewrite is the advisor's; the statement is fine
                continue
            if plan.indexes_used & wanted:
                plans.append(plan)
        return plans

    def _led(self, parsed: ParsedStatement, schema: str, table: str) -> str | None:
        key = (parsed.statement.fingerprint, schema, table)
        if key not in self._leading:
            self._leading[key] = lead_with(self.text(parsed), schema, table)
        return self._leading[key]

    def parallel(self, jobs: int | None) -> None:
        """Cost prefetch()ed statements over this many database sessions (None: WhatIf's default)."""
        self.whatif.parallel(jobs)

    def close(self) -> None:
        self.whatif.close()

    def prefetch(self, requests: Iterable[tuple[ParsedStatement, list[Candidate]]]) -> None:
        """Explain these (statement, configuration) pairs ahead, in parallel where parallel()
        allows: the answers later calls get, and the EXPLAINs they count, are the same."""
        if self.whatif.jobs <= 1:
            return
        batch = []
        for parsed, config in requests:
            fp = parsed.statement.fingerprint
            hypos = frozenset(self._configuration(parsed, config)[1]) if fp not in self.failures else None
            if hypos is not None and (fp, hypos) not in self._refused:
                batch.append((fp, self.text(parsed), hypos))
        self.whatif.prefetch(batch)

    def text(self, parsed: ParsedStatement) -> str:
        """The statement as explained: an IN or VALUES list of thousands of values cut to its
        first pg.lexing.LIST_LIMIT (each EXPLAIN would otherwise send and plan all of them), and
        pg_stat_statements' `interval $1` written as `$1::interval`."""
        fp = parsed.statement.fingerprint
        if fp not in self._texts:
            self._texts[fp], notes = bound_lists(typed_parameters(parsed.statement.sql))
            if notes:
                self._bounded[fp] = notes
        return self._texts[fp]

    def statement_cost(self, parsed: ParsedStatement, config: Iterable[Candidate]) -> float | None:
        config = list(config)
        return worst_over_keys(lambda p: self._one_cost(p, config), parsed)

    def _one_cost(self, parsed: ParsedStatement, config: list[Candidate]) -> float | None:
        plan = self.plan(parsed, config)
        return self._expression_corrected(self.robust(plan, parsed), plan, parsed, config) if plan else None

    def _expression_corrected(self, cost: float, plan: Plan, parsed: ParsedStatement, config: list[Candidate]) -> float:
        """The cost of a one-table statement whose plan uses a hypothetical expression index, with
        the rows its equality matches estimated from the base column's statistics.

        The planner has no statistics for an expression no real index has, so it assumes
        DEFAULT_EQ_SEL (0.5% of the rows) for `lower(email) = $1`; pg_stats of email says
        how distinct it is, and lower() keeps it about as distinct. The index scan's cost
        grows with the rows it fetches, so the plan's cost is scaled by the ratio of the two
        estimates, never below a one-row lookup (EXPRESSION_FLOOR), and the statement says so.
        """
        accesses = [a for a in parsed.accesses if a.kind != "insert"]
        if self.catalog is None or len(accesses) != 1 or not plan.indexes_used:
            return cost
        access = accesses[0]
        if all(q.expression is None for q in access.predicates):
            return cost
        table = self.catalog.tables.get(str(access.table))
        used = [c for c in config if any(k.expression for k in c.keys) and self.hypo(c) in plan.indexes_used]
        refs = {signature(k.expression) for c in used for k in c.keys if k.expression}
        pred = next((q for q in access.predicates if q.expression is not None and q.column in refs
                     and q.kind in (PredKind.EQ, PredKind.IN)), None)
        if table is None or not table.has_stats or pred is None or cost <= EXPRESSION_FLOOR:
            return cost
        assumed = min(1.0, DEFAULT_EQ_SEL * max(pred.values, 1))
        ours, source = TableStats().selectivity(table, pred), "pg_stats of its column"
        if ours >= assumed:  # no column statistic says more (data->>'key'): ask a bounded sample
            key = next(k.expression for c in used for k in c.keys if k.expression and signature(k.expression) == pred.column)
            sampled = self._sampled(table, key)
            if sampled is None:
                return cost
            ours, source = min(1.0, sampled[0] * max(pred.values, 1)), f"a sample of {sampled[1]:,} of its table's rows"
        if ours >= assumed:
            return cost
        corrected = max(EXPRESSION_FLOOR, cost * ours / assumed)
        self._expression_notes[parsed.statement.fingerprint] = (
            f"with the expression index on {pred.expression} the planner assumed its default selectivity ({assumed:.1%} "
            f"of the rows: no statistics exist for an expression no real index has); from {source} it "
            f"matches about {ours:.4%}, so that plan is counted at {corrected:,.1f} instead of {cost:,.1f}")
        return corrected

    def _sampled(self, table: Table, expression: str) -> tuple[float, int] | None:
        """The share of rows one value of an expression of the table's columns matches, and the rows
        it was measured on: from at most SAMPLE_ROWS rows of a block sample (TABLESAMPLE SYSTEM,
        REPEATABLE: the same rows on every run), read in the advisor's read-only session under a
        statement timeout of SAMPLE_TIMEOUT_MS; None when that fails or finds nothing."""
        key = (str(table.qname), expression)
        if key not in self._samples:
            share = min(100.0, max(0.001, 100.0 * 2 * SAMPLE_ROWS / max(table.row_estimate or 0.0, 1.0)))
            sample = (f"WITH s AS (SELECT ({expression}) AS v FROM {qualified(table.schema, table.name)} "
                      f"TABLESAMPLE SYSTEM ({share:.3f}) "
                      f"REPEATABLE (0) LIMIT {SAMPLE_ROWS}) "
                      "SELECT count(*) AS sampled, count(v) AS non_null, count(DISTINCT v) AS distinct_values, "
                      "(SELECT count(*) FROM (SELECT 1 FROM s WHERE v IS NOT NULL GROUP BY v HAVING count(*) = 1) o) AS once "
                      "FROM s")
            try:
                rows = db.run_batch(self.whatif.conn, [f"SET LOCAL statement_timeout = {SAMPLE_TIMEOUT_MS}", sample],
                                    what="sampling an expression's values")[1]
            except DatabaseError:
                rows = []
            found = None
            if rows:
                r = rows[0]
                sel = sampled_eq_selectivity(int(r["sampled"]), int(r["non_null"]), int(r["distinct_values"]),
                                             int(r["once"]), table.row_estimate or float(r["sampled"]))
                found = (sel, int(r["sampled"])) if sel is not None else None
            self._samples[key] = found
        return self._samples[key]

    def offer(self, parsed: ParsedStatement, candidates: list[Candidate]) -> None:
        """A statement offered more than CROWDED candidates is costed with their usable parts
        (usable_part); said before any of them is costed with it, in whatever order (prefetch)."""
        if len(candidates) > CROWDED:
            self._crowded.update(p.statement.fingerprint for p in [parsed, *parsed.variants])

    def ideal(self, parsed: ParsedStatement, candidates: list[Candidate]) -> tuple[float | None, list[Candidate]]:
        return ideal_over_keys(lambda p: self._one_ideal(p, candidates), parsed)

    def _one_ideal(self, parsed: ParsedStatement, candidates: list[Candidate]) -> tuple[float | None, list[Candidate]]:
        """The statement's cost with every candidate available, and the ones its plans use: of
        the candidates whose usable part a plan uses, the narrowest (the planner's own choice
        between a smaller and a bigger index that serve the statement alike).

        Where that plan hangs on the LIMIT trap, the planner chose it by the early stop's cost,
        which no configuration undercuts by the planner's own estimate, but which robust() counts
        higher: the cost returned is then that estimate, the least any of these candidates can
        make the statement cost, not the trap plan's robust cost (a filter-leading index that
        stops early for real would look no better than the baseline, and never be tried)."""
        configuration = self._configuration(parsed, candidates)
        plans = self._plans(parsed, candidates, configuration)
        if not plans:
            return None, []
        costed = [(self._expression_corrected(self.robust(plan, parsed), plan, parsed, candidates), plan) for plan in plans]
        cost, best = min(costed, key=lambda costed_plan: costed_plan[0])
        if best.early_stop is not None:
            # the planner picked among the candidates by the LIMIT's cost, which the trap makes
            # untrustworthy: its pick says nothing about the others, so none is dominated
            return min([cost] + [plan.cost for plan in plans]), list(candidates)
        used = set().union(*(p.indexes_used for p in plans))
        narrowest: dict[HypoIndex, Candidate] = {}
        for c, h in configuration[0]:
            if h in used and (h not in narrowest or len(c.keys) + len(c.include) < len(narrowest[h].keys) + len(narrowest[h].include)):
                narrowest[h] = c
        picked = {c.spec for c in narrowest.values()}
        return cost, [c for c in candidates if c.spec in picked]

    def size(self, candidate: Candidate) -> int | None:
        """What the index takes once built: from the table's statistics (index_bytes: what CREATE
        INDEX writes); HypoPG's estimate, which runs up to several times over, only for a table
        that has none."""
        table = self._stats_table(candidate)
        if table is not None:
            return index_bytes(table, candidate, self._model)
        index = self.hypo(candidate)
        return self.whatif.sizes([index])[index]

    def sizes(self, candidates: list[Candidate]) -> None:
        """Size many candidates in one batch (later size() calls are cache hits)."""
        self.whatif.sizes([self.hypo(c) for c in candidates if self._stats_table(c) is None])

    def _stats_table(self, candidate: Candidate) -> Table | None:
        table = self.catalog.tables.get(f"{candidate.schema}.{candidate.table}") if self.catalog is not None else None
        return table if table is not None and table.has_stats else None

    def rows(self, parsed: ParsedStatement) -> float | None:
        plan = self.plan(parsed, ())
        return plan.rows if plan else None

    def scan_rows(self, parsed: ParsedStatement) -> dict[str, float]:
        plan = self.plan(parsed, ())
        return plan.scan_rows if plan else {}

    def failure(self, fingerprint: str) -> str | None:
        return self.failures.get(fingerprint)

    def early_stop(self, parsed: ParsedStatement) -> tuple[float, float] | None:
        """None also where the robust cost is the LIMIT's own (an OFFSET $n alone, whose generic
        plan stops nowhere early; a filter that keeps nearly every row): nothing hangs on the trap."""
        plan = self.plan(parsed, ())
        if plan is None or plan.early_stop is None:
            return None
        robust = self.robust(plan, parsed)
        return (plan.early_stop.limit_cost, robust) if robust > plan.early_stop.limit_cost * (1 + 1e-3) else None

    def notes(self) -> dict[str, str]:
        out = {fp: "; ".join(notes) for fp, notes in self._bounded.items()}
        for fp, text in self._expression_notes.items():
            out[fp] = f"{out[fp]}; {text}" if fp in out else text
        for fp, why in self.interrupted.items():
            text = (f"costing it with candidate indexes was cancelled twice ({why}): counted at its cost with the "
                    "existing indexes, so no proposal gains from it; run again when the database is quieter")
            out[fp] = f"{out[fp]}; {text}" if fp in out else text
        for fp, why in self.refused.items():
            text = f"the planner refused it with some candidate indexes ({why}): those count for nothing here"
            out[fp] = f"{out[fp]}; {text}" if fp in out else text
        return {fp: text for fp, text in out.items() if not is_variant(fp)}

    @property
    def whatif_calls(self) -> int:
        return self.whatif.explains
