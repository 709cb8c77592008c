"""What PostgreSQL does to a statement before it plans it: views, CTEs inlined, subqueries pulled up.

A view is replaced by its defining SELECT as a subquery (views within views too, to a
depth that stops a cycle), as PostgreSQL's rewriter does; the statement's notes say so.

Since PostgreSQL 12 a CTE that is not recursive, has no side effects and is referenced
once (or is written NOT MATERIALIZED) is planned as a subquery in FROM; a MATERIALIZED
CTE, or one referenced twice, is a fence that predicates outside it do not cross. A
simple subquery in FROM (no aggregates, grouping, DISTINCT, ORDER BY, LIMIT, window
functions) is then pulled up into the query around it, so that a predicate on one of
its output columns is a predicate on the base table column behind it. Of a subquery in
FROM that stays, the outputs the query around it never reads are computed as NULL, as
the planner does (allpaths.c, remove_unused_subquery_outputs): Prisma's count, `SELECT
COUNT(*) FROM (SELECT "id" FROM t WHERE ... OFFSET $1) AS "sub"`, reads no "id". These rewrites
work on a copy of the statement's tree; the scopes are read from the result.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from indexadvisor.extract.nodes import columns_in
from indexadvisor.model import Catalog
from indexadvisor.pg.parsing import parse_one

# functions whose value changes from call to call: a CTE or subquery calling one is not inlined
_VOLATILE = frozenset({
    "random", "nextval", "setval", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v4",
    "txid_current", "pg_sleep", "setseed",
})
# clauses after which a subquery's rows are not its FROM's rows filtered: it is not pulled up
_BLOCKERS = ("with_", "with", "group", "having", "distinct", "limit", "offset", "order", "qualify", "windows",
             "locks", "laterals", "pivots")


def inline(root: exp.Expr, catalog: Catalog, notes: list[str]) -> exp.Expr:
    """The statement with its views and inlinable CTEs made subqueries and its simple subqueries in
    FROM pulled up; the tree itself when there is nothing to do."""
    if root.find(exp.With) is None and root.find(exp.Subquery) is None and not catalog.views:
        return root
    root = root.copy()
    if catalog.views:
        _expand_views(root, catalog, notes, 0, set())
    _inline_ctes(root)
    for select in reversed(list(root.find_all(exp.Select))):  # the innermost first
        _pull_up_all(select, catalog)
    for sub in list(root.find_all(exp.Subquery)):
        _drop_unused_outputs(sub)
    return root


MAX_VIEW_DEPTH = 16  # views within views read through; deeper is taken for a cycle


def _expand_views(root: exp.Expr, catalog: Catalog, notes: list[str], depth: int, seen: set[str]) -> None:
    """Each FROM item that names a view (and no table or CTE of the statement) becomes its SELECT."""
    ctes = {c.alias_or_name for c in root.find_all(exp.CTE)}
    for table in list(root.find_all(exp.Table)):
        if not isinstance(table.parent, (exp.From, exp.Join)) or (not table.db and table.name in ctes):
            continue
        found = catalog.find_view(table.name, table.db or None)
        if found is None:
            continue
        qname, sql = found
        if str(qname) in seen or depth >= MAX_VIEW_DEPTH:
            _note(notes, f"view {qname} refers back to itself, or is nested more than {MAX_VIEW_DEPTH} views deep: "
                        "not read through")
            continue
        try:
            body = normalize_identifiers(parse_one(sql, dialect="postgres"), dialect="postgres")
        except (ParseError, TokenError):
            _note(notes, f"the definition of view {qname} could not be parsed: its base tables are not known")
            continue
        if not isinstance(body, (exp.Select, exp.SetOperation)):
            continue
        for node in body.walk():  # positions in the view's text, not the statement's
            node._meta = None
        _expand_views(body, catalog, notes, depth + 1, seen | {str(qname)})
        ref_alias = table.args.get("alias")
        alias = exp.TableAlias(this=exp.to_identifier(table.alias_or_name),
                               columns=[c.copy() for c in ref_alias.columns] if ref_alias and ref_alias.columns else [])
        table.replace(exp.Subquery(this=body, alias=alias))
        _note(notes, f"view {qname} was read through to its base tables")


def _note(notes: list[str], text: str) -> None:
    if text not in notes:
        notes.append(text)


def _volatile(node: exp.Expr) -> bool:
    for func in node.find_all(exp.Func):
        name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
        if name in _VOLATILE or isinstance(func, exp.Rand):
            return True
    return False


def _inline_ctes(root: exp.Expr) -> None:
    for with_ in list(root.find_all(exp.With)):
        if with_.args.get("recursive"):
            continue
        owner = with_.parent
        if owner is None:
            continue
        for cte in list(with_.expressions):
            body = cte.this
            materialized = cte.args.get("materialized")
            if materialized is True or not isinstance(body, exp.Select) or _volatile(body):
                continue
            name = cte.alias_or_name
            refs = [t for t in owner.find_all(exp.Table)
                    if not t.db and t.name == name and isinstance(t.parent, (exp.From, exp.Join))
                    and not _inside(t, cte)]
            if not refs or (len(refs) > 1 and materialized is not False):
                continue  # unused, or a fence: referenced twice is computed once
            columns = [c.copy() for c in cte.args["alias"].columns] if cte.args.get("alias") else []
            for ref in refs:
                ref_alias = ref.args.get("alias")
                alias = exp.TableAlias(this=exp.to_identifier(ref.alias_or_name),
                                       columns=[c.copy() for c in ref_alias.columns] if ref_alias and ref_alias.columns
                                       else [c.copy() for c in columns])
                ref.replace(exp.Subquery(this=body.copy(), alias=alias))
            cte.pop()
        if not with_.expressions:
            with_.pop()


def _inside(node: exp.Expr, ancestor: exp.Expr) -> bool:
    parent = node.parent
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parent
    return False


def _pull_up_all(select: exp.Select, catalog: Catalog) -> None:
    changed = True
    while changed:
        changed = False
        from_ = select.args.get("from_") or select.args.get("from")
        items: list[tuple[exp.Expr, exp.Join | None]] = [(from_.this, None)] if isinstance(from_, exp.From) else []
        items += [(j.this, j) for j in select.args.get("joins") or []]
        if any(j is not None and j.args.get("using") for _, j in items):
            return  # JOIN ... USING names columns by the sides' aliases: left as it is
        for item, join in items:
            if isinstance(item, exp.Subquery) and _pull_up(select, item, join, catalog):
                changed = True
                break


def _simple(body: exp.Expr) -> bool:
    if not isinstance(body, exp.Select) or any(body.args.get(k) for k in _BLOCKERS):
        return False
    if not isinstance(body.args.get("from_") or body.args.get("from"), exp.From):
        return False
    for node in body.expressions:
        if any(isinstance(n, (exp.AggFunc, exp.Window, exp.Explode, exp.Unnest)) for n in node.walk()):
            return False
        if any(isinstance(f, exp.Anonymous) and f.name.lower() in {"generate_series", "jsonb_array_elements",
                                                                    "json_array_elements", "unnest"}
               for f in node.find_all(exp.Anonymous)):
            return False
    return not _volatile(body)


def _sources(select: exp.Select) -> list[exp.Expr]:
    from_ = select.args.get("from_") or select.args.get("from")
    out = [from_.this] if isinstance(from_, exp.From) else []
    return out + [j.this for j in select.args.get("joins") or []]


def _columns_of(item: exp.Expr, catalog: Catalog) -> list[str] | None:
    """The output columns of a FROM item in order, None when not known."""
    alias = item.args.get("alias")
    renamed = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) and alias.columns else []
    if isinstance(item, exp.Table):
        table = catalog.find(item.name, item.db or None)
        if table is None:
            return None
        names = list(table.columns)
    elif isinstance(item, exp.Subquery) and isinstance(item.this, exp.SetOperation):
        names = list(item.this.named_selects)
    elif isinstance(item, exp.Subquery) and isinstance(item.this, exp.Select):
        names = []
        for node in item.this.expressions:
            if isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star)):
                qualifier = node.text("table") if isinstance(node, exp.Column) else ""
                for source in _sources(item.this):
                    if qualifier and source.alias_or_name != qualifier:
                        continue
                    cols = _columns_of(source, catalog)
                    if cols is None:
                        return None
                    names += cols
            else:
                names.append(node.alias_or_name)
    else:
        return None
    return renamed + names[len(renamed):]


def _pull_up(select: exp.Select, sub: exp.Subquery, join: exp.Join | None, catalog: Catalog) -> bool:
    body = sub.this
    if not _simple(body):
        return False
    assert isinstance(body, exp.Select)
    inner_join = join is None or (not join.side and join.kind.upper() in ("", "INNER", "CROSS"))
    if not inner_join and not (join is not None and join.side.upper() == "LEFT" and not body.args.get("joins")):
        return False
    body = body.copy()
    # the body's FROM items and their columns
    inner_items = _sources(body)
    inner_cols: dict[str, list[str]] = {}
    for item in inner_items:
        cols = _columns_of(item, catalog)
        if cols is None:
            return False
        inner_cols[item.alias_or_name] = cols
    # every column of the body's own level qualified with its FROM item
    level: list[exp.Expr] = list(body.expressions) + [e for e in (body.args.get("where"),) if e is not None]
    level += [j.args["on"] for j in body.args.get("joins") or [] if j.args.get("on") is not None]
    for node in level:
        for col in list(columns_in(node)):
            if isinstance(col.this, exp.Star):
                continue
            if col.table:  # one of the body's own items, or an enclosing query's (a correlated
                continue       # reference, an outer row's column wherever the body is pulled to)
            owners = [a for a, cols in inner_cols.items() if col.name in cols]
            if len(owners) != 1:
                return False
            col.set("table", exp.to_identifier(owners[0]))
    # the aliases of the outer query's other FROM items, which the body's must not take
    taken = {i.alias_or_name for i in _sources(select) if i is not sub}
    for item in inner_items:
        old = item.alias_or_name
        if old not in taken:
            taken.add(old)
            continue
        new = next(f"{old}_{n}" for n in range(1, 1000) if f"{old}_{n}" not in taken)
        taken.add(new)
        item.set("alias", exp.TableAlias(this=exp.to_identifier(new)))
        for col in body.find_all(exp.Column):
            if col.table == old:
                col.set("table", exp.to_identifier(new))
        inner_cols[new] = inner_cols.pop(old)
    # the body's outputs by name (renamed by the subquery's column aliases)
    outputs: list[tuple[str, exp.Expr]] = []
    for node in body.expressions:
        if isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star)):
            qualifier = node.text("table") if isinstance(node, exp.Column) else ""
            for alias in [qualifier] if qualifier else [i.alias_or_name for i in inner_items]:
                if alias not in inner_cols:
                    return False
                outputs += [(c, exp.column(c, table=alias)) for c in inner_cols[alias]]
        elif node.alias_or_name:
            outputs.append((node.alias_or_name, node.unalias()))
        else:
            return False
    renamed = sub.args.get("alias")
    names = [c.name for c in renamed.columns] if isinstance(renamed, exp.TableAlias) and renamed.columns else []
    outputs = [(names[i] if i < len(names) else name, node) for i, (name, node) in enumerate(outputs)]
    mapping = dict(outputs)
    alias = sub.alias_or_name
    # the outer query's other FROM items' columns, for its unqualified columns
    others: list[list[str]] = []
    for item in _sources(select):
        if item is not sub:
            cols = _columns_of(item, catalog)
            if cols is None:
                return False
            others.append(cols)

    def value(name: str) -> exp.Expr:
        node = mapping[name].copy()
        return node if isinstance(node, (exp.Column, exp.Literal)) else exp.Paren(this=node)

    own_level = {id(c) for node in _outer_level(select, sub) for c in columns_in(node)}
    for col in list(select.find_all(exp.Column)):
        if _inside(col, sub) or isinstance(col.this, exp.Star):
            continue
        if col.table == alias and col.name in mapping:
            col.replace(value(col.name))
        elif not col.table and id(col) in own_level and col.name in mapping:
            if not any(col.name in cols for cols in others):
                col.replace(value(col.name))
    # stars of the outer query over the subquery: its outputs, named
    expressions: list[exp.Expr] = []
    for node in select.expressions:
        star_of_sub = isinstance(node, exp.Column) and isinstance(node.this, exp.Star) and node.table == alias
        only_source = isinstance(node, exp.Star) and not others
        if star_of_sub or only_source:
            expressions += [exp.alias_(value(n), n) if not (isinstance(e, exp.Column) and e.name == n) else value(n)
                            for n, e in outputs]
        else:
            expressions.append(node)
    select.set("expressions", expressions)
    # the body's FROM items take the subquery's place; its WHERE joins the outer WHERE (or the LEFT JOIN's ON)
    first, *rest = inner_items
    where = body.args.get("where")
    condition = where.this if isinstance(where, exp.Where) else None
    body_joins = list(body.args.get("joins") or [])
    joins = list(select.args.get("joins") or [])
    if join is None:
        select.set("from_", exp.From(this=first))
        select.set("joins", body_joins + joins)
        if condition is not None:
            select.where(condition, copy=False)
    else:
        join.set("this", first)
        if condition is not None and not inner_join:
            on = join.args.get("on")
            join.set("on", exp.and_(on, condition, copy=False) if on is not None else condition)
        elif condition is not None:
            select.where(condition, copy=False)
        at = joins.index(join) + 1
        select.set("joins", joins[:at] + body_joins + joins[at:])
    return True


def _outer_level(select: exp.Select, sub: exp.Subquery) -> list[exp.Expr]:
    """The outer query's own clauses (not the subquery being pulled up)."""
    nodes: list[exp.Expr] = list(select.expressions)
    for key in ("where", "group", "having", "order", "qualify"):
        if select.args.get(key) is not None:
            nodes.append(select.args[key])
    nodes += [j.args["on"] for j in select.args.get("joins") or [] if j.args.get("on") is not None]
    return nodes


def _drop_unused_outputs(sub: exp.Subquery) -> None:
    """Each output of a subquery in FROM that the query around it never names becomes NULL; not
    where the subquery's rows depend on its outputs (DISTINCT, a set operation), where its ORDER BY
    or GROUP BY names them, or where an output calls a volatile or set-returning function."""
    body, outer, alias = sub.this, sub.parent.parent if sub.parent else None, sub.args.get("alias")
    if not isinstance(sub.parent, (exp.From, exp.Join)) or not isinstance(outer, exp.Select) or not isinstance(body, exp.Select):
        return
    if body.args.get("distinct") or (isinstance(alias, exp.TableAlias) and alias.columns) or not sub.alias:
        return
    clauses = [body.args[k] for k in ("group", "order") if body.args.get(k) is not None]
    if any(isinstance(n, exp.Literal) for c in clauses for n in c.walk()):
        return  # GROUP BY 1 / ORDER BY 2: outputs named by position
    kept = {c.name for c in clauses for c in c.find_all(exp.Column)}
    named: set[str] = set()
    for node in outer.walk():
        if node is sub:
            continue
        if _inside(node, sub):
            continue
        if (isinstance(node, exp.Star) and node.parent is outer) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star)):
            return  # `SELECT *` or `sub.*`: every output is read (not count(*))
        if isinstance(node, exp.Column) and not node.table and node.name == sub.alias:
            return  # the whole row, `row_to_json(sub)`
        if isinstance(node, exp.Column) and node.table in ("", sub.alias):
            named.add(node.name)
    for i, node in enumerate(body.expressions):
        name = node.alias_or_name
        if not name or isinstance(node, exp.Star) or name in named or name in kept or name == sub.alias:
            continue
        if _volatile(node) or any(isinstance(n, (exp.Explode, exp.Unnest, exp.Anonymous)) for n in node.walk()):
            continue
        body.expressions[i].replace(exp.alias_(exp.Null(), name))
