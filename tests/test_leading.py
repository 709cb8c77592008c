"""The costing-only rewrite that puts a table first in a statement's FROM (costing/leading.py):
moved only where the result cannot change, and the rewrite parses back."""

from __future__ import annotations

import pytest

from indexadvisor.costing.leading import lead_with
from indexadvisor.extract.patterns import parse


@pytest.mark.parametrize("sql, table, want", [
    ("SELECT l_shipmode FROM orders, lineitem WHERE o_orderkey = l_orderkey AND l_commitdate < l_receiptdate",
     "lineitem",
     "SELECT l_shipmode FROM lineitem, orders WHERE o_orderkey = l_orderkey AND l_commitdate < l_receiptdate"),
    ("SELECT 1 FROM supplier, lineitem l1, nation WHERE s_suppkey = l1.l_suppkey AND s_nationkey = n_nationkey",
     "lineitem",
     "SELECT 1 FROM lineitem AS l1, supplier, nation WHERE s_suppkey = l1.l_suppkey AND s_nationkey = n_nationkey"),
    # the second table swaps with the first, whatever joins them
    ("SELECT 1 FROM a LEFT JOIN b ON a.i = b.i WHERE b.x = 1", "b",
     "SELECT 1 FROM b RIGHT JOIN a ON a.i = b.i WHERE b.x = 1"),
    ("SELECT 1 FROM a RIGHT OUTER JOIN b ON a.i = b.i JOIN c ON c.i = a.i", "b",
     "SELECT 1 FROM b LEFT OUTER JOIN a ON a.i = b.i JOIN c ON c.i = a.i"),
    ("SELECT 1 FROM a JOIN b USING (i) FULL JOIN c ON c.i = b.i", "b", "SELECT 1 FROM b JOIN a USING (i) FULL JOIN c ON c.i = b.i"),
    ("SELECT 1 FROM a NATURAL JOIN b", "b", "SELECT 1 FROM b NATURAL JOIN a"),
    # further in, through inner joins: their ON conditions join the WHERE, a later LEFT JOIN stays as it is
    ("SELECT 1 FROM a JOIN b ON a.i = b.i JOIN c ON c.j = b.j LEFT JOIN d ON d.k = c.k WHERE a.x = 1", "c",
     "SELECT 1 FROM c CROSS JOIN a CROSS JOIN b LEFT JOIN d ON d.k = c.k WHERE (a.i = b.i) AND (c.j = b.j) AND (a.x = 1)"),
    ("SELECT 1 FROM a, b, public.\"Order\" o WHERE o.\"createdAt\" > $1 AND a.id = o.a_id AND b.id = a.b_id", "Order",
     'SELECT 1 FROM public."Order" AS o, a, b WHERE (o."createdAt" > $1 AND a.id = o.a_id AND b.id = a.b_id)'),
], ids=["commas", "alias", "left-join", "right-join", "using", "natural", "inner-joins", "quoted-and-parameter"])
def test_the_table_moves_to_the_front(sql, table, want):
    got = lead_with(sql, "public", table)
    assert got == want
    parse(got)


@pytest.mark.parametrize("sql, table", [
    ("SELECT 1 FROM lineitem, orders WHERE o_orderkey = l_orderkey", "lineitem"),  # first already
    ("SELECT 1 FROM lineitem WHERE l_quantity > 3", "lineitem"),  # alone
    ("SELECT 1 FROM a LEFT JOIN b ON a.i = b.i JOIN c ON c.i = b.i", "c"),  # an outer join on the way
    ("SELECT 1 FROM a JOIN b USING (i) JOIN c ON c.i = b.i", "c"),  # USING merges columns
    ("SELECT 1 FROM a JOIN b ON a.i = b.i JOIN c ON c.i = b.i RIGHT JOIN d ON d.i = a.i", "c"),  # ON to WHERE under a right join
    ("SELECT 1 FROM a, (SELECT * FROM lineitem) s", "lineitem"),  # only a subquery reads it
    ("SELECT 1 FROM orders WHERE EXISTS (SELECT 1 FROM lineitem WHERE l_orderkey = o_orderkey)", "lineitem"),
    ("SELECT 1 FROM a, other.lineitem", "lineitem"),  # another schema
    ("UPDATE lineitem SET l_tax = 0 FROM orders WHERE o_orderkey = l_orderkey", "lineitem"),  # the target is first
    ("SELECT 1 FROM a UNION SELECT 1 FROM b, lineitem", "lineitem"),
    ("SELECT FROM WHERE", "lineitem"),
])
def test_nothing_is_moved_where_the_meaning_could_change(sql, table):
    assert lead_with(sql, "public", table) is None
