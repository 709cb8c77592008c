"""Which table a column reference belongs to, and which operands are fixed for one execution.

A column is resolved through its qualifier (a table alias of the scope), or, when
unqualified, through the catalog's columns of the scope's tables (or the only
table in scope when the catalog knows none). A column of an outer query inside a
correlated subquery resolves to OUTER: for each execution of the subquery it is a
parameter, which is what it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from indexadvisor.extract.nodes import CONSTANTS, lookup, uncast, unparen
from indexadvisor.extract.scope import ScopeView, Source
from indexadvisor.pg import types as T

OUTER = "outer"  # what a column of an enclosing query resolves to


def resolve(column: exp.Column, view: ScopeView) -> Source | str | None:
    """The local source of a column, OUTER for an outer-query column, or None."""
    qualifier = column.table
    name = column.name
    if qualifier:
        if qualifier in view.tables:
            return view.tables[qualifier]
        if qualifier in view.derived:
            return None
        return OUTER if _resolves_outside(column, view.outer) else None
    owners = [s for s in view.tables.values() if s.known_columns is not None and name in s.known_columns]
    if len(owners) == 1:
        return owners[0]
    if owners:
        return None  # ambiguous: PostgreSQL would refuse it too
    if any(name in cols for cols in view.derived.values()):
        return None
    unknown = [s for s in view.tables.values() if s.known_columns is None]
    if len(unknown) == 1 and not any(s.known_columns for s in view.tables.values()):
        return unknown[0]
    return OUTER if _resolves_outside(column, view.outer) else None


def _resolves_outside(column: exp.Column, outer: ScopeView | None) -> bool:
    while outer is not None:
        found = resolve(column, ScopeView(outer.tables, outer.derived, [], None, None, None, [], None))
        if found is not None:
            return True
        outer = outer.outer
    return False


def local(node: exp.Expr | None, view: ScopeView) -> Source | None:
    """The local table source when the node is a plain column of one."""
    if node is None:
        return None
    node = unparen(uncast(node))
    if not isinstance(node, exp.Column):
        return None
    src = resolve(node, view)
    if not isinstance(src, Source):
        return None
    if src.known_columns is not None and node.name not in src.known_columns:
        return None
    return src


def local_expression(node: exp.Expr | None, view: ScopeView) -> tuple[Source, exp.Expr] | None:
    """The local source when the node is an expression (not a bare column) over its columns only."""
    if node is None:
        return None
    node = unparen(node)
    if isinstance(node, (exp.Column, *CONSTANTS)):
        return None
    columns = list(node.find_all(exp.Column))
    if not columns or any(isinstance(n, (exp.Select, exp.Subquery, exp.AggFunc, exp.Window, exp.Parameter,
                                         exp.Placeholder, exp.Star)) for n in node.walk()):
        return None
    sources = {id(s): s for s in (resolve(c, view) for c in columns)}
    if len(sources) != 1:
        return None
    src = next(iter(sources.values()))
    if not isinstance(src, Source):
        return None
    if src.known_columns is not None and any(c.name not in src.known_columns for c in columns):
        return None
    return src, node


def is_constant(node: exp.Expr | None, view: ScopeView) -> bool:
    """True when the value is fixed for one execution: literals, parameters, outer columns, stable calls."""
    if node is None:
        return False
    node = unparen(node)
    test = lookup(_CONSTANT_TESTS, node) or _fixed_expression
    return test(node, view)


def _always(node: exp.Expr, view: ScopeView) -> bool:
    return True


def _outer_column(node: exp.Column, view: ScopeView) -> bool:
    return resolve(node, view) == OUTER


def _fixed_expression(node: exp.Expr, view: ScopeView) -> bool:
    """Any other expression: fixed when all its columns are outer ones (or it is a subquery's value)."""
    columns = list(node.find_all(exp.Column))
    if any(isinstance(n, (exp.Select, exp.Subquery)) for n in node.walk()) and not columns:
        return True
    return all(resolve(c, view) == OUTER for c in columns)


# node class -> whether such an operand is fixed for one execution (nodes of other classes: _fixed_expression)
_CONSTANT_TESTS: dict[type[exp.Expr], Callable[[Any, ScopeView], bool]] = {
    **{cls: _always for cls in CONSTANTS},
    exp.Column: _outer_column,
    exp.Subquery: _always,  # a scalar subquery is evaluated once (an InitPlan)
    exp.Select: _always,
}


def no_op_cast(node: exp.Expr, src: Source) -> str | None:
    """The column, when the node is a cast of one of the source's columns to its own type (or
    text to text by another name: `"handle"::text` on varchar), which changes nothing an index
    sees; else None."""
    node = unparen(node)
    if not isinstance(node, exp.Cast) or not isinstance(unparen(node.this), exp.Column):
        return None
    column = unparen(node.this).name
    have = src.column_types.get(column)
    if have is None:
        return None
    want = node.to.sql(dialect="postgres")
    if T.same_type(have, want) or (T.is_plain_text(have) and T.is_plain_text(want)):
        return column
    return None
