"""sqlglot's parser without its chatter on stderr, and with PostgreSQL's parameters as it writes them.

Prisma writes parameter lists without spaces (`IN ($1,$2,$3)`, `$2=$3`), which PostgreSQL
reads and sqlglot's tokenizer does not: it takes `$1,$` for the start of a dollar-quoted
string. ``parse_one`` puts a space after each `$n` that something other than a space
follows, outside string literals, quoted identifiers, comments and dollar-quoted bodies.

sqlglot logs a warning ("... contains unsupported syntax. Falling back to
parsing as a 'Command'.") through the ``sqlglot`` logger for every statement it
keeps as an opaque Command, such as the ``ALTER TABLE ... OWNER TO`` lines of
every ``pg_dump`` schema. With no logging configured, Python prints such
warnings on stderr, once per statement, quoting the statement.

The advisor already decides for itself what an unparsable or opaque statement
means (counted, reported with its location, or passed over), so those warnings
are noise. ``parse_one`` drops the ``sqlglot`` logger's records below ERROR
while, and only while, it parses: a filter on that one logger, switched on by a
context variable for the duration of the call (so other threads and other
users of sqlglot in the same process still get every warning), and records of
level ERROR and above always pass. No handler or level is touched.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

import sqlglot
from sqlglot import exp

from indexadvisor.pg.lexing import bound_lists, skip_token

_QUIET = contextvars.ContextVar("indexadvisor_quiet_sqlglot", default=False)


class _QuietWhileParsing(logging.Filter):
    """Drops the sqlglot logger's warnings (not its errors) during our own parse calls."""

    marker = "indexadvisor.pg.parsing"  # not .name: logging.Filter sets that per instance

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or not _QUIET.get()


def _install() -> None:
    logger = logging.getLogger("sqlglot")
    if not any(getattr(f, "marker", None) == _QuietWhileParsing.marker for f in logger.filters):
        logger.addFilter(_QuietWhileParsing())


_install()


def parse_one(sql: str, **opts: Any) -> exp.Expr:
    """sqlglot.parse_one (same arguments, same errors) without its warnings on stderr, and with
    lists longer than pg.lexing.LIST_LIMIT cut to that length first (bound_lists)."""
    token = _QUIET.set(True)
    try:
        return sqlglot.parse_one(space_parameters(bound_lists(sql)[0]), **opts)
    finally:
        _QUIET.reset(token)


def space_parameters(sql: str) -> str:
    """The text with a space after every `$n` parameter that a non-space follows (see above)."""
    if "$" not in sql:
        return sql
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        end = skip_token(sql, i)
        if end > i:
            out.append(sql[i:end])
            i = end
            continue
        if sql[i] == "$" and i + 1 < n and sql[i + 1].isdigit():
            j = i + 1
            while j < n and sql[j].isdigit():
                j += 1
            out.append(sql[i:j])
            if j < n and not sql[j].isspace():
                out.append(" ")
            i = j
            continue
        out.append(sql[i])
        i += 1
    return "".join(out)
