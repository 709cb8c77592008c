"""The command line's options: their types, names, help texts and help panels.

Defaults are not written here: a command takes them from the library's option
dataclasses (SelectionOptions, HealthOptions, MigrateOptions). Choices the library
keeps a list of (input formats, migration tools, CI formats, index kinds) come from
that list.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from indexadvisor.candidates.kinds import KINDS
from indexadvisor.report.ci import FORMATS as CI_FORMATS
from indexadvisor.report.migrations import TOOLS
from indexadvisor.sources.formats import AUTO, FORMATS

# help panels, in the order `analyze --help` shows them (the command's own options come first, in "Options")
WORKLOAD = "Workload"
CATALOG = "Catalog"
SELECTION = "Selection"
OUTPUT = "Output"

# a flag takes no value: an empty metavar keeps typer from showing one (<bool>) in --help
FLAG = ""


def _member(value: str) -> str:
    return value.replace("-", "_")


class Format(str, enum.Enum):
    table = "table"
    json = "json"


class AnalyzeFormat(str, enum.Enum):
    table = "table"
    json = "json"
    html = "html"


class Weight(str, enum.Enum):
    calls = "calls"
    time = "time"


class LogParams(str, enum.Enum):
    keep = "keep"
    substitute = "substitute"


# choices from the library's lists (mypy cannot see the members of an Enum built from a list)
InputFormat = enum.Enum("InputFormat", [(_member(v), v) for v in (AUTO, *FORMATS)], type=str)  # type: ignore[misc]
Tool = enum.Enum("Tool", [(_member(v), v) for v in TOOLS], type=str)  # type: ignore[misc]
CIFormat = enum.Enum("CIFormat", [(_member(v), v) for v in CI_FORMATS], type=str)  # type: ignore[misc]


# workload
PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Workload files (.sql, PostgreSQL logs, pg_stat_statements exports, Prisma or Django query logs; .gz too) "
                        "or folders (a folder's schema.sql is read as the schema).", show_default=False),
]
PgssOpt = Annotated[bool, typer.Option("--pg-stat-statements", metavar=FLAG, rich_help_panel=WORKLOAD,
                                       help="Read the workload from pg_stat_statements on the database.")]
InputFormatOpt = Annotated[InputFormat, typer.Option("--input-format", rich_help_panel=WORKLOAD,
                                                     help="Kind of the workload files; auto tells them apart by content and name.")]
LogLinePrefixOpt = Annotated[str | None, typer.Option("--log-line-prefix", rich_help_panel=WORKLOAD, show_default=False,
                                                      help="The server's log_line_prefix, for stderr logs (default: detected).")]
LogParamsOpt = Annotated[LogParams, typer.Option("--log-params", rich_help_panel=WORKLOAD,
                                                 help="Logged parameter values ($1 = '...'): substitute them into the statement's text, "
                                                      "as the server plans it with them, or keep its $n (values are samples; "
                                                      "costed by a generic plan).")]
DatabaseOpt = Annotated[str | None, typer.Option("--database", rich_help_panel=WORKLOAD, show_default=False, metavar="NAME|OID",
                                                 help="Of a pg_stat_statements export holding several databases, read this one's rows "
                                                      "(datname or dbid; default: the live catalog's database).")]
FromOpt = Annotated[Path | None, typer.Option("--from", rich_help_panel=WORKLOAD,
                                              help="Use a saved JSON report (analyze --format json) instead of analysing.")]

# catalog
SchemaOpt = Annotated[list[Path] | None, typer.Option("--schema", rich_help_panel=CATALOG,
                                                      help="DDL file(s) to read the catalog from (repeatable).")]
SnapshotOpt = Annotated[Path | None, typer.Option("--snapshot", rich_help_panel=CATALOG,
                                                  help="Catalog snapshot written by `indexadvisor snapshot`.")]
DsnOpt = Annotated[
    str | None,
    typer.Option("--dsn", rich_help_panel=CATALOG, show_default=False,
                 help="Database to read the catalog (and pg_stat_statements) from; default DATABASE_URL or the PG* variables."),
]

# selection
BudgetOpt = Annotated[str | None, typer.Option("--budget", rich_help_panel=SELECTION,
                                               help="Storage budget for the proposed set once built, e.g. 500MB, 2GB or 2GiB (binary units either way; sizes estimated from the statistics as CREATE INDEX lays an index out; default: no limit).")]
MaxIndexesOpt = Annotated[int | None, typer.Option("--max-indexes", min=1, rich_help_panel=SELECTION,
                                                   help="Propose at most this many indexes.")]
MinImprovementOpt = Annotated[float, typer.Option("--min-improvement", min=0.0, max=1.0, rich_help_panel=SELECTION,
                                                  help="Stop when the next index saves less than this share of the workload's cost.")]
WeightOpt = Annotated[Weight, typer.Option("--weight", rich_help_panel=SELECTION,
                                           help="Weight statements by their calls or their total time.")]
MaxWidthOpt = Annotated[int, typer.Option("--max-width", min=1, max=32, rich_help_panel=SELECTION,
                                          help="Widest index (number of key columns) to consider.")]
JobsOpt = Annotated[int | None, typer.Option("--jobs", "-j", min=1, max=64, rich_help_panel=SELECTION, show_default=False,
                                             help="Database sessions to cost over with HypoPG (default: half the "
                                                  "machine's cores up to 4, 1 on 2 cores or fewer); the advice is the same for any number.")]
NoWriteCostOpt = Annotated[bool, typer.Option("--no-write-cost", metavar=FLAG, rich_help_panel=SELECTION,
                                              help="Do not charge indexes for the writes they slow down.")]
EnableHypopgOpt = Annotated[bool, typer.Option("--enable-hypopg", metavar=FLAG, rich_help_panel=SELECTION,
                                               help="CREATE EXTENSION hypopg in the database if missing "
                                                    "(the only write the advisor ever makes).")]
NoHypopgOpt = Annotated[bool, typer.Option("--no-hypopg", metavar=FLAG, rich_help_panel=SELECTION,
                                           help="Do not use HypoPG even where installed: estimate from statistics.")]
KindsOpt = Annotated[
    list[str] | None,
    typer.Option("--kinds", rich_help_panel=SELECTION, show_default=False,
                 help=f"Index kinds to propose (repeatable, comma-separated): all (default), or any of {', '.join(KINDS)}; "
                      "`--kinds btree` proposes plain B-trees only."),
]

# output
FormatOpt = Annotated[Format, typer.Option("--format", "-f", rich_help_panel=OUTPUT, help="Output format.")]
AnalyzeFormatOpt = Annotated[AnalyzeFormat, typer.Option(
    "--format", "-f", rich_help_panel=OUTPUT,
    help="Output format: table (sized to the terminal), json (the published schema), or html (one self-contained file).")]
CIFormatOpt = Annotated[CIFormat, typer.Option("--format", "-f", rich_help_panel=OUTPUT, help="CI output format.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", rich_help_panel=OUTPUT,
                                                help="Write the report to this file instead of stdout.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", metavar=FLAG, rich_help_panel=OUTPUT,
                                          help="Table: under each proposal its estimate and every statement it serves, "
                                               "with its cost before and after.")]
SnapshotOutputOpt = Annotated[Path, typer.Option("--output", "-o", rich_help_panel=OUTPUT,
                                                 help="Where to write the snapshot (JSON).")]

# a command's own
NumberArg = Annotated[int, typer.Argument(min=1, show_default=False,
                                          help="The recommendation's number, as the table report numbers them (1 is the first).")]
ToolOpt = Annotated[Tool, typer.Option("--tool", "-t", help="Migration tool to write files for.")]
MigrationsOutOpt = Annotated[Path, typer.Option("--out", help="Migrations folder (alembic: versions/, django: app/migrations/, "
                                                              "prisma: prisma/migrations/, rails: db/migrate/).")]
IncludeDropsOpt = Annotated[bool, typer.Option("--include-drops", metavar=FLAG,
                                               help="Also drop the indexes health findings advise dropping (those with a DROP statement: unused, duplicate, redundant, invalid).")]
RailsVersionOpt = Annotated[str | None, typer.Option(
    "--rails-version", show_default=False,
    help="rails: the app's Rails version, e.g. 7.0 (default: read from the Gemfile.lock above --out, else from the "
         "migrations in it); before 7.1 a covering index is written as execute SQL.")]
LockTimeoutOpt = Annotated[str, typer.Option("--lock-timeout",
                                             help="lock_timeout for each concurrent statement, e.g. 5s or 500ms; 0 for none.")]
FailOnOpt = Annotated[list[str] | None, typer.Option("--fail-on", help="Exit 1 on: none, any, proposals, findings, benefit:N, "
                                                                       "or finding kinds (repeatable, comma-separated).")]
BaselineOpt = Annotated[Path | None, typer.Option("--baseline", help="Older JSON report: only problems new since it fail the build.")]
MinEvidenceDaysOpt = Annotated[float, typer.Option("--min-evidence-days", min=0.0,
                                                   help="Days of usage counters below which an unused index is only a note, "
                                                        "not a drop candidate.")]
