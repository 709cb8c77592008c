"""The kinds of workload file the advisor reads: one registry for the readers, the detector and the CLI.

Each format's name is a value of ``--input-format``; ``auto`` (``AUTO``) is not a format
but the request to tell one from the file's content and name (``detect``). The readers
(``files``) have one reader for each name here, and the CLI's choices are these names.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTO = "auto"


@dataclass(frozen=True)
class WorkloadFormat:
    name: str  # the value of --input-format
    description: str  # one line
    server_log: bool = False  # written by the server: nothing in it unless the server is told to log statements


WORKLOAD_FORMATS: tuple[WorkloadFormat, ...] = (
    WorkloadFormat("sql", "captured SQL statements separated by semicolons"),
    WorkloadFormat("stderr", "a PostgreSQL server log in stderr format (any log_line_prefix)", server_log=True),
    WorkloadFormat("csvlog", "a PostgreSQL csvlog file", server_log=True),
    WorkloadFormat("jsonlog", "a PostgreSQL jsonlog file (PostgreSQL 15+)", server_log=True),
    WorkloadFormat("pgss-csv", "a pg_stat_statements export in CSV (or COPY text) with a header row"),
    WorkloadFormat("pgss-json", "a pg_stat_statements export in JSON (one object a line, or an array)"),
    WorkloadFormat("prisma", "a Prisma query log (prisma:query ..., Query:/Params: lines, query events as JSON)"),
    WorkloadFormat("django", "a Django django.db.backends debug log"),
)

FORMATS: tuple[str, ...] = tuple(f.name for f in WORKLOAD_FORMATS)
SERVER_LOGS: tuple[str, ...] = tuple(f.name for f in WORKLOAD_FORMATS if f.server_log)
