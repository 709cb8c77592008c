"""A statement rewritten, for costing only, so that one table comes first in its FROM.

Why: HypoPG (1.3 and 1.4 alike) gives the planner a hypothetical index's WHERE
and expressions as written for range-table entry 1, where PostgreSQL renumbers a
real index's to the table's own position (get_relation_info). A hypothetical
partial or expression index is therefore only matched when its table is the first
one the query names: in `FROM orders, lineitem WHERE ... AND l_commitdate <
l_receiptdate` a partial index on lineitem is never used, and what-if costing
would report it worthless. The advisor explains a copy of the statement with that
table first as well. Inner joins commute, so the copy returns the same rows and
the planner searches the same join orders (join_collapse_limit and
from_collapse_limit are equal by default); the ON conditions of the inner joins
moved ahead become WHERE conditions, which for inner joins is the same thing.

The second table simply swaps places with the first, whatever joins them (`a LEFT
JOIN b ON c` is `b RIGHT JOIN a ON c`). Nothing is rewritten where that would change
the statement's meaning: an outer, USING or NATURAL join between the front and a
table further in, a right or full join after it (the ON conditions moved to the WHERE
would then filter its unmatched rows), or a table that only a subquery reads (its
entry comes after the outer query's after pull-up, whatever the text says).
"""

from __future__ import annotations

from sqlglot import exp

from indexadvisor.extract.patterns import StatementParseError, parse


def lead_with(sql: str, schema: str, table: str) -> str | None:
    """The statement with the first top-level occurrence of schema.table moved to the
    front of its FROM; None when it is there already or cannot be moved safely."""
    try:
        tree = parse(sql)
    except StatementParseError:
        return None
    if not isinstance(tree, exp.Select):
        return None
    from_ = tree.args.get(_from_key(tree))
    joins = list(tree.args.get("joins") or [])
    if from_ is None or not joins:
        return None
    items = [from_.this] + [j.this for j in joins]
    k = next((i for i, item in enumerate(items) if _names(item, schema, table)), None)
    if not k:  # not at the top level, or first already
        return None
    if k == 1:
        return _swap_first(tree, items, joins)
    if any(_outer_to_front(j) for j in joins[:k]) or any(j.args.get("side") in ("RIGHT", "FULL") for j in joins[k:]):
        return None
    commas = all(_is_comma(j) for j in joins)
    moved = [items[0]] + [j.this for j in joins[:k - 1]]
    conditions = [j.args["on"] for j in joins[:k] if j.args.get("on") is not None]
    rewritten = tree.copy()
    rewritten.set(_from_key(tree), exp.From(this=items[k].copy()))
    front = [exp.Join(this=m.copy()) if commas else exp.Join(this=m.copy(), kind="CROSS") for m in moved]
    rewritten.set("joins", front + [j.copy() for j in joins[k:]])
    where = tree.args.get("where")
    parts = [c.copy() for c in conditions] + ([where.this.copy()] if where is not None else [])
    if parts:
        rewritten.set("where", exp.Where(this=exp.and_(*[exp.paren(p, copy=False) for p in parts], copy=False)))
    return rewritten.sql(dialect="postgres")


def _swap_first(tree: exp.Select, items: list[exp.Expression], joins: list[exp.Join]) -> str:
    """`a LEFT JOIN b ON c ...` as `b RIGHT JOIN a ON c ...` (`a, b` as `b, a`): the same join,
    the other way round, its condition where it was."""
    first = joins[0].copy()
    first.set("this", items[0].copy())
    side = (first.args.get("side") or "").upper()
    if side in _FLIPPED:
        first.set("side", _FLIPPED[side])
    rewritten = tree.copy()
    rewritten.set(_from_key(tree), exp.From(this=items[1].copy()))
    rewritten.set("joins", [first] + [j.copy() for j in joins[1:]])
    return rewritten.sql(dialect="postgres")


_FLIPPED = {"LEFT": "RIGHT", "RIGHT": "LEFT", "FULL": "FULL"}


def _from_key(tree: exp.Select) -> str:
    """The FROM clause's key in the tree's args: "from_" in newer sqlglot, "from" before."""
    return "from_" if "from_" in tree.args else "from"


def _names(item: exp.Expression, schema: str, table: str) -> bool:
    """Whether a FROM item is the table itself (not a subquery or function)."""
    if not isinstance(item, exp.Table) or not isinstance(item.this, exp.Identifier):
        return False
    return item.name == table and (not item.db or item.db == schema)


def _is_comma(join: exp.Join) -> bool:
    return not join.args.get("kind") and not join.args.get("side") and join.args.get("on") is None \
        and not join.args.get("using") and not join.args.get("method")


def _outer_to_front(join: exp.Join) -> bool:
    """Whether a join between the front and the table stops the table moving ahead of it."""
    kind = (join.args.get("kind") or "").upper()
    return bool(join.args.get("side") or join.args.get("using") or join.args.get("method")) \
        or kind not in ("", "INNER", "CROSS")
