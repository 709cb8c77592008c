"""The library's entry points (analyze, advise, health), and the one place that names the
pipeline's stages in order:

    read the workload (sources/) and the catalog (catalog/)
    -> access patterns per statement (extract/)
    -> candidates per access (candidates/), costed (costing/) and chosen as a set (select/)
    -> reconciled with the health checks (health/)
    -> one Report, which the renderers (report/) turn into tables, JSON, CI output, migrations.

The CLI (cli/) is a thin layer over these functions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from indexadvisor import health as _health
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.catalog.live import read_catalog
from indexadvisor.catalog.snapshot import read_snapshot
from indexadvisor.costing import Coster
from indexadvisor.costing.hypopg import PlannerCoster, WhatIf, enable, hypopg_version
from indexadvisor.costing.stats import StatsCoster
from indexadvisor.errors import InputError
from indexadvisor.extract.patterns import (
    Extractor,
    StatementParseError,
    UnsupportedStatement,
)
from indexadvisor.extract.representative import key_variants
from indexadvisor.model import (
    Candidate,
    Catalog,
    ParsedStatement,
    Recommendation,
    Report,
    SourceError,
    Statement,
    StatementReport,
    Table,
    Workload,
    variant_fingerprint,
)
from indexadvisor.pg import session as db
from indexadvisor.pg.sql import create_index_sql, create_partitioned_index_sql, index_name
from indexadvisor.select import advisor as selection
from indexadvisor.select.options import SelectionOptions
from indexadvisor.select.pool import Rank
from indexadvisor.select.state import Advice
from indexadvisor.sources import progress as progress_mod
from indexadvisor.sources.files import (
    WORKLOAD_SUFFIXES,
    SourceOptions,
    check_options,
    read_workload_file,
)
from indexadvisor.sources.pgss import read_pg_stat_statements, write_window
from indexadvisor.sources.pgss_export import DatabaseChoice
from indexadvisor.sources.workload import WorkloadBuilder

SCHEMA_FILE = "schema.sql"
_LIBPQ_VARS = ("PGHOST", "PGPORT", "PGDATABASE", "PGSERVICE", "PGUSER", "PGHOSTADDR")


@dataclass
class Inputs:
    """Where the workload and the catalog come from, resolved from paths and options."""

    workload_files: list[Path] = field(default_factory=list)
    schema_files: list[Path] = field(default_factory=list)
    snapshot: Path | None = None
    dsn: str | None = None
    live: bool = False  # read the catalog from a live database
    pg_stat_statements: bool = False
    sources: SourceOptions = field(default_factory=SourceOptions)  # --input-format, --log-line-prefix


def resolve_inputs(
    paths: Sequence[str | Path] = (),
    schema: Sequence[str | Path] = (),
    snapshot: str | Path | None = None,
    dsn: str | None = None,
    pg_stat_statements: bool = False,
) -> Inputs:
    """Expand folders and decide the catalog source, in this order: snapshot, DDL files, live."""
    inputs = Inputs(snapshot=Path(snapshot) if snapshot else None, dsn=dsn, pg_stat_statements=pg_stat_statements)
    inputs.schema_files = [f for s in schema for f in _schema_files(Path(s))]
    folder_schemas: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in WORKLOAD_SUFFIXES)
            for f in files:
                (folder_schemas if f.name == SCHEMA_FILE else inputs.workload_files).append(f)
        elif path.exists():
            inputs.workload_files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    for f in inputs.schema_files + ([inputs.snapshot] if inputs.snapshot else []):
        if not f.exists():
            raise InputError(f"{f}: no such file")
    explicit_db = bool(dsn) or pg_stat_statements
    if not inputs.schema_files and not inputs.snapshot and not explicit_db:
        inputs.schema_files = folder_schemas
    env_db = bool(os.environ.get("DATABASE_URL")) or any(os.environ.get(v) for v in _LIBPQ_VARS)
    inputs.live = not inputs.snapshot and not inputs.schema_files and (explicit_db or env_db)
    return inputs


def _schema_files(path: Path) -> list[Path]:
    """A --schema path: the file, or a folder's DDL files (.sql, compressed too) in name order."""
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(_DDL_SUFFIXES))
    if not files:
        raise InputError(f"--schema {path}: no DDL files (.sql) in this folder")
    return files


_DDL_SUFFIXES = (".sql", ".sql.gz", ".sql.bz2", ".sql.xz")


def load_catalog(inputs: Inputs, errors: list[SourceError], conn=None) -> Catalog:
    if inputs.snapshot:

        return read_snapshot(inputs.snapshot)
    if inputs.schema_files:
        first = len(errors)
        catalog = read_ddl(inputs.schema_files, errors)
        if not catalog.tables:  # an empty or wrong file: not a run with no catalog that looks like one with
            raise InputError(_no_tables(inputs.schema_files, errors[first:]))
        return catalog
    if conn is not None:

        return read_catalog(conn)
    return Catalog(source="none")


def _no_tables(files: list[Path], errors: Sequence[SourceError]) -> str:
    names = ", ".join(str(f) for f in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    message = f"no CREATE TABLE in the schema ({names}): nothing to check indexes against"
    if errors:
        message += f"; {len(errors)} problem(s) reading it, the first: {errors[0].location}: {errors[0].message}"
    return message


def load_workload(inputs: Inputs, conn=None) -> Workload:
    builder = WorkloadBuilder(substitute_params=inputs.sources.substitute_params)
    for path in inputs.workload_files:
        read_workload_file(path, builder, inputs.sources)
    if inputs.pg_stat_statements and conn is not None:

        read_pg_stat_statements(conn, builder)
    return builder.build()


def analyze(
    paths: Sequence[str | Path] = (),
    *,
    schema: Sequence[str | Path] = (),
    snapshot: str | Path | None = None,
    dsn: str | None = None,
    pg_stat_statements: bool = False,
    options: SelectionOptions | None = None,
    hypopg: bool = True,
    enable_hypopg: bool = False,
    input_format: str | None = None,
    log_line_prefix: str | None = None,
    substitute_params: bool = True,
    database: str | None = None,
) -> Report:
    """Read a workload and a catalog, and return the advice as a Report.

    Workload files are SQL, PostgreSQL logs (stderr, csvlog, jsonlog),
    pg_stat_statements exports, or Prisma/Django query logs, told apart by their
    content unless `input_format` names one (see indexadvisor.sources.detect). Of a pg_stat_statements
    export that holds several databases, the rows of `database` (a name or an OID) are read, by default
    those of the live catalog's (or its snapshot's) database (see indexadvisor.sources.pgss_export).

    With a live database that has HypoPG (or `enable_hypopg`, which creates the
    extension), candidates are costed by the planner; otherwise by statistics.
    """
    inputs = resolve_inputs(paths, schema, snapshot, dsn, pg_stat_statements)
    inputs.sources = SourceOptions(input_format, log_line_prefix, substitute_params,
                                   database=DatabaseChoice(wanted=database.strip() if database else None))
    check_options(inputs.sources)
    if not inputs.workload_files and not inputs.pg_stat_statements:
        raise InputError("no workload given: pass .sql files or a folder, or --pg-stat-statements with a database")
    options = options or SelectionOptions()
    if inputs.live:
        with db.connect(inputs.dsn) as conn:
            return _analyze(inputs, conn, options, hypopg, enable_hypopg)
    return _analyze(inputs, None, options, False, False)


def _analyze(inputs: Inputs, conn, options: SelectionOptions, hypopg: bool, enable_hypopg: bool) -> Report:
    catalog_errors: list[SourceError] = []
    catalog = load_catalog(inputs, catalog_errors, conn)
    # exports of several databases: the catalog's, unless --database names one
    inputs.sources.database = replace(inputs.sources.database or DatabaseChoice(), catalog_name=catalog.database,
                                      catalog_oid=catalog.database_oid)
    workload = load_workload(inputs, conn)
    if inputs.pg_stat_statements and conn is not None:
        options.write_window = write_window(conn)
    whatif = None
    notes: list[str] = []
    if conn is not None and hypopg:
        if hypopg_version(conn) is None and enable_hypopg:
            enable(conn)
        if hypopg_version(conn) is not None:
            whatif = WhatIf(conn)
        else:
            notes.append(
                "HypoPG is not installed in this database, so costs are statistics-based estimates, not the planner's: "
                "install it (Debian: postgresql-NN-hypopg) and run CREATE EXTENSION hypopg, or pass --enable-hypopg"
            )
    bar = None  # the count of EXPLAINs on stderr while costing runs (a terminal, not CI)
    show = inputs.sources.progress if inputs.sources.progress is not None else progress_mod.enabled()
    if whatif is not None and show:
        bar = progress_mod.Progress("costing candidate indexes with the planner (HypoPG)", 0, unit="EXPLAINs")
        whatif.on_explain = bar.update
    try:
        report = advise(workload, catalog, catalog_errors, options, whatif)
    finally:
        if bar is not None:
            bar.close()
    report.notes[:0] = notes
    report.catalog_files = [str(p) for p in inputs.schema_files] or ([str(inputs.snapshot)] if inputs.snapshot else [])
    return report


def advise(workload: Workload, catalog: Catalog, catalog_errors: Sequence[SourceError] = (),
           options: SelectionOptions | None = None, whatif: WhatIf | None = None) -> Report:
    """The pipeline after reading: access patterns, candidates, costing and selection, then the
    proposals reconciled with the health checks, as one Report."""
    extracted = extract(workload, catalog)  # statement -> per-table access patterns (extract/)

    def coster(rank: Rank) -> Coster:  # costing/: the planner through HypoPG, else the statistics model
        return PlannerCoster(whatif, catalog) if whatif is not None else StatsCoster(catalog, rank)

    advice = selection.advise(catalog, extracted.parsed, coster, options)  # candidates/ -> costing/ -> select/
    recommendations = _recommendations(advice, catalog, extracted.reports)
    audit = _health.audit(catalog, extracted.parsed or None, recommendations)  # health/: no advice it would undo
    recommendations = audit.apply(extracted.reports)
    costing = "planner" if whatif is not None else ("statistics" if catalog.has_stats else "rules")
    # a statement the server refused to plan (invalid for it, a table or column it lacks) is an
    # input error with its place, as one sqlglot cannot parse is, not an analysed statement
    refused = [SourceError(st.source, st.line, f"cannot explain statement: {advice.failed[st.fingerprint]}")
               for st in workload.statements if st.fingerprint in advice.failed]
    return Report(
        recommendations=recommendations,
        findings=list(workload.findings) + audit.findings,
        statements=list(extracted.reports.values()),
        seen=workload.seen,
        analysed=len(extracted.parsed) - len(refused),
        skipped=extracted.skipped + len(refused),
        errors=list(catalog_errors) + list(workload.errors) + extracted.errors + refused,
        catalog_source=catalog.source,
        costing=costing,
        notes=_report_notes(workload, catalog, recommendations, costing) + audit.notes,
        server_version=catalog.server_version,
        explain_count=whatif.explains if whatif is not None else 0,
        workload_cost_before=round(advice.workload_before, 2),
        workload_cost_after=round(advice.workload_after, 2),
        budget_curve=advice.curve,
    )


@dataclass
class Extracted:
    """The workload's statement shapes as access patterns, with a report entry for each shape."""

    parsed: list[ParsedStatement] = field(default_factory=list)
    reports: dict[str, StatementReport] = field(default_factory=dict)  # fingerprint -> its report, hottest first
    errors: list[SourceError] = field(default_factory=list)
    skipped: int = 0


# a statement's text in the report is kept up to this many characters, and its literals
# (samples, constants) up to this many: a 23 MB IN list is analysed whole, not printed whole
REPORT_SQL_MAX = 10_000
REPORT_LITERALS_MAX = 1_000


def _report_entry(st: Statement) -> StatementReport:
    """The statement's report entry, its text and literals bounded (with a note when cut)."""
    sql, samples, constants = st.sql, list(st.samples), st.constants
    notes = []
    if len(sql) > REPORT_SQL_MAX:
        notes.append(f"text cut to its first {REPORT_SQL_MAX:,} of {len(sql):,} characters in this report")
        sql = sql[:REPORT_SQL_MAX] + " ..."
    if (constants is not None and len(constants) > REPORT_LITERALS_MAX) or any(len(s) > REPORT_LITERALS_MAX for s in samples):
        notes.append(f"its literals (over {REPORT_LITERALS_MAX:,}) are left out of this report")
        samples, constants = [], None
    return StatementReport(st.fingerprint, sql, st.location, st.calls, st.total_time_ms, [], notes=notes,
                           samples=samples, constants=constants)


def extract(workload: Workload, catalog: Catalog) -> Extracted:
    """Parse each statement shape once; a statement that cannot be parsed is an error with its location."""
    extractor = Extractor(catalog)
    out = Extracted()
    for st in sorted(workload.statements, key=lambda s: (-s.calls, s.source, s.line or 0)):
        rep = _report_entry(st)
        out.reports[st.fingerprint] = rep
        try:
            accesses, notes = extractor.extract(st)
        except StatementParseError as exc:
            out.errors.append(SourceError(st.source, st.line, f"cannot parse statement: {exc}"))
            rep.notes.append(f"not analysed: cannot parse: {exc}")
            out.skipped += 1
            continue
        except UnsupportedStatement as exc:
            rep.notes.append(f"not analysed: {exc}")
            out.skipped += 1
            continue
        rep.tables = sorted({str(a.table) for a in accesses})
        rep.notes.extend(notes)
        parsed = ParsedStatement(st, accesses, notes)
        for n, text in enumerate(key_variants(st, accesses, catalog), 1):
            variant = replace(st, sql=text, fingerprint=variant_fingerprint(st.fingerprint, n))
            try:
                parsed.variants.append(ParsedStatement(variant, *extractor.extract(variant)))
            except (StatementParseError, UnsupportedStatement):
                continue  # the first execution's text parsed: it stands alone
        if parsed.variants:
            rep.notes.append("costed at its first execution's keys and at the lightest and heaviest of its sampled ones "
                             "(pg_stats: calls follow rows), the worst of them counted")
        out.parsed.append(parsed)
    return out


def _recommendations(advice: Advice, catalog: Catalog, reports: dict[str, StatementReport]) -> list[Recommendation]:
    """The chosen indexes named and written as DDL; each statement report told what serves it."""
    taken = {i.name for t in catalog.tables.values() for i in t.indexes}
    recommendations: list[Recommendation] = []
    for chosen in advice.chosen:
        c = chosen.candidate
        name = index_name(c.table, c.keys, c.include, c.where, c.method, taken=taken)
        taken.add(name)
        ddl, reason = _ddl(catalog, c, name, taken), chosen.reason
        if "\n" in ddl:
            reason += ("; on a partitioned table: built ON ONLY the parent, then each partition's index "
                       "concurrently and attached (PostgreSQL refuses CONCURRENTLY on the parent)")
        recommendations.append(
            Recommendation(name, c.schema, c.table, c.keys, c.include, c.where, c.method, ddl,
                           chosen.served, reason, chosen.estimate, kind=chosen.kind, kind_reason=chosen.kind_reason)
        )
        for fp in chosen.served:
            reports[fp].recommendations.append(name)
    for fp, (before, after) in advice.costs.items():
        reports[fp].cost_before, reports[fp].cost_after = round(before, 2), round(after, 2)
    for fp, names in advice.served_by_existing.items():
        reports[fp].served_by_existing = sorted(set(names))
    for fp, notes in advice.notes.items():
        reports[fp].notes.extend(n for n in notes if n not in reports[fp].notes)
    return recommendations


def _ddl(catalog: Catalog, c: Candidate, name: str, taken: set[str]) -> str:
    """CREATE INDEX CONCURRENTLY, or on a partitioned table the form PostgreSQL accepts."""
    table = catalog.tables.get(f"{c.schema}.{c.table}")
    if table is None or not table.partitioned:
        return create_index_sql(name, c.schema, c.table, c.keys, c.include, c.where, c.method)

    def partitions(parent: Table) -> list[Table]:
        return [t for t in catalog.tables.values() if t.partition_of == str(parent.qname)]

    def name_for(part: Table) -> str:
        part_name = index_name(part.name, c.keys, c.include, c.where, c.method, taken=taken)
        taken.add(part_name)
        return part_name

    return "\n".join(create_partitioned_index_sql(name, table, c.spec, partitions, name_for))


def _report_notes(workload: Workload, catalog: Catalog, recommendations: list[Recommendation], costing: str) -> list[str]:
    """What to keep in mind when reading the report."""
    notes: list[str] = []
    if catalog.source == "none":
        notes.append("no catalog given (--schema, --snapshot or --dsn): tables and existing indexes are unknown")
    if costing == "rules":
        notes.append("no planner statistics: estimates assume large tables and are ranked by structure and call frequency")
    gin = [r.name for r in recommendations if r.method == "gin"]
    if gin and costing == "planner":
        notes.append(f"{len(gin)} GIN index(es) ({', '.join(gin)}) are not planner-costed (HypoPG cannot create GIN "
                     "indexes): chosen by rules from the operator and the table's statistics; the workload cost "
                     "after does not include their savings")
    if any(r.kind == "trigram" for r in recommendations):
        notes.append("trigram indexes need the pg_trgm extension: CREATE EXTENSION IF NOT EXISTS pg_trgm before their DDL")
    never_analyzed = sorted(str(t.qname) for t in catalog.tables.values() if catalog.source in ("live", "snapshot") and not t.has_stats)
    if never_analyzed:
        shown = ", ".join(never_analyzed[:5]) + (" ..." if len(never_analyzed) > 5 else "")
        notes.append(f"{len(never_analyzed)} table(s) have never been analysed, so estimates for them are guesses: {shown} (run ANALYZE)")
    if not workload.statements:
        notes.append("the workload has no statements")
    notes.extend(workload.notes)
    return notes


def health(
    *,
    schema: Sequence[str | Path] = (),
    snapshot: str | Path | None = None,
    dsn: str | None = None,
    options: _health.HealthOptions | None = None,
) -> _health.HealthResult:
    """Check the existing indexes of a catalog (live, snapshot or DDL files); no workload needed."""
    inputs = resolve_inputs((), schema, snapshot, dsn)
    errors: list[SourceError] = []
    if inputs.live:
        with db.connect(inputs.dsn) as conn:
            catalog = load_catalog(inputs, errors, conn)
    else:
        catalog = load_catalog(inputs, errors)
    if catalog.source == "none":
        raise InputError("no catalog given: pass --dsn (or set DATABASE_URL or the PG* variables), --snapshot or --schema")
    result = _health.check(catalog, None, options)
    result.errors = errors
    result.catalog_files = [str(p) for p in inputs.schema_files] or ([str(inputs.snapshot)] if inputs.snapshot else [])
    return result
