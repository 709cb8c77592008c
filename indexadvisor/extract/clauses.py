"""A scope's ORDER BY, GROUP BY, LIMIT and the columns it reads, onto its tables' accesses."""

from __future__ import annotations

from sqlglot import exp

from indexadvisor.extract.nodes import columns_in, limit_value, uncast, unparen
from indexadvisor.extract.resolve import local, resolve
from indexadvisor.extract.scope import ScopeView, Source
from indexadvisor.model import SortKey


def read_clauses(view: ScopeView) -> None:
    """Everything but the predicates: the order, grouping, limit and columns read of each table."""
    _order(view)
    _group(view)
    limit = limit_value(view.limit)
    for src in view.tables.values():
        src.access.limit = limit
    _columns_read(view)


def _order(view: ScopeView) -> None:
    """An ORDER BY of one table's columns only (an index can deliver no other)."""
    if view.order is None:
        return
    keys: list[tuple[Source, SortKey]] = []
    selects = {e.alias_or_name: e for e in view.read_nodes if isinstance(e, exp.Alias)}
    for ordered in view.order.expressions:
        node = unparen(ordered.this)
        if isinstance(node, exp.Literal) and not node.is_string:  # ORDER BY 2
            position = int(node.this) - 1
            if 0 <= position < len(view.read_nodes):
                node = unparen(view.read_nodes[position].unalias())
        elif isinstance(node, exp.Column) and not node.table and node.name in selects:
            node = unparen(selects[node.name].unalias())
        src = local(node, view)
        if src is None:
            return  # an expression or a foreign column: no index delivers this order
        desc = bool(ordered.args.get("desc"))
        nulls_first = ordered.args.get("nulls_first")
        # sqlglot fills in the default; keep it only when it differs from PostgreSQL's
        explicit = None if bool(nulls_first) == desc else bool(nulls_first)
        keys.append((src, SortKey(unparen(uncast(node)).name, desc, explicit)))
    owners = {id(src) for src, _ in keys}
    if len(owners) == 1:
        src = keys[0][0]
        src.access.order_by = [k for _, k in keys]


def _group(view: ScopeView) -> None:
    if view.group is None:
        return
    for node in view.group.expressions:
        if isinstance(node, exp.Column):
            src = resolve(node, view)
            if isinstance(src, Source) and node.name not in src.access.group_by:
                src.access.group_by.append(node.name)


def _columns_read(view: ScopeView) -> None:
    """The columns each table gives the scope; those read outside WHERE/ON are its output too."""
    nodes: list[exp.Expr] = list(view.read_nodes) + list(view.conditions)
    for extra in (view.order, view.group):
        if extra is not None:
            nodes.append(extra)
    conditions = {id(c) for c in view.conditions}
    for node in nodes:
        output = id(node) not in conditions
        if isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star)):
            targets = view.tables.values() if not node.args.get("table") else [view.tables.get(node.text("table"))]
            for target in targets:
                if target:
                    target.access.columns_read.add("*")
                    target.access.columns_output.add("*")
            continue
        for col in columns_in(node):
            src = resolve(col, view)
            if isinstance(src, Source):
                src.access.columns_read.add(col.name)
                if output:
                    src.access.columns_output.add(col.name)
