"""A scope's ORDER BY, GROUP BY, LIMIT and the columns it reads, onto its tables' accesses."""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from indexadvisor.extract.nodes import columns_in, in_scope, limit_value, uncast, unparen
from indexadvisor.extract.resolve import local, resolve
from indexadvisor.extract.scope import ScopeView, Source
from indexadvisor.model import SortKey


def read_clauses(view: ScopeView) -> None:
    """Everything but the predicates: the order, grouping, limit and columns read of each table."""
    _order(view)
    _window_order(view)
    _group(view)
    limit = limit_value(view.limit)
    for src in view.tables.values():
        src.access.limit = limit
    _min_max(view)
    _columns_read(view)


def _min_max(view: ScopeView) -> None:
    """MIN and MAX of one column of the scope's one table, with no GROUP BY or ORDER BY: PostgreSQL
    plans each as `ORDER BY col [DESC] LIMIT 1` where an index delivers that order after the
    WHERE's equality columns (planagg.c), so the access asks for it: `max("createdAt") ... WHERE
    "userId" = $1` is one step down ("userId", "createdAt"), where ("userId") reads every row of the
    user. Not with any other aggregate, a window, FILTER or DISTINCT, which that plan does not take."""
    if view.order is not None or view.group is not None or len(view.tables) != 1 or view.derived:
        return
    nodes = [n for node in view.read_nodes for n in node.walk()]
    aggregates = [n for n in nodes if isinstance(n, exp.AggFunc)]
    if not aggregates or any(isinstance(n, (exp.Window, exp.Filter)) for n in nodes):
        return
    wanted: set[tuple[str, bool]] = set()
    for agg in aggregates:
        arg = unparen(agg.this) if isinstance(agg, (exp.Max, exp.Min)) and not agg.args.get("expressions") else None
        if not isinstance(arg, exp.Column) or local(arg, view) is None:
            return
        wanted.add((arg.name, isinstance(agg, exp.Max)))
    columns = {column for column, _ in wanted}
    if len(columns) == 1:
        src = next(iter(view.tables.values()))
        desc = all(is_max for _, is_max in wanted)
        src.access.order_by = [SortKey(columns.pop(), desc, None, "/".join(sorted({"max" if m else "min" for _, m in wanted})))]
        src.access.limit = 1


def _order(view: ScopeView) -> None:
    """An ORDER BY of one table's columns only (an index can deliver no other)."""
    if view.order is None:
        return
    keys: list[tuple[Source, SortKey]] = []
    outputs = _outputs(view)
    # a bare name in ORDER BY is an output column's name first (PostgreSQL's rule), an input column's else
    selects = {e.alias_or_name: e for e in view.read_nodes if isinstance(e, exp.Alias)}
    for ordered in view.order.expressions:
        node: exp.Expr | None = unparen(ordered.this)
        if isinstance(node, exp.Literal) and not node.is_string:  # ORDER BY 2: the second output column
            position = int(node.this) - 1
            node = outputs[position] if 0 <= position < len(outputs) else None
        elif isinstance(node, exp.Column) and not node.table and node.name in selects:
            node = unparen(selects[node.name].unalias())
        src = local(node, view)
        if src is None:
            return  # an expression or a foreign column: no index delivers this order
        assert node is not None
        keys.append((src, _sort_key(node, ordered)))
    _set_order(keys)


def _window_order(view: ScopeView) -> None:
    """The order a scope's window functions read their rows in, where no ORDER BY asks for one:
    PARTITION BY's columns, then the window's ORDER BY (PostgreSQL sorts its input so, and an index in
    that order spares the sort: `row_number() OVER (PARTITION BY "userId" ORDER BY "createdAt" DESC)`
    reads ("userId", "createdAt" DESC)). Only where every window of the scope wants the same order
    (each further order is a sort of its own) and the rows are not grouped first."""
    if view.order is not None or view.group is not None:
        return
    windows = [w for node in view.read_nodes for w in in_scope(node, exp.Window)]
    if any(w.args.get("alias") for w in windows):
        return  # OVER w: a named window, not followed
    specs = {(tuple(p.sql() for p in w.args.get("partition_by") or []), w.args["order"].sql() if w.args.get("order") else "")
             for w in windows}
    specs.discard(((), ""))  # OVER (): the whole input, in any order
    if len(specs) != 1:
        return
    window = next(w for w in windows if w.args.get("partition_by") or w.args.get("order"))
    keys: list[tuple[Source, SortKey]] = []
    for node in window.args.get("partition_by") or []:
        src = local(unparen(node), view)
        if src is None:
            return
        keys.append((src, SortKey(unparen(uncast(node)).name, origin="window")))
    for ordered in window.args["order"].expressions if window.args.get("order") else []:
        node = unparen(ordered.this)
        src = local(node, view)
        if src is None:
            return
        keys.append((src, replace(_sort_key(node, ordered), origin="window")))
    _set_order(keys)


def _sort_key(node: exp.Expr, ordered: exp.Ordered) -> SortKey:
    desc = bool(ordered.args.get("desc"))
    nulls_first = ordered.args.get("nulls_first")
    # sqlglot fills in the default; keep it only when it differs from PostgreSQL's
    explicit = None if bool(nulls_first) == desc else bool(nulls_first)
    return SortKey(unparen(uncast(node)).name, desc, explicit)


def _set_order(keys: list[tuple[Source, SortKey]]) -> None:
    """The order goes onto its table's access when all its keys are that one table's columns."""
    owners = {id(src) for src, _ in keys}
    if len(owners) == 1:
        src = keys[0][0]
        src.access.order_by = [k for _, k in keys]


def _outputs(view: ScopeView) -> list[exp.Expr | None]:
    """The scope's output columns in order, `*` and `t.*` expanded in catalog order; None for one that is
    no column of a table here (a derived table's). The list stops where an expansion is not known."""
    out: list[exp.Expr | None] = []
    for node in view.read_nodes:
        star = isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star))
        if not star:
            out.append(unparen(node.unalias()))
            continue
        qualifier = node.text("table") if isinstance(node, exp.Column) else ""
        if not qualifier and view.using:
            return out  # JOIN ... USING merges its columns first: not followed
        for alias in [qualifier] if qualifier else view.from_order:
            src = view.tables.get(alias)
            if src is not None and src.column_order:
                out.extend(exp.column(c, table=alias) for c in src.column_order)
            elif alias in view.derived_columns:
                out.extend(None for _ in view.derived_columns[alias])
            else:
                return out  # a table the catalog does not know, a function: its columns are not known
    return out


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
