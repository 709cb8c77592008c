"""Splitting captured SQL files, fingerprints and dedupe."""

from __future__ import annotations

import pytest
from casefiles import CASES

from indexadvisor.sources.fingerprint import fingerprint, normalize
from indexadvisor.sources.sqlfile import read_sql_file, split_statements
from indexadvisor.sources.workload import WorkloadBuilder


def test_split_handles_strings_comments_and_dollar_quotes():
    errors: list = []
    got = [(s.line, s.sql) for s in read_sql_file(CASES / "split.sql", errors)]
    assert errors == []
    assert [line for line, _ in got] == [2, 3, 4, 5, 9]
    assert got[1][1].startswith("SELECT 'a;b', \"we;ird\"")
    assert got[2][1].endswith("$tag$ also ; $$ inside $tag$ FROM t WHERE a = $1")
    assert got[3][1].endswith("WHERE b = 2")
    assert got[4][1] == "UPDATE t SET c = 3 WHERE id = 4"


def test_unterminated_string_does_not_hang_or_crash():
    got = list(split_statements("SELECT 1; SELECT 'oops"))
    assert [s.sql for s in got] == ["SELECT 1", "SELECT 'oops"]


def test_unreadable_file_is_an_error_not_a_crash(tmp_path):
    errors: list = []
    assert list(read_sql_file(tmp_path / "missing.sql", errors)) == []
    assert len(errors) == 1 and "unreadable file" in errors[0].message


@pytest.mark.parametrize(
    "a, b",
    [
        ("SELECT * FROM t WHERE id = 1", "select *  from T where ID = 42"),
        ("SELECT * FROM t WHERE id = $1", "SELECT * FROM t WHERE id = 'x'"),
        ("SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT * FROM t WHERE id IN ($1)"),
        ("SELECT * FROM t /* c */ WHERE a = 1 -- x\n", "SELECT * FROM t WHERE a = 2"),
        ("INSERT INTO t VALUES (1, 'a'), (2, 'b')", "INSERT INTO t VALUES (3, 'c')"),
        ("SELECT * FROM t WHERE a = ANY(ARRAY[1,2])", "SELECT * FROM t WHERE a = ANY(ARRAY[3])"),
    ],
)
def test_same_shape_same_fingerprint(a, b):
    assert fingerprint(a) == fingerprint(b), (normalize(a), normalize(b))


@pytest.mark.parametrize(
    "a, b",
    [
        ('SELECT * FROM "User"', "SELECT * FROM user"),  # quoted case matters
        ('SELECT * FROM t WHERE "isDeleted" = false', 'SELECT * FROM t WHERE "isDeleted" = true'),
        ("SELECT * FROM t WHERE a = 1", "SELECT * FROM t WHERE b = 1"),
        ("SELECT * FROM t WHERE a IS NULL", "SELECT * FROM t WHERE a IS NOT NULL"),
    ],
)
def test_different_shape_different_fingerprint(a, b):
    assert fingerprint(a) != fingerprint(b)


def test_dedupe_adds_up_calls_and_time():
    builder = WorkloadBuilder()
    for i in range(10_000):
        builder.add(f"SELECT * FROM t WHERE id = {i}", "f.sql", i + 1)
    builder.add("SELECT * FROM t WHERE id = $1", "pg_stat_statements", None, calls=5, total_time_ms=2.5)
    workload = builder.build()
    assert workload.seen == 10_005
    assert len(workload.statements) == 1
    st = workload.statements[0]
    assert st.calls == 10_005 and st.total_time_ms == 2.5 and st.line == 1


@pytest.mark.parametrize("sql, numbered", [
    # JDBC / Hibernate: positional `?`, FETCH FIRST ? too
    ("select o.id from orders o where o.customer_id=? and o.status=? fetch first ? rows only",
     "select o.id from orders o where o.customer_id=$1 and o.status=$2 fetch first $3 rows only"),
    # SQLAlchemy text() / psycopg: a name is one parameter wherever it comes back
    ("SELECT * FROM t WHERE a = :a AND b = :b OR c = :a", "SELECT * FROM t WHERE a = $1 AND b = $2 OR c = $1"),
    ("SELECT * FROM t WHERE a = %s AND b = %(b)s LIMIT %s", "SELECT * FROM t WHERE a = $1 AND b = $2 LIMIT $3"),
    ("SELECT * FROM t WHERE b IN (?, ?) AND c BETWEEN ? AND ? AND d = ANY(?)",
     "SELECT * FROM t WHERE b IN ($1, $2) AND c BETWEEN $3 AND $4 AND d = ANY($5)"),
    # not placeholders: jsonb's ? operators after an operand, modulo, casts, slices, quoted text, comments
    ("SELECT * FROM docs WHERE payload ? 'k' AND tags ?| array['a'] AND id = ?",
     "SELECT * FROM docs WHERE payload ? 'k' AND tags ?| array['a'] AND id = $1"),
    ("SELECT a % s, x::int, arr[1:2], '?', \"a?\" FROM t WHERE y = ? -- ?",
     "SELECT a % s, x::int, arr[1:2], '?', \"a?\" FROM t WHERE y = $1 -- ?"),
    # a statement in PostgreSQL's own style is left as it is
    ("SELECT * FROM t WHERE y = $1 AND z = ?", "SELECT * FROM t WHERE y = $1 AND z = ?"),
])
def test_a_drivers_placeholders_are_numbered_as_postgresql_writes_them(sql, numbered):
    from indexadvisor.pg.lexing import number_placeholders

    assert number_placeholders(sql)[0] == numbered


def test_a_sql_file_of_jdbc_statements_is_analysed_with_a_note(tmp_path):
    """Statements captured on the client side (Hibernate's show_sql, a driver's log) parse as
    PostgreSQL's, and fold into one shape with the same statement written with literals."""
    from indexadvisor.sources.files import read_workload_file

    path = tmp_path / "w.sql"
    path.write_text("select * from orders where customer_id=? and status=?;\n"
                    "SELECT * FROM orders WHERE customer_id = :cid AND status = :st;\n"
                    "SELECT * FROM orders WHERE customer_id = 7 AND status = 'paid';\n")
    builder = WorkloadBuilder()
    read_workload_file(path, builder)
    workload = builder.build()
    assert not workload.errors
    assert [s.sql for s in workload.statements][0] == "select * from orders where customer_id=$1 and status=$2"
    assert len(workload.statements) == 1 and workload.statements[0].calls == 3
    assert any("2 statement(s) written with a driver's placeholders" in n for n in workload.notes)
