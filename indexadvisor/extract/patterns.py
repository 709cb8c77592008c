"""From a statement's sqlglot AST to per-table access patterns.

Each SELECT scope (the statement, its CTEs, subqueries and derived tables) and the
target of an UPDATE or DELETE is read on its own: the tables it reads under their
aliases, the conjuncts of its WHERE and JOIN ... ON, its ORDER BY, GROUP BY and
LIMIT. Column references are resolved to a table through the alias, or, when
unqualified, through the catalog (or the only table in scope). A column of an
outer query inside a correlated subquery acts as a parameter, which is what it is
for each execution of the subquery.

Besides plain columns, a filter on an expression of one table's columns
(`lower(email) = $1`, `data->>'k' = $1`, `created_at::date = $1`) is a predicate
whose `expression` is its text as the query writes it, and the operators only a
GIN index serves are predicates of their own kinds: LIKE/ILIKE with a leading
wildcard (pg_trgm), jsonb `@>`, `?`, `?|`, `?&`, arrays `@>`, `<@`, `&&` and
`value = ANY(array_column)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.scope import Scope, traverse_scope

from indexadvisor.model import (
    Catalog,
    Predicate,
    PredKind,
    QName,
    SortKey,
    Statement,
    TableAccess,
)
from indexadvisor.pg.exprtext import as_written, signature

_RANGE_OPS = (exp.GT, exp.GTE, exp.LT, exp.LTE)
_CONSTANTS = (exp.Literal, exp.Boolean, exp.Parameter, exp.Placeholder, exp.Null)
# operator node -> (predicate kind with the column on the left, kind with the column on the right)
_GIN_OPS = {
    exp.ArrayContainsAll: (PredKind.CONTAINS, PredKind.CONTAINED),  # @>
    exp.ArrayContainedBy: (PredKind.CONTAINED, PredKind.CONTAINS),  # <@
    exp.ArrayOverlaps: (PredKind.OVERLAPS, PredKind.OVERLAPS),  # &&
    exp.JSONBContainsTopKey: (PredKind.HAS_KEY, None),  # ?
    exp.JSONBContainsAnyTopKeys: (PredKind.HAS_ANY_KEY, None),  # ?|
    exp.JSONBContainsAllTopKeys: (PredKind.HAS_ALL_KEYS, None),  # ?&
}


class UnsupportedStatement(Exception):
    """A statement kind that cannot use an index (INSERT ... VALUES, DDL, ...)."""


class StatementParseError(Exception):
    """sqlglot could not parse the statement."""


def parse(sql: str) -> exp.Expr:
    """Parse one statement with PostgreSQL's rules for identifier case."""
    try:
        tree = sqlglot.parse_one(sql, dialect="postgres")
    except (ParseError, TokenError) as exc:
        raise StatementParseError(_first_line(str(exc))) from None
    if tree is None:
        raise StatementParseError("empty statement")
    return normalize_identifiers(tree, dialect="postgres")


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "syntax error"
    return line[:300]


@dataclass
class _Source:
    """A table read in one scope, under its alias."""

    alias: str
    qname: QName
    access: TableAccess
    known_columns: set[str] | None  # None when the catalog does not know the table


@dataclass
class _ScopeView:
    """What is needed from a SELECT scope, or from an UPDATE/DELETE target."""

    tables: dict[str, _Source]
    derived: dict[str, set[str]]  # alias -> output column names of a subquery/CTE
    conditions: list[exp.Expr]
    order: exp.Order | None
    group: exp.Group | None
    limit: exp.Expr | None
    read_nodes: list[exp.Expr]  # where the columns read are found
    outer: _ScopeView | None = None
    using: list[tuple[str, str, str]] = field(default_factory=list)  # (alias, alias, column)


class Extractor:
    """Turns statements into TableAccess lists, against one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._sql = ""  # the statement being read, for expressions' own text

    def extract(self, statement: Statement, tree: exp.Expr | None = None) -> tuple[list[TableAccess], list[str]]:
        """Return the table accesses of a statement and notes about what was not understood."""
        tree = tree if tree is not None else parse(statement.sql)
        self._sql = statement.sql
        notes: list[str] = []
        root = tree
        accesses: list[TableAccess] = []
        if isinstance(root, exp.Insert):
            accesses.extend(self._insert_target(root, notes))
            select = root.expression
            if not isinstance(select, (exp.Select, exp.SetOperation)):
                return accesses, notes  # INSERT ... VALUES: only its write cost matters
            root = select
        if not isinstance(root, (exp.Select, exp.SetOperation, exp.Update, exp.Delete)):
            raise UnsupportedStatement(f"{root.key.upper()} statements are not analysed")

        views: dict[int, _ScopeView] = {}
        target_view: _ScopeView | None = None
        if isinstance(root, (exp.Update, exp.Delete)):
            target_view = self._dml_view(root, notes)
            accesses.extend(s.access for s in target_view.tables.values())
        scopes = [s for s in traverse_scope(root) if isinstance(s.expression, exp.Select)]
        for scope in scopes:
            view = self._select_view(scope, notes)
            views[id(scope)] = view
            accesses.extend(s.access for s in view.tables.values())
        for scope in scopes:  # children come before parents: link outer views afterwards
            parent = views.get(id(scope.parent)) if scope.parent else None
            views[id(scope)].outer = parent or target_view
        for view in list(views.values()) + ([target_view] if target_view else []):
            self._fill(view, notes)
        return accesses, notes

    # ------------------------------------------------------------------ scopes

    def _table_source(self, table: exp.Table, kind: str, notes: list[str]) -> _Source | None:
        name = table.name
        schema = table.db or None
        if not name:
            return None
        found = self.catalog.find(name, schema) if self.catalog.tables else None
        if self.catalog.tables and found is None:
            label = f"{schema}.{name}" if schema else name
            notes.append(f"table {label} is not in the catalog")
            return None
        if found is not None:
            qname, columns = found.qname, set(found.columns)
        else:
            qname, columns = QName(schema or "public", name), None
        alias = table.alias_or_name
        return _Source(alias, qname, TableAccess(qname, kind=kind), columns)

    def _select_view(self, scope: Scope, notes: list[str]) -> _ScopeView:
        select = scope.expression
        assert isinstance(select, exp.Select)  # extract() reads only the SELECT scopes
        tables: dict[str, _Source] = {}
        derived: dict[str, set[str]] = {}
        for alias, source in scope.sources.items():
            if isinstance(source, exp.Table):
                src = self._table_source(source, "select", notes)
                if src:
                    tables[alias] = src
            elif isinstance(source, Scope) and isinstance(source.expression, (exp.Select, exp.SetOperation)):
                derived[alias] = set(source.expression.named_selects)
        conditions: list[exp.Expr] = []
        using: list[tuple[str, str, str]] = []
        where = select.args.get("where")
        if where is not None:
            conditions.extend(_conjuncts(where.this))
        from_ = select.args.get("from_") or select.args.get("from")
        previous = [from_.this.alias_or_name] if from_ is not None else []
        for join in select.args.get("joins") or []:
            on = join.args.get("on")
            if on is not None:
                conditions.extend(_conjuncts(on))
            right = join.this.alias_or_name
            for ident in join.args.get("using") or []:
                for left in previous:
                    using.append((left, right, ident.name))
            previous.append(right)
        read_nodes = list(select.expressions)
        return _ScopeView(
            tables, derived, conditions, select.args.get("order"), select.args.get("group"),
            select.args.get("limit"), read_nodes, None, using,
        )

    def _insert_target(self, stmt: exp.Insert, notes: list[str]) -> list[TableAccess]:
        target = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
        if not isinstance(target, exp.Table):
            return []
        src = self._table_source(target, "insert", notes)
        if src is None:
            return []
        values = stmt.expression
        src.access.rows_written = len(values.expressions) if isinstance(values, exp.Values) else None
        return [src.access]

    def _dml_view(self, stmt: exp.Update | exp.Delete, notes: list[str]) -> _ScopeView:
        kind = "update" if isinstance(stmt, exp.Update) else "delete"
        tables: dict[str, _Source] = {}
        target = stmt.this
        if isinstance(target, exp.Table):
            src = self._table_source(target, kind, notes)
            if src:
                tables[src.alias] = src
        extra: list[exp.Table] = []
        from_ = stmt.args.get("from_")
        if isinstance(from_, exp.From):
            extra.extend(from_.find_all(exp.Table))
        using = stmt.args.get("using")
        if isinstance(using, list):
            extra.extend(t for t in using if isinstance(t, exp.Table))
        for table in extra:
            src = self._table_source(table, "select", notes)
            if src:
                tables[src.alias] = src
        conditions: list[exp.Expr] = []
        where = stmt.args.get("where")
        if where is not None:
            conditions.extend(_conjuncts(where.this))
        read_nodes: list[exp.Expr] = list(stmt.args.get("expressions") or [])
        if isinstance(stmt, exp.Update) and isinstance(target, exp.Table) and target.alias_or_name in tables:
            for assignment in read_nodes:
                if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
                    tables[target.alias_or_name].access.set_columns.add(assignment.this.name)
        return _ScopeView(tables, {}, conditions, None, None, None, read_nodes)

    # ------------------------------------------------------------------ resolution

    def _resolve(self, column: exp.Column, view: _ScopeView) -> _Source | str | None:
        """The local source of a column, "outer" for an outer-query column, or None."""
        qualifier = column.table
        name = column.name
        if qualifier:
            if qualifier in view.tables:
                return view.tables[qualifier]
            if qualifier in view.derived:
                return None
            return "outer" if self._resolves_outside(column, view.outer) else None
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
        return "outer" if self._resolves_outside(column, view.outer) else None

    def _resolves_outside(self, column: exp.Column, outer: _ScopeView | None) -> bool:
        while outer is not None:
            found = self._resolve(column, _ScopeView(outer.tables, outer.derived, [], None, None, None, [], None))
            if found is not None:
                return True
            outer = outer.outer
        return False

    # ------------------------------------------------------------------ predicates

    def _fill(self, view: _ScopeView, notes: list[str]) -> None:
        if not view.tables:
            return
        for cond in view.conditions:
            self._condition(cond, view, notes)
        for left, right, name in view.using:
            for alias in (left, right):
                if alias in view.tables:
                    _add(view.tables[alias].access, Predicate(name, PredKind.JOIN))
        self._order(view)
        if view.group is not None:
            for node in view.group.expressions:
                if isinstance(node, exp.Column):
                    src = self._resolve(node, view)
                    if isinstance(src, _Source) and node.name not in src.access.group_by:
                        src.access.group_by.append(node.name)
        limit = _limit_value(view.limit)
        for src in view.tables.values():
            src.access.limit = limit
        self._columns_read(view)

    def _condition(self, cond: exp.Expr, view: _ScopeView, notes: list[str]) -> None:
        cond = _unparen(cond)
        if isinstance(cond, exp.EQ):
            self._equality(cond.this, cond.expression, view, notes)
        elif isinstance(cond, _RANGE_OPS):
            if self._row_compare(cond, view):
                return
            for col, other in ((cond.this, cond.expression), (cond.expression, cond.this)):
                src = self._local(col, view)
                if src and self._is_constant(other, view):
                    _add(src.access, Predicate(_unparen(_uncast(col)).name, PredKind.RANGE, _literal(other)))
                    return
            for node, other in ((cond.this, cond.expression), (cond.expression, cond.this)):
                if self._is_constant(other, view) and self._expression(node, view, PredKind.RANGE, _literal(other), notes):
                    return
            self._join_sides(cond.this, cond.expression, view, PredKind.RANGE)
        elif isinstance(cond, exp.Between):
            low, high = cond.args.get("low"), cond.args.get("high")
            src = self._local(cond.this, view)
            if self._is_constant(low, view) and self._is_constant(high, view):
                if src:
                    _add(src.access, Predicate(_unparen(_uncast(cond.this)).name, PredKind.RANGE))
                else:
                    self._expression(cond.this, view, PredKind.RANGE, None, notes)
        elif isinstance(cond, exp.In):
            self._in(cond, view)
        elif isinstance(cond, exp.Is):
            if isinstance(cond.expression, exp.Null):  # IS TRUE / IS FALSE are not null tests
                self._is_null(cond.this, view, negate=bool(cond.args.get("negate")))
        elif isinstance(cond, exp.Not) and isinstance(_unparen(cond.this), exp.Is):
            inner = _unparen(cond.this)
            if isinstance(inner.expression, exp.Null):
                self._is_null(inner.this, view, negate=not inner.args.get("negate"))
        elif isinstance(cond, exp.Not) and isinstance(_unparen(cond.this), exp.Column):
            src = self._local(_unparen(cond.this), view)
            if src:
                _add(src.access, Predicate(_unparen(cond.this).name, PredKind.EQ, "false"))
        elif isinstance(cond, exp.Column):
            src = self._local(cond, view)
            if src:
                _add(src.access, Predicate(cond.name, PredKind.EQ, "true"))
        elif isinstance(cond, (exp.Like, exp.ILike)) and not cond.args.get("negate"):
            self._like(cond, view, notes)
        elif isinstance(cond, exp.Binary) and type(cond) in _GIN_OPS:
            self._gin_operator(cond, view, notes)
        elif isinstance(cond, exp.Or):
            common = _common_conjuncts(cond)
            for shared in common:  # (a AND x) OR (a AND y) implies a
                self._condition(shared, view, notes)
            if not common:
                notes.append("an OR condition was not used for index advice")
        elif isinstance(cond, (exp.Exists,)):
            pass  # the subquery is its own scope

    def _equality(self, left: exp.Expr, right: exp.Expr, view: _ScopeView, notes: list[str] | None = None) -> None:
        left, right = _unparen(_uncast(left)), _unparen(_uncast(right))
        if isinstance(right, exp.Any) or isinstance(left, exp.Any):
            col, any_ = (left, right) if isinstance(right, exp.Any) else (right, left)
            src = self._local(col, view)
            if src:
                _add(src.access, Predicate(col.name, PredKind.IN, None, values=2))
                return
            array = _unparen(any_.this)
            src = self._local(array, view)
            if src and self._is_constant(col, view):  # $1 = ANY(tags): an element of an array column
                _add(src.access, Predicate(_unparen(_uncast(array)).name, PredKind.ANY_ELEMENT, _literal(col)))
            return
        for col, other in ((left, right), (right, left)):
            src = self._local(col, view)
            if src and self._is_constant(other, view):
                _add(src.access, Predicate(col.name, PredKind.EQ, _literal(other)))
                return
        for node, other in ((left, right), (right, left)):
            if self._is_constant(other, view) and self._expression(node, view, PredKind.EQ, _literal(other), notes):
                return
        self._join_sides(left, right, view, PredKind.JOIN)

    def _expression(self, node: exp.Expr, view: _ScopeView, kind: PredKind, constant: str | None,
                    notes: list[str] | None, values: int = 1) -> bool:
        """A filter on an expression of one local table's columns: a predicate on the expression."""
        found = self._local_expression(node, view)
        if found is None:
            return False
        src, node = found
        text = as_written(self._sql, node)
        if text is None:
            if notes is not None:
                notes.append(f"the expression {node.sql(dialect='postgres')} could not be read back exactly: no expression index for it")
            return True
        _add(src.access, Predicate(signature(node), kind, constant, values=values, expression=text))
        return True

    def _local_expression(self, node: exp.Expr | None, view: _ScopeView) -> tuple[_Source, exp.Expr] | None:
        """The local source when the node is an expression (not a bare column) over its columns only."""
        if node is None:
            return None
        node = _unparen(node)
        if isinstance(node, (exp.Column, *_CONSTANTS)):
            return None
        columns = list(node.find_all(exp.Column))
        if not columns or any(isinstance(n, (exp.Select, exp.Subquery, exp.AggFunc, exp.Window, exp.Parameter,
                                             exp.Placeholder, exp.Star)) for n in node.walk()):
            return None
        sources = {id(s): s for s in (self._resolve(c, view) for c in columns)}
        if len(sources) != 1:
            return None
        src = next(iter(sources.values()))
        if not isinstance(src, _Source):
            return None
        if src.known_columns is not None and any(c.name not in src.known_columns for c in columns):
            return None
        return src, node

    def _like(self, cond: exp.Like | exp.ILike, view: _ScopeView, notes: list[str]) -> None:
        """LIKE 'abc%' is a B-tree prefix search; LIKE '%abc%', ILIKE and parameter patterns need trigrams."""
        pattern = _unparen(cond.expression)
        if not self._is_constant(pattern, view):
            return
        literal = pattern.this if isinstance(pattern, exp.Literal) and pattern.is_string else None
        ilike = isinstance(cond, exp.ILike)
        prefix = literal is not None and bool(literal) and literal[0] not in "%_" and not ilike
        kind = PredKind.LIKE_PREFIX if prefix else (PredKind.ILIKE if ilike else PredKind.LIKE)
        constant = _literal(pattern)
        src = self._local(cond.this, view)
        if src:
            _add(src.access, Predicate(_unparen(_uncast(cond.this)).name, kind, constant))
        else:
            self._expression(cond.this, view, kind, constant, notes)

    def _gin_operator(self, cond: exp.Binary, view: _ScopeView, notes: list[str]) -> None:
        """jsonb and array operators: @>, <@, &&, ?, ?|, ?& with a constant on the other side."""
        left_kind, right_kind = _GIN_OPS[type(cond)]
        for node, other, kind in ((cond.this, cond.expression, left_kind), (cond.expression, cond.this, right_kind)):
            if kind is None or not self._is_constant(other, view):
                continue
            src = self._local(node, view)
            if src:
                _add(src.access, Predicate(_unparen(_uncast(node)).name, kind, _literal(other)))
                return
            if self._expression(node, view, kind, _literal(other), notes):
                return

    def _row_compare(self, cond: exp.Expr, view: _ScopeView) -> bool:
        """Two bare columns of the same table occurrence compared (`a < b`), kept as `<`/`<=`."""
        left, right = _unparen(cond.this), _unparen(cond.expression)
        if not isinstance(left, exp.Column) or not isinstance(right, exp.Column):
            return False
        src = self._local(left, view)
        if src is None or self._local(right, view) is not src:
            return False
        op = "<=" if isinstance(cond, (exp.LTE, exp.GTE)) else "<"
        if isinstance(cond, (exp.GT, exp.GTE)):
            left, right = right, left
        _add(src.access, Predicate(left.name, PredKind.ROW_COMPARE, compared=(op, right.name)))
        return True

    def _join_sides(self, left: exp.Expr, right: exp.Expr, view: _ScopeView, kind: PredKind) -> None:
        """A column compared with a column of another source: a join key on each local side."""
        left, right = _unparen(_uncast(left)), _unparen(_uncast(right))
        for col, other in ((left, right), (right, left)):
            src = self._local(col, view)
            if src is None or not isinstance(other, exp.Column):
                continue
            other_src = self._resolve(other, view)
            if other_src is not src:
                _add(src.access, Predicate(col.name, PredKind.JOIN if kind == PredKind.JOIN else kind))

    def _in(self, cond: exp.In, view: _ScopeView) -> None:
        src = self._local(cond.this, view)
        if not src:
            values = cond.expressions
            if values and cond.args.get("query") is None and all(self._is_constant(v, view) for v in values):
                constant = ", ".join(_literal(v) or "?" for v in values) if all(_literal(v) for v in values) else None
                kind = PredKind.EQ if len(values) == 1 else PredKind.IN
                self._expression(cond.this, view, kind, _literal(values[0]) if len(values) == 1 else constant, None,
                                 values=len(values))
            return
        name = _unparen(_uncast(cond.this)).name
        if cond.args.get("query") is not None:
            _add(src.access, Predicate(name, PredKind.JOIN))
            return
        values = cond.expressions
        if values and all(self._is_constant(v, view) for v in values):
            if len(values) == 1:
                _add(src.access, Predicate(name, PredKind.EQ, _literal(values[0])))
            else:
                constant = ", ".join(_literal(v) or "?" for v in values) if all(_literal(v) for v in values) else None
                _add(src.access, Predicate(name, PredKind.IN, constant, values=len(values)))

    def _is_null(self, node: exp.Expr, view: _ScopeView, negate: bool) -> None:
        src = self._local(node, view)
        if src:
            kind = PredKind.IS_NOT_NULL if negate else PredKind.IS_NULL
            _add(src.access, Predicate(_unparen(node).name, kind))

    def _local(self, node: exp.Expr | None, view: _ScopeView) -> _Source | None:
        """The local table source when the node is a plain column of one."""
        if node is None:
            return None
        node = _unparen(_uncast(node))
        if not isinstance(node, exp.Column):
            return None
        src = self._resolve(node, view)
        if not isinstance(src, _Source):
            return None
        if src.known_columns is not None and node.name not in src.known_columns:
            return None
        return src

    def _is_constant(self, node: exp.Expr | None, view: _ScopeView) -> bool:
        """True when the value is fixed for one execution: literals, parameters, outer columns, stable calls."""
        if node is None:
            return False
        node = _unparen(node)
        if isinstance(node, _CONSTANTS):
            return True
        if isinstance(node, exp.Column):
            return self._resolve(node, view) == "outer"
        if isinstance(node, (exp.Subquery, exp.Select)):
            return True  # a scalar subquery is evaluated once (an InitPlan)
        columns = list(node.find_all(exp.Column))
        if any(isinstance(n, (exp.Select, exp.Subquery)) for n in node.walk()) and not columns:
            return True
        return all(self._resolve(c, view) == "outer" for c in columns)

    def _order(self, view: _ScopeView) -> None:
        if view.order is None:
            return
        keys: list[tuple[_Source, SortKey]] = []
        selects = {e.alias_or_name: e for e in view.read_nodes if isinstance(e, exp.Alias)}
        for ordered in view.order.expressions:
            node = _unparen(ordered.this)
            if isinstance(node, exp.Literal) and not node.is_string:  # ORDER BY 2
                position = int(node.this) - 1
                if 0 <= position < len(view.read_nodes):
                    node = _unparen(view.read_nodes[position].unalias())
            elif isinstance(node, exp.Column) and not node.table and node.name in selects:
                node = _unparen(selects[node.name].unalias())
            src = self._local(node, view)
            if src is None:
                return  # an expression or a foreign column: no index delivers this order
            desc = bool(ordered.args.get("desc"))
            nulls_first = ordered.args.get("nulls_first")
            # sqlglot fills in the default; keep it only when it differs from PostgreSQL's
            explicit = None if bool(nulls_first) == desc else bool(nulls_first)
            keys.append((src, SortKey(_unparen(_uncast(node)).name, desc, explicit)))
        owners = {id(src) for src, _ in keys}
        if len(owners) == 1:
            src = keys[0][0]
            src.access.order_by = [k for _, k in keys]

    def _columns_read(self, view: _ScopeView) -> None:
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
            for col in _columns_in(node):
                src = self._resolve(col, view)
                if isinstance(src, _Source):
                    src.access.columns_read.add(col.name)
                    if output:
                        src.access.columns_output.add(col.name)


def _columns_in(node: exp.Expr) -> Iterable[exp.Column]:
    """Columns in the node that belong to this scope (not to nested subqueries)."""
    for col in node.find_all(exp.Column):
        if col is node:
            yield col
            continue
        parent = col.parent
        nested = False
        while parent is not None and parent is not node:
            if isinstance(parent, (exp.Select, exp.Subquery)):
                nested = True
                break
            parent = parent.parent
        if not nested:
            yield col


def _common_conjuncts(node: exp.Or) -> list[exp.Expr]:
    """Conjuncts that every branch of an OR carries (TPC-H q19's join key, say)."""
    branches: list[exp.Expr] = []
    stack: list[exp.Expr] = [node]
    while stack:
        item = _unparen(stack.pop())
        if isinstance(item, exp.Or):
            stack += [item.this, item.expression]
        else:
            branches.append(item)
    first, *rest = [{c.sql(dialect="postgres"): c for c in _conjuncts(b)} for b in branches]
    return [c for text, c in first.items() if all(text in other for other in rest)]


def _conjuncts(node: exp.Expr) -> list[exp.Expr]:
    node = _unparen(node)
    if isinstance(node, exp.And):
        return _conjuncts(node.this) + _conjuncts(node.expression)
    return [node]


def _unparen(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _uncast(node: exp.Expr) -> exp.Expr:
    """`col::int = $1` still filters on col when the cast is of the parameter side only."""
    while isinstance(node, exp.Cast) and isinstance(_unparen(node.this), (*_CONSTANTS, exp.Cast)):
        node = _unparen(node.this)
    return node


def _literal(node: exp.Expr | None) -> str | None:
    """SQL text of a literal operand; None for parameters and expressions."""
    if node is None:
        return None
    node = _unparen(_uncast(node))
    if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)):
        return node.sql(dialect="postgres")
    return None


def _limit_value(limit: exp.Expr | None) -> int | None:
    """The LIMIT's number, 0 when it is a parameter, None when there is none."""
    if limit is None:
        return None
    value = limit.args.get("expression")
    if isinstance(value, exp.Literal) and not value.is_string:
        try:
            return int(value.this)
        except ValueError:
            return 0
    return 0


def _add(access: TableAccess, pred: Predicate) -> None:
    if pred not in access.predicates:
        access.predicates.append(pred)
