"""What every migration writer shares: the plan of changes, markers, numbering and file writing.

A *change* is one index to create (a proposal) or to drop (a health finding, only
with --include-drops), with the one SQL statement that does it and the one that
undoes it. Every writer puts one change in one migration, so a failed concurrent
build is retried alone, and marks each file with the change it holds
(`indexadvisor-change: create schema.name`): a later run reads those markers in
--out and writes only what is new, so unchanged advice makes no churn.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from indexadvisor.errors import InputError
from indexadvisor.fileio import write_atomic
from indexadvisor.model import Finding, Recommendation, Report
from indexadvisor.pg.sql import create_index_sql, drop_index_sql, qualified
from indexadvisor.sources.sqlfile import split_statements

DROP_KINDS = ("unused_index", "duplicate_index", "redundant_index", "invalid_index")
MARKER = "indexadvisor-change:"
_MARKER_RE = re.compile(r"indexadvisor-change: (create|drop) (.+?)\s*$", re.M)
_LOCK_TIMEOUT_RE = re.compile(r"^\d+(\.\d+)?\s*(us|ms|s|min|h|d)?$")
_MS_PER_UNIT = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_CREATE_INDEX_RE = re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY\b)", re.I)
_DROP_INDEX_RE = re.compile(r"^\s*DROP\s+INDEX\s", re.I)
_SCANNED_SUFFIXES = (".sql", ".py", ".rb")


@dataclass
class Change:
    action: str  # create | drop
    schema: str
    table: str
    name: str  # the index
    up: str  # one SQL statement
    down: str | None  # one SQL statement; None when it cannot be undone (drop without a definition)
    comment: list[str]  # why, a few short lines
    recommendation: Recommendation | None = None
    finding: Finding | None = None
    # why the down step is left empty on purpose (a dropped INVALID index): undoing the change does nothing
    no_down: str | None = None
    # an index on a partitioned table: its statements in order (ON ONLY the parent, each partition's index
    # concurrently, attached), each sent on its own; `up` is the first, `down` drops them all
    steps: list[str] = field(default_factory=list)

    @property
    def ups(self) -> list[str]:
        """The statements of the up step, each to be sent on its own."""
        return self.steps or [self.up]

    @property
    def qualified_name(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def marker(self) -> str:
        return f"{MARKER} {self.action} {self.qualified_name}"

    @property
    def slug(self) -> str:
        return slugify(f"{'add' if self.action == 'create' else 'drop'}_index_{self.name}")

    @property
    def irreversible_reason(self) -> str:
        return f"cannot recreate index {self.qualified_name}: the report did not carry its definition"


@dataclass
class MigrateOptions:
    include_drops: bool = False
    lock_timeout: str | None = "5s"  # None: no SET lock_timeout
    now: datetime | None = None  # for timestamped file names; default SOURCE_DATE_EPOCH, else the clock
    rails_version: str | None = None  # the app's Rails, e.g. 7.0 (default: its Gemfile.lock, else its migrations)


@dataclass
class MigrateResult:
    tool: str
    out: Path
    written: list[Path] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # changes already in --out
    notes: list[str] = field(default_factory=list)


def parse_lock_timeout(value: str | None) -> str | None:
    """'5s', '500ms', '1min' ...; '0', 'off' or 'none' for no lock_timeout."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("0", "off", "none", ""):
        return None
    match = _LOCK_TIMEOUT_RE.match(text)
    if not match:
        raise InputError(f"--lock-timeout: {value!r} is not a duration like 5s, 500ms or 1min (0 for none)")
    # PostgreSQL keeps whole milliseconds: a positive value under 1ms rounds to 0, which means no timeout
    if 0 < float(text[: match.start(2)] if match.group(2) else text) * _MS_PER_UNIT[match.group(2) or "ms"] < 1:
        raise InputError(f"--lock-timeout: {value!r} is under 1ms, which PostgreSQL rounds to 0 (no timeout); "
                         "give at least 1ms, or 0 for none")
    return text.replace(" ", "")


def set_lock_timeout(timeout: str) -> str:
    return f"SET lock_timeout = '{timeout}';"


RESET_LOCK_TIMEOUT = "RESET lock_timeout;"


def plan(report: Report, include_drops: bool = False) -> list[Change]:
    """The changes a report asks for: creates in the report's order (best first), then drops."""
    by_fp = {s.fingerprint: s for s in report.statements}
    changes: list[Change] = []
    for r in report.recommendations:
        up = create_index_sql(r.name, r.schema, r.table, r.keys, r.include, r.where, r.method,
                              concurrently=True, if_not_exists=False)
        steps = partitioned_steps(r.ddl)
        served = [by_fp[fp] for fp in r.statements if fp in by_fp]
        comment = [f"Proposed by indexadvisor for {r.schema}.{r.table}: serves {len(served)} statement shape(s)"
                   + (f", estimated benefit {r.estimate.benefit:,.0f}" if r.estimate else "") + "."]
        comment += [f"Why: {r.reason}"] if r.reason else []
        comment += [f"Statement: {s.location}" for s in served[:3]]
        if steps:
            comment.append(f"{r.schema}.{r.table} is partitioned, and PostgreSQL refuses CREATE INDEX CONCURRENTLY on it: "
                           "the index is made ON ONLY the parent (invalid until every partition's index is attached), "
                           "then each partition's is built concurrently and attached")
            changes.append(Change("create", r.schema, r.table, r.name, steps[0], partitioned_down(r.schema, r.name, steps), comment,
                                  recommendation=r, steps=steps))
        else:
            changes.append(Change("create", r.schema, r.table, r.name, up, drop_index_sql(r.schema, r.name),
                                  comment, recommendation=r))
    if include_drops:
        creating = {c.qualified_name for c in changes}
        seen: set[str] = set()
        for f in drop_findings(report)[0]:
            schema, table = split_table(f.table)
            index = f.index or ""  # drop findings all name one
            name = index[len(schema) + 1:] if index.startswith(schema + ".") else index  # "schema.name"
            q = qualified(schema, name)
            if q in seen or q in creating:
                continue
            seen.add(q)
            comment = [f"Health check ({f.kind}) on {schema}.{table}: {f.evidence}".rstrip()]
            if f.related:
                comment.append(f"Related index: {f.related}")
            # the finding's own DROP when it is one statement: it knows when CONCURRENTLY is refused (a partitioned index)
            up = f.ddl.strip() if f.ddl and f.ddl.count(";") <= 1 else drop_index_sql(schema, name)
            down, no_down = recreate_sql(f.definition), None
            if f.kind == "invalid_index":
                down, no_down = None, invalid_no_down(q, f.definition)
                comment.append(f"No down step: {no_down}")
            changes.append(Change("drop", schema, table, name, up if up.endswith(";") else up + ";",
                                  down, comment, finding=f, no_down=no_down))
    return changes


_ON_ONLY = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s.*?\sON\s+ONLY\s", re.I | re.S)
_ATTACH = re.compile(r"^\s*ALTER\s+INDEX\s+(.+?)\s+ATTACH\s+PARTITION\s+(.+?);?\s*$", re.I | re.S)


def partitioned_steps(ddl: str) -> list[str]:
    """The statements of a proposal's DDL when it is the partitioned form (ON ONLY the parent, each partition
    concurrently, attached: pg/sql.py create_partitioned_index_sql), else none."""
    statements = [s.sql.strip() for s in split_statements(ddl)]
    if not statements or not _ON_ONLY.match(statements[0]):
        return []
    return [s if s.endswith(";") else s + ";" for s in statements]


def partitioned_down(schema: str, name: str, steps: list[str]) -> str:
    """Undo a partitioned proposal: drop the parent's index, which drops the partitions' indexes attached
    to it, then any partition's index left unattached by a run that stopped part way. Plain DROP INDEX,
    in one message: a partitioned index cannot be dropped concurrently."""
    children = [m.group(2) for m in map(_ATTACH.match, steps) if m]
    return "\n".join(f"DROP INDEX IF EXISTS {index};" for index in dict.fromkeys([qualified(schema, name), *children]))


def drop_findings(report: Report) -> tuple[list[Finding], list[Finding]]:
    """The health findings that name an index to drop: those that carry a DROP statement, and the others.

    Only a finding with drop DDL is advice to drop (an unused index whose counters are too
    young, or the only index serving a foreign key, is a low note without one); an index
    that some finding drops is not also among the others.
    """
    naming = sorted((f for f in report.findings if f.kind in DROP_KINDS and f.index),
                    key=lambda f: (f.table, f.index or "", f.kind))
    kept = [f for f in naming if f.ddl and _DROP_INDEX_RE.match(f.ddl)]
    dropped = {f.index for f in kept}
    others: list[Finding] = []
    for f in naming:
        if f.index not in dropped and not any(o.index == f.index for o in others):
            others.append(f)
    return kept, others


def drop_notes(report: Report, include_drops: bool) -> list[str]:
    """What `migrate` says of the health findings: the drops it could add, or those it left out and why."""
    kept, others = drop_findings(report)
    if not include_drops:
        indexes = {f.index for f in kept}
        return [f"{len(indexes)} index(es) health findings advise dropping: pass --include-drops to add them"] if indexes else []
    return [f"left out of the drops: {f.index} ({f.kind}, {f.severity}): the finding carries no DROP statement, "
            f"so it is not advice to drop the index: {f.evidence}".rstrip(": ") for f in others]


def invalid_no_down(index: str, definition: str | None) -> str:
    """Why undoing the drop of an INVALID index does nothing."""
    unique = bool(definition and re.match(r"^\s*CREATE\s+UNIQUE\b", definition, re.I))
    return (f"{index} was INVALID (a failed build), so it served no query; recreating it would fail again"
            + (" (a UNIQUE one on the duplicates that broke it, then 'already exists' on every retry)" if unique else "")
            + " and leave the rollback stuck: rebuild it by hand once its cause is fixed")


def split_table(table: str) -> tuple[str, str]:
    """'schema.table' (as findings name tables) into its parts; no schema means public."""
    schema, dot, name = table.partition(".")
    return (schema, name) if dot else ("public", table)


def recreate_sql(definition: str | None) -> str | None:
    """An index definition (pg_get_indexdef) as a concurrent CREATE; parents of partitions cannot be built concurrently."""
    if not definition or not definition.strip():
        return None
    text = definition.strip().rstrip(";").strip()
    if " ON ONLY " not in text.upper():
        text = _CREATE_INDEX_RE.sub(lambda m: m.group(0) + "CONCURRENTLY ", text, count=1)
    return text + ";"


def is_concurrent(sql: str | None) -> bool:
    return sql is not None and " CONCURRENTLY " in f" {sql.upper()} "


def no_down_sql(change: Change) -> str:
    """A down statement that does nothing but say why (a notice), for a change with no down step on purpose."""
    message = f"indexadvisor: no down step: {change.no_down}".replace("'", "''")
    return f"DO $indexadvisor$ BEGIN RAISE NOTICE '{message}'; END $indexadvisor$;"


def down_sql(change: Change) -> str:
    """The one down statement of a change: its own, a notice when it has none on purpose, else a refusal."""
    if change.down:
        return change.down
    return no_down_sql(change) if change.no_down else irreversible_sql(change)


def irreversible_sql(change: Change) -> str:
    """A down statement that refuses, loudly, instead of silently doing nothing."""
    message = f"indexadvisor: {change.irreversible_reason}".replace("'", "''")
    return f"DO $indexadvisor$ BEGIN RAISE EXCEPTION '{message}'; END $indexadvisor$;"


def existing_markers(out: Path) -> set[str]:
    """The changes already written to --out (by any earlier run), by marker."""
    return {marker for _, _, markers in _marked(out) for marker in markers}


def _marked(out: Path) -> list[tuple[Path, str, set[str]]]:
    """The files in --out that carry markers: (path, text, markers)."""
    found: list[tuple[Path, str, set[str]]] = []
    if not out.is_dir():
        return found
    for path in sorted(out.rglob("*")):
        if path.suffix in _SCANNED_SUFFIXES and path.is_file():
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            markers = {f"{MARKER} {m.group(1)} {m.group(2)}" for m in _MARKER_RE.finditer(text)}
            if markers:
                found.append((path, text, markers))
    return found


# a tool's check of one file it wrote: what is wrong with it (cut short, its pair missing), or None
Incomplete = Callable[[Path, str], str | None]
SHOWN_BROKEN = 5


def pending(changes: list[Change], out: Path, result: MigrateResult, incomplete: Incomplete | None = None) -> list[Change]:
    """Changes not yet in --out; the others are listed as unchanged.

    Every marked file found is first checked with the tool's `incomplete`: one that an
    earlier run left cut short or without its down file is not taken as done, it is an
    InputError naming it (the folder needs a hand: the tool may have applied part of it).
    """
    marked = _marked(out)
    broken = [f"{path.relative_to(out)} ({why})" for path, text, _ in marked
              if incomplete is not None and (why := incomplete(path, text))]
    if broken:
        shown = "; ".join(broken[:SHOWN_BROKEN]) + (f"; and {len(broken) - SHOWN_BROKEN} more" if len(broken) > SHOWN_BROKEN else "")
        raise InputError(f"{out}: {len(broken)} migration file(s) written by an earlier run are incomplete, so their changes "
                         f"are not taken as done: {shown}; delete them (with the rest of their migration) and run again")
    have = {marker for _, _, markers in marked for marker in markers}
    todo = []
    for c in changes:
        if c.marker in have:
            result.unchanged.append(f"{c.action} {c.qualified_name}")
        else:
            todo.append(c)
    return todo


_SENTINEL = "SELECT 'indexadvisor: end of file'"


def sql_cut_short(text: str) -> str | None:
    """Why a SQL text is not whole (a statement or a quote left open, no statement at all), or None.

    A statement appended after the text stays a statement of its own only when the text
    ends between statements.
    """
    statements = [s.sql for s in split_statements(text + "\n;" + _SENTINEL + ";")]
    if not statements or statements[-1] != _SENTINEL:
        return "cut short"
    return None if len(statements) > 1 else "no statement"


def missing(path: Path) -> str | None:
    return None if path.is_file() else f"no {path.name}"


def up_down_incomplete(path: Path, text: str) -> str | None:
    """For `<name>.up.sql` / `<name>.down.sql` pairs (psql files, golang-migrate): the pair and each file whole."""
    m = re.match(r"^(.+)\.(up|down)\.sql$", path.name)
    if not m:
        return None
    other = path.with_name(f"{m.group(1)}.{'down' if m.group(2) == 'up' else 'up'}.sql")
    return missing(other) or sql_cut_short(text)


def slugify(text: str, limit: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if len(slug) > limit:
        slug = slug[: limit - 9].rstrip("_") + "_" + hashlib.sha1(text.encode()).hexdigest()[:8]
    return slug or "indexadvisor"


def unique_slugs(changes: Iterable[Change]) -> list[str]:
    """Slugs for a batch, made unique where two names fold to the same one."""
    out: list[str] = []
    for c in changes:
        slug = c.slug
        if slug in out:
            slug = f"{slug}_{hashlib.sha1(c.qualified_name.encode()).hexdigest()[:6]}"
        out.append(slug)
    return out


def comment_block(lines: Iterable[str], prefix: str = "--") -> str:
    """Comment lines; text from the report cannot break out of the comment (its newlines start new comment lines)."""
    split = [part for line in lines for part in str(line).splitlines() or [""]]
    return "\n".join(f"{prefix} {line}".rstrip() for line in split) + "\n"


def failure_hint(change: Change) -> list[str]:
    if change.steps:
        return [
            "CREATE INDEX CONCURRENTLY cannot run in a transaction block. If a partition's build fails it leaves an",
            "INVALID index behind: DROP INDEX CONCURRENTLY IF EXISTS <that index>; then run this migration again",
            "(every statement in it can run again).",
        ]
    if change.action == "create":
        return [
            "CREATE INDEX CONCURRENTLY cannot run in a transaction block. If it fails it leaves an INVALID index",
            f"behind: DROP INDEX CONCURRENTLY IF EXISTS {change.qualified_name}; then run this migration again.",
        ]
    return ["DROP INDEX CONCURRENTLY cannot run in a transaction block."]


def now_utc(options: MigrateOptions) -> datetime:
    if options.now is not None:
        return options.now.astimezone(UTC) if options.now.tzinfo else options.now.replace(tzinfo=UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


def timestamps(options: MigrateOptions, existing: Iterable[str], count: int) -> list[str]:
    """`count` YYYYMMDDHHMMSS versions, one second apart, all after every existing version."""
    start = now_utc(options).replace(microsecond=0)
    latest = max((v for v in existing if len(v) == 14 and v.isdigit()), default=None)
    if latest is not None:
        last = datetime.strptime(latest, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        if start <= last:
            start = last + timedelta(seconds=1)
    return [(start + timedelta(seconds=i)).strftime("%Y%m%d%H%M%S") for i in range(count)]


def versions_in(out: Path, pattern: re.Pattern[str]) -> list[str]:
    """The version numbers (the pattern's first group) of the migration files already in `out`."""
    if not out.is_dir():
        return []
    return [m.group(1) for m in (pattern.match(p.name) for p in out.iterdir()) if m]


def sequence(existing: Iterable[int], count: int) -> list[int]:
    start = max(existing, default=0) + 1
    return list(range(start, start + count))


def write_file(path: Path, text: str, result: MigrateResult) -> None:
    """Write one migration file, whole (atomically); one already there with the same text is left as is."""
    try:
        if path.exists():
            if path.read_text(encoding="utf-8") == text:
                return
            raise InputError(f"{path}: exists with other content; not overwriting it")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text, overwrite=False)  # the whole file or none: a rerun never finds half of one
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from None
    result.written.append(path)


def ensure_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: not a folder")


@dataclass
class Unit:
    """One migration holding exactly one statement each way, for runners that send a file as one message."""

    slug: str
    up: str
    down: str
    comment: list[str]


ONE_MESSAGE_HINT = [
    "This runner sends a file as one message, and PostgreSQL runs the statements of one message as one",
    "transaction, where CONCURRENTLY is refused: so this file holds exactly one statement.",
]


def single_statement_units(changes: list[Change], options: MigrateOptions) -> list[Unit]:
    """The changes as one-statement migrations, each saying how to give it a lock_timeout.

    The runners that send a file as one message (golang-migrate, dbmate, Prisma) cannot
    set the timeout in the file: `SET` and `CREATE INDEX CONCURRENTLY` in one message run
    as one transaction, where CONCURRENTLY is refused (25001). A `SET` in a migration of
    its own is recorded as applied and not run again, so a retry after a failed build
    (a new session) would wait with no timeout. The timeout belongs on the connection,
    which every run opens anew: each file's comment gives the connection option.
    """
    hint = [*ONE_MESSAGE_HINT, *connection_lock_timeout(options)]
    units = []
    for c, slug in zip(changes, unique_slugs(changes)):
        comment = [c.marker, *c.comment, *failure_hint(c), *hint]
        units.append(Unit(slug, c.up, down_sql(c), comment))
        for n, step in enumerate(c.steps[1:], 2):  # a partitioned table's: one file per statement too
            units.append(Unit(f"{slug}_{n}", step, no_down_sql(replace(c, no_down=PARTITION_STEP_NO_DOWN)),
                              [f"Step {n} of {len(c.steps)} of {c.qualified_name}; {c.marker}", *failure_hint(c), *hint]))
    return units


PARTITION_STEP_NO_DOWN = ("undone by the first migration of this index: dropping the parent's index drops the "
                          "partitions' indexes attached to it (an attached index cannot be detached or dropped alone)")


def lock_timeout_option(timeout: str) -> str:
    """The lock_timeout as a connection URL parameter (libpq's `options`, sent at connection start)."""
    return "options=" + quote(f"-c lock_timeout={timeout}", safe="")


def connection_lock_timeout(options: MigrateOptions) -> list[str]:
    """Comment lines for a one-message runner's file: where its lock_timeout goes."""
    if not options.lock_timeout:
        return []
    return [
        f"lock_timeout {options.lock_timeout}: it cannot be SET in this file (it would share the message with",
        "CONCURRENTLY), and a SET in a migration of its own is not run again when this one is retried. Give it",
        f"on the connection instead, so it holds on every run: add {lock_timeout_option(options.lock_timeout)}",
        "to the database URL's query string (?... or &...).",
    ]


def connection_lock_timeout_note(tool: str, options: MigrateOptions, url_example: str) -> list[str]:
    """The migrate command's note for a one-message runner: the connection option that sets lock_timeout."""
    if not options.lock_timeout:
        return []
    option = lock_timeout_option(options.lock_timeout)
    return [f"{tool} sends each file as one message, so lock_timeout {options.lock_timeout} goes on the connection, "
            f"where it holds on every run and retry: add {option} to the database URL, e.g. {url_example.format(option=option)}"]
