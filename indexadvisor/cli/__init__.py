"""The `indexadvisor` command: parse options, call the library, pick a renderer. No logic."""

from __future__ import annotations

import enum
import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from indexadvisor import __version__, api
from indexadvisor.errors import AdvisorError, ExitCode
from indexadvisor.model import Report
from indexadvisor.pg.sizes import parse_size
from indexadvisor.select.options import SelectionOptions

app = typer.Typer(
    name="indexadvisor",
    help="PostgreSQL index advice from the workload your database really runs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(str, enum.Enum):
    table = "table"
    json = "json"


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Workload files (.sql, PostgreSQL logs, pg_stat_statements exports, Prisma or Django query logs; .gz too) "
                        "or folders (a folder's schema.sql is read as the schema).", show_default=False),
]
SchemaOpt = Annotated[list[Path] | None, typer.Option("--schema", help="DDL file(s) to read the catalog from (repeatable).")]
SnapshotOpt = Annotated[Path | None, typer.Option("--snapshot", help="Catalog snapshot written by `indexadvisor snapshot`.")]
DsnOpt = Annotated[
    str | None,
    typer.Option("--dsn", help="Database to read the catalog (and pg_stat_statements) from; default DATABASE_URL or the PG* variables.", show_default=False),
]
PgssOpt = Annotated[bool, typer.Option("--pg-stat-statements", help="Read the workload from pg_stat_statements on the database.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


class Weight(str, enum.Enum):
    calls = "calls"
    time = "time"


BudgetOpt = Annotated[str | None, typer.Option("--budget", help="Storage budget for the proposed set, e.g. 500MB or 2GB (default: no limit).")]
MaxIndexesOpt = Annotated[int | None, typer.Option("--max-indexes", min=1, help="Propose at most this many indexes.")]
MinImprovementOpt = Annotated[float, typer.Option("--min-improvement", min=0.0, max=1.0, help="Stop when the next index saves less than this share of the workload's cost.")]
WeightOpt = Annotated[Weight, typer.Option("--weight", help="Weight statements by their calls or their total time.")]
MaxWidthOpt = Annotated[int, typer.Option("--max-width", min=1, max=32, help="Widest index (number of key columns) to consider.")]
NoWriteCostOpt = Annotated[bool, typer.Option("--no-write-cost", help="Do not charge indexes for the writes they slow down.")]
EnableHypopgOpt = Annotated[bool, typer.Option("--enable-hypopg", help="CREATE EXTENSION hypopg in the database if missing (the only write the advisor ever makes).")]
NoHypopgOpt = Annotated[bool, typer.Option("--no-hypopg", help="Do not use HypoPG even where installed: estimate from statistics.")]


KindsOpt = Annotated[
    list[str] | None,
    typer.Option("--kinds", help="Index kinds to propose (repeatable, comma-separated): all (default), or any of btree, partial, "
                                 "covering, expression, trigram, gin, brin; `--kinds btree` proposes plain B-trees only.",
                 show_default=False),
]


def selection_options(budget: str | None, max_indexes: int | None, min_improvement: float, weight: Weight,
                      max_width: int, no_write_cost: bool, kinds: list[str] | None = None) -> SelectionOptions:
    from indexadvisor.candidates.kinds import parse_kinds

    return SelectionOptions(
        budget_bytes=parse_size(budget) if budget else None,
        max_indexes=max_indexes,
        min_improvement=min_improvement,
        weight=weight.value,
        max_width=max_width,
        write_cost=not no_write_cost,
        kinds=parse_kinds(kinds),
    )
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")]


class InputFormat(str, enum.Enum):
    auto = "auto"
    sql = "sql"
    stderr = "stderr"
    csvlog = "csvlog"
    jsonlog = "jsonlog"
    pgss_csv = "pgss-csv"
    pgss_json = "pgss-json"
    prisma = "prisma"
    django = "django"


class LogParams(str, enum.Enum):
    keep = "keep"
    substitute = "substitute"


InputFormatOpt = Annotated[InputFormat, typer.Option("--input-format", help="Kind of the workload files; auto tells them apart by content and name.")]
LogLinePrefixOpt = Annotated[str | None, typer.Option("--log-line-prefix", help="The server's log_line_prefix, for stderr logs (default: detected).", show_default=False)]
LogParamsOpt = Annotated[LogParams, typer.Option("--log-params", help="Logged parameter values ($1 = '...'): keep the statement's $n (values are samples) or substitute them into its text.")]


@dataclass
class AnalysisArgs:
    """The sources and options of an analysis, shared by analyze, migrate and report."""

    paths: list[Path] | None
    schema: list[Path] | None
    snapshot: Path | None
    dsn: str | None
    pg_stat_statements: bool
    budget: str | None
    max_indexes: int | None
    min_improvement: float
    weight: Weight
    max_width: int
    no_write_cost: bool
    enable_hypopg: bool
    no_hypopg: bool
    input_format: InputFormat
    log_line_prefix: str | None
    log_params: LogParams
    kinds: list[str] | None

    def given(self) -> list[str]:
        """The options given other than their defaults, as on the command line."""
        return [f"--{name.replace('_', '-')}" for name, (_, default) in _ANALYSIS_PARAMETERS.items()
                if name != "paths" and getattr(self, name) not in (default, [])]

    def run(self) -> Report:
        options = selection_options(self.budget, self.max_indexes, self.min_improvement, self.weight, self.max_width,
                                    self.no_write_cost, self.kinds)
        report = api.analyze(self.paths or [], schema=self.schema or [], snapshot=self.snapshot, dsn=self.dsn,
                             pg_stat_statements=self.pg_stat_statements, options=options, hypopg=not self.no_hypopg,
                             enable_hypopg=self.enable_hypopg, input_format=self.input_format.value,
                             log_line_prefix=self.log_line_prefix,
                             substitute_params=self.log_params is LogParams.substitute)
        for error in report.errors[:20]:
            typer.echo(f"indexadvisor: warning: {error.location}: {error.message}", err=True)
        return report


# each AnalysisArgs field as a command-line parameter: (annotation, default), in --help order
_ANALYSIS_PARAMETERS: dict[str, tuple[Any, Any]] = {
    "paths": (PathsArg, None), "schema": (SchemaOpt, None), "snapshot": (SnapshotOpt, None), "dsn": (DsnOpt, None),
    "pg_stat_statements": (PgssOpt, False), "budget": (BudgetOpt, None), "max_indexes": (MaxIndexesOpt, None),
    "min_improvement": (MinImprovementOpt, 0.01), "weight": (WeightOpt, Weight.calls), "max_width": (MaxWidthOpt, 3),
    "no_write_cost": (NoWriteCostOpt, False), "enable_hypopg": (EnableHypopgOpt, False),
    "no_hypopg": (NoHypopgOpt, False), "input_format": (InputFormatOpt, InputFormat.auto),
    "log_line_prefix": (LogLinePrefixOpt, None), "log_params": (LogParamsOpt, LogParams.keep), "kinds": (KindsOpt, None),
}


def with_analysis(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the sources and options of `analyze`, as one `args: AnalysisArgs`.

    The command's own signature declares its other parameters; typer reads the combined
    one, so the three commands that analyse accept the same options without listing them.
    """
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "args"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
             for name, (annotation, default) in _ANALYSIS_PARAMETERS.items()]

    @functools.wraps(command)
    def wrapper(**values: Any) -> None:
        args = AnalysisArgs(**{name: values.pop(name) for name in _ANALYSIS_PARAMETERS})
        command(args=args, **values)

    wrapper.__signature__ = inspect.Signature(own + added)  # type: ignore[attr-defined]
    return wrapper


def _run(action: Callable[[], str | None], output: Path | None = None) -> None:
    """Run a command body: user errors become one line on stderr and exit code 2."""
    try:
        text = action()
    except AdvisorError as exc:
        typer.echo(f"indexadvisor: error: {exc}", err=True)
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        typer.echo("indexadvisor: interrupted", err=True)
        raise typer.Exit(130) from None
    if text is None:
        return
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            typer.echo(f"indexadvisor: error: cannot write {output}: {exc.strerror or exc}", err=True)
            raise typer.Exit(int(ExitCode.ERROR)) from None
    else:
        sys.stdout.write(text)


@app.command()
@with_analysis
def analyze(args: AnalysisArgs, format: FormatOpt = Format.table, output: OutputOpt = None) -> None:
    """Propose indexes for a workload."""

    def body() -> str:
        report = args.run()
        if format is Format.json:
            from indexadvisor.report import json as renderer
        else:
            from indexadvisor.report import table as renderer  # type: ignore[no-redef]
        return renderer.render(report)

    _run(body, output)


@app.command()
def snapshot(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the snapshot (JSON).")],
    dsn: DsnOpt = None,
) -> None:
    """Write the live database's catalog and statistics to a file, for offline analysis."""

    def body() -> None:
        from indexadvisor.catalog.live import read_catalog
        from indexadvisor.catalog.snapshot import write_snapshot
        from indexadvisor.pg import session as db

        with db.connect(dsn) as conn:
            catalog = read_catalog(conn)
        write_snapshot(catalog, output)
        typer.echo(f"indexadvisor: wrote {len(catalog.tables)} tables to {output}", err=True)

    _run(body)


class Tool(str, enum.Enum):
    sql = "sql"
    alembic = "alembic"
    django = "django"
    prisma = "prisma"
    flyway = "flyway"
    rails = "rails"
    golang_migrate = "golang-migrate"
    dbmate = "dbmate"


class CIFormat(str, enum.Enum):
    markdown = "markdown"
    sarif = "sarif"
    junit = "junit"
    github = "github"
    json = "json"


FromOpt = Annotated[Path | None, typer.Option("--from", help="Use a saved JSON report (analyze --format json) instead of analysing.")]


def _report_from(from_: Path | None, args: AnalysisArgs) -> Report:
    """The advice: read from --from, or analysed with the same options as `analyze`."""
    from indexadvisor.errors import InputError

    if from_ is not None:
        given = (["workload files"] if args.paths else []) + args.given()
        if given:
            raise InputError(f"--from reads a saved report: give it without {', '.join(given)}")
        from indexadvisor.report.load import load_report

        return load_report(from_)
    return args.run()


@app.command()
@with_analysis
def migrate(
    args: AnalysisArgs,
    tool: Annotated[Tool, typer.Option("--tool", "-t", help="Migration tool to write files for.")],
    out: Annotated[Path, typer.Option("--out", help="Migrations folder (alembic: versions/, django: app/migrations/, prisma: prisma/migrations/, rails: db/migrate/).")],
    from_: FromOpt = None,
    include_drops: Annotated[bool, typer.Option("--include-drops", help="Also drop the indexes health findings name (unused, duplicate, redundant, invalid).")] = False,
    lock_timeout: Annotated[str, typer.Option("--lock-timeout", help="lock_timeout for each concurrent statement, e.g. 5s or 500ms; 0 for none.")] = "5s",
) -> None:
    """Write migration files that create the proposed indexes, concurrently."""

    def body() -> str:
        from indexadvisor.report.migrations import generate
        from indexadvisor.report.migrations.base import (
            MigrateOptions,
            parse_lock_timeout,
        )

        options = MigrateOptions(include_drops=include_drops, lock_timeout=parse_lock_timeout(lock_timeout))
        result = generate(_report_from(from_, args), tool.value, out, options)
        lines = [f"indexadvisor: {tool.value}: wrote {len(result.written)} file(s) to {out}; "
                 f"{len(result.unchanged)} change(s) already there"]
        lines += [f"  {p}" for p in result.written]
        lines += [f"note: {n}" for n in result.notes]
        return "\n".join(lines) + "\n"

    _run(body)


@app.command()
@with_analysis
def report(
    args: AnalysisArgs,
    from_: FromOpt = None,
    format: Annotated[CIFormat, typer.Option("--format", "-f", help="CI output format.")] = CIFormat.markdown,
    output: OutputOpt = None,
    fail_on: Annotated[list[str] | None, typer.Option("--fail-on", help="Exit 1 on: none, any, proposals, findings, benefit:N, or finding kinds (repeatable, comma-separated).")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Older JSON report: only problems new since it fail the build.")] = None,
) -> None:
    """A CI result (markdown, SARIF, JUnit, GitHub annotations, JSON); exit 1 when --fail-on matches."""
    failed = False

    def body() -> str:
        nonlocal failed
        from indexadvisor.report.ci import renderer
        from indexadvisor.report.gate import evaluate, parse_fail_on, summary_line
        from indexadvisor.report.load import load_report

        policy = parse_fail_on(fail_on or [])
        old = load_report(baseline) if baseline is not None else None
        current = _report_from(from_, args)
        result = evaluate(current, policy, old, str(baseline) if baseline is not None else None)
        failed = result.failed
        if format is not CIFormat.github or output is not None:
            typer.echo(f"indexadvisor: {summary_line(current, result)}", err=True)
        return renderer(format.value)(current, result)

    _run(body, output)
    if failed:
        raise typer.Exit(int(ExitCode.FINDINGS))


@app.command()
def health(
    schema: SchemaOpt = None,
    snapshot: SnapshotOpt = None,
    dsn: DsnOpt = None,
    format: FormatOpt = Format.table,
    output: OutputOpt = None,
    min_evidence_days: Annotated[float, typer.Option("--min-evidence-days", min=0.0, help="Days of usage counters below which an unused index is only a note, not a drop candidate.")] = 7.0,
) -> None:
    """Find unused, duplicate, redundant and invalid indexes and unindexed foreign keys (catalog only)."""

    def body() -> str:
        from indexadvisor.health import HealthOptions
        from indexadvisor.report import health as renderer

        result = api.health(schema=schema or [], snapshot=snapshot, dsn=dsn, options=HealthOptions(min_evidence_days=min_evidence_days))
        for error in result.errors[:20]:
            typer.echo(f"indexadvisor: warning: {error.location}: {error.message}", err=True)
        return renderer.render_json(result) if format is Format.json else renderer.render_table(result)

    _run(body, output)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"indexadvisor {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """PostgreSQL index advice from the workload your database really runs."""


def main() -> None:
    app()
