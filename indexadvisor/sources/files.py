"""Read one workload file of any supported kind into a WorkloadBuilder.

The format is ``--input-format`` when given (one of ``formats``), else told from
the file's content and name (``detect``). Whatever the reader could not use is counted, and the
first few examples with their line numbers become the workload's errors; a
summary of what was read becomes a note. A progress bar goes to stderr for large
files on a terminal (``progress``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexadvisor.errors import InputError
from indexadvisor.pg.lexing import number_placeholders
from indexadvisor.sources import ormlog, pglog, pgss_export
from indexadvisor.sources import progress as progress_mod
from indexadvisor.sources.detect import COMPRESSED, detect_format
from indexadvisor.sources.formats import AUTO, FORMATS, SERVER_LOGS
from indexadvisor.sources.pglog import PrefixError, compile_prefix
from indexadvisor.sources.sqlfile import read_sql_file
from indexadvisor.sources.textio import Problems, file_size
from indexadvisor.sources.workload import WorkloadBuilder

WORKLOAD_SUFFIXES = (".sql", ".log", ".csv", ".json", ".jsonl", ".ndjson", ".tsv", *COMPRESSED)
PROGRESS_MIN_BYTES = 8 << 20


@dataclass
class SourceOptions:
    input_format: str | None = None  # None or "auto": detect
    log_line_prefix: str | None = None
    substitute_params: bool = True  # logged values written in: PostgreSQL plans with them (workload.py)
    progress: bool | None = None  # None: on a terminal, not in CI
    database: pgss_export.DatabaseChoice | None = None  # which database's rows of a pg_stat_statements export


def check_options(options: SourceOptions) -> None:
    """Raise InputError for an unknown format or an unusable log_line_prefix."""
    fmt = options.input_format
    if fmt not in (None, AUTO) and fmt not in FORMATS:
        raise InputError(f"unknown --input-format {fmt!r}: use one of {AUTO}, {', '.join(FORMATS)}")
    if options.log_line_prefix is not None:
        try:
            compile_prefix(options.log_line_prefix)
        except PrefixError as exc:
            raise InputError(str(exc)) from None


def read_workload_file(path: Path, builder: WorkloadBuilder, options: SourceOptions | None = None) -> str | None:
    """Add one file's statements to the builder; returns the format read (None: not a workload file)."""
    options = options or SourceOptions()
    path = Path(path)
    fmt = options.input_format if options.input_format not in (None, AUTO) else None
    if fmt is None and options.log_line_prefix is not None:
        fmt = detect_format(path)
        fmt = "stderr" if fmt in (None, "sql") and not path.name.lower().endswith(".sql") else fmt
    if fmt is None:
        fmt = detect_format(path)
    if fmt is None:
        builder.error(str(path), None, "cannot tell what kind of workload file this is (SQL, a PostgreSQL log, "
                      "a pg_stat_statements export, a Prisma or Django log): pass --input-format")
        return None
    problems = Problems(str(path))
    bar = None
    show = options.progress if options.progress is not None else progress_mod.enabled()
    size = file_size(path)
    if show and size >= PROGRESS_MIN_BYTES:
        bar = progress_mod.Progress(path.name, size)
    on_progress = bar.update if bar is not None else None
    seen = builder.seen
    try:
        _dispatch(fmt, path, builder, problems, options, on_progress)
    finally:
        if bar is not None:
            bar.close()
    if builder.seen == seen and not problems.empty and fmt != "sql":
        problems.empty = "no statements to analyse in it (only utility, catalog or the advisor's own statements)"
        if fmt in SERVER_LOGS:
            problems.empty += ": set log_min_duration_statement = 0 (or log_statement = 'all') to log them"
    builder.errors.extend(sorted(problems.examples, key=lambda e: e.line or 0))
    if problems.empty:
        builder.error(str(path), None, problems.empty)
    builder.notes.extend(problems.notes)
    summary = problems.summary()
    if summary:
        builder.notes.append(summary)
    return fmt


OnProgress = Callable[[int], None] | None
Reader = Callable[[Path, WorkloadBuilder, Problems, SourceOptions, OnProgress], None]


def _read_sql(path: Path, builder: WorkloadBuilder, problems: Problems, options: SourceOptions,
              on_progress: OnProgress) -> None:
    source = str(path)
    numbered = 0
    for raw in read_sql_file(path, builder.errors, on_progress, problems):
        sql, placeholders = number_placeholders(raw.sql)
        numbered += placeholders > 0
        builder.add(sql, source, raw.line)
    if numbered:
        problems.note(f"{path}: {numbered:,} statement(s) written with a driver's placeholders (?, %s, :name): "
                      "read as PostgreSQL's $1, $2, ...")


def _server_log(read: Callable[[Path, WorkloadBuilder, Problems, pglog.LogOptions], object]) -> Reader:
    def reader(path: Path, builder: WorkloadBuilder, problems: Problems, options: SourceOptions,
               on_progress: OnProgress) -> None:
        read(path, builder, problems, pglog.LogOptions(options.log_line_prefix, on_progress))

    return reader


def _pgss_export(read: Callable[[Path, WorkloadBuilder, Problems, OnProgress, pgss_export.DatabaseChoice | None], int]) -> Reader:
    def reader(path: Path, builder: WorkloadBuilder, problems: Problems, options: SourceOptions,
               on_progress: OnProgress) -> None:
        rows = read(path, builder, problems, on_progress, options.database)
        problems.note(f"{path}: read as a pg_stat_statements export: {rows:,} rows")
        if not rows:
            problems.empty = problems.empty or "the export has no statements in it"

    return reader


def _orm_log(read: Callable[[Path, WorkloadBuilder, Problems, OnProgress], int]) -> Reader:
    def reader(path: Path, builder: WorkloadBuilder, problems: Problems, options: SourceOptions,
               on_progress: OnProgress) -> None:
        read(path, builder, problems, on_progress)

    return reader


# the reader of each format in formats.FORMATS
_READERS: dict[str, Reader] = {
    "sql": _read_sql,
    "stderr": _server_log(pglog.read_stderr_log),
    "csvlog": _server_log(pglog.read_csvlog),
    "jsonlog": _server_log(pglog.read_jsonlog),
    "pgss-csv": _pgss_export(pgss_export.read_pgss_csv),
    "pgss-json": _pgss_export(pgss_export.read_pgss_json),
    "prisma": _orm_log(ormlog.read_prisma_log),
    "django": _orm_log(ormlog.read_django_log),
}


def _dispatch(fmt: str, path: Path, builder: WorkloadBuilder, problems: Problems, options: SourceOptions,
              on_progress: OnProgress) -> None:
    reader = _READERS.get(fmt)
    if reader is None:
        raise InputError(f"unknown input format {fmt!r}")
    reader(path, builder, problems, options, on_progress)


