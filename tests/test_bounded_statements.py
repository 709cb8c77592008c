"""Statements bounded before parsing and costing (issue 18): long IN and VALUES lists, squashed
pg_stat_statements lists, and parameter types inferred in a bounded number of PREPAREs."""

from __future__ import annotations

import psycopg
import pytest
from sqlglot import exp

from indexadvisor import api
from indexadvisor.costing.hypopg import MAX_GUESSES, WhatIf, initial_types
from indexadvisor.pg import session as db
from indexadvisor.pg.lexing import LIST_LIMIT, SQUASHED_LENGTH, bound_lists, typed_parameters
from indexadvisor.pg.parsing import parse_one
from indexadvisor.sources.fingerprint import literals


def _in(n: int, fmt: str = "{}") -> str:
    return "(" + ", ".join(fmt.format(i) for i in range(n)) + ")"


CASES = [
    # (statement, what is kept, notes)
    ("SELECT * FROM t WHERE a IN " + _in(LIST_LIMIT), "SELECT * FROM t WHERE a IN " + _in(LIST_LIMIT), 0),
    ("SELECT * FROM t WHERE a IN " + _in(LIST_LIMIT + 1), "SELECT * FROM t WHERE a IN " + _in(LIST_LIMIT), 1),
    ("SELECT * FROM t WHERE a IN " + _in(5000, "${}") + " AND b = 'x'",
     "SELECT * FROM t WHERE a IN " + _in(LIST_LIMIT, "${}") + " AND b = 'x'", 1),
    ("SELECT * FROM t WHERE a IN " + _in(3000, "'a,{}'"), "SELECT * FROM t WHERE a IN " + _in(LIST_LIMIT, "'a,{}'"), 1),
    ("INSERT INTO t VALUES " + ", ".join(f"({i}, 'x''y', NULL)" for i in range(3000)) + " RETURNING id",
     "INSERT INTO t VALUES " + ", ".join(f"({i}, 'x''y', NULL)" for i in range(LIST_LIMIT)) + " RETURNING id", 1),
    # inside a string or a comment a list is text, not a list
    ("SELECT '" + _in(3000) + "' FROM t", "SELECT '" + _in(3000) + "' FROM t", 0),
    ("SELECT 1 /* " + _in(3000) + " */ FROM t", "SELECT 1 /* " + _in(3000) + " */ FROM t", 0),
    ("SELECT * FROM t WHERE a IN ($1 /*, ... */)", "SELECT * FROM t WHERE a IN (" + ", ".join(["$1"] * SQUASHED_LENGTH) + ")", 1),
]


@pytest.mark.parametrize("sql, kept, notes", CASES, ids=range(len(CASES)))
def test_long_lists_are_cut_and_said(sql, kept, notes):
    text, said = bound_lists(sql)
    assert text == kept
    assert len(said) == notes


def test_the_note_counts_the_list():
    assert bound_lists("SELECT * FROM t WHERE a IN " + _in(2500))[1] == [
        f"an IN list of 2,500 values: parsed and costed with its first {LIST_LIMIT:,}"]


def test_a_squashed_list_parses_as_a_list():
    # PostgreSQL 18's pg_stat_statements: `IN ($1 /*, ... */)` is a list, not `= $1`
    tree = parse_one("SELECT * FROM t WHERE a IN ($1 /*, ... */) AND b = 2", dialect="postgres")
    found = next(tree.find_all(exp.In))
    assert len(found.expressions) == SQUASHED_LENGTH


def test_a_huge_list_parses_bounded_and_its_literals_too():
    sql = "SELECT * FROM t WHERE a IN " + _in(200_000) + " AND b = 'x'"
    tree = parse_one(sql, dialect="postgres")
    assert len(next(tree.find_all(exp.In)).expressions) == LIST_LIMIT
    values = literals(sql)
    assert len(values) == LIST_LIMIT + 1 and values[-1] == "'x'"


def test_parameters_skipped_by_number_are_typed_up_front():
    assert initial_types({3}) == ["text", "text", "unknown"]
    assert initial_types(set()) == []


# --------------------------------------------------------------------------- live


def _load(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL)")
        conn.execute("INSERT INTO t SELECT g, g % 1000, g % 7 FROM generate_series(1, 50000) g")
        conn.execute("ANALYZE t")


@pytest.mark.hypopg
def test_a_high_parameter_number_and_untypable_parameters_take_few_prepares(fresh_db, monkeypatch):
    _load(fresh_db)
    sent: list[str] = []
    run_batch = db.run_batch

    def counting(c, statements, **kw):  # the real round trip, with the PREPAREs it sends counted
        sent.extend(s for s in statements if s.startswith("PREPARE"))
        return run_batch(c, statements, **kw)

    monkeypatch.setattr(db, "run_batch", counting)
    with db.connect(fresh_db) as conn:
        whatif = WhatIf(conn)
        whatif.cost("high", "SELECT * FROM t WHERE a = $10000")  # $1..$9999 unused
        assert len(sent) == 1 and whatif.explains == 1
        sent.clear()
        untyped = " AND ".join(f"(${n}::text IS NULL OR ${n} IS NULL)" for n in range(2, 40))
        whatif.cost("nulls", f"SELECT * FROM t WHERE b = $1 AND {untyped}")
        sent.clear()
        untyped = " AND ".join(f"(${n} IS NULL OR a > 0)" for n in range(2, 40))
        whatif.cost("untyped", f"SELECT * FROM t WHERE b = $1 AND {untyped}")  # 38 parameters with nothing to meet
        assert 1 <= len(sent) <= MAX_GUESSES + 2 and whatif.explains == 3


@pytest.mark.hypopg
def test_a_huge_in_list_is_costed_with_a_bounded_number_of_explains(fresh_db, tmp_path):
    _load(fresh_db)
    path = tmp_path / "huge.sql"
    path.write_text("SELECT * FROM t WHERE a IN " + _in(300_000) + ";\n")
    report = api.analyze([path], dsn=fresh_db)
    assert report.analysed == 1
    assert 1 <= report.explain_count <= 10
    (st,) = report.statements
    assert any("IN list of 300,000 values" in n for n in st.notes)


@pytest.mark.parametrize("sql, want", [
    ("SELECT * FROM t WHERE c > now() - interval $1", "SELECT * FROM t WHERE c > now() - $1::interval"),
    ("SELECT * FROM t WHERE c > now() - INTERVAL $1 DAY", "SELECT * FROM t WHERE c > now() - $1::interval"),
    ("SELECT * FROM t WHERE d = date $2 AND e < timestamp with time zone $3",
     "SELECT * FROM t WHERE d = $2::date AND e < $3::timestamp with time zone"),
    ("SELECT 'interval $1', \"date\" FROM t -- date $1\nWHERE t.date = $1", None),  # strings, names, comments, a column
])
def test_typed_literals_that_pg_stat_statements_made_parameters_become_casts(sql, want):
    assert typed_parameters(sql) == (want or sql)


@pytest.mark.hypopg
def test_a_statement_with_interval_parameter_is_costed(fresh_db, tmp_path):
    """pg_stat_statements writes `now() - interval '1 day'` as `now() - interval $1`, which
    PostgreSQL does not parse: the statement is costed as `$1::interval`, not left uncosted."""
    _load(fresh_db)
    path = tmp_path / "pgss.sql"
    path.write_text("SELECT * FROM t WHERE a = $2 AND now() - interval $1 < now();\n")
    report = api.analyze([path], dsn=fresh_db)
    (st,) = report.statements
    assert report.analysed == 1 and st.cost_before is not None
    assert not any("not costed" in n for n in st.notes), st.notes
