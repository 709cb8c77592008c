"""The sources and options of an analysis, shared by `analyze`, `migrate` and `report`."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.models import ArgumentInfo

from indexadvisor import api
from indexadvisor.candidates.kinds import parse_kinds
from indexadvisor.cli.options import (
    BudgetOpt,
    DatabaseOpt,
    DsnOpt,
    EnableHypopgOpt,
    InputFormat,
    InputFormatOpt,
    JobsOpt,
    KindsOpt,
    LogLinePrefixOpt,
    LogParams,
    LogParamsOpt,
    MaxIndexesOpt,
    MaxWidthOpt,
    MinImprovementOpt,
    NoHypopgOpt,
    NoWriteCostOpt,
    PathsArg,
    PgssOpt,
    SchemaOpt,
    SnapshotOpt,
    Weight,
    WeightOpt,
)
from indexadvisor.cli.output import warn
from indexadvisor.errors import InputError
from indexadvisor.model import Report
from indexadvisor.pg.sizes import parse_size
from indexadvisor.report.load import load_report
from indexadvisor.select.options import SelectionOptions
from indexadvisor.sources.formats import AUTO

_SELECTION = SelectionOptions()


@dataclass
class AnalysisArgs:
    """The sources and options of an analysis, as given on the command line."""

    paths: list[Path] | None
    pg_stat_statements: bool
    input_format: InputFormat
    log_line_prefix: str | None
    log_params: LogParams
    database: str | None
    schema: list[Path] | None
    snapshot: Path | None
    dsn: str | None
    budget: str | None
    max_indexes: int | None
    min_improvement: float
    weight: Weight
    max_width: int
    jobs: int | None
    no_write_cost: bool
    enable_hypopg: bool
    no_hypopg: bool
    kinds: list[str] | None

    def given(self) -> list[str]:
        """The options given other than their defaults, as on the command line."""
        return [f"--{name.replace('_', '-')}" for name, (_, default) in _PARAMETERS.items()
                if name != "paths" and getattr(self, name) not in (default, [])]

    def inputs(self) -> list[Path]:
        """The files and folders the analysis reads (for refusing an --output over one of them)."""
        return [*(self.paths or []), *(self.schema or []), *([self.snapshot] if self.snapshot else [])]

    def selection_options(self) -> SelectionOptions:
        return SelectionOptions(
            budget_bytes=parse_size(self.budget) if self.budget else None,
            max_indexes=self.max_indexes,
            min_improvement=self.min_improvement,
            weight=self.weight.value,
            max_width=self.max_width,
            write_cost=not self.no_write_cost,
            kinds=parse_kinds(self.kinds),
            jobs=self.jobs,
        )

    def run(self) -> Report:
        report = api.analyze(self.paths or [], schema=self.schema or [], snapshot=self.snapshot, dsn=self.dsn,
                             pg_stat_statements=self.pg_stat_statements, options=self.selection_options(),
                             hypopg=not self.no_hypopg, enable_hypopg=self.enable_hypopg,
                             input_format=self.input_format.value, log_line_prefix=self.log_line_prefix,
                             substitute_params=self.log_params is LogParams.substitute, database=self.database)
        warn(report.errors)
        return report

    def report(self, from_: Path | None) -> Report:
        """The advice: read from a saved report (--from), or analysed."""
        if from_ is None:
            return self.run()
        given = (["workload files"] if self.paths else []) + self.given()
        if given:
            raise InputError(f"--from reads a saved report: give it without {', '.join(given)}")
        return load_report(from_)


# each AnalysisArgs field as a command-line parameter: (annotation, default), in --help order
_PARAMETERS: dict[str, tuple[Any, Any]] = {
    "paths": (PathsArg, None),
    "pg_stat_statements": (PgssOpt, False),
    "input_format": (InputFormatOpt, InputFormat(AUTO)),
    "log_line_prefix": (LogLinePrefixOpt, None),
    "log_params": (LogParamsOpt, LogParams.substitute),
    "database": (DatabaseOpt, None),
    "schema": (SchemaOpt, None),
    "snapshot": (SnapshotOpt, None),
    "dsn": (DsnOpt, None),
    "budget": (BudgetOpt, None),
    "max_indexes": (MaxIndexesOpt, _SELECTION.max_indexes),
    "min_improvement": (MinImprovementOpt, _SELECTION.min_improvement),
    "weight": (WeightOpt, Weight(_SELECTION.weight)),
    "max_width": (MaxWidthOpt, _SELECTION.max_width),
    "jobs": (JobsOpt, _SELECTION.jobs),
    "no_write_cost": (NoWriteCostOpt, not _SELECTION.write_cost),
    "enable_hypopg": (EnableHypopgOpt, False),
    "no_hypopg": (NoHypopgOpt, False),
    "kinds": (KindsOpt, None),
}


def with_analysis(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the sources and options of an analysis, as one `args: AnalysisArgs`.

    The command's own signature declares its other parameters; typer reads the combined
    one (the command's required arguments, the analysis's, then the command's options), so the commands that analyse accept
    the same options without listing them.
    """
    own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
           for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "args"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
             for name, (annotation, default) in _PARAMETERS.items()]

    @functools.wraps(command)
    def wrapper(**values: Any) -> None:
        args = AnalysisArgs(**{name: values.pop(name) for name in _PARAMETERS})
        command(args=args, **values)

    # a command's own required arguments come first (`explain N [paths]...`), its options after the analysis's
    first = [p for p in own if any(isinstance(m, ArgumentInfo) for m in getattr(p.annotation, "__metadata__", ()))]
    wrapper.__signature__ = inspect.Signature(first + added + [p for p in own if p not in first])  # type: ignore[attr-defined]
    return wrapper
