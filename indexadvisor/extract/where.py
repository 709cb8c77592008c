"""The one reader of an index's WHERE clause (a partial index's predicate).

Three questions need it: which predicates the clause holds (read with the statement
extractor, so a clause and a query's WHERE are compared in the same terms), its
AND-ed conditions in one normal form (to tell two predicates apart), and whether it
is only `col IS NOT NULL` tests (an index a foreign key can use).
"""

from __future__ import annotations

import functools

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from indexadvisor.extract import nodes
from indexadvisor.extract.patterns import (
    Extractor,
    StatementParseError,
    UnsupportedStatement,
)
from indexadvisor.model import Catalog, Predicate, Statement
from indexadvisor.pg.parsing import parse_one


@functools.cache
def _parse(where: str) -> exp.Expr | None:
    try:
        return parse_one(where, dialect="postgres")
    except (ParseError, TokenError, RecursionError):  # RecursionError: nested too deeply to read
        return None


@functools.lru_cache(maxsize=4096)
@functools.cache
def index_predicates(where: str) -> tuple[Predicate, ...]:
    """The conjuncts of an index predicate, read with the statement extractor."""
    try:
        accesses, _ = Extractor(Catalog()).extract(Statement("", f"SELECT 1 FROM t WHERE {where}", "", None))
    except (StatementParseError, UnsupportedStatement):
        return ()
    return tuple(accesses[0].predicates) if len(accesses) == 1 else ()


@functools.cache
def conjuncts(where: str | None) -> frozenset[str]:
    """The AND-ed conditions of an index predicate, each in one normal form."""
    if not where:
        return frozenset()
    tree = _parse(where)
    if tree is not None:
        try:
            return frozenset(c.sql(dialect="postgres") for c in nodes.conjuncts(tree))
        except RecursionError:  # a conjunct nested too deeply to write back: compare the text as it is
            pass
    return frozenset({" ".join(where.split())})


@functools.cache
def not_null_columns(where: str | None) -> frozenset[str] | None:
    """The columns of a predicate made only of `col IS NOT NULL` tests; None if it has others."""
    if not where:
        return frozenset()
    tree = _parse(where)
    if tree is None:
        return None
    cols = set()
    for c in nodes.conjuncts(tree):
        negated = isinstance(c, exp.Not)
        test = nodes.unparen(c.this) if negated else c
        if isinstance(test, exp.Is) and (negated or test.args.get("negate")) and not (negated and test.args.get("negate")):
            if isinstance(test.this, exp.Column) and isinstance(test.expression, exp.Null):
                cols.add(test.this.name)
                continue
        return None
    return frozenset(cols)
