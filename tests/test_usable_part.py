"""The part of an index a statement is costed with (costing/hypopg.py, PlannerCoster.usable_part).

Indexes that differ only in what a statement cannot use (trailing keys it never names, INCLUDE
columns, when the index cannot cover it) are one configuration for it, so the what-if calls a
statement takes are bounded by the ways an index can serve it (issue 18); a partial index whose
WHERE names a column the statement does not test is of no use to it at all. Offline: a DDL catalog.
"""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.costing.hypopg import PlannerCoster, WhatIf
from indexadvisor.extract.patterns import Extractor
from indexadvisor.model import Candidate, IndexKey, ParsedStatement, Statement

SCHEMA = "CREATE TABLE t (id int PRIMARY KEY, a int, b int, c int, d int, e text);"

CASES = [
    # statement, index (keys; INCLUDE; WHERE), the part it is costed with ("-": none)
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "a, c", "a"),
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "a, b, c", "a, b"),
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "b, a", "b, a"),
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "c, a", "c, a"),  # a key in the middle keeps its place
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "a; c", "a"),  # INCLUDE serves only an index-only scan
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "c", "-"),
    ("SELECT * FROM t WHERE a = $1 ORDER BY d", "a, d, c", "a, d"),
    ("SELECT a, b FROM t WHERE a = $1", "a, b", "a, b"),  # it covers the access: every column counts
    ("SELECT a, b FROM t WHERE a = $1", "a; b", "a; b"),
    ("SELECT a, e FROM t WHERE a = $1", "a, c", "a"),
    ("SELECT a, e FROM t WHERE a = $1", "a, e, c", "a, e, c"),  # an index-only scan reads whole entries
    ("SELECT a, b FROM t WHERE a = $1", "a; b, c", "a; b, c"),
    ("SELECT a, b FROM t WHERE a = $1 AND c = 1", "a; b;c = 1", "a; b;c = 1"),  # c is no column to fetch
    ("SELECT min(d) FROM t WHERE a = $1", "a, d", "a, d"),
    ("SELECT count(*) FROM t WHERE a = $1 GROUP BY b", "a, b, c", "a, b, c"),
    ("SELECT count(*), max(e) FROM t WHERE a = $1 GROUP BY b", "a, b, c", "a, b"),
    ("SELECT * FROM t WHERE a = $1", "a;;c = 1", "-"),  # the planner cannot prove the WHERE
    ("SELECT * FROM t WHERE a = $1 AND c = 1", "a;;c = 1", "a;;c = 1"),
    ("SELECT * FROM t WHERE a = $1 AND c = 2", "a, d;;c = 1", "a;;c = 1"),  # tested, if not implied: the planner decides
    ("SELECT * FROM t x JOIN t y ON x.a = y.b WHERE x.c = 1", "a, d", "a, d"),  # a self-join uses it twice
    ("SELECT * FROM t WHERE lower(e) = $1", "a, d", "a, d"),  # an expression's columns are not listed
]


def _index(text: str) -> Candidate:
    keys, include, where = (text.split(";") + ["", ""])[:3]
    return Candidate("public", "t", [IndexKey(k.strip()) for k in keys.split(",")],
                     [c.strip() for c in include.split(",") if c.strip()], where or None)


def _parsed(sql: str, catalog) -> ParsedStatement:
    accesses, _ = Extractor(catalog).extract(Statement("fp", sql, "case.sql", 1))
    return ParsedStatement(Statement("fp", sql, "case.sql", 1), accesses)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.sql"
    path.write_text(SCHEMA)
    errors: list = []
    found = read_ddl([path], errors)
    assert errors == []
    return found


@pytest.mark.parametrize("sql, index, part", CASES, ids=[f"{s} | {i}" for s, i, _ in CASES])
def test_usable_part(catalog, sql, index, part):
    coster = PlannerCoster(None, catalog)  # type: ignore[arg-type]  # the rule asks no server
    got = coster.usable_part(_parsed(sql, catalog), _index(index))
    if part == "-":
        assert got is None
    else:
        assert got is not None and got.spec == _index(part).spec


@pytest.mark.hypopg
def test_a_statement_costs_the_same_with_an_index_and_with_its_usable_part(fresh_db):
    """What the rule claims, asked of the planner: the trailing key and the INCLUDE column change
    the cost only by the index's size (a few pages of a 20,000-row table)."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute(SCHEMA.replace("e text", "e text NOT NULL"))
        conn.execute("INSERT INTO t SELECT g, g % 100, g % 7, g % 13, g % 17, 'x' || g FROM generate_series(1, 20000) g")
        conn.execute("ANALYZE t")
        whatif = WhatIf(conn)
        sql = "SELECT * FROM t WHERE a = 5 AND b = 3"
        from indexadvisor.costing.hypopg import hypo_index
        wide = whatif.cost("w", sql, [hypo_index("public", "t", [IndexKey("a"), IndexKey("c")], ["d"])]).cost
        part = whatif.cost("p", sql, [hypo_index("public", "t", [IndexKey("a")])]).cost
        none = whatif.cost("n", sql, []).cost
    assert part < none / 2
    assert abs(wide - part) < 0.1 * (none - part)
