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
