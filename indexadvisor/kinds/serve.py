"""Which predicates a GIN or BRIN index can answer (B-trees: candidates.match).

GIN operator classes (PostgreSQL docs, "Built-in Operator Classes"; pg_trgm):

| opclass | type | operators |
| --- | --- | --- |
| jsonb_ops (default) | jsonb | @> ? ?| ?& (and @? @@) |
| jsonb_path_ops | jsonb | @> (and @? @@) |
| array_ops (default) | anyarray | @> <@ && = |
| gin_trgm_ops | text | LIKE ILIKE (and ~ ~*) |

`value = ANY(array_column)` is served by none of them: rewritten as
`array_column @> ARRAY[value]` it is.
"""

from __future__ import annotations

from typing import Optional

from indexadvisor.kinds import types as T
from indexadvisor.model import Index, IndexKey, Predicate, PredKind, Table, TableAccess

JSONB_OPS = frozenset({PredKind.CONTAINS, PredKind.HAS_KEY, PredKind.HAS_ANY_KEY, PredKind.HAS_ALL_KEYS})
JSONB_PATH_OPS = frozenset({PredKind.CONTAINS})
ARRAY_OPS = frozenset({PredKind.CONTAINS, PredKind.CONTAINED, PredKind.OVERLAPS})
TRGM_OPS = frozenset({PredKind.LIKE, PredKind.ILIKE, PredKind.LIKE_PREFIX})
GIN_KINDS = JSONB_OPS | ARRAY_OPS | TRGM_OPS | {PredKind.ANY_ELEMENT}
BRIN_KINDS = frozenset({PredKind.RANGE, PredKind.EQ, PredKind.IN})


def gin_operators(key: IndexKey, column_type: Optional[str]) -> frozenset[PredKind]:
    """The predicate kinds a GIN key with this opclass answers."""
    opclass = (key.opclass or "").lower()
    if opclass == "gin_trgm_ops":
        return TRGM_OPS
    if opclass == "jsonb_path_ops":
        return JSONB_PATH_OPS
    if opclass == "jsonb_ops" or T.is_jsonb(column_type):
        return JSONB_OPS
    if opclass in ("array_ops",) or T.is_array(column_type):
        return ARRAY_OPS
    if column_type is None and not opclass:
        return JSONB_OPS | ARRAY_OPS  # type unknown (no catalog): either default opclass
    return frozenset()


def served_predicates(index: Index, access: TableAccess, table: Optional[Table] = None) -> list[Predicate]:
    """The access's predicates a GIN or BRIN index answers (empty for other methods)."""
    from indexadvisor.candidates import key_ref, predicate_implied

    if not index.valid or not index.keys or index.method not in ("gin", "brin"):
        return []
    if index.where and not predicate_implied(index.where, access):
        return []
    out: list[Predicate] = []
    if index.method == "brin":
        ref = key_ref(index.keys[0])
        return [p for p in access.predicates if p.column == ref and p.kind in BRIN_KINDS]
    for key in index.keys:
        ref = key_ref(key)
        column = table.columns.get(ref) if table is not None and key.column else None
        ops = gin_operators(key, column.type if column is not None else None)
        out += [p for p in access.predicates if p.column == ref and p.kind in ops and p not in out]
    return out
