"""Access-pattern extraction, driven by tests/cases/patterns.txt."""

from __future__ import annotations

import pytest
from casefiles import CASES, read_cases
from sqlglot import exp

from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.extract.patterns import Extractor, StatementParseError
from indexadvisor.extract.predicates import _HANDLERS
from indexadvisor.model import Predicate, PredKind, Statement, TableAccess
from indexadvisor.pg.parsing import space_parameters

CATALOG = read_ddl([CASES / "patterns_schema.sql"], [])


def _token(p: Predicate) -> str:
    operand = f"({p.expression})" if p.expression is not None else p.column  # an expression as the query writes it
    if p.compared is not None:  # a comparison of two columns of the row: column, operator, other column
        operand += "".join(p.compared)
    return f"{p.kind.value}:{operand}" + (f"={p.constant}" if p.constant is not None else "")


def canonical(access: TableAccess) -> str:
    """One access as a line of sorted tokens, the format the case file uses (an OR of this
    table's filters: `anyof:` then its arms, `|` between arms, `&` between an arm's predicates)."""
    tokens = [_token(p) for p in access.predicates]
    tokens += ["anyof:" + "|".join("&".join(_token(p) for p in arm) for arm in arms) for arms in access.any_of]
    for k in access.order_by:
        nulls = "" if k.nulls_first is None else (" nullsfirst" if k.nulls_first else " nullslast")
        tokens.append(f"order:{k.column}{' desc' if k.desc else ''}{nulls}")
    tokens += [f"group:{g}" for g in access.group_by]
    if access.limit is not None:
        tokens.append(f"limit:{access.limit}")
    if access.kind != "select":
        tokens.append(f"dml:{access.kind}")
    return f"{access.table}: " + " | ".join(sorted(tokens))


KINDS = {k.value for k in PredKind} | {"order", "group", "limit", "dml", "anyof"}


def _expected(line: str) -> str:
    table, _, rest = line.partition(":")
    tokens = []
    # tokens are separated by spaces, but a constant may hold spaces: re-join on kind prefixes
    for word in rest.split():
        if ":" in word and word.split(":")[0] in KINDS:
            tokens.append(word)
        elif tokens:
            tokens[-1] += " " + word
    return f"{table}: " + " | ".join(sorted(tokens))


CASE_LIST = read_cases("patterns.txt")


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_access_patterns(case):
    accesses, _ = Extractor(CATALOG).extract(Statement("fp", case.text("sql"), "case", 1))
    got = sorted(canonical(a) for a in accesses)
    want = sorted(_expected(line) for line in case.sections["expect"])
    assert got == want


def test_case_file_has_enough_cases():
    assert len(CASE_LIST) >= 40


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_sqlglot_class_has_two_condition_handlers():
    """The condition dispatch table is searched along a node class's MRO, which is right only while no
    sqlglot class derives from two of its keys (the isinstance chain it replaced had an order for that)."""
    ambiguous = {cls.__name__: [k.__name__ for k in _HANDLERS if issubclass(cls, k)] for cls in _subclasses(exp.Expr)}
    assert {name: keys for name, keys in ambiguous.items() if len(keys) > 1} == {}


def test_parameter_spacing_leaves_literals_comments_and_dollar_quotes_alone():
    """Only $n outside strings get a space (Prisma's `IN ($1,$2)`): E'' escapes and nested comments are strings too."""
    sql = "SELECT E'it\\'s $1,$2', $1,$2 /* a /* $1,$2 */ b $1,$2 */ $$x$1,$$ FROM t WHERE a IN ($3,$4)"
    assert space_parameters(sql) == (
        "SELECT E'it\\'s $1,$2', $1 ,$2 /* a /* $1,$2 */ b $1,$2 */ $$x$1,$$ FROM t WHERE a IN ($3 ,$4 )"
    )


@pytest.mark.parametrize("sql, verdict", [
    ("SELECT +", "not valid PostgreSQL: syntax error at end of input"),  # sqlglot alone accepts it
    ("SELEC * FROM orders", "not valid PostgreSQL: syntax error at or near \"SELEC\""),
    ("SELECT * FROM orders WHERE id = 1 ORDER BY id USING <", "valid PostgreSQL that the advisor cannot read yet"),
])
def test_postgres_grammar_tells_not_postgres_from_not_understood(sql, verdict):
    with pytest.raises(StatementParseError) as caught:
        Extractor(CATALOG).extract(Statement("fp", sql, "case", 1))
    assert str(caught.value).startswith(verdict)


@pytest.mark.parametrize("sql", ["SELECT id FROM docs WHERE payload ->> $1 = $2",
                                 "SELECT id FROM orders WHERE total * $1 > 100"])
def test_a_parameter_inside_an_expression_is_said_not_silently_dropped(sql):
    """pg_stat_statements writes a JSON key as $1: no expression index can hold such values, and the
    statement says why instead of looking like one with no filter at all."""
    accesses, notes = Extractor(CATALOG).extract(Statement("fp", sql, "case", 1))
    assert all(not a.predicates for a in accesses)
    assert any("has a parameter inside the expression" in n for n in notes), notes


def test_an_expression_with_its_constant_written_out_gets_no_such_note():
    accesses, notes = Extractor(CATALOG).extract(Statement("fp", "SELECT id FROM docs WHERE payload ->> 'plan' = $1", "case", 1))
    assert accesses[0].predicates and not any("parameter inside" in n for n in notes)


@pytest.mark.parametrize("sql, reads", [
    # PostgreSQL drops an EXISTS body's select list: it reads what its conditions name
    ("SELECT id FROM customers c WHERE EXISTS (SELECT * FROM orders o WHERE o.customer_id = c.id AND o.status = 'open')",
     {"customer_id", "status"}),
    ("SELECT id FROM customers c WHERE NOT EXISTS ((SELECT o.total FROM orders o WHERE o.customer_id = c.id))", {"customer_id"}),
    # with an aggregate the select list is computed: it is read
    ("SELECT id FROM customers c WHERE EXISTS (SELECT max(o.total) FROM orders o WHERE o.customer_id = c.id)",
     {"customer_id", "total"}),
    # a positive LIMIT is dropped with it; an OFFSET keeps the select list
    ("SELECT id FROM customers c WHERE EXISTS (SELECT o.total FROM orders o WHERE o.customer_id = c.id LIMIT 1)",
     {"customer_id"}),
    ("SELECT id FROM customers c WHERE EXISTS (SELECT o.total FROM orders o WHERE o.customer_id = c.id OFFSET 1)",
     {"customer_id", "total"}),
    # an IN subquery's select list is the value compared
    ("SELECT id FROM customers c WHERE c.id IN (SELECT o.customer_id FROM orders o WHERE o.status = 'open')",
     {"customer_id", "status"}),
])
def test_the_columns_an_exists_body_reads_are_its_conditions(sql, reads):
    accesses, _ = Extractor(CATALOG).extract(Statement("fp", sql, "case", 1))
    orders = [a for a in accesses if a.table.name == "orders"]
    assert len(orders) == 1 and orders[0].columns_read == reads


@pytest.mark.parametrize("sql, reads", [
    # Prisma's count: the outer query names no output of its subquery, which PostgreSQL computes as NULL
    ('SELECT COUNT(*) FROM (SELECT "public"."orders"."id" FROM "public"."orders" WHERE "public"."orders"."customer_id" = $1 '
     'OFFSET $2) AS "sub"', {"customer_id"}),
    # the outputs named outside stay, and the ones the subquery sorts by
    ("SELECT s.total FROM (SELECT id, total, status FROM orders WHERE customer_id = $1 OFFSET 0) s", {"customer_id", "total"}),
    ("SELECT count(*) FROM (SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY total LIMIT 5) s", {"customer_id", "total"}),
    # every output is read under * or s.*, and the rows of a DISTINCT depend on all of them
    ("SELECT * FROM (SELECT id, total FROM orders WHERE customer_id = $1 OFFSET 0) s", {"customer_id", "id", "total"}),
    ("SELECT row_to_json(s.*) FROM (SELECT id, total FROM orders WHERE customer_id = $1 OFFSET 0) s",
     {"customer_id", "id", "total"}),
    ("SELECT count(*) FROM (SELECT DISTINCT status FROM orders WHERE customer_id = $1) s", {"customer_id", "status"}),
    ("SELECT row_to_json(s) FROM (SELECT id, total FROM orders WHERE customer_id = $1 OFFSET 0) s", {"customer_id", "id", "total"}),
])
def test_outputs_of_a_subquery_in_from_that_nothing_reads_are_not_read(sql, reads):
    accesses, _ = Extractor(CATALOG).extract(Statement("fp", sql, "case", 1))
    orders = [a for a in accesses if a.table.name == "orders"]
    assert len(orders) == 1 and orders[0].columns_read == reads
