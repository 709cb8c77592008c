"""Connecting to PostgreSQL safely, and running the advisor's own queries.

The advisor only ever reads: every session is opened read-only with a statement
and lock timeout, so pointing it at a production primary cannot write, cannot
run forever, and cannot queue behind (and so block) a DDL lock. Every query is
tagged with MARKER so the pg_stat_statements reader can leave the advisor's own
statements out of the workload it analyses.
"""

from __future__ import annotations

import os
import re
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from indexadvisor.errors import ConnectionFailed, DatabaseError
from indexadvisor.pg import connstr

MARKER = "/* indexadvisor */"
APPLICATION_NAME = "indexadvisor"
DEFAULT_CONNECT_TIMEOUT_S = 10

Query = str | sql.Composable


def connect(
    dsn: str | None = None,
    *,
    statement_timeout_ms: int = 30000,
    lock_timeout_ms: int = 1000,
) -> psycopg.Connection[Any]:
    """Open a read-only, autocommit session with timeouts set at connect time.

    dsn None means DATABASE_URL if set, else the libpq defaults (PG* variables).
    The settings travel in the startup packet (libpq ``options``), so they are in
    force before the first query and cannot be forgotten by a caller. Any failure
    becomes ConnectionFailed with one line that never contains the password or a
    part of it (pg/connstr.py): a string libpq cannot parse gets our own message,
    as does a URI whose "@" libpq would take elsewhere than the user meant.
    """
    if dsn is None:
        dsn = os.environ.get("DATABASE_URL", "")
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.Error as e:
        # libpq's text quotes the input (the password too): say what is wrong in our words
        raise ConnectionFailed(f"invalid connection string: {connstr.parse_problem(str(e))}") from None
    misplaced = connstr.misplaced_at(dsn)
    if misplaced:
        raise ConnectionFailed(f"invalid connection string: {misplaced}")
    secrets = connstr.secrets(dsn, params.get("password"))

    settings = (
        "-c default_transaction_read_only=on"
        f" -c statement_timeout={int(statement_timeout_ms)}"
        f" -c lock_timeout={int(lock_timeout_ms)}"
    )
    # An explicit options parameter replaces PGOPTIONS, so carry the user's along.
    user_options = str(params.get("options") or os.environ.get("PGOPTIONS") or "").strip()
    extra: dict[str, Any] = {
        # Ours come last so they win over a DSN that sets the same GUC.
        "options": f"{user_options} {settings}".strip(),
        "application_name": APPLICATION_NAME,
    }
    if "connect_timeout" not in params and not os.environ.get("PGCONNECT_TIMEOUT"):
        extra["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT_S
    try:
        return psycopg.connect(dsn, autocommit=True, **extra)
    except psycopg.Error as e:
        message = _connect_reason(connstr.mask(str(e), secrets))
        raise ConnectionFailed(
            f"cannot connect to PostgreSQL at {_where(params, secrets)}: {message}"
        ) from None


def run(
    conn: psycopg.Connection[Any],
    query: Query,
    params: Any | None = None,
    *,
    what: str = "running a query",
    privilege: str | None = None,
    hint: str | None = None,
) -> list[dict[str, Any]]:
    """Run one advisor query and return its rows as dicts.

    The query gets MARKER prepended when it lacks it. psycopg errors become our
    DatabaseError (ConnectionFailed when the session is lost) with one line saying
    what failed and what to do: ``what`` names the step ("reading the catalog"),
    ``privilege`` the role a permission error calls for (e.g. pg_read_all_stats),
    ``hint`` the fix for a missing table or function (e.g. CREATE EXTENSION).
    """
    try:
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute(_marked(query), params)
            return cur.fetchall() if cur.description is not None else []
    except psycopg.Error as e:
        raise _translate(e, conn, what, privilege, hint) from e


def run_batch(conn: psycopg.Connection[Any], statements: list[str], *, what: str = "running a query") -> list[list[dict[str, Any]]]:
    """Send several statements in one message (one round trip) and return each one's rows.

    They run as one implicit transaction: if one fails, none of their transactional
    effects stay, and the error is raised as run() raises it.
    """
    try:
        with conn.cursor(row_factory=dict_row) as cur:
            # a newline before each ';' so a trailing -- comment cannot swallow it; MARKER before
            # each statement, as pg_stat_statements keeps each one's own text from after the ';'
            cur.execute("\n;\n".join(f"{MARKER}\n{s}" for s in statements))
            results = []
            while True:
                results.append(cur.fetchall() if cur.description is not None else [])
                if not cur.nextset():
                    break
            return results
    except psycopg.Error as e:
        raise _translate(e, conn, what, None, None) from e


def _marked(query: Query) -> str | sql.Composed:
    """Prefix MARKER so pg_stat_statements shows the advisor's own queries as such."""
    if isinstance(query, str):
        return query if query.lstrip().startswith(MARKER) else f"{MARKER}\n{query}"
    return sql.Composed([sql.SQL(MARKER + "\n"), query])


def _translate(
    e: psycopg.Error,
    conn: psycopg.Connection[Any],
    what: str,
    privilege: str | None,
    hint: str | None,
) -> Exception:
    """Map one psycopg error to one of ours, with a message a user can act on."""
    detail = _first_line(e.diag.message_primary or str(e))
    if isinstance(e, pgerrors.QueryCanceled):
        return DatabaseError(
            f"statement timeout while {what}: {detail}; "
            "raise the statement timeout or narrow the request"
        )
    if isinstance(e, pgerrors.LockNotAvailable):
        return DatabaseError(
            f"lock timeout while {what}: {detail}; another session holds a conflicting "
            "lock (running DDL?), try again later"
        )
    if isinstance(e, pgerrors.InsufficientPrivilege):
        user = _user(conn)
        need = f"grant {privilege} to role {user}" if privilege else f"role {user} lacks a privilege"
        return DatabaseError(f"permission denied while {what}: {detail}; {need}")
    if isinstance(
        e,
        (
            pgerrors.UndefinedTable,
            pgerrors.UndefinedFunction,
            pgerrors.UndefinedColumn,
            pgerrors.UndefinedObject,
        ),
    ):
        tail = f"; {hint}" if hint else ""
        return DatabaseError(f"missing database object while {what}: {detail}{tail}")
    if isinstance(e, pgerrors.ReadOnlySqlTransaction):
        return DatabaseError(
            f"the advisor's session is read-only, refused while {what}: {detail}"
        )
    if e.sqlstate is None or conn.closed:
        return ConnectionFailed(f"lost the connection to PostgreSQL while {what}: {detail}")
    return DatabaseError(f"query failed while {what}: {detail}")


def _user(conn: psycopg.Connection[Any]) -> str:
    try:
        return conn.info.user
    except psycopg.Error:
        return "(unknown)"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return text.strip() or "unknown error"


_PREFIXES = re.compile(
    r"^(connection failed: |connection is bad: )?(connection to server at .*? failed: )?",
    re.IGNORECASE,
)


def _connect_reason(message: str) -> str:
    """The useful part of a libpq/psycopg connect error, on one line.

    The first line names the cause (of the last attempt, when psycopg tried
    several addresses); the "connection to server at ..." prefix repeats the
    address we already name.
    """
    line = _first_line(message)
    return _PREFIXES.sub("", line) or line


def _where(params: dict[str, Any], secrets: list[str]) -> str:
    """host:port as libpq will resolve it, for the error message (with no part of a password in it)."""
    host = (
        params.get("host")
        or params.get("hostaddr")
        or os.environ.get("PGHOST")
        or os.environ.get("PGHOSTADDR")
        or "local socket"
    )
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    return f"{connstr.mask_value(str(host), secrets)}:{connstr.mask_value(str(port), secrets)}"
