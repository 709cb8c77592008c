"""Render index DDL: identifier quoting, deterministic index names, CREATE/DROP text.

Every generated statement goes through here, so quoting is decided in one place.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

from indexadvisor.model import IndexDef, IndexKey, Table

# Keywords PostgreSQL reserves (catcode R) or allows only as type/function names (T):
# both need quotes where a column or table name stands. Tested against pg_get_keywords().
RESERVED = frozenset(
    """
    all analyse analyze and any array as asc asymmetric both case cast check collate column
    constraint create current_catalog current_date current_role current_time current_timestamp
    current_user default deferrable desc distinct do else end except false fetch for foreign from
    grant group having in initially intersect into lateral leading limit localtime localtimestamp
    not null offset on only or order placing primary references returning select session_user some
    symmetric table then to trailing true union unique user using variadic when where window with
    authorization binary collation concurrently cross current_schema freeze full ilike inner is
    isnull join left like natural notnull outer overlaps right similar tablesample verbose
    system_user
    """.split()  # system_user: reserved since PostgreSQL 16; quoted on older servers too, which they accept
)
_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")
MAX_IDENT_BYTES = 63


def quote_ident(name: str) -> str:
    """Quote an identifier only when PostgreSQL needs it (case, characters, keywords)."""
    if _PLAIN.match(name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def render_key(key: IndexKey) -> str:
    text = quote_ident(key.column) if key.column is not None else f"({key.expression})"
    if key.collation:
        text += f" COLLATE {quote_ident(key.collation)}"
    if key.opclass:
        text += f" {key.opclass}"
    if key.desc:
        text += " DESC"
    if key.nulls_first is not None:
        text += " NULLS FIRST" if key.nulls_first else " NULLS LAST"
    return text


def index_name(table: str, keys: Iterable[IndexKey], include: Iterable[str] = (),
               where: str | None = None, method: str = "btree", taken: Iterable[str] = ()) -> str:
    """A deterministic name like PostgreSQL's own (`table_a_b_idx`), at most 63 bytes.

    The same index always gets the same name, so re-running the advisor makes no
    churn. A hash of the full definition is added when the readable name would be
    too long, would clash with an existing index, or leaves out part of the definition.
    """
    keys = list(keys)
    include = list(include)
    parts = [table] + [_name_part(k) for k in keys]
    definition = "|".join([table, method, ",".join(render_key(k) for k in keys), ",".join(include), where or ""])
    digest = hashlib.sha1(definition.encode()).hexdigest()[:8]
    suffix = "_idx"
    needs_hash = bool(where) or bool(include) or method != "btree" or any(k.expression for k in keys)
    base = "_".join(parts)
    name = f"{base}_{digest}{suffix}" if needs_hash else base + suffix
    taken_set = set(taken)
    if len(name.encode()) > MAX_IDENT_BYTES or name in taken_set:
        room = MAX_IDENT_BYTES - len(suffix) - len(digest) - 1
        name = f"{_truncate(base, room)}_{digest}{suffix}"
    return name


def _name_part(key: IndexKey) -> str:
    if key.column is not None:
        return key.column
    words = re.findall(r"[A-Za-z0-9]+", key.expression or "expr")
    return "_".join(words).lower()[:20] or "expr"  # lower case: no quotes needed for a name made up here


def _truncate(text: str, max_bytes: int) -> str:
    encoded = text.encode()[:max_bytes]
    return encoded.decode(errors="ignore").rstrip("_")


def create_index_sql(name: str, schema: str, table: str, keys: list[IndexKey], include: list[str],
                     where: str | None, method: str = "btree", unique: bool = False,
                     concurrently: bool = True, if_not_exists: bool = True) -> str:
    parts = ["CREATE"]
    if unique:
        parts.append("UNIQUE")
    parts.append("INDEX")
    if concurrently:
        parts.append("CONCURRENTLY")
    if if_not_exists:
        parts.append("IF NOT EXISTS")
    if name:  # hypothetical indexes go unnamed: HypoPG names them itself
        parts.append(quote_ident(name))
    parts.append("ON")
    parts.append(qualified(schema, table))
    if method != "btree":
        parts.append(f"USING {method}")
    parts.append("(" + ", ".join(render_key(k) for k in keys) + ")")
    if include:
        parts.append("INCLUDE (" + ", ".join(quote_ident(c) for c in include) + ")")
    if where:
        parts.append(f"WHERE {where}")
    return " ".join(parts) + ";"


def create_partitioned_index_sql(name: str, table: Table, spec: IndexDef, partitions: Callable[[Table], list[Table]],
                                 name_for: Callable[[Table], str]) -> list[str]:
    """The DDL that builds an index on a partitioned table without blocking writes.

    PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table ("cannot create index
    on partitioned table concurrently"): the index is made ON ONLY the parent (invalid until
    every partition has its index), each partition's index is built concurrently (a
    sub-partitioned one the same way) and attached, which makes the parent's valid.
    """
    parent = create_index_sql(name, table.schema, table.name, list(spec.keys), list(spec.include), spec.where,
                              spec.method, concurrently=False)
    on = f" ON {qualified(table.schema, table.name)} "
    out = [parent.replace(on, f" ON ONLY {qualified(table.schema, table.name)} ", 1)]
    for part in sorted(partitions(table), key=lambda t: t.name):
        part_name = name_for(part)
        if part.partitioned:
            out += create_partitioned_index_sql(part_name, part, spec, partitions, name_for)
        else:
            out.append(create_index_sql(part_name, part.schema, part.name, list(spec.keys), list(spec.include),
                                        spec.where, spec.method))
        out.append(f"ALTER INDEX {qualified(table.schema, name)} ATTACH PARTITION {qualified(part.schema, part_name)};")
    return out


def drop_index_sql(schema: str, name: str, concurrently: bool = True) -> str:
    how = "CONCURRENTLY " if concurrently else ""
    return f"DROP INDEX {how}IF EXISTS {qualified(schema, name)};"
