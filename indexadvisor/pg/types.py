"""Column type tests on the type names the catalogs give.

A live catalog names types as format_type() does (`timestamp with time zone`,
`character varying(20)`, `integer[]`); DDL files as they were written
(`timestamptz`, `varchar(20)`, `int[]`). These helpers accept both.
"""

from __future__ import annotations


def _norm(type_name: str | None) -> str:
    return (type_name or "").strip().lower().strip('"')


def is_array(t: str | None) -> bool:
    t = _norm(t)
    return t.endswith("]") or t.startswith("_")


def is_jsonb(t: str | None) -> bool:
    return _norm(t) == "jsonb"


def is_json(t: str | None) -> bool:
    return _norm(t) == "json"


def is_tsvector(t: str | None) -> bool:
    return _norm(t) == "tsvector"


def is_bool(t: str | None) -> bool:
    return _norm(t).startswith("bool")


def is_timestamptz(t: str | None) -> bool:
    t = _norm(t)
    return t.startswith("timestamptz") or (t.startswith("timestamp") and "with time zone" in t and "without" not in t)


def is_timestamp(t: str | None) -> bool:
    t = _norm(t)
    return t.startswith("timestamp") and not is_timestamptz(t)


def is_date(t: str | None) -> bool:
    return _norm(t) == "date"


def is_datetime(t: str | None) -> bool:
    t = _norm(t)
    return is_timestamp(t) or is_timestamptz(t) or is_date(t) or t.startswith(("time", "interval"))


def is_varchar(t: str | None) -> bool:
    t = _norm(t)
    return t.startswith(("varchar", "character varying"))


def is_bpchar(t: str | None) -> bool:
    t = _norm(t)
    return (t.startswith(("char", "character", "bpchar")) and not is_varchar(t)) and not is_array(t)


def is_textual(t: str | None) -> bool:
    t = _norm(t)
    return not is_array(t) and (t in ("text", "name", "citext") or is_varchar(t) or is_bpchar(t))


def is_numeric(t: str | None) -> bool:
    t = _norm(t)
    return not is_array(t) and t.startswith((
        "int", "bigint", "smallint", "numeric", "decimal", "real", "double", "float", "serial", "bigserial", "money", "oid",
    ))


# types with no default B-tree operator class: a B-tree key on them is refused ("data type json
# has no default operator class for access method btree"); INCLUDE columns need none
_NO_BTREE = ("json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle", "geometry", "geography")


def btree_key_type(t: str | None) -> bool:
    """Whether a plain B-tree key may be a column of this type (unknown types: yes)."""
    return _norm(t) not in _NO_BTREE


def is_wide(t: str | None) -> bool:
    """Types that are wide or variable by nature: never worth carrying in an index's INCLUDE."""
    t = _norm(t)
    return is_array(t) or t in ("json", "jsonb", "bytea", "xml", "tsvector", "hstore", "geometry", "geography")


def pattern_opclass(t: str | None, collation: str | None = None) -> str | None:
    """The B-tree operator class that serves LIKE 'abc%' on a column of this type and
    collation: none in C/POSIX, where the default one does; else the pattern class."""
    if collation in ("C", "POSIX"):
        return None
    if is_varchar(t):
        return "varchar_pattern_ops"
    if is_bpchar(t):
        return "bpchar_pattern_ops"
    return "text_pattern_ops"


_ALIASES = {
    "int": "integer", "int4": "integer", "integer": "integer", "serial": "integer", "serial4": "integer",
    "int8": "bigint", "bigint": "bigint", "bigserial": "bigint", "serial8": "bigint",
    "int2": "smallint", "smallint": "smallint", "bool": "boolean", "boolean": "boolean",
    "timestamptz": "timestamp with time zone", "timestamp with time zone": "timestamp with time zone",
    "timestamp": "timestamp without time zone", "timestamp without time zone": "timestamp without time zone",
    "float8": "double precision", "double precision": "double precision", "float4": "real", "real": "real",
    "text": "text", "date": "date", "uuid": "uuid", "jsonb": "jsonb", "json": "json",
}


def same_type(a: str | None, b: str | None) -> bool:
    """Whether two type names are the same type (`int4` and `integer`, `timestamptz` and
    `timestamp with time zone`); type modifiers must match too (numeric(10,2) is not numeric)."""
    na, nb = _norm(a), _norm(b)
    return bool(na) and _ALIASES.get(na, na) == _ALIASES.get(nb, nb)


def is_plain_text(t: str | None) -> bool:
    """text, varchar or name: types a cast between changes nothing a comparison sees (not
    char(n), whose padding casts remove, nor citext, whose comparisons ignore case)."""
    return is_textual(t) and not is_bpchar(t) and _norm(t) != "citext"
