"""PostgreSQL's own grammar, through pglast (libpg_query: the server's parser as a library).

sqlglot reads statements into a tree the advisor can walk, but it accepts some text that
PostgreSQL rejects (`SELECT +`) and rejects some that PostgreSQL accepts (constructs it
does not know yet). Asking PostgreSQL's parser as well tells the two apart: text it
rejects is not PostgreSQL (an error, with PostgreSQL's message); text it accepts that
sqlglot cannot read is a gap of ours (named as such). Only the grammar is checked: names,
types and functions are the catalog's business.
"""

from __future__ import annotations

from pglast import parser

# longer texts are left to sqlglot alone (the check is about the grammar, and a statement of
# megabytes is a long literal list, whose grammar is not in doubt)
MAX_CHECKED = 100_000


def postgres_error(sql: str) -> str | None:
    """PostgreSQL's syntax error for the text, None when its grammar accepts it (or it is too long to check)."""
    if len(sql) > MAX_CHECKED:
        return None
    try:
        parser.parse_sql_json(sql)
    except parser.ParseError as exc:
        message = str(exc.args[0]) if exc.args else "syntax error"
        where = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        return message if where is None else f"{message} (at character {where + 1})"
    return None
