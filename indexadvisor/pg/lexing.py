"""PostgreSQL's lexical rules for what can hide a semicolon or a `$1`: one scanner's pieces.

String literals ('' doubled, E'\\'' escapes), quoted identifiers, nested /* */ comments
and dollar-quoted strings ($$ and $tag$, whose tag follows identifier rules, non-ASCII
letters included). The statement splitter (sources/sqlfile.py) and the parameter
spacing before parsing (pg/parsing.py) both skip over them with these functions.
"""

from __future__ import annotations

import re

DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][\w\x80-\uffff]*)?\$")


def skip_block_comment(text: str, i: int, line: int) -> tuple[int, int]:
    """The end of the (nested) /* */ comment at i, and the line there."""
    depth = 0
    n = len(text)
    while i < n:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i, line
        else:
            j = min((k for k in (text.find("/*", i), text.find("*/", i)) if k >= 0), default=n)
            line += text.count("\n", i, j)
            i = j
    return n, line


def skip_quoted(text: str, i: int, quote: str, line: int, backslash: bool) -> tuple[int, int]:
    """The end of the quoted string or identifier at i (a doubled quote inside; backslash escapes
    in an E'' string), and the line there."""
    n = len(text)
    i += 1
    while i < n:
        j = text.find(quote, i)
        if backslash:
            b = text.find("\\", i, j if j >= 0 else n)
            if b >= 0:
                line += text.count("\n", i, b)
                i = b + 2
                continue
        if j < 0:
            line += text.count("\n", i, n)
            return n, line
        line += text.count("\n", i, j)
        if j + 1 < n and text[j + 1] == quote:
            i = j + 2
            continue
        return j + 1, line
    return n, line


def escape_string_at(text: str, i: int) -> bool:
    """Whether the quote at i opens an E'' string (backslash escapes), not a plain one."""
    return i > 0 and text[i - 1] in "eE" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_"))


def dollar_quote_end(text: str, i: int) -> int | None:
    """The end of the dollar-quoted string at i ($$ or $tag$; a tag cannot follow an identifier
    character, and $1 is a parameter); None when none starts there."""
    tag = DOLLAR_TAG.match(text, i)
    if tag is None or (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
        return None
    close = text.find(tag.group(0), tag.end())
    return len(text) if close < 0 else close + len(tag.group(0))


def skip_token(sql: str, i: int) -> int:
    """The end of a string literal, quoted identifier, comment or dollar-quoted body at i; i if none."""
    ch = sql[i]
    if ch == "'":
        return skip_quoted(sql, i, "'", 0, backslash=escape_string_at(sql, i))[0]
    if ch == '"':
        return skip_quoted(sql, i, '"', 0, backslash=False)[0]
    if sql.startswith("--", i):
        j = sql.find("\n", i)
        return len(sql) if j < 0 else j
    if sql.startswith("/*", i):
        return skip_block_comment(sql, i, 0)[0]
    if ch == "$":
        end = dollar_quote_end(sql, i)
        return i if end is None else end
    return i


# --------------------------------------------------------------------------- client-side placeholders

# words after which an operand comes: a `?` there is a value, not jsonb's key-exists operator
_BEFORE_OPERAND = frozenset(
    "and or not in is like ilike between limit offset then else when select values set first next to escape from "
    "distinct where having returning".split())
_NAMED = re.compile(r"%\((\w+)\)s|:([A-Za-z_]\w*)")


def number_placeholders(sql: str) -> tuple[str, int]:
    """The statement with a driver's placeholders (`?` of JDBC and ODBC, `%s` and `%(name)s` of
    psycopg, `:name` of SQLAlchemy's text() and others) written as PostgreSQL's `$1`, `$2`, one
    number per name, and how many there were; a statement that uses `$n` already is returned as
    it is. A placeholder stands where an operand does (after an operator, a parenthesis, a comma or
    a keyword such as AND or LIMIT): `payload ? 'key'` (jsonb), `a % s`, `x::int` and `arr[1:2]`
    are left alone."""
    if "?" not in sql and "%" not in sql and ":" not in sql:
        return sql, 0
    out: list[str] = []
    names: dict[str, int] = {}
    count = 0
    copied = i = 0
    while (m := _PLACEHOLDER_OR_SKIP.search(sql, i)) is not None:
        at = m.start()
        end = skip_token(sql, at)
        if end > at:
            i = end
            continue
        if sql[at] == "$":
            if at + 1 < len(sql) and sql[at + 1].isdigit():
                return sql, 0
            i = at + 1
            continue
        found = _placeholder(sql, at)
        if found is None or not _operand_expected(sql[max(0, at - 64):at]):
            i = at + 1
            continue
        length, name = found
        if name is None:
            count += 1
            number = len(names) + count
        else:
            number = names.setdefault(name, len(names) + count + 1)
        out += [sql[copied:at], f"${number}"]
        copied = i = at + length
    total = count + len(names)
    return ("".join(out) + sql[copied:], total) if total else (sql, 0)


_PLACEHOLDER_OR_SKIP = re.compile(r"['\"$?%:]|--|/\*")


def _placeholder(sql: str, at: int) -> tuple[int, str | None] | None:
    """The placeholder at `at` as (its length, its name or None), or None."""
    ch = sql[at]
    if ch == "?":
        return None if sql.startswith(("?|", "?&", "?-", "?#"), at) else (1, None)
    if sql.startswith("%s", at) and not (at + 2 < len(sql) and (sql[at + 2].isalnum() or sql[at + 2] == "_")):
        return 2, None
    if sql.startswith("::", at) or (at > 0 and sql[at - 1] == ":"):
        return None
    m = _NAMED.match(sql, at)
    return (m.end() - at, m.group(1) or m.group(2)) if m else None


def _operand_expected(before: str) -> bool:
    """Whether an operand comes next after this text: it ends in an operator, an opening
    parenthesis, a comma, or a keyword that an operand follows."""
    text = before.rstrip()
    if text[-1:] and text[-1] in "=<>(,+-*/[|":
        return True
    word = _LAST_WORD.search(text)
    return word is not None and word.group(0).lower() in _BEFORE_OPERAND


_LAST_WORD = re.compile(r'(?<![\w"])[A-Za-z_]+$')  # a whole word at the end, not the tail of a name or a quoted one


# --------------------------------------------------------------------------- long lists

LIST_LIMIT = 1000  # elements of an IN list, or rows of a VALUES list, kept for parsing and costing
SQUASHED_LENGTH = 10  # values a squashed list `IN ($1 /*, ... */)` is costed with (the planner's own guess for an array)

_ELEM = r"(?:[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|'(?:[^']|'')*'|\$\d+|(?i:null|true|false))(?:::\w+)?"
_ROW = rf"\(\s*{_ELEM}(?:\s*,\s*{_ELEM})*\s*\)"
# where a list can start, or something that can hide one (a quote, a comment, a dollar-quoted body)
_NEXT = re.compile(r"[(\'\"]|--|/\*|\$(?:[A-Za-z_][\w]*)?\$")
_HEAD = re.compile(rf"\(\s*{_ELEM}(?:\s*,\s*{_ELEM}){{{LIST_LIMIT - 1}}}")
_TAIL = re.compile(r"(?:[^'()]+|'(?:[^']|'')*')*\)")  # the rest of that list, to its closing parenthesis
_ROWS_HEAD = re.compile(rf"{_ROW}(?:\s*,\s*{_ROW}){{{LIST_LIMIT - 1}}}")
_MORE_ROWS = re.compile(rf"(?:\s*,\s*{_ROW})*")
_STRINGS = re.compile(r"'(?:[^']|'')*'")
_VALUES_BEFORE = re.compile(r"(?i)values\s*$")
# PostgreSQL 18's pg_stat_statements writes a list of constants as its first and a comment
_SQUASHED = re.compile(rf"(?P<first>{_ELEM})\s*/\*,\s*\.\.\.\s*\*/")


def bound_lists(sql: str) -> tuple[str, list[str]]:
    """The statement with every IN list (any parenthesised list of constants or parameters)
    longer than LIST_LIMIT cut to its first LIST_LIMIT values, every VALUES list to its first
    LIST_LIMIT rows, and a squashed list `IN ($1 /*, ... */)` (PostgreSQL 18's
    pg_stat_statements) written out as a list of SQUASHED_LENGTH values; and a note for each.

    What an index does for such a statement depends on the list being long, not on its
    values, and 2 million of them cost seconds and gigabytes to parse and to send to the
    planner each time. Text shorter than a list that long is returned as it is, at once."""
    notes: list[str] = []
    if "/*," in sql:
        sql, n = _SQUASHED.subn(lambda m: ", ".join([m.group("first")] * SQUASHED_LENGTH), sql)
        if n:
            notes.append(f"{n} list(s) written as pg_stat_statements squashes them (`IN ($1 /*, ... */)`): costed as "
                         f"lists of {SQUASHED_LENGTH} values")
    if len(sql) < 2 * LIST_LIMIT:
        return sql, notes
    out: list[str] = []
    last = i = 0
    n = len(sql)
    while (m := _NEXT.search(sql, i)) is not None:
        i = m.start()
        token = m.group(0)
        if token == "'":
            i = skip_quoted(sql, i, "'", 0, backslash=escape_string_at(sql, i))[0]
        elif token == '"':
            i = skip_quoted(sql, i, '"', 0, backslash=False)[0]
        elif token == "--":
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif token == "/*":
            i = skip_block_comment(sql, i, 0)[0]
        elif token != "(":
            end = dollar_quote_end(sql, i)
            i = m.end() if end is None else end
        elif _VALUES_BEFORE.search(sql, max(0, i - 30), i) and (rows := _ROWS_HEAD.match(sql, i)):
            more = _MORE_ROWS.match(sql, rows.end())
            end = more.end() if more is not None else rows.end()
            if end > rows.end():
                count = LIST_LIMIT + len(re.findall(_ROW, sql[rows.end():end]))
                notes.append(f"a VALUES list of {count:,} rows: parsed and costed with its first {LIST_LIMIT:,}")
                out.append(sql[last:rows.end()])
                last = end
            i = end
        elif (head := _HEAD.match(sql, i)) and (tail := _TAIL.match(sql, head.end())):
            rest = tail.group(0)
            count = LIST_LIMIT + _STRINGS.sub("", rest).count(",")
            if count > LIST_LIMIT:
                notes.append(f"an IN list of {count:,} values: parsed and costed with its first {LIST_LIMIT:,}")
                out.append(sql[last:head.end()] + ")")
                last = tail.end()
            i = tail.end()
        else:
            i += 1
    if not out:
        return sql, notes
    out.append(sql[last:])
    return "".join(out), notes


# pg_stat_statements writes the string of a typed literal (`interval '1 day'`, `date '2024-01-01'`)
# as a parameter, which leaves `interval $1`: text PostgreSQL does not parse. As a cast it does.
_TYPED_PARAMETER = re.compile(
    r"(?i)\b(?P<type>interval|date|timestamptz|timetz|(?:timestamp|time)(?:\s+with(?:out)?\s+time\s+zone)?)\s+"
    r"(?P<param>\$\d+)(?:\s+(?:year|month|day|hour|minute|second)s?\b(?:\s+to\s+(?:month|hour|minute|second)\b)?)?")
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\$\$.*?\$\$", re.S)


def typed_parameters(sql: str) -> str:
    """The statement with each typed literal whose value is a parameter (`interval $1`, `date $2`,
    as pg_stat_statements normalises `interval '1 day'`) written as a cast (`$1::interval`), which
    PostgreSQL can prepare; strings, quoted names and comments are left as they are."""
    if "$" not in sql:
        return sql
    out, last = [], 0
    for m in _QUOTED.finditer(sql):
        out.append(_TYPED_PARAMETER.sub(_as_cast, sql[last:m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_TYPED_PARAMETER.sub(_as_cast, sql[last:]))
    return "".join(out)


def _as_cast(m: re.Match[str]) -> str:
    return f"{m.group('param')}::{' '.join(m.group('type').lower().split())}"
