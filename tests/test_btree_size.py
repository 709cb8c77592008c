"""The size of a new B-tree once built (costing/btree_size.py): against pg_relation_size of the
same index built for real, and the layout rules on their own."""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor.catalog.live import read_catalog
from indexadvisor.costing.btree_size import btree_bytes
from indexadvisor.model import Column, ColumnStats, IndexKey, Table
from indexadvisor.pg import session as db

MB = 1024 * 1024


def _table(**columns: tuple[str, ColumnStats]) -> Table:
    return Table("public", "t", {n: Column(n, t, stats=s) for n, (t, s) in columns.items()}, row_estimate=1_000_000, pages=10_000)


def test_repeated_keys_are_stored_once():
    """30 rows a key: a posting list of 6-byte heap pointers, not 30 entries of 16 bytes."""
    t = _table(a=("integer", ColumnStats(n_distinct=1_000_000 / 30, avg_width=4)),
               b=("integer", ColumnStats(n_distinct=-1, avg_width=4)))
    plain = btree_bytes(t, [IndexKey("b")], [], 1_000_000)
    deduplicated = btree_bytes(t, [IndexKey("a")], [], 1_000_000)
    assert 21 * MB < plain < 23 * MB  # 20 bytes an entry (8 header, 4 value, padded to 8, 4 line pointer), 90% full
    assert deduplicated < plain / 2
    # no deduplication with INCLUDE columns, in a unique index, or for numeric keys
    assert btree_bytes(t, [IndexKey("a")], ["b"], 1_000_000) >= plain
    assert btree_bytes(t, [IndexKey("a")], [], 1_000_000, unique=True) == plain


def test_an_index_on_no_rows_is_its_metapage_and_root():
    t = _table(a=("integer", ColumnStats(n_distinct=10, avg_width=4)))
    assert btree_bytes(t, [IndexKey("a")], [], 0.0) == 2 * 8192


def test_alignment_and_short_varlena():
    """A bigint after an int is padded to 8 (4 + 4 + 8 = 16 bytes of values) and a bigint first is
    not (8 + 4 = 12), but an entry is padded to 8 bytes anyway: 24 both. A short text value adds its
    bytes with a 1-byte header and no padding of its own: 8 + 4 + 5 = 17, an entry of 32, or of 24
    where the text is 4 bytes or less (the padding is averaged over a spread of widths)."""
    t = _table(i=("integer", ColumnStats(n_distinct=-1, avg_width=4)),
               big=("bigint", ColumnStats(n_distinct=-1, avg_width=8)),
               s=("text", ColumnStats(n_distinct=-1, avg_width=5)))
    pair = btree_bytes(t, [IndexKey("i"), IndexKey("big")], [], 1_000_000)
    assert pair == btree_bytes(t, [IndexKey("big"), IndexKey("i")], [], 1_000_000)
    assert 32 / 28 < btree_bytes(t, [IndexKey("big"), IndexKey("i"), IndexKey("s")], [], 1_000_000) / pair <= 36 / 28 + 0.01


@pytest.mark.parametrize("ddl", [
    "(account_id)",  # 40 rows a key: deduplicated
    "(account_id, created_at)",
    "(email)",  # text, all distinct
    "(created_at) INCLUDE (account_id, amount)",  # numeric INCLUDE: no deduplication
    "(status, account_id)",
    "(account_id) WHERE status = 'open'",
])
def test_the_estimate_is_what_create_index_writes(fresh_db, ddl):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE t (id bigserial PRIMARY KEY, account_id int NOT NULL, status text NOT NULL,
                            email text NOT NULL, created_at timestamptz NOT NULL, amount numeric(12, 2));
            INSERT INTO t (account_id, status, email, created_at, amount)
                SELECT g % 5000, (ARRAY['open', 'paid', 'paid', 'paid', 'void'])[1 + (g / 5000) % 5],
                       'user' || g || '@example.com', timestamptz '2025-01-01' + g * interval '1 minute', (g % 997) * 1.25
                FROM generate_series(1, 200000) g""")
        conn.execute("ANALYZE t")
        conn.execute(f"CREATE INDEX probe ON t {ddl}")
        real = conn.execute("SELECT pg_relation_size('probe')").fetchone()[0]
        conn.execute("DROP INDEX probe")
    with db.connect(fresh_db) as conn:
        table = read_catalog(conn).tables["public.t"]
    keys_text, _, rest = ddl.partition(")")
    keys = [IndexKey(k.strip()) for k in keys_text.strip("(").split(",")]
    include = [c.strip() for c in rest.split("INCLUDE (")[1].rstrip(")").split(",")] if "INCLUDE" in rest else []
    rows = float(table.row_estimate or 0) * (0.2 if "WHERE" in rest else 1.0)
    estimate = btree_bytes(table, keys, include, rows)
    assert 0.9 * real <= estimate <= 1.2 * real, (ddl, estimate, real)


def test_padding_is_averaged_where_widths_vary():
    """Three ints and two numerics of 6.8 bytes on average (pg_stats says 6: it rounds down) make
    entries of 32 and of 40 bytes, mostly 40: more than six ints, whose 24 bytes are always 32."""
    ints = {f"i{n}": ("integer", ColumnStats(n_distinct=-1, avg_width=4)) for n in range(6)}
    t = _table(**ints, n1=("numeric(10,2)", ColumnStats(n_distinct=-1, avg_width=6)),
               n2=("numeric(10,2)", ColumnStats(n_distinct=-1, avg_width=6)))
    fixed = btree_bytes(t, [IndexKey(f"i{n}") for n in range(6)], [], 1_000_000)
    varying = btree_bytes(t, [IndexKey("i0"), IndexKey("i1"), IndexKey("i2")], ["n1", "n2"], 1_000_000)
    assert 1.05 * fixed < varying < 44 / 36 * fixed


def test_an_expression_of_a_text_column_is_sized_as_the_column(fresh_db):
    """lower(email) keeps email's widths (built for real); an expression nothing describes counts
    EXPRESSION_WIDTH bytes."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE u (id bigserial PRIMARY KEY, email text NOT NULL)")
        conn.execute("INSERT INTO u (email) SELECT 'Someone.' || g || '@Example.com' FROM generate_series(1, 100000) g")
        conn.execute("ANALYZE u")
        conn.execute("CREATE INDEX probe ON u ((lower(email)))")
        real = conn.execute("SELECT pg_relation_size('probe')").fetchone()[0]
    with db.connect(fresh_db) as conn:
        table = read_catalog(conn).tables["public.u"]
    rows = float(table.row_estimate or 0)
    estimate = btree_bytes(table, [IndexKey(None, expression="lower(email)")], [], rows)
    assert 0.9 * real <= estimate <= 1.15 * real, (estimate, real)
    unknown = btree_bytes(table, [IndexKey(None, expression="md5(email)")], [], rows)
    bigints = _table(**{c: ("bigint", ColumnStats(n_distinct=-1, avg_width=8)) for c in "yzw"})
    three = btree_bytes(bigints, [IndexKey("y"), IndexKey("z"), IndexKey("w")], [], rows)  # 24 bytes of values too
    assert three <= unknown <= 1.02 * three  # (a wider pivot on the inner pages)


def test_a_numeric_value_takes_its_digit_groups_and_its_spread_comes_from_pg_stats():
    """A numeric is stored as base-10000 digit groups between its first and last non-zero one, after a
    1-byte varlena and a 2-byte numeric header; how far a numeric column's widths stray (and so how
    often an entry's padding rounds up) is read from its values in pg_stats, not assumed at 30%."""
    from indexadvisor.costing.btree_size import VARYING_SPREAD, _numeric_bytes, _width_spread

    assert [_numeric_bytes(v) for v in ("0.00", "5.00", "0.04", "932.00", "1539.58", "38012.34", "10000", "-12.5")] == \
        [3, 5, 5, 5, 7, 9, 5, 7]
    same = ColumnStats(avg_width=5, most_common_vals=["1.00", "2.00"], most_common_freqs=[0.5, 0.5])
    assert _width_spread("numeric", same, 5.5) == 0.0
    discounts = ColumnStats(avg_width=4, most_common_vals=["0.00", "0.05"], most_common_freqs=[0.5, 0.5])
    assert _width_spread("numeric", discounts, 4.5) == pytest.approx(3 ** 0.5)  # 3 or 5 bytes: a deviation of 1
    prices = ColumnStats(avg_width=8, histogram_bounds=["932.00", "1539.58", "38012.34", "95000.10"])
    assert _width_spread("numeric", prices, 8.5) == pytest.approx((3 * 2.75) ** 0.5)  # 5, 7, 9, 9 bytes: variance 2.75
    assert _width_spread("text", ColumnStats(avg_width=20), 20.5) == VARYING_SPREAD * 20.5
    assert _width_spread("numeric", ColumnStats(avg_width=8), 8.5) == VARYING_SPREAD * 8.5  # no values: as before
