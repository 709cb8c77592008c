"""Index expressions: the text a query writes, a canonical form to compare by, and immutability.

The planner matches an expression index to a query by the parsed expression, so
the index must hold the expression the query uses, with the same constants:
`date_trunc('day', ts)` is not `date_trunc('DAY', ts)` to it. sqlglot rewrites
some constants when it prints an expression (the date_trunc unit, for one), so
`as_written` takes the expression's own characters from the statement (table
qualifiers removed: an index expression cannot name a query's alias) and checks
that they parse back to the same expression.

`signature` is only for comparing: two texts that PostgreSQL would read as the
same expression (case of keywords and unquoted names, `'k'::text` casts that
pg_get_indexdef adds, redundant parentheses, table qualifiers) get one signature.

`immutability_problem` says why an expression cannot be indexed: PostgreSQL
indexes only IMMUTABLE expressions, and a few common ones are only STABLE
(date_trunc or a cast to date of a timestamptz, text to timestamp casts ...).
The check is an allow-list, so an expression it does not know is reported, not guessed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.tokens import TokenType

from indexadvisor.pg import types as T
from indexadvisor.pg.parsing import parse_one

# a string literal cast to text, as pg_get_indexdef and pg_dump write it (`'day'::text`) or as the
# catalog keeps an expression sqlglot has written (`CAST('day' AS TEXT)`): the literal itself
_TEXT_CAST = re.compile(r"('(?:[^']|'')*')::(?:text|character varying|varchar)\b"
                        r"|\bCAST\(\s*('(?:[^']|'')*')\s+AS\s+(?:TEXT|VARCHAR|CHARACTER VARYING)\s*\)", re.I)
_JSON_OPS = (exp.JSONExtract, exp.JSONExtractScalar, exp.JSONBExtract, exp.JSONBExtractScalar)
_TEXTUAL = ("text", "varchar", "char", "citext", "name")


def parse_expression(text: str) -> exp.Expr | None:
    """An expression text as PostgreSQL reads it (identifiers folded); None when it does not parse."""
    try:
        node = parse_one(text, read="postgres")
    except (ParseError, TokenError, ValueError):
        return None
    if node is None or isinstance(node, (exp.Select, exp.Command)):
        return None
    return normalize_identifiers(node, dialect="postgres")


@functools.lru_cache(maxsize=4096)
def column_names(text: str) -> frozenset[str]:
    """The column names an expression or a partial index's WHERE reads (none when it does not parse)."""
    node = parse_expression(text)
    return frozenset(c.name for c in node.find_all(exp.Column)) if node is not None else frozenset()


def _canonical(node: exp.Expr) -> exp.Expr:
    node = node.copy()
    for col in list(node.find_all(exp.Column)):
        for part in ("table", "db", "catalog"):
            if col.args.get(part) is not None:
                col.set(part, None)

    while isinstance(node, exp.Paren):
        node = node.this
    for n in list(node.find_all(exp.Paren, exp.Cast)):
        if isinstance(n, exp.Paren):
            inner = n.this
            if not isinstance(inner, exp.Binary) or isinstance(inner, _JSON_OPS):
                n.replace(inner)
        elif isinstance(n, exp.Cast) and n.to.this in (exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR) and (
                (isinstance(n.this.unnest(), exp.Literal) and n.this.unnest().is_string)
                or (isinstance(n.this.unnest(), exp.Column) and isinstance(n.parent, exp.Func))):
            # a string literal; a column as a function's text argument, as PostgreSQL writes the implicit
            # cast of a varchar (`lower((email)::text)` for `lower(email)`: a cast it would have to add)
            n.replace(n.this.unnest())
    while isinstance(node, exp.Paren):
        node = node.this
    return node


@functools.lru_cache(maxsize=4096)
def _signature_of_text(text: str) -> str | None:
    node = parse_expression(_TEXT_CAST.sub(lambda m: m.group(1) or m.group(2), text))
    return signature(node) if node is not None else None


def signature(expr: str | exp.Expr) -> str:
    """A canonical text: equal for two expressions PostgreSQL reads as the same."""
    if isinstance(expr, str):
        return _signature_of_text(expr) or " ".join(expr.split())
    return _canonical(expr).sql(dialect="postgres", normalize_functions="lower")


# --------------------------------------------------------------------------- text as written


@functools.lru_cache(maxsize=256)
def _tokens(sql: str) -> tuple:
    try:
        return tuple(Postgres().tokenize(sql))
    except (TokenError, ValueError):
        return ()


def as_written(sql: str, node: exp.Expr) -> str | None:
    """The expression's own text in the statement, without table qualifiers; None if not found."""
    spans = [(n.meta["start"], n.meta["end"]) for n in node.walk()
             if n._meta and "start" in n._meta and "end" in n._meta]
    tokens = _tokens(sql)
    if not spans or not tokens:
        return None
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    starts = {t.start: i for i, t in enumerate(tokens)}
    ends = {t.end: i for i, t in enumerate(tokens)}
    if first not in starts or last not in ends:
        return None
    i0, j0 = starts[first], ends[last]
    cuts = _qualifier_cuts(node)
    want = signature(node)
    for s in range(i0, max(i0 - 4, -1), -1):
        if s < i0 and tokens[s].token_type != TokenType.L_PAREN:
            break
        for e in range(j0, min(j0 + 16, len(tokens))):
            start, end = tokens[s].start, tokens[e].end + 1
            text = _cut(sql, start, end, cuts)
            parsed = parse_expression(text)
            if parsed is not None and signature(parsed) == want:
                return " ".join(text.split()) if "'" not in text else text.strip()
    return None


def _qualifier_cuts(node: exp.Expr) -> list[tuple[int, int]]:
    """Character ranges of `alias.` qualifiers in front of the expression's columns."""
    cuts = []
    for col in node.find_all(exp.Column):
        parts = [col.args.get(p) for p in ("catalog", "db", "table")]
        starts = [p.meta["start"] for p in parts if isinstance(p, exp.Identifier) and p._meta and "start" in p._meta]
        ident = col.this
        if starts and isinstance(ident, exp.Identifier) and ident._meta and "start" in ident._meta:
            cuts.append((min(starts), ident.meta["start"]))
    return cuts


def _cut(sql: str, start: int, end: int, cuts: list[tuple[int, int]]) -> str:
    out, pos = [], start
    for a, b in sorted(cuts):
        if a < start or b > end:
            continue
        out.append(sql[pos:a])
        pos = b
    out.append(sql[pos:end])
    return "".join(out)


# --------------------------------------------------------------------------- immutability

# sqlglot node types (or function names) that PostgreSQL evaluates with IMMUTABLE functions
_IMMUTABLE_NODES = (
    exp.Lower, exp.Upper, exp.Trim, exp.Length, exp.Substring, exp.Left, exp.Right, exp.MD5,
    exp.Abs, exp.Round, exp.Floor, exp.Ceil, exp.Coalesce, exp.Nullif, exp.Greatest, exp.Least,
    exp.SplitPart, exp.RegexpReplace, exp.Reverse, exp.Paren, exp.Neg, exp.Literal, exp.Boolean,
    exp.Null, exp.JSONPath, exp.JSONPathKey, exp.JSONPathRoot, exp.JSONPathSubscript, exp.DataType,
    exp.Var, exp.Identifier, exp.Column, exp.AtTimeZone, exp.Tuple, exp.Array,
) + _JSON_OPS
_IMMUTABLE_FUNCTIONS = frozenset(
    """lower upper btrim ltrim rtrim trim md5 length char_length octet_length left right substr substring
    abs round floor ceil ceiling coalesce nullif greatest least split_part regexp_replace reverse replace
    translate jsonb_extract_path jsonb_extract_path_text jsonb_typeof jsonb_array_length array_length
    cardinality timezone initcap lpad rpad strpos position""".split()
)
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)


def immutability_problem(node: exp.Expr, column_type: Callable[[str], str | None]) -> str | None:
    """Why PostgreSQL would refuse to index this expression, or None when it can be indexed.

    column_type(name) gives a column's type (None when unknown).
    """
    for n in node.walk():
        if isinstance(n, (exp.Select, exp.Subquery, exp.Parameter, exp.Placeholder)):
            return "it holds a subquery or a parameter"
        if isinstance(n, exp.AggFunc) or isinstance(n, exp.Window):
            return "it holds an aggregate or a window function"
        if isinstance(n, (exp.TimestampTrunc, exp.DateTrunc, exp.Extract)) or \
                (isinstance(n, exp.Anonymous) and n.name.lower() in ("date_trunc", "date_part")):
            kind = _source_type(n.args.get("this") if not isinstance(n, exp.Anonymous) else (n.expressions[-1] if n.expressions else None), column_type)
            if kind is None:
                return "the type it truncates is unknown (date_trunc and extract of a timestamptz are not IMMUTABLE)"
            if T.is_timestamptz(kind):
                name = "extract/date_part" if isinstance(n, exp.Extract) or n.name.lower() == "date_part" else "date_trunc"
                return (f"{name} of a timestamp with time zone depends on the TimeZone setting (STABLE, not IMMUTABLE); "
                        "write it as date_trunc('day', col AT TIME ZONE 'UTC') in the query and index that")
            continue
        if isinstance(n, exp.Cast) or isinstance(n, exp.Date) and not n.expressions and not n.args.get("zone"):
            # date(x) is the cast x::date, as IMMUTABLE as the cast from x's type
            target = n.to.sql(dialect="postgres").lower() if isinstance(n, exp.Cast) else "date"
            problem = _conversion_problem(target, _source_type(n.this, column_type))
            if problem:
                return problem
            continue
        if isinstance(n, exp.DPipe):
            kinds = [_source_type(side, column_type) for side in (n.this, n.expression)]
            if not all(k is not None and k.startswith(_TEXTUAL) for k in kinds):
                return "|| of a non-text value is only STABLE"
            continue
        if isinstance(n, _ARITHMETIC):
            kinds = [_source_type(side, column_type) for side in (n.this, n.expression)]
            if any(k is not None and not T.is_numeric(k) for k in kinds):
                return "date/time arithmetic can depend on the TimeZone setting"
            continue
        if isinstance(n, exp.Anonymous) and n.name.lower() == "to_tsvector":
            if len(n.expressions) < 2:  # to_tsvector(regconfig, text) is IMMUTABLE, to_tsvector(text) STABLE
                return ("to_tsvector(document) without a configuration depends on default_text_search_config "
                        "(not IMMUTABLE): write to_tsvector('english', document) in the query and index that")
            continue
        if isinstance(n, exp.Anonymous):
            if n.name.lower() not in _IMMUTABLE_FUNCTIONS:
                return f"{n.name}() is not known to be IMMUTABLE (if it is, create the index by hand)"
            continue
        if isinstance(n, _IMMUTABLE_NODES):
            continue
        if isinstance(n, exp.Func):
            return f"{n.sql_name().lower()}() is not known to be IMMUTABLE"
    return None


def _source_type(node: exp.Expr | None, column_type: Callable[[str], str | None]) -> str | None:
    """The SQL type of a sub-expression, where it is evident."""
    while isinstance(node, exp.Paren):
        node = node.this
    if node is None:
        return None
    if isinstance(node, exp.Column):
        return column_type(node.name)
    if isinstance(node, exp.Cast):
        return node.to.sql(dialect="postgres").lower()
    if isinstance(node, exp.Date):
        return "date"
    if isinstance(node, (exp.JSONExtractScalar, exp.JSONBExtractScalar, exp.Lower, exp.Upper, exp.Trim, exp.DPipe)):
        return "text"
    if isinstance(node, (exp.JSONExtract, exp.JSONBExtract)):
        return "jsonb"
    if isinstance(node, exp.Literal):
        return "text" if node.is_string else "numeric"
    if isinstance(node, exp.AtTimeZone):
        inner = _source_type(node.this, column_type)
        if inner is not None and T.is_timestamptz(inner):
            return "timestamp"
        if inner is not None and T.is_timestamp(inner):
            return "timestamptz"
        return None
    return None


def _conversion_problem(target: str, source: str | None) -> str | None:
    """Why a conversion of a `source` value to `target` is not IMMUTABLE, or None."""
    if source is None:
        return f"the type cast to {target} is unknown, and some casts are not IMMUTABLE"
    if T.is_timestamptz(source) and (T.is_date(target) or T.is_timestamp(target) or T.is_textual(target)):
        return f"a cast of timestamp with time zone to {target} depends on the TimeZone setting (STABLE, not IMMUTABLE)"
    if (T.is_datetime(source)) and T.is_textual(target):
        return f"a cast of {source} to text depends on DateStyle (STABLE, not IMMUTABLE)"
    if T.is_textual(source) and T.is_datetime(target):
        return f"a cast of text to {target} depends on DateStyle/TimeZone (STABLE, not IMMUTABLE)"
    if T.is_timestamp(source) and T.is_timestamptz(target) or T.is_date(source) and T.is_timestamptz(target):
        return f"a cast of {source} to {target} depends on the TimeZone setting (STABLE, not IMMUTABLE)"
    return None
