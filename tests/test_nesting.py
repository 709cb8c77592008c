"""Deeply nested statements are errors of their own, never a crash (issue 15, item 1).

sqlglot's parser recurses a few dozen Python frames per level of nesting, so a
statement a few dozen levels deep exceeds Python's recursion limit. Such a
statement is a parse error with its file:line, counted like any other, and the rest
of the workload (or schema) is analysed. The advisor's own walks over AND/OR chains
are iterative, so a long chain of ANDed predicates is analysed, not refused.

The depths are those the issue found crashing the command (46 nested parentheses,
40 nested function calls, ...). Where a depth crashes depends on the stack already in
use (the CLI, pytest), so at those depths a statement may be analysed or refused;
at four times the depth it is always refused, and never a crash.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlglot import exp

from indexadvisor import api
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.extract import nodes, where
from indexadvisor.extract.patterns import Extractor, StatementParseError
from indexadvisor.model import Catalog, Statement

TOO_DEEP = "nested too deeply to read"  # what the error says
SCHEMA = "CREATE TABLE t (a int, b int, c text);\nCREATE TABLE u (id int PRIMARY KEY, t_a int);\n"


def paren(n: int) -> str:
    return "SELECT * FROM t WHERE " + "(" * n + "a = 1" + ")" * n


def function(n: int) -> str:
    return "SELECT * FROM t WHERE a = " + "abs(" * n + "1" + ")" * n


def case(n: int) -> str:
    s = "1"
    for _ in range(n):
        s = f"CASE WHEN b = 1 THEN {s} ELSE 0 END"
    return "SELECT * FROM t WHERE a = " + s


def exists(n: int) -> str:
    s = "SELECT 1 FROM t WHERE a = 1"
    for _ in range(n):
        s = f"SELECT 1 FROM t WHERE EXISTS ({s})"
    return s


def in_subquery(n: int) -> str:
    s = "SELECT a FROM t WHERE b = 1"
    for _ in range(n):
        s = f"SELECT a FROM t WHERE a IN ({s})"
    return s


def nots(n: int) -> str:
    return "SELECT * FROM t WHERE " + "NOT " * n + "(a = 1)"


def derived(n: int) -> str:
    s = "SELECT * FROM t WHERE a = 1"
    for i in range(n):
        s = f"SELECT * FROM ({s}) d{i}"
    return s


def ands(n: int) -> str:
    return "SELECT * FROM t WHERE " + " AND ".join(f"a = {i}" if i % 2 else f"b = {i}" for i in range(n))


# kind -> (generator, the depth the issue found crashing)
NESTING = {
    "parentheses": (paren, 46),
    "function calls": (function, 40),
    "CASE": (case, 50),
    "EXISTS": (exists, 45),
    "IN (subquery)": (in_subquery, 64),
    "NOT": (nots, 95),
    "derived tables": (derived, 119),
}
GOOD_FIRST = "SELECT * FROM t WHERE b = 7"
GOOD_LAST = "SELECT * FROM t WHERE c = 'x' ORDER BY a LIMIT 5"


def _analyze(tmp_path: Path, statements: list[str], name: str = "w.sql"):
    workload = tmp_path / name
    workload.write_text("".join(s + ";\n" for s in statements))
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA)
    return api.analyze([workload], schema=[schema])


def _sandwich(sql: str) -> list[str]:
    return [GOOD_FIRST, sql, GOOD_LAST]  # lines 1, 2, 3


@pytest.mark.parametrize("kind", list(NESTING))
def test_the_issues_depths_are_no_crash(tmp_path: Path, kind: str) -> None:
    make, depth = NESTING[kind]
    report = _analyze(tmp_path, _sandwich(make(depth)))
    assert report.seen == 3
    deep = [e for e in report.errors if e.line == 2]
    assert report.analysed + len(deep) == 3  # analysed, or refused with its location
    assert all(TOO_DEEP in e.message and e.location == f"{tmp_path / 'w.sql'}:2" for e in deep)
    served = {fp for r in report.recommendations for fp in r.statements}
    first, last = (s for s in report.statements if s.location.endswith((":1", ":3")))
    assert first.fingerprint in served and last.fingerprint in served  # the good ones still analysed


@pytest.mark.parametrize("kind", list(NESTING))
def test_four_times_deeper_is_a_parse_error_with_its_location(tmp_path: Path, kind: str) -> None:
    make, depth = NESTING[kind]
    report = _analyze(tmp_path, _sandwich(make(4 * depth)))
    assert report.analysed == 2 and report.skipped == 1
    (error,) = report.errors
    assert error.line == 2 and error.message.startswith(f"cannot parse statement: {TOO_DEEP}")
    (item,) = [s for s in report.statements if s.location.endswith(":2")]
    assert any(TOO_DEEP in n for n in item.notes)


def test_a_thousand_anded_predicates_are_analysed(tmp_path: Path) -> None:
    """The conjunct walk is iterative: ~980 ANDs crashed it; 2,000 are read, every one."""
    for n in (980, 2000):
        accesses, _ = Extractor(_catalog(tmp_path)).extract(Statement("fp", ands(n), "w", 1))
        (access,) = accesses
        constants = {p.constant for p in access.predicates}
        assert len(constants) == n


def _catalog(tmp_path: Path) -> Catalog:
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA)
    return read_ddl([schema], [])


def test_conjuncts_are_split_without_recursion() -> None:
    chain = exp.and_(*[exp.column(f"c{i}").eq(i) for i in range(20000)], copy=False)
    parts = nodes.conjuncts(exp.paren(chain, copy=False))
    assert [p.this.name for p in parts] == [f"c{i}" for i in range(20000)]  # in text order, parentheses gone


def test_or_of_ands_with_a_shared_key_over_a_long_chain(tmp_path: Path) -> None:
    sql = "SELECT * FROM t WHERE " + " OR ".join(f"(b = 1 AND a = {i})" for i in range(2000))
    accesses, _ = Extractor(_catalog(tmp_path)).extract(Statement("fp", sql, "w", 1))
    assert [(p.column, p.constant) for p in accesses[0].predicates] == [("b", "1")]


def test_the_extractor_turns_recursion_into_a_parse_error() -> None:
    with pytest.raises(StatementParseError, match="nested too deeply"):
        Extractor(Catalog()).extract(Statement("fp", paren(2000), "w", 1))


def test_statements_from_a_log_carry_the_logs_line(tmp_path: Path) -> None:
    prefix = "2024-01-02 03:04:05.678 UTC [4242] app@app LOG:  duration: 0.5 ms  statement: "
    log = tmp_path / "postgresql.log"
    log.write_text(prefix + GOOD_FIRST + "\n" + prefix + nots(2000) + "\n" + prefix + GOOD_LAST + "\n")
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA)
    report = api.analyze([log], schema=[schema])
    assert report.analysed == 2
    assert [e.location for e in report.errors] == [f"{log}:2"]
    assert report.errors[0].message.startswith(f"cannot parse statement: {TOO_DEEP}")


# ---------------------------------------------------------------- DDL


def _deep_check(n: int) -> str:
    return f"CREATE TABLE deep (a int, b int, CONSTRAINT positive CHECK ({'(' * n}a > 0{')' * n}))"


def test_a_check_with_60_nested_parentheses_is_a_ddl_error(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA + _deep_check(60) + ";\nCREATE INDEX u_t_a ON u (t_a);\n")
    errors: list = []
    catalog = read_ddl([schema], errors)
    assert catalog.find("t") is not None and catalog.find("u") is not None
    assert [i.name for i in catalog.find("u").indexes if i.name == "u_t_a"] == ["u_t_a"]
    deep = [e for e in errors if e.line == 3]
    assert catalog.find("deep") is not None or (len(deep) == 1 and TOO_DEEP in deep[0].message)


def test_deep_ddl_in_every_step_is_an_error_of_its_own(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(
        SCHEMA
        + _deep_check(400) + ";\n"  # line 3: the CREATE TABLE
        + f"CREATE INDEX u_deep ON u (t_a) WHERE {'NOT ' * 3000}(t_a > 0);\n"  # line 4: an index
        + f"ALTER TABLE u ADD CONSTRAINT u_check CHECK ({'(' * 400}t_a > 0{')' * 400});\n"  # line 5
        + f"CREATE INDEX u_many ON u (t_a) WHERE {' AND '.join(f't_a <> {i}' for i in range(2000))};\n"  # line 6: fine
    )
    errors: list = []
    catalog = read_ddl([schema], errors)
    assert catalog.find("t") is not None and catalog.find("deep") is None
    assert {e.line for e in errors} == {3, 4, 5}
    assert all(TOO_DEEP in e.message for e in errors)
    assert [i.name for i in catalog.find("u").indexes] == ["u_pkey", "u_many"]
    assert len(where.conjuncts(catalog.find("u").indexes[1].where)) == 2000


@pytest.mark.parametrize("command", ["analyze", "health"])
def test_the_commands_survive_a_deep_check(tmp_path: Path, command: str) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA + _deep_check(60) + ";\n" + _deep_check(400).replace("deep", "deeper") + ";\n")
    workload = tmp_path / "w.sql"
    workload.write_text(GOOD_FIRST + ";\n")
    args = [str(workload)] if command == "analyze" else []
    proc = subprocess.run([sys.executable, "-m", "indexadvisor", command, *args, "--schema", str(schema), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{schema}:4: cannot parse DDL: {TOO_DEEP}" in proc.stderr, proc.stderr
    json.loads(proc.stdout)


# ---------------------------------------------------------------- an index's WHERE


@pytest.mark.parametrize("text", [
    "(" * 2000 + "a > 0" + ")" * 2000,
    "NOT " * 3000 + "a",
    " AND ".join(f"(a <> {i})" for i in range(3000)),
    "a IS NOT NULL AND " + "(" * 2000 + "b IS NOT NULL" + ")" * 2000,
])
def test_the_index_where_reader_never_raises(text: str) -> None:
    where.index_predicates.cache_clear()
    assert isinstance(where.index_predicates(text), tuple)
    assert where.conjuncts(text)
    where.not_null_columns(text)  # no exception


def test_the_index_where_reader_splits_long_chains() -> None:
    chain = " AND ".join(f"c{i} IS NOT NULL" for i in range(3000))
    assert len(where.conjuncts(chain)) == 3000
    assert where.not_null_columns(chain) == frozenset(f"c{i}" for i in range(3000))


# ---------------------------------------------------------------- 20,000 statements, half of them bad


def _malformed_pool(rnd: random.Random) -> list[str]:
    """Some 300 distinct bad statements: too deep by each kind of nesting, cut short, or token salad."""
    tokens = ["SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "=", "t", "a", "b", "1", "'x'", "CASE", "WHEN", "(", ")",
              "IN", "EXISTS", ",", "*", "JOIN", "ON", "::", "int", "[", "]", "->>", "$1", "LIMIT", "ORDER", "BY"]
    pool = [make(k * depth) for make, depth in NESTING.values() for k in (3, 4, 6)]
    pool += [ands(rnd.randint(1, 40)) + " AND " + "(" * rnd.randint(200, 400) for _ in range(30)]
    pool += ["SELECT * FROM t WHERE " + " ".join(rnd.choice(tokens) for _ in range(rnd.randint(2, 12))) + " ) ("
             for _ in range(250)]
    return pool


def test_twenty_thousand_statements_half_malformed(tmp_path: Path) -> None:
    """The command exits 0 with its report; each bad shape is an error at its line; the good ones are analysed."""
    rnd = random.Random(15)
    good_templates = [
        "SELECT * FROM t WHERE a = {}", "SELECT a, b FROM t WHERE b = {} ORDER BY a LIMIT 10",
        "UPDATE t SET c = 'x' WHERE a = {}", "DELETE FROM u WHERE t_a = {}",
        "SELECT * FROM t JOIN u ON u.t_a = t.a WHERE t.b = {}",
    ]
    bad = _malformed_pool(rnd)
    lines = [rnd.choice(good_templates).format(i) if i % 2 == 0 else rnd.choice(bad) for i in range(20000)]
    workload = tmp_path / "w.sql"
    workload.write_text("".join(s + ";\n" for s in lines))
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA)
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "indexadvisor", "analyze", str(workload), "--schema", str(schema),
                           "--format", "json", "--output", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    doc = json.loads(out.read_text())
    statements = doc["statements"]
    assert statements["seen"] == 20000
    assert statements["analysed"] == len(good_templates)  # every good shape
    assert statements["analysed"] + statements["skipped"] == statements["shapes"]
    errors = statements["errors"]
    assert len(errors) == statements["skipped"]  # every bad shape is an error...
    bad_lines = {i + 1 for i in range(1, 20000, 2)}
    assert all(e["line"] in bad_lines and e["location"] == f"{workload}:{e['line']}" for e in errors)  # ...at its line
    assert any(TOO_DEEP in e["message"] for e in errors)
    assert doc["recommendations"]
