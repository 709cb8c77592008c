"""Index kinds beyond the plain B-tree, each proposed only when it is the better index.

| kind | when (module) |
| --- | --- |
| `btree` | equality, ORDER BY (directions, NULLS) and range on plain columns; LIKE 'abc%' with a pattern opclass (candidates/requirements.py) |
| `partial` | a constant every execution of a shape carries (literal, boolean, IS [NOT] NULL) that selects a small part of the table per pg_stats: it goes into the WHERE, its column leaves the key (partial.py) |
| `covering` | a hot statement reading a few narrow columns beyond the key, on a mostly all-visible table: INCLUDE them for an index-only scan (covering.py) |
| `expression` | a filter on lower(col), col->>'k', casts, date_trunc ... on IMMUTABLE expressions, indexed exactly as written (expression.py) |
| `trigram` | LIKE/ILIKE '%abc%' (and ILIKE prefixes): GIN gin_trgm_ops, needs pg_trgm (trigram.py) |
| `gin` | jsonb @>, ?, ?|, ?& (jsonb_path_ops when only @>), arrays @>, <@, && (and = ANY, rewritten) (gin.py) |
| `brin` | a range filter on a large table whose column's physical order follows it (pg_stats.correlation near 1) (brin.py) |

B-tree, BRIN and their partial/covering/expression forms are priced like any
candidate (HypoPG, or the statistics model offline) and chosen by the greedy in
select/greedy.py. GIN cannot be created hypothetically by HypoPG, so GIN proposals
take a separate, rule-based path after the greedy (select/gin.py): priced by the
statistics model, marked as not planner-costed. Each kind module has the same
interface (base.py), and candidates/pool.py asks them in order.
"""

from __future__ import annotations

from collections.abc import Iterable

from indexadvisor.errors import InputError

KINDS = ("btree", "partial", "covering", "expression", "trigram", "gin", "brin")
ALL_KINDS = frozenset(KINDS)

LABELS = {
    "btree": "B-tree",
    "partial": "partial B-tree",
    "covering": "covering B-tree",
    "expression": "expression B-tree",
    "partial+covering": "partial covering B-tree",
    "trigram": "GIN trigram index",
    "gin": "GIN index",
    "brin": "BRIN index",
}


def parse_kinds(values: Iterable[str] | None) -> frozenset[str]:
    """`--kinds` values (repeatable, comma-separated; `all`) as a set; the plain B-tree is always on."""
    if not values:
        return ALL_KINDS
    wanted: set[str] = {"btree"}
    for value in values:
        for word in value.split(","):
            word = word.strip().lower()
            if not word:
                continue
            if word == "all":
                return ALL_KINDS
            if word not in ALL_KINDS:
                raise InputError(f"--kinds: unknown kind {word!r} (one of: all, {', '.join(KINDS)})")
            wanted.add(word)
    return frozenset(wanted)


def label(kind: str) -> str:
    return LABELS.get(kind, kind)
