"""Small pure functions over sqlglot nodes, shared by the extractor's modules.

`lookup` is how the extractor dispatches on node types: a dict from sqlglot
expression classes to handlers, searched along the node's class MRO so that a
subclass (sqlglot's `Pseudocolumn` of `Column`, say) is handled as its base is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from sqlglot import exp

# operands whose value is fixed for one execution by themselves
CONSTANTS = (exp.Literal, exp.Boolean, exp.Parameter, exp.Placeholder, exp.Null)

H = TypeVar("H")
N = TypeVar("N", bound=exp.Expr)


def lookup(table: Mapping[type, H], node: exp.Expr) -> H | None:
    """The table's entry for the node's class, or for its nearest base class that has one."""
    for cls in type(node).__mro__:
        if cls in table:
            return table[cls]
    return None


def unparen(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def uncast(node: exp.Expr) -> exp.Expr:
    """`col::int = $1` still filters on col when the cast is of the parameter side only."""
    while isinstance(node, exp.Cast) and isinstance(unparen(node.this), (*CONSTANTS, exp.Cast)):
        node = unparen(node.this)
    return node


def literal(node: exp.Expr | None) -> str | None:
    """SQL text of a literal operand; None for parameters and expressions."""
    if node is None:
        return None
    node = unparen(uncast(node))
    if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)):
        return node.sql(dialect="postgres")
    return None


def conjuncts(node: exp.Expr) -> list[exp.Expr]:
    """The AND-ed conditions of a condition, parentheses removed, in text order.

    Iterative: a chain of a thousand ANDs is a tree a thousand levels deep.
    """
    out: list[exp.Expr] = []
    stack: list[exp.Expr] = [node]
    while stack:
        item = unparen(stack.pop())
        if isinstance(item, exp.And):
            stack += [item.expression, item.this]  # the left side is taken first
        else:
            out.append(item)
    return out


def branches(node: exp.Or) -> list[exp.Expr]:
    """The arms of an OR chain, in the order written (`a OR (b OR c)`: a, b, c)."""
    out: list[exp.Expr] = []
    stack: list[exp.Expr] = [node]
    while stack:
        item = unparen(stack.pop())
        if isinstance(item, exp.Or):
            stack += [item.expression, item.this]
        else:
            out.append(item)
    return out


def common_conjuncts(node: exp.Or) -> list[exp.Expr]:
    """Conjuncts that every branch of an OR carries (TPC-H q19's join key, say)."""
    first, *rest = [{c.sql(dialect="postgres"): c for c in conjuncts(b)} for b in branches(node)]
    return [c for text, c in first.items() if all(text in other for other in rest)]


def columns_in(node: exp.Expr) -> Iterable[exp.Column]:
    """Columns in the node that belong to this scope (not to nested subqueries)."""
    return in_scope(node, exp.Column)


def in_scope(node: exp.Expr, kind: type[N]) -> Iterable[N]:
    """The nodes of a kind in the node that belong to its scope, not to a subquery nested in it."""
    for found in node.find_all(kind):
        parent = found.parent if found is not node else None
        while parent is not None and parent is not node and not isinstance(parent, (exp.Select, exp.Subquery)):
            parent = parent.parent
        if parent is None or parent is node:
            yield found


def limit_value(limit: exp.Expr | None) -> int | None:
    """The LIMIT's (or FETCH FIRST's) number, 0 when it is a parameter, None when there is none
    (LIMIT ALL and LIMIT NULL are none; FETCH FIRST ROW ONLY is one)."""
    if limit is None:
        return None
    if isinstance(limit, exp.Fetch):
        value = limit.args.get("count")
        if value is None:
            return 1
    else:
        value = limit.args.get("expression")
    if isinstance(value, exp.Null) or (isinstance(value, exp.Var) and value.name.upper() == "ALL"):
        return None
    if isinstance(value, exp.Literal) and not value.is_string:
        try:
            return int(value.this)
        except ValueError:
            return 0
    return 0
