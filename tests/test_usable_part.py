"""The part of an index a statement is costed with (costing/hypopg.py, PlannerCoster.usable_part).

For a statement offered many candidates, indexes that differ only in what it cannot use
(trailing keys it never names, INCLUDE columns, when the index cannot cover it, and where they
do not change the entry's bytes) are one configuration for it, so the what-if calls it takes are
bounded by the ways an index can serve it (issue 18); a partial index whose WHERE names a column
the statement does not test is of no use to any statement. Offline: a DDL catalog.
"""

from __future__ import annotations

import psycopg
import pytest
from casefiles import apply_stats

from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.costing.hypopg import CROWDED, PlannerCoster, WhatIf
from indexadvisor.extract.patterns import Extractor
from indexadvisor.model import Candidate, IndexKey, ParsedStatement, Statement

SCHEMA = "CREATE TABLE t (id int PRIMARY KEY, a int, b int, c int, d int, e text);"

CASES = [
    # statement, index (keys; INCLUDE; WHERE), the part it is costed with ("-": none)
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "a, c", "a"),
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "a, b, c", "a, b, c"),  # 24 bytes an entry against 16: its size differs
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "a, b, c, d", "a, b, c, d"),
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "b, a", "b, a"),
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "c, a", "c, a"),  # a key in the middle keeps its place
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "a; c", "a"),  # INCLUDE serves only an index-only scan
    ("SELECT * FROM t WHERE a = $1 AND b = $2", "c", "-"),
    ("SELECT * FROM t WHERE a = $1 ORDER BY d", "a, d, c", "a, d, c"),
    ("SELECT * FROM t WHERE a = $1 ORDER BY d", "a, c", "a"),
    ("SELECT a, b FROM t WHERE a = $1", "a, b", "a, b"),  # it covers the access: every column counts
    ("SELECT a, b FROM t WHERE a = $1", "a; b", "a; b"),
    ("SELECT a, e FROM t WHERE a = $1", "a, c", "a"),
    ("SELECT a, e FROM t WHERE a = $1", "a, e, c", "a, e, c"),  # an index-only scan reads whole entries
    ("SELECT a, b FROM t WHERE a = $1", "a; b, c", "a; b, c"),
    ("SELECT a, b FROM t WHERE a = $1 AND c = 1", "a; b;c = 1", "a; b;c = 1"),  # c is no column to fetch
    ("SELECT min(d) FROM t WHERE a = $1", "a, d", "a, d"),
    ("SELECT count(*) FROM t WHERE a = $1 GROUP BY b", "a, b, c", "a, b, c"),
    ("SELECT count(*), max(e) FROM t WHERE a = $1 GROUP BY b", "a, c", "a"),
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


# pg_stats' average widths, as a live database has them: an int takes 4 bytes, e 12
STATS = "t rows=20000\n" + "\n".join(f"t.{c} distinct=100 width={w}" for c, w in
                                     (("id", 4), ("a", 4), ("b", 4), ("c", 4), ("d", 4), ("e", 12)))


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.sql"
    path.write_text(SCHEMA)
    errors: list = []
    found = read_ddl([path], errors)
    assert errors == []
    apply_stats(found, STATS)
    return found


@pytest.mark.parametrize("sql, index, part", CASES, ids=[f"{s} | {i}" for s, i, _ in CASES])
def test_usable_part_of_a_crowded_statement(catalog, sql, index, part):
    coster = PlannerCoster(None, catalog)  # type: ignore[arg-type]  # the rule asks no server
    parsed = _parsed(sql, catalog)
    coster.offer(parsed, [_index("a")] * (CROWDED + 1))  # as the screen offers a statement many candidates
    got = coster.usable_part(parsed, _index(index))
    if part == "-":
        assert got is None
    else:
        assert got is not None and got.spec == _index(part).spec


@pytest.mark.parametrize("sql, index, part", CASES, ids=[f"{s} | {i}" for s, i, _ in CASES])
def test_elsewhere_an_index_is_costed_whole_or_not_at_all(catalog, sql, index, part):
    coster = PlannerCoster(None, catalog)  # type: ignore[arg-type]
    got = coster.usable_part(_parsed(sql, catalog), _index(index))
    if part == "-":
        assert got is None
    else:
        assert got is not None and got.spec == _index(index).spec


def test_an_int_after_a_wider_key_changes_the_entry_and_stays(tmp_path):
    """(b, a) and (b) differ in bytes per entry where b is a bigint: the index's size differs, and
    so may the statement's cost."""
    path = tmp_path / "schema.sql"
    path.write_text("CREATE TABLE t (id int PRIMARY KEY, a int, b bigint, e text);")
    errors: list = []
    catalog = read_ddl([path], errors)
    coster = PlannerCoster(None, catalog)  # type: ignore[arg-type]
    parsed = _parsed("SELECT * FROM t WHERE b = $1", catalog)
    coster.offer(parsed, [_index("a")] * (CROWDED + 1))
    assert coster.usable_part(parsed, _index("b, a")).spec == _index("b, a").spec
    assert coster.usable_part(parsed, _index("a, b")).spec == _index("a, b").spec  # b is named: kept


def _costs(dsn: str, sql: str, wide: str, narrow: str) -> tuple[float, float, float]:
    """The planner's cost of the statement on 20,000 rows of t with each index (HypoPG), and with none."""
    from indexadvisor.costing.hypopg import hypo_index
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute(SCHEMA.replace("e text", "e text NOT NULL"))
        conn.execute("INSERT INTO t SELECT g, g % 100, g % 7, g % 13, g % 17, 'x' || g FROM generate_series(1, 20000) g")
        conn.execute("ANALYZE t")
        whatif = WhatIf(conn)
        costs = [whatif.cost(key, sql, [hypo_index("public", "t", c.keys, c.include)] if c else []).cost
                 for key, c in (("w", _index(wide)), ("n", _index(narrow)), ("0", None))]
    return costs[0], costs[1], costs[2]


@pytest.mark.hypopg
def test_a_statement_costs_the_same_with_an_index_and_with_its_usable_part(fresh_db):
    """What the rule claims, asked of the planner: the trailing key and the INCLUDE column change
    the cost only by the index's size (a few pages of a 20,000-row table)."""
    wide, part, none = _costs(fresh_db, "SELECT * FROM t WHERE a = 5 AND b = 3", "a, c; d", "a")
    assert part < none / 2
    assert abs(wide - part) < 0.1 * (none - part)


ALIKE = [
    # statement, the wider index, the narrower one it replaces, whether the statement uses them alike
    ("SELECT * FROM t WHERE a = $1", "a, c", "a", True),  # c named nowhere: the same plan on a bigger index
    ("SELECT * FROM t WHERE a = $1", "a; c", "a", True),
    ("SELECT * FROM t WHERE a = $1 AND c = $2", "a, c", "a", False),  # c searched
    ("SELECT * FROM t WHERE a = $1 ORDER BY c", "a, c", "a", False),  # c sorted on
    ("SELECT c FROM t WHERE a = $1", "a; c", "a", False),  # wide covers it: an index-only scan
    ("SELECT e FROM t WHERE a = $1", "a; c", "a; d", False),  # d held by the narrow one only
    ("SELECT e FROM t WHERE a = $1", "a, c; d", "a; d", True),
    ("SELECT * FROM t WHERE a = $1", "c, a", "a", False),  # not narrow's keys first
    ("SELECT * FROM t WHERE a = $1", "a, c;;b = 1", "a", False),  # another WHERE
    ("SELECT * FROM t WHERE lower(e) = $1 AND a = $2", "a, c", "a", False),  # an expression: columns unknown
    ("SELECT * FROM t x JOIN t y ON x.a = y.b", "a, c", "a", True),
    ("SELECT * FROM t x JOIN t y ON x.a = y.c", "a, c", "a", False),  # the other alias joins on c
]


@pytest.mark.parametrize("sql, wide, narrow, alike", ALIKE, ids=[f"{s} | {w} | {n}" for s, w, n, _ in ALIKE])
def test_a_statement_uses_a_wider_index_alike_only_when_it_names_none_of_its_other_columns(catalog, sql, wide, narrow, alike):
    coster = PlannerCoster(None, catalog)  # type: ignore[arg-type]
    assert coster.uses_alike(_parsed(sql, catalog), _index(wide), _index(narrow)) is alike


@pytest.mark.hypopg
def test_a_statement_costs_alike_with_an_index_and_with_a_wider_one_it_uses_alike(fresh_db):
    """What uses_alike claims, asked of the planner: the grown index's extra key and INCLUDE column
    change the cost of a statement that names neither only by the index's size."""
    wide, narrow, none = _costs(fresh_db, "SELECT e FROM t WHERE a = 5 AND b = 3 ORDER BY d", "a, c; id", "a")
    assert narrow < none / 2
    assert narrow <= wide < narrow + 0.1 * (none - narrow)
