"""Candidate and advice rules, offline, driven by tests/cases/candidates.txt."""

from __future__ import annotations

import pytest
from casefiles import read_cases, run_advice_case

from indexadvisor import api
from indexadvisor.candidates.requirements import requirement_for, variants
from indexadvisor.extract.patterns import Extractor
from indexadvisor.model import Candidate, Catalog, Column, ColumnStats, IndexKey, ParsedStatement, Statement, Table
from indexadvisor.pg.sql import MAX_IDENT_BYTES

CASE_LIST = read_cases("candidates.txt", default_section="schema")


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_candidates(case, tmp_path):
    report, got, want = run_advice_case(case, tmp_path)
    assert got == want
    for r in report.recommendations:
        assert len(r.name.encode()) <= MAX_IDENT_BYTES


def test_same_input_same_names(tmp_path):
    case = next(c for c in CASE_LIST if c.name.startswith("a name over 63 bytes"))
    (tmp_path / "schema.sql").write_text(case.text("schema"))
    (tmp_path / "workload.sql").write_text(case.text("workload"))
    first = [r.ddl for r in api.analyze([tmp_path]).recommendations]
    second = [r.ddl for r in api.analyze([tmp_path]).recommendations]
    assert first == second


def test_a_flag_before_the_sort_key_gets_a_variant_without_it():
    """(project, position) serves `project = $1 AND NOT deleted ORDER BY position`: the flag narrows little."""
    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "tasks", {n: Column(n, t) for n, t in
                                          (("id", "bigint"), ("projectId", "bigint"), ("isDeleted", "boolean"), ("position", "int"))}))
    sql = 'SELECT * FROM tasks WHERE "projectId" = $1 AND "isDeleted" = false ORDER BY position LIMIT 50'
    [access], _ = Extractor(catalog).extract(Statement("fp", sql, "w.sql", 1))
    table = catalog.tables["public.tasks"]
    req = requirement_for(access, lambda col: (col == "isDeleted", col), table=table)
    assert req is not None and req.flags == ["isDeleted"]
    keys = [[k.column for k in v] for v in variants(req, 3)]
    assert keys[0] == ["projectId", "isDeleted", "position"] and ["projectId", "position"] in keys


def test_narrowing_drops_the_filters_after_the_sort_before_an_equality_column():
    """`org = $1 AND assignee = $2 AND status IN (...) ORDER BY updated DESC` at width 3: the IN list
    after the sort key only filters, so it goes, not assignee (the selective equality column)."""
    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "ticket", {n: Column(n, t) for n, t in
                                           (("id", "bigint"), ("org", "bigint"), ("assignee", "bigint"),
                                            ("status", "text"), ("updated", "timestamptz"))}))
    sql = "SELECT id FROM ticket WHERE org = $1 AND assignee = $2 AND status IN ('open', 'pending') ORDER BY updated DESC LIMIT 25"
    [access], _ = Extractor(catalog).extract(Statement("fp", sql, "w.sql", 1))
    req = requirement_for(access, lambda col: (col != "org", col), table=catalog.tables["public.ticket"])
    assert req is not None and [k.column for k in req.keys()] == ["org", "assignee", "updated", "status"]
    keys = [[k.column for k in v] for v in variants(req, 3)]
    assert keys[0] == ["org", "assignee", "updated"]
    assert ["org", "assignee"] in keys and ["org"] in keys


def test_a_column_only_read_that_is_wide_is_no_key():
    """An all-columns seed or a grown index copies a column only read into every entry, for an
    index-only scan: not a jsonb one (the covering kind's width rule), while a narrow one may."""
    from indexadvisor.model import ColumnStats
    from indexadvisor.select.screen import covering_columns, extensions

    catalog = Catalog(source="ddl")
    cols = {n: Column(n, t) for n, t in (("id", "bigint"), ("org", "bigint"), ("data", "jsonb"), ("name", "text"))}
    cols["name"].stats = ColumnStats(avg_width=90)
    catalog.add(Table("public", "customer", cols))
    table = catalog.tables["public.customer"]
    for sql, want in (("SELECT id FROM customer WHERE org = $1", ["org", "id"]),
                      ("SELECT id FROM customer WHERE org = $1 AND data->>'crm' = $2", []),
                      ("SELECT name FROM customer WHERE org = $1", []),
                      ("SELECT id, data FROM customer WHERE org = $1", [])):
        [access], _ = Extractor(catalog).extract(Statement("fp", sql, "w.sql", 1))
        assert covering_columns(access, 3, table) == want, sql
        parent = Candidate("public", "customer", [IndexKey("org")])
        grown = extensions(parent, {"fp": (10.0, 1.0)}, [ParsedStatement(Statement("fp", sql, "w.sql", 1), [access])],
                           {parent.spec: []}, catalog, 3)
        assert {k.column for c in grown for k in c.keys} <= {"org", "id"}, sql


def test_a_grown_index_takes_a_searched_column_or_the_last_one_an_index_only_scan_lacks():
    """extensions(): a column the statements the parent made cheaper search is one more key; a
    column only read is one only where it is the last one the index lacks for an index-only scan
    of a statement the index may serve (made cheaper or not): nothing else reads it from there."""
    from indexadvisor.select.screen import extensions

    catalog = Catalog(source="ddl")
    cols = {n: Column(n, t) for n, t in (("id", "bigint"), ("customer_id", "bigint"), ("status", "text"),
                                         ("total", "integer"), ("placed", "date"))}
    catalog.add(Table("public", "orders", cols))
    texts = {"searched": "SELECT id, total, placed FROM orders WHERE customer_id = $1 AND status = $2",
             "summed": "SELECT sum(total) FROM orders WHERE customer_id = $1",
             "listed": "SELECT total, placed FROM orders WHERE customer_id = $1",
             "all": "SELECT * FROM orders WHERE customer_id = $1"}
    statements = []
    for fp, sql in texts.items():
        accesses, _ = Extractor(catalog).extract(Statement(fp, sql, "w.sql", 1))
        statements.append(ParsedStatement(Statement(fp, sql, "w.sql", 1), accesses, []))
    parent = Candidate("public", "orders", [IndexKey("customer_id")])
    grown = extensions(parent, {"searched": (10.0, 1.0)}, statements, {parent.spec: []}, catalog, 3)
    assert sorted([k.column for k in c.keys] for c in grown) == [["customer_id", "status"], ["customer_id", "total"]]
    # made cheaper, the statement that reads two more columns still grows no key from them
    grown = extensions(parent, dict.fromkeys(texts, (10.0, 1.0)), statements[2:], {parent.spec: []}, catalog, 3)
    assert grown == []


def test_a_partial_index_grows_no_key_its_where_pins():
    """extensions(): every entry of `("runAt") WHERE status = 'queued'` holds the one status its
    WHERE pins, so `("runAt", status) WHERE status = 'queued'` separates nothing more; grown anyway
    (the queue's poll tests status), the chat app's local search took it over its parent."""
    from indexadvisor.select.screen import extensions

    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "job", {n: Column(n, t) for n, t in (
        ("id", "bigint"), ("status", "text"), ("runAt", "timestamptz"), ("queue", "text"))}))
    statement = Statement("fp", "SELECT id FROM job WHERE status = 'queued' AND \"runAt\" <= $1 AND queue = $2 "
                                "ORDER BY \"runAt\" LIMIT 10", "w.sql", 1)
    accesses, _ = Extractor(catalog).extract(statement)
    parent = Candidate("public", "job", [IndexKey("runAt")], where="status = 'queued'")
    got = extensions(parent, {"fp": (10.0, 1.0)}, [ParsedStatement(statement, accesses, [])], {parent.spec: []}, catalog, 3)
    assert [[k.column for k in c.keys] for c in got] == [["runAt", "queue"]]


def test_a_grown_key_can_complete_an_index_only_scan_of_select_star():
    """extensions(): `SELECT *` reads every column; an index that holds all but one grows it as a
    key even where the statement does not pin the keys before it (it then reads the index alone)."""
    from indexadvisor.select.screen import extensions

    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "orders", {n: Column(n, t) for n, t in (
        ("id", "bigint"), ("customer_id", "bigint"), ("status", "text"), ("created_at", "timestamptz"))}))
    statement = Statement("fp", "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20", "w.sql", 1)
    accesses, _ = Extractor(catalog).extract(statement)
    parent = Candidate("public", "orders", [IndexKey("customer_id"), IndexKey("status")], ["id"])
    got = extensions(parent, {"fp": (10.0, 1.0)}, [ParsedStatement(statement, accesses, [])], {parent.spec: []}, catalog, 3)
    assert [[k.column for k in c.keys] for c in got] == [["customer_id", "status", "created_at"]]


@pytest.mark.parametrize("sql, grown", [
    # past a range key: a constant filter is still tested in the index; the join column is not grown
    ("SELECT sum(l.total) FROM lines l JOIN orders o ON o.id = l.order_id WHERE l.shipped > $1 AND l.qty < 5",
     [["shipped", "qty"]]),
    # the same join column after a key the statement pins: it narrows the scan per outer row
    ("SELECT sum(l.total) FROM lines l JOIN orders o ON o.id = l.order_id WHERE l.shipped = $1 AND l.qty < 5",
     [["shipped", "order_id"], ["shipped", "qty"]]),
    # a group column after a range key is not read in its order, after the range key and itself it is
    ("SELECT order_id, sum(total) FROM lines WHERE shipped > $1 GROUP BY order_id", []),
    ("SELECT shipped, order_id, sum(total) FROM lines WHERE shipped > $1 GROUP BY shipped, order_id", [["shipped", "order_id"]]),
])
def test_a_key_after_a_range_key_grows_only_what_it_can_serve(sql, grown):
    """extensions() past a key the statement does not pin: the index is read in that key's order,
    so one more key serves a constant filter (in the index, before the heap) or a sort read in
    that order, never a join column alone."""
    from indexadvisor.select.screen import extensions

    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "lines", {n: Column(n, t) for n, t in (
        ("id", "bigint"), ("order_id", "bigint"), ("shipped", "date"), ("qty", "integer"), ("total", "numeric"))}))
    catalog.add(Table("public", "orders", {"id": Column("id", "bigint")}))
    statement = Statement("fp", sql, "w.sql", 1)
    accesses, _ = Extractor(catalog).extract(statement)
    parent = Candidate("public", "lines", [IndexKey("shipped")])
    got = extensions(parent, {"fp": (10.0, 1.0)}, [ParsedStatement(statement, accesses, [])], {parent.spec: []}, catalog, 3)
    assert sorted([k.column for k in c.keys] for c in got) == grown


@pytest.mark.parametrize("sql, keys", [
    # a parameter on a flag whose common value holds 97% of the rows: most likely that value, kept after the sort key
    ('SELECT * FROM tasks WHERE "projectId" = $1 AND "isDeleted" = $2 ORDER BY position LIMIT 50',
     ["projectId", "position", "isDeleted"]),
    # alone before the sort key it may be a queue's rare value: it leads
    ('SELECT * FROM tasks WHERE "isDeleted" = $1 ORDER BY position LIMIT 50', ["isDeleted", "position"]),
    # the rare value written out narrows: a key before the sort key
    ('SELECT * FROM tasks WHERE "projectId" = $1 AND "isDeleted" = true ORDER BY position LIMIT 50',
     ["projectId", "isDeleted", "position"]),
    # no sort key: equality columns in any order, the flag last
    ('SELECT * FROM tasks WHERE "projectId" = $1 AND "isDeleted" = $2', ["projectId", "isDeleted"]),
])
def test_a_parameter_on_a_flag_most_rows_share_goes_after_the_sort_keys(sql, keys):
    stats = {"isDeleted": ColumnStats(n_distinct=2, most_common_vals=["f", "t"], most_common_freqs=[0.97, 0.03]),
             "projectId": ColumnStats(n_distinct=-0.01)}
    catalog = Catalog(source="snapshot")
    catalog.add(Table("public", "tasks", {n: Column(n, t, stats=stats.get(n)) for n, t in
                                          (("id", "bigint"), ("projectId", "bigint"), ("isDeleted", "boolean"), ("position", "int"))},
                      row_estimate=100_000))
    [access], _ = Extractor(catalog).extract(Statement("fp", sql, "w.sql", 1))
    req = requirement_for(access, lambda col: (col == "isDeleted", col), table=catalog.tables["public.tasks"])
    assert req is not None and [k.column for k in req.keys()] == keys
    assert req.common == (["isDeleted"] if keys[-1] == "isDeleted" and "position" in keys else [])
