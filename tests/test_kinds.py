"""Index kinds offline: data-driven DDL cases (tests/cases/kinds.txt) and the rules that need
statistics (partial, covering, BRIN), on catalogs built here with the pg_stats they depend on."""

from __future__ import annotations

import re

import pytest
from casefiles import read_cases, run_advice_case
from typer.testing import CliRunner

from indexadvisor import api
from indexadvisor.candidates.kinds import ALL_KINDS, parse_kinds, partial
from indexadvisor.cli import app
from indexadvisor.errors import InputError
from indexadvisor.extract.patterns import parse
from indexadvisor.model import (
    Catalog,
    Column,
    ColumnStats,
    Index,
    IndexKey,
    Predicate,
    PredKind,
    Statement,
    Table,
)
from indexadvisor.pg import exprtext
from indexadvisor.pg.sizes import parse_size
from indexadvisor.select.options import SelectionOptions
from indexadvisor.sources.workload import WorkloadBuilder

CASE_LIST = read_cases("kinds.txt", default_section="schema")


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_kind_cases(case, tmp_path):
    _, got, want = run_advice_case(case, tmp_path)
    assert got == want


# --------------------------------------------------------------------------- with statistics, offline

def col(name: str, type_: str, distinct: float = -1.0, width: int = 8, null_frac: float = 0.0,
        mcv: dict | None = None, correlation: float | None = None) -> Column:
    stats = ColumnStats(null_frac=null_frac, n_distinct=distinct, avg_width=width, correlation=correlation,
                        most_common_vals=list(mcv) if mcv else None, most_common_freqs=list(mcv.values()) if mcv else None)
    return Column(name, type_, stats=stats)


def table(name: str, rows: float, *columns: Column, visible: float = 1.0, width: int = 100,
          indexes: tuple[Index, ...] = ()) -> Table:
    pages = int(rows * width / 8192) + 1
    return Table("public", name, {c.name: c for c in columns}, list(indexes), row_estimate=rows, pages=pages,
                 all_visible_pages=int(pages * visible))


def advise(tables: list[Table], statements: list[str], kinds: list[str] | None = None):
    catalog = Catalog(source="snapshot")
    for t in tables:
        catalog.add(t)
    builder = WorkloadBuilder()
    for n, sql in enumerate(statements, 1):
        builder.add(sql, "w.sql", n)
    return api.advise(builder.build(), catalog, options=SelectionOptions(kinds=parse_kinds(kinds)))


def ddl(report) -> list[str]:
    return [r.ddl.split(" ON ", 1)[1] for r in report.recommendations]


JOBS = table("jobs", 1_000_000,
             col("id", "bigint"), col("queue", "integer", distinct=500, width=4),
             col("state", "text", distinct=3, width=6, mcv={"done": 0.9, "running": 0.09, "failed": 0.01}),
             col("status", "text", distinct=5, width=8,
                 mcv={"Done": 0.9, "Cancelled": 0.05, "Scheduled": 0.03, "InProgress": 0.02}),
             col("startedAt", "timestamp with time zone", null_frac=0.97),
             col("isDeleted", "boolean", distinct=2, width=1, mcv={"f": 0.98, "t": 0.02}),
             col("customer_id", "integer", distinct=100_000, width=4),
             col("created_at", "timestamp with time zone", correlation=0.2), col("email", "text", width=24),
             col("kind", "text", distinct=3, width=6, mcv={"import": 0.4, "export": 0.3, "sync": 0.3}),
             col("region", "text", distinct=4, width=2, mcv={"us": 0.25, "eu": 0.25, "ap": 0.25, "sa": 0.25}))


@pytest.mark.parametrize("statements, want", [
    (["SELECT * FROM jobs WHERE queue = 1 AND state = 'failed'", "SELECT * FROM jobs WHERE queue = 2 AND state = 'failed'"],
     ["public.jobs (queue) WHERE state = 'failed';"]),
    (["SELECT * FROM jobs WHERE status IN ('Scheduled', 'InProgress') ORDER BY created_at LIMIT 50"],
     ["public.jobs (created_at) WHERE status IN ('Scheduled', 'InProgress');"]),
    (['SELECT * FROM jobs WHERE "startedAt" IS NOT NULL AND queue = $1'],
     ['public.jobs (queue) WHERE "startedAt" IS NOT NULL;']),
    (['SELECT * FROM jobs WHERE "isDeleted" = true AND queue = $1'],
     ['public.jobs (queue) WHERE "isDeleted";']),
    (["SELECT * FROM jobs WHERE kind = 'export' AND region = 'eu' AND queue = $1"],  # 30% and 25%: 7.5% together
     ["public.jobs (queue) WHERE region = 'eu' AND kind = 'export';"]),
    (["SELECT * FROM jobs WHERE state = 'failed' AND kind = 'export' AND queue = $1"],  # 1%, and 30% shrinks it more
     ["public.jobs (queue) WHERE state = 'failed' AND kind = 'export';"]),
    (["SELECT * FROM jobs WHERE kind = 'export' AND created_at > \"startedAt\" AND queue = $1"],  # 30% x a third
     ['public.jobs (queue) WHERE kind = \'export\' AND "startedAt" < created_at;']),
], ids=["literal", "in-list", "is-not-null", "boolean", "combined", "selective-and-wide", "column-comparison"])
def test_partial_from_pg_stats(statements, want):
    report = advise([JOBS], statements)
    assert ddl(report) == [f"{w[:-1]};" for w in want]
    assert {r.kind for r in report.recommendations} == {"partial"}


@pytest.mark.parametrize("statements", [
    ["SELECT * FROM jobs WHERE queue = $1 AND state = $2"],  # a parameter
    ["SELECT * FROM jobs WHERE queue = 1 AND state = 'failed'", "SELECT * FROM jobs WHERE queue = 2 AND state = 'done'"],  # changes
    ["SELECT * FROM jobs WHERE queue = 1 AND state = 'done'"],  # 90% of the rows
    ["SELECT * FROM jobs WHERE queue = $1 AND customer_id = 42"],  # an id, not a status
    ["SELECT * FROM jobs WHERE queue = $1 AND kind = 'export'"],  # 30%, and nothing to combine it with
    ["SELECT * FROM jobs WHERE queue = $1 AND kind = 'export' AND state = 'done'"],  # 30% x 90%: 27%
    ["SELECT * FROM jobs WHERE queue = $1 AND created_at > \"startedAt\""],  # a third of the rows, by assumption
], ids=["parameter", "changing-literal", "large-share", "not-a-status", "one-wide-share", "wide-together",
        "column-comparison-alone"])
def test_no_partial_index(statements):
    report = advise([JOBS], statements)
    assert report.recommendations and all(r.where is None for r in report.recommendations)


def test_no_partial_without_statistics(tmp_path):
    (tmp_path / "schema.sql").write_text("CREATE TABLE jobs (id int PRIMARY KEY, queue int, state text);")
    (tmp_path / "w.sql").write_text("SELECT * FROM jobs WHERE queue = 1 AND state = 'failed';")
    report = api.analyze([tmp_path])
    assert [r.kind for r in report.recommendations] == ["btree"]


ORDERS = table("orders", 2_000_000,
               col("id", "bigint"), col("customer_id", "integer", distinct=50_000, width=4),
               col("total", "numeric(10,2)", width=6), col("created_at", "timestamp with time zone"),
               col("note", "text", width=180), col("meta", "jsonb", width=20),
               indexes=(Index("orders_pkey", "public", "orders", [IndexKey("id")], unique=True, primary=True),))


def test_covering_for_a_hot_narrow_read():
    report = advise([ORDERS], ["SELECT total, created_at FROM orders WHERE customer_id = $1"] * 50
                    + ["SELECT * FROM orders WHERE id = $1"])
    assert ddl(report) == ["public.orders (customer_id) INCLUDE (total, created_at);"]
    [rec] = report.recommendations
    assert rec.kind == "covering" and "relallvisible" in rec.kind_reason


@pytest.mark.parametrize("select, visible, note", [
    ("note", 1.0, "average 180 bytes per pg_stats, over 24"),
    ("meta", 1.0, "a wide type"),
    ("total", 0.1, "only 10% of the pages of orders are all-visible"),
], ids=["wide-text", "jsonb", "not-vacuumed"])
def test_no_covering(select, visible, note):
    orders = table("orders", 2_000_000, *ORDERS.columns.values(), visible=visible, indexes=tuple(ORDERS.indexes))
    report = advise([orders], [f"SELECT {select} FROM orders WHERE customer_id = $1"] * 50)
    assert ddl(report) == ["public.orders (customer_id);"]
    assert any(note in n for s in report.statements for n in s.notes)


def test_covering_is_not_proposed_for_a_cold_statement():
    report = advise([ORDERS], ["SELECT total FROM orders WHERE customer_id = $1"] + ["SELECT * FROM orders WHERE id = $1"] * 200)
    assert [r.kind for r in report.recommendations] == ["btree"]


def readings(correlation: float, rows: float = 5_000_000) -> Table:
    return table("readings", rows, col("id", "bigint"), col("at", "timestamp without time zone", correlation=correlation),
                 col("value", "double precision"), width=48)


RANGE = "SELECT avg(value) FROM readings WHERE at >= $1 AND at < $2"


def test_brin_on_a_correlated_column_with_the_btree_size_beside_it():
    report = advise([readings(0.998)], [RANGE])
    [rec] = report.recommendations
    assert rec.kind == "brin" and "USING brin (at)" in rec.ddl
    assert "correlation 0.998" in rec.reason and "for the B-tree (at)" in rec.reason
    brin_size, btree_size = re.search(r"a BRIN index is (.+?) against (.+?) for the B-tree", rec.reason).groups()
    assert parse_size(btree_size.replace(" ", "")) > 100 * parse_size(brin_size.replace(" ", ""))


@pytest.mark.parametrize("correlation, rows", [(0.3, 5_000_000), (0.998, 50_000)], ids=["low-correlation", "small-table"])
def test_no_brin(correlation, rows):
    report = advise([readings(correlation, rows)], [RANGE])
    assert [r.method for r in report.recommendations] == ["btree"]


def test_no_brin_for_order_by_limit():
    report = advise([readings(0.998)], ["SELECT * FROM readings WHERE at >= $1 ORDER BY at LIMIT 10"])
    assert [r.method for r in report.recommendations] == ["btree"]


def test_gin_key_test_estimated_from_jsonb_most_common_values():
    docs = table("docs", 1_000_000, col("id", "bigint"),
                 col("meta", "jsonb", distinct=2, width=16, mcv={'{"v": 1}': 0.998, '{"draft": true}': 0.002}), width=400)
    report = advise([docs], ["SELECT id FROM docs WHERE meta ? 'draft'"])
    [rec] = report.recommendations
    assert rec.kind == "gin" and rec.estimate.method == "statistics" and "not planner-costed" in rec.reason
    # an existence test that every row passes is not worth an index
    report = advise([docs], ["SELECT id FROM docs WHERE meta ? 'v'"])
    assert not report.recommendations
    [statement] = report.statements
    assert any(n.startswith("GIN index on docs (meta) not proposed: it would not make the statement cheaper")
               for n in statement.notes), statement.notes


def test_kinds_btree_switches_the_other_kinds_off():
    statements = ["SELECT * FROM jobs WHERE queue = 1 AND state = 'failed'", "SELECT id FROM jobs WHERE lower(email) = $1"]
    assert {r.kind for r in advise([JOBS], statements).recommendations} == {"partial", "expression"}
    assert {r.kind for r in advise([JOBS], statements, kinds=["btree"]).recommendations} == {"btree"}
    assert {r.kind for r in advise([JOBS], statements, kinds=["expression"]).recommendations} == {"btree", "expression"}


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
    import json

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
])
def test_signature_equates_spellings_postgresql_reads_alike(a, b):
    assert exprtext.signature(a) == exprtext.signature(b)


def test_signature_tells_different_expressions_apart():
    assert exprtext.signature("lower(email)") != exprtext.signature("upper(email)")
    assert exprtext.signature("data->>'a'") != exprtext.signature("data->'a'")


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


def test_existing_index_serving_an_expression_is_reported():
    users = table("users", 1_000_000, col("id", "bigint"), col("email", "text", width=24),
                  indexes=(Index("users_lower_email", "public", "users", [IndexKey(None, "lower(email)")]),))
    report = advise([users], ["SELECT id FROM users WHERE LOWER(email) = $1"])
    assert not report.recommendations
    assert report.statements[0].served_by_existing == ["users_lower_email"]


def test_like_prefix_opclass_follows_the_collation_in_ddl(tmp_path):
    (tmp_path / "schema.sql").write_text(
        'CREATE TABLE parts (id bigint PRIMARY KEY, code text COLLATE "C", name text, '
        'label varchar(40) COLLATE pg_catalog."default");')
    (tmp_path / "w.sql").write_text("SELECT id FROM parts WHERE code LIKE 'AB%';\nSELECT id FROM parts WHERE name LIKE 'ab%';\n"
                                    "SELECT id FROM parts WHERE label LIKE 'x1%';\n")
    from indexadvisor import api

    report = api.analyze([tmp_path / "w.sql"], schema=[tmp_path / "schema.sql"])
    opclass = {r.keys[0].column: r.keys[0].opclass for r in report.recommendations}
    # C compares bytes, so the default operator class serves LIKE 'AB%'; an unknown (the
    # database default, not in the DDL) collation gets the pattern class, which serves in any
    assert opclass == {"code": None, "name": "text_pattern_ops", "label": "varchar_pattern_ops"}
