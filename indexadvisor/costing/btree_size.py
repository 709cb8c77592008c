"""How big a new B-tree will be on disk, from the table's planner statistics.

A budget is spent in real bytes, so the size must be what CREATE INDEX writes, not what
HypoPG's hypopg_relation_size() guesses: on TPC-H SF1 that guess runs 1.5 to 3.7 times over
(lineitem (l_partkey): 149.5 MB against 43.0 MB built), which spends a 1 GB budget on 410 MB
of real indexes. The layout follows PostgreSQL's nbtree (src/include/access/nbtree.h,
itup.h, nbtdedup.c):

- a leaf entry is an 8-byte IndexTuple header, the key and INCLUDE values laid out with
  their types' alignment (a short varlena, up to 126 bytes, has a 1-byte header and no
  alignment), padded to 8 bytes, plus a 4-byte line pointer; where values vary in width the
  padding is averaged over a spread of widths (_Layout.entry);
- CREATE INDEX fills leaf pages to the default fillfactor (90%) and inner pages to 70%,
  of the 8,152 bytes a page holds after its header and the B-tree's special space;
- deduplication (PostgreSQL 13+; not for unique indexes, INCLUDE columns, or types whose
  equal values may differ in their bytes: numeric, float, interval, jsonb, arrays) stores a
  run of equal keys once, with a 6-byte heap pointer per row, in posting lists of up to half
  the largest entry a page takes (1,352 bytes). Equal keys are counted from pg_stats
  n_distinct, the columns taken as independent (which can only undercount them, and so
  overstate the size). ANALYZE's sample tends to undercount a column's distinct values,
  which would understate the size, so deduplication is counted only where keys repeat on
  average at least DEDUP_MIN_ROWS times (comments ("taskId"), 1.5 rows a key by pg_stats and
  1.27 for real: counted without it, 17.1 MB against 16.2 MB built, not 15.1).

An expression key is sized as the text column under lower(), upper() or trim() (the values keep
their widths and stay apart); any other expression as EXPRESSION_WIDTH bytes, not deduplicated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from indexadvisor.model import ColumnStats, IndexKey, Table
from indexadvisor.pg.selectivity import expression_column_stats

PAGE = 8192
USABLE = PAGE - 24 - 16  # page header, B-tree special space
LEAF_FILL = 0.90  # BTREE_DEFAULT_FILLFACTOR
INNER_FILL = 0.70  # BTREE_NONLEAF_FILLFACTOR
HEADER = 8  # IndexTupleData: heap pointer and info bits
LINE_POINTER = 4
TID = 6  # one heap pointer of a posting list
MAX_POSTING = 1352  # bytes a posting-list entry grows to (BTMaxItemSize / 2 on 8 kB pages)
EXPRESSION_WIDTH = 24  # bytes of an expression value of unknown width: a short text (a jsonb value, an id)
DEDUP_MIN_ROWS = 2.0
VARYING_SPREAD = 0.3  # how far variable widths stray from their mean, as a share of it
DEFAULT_WIDTH = 8  # a varlena column without pg_stats

# fixed-width types: (bytes, alignment, deduplicable)
_FIXED = {
    "boolean": (1, 1, True), "bool": (1, 1, True), "char": (1, 1, True),
    "smallint": (2, 2, True), "int2": (2, 2, True),
    "integer": (4, 4, True), "int": (4, 4, True), "int4": (4, 4, True), "oid": (4, 4, True), "date": (4, 4, True),
    "bigint": (8, 8, True), "int8": (8, 8, True), "money": (8, 8, True),
    "real": (4, 4, False), "float4": (4, 4, False), "double precision": (8, 8, False), "float8": (8, 8, False),
    "timestamp": (8, 8, True), "timestamptz": (8, 8, True), "time": (8, 8, True),
    "timetz": (12, 8, True), "interval": (16, 8, False), "uuid": (16, 1, True),
}
# variable-width types that deduplicate (text-like under a deterministic collation, bytes)
_VARLENA_DEDUP = ("text", "character varying", "varchar", "character", "bpchar", "bytea", "citext", "inet", "cidr")


def _base(type_name: str) -> str:
    """`timestamp(3) with time zone` -> timestamptz, `character varying(20)` -> character varying."""
    t = type_name.strip().lower().strip('"')
    if t.endswith("]"):
        return "array"
    if t.startswith("timestamp"):
        return "timestamptz" if "with time zone" in t and "without" not in t or t.startswith("timestamptz") else "timestamp"
    if t.startswith("time"):
        return "timetz" if "with time zone" in t and "without" not in t or t.startswith("timetz") else "time"
    return t.split("(")[0].strip()


@dataclass
class _Layout:
    """An entry's values: their bytes (aligned), the part of them that varies from row to row
    (variable-width values, at their mean), whether every column deduplicates, and the chance
    that an entry holds a NULL (which adds a null bitmap, padded to 8 bytes)."""

    data: float
    varying: float
    dedup: bool
    nulls: float
    spread: float = 0.0  # how far the variable widths stray from their mean, either way

    def entry(self) -> float:
        """Mean bytes of a leaf entry with its line pointer. Each entry is padded to 8 bytes on
        its own length, so where widths vary the padding is averaged over a spread of them, not
        taken at the mean width: two numeric values of 6.8 bytes after 12 fixed ones make entries
        of 32 and of 40 bytes, 39 on average."""
        if not self.varying:
            return _padded(HEADER + self.data + 8 * self.nulls) + LINE_POINTER
        spread = max(1.0, self.spread)
        fixed = HEADER + self.data - self.varying + 8 * self.nulls
        points = [self.varying - spread + 2 * spread * i / 16 for i in range(17)]
        return sum(_padded(fixed + v) for v in points) / len(points) + LINE_POINTER


def _padded(n: float) -> int:
    return 8 * math.ceil(n / 8)


_Value = tuple[str, ColumnStats | None] | None  # an entry's value: its type and statistics; None: unknown


def _values(table: Table | None, keys: Sequence[IndexKey], include: Sequence[str]) -> list[_Value]:
    """Each key's and INCLUDE column's type and statistics: a column's own; for lower(), upper()
    or trim() of a text column, that column's (the values keep their widths and stay apart);
    None for another expression or a column the catalog does not know."""
    out: list[_Value] = []
    for name, expression in [(k.column, k.expression) for k in keys] + [(c, None) for c in include]:
        if expression is not None:
            stats = expression_column_stats(table, expression)
            out.append(("text", stats) if stats is not None else None)
            continue
        col = table.columns.get(name) if table is not None and name else None
        out.append((col.type, col.stats) if col is not None else None)
    return out


def _numeric_bytes(text: str) -> int:
    """The bytes a numeric value takes in an index entry: a 1-byte varlena header, the 2-byte
    short-numeric header and 2 bytes for each base-10000 digit group between its first and last
    non-zero one (numeric.c: make_result; NaN and zero have none)."""
    whole, _, fraction = text.strip().lstrip("+-").partition(".")
    if not whole.replace("0", "").isdigit() and not fraction.replace("0", "").isdigit():
        return 3  # zero, NaN, Infinity
    digits = whole.rjust(-(-len(whole) // 4) * 4, "0") + fraction.ljust(-(-len(fraction) // 4) * 4, "0")
    groups = [digits[i:i + 4] for i in range(0, len(digits), 4)]
    while groups and groups[0] == "0000":
        groups.pop(0)
    while groups and groups[-1] == "0000":
        groups.pop()
    return 3 + 2 * len(groups)


def _width_spread(base: str, stats: ColumnStats | None, width: float) -> float:
    """How far a variable-width value strays from its mean width, either way: for a numeric
    column, from its values in pg_stats (most common values by frequency, the histogram's bounds
    for the rest), as a uniform spread of the same variance; else VARYING_SPREAD of its width.
    TPC-H's prices and discounts are 7 or 9 and 3 or 5 bytes: three numerics taken at 30% either
    way padded the entries of (l_shipdate, l_partkey, l_quantity) INCLUDE (l_suppkey, l_extendedprice,
    l_discount) to 8 bytes too seldom (48.7 bytes an entry against 50.0 in the data, 3.2% under)."""
    if base not in ("numeric", "decimal") or stats is None:
        return VARYING_SPREAD * width
    samples = list(zip(stats.most_common_vals or [], stats.most_common_freqs or []))
    bounds = stats.histogram_bounds or []
    rest = max(0.0, 1.0 - sum(f for _, f in samples))
    samples += [(b, rest / len(bounds)) for b in bounds]
    total = sum(f for _, f in samples)
    if total <= 0:
        return VARYING_SPREAD * width
    widths = [(_numeric_bytes(v), f / total) for v, f in samples]
    mean = sum(w * f for w, f in widths)
    return math.sqrt(3.0 * sum(f * (w - mean) ** 2 for w, f in widths))


def _layout(values: Sequence[_Value]) -> _Layout:
    """The layout of an entry of these values (see _Layout)."""
    offset, varying, dedup, nulls, spread = 0.0, 0.0, True, 0.0, 0.0
    for value in values:
        if value is None:  # an expression, or a column the catalog does not know
            offset += EXPRESSION_WIDTH
            dedup = False
            continue
        type_name, stats = value
        if stats is not None:
            nulls += stats.null_frac
        base = _base(type_name)
        if base in _FIXED:
            size, align, ok = _FIXED[base]
            offset = math.ceil(offset / align) * align + size
            dedup = dedup and ok
            continue
        # pg_stats.avg_width is a whole number, rounded down: half a byte more on average
        width = stats.avg_width + 0.5 if stats is not None and stats.avg_width > 0 else DEFAULT_WIDTH
        if width > 126:
            offset = math.ceil(offset / 4) * 4
        offset += width
        varying += width
        spread += _width_spread(base, stats, width)
        dedup = dedup and base in _VARLENA_DEDUP
    return _Layout(offset, varying, dedup, min(nulls, 1.0), spread)


def _distinct(table: Table | None, values: Sequence[_Value], rows: float) -> float | None:
    """Distinct key values among `rows` of the table's rows (a partial index holds fewer), the
    columns taken as independent; None when a column's n_distinct is unknown."""
    total = max(float(table.row_estimate or 0), rows, 1.0) if table is not None else rows
    combos = 1.0
    for value in values:
        stats = value[1] if value is not None else None
        if stats is None or stats.n_distinct == 0:
            return None
        combos *= max(stats.n_distinct if stats.n_distinct > 0 else -stats.n_distinct * total, 1.0)
    combos = min(combos, total)
    # each value on total / combos rows; a value is in a share `rows / total` of them with
    # the chance that at least one of its rows is
    return combos * -math.expm1(math.log1p(-min(rows / total, 1.0 - 1e-12)) * total / combos) if rows < total else combos


def entry_bytes(table: Table | None, keys: Sequence[IndexKey], include: Sequence[str]) -> float:
    """Mean bytes a leaf entry of these keys and INCLUDE columns takes on its page, its line
    pointer included: two indexes with equal entries are equal in size, posting lists aside."""
    return _layout(_values(table, keys, include)).entry()


def btree_bytes(table: Table | None, keys: Sequence[IndexKey], include: Sequence[str], rows: float,
                unique: bool = False) -> int:
    """The bytes a B-tree on `rows` rows of the table takes once built (see the module's notes)."""
    if rows < 1.0:
        return 2 * PAGE  # the metapage and an empty root: a partial index whose WHERE no row meets
    values = _values(table, keys, include)
    layout = _layout(values)
    entry = layout.entry()
    leaf_bytes = rows * entry
    groups = _distinct(table, values, rows) if layout.dedup and not include and not unique else None
    if groups is not None and rows >= DEDUP_MIN_ROWS * groups:
        # rows per key: one, and the rest spread as a Poisson count; a key alone stays a plain entry
        alone = groups * math.exp(-(rows / groups - 1.0))
        shared = rows - alone
        per_posting = max(1, (MAX_POSTING - entry) // TID)
        postings = (groups - alone) + shared / per_posting  # posting entries, long runs split
        leaf_bytes = min(leaf_bytes, alone * entry + postings * (entry + TID / 2) + shared * TID)
    leaves = max(1.0, math.ceil(leaf_bytes / (USABLE * LEAF_FILL)))
    pivot = _layout(values[:1]).entry()  # suffix truncation keeps the leading key
    inner = math.ceil(leaves * pivot / (USABLE * INNER_FILL)) if leaves > 1 else 0
    return int((leaves + inner + 1) * PAGE)  # and the metapage
