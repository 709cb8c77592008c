"""Index kinds offline: the case files under tests/cases/kinds/, one per kind, with the planner
statistics they depend on as data (format: tests/casefiles.py and the top of each file), and
what a case file cannot state."""

from __future__ import annotations

import json
import re

import pytest
from casefiles import CASES, Case, check_advice_case, read_cases
from typer.testing import CliRunner

from indexadvisor.candidates.kinds import ALL_KINDS, parse_kinds, partial
from indexadvisor.cli import app
from indexadvisor.errors import InputError
from indexadvisor.extract.patterns import parse
from indexadvisor.model import Predicate, PredKind, Statement
from indexadvisor.pg import exprtext
from indexadvisor.pg.sizes import parse_size

KIND_CASES = {path.stem: read_cases(f"kinds/{path.name}", default_section="schema")
              for path in sorted((CASES / "kinds").glob("*.txt"))}


@pytest.mark.parametrize("case", [pytest.param(case, id=f"{kind}/{case.name}")
                                  for kind, cases in KIND_CASES.items() for case in cases])
def test_kind_cases(case, tmp_path):
    check_advice_case(case, tmp_path)


def kind_case(kind: str, name: str) -> Case:
    [case] = [c for c in KIND_CASES[kind] if c.name == name]
    return case


def test_brin_is_far_smaller_than_the_btree_beside_it(tmp_path):
    report = check_advice_case(kind_case("brin", "a range on a correlated column of a large table, "
                                                 "with the B-tree's size beside it"), tmp_path)
    [rec] = report.recommendations
    brin_size, btree_size = re.search(r"a BRIN index is (.+?) against (.+?) for the B-tree", rec.reason).groups()
    assert parse_size(btree_size.replace(" ", "")) > 100 * parse_size(brin_size.replace(" ", ""))


def test_gin_key_test_is_estimated_from_statistics(tmp_path):
    report = check_advice_case(kind_case("gin", "a jsonb key test estimated from the most common values"), tmp_path)
    [rec] = report.recommendations
    assert rec.estimate.method == "statistics"


def test_existing_expression_index_is_reported_as_serving(tmp_path):
    report = check_advice_case(kind_case("expression", "an existing expression index serves the expression "
                                                       "on a table with statistics"), tmp_path)
    assert report.statements[0].served_by_existing == ["users_lower_email"]


def test_parse_kinds():
    assert parse_kinds(None) == ALL_KINDS and parse_kinds(["all"]) == ALL_KINDS
    assert parse_kinds(["btree"]) == {"btree"}
    assert parse_kinds(["gin,brin", "partial"]) == {"btree", "gin", "brin", "partial"}
    with pytest.raises(InputError):
        parse_kinds(["hash"])


def test_cli_kinds_option_and_json_kind(tmp_path):
    (tmp_path / "schema.sql").write_text("CREATE TABLE users (id bigint PRIMARY KEY, email text, tags text[]);")
    (tmp_path / "w.sql").write_text("SELECT id FROM users WHERE lower(email) = $1;\nSELECT id FROM users WHERE tags && $1;\n")
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    recs = json.loads(result.stdout)["recommendations"]
    assert {r["kind"] for r in recs} == {"expression", "gin"} and all(r["kind_reason"] for r in recs)
    result = runner.invoke(app, ["analyze", str(tmp_path), "--format", "json", "--kinds", "btree"])
    assert json.loads(result.stdout)["recommendations"] == []
    result = runner.invoke(app, ["analyze", str(tmp_path), "--kinds", "bogus"])
    assert result.exit_code == 2 and "unknown kind" in result.output
    (tmp_path / "w.sql").write_text("SELECT id FROM users WHERE email = $1;\n")
    [plain] = json.loads(runner.invoke(app, ["analyze", str(tmp_path), "--format", "json"]).stdout)["recommendations"]
    assert plain["kind"] == "btree" and plain["kind_reason"] == "equality on email"
    assert plain["reason"].startswith("B-tree: equality on email")


# --------------------------------------------------------------------------- expression text and predicates


@pytest.mark.parametrize("a, b", [
    ("lower(email)", "LOWER( Email )"),
    ("(data ->> 'key'::text)", "data->>'key'"),
    ("((data -> 'a'::text) ->> 'b'::text)", "data->'a'->>'b'"),
    ("date_trunc('day'::text, created_at)", "date_trunc('day', created_at)"),
    ("(created_at)::date", "CAST(created_at AS date)"),
    # pg_get_indexdef / pg_dump write the cast PostgreSQL adds to a varchar argument
    ("lower((email)::text)", "lower(email)"),
    ("upper((email)::character varying)", "upper(email)"),
    # the catalog keeps an expression as sqlglot writes it: CAST('day' AS TEXT) is the literal too
    ("date_trunc(CAST('day' AS TEXT), (created_at AT TIME ZONE CAST('UTC' AS TEXT)))",
     "date_trunc('day', created_at AT TIME ZONE 'UTC')"),
])
def test_signature_equates_spellings_postgresql_reads_alike(a, b):
    assert exprtext.signature(a) == exprtext.signature(b)


def test_signature_tells_different_expressions_apart():
    assert exprtext.signature("lower(email)") != exprtext.signature("upper(email)")
    assert exprtext.signature("data->>'a'") != exprtext.signature("data->'a'")
    assert exprtext.signature("(id)::text") != exprtext.signature("id")  # a cast of its own, not a function's argument


def test_as_written_keeps_constants_and_drops_qualifiers():
    sql = "SELECT 1 FROM t u WHERE date_trunc('day', u.at) = $1 AND (u.data->>'n')::int > 5"
    where = parse(sql).args["where"].this
    first, second = where.this.this, where.expression.this
    assert exprtext.as_written(sql, first) == "date_trunc('day', at)"
    assert exprtext.as_written(sql, second) == "(data->>'n')::int"


@pytest.mark.parametrize("expression, types, problem", [
    ("lower(email)", {"email": "text"}, None),
    ("date_trunc('day', at)", {"at": "timestamp without time zone"}, None),
    ("date_trunc('day', at)", {"at": "timestamp with time zone"}, "TimeZone"),
    ("at::date", {"at": "timestamptz"}, "TimeZone"),
    ("(data->>'n')::int", {"data": "jsonb"}, None),
    ("(data->>'at')::timestamptz", {"data": "jsonb"}, "DateStyle"),
    ("unaccent(name)", {"name": "text"}, "IMMUTABLE"),
    ("date_trunc('day', at AT TIME ZONE 'UTC')", {"at": "timestamptz"}, None),
    # date(x) is the cast x::date: IMMUTABLE from a timestamp, not from a timestamptz or text
    ("date(at)", {"at": "timestamp without time zone"}, None),
    ("date(at)", {"at": "timestamp with time zone"}, "TimeZone"),
    ("date(at)", {"at": "text"}, "DateStyle"),
    ("date(at)", {}, "unknown"),
])
def test_immutability(expression, types, problem):
    got = exprtext.immutability_problem(parse(f"SELECT {expression}").expressions[0], types.get)
    assert (got is None) if problem is None else (got is not None and problem in got)


def test_fixed_constant_needs_the_same_literal_in_every_execution():
    pred = Predicate("state", PredKind.EQ, "'failed'")
    sql = "SELECT * FROM jobs WHERE queue = 1 AND state = 'failed'"
    assert partial.fixed(pred, Statement("f", sql, "s", 1, constants=["1", "'failed'"]))
    assert not partial.fixed(pred, Statement("f", sql, "s", 1, constants=[None, None]))
    assert not partial.fixed(Predicate("state", PredKind.EQ, None), Statement("f", sql, "s", 1, constants=["1", "'failed'"]))
    assert partial.fixed(Predicate("flag", PredKind.EQ, "FALSE"), Statement("f", sql, "s", 1))  # booleans are shape
    assert partial.where_text([Predicate("isDeleted", PredKind.EQ, "FALSE")]) == 'NOT "isDeleted"'
    assert partial.where_text([Predicate("s", PredKind.IN, "'a', 'b'", 2)]) == "s IN ('a', 'b')"


def test_a_merged_covering_index_borrows_no_reason_naming_columns_it_lacks():
    """Two covering candidates on the same key, made for different statements: a merged or grown
    index without a reason of its own takes one from a candidate of its own statements whose
    INCLUDE columns it holds, never the other's (TPC-DS q28's index read 'INCLUDE
    (ss_ext_list_price): the statement reads only this column', a column q9's candidate had)."""
    from indexadvisor.candidates.pool import KindAdvisor
    from indexadvisor.costing.model import StatsModel
    from indexadvisor.model import Candidate, Catalog, IndexKey

    advisor = KindAdvisor(Catalog(source="ddl"), frozenset(), 5, [], StatsModel(), None, True)  # type: ignore[arg-type]
    q9 = Candidate("public", "sales", [IndexKey("qty")], ["list_price"], statements=["q9"], kind="covering", why="q9's reason")
    q28 = Candidate("public", "sales", [IndexKey("qty")], ["net_profit"], statements=["q28"], kind="covering", why="q28's reason")
    advisor._made.extend([q9, q28])
    merged = Candidate("public", "sales", [IndexKey("qty")], ["net_profit", "coupon_amt"], statements=["q28"])
    assert advisor.why_for(merged) == "q28's reason"
    elsewhere = Candidate("public", "sales", [IndexKey("qty")], ["coupon_amt"], statements=["q28"])
    assert advisor.why_for(elsewhere) == ""


def test_an_expression_index_as_pg_dump_writes_it_serves_the_statement_as_written(tmp_path):
    """pg_dump writes `lower((email)::text)` and `date_trunc('day'::text, ...)` for indexes created as
    `lower(email)` on a varchar and `date_trunc('day', ...)`: the statements are served by them, not
    proposed a copy (and health does not call them unused for want of a match)."""
    from indexadvisor import api

    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE public.acct (id integer NOT NULL, email character varying(255), created_at timestamp with time zone);\n"
        "CREATE INDEX acct_lower_email ON public.acct USING btree (lower((email)::text));\n"
        "CREATE INDEX acct_day ON public.acct USING btree (date_trunc('day'::text, (created_at AT TIME ZONE 'UTC'::text)));\n")
    workload = tmp_path / "workload.sql"
    workload.write_text("SELECT * FROM acct WHERE lower(email) = lower($1);\n"
                        "SELECT count(*) FROM acct WHERE date_trunc('day', created_at AT TIME ZONE 'UTC') = '2024-01-01';\n")

    report = api.analyze([workload], schema=[schema])

    assert report.recommendations == []
    assert sorted(s.served_by_existing[0] for s in report.statements) == ["acct_day", "acct_lower_email"]
