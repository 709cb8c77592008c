"""A scope's conditions as predicates on its tables' accesses.

Each conjunct of a WHERE or JOIN ... ON goes to the handler its sqlglot node class
has in _HANDLERS (looked up along the class's MRO); a condition with none says
nothing an index can use. Besides plain columns, a filter on an expression of one
table's columns (`lower(email) = $1`, `data->>'k' = $1`, `created_at::date = $1`) is
a predicate whose `expression` is its text as the query writes it, and the
operators only a GIN index serves are predicates of their own kinds: LIKE/ILIKE
with a leading wildcard (pg_trgm), jsonb `@>`, `?`, `?|`, `?&`, arrays `@>`, `<@`,
`&&` and `value = ANY(array_column)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from indexadvisor.extract.nodes import branches, common_conjuncts, conjuncts, literal, lookup, uncast, unparen
from indexadvisor.extract.resolve import is_constant, local, local_expression, no_op_cast, resolve
from indexadvisor.extract.scope import ScopeView, Source
from indexadvisor.model import Predicate, PredKind, TableAccess
from indexadvisor.pg.exprtext import as_written, signature

# operator node -> (predicate kind with the column on the left, kind with the column on the right)
_GIN_OPS: dict[type[exp.Binary], tuple[PredKind, PredKind | None]] = {
    exp.ArrayContainsAll: (PredKind.CONTAINS, PredKind.CONTAINED),  # @>
    exp.ArrayContainedBy: (PredKind.CONTAINED, PredKind.CONTAINS),  # <@
    exp.ArrayOverlaps: (PredKind.OVERLAPS, PredKind.OVERLAPS),  # &&
    exp.JSONBContainsTopKey: (PredKind.HAS_KEY, None),  # ?
    exp.JSONBContainsAnyTopKeys: (PredKind.HAS_ANY_KEY, None),  # ?|
    exp.JSONBContainsAllTopKeys: (PredKind.HAS_ALL_KEYS, None),  # ?&
}


class ConditionReader:
    """Reads the conditions of one scope into predicates on its tables' accesses."""

    def __init__(self, view: ScopeView, sql: str, notes: list[str]) -> None:
        self.view = view
        self.sql = sql  # the statement's text, for expressions as it writes them
        self.notes = notes
        self.equated: list[tuple[Source, str, Source, str]] = []  # `a.x = b.y` between two sources

    def carry_constants(self) -> None:
        """An equality to a constant carried across the join equalities it meets, as the
        planner's equivalence classes carry it: `book.author_id = author.id AND author.id = $1`
        searches book by author_id = $1 too. Not out of a source an outer join may fill with
        NULLs (a condition in its ON clause filters that side alone); into one, as the planner
        pushes it there."""
        changed = True
        while changed:
            changed = False
            for a, x, b, y in self.equated + [(b, y, a, x) for a, x, b, y in self.equated]:
                if a.alias in self.view.nullable:
                    continue
                known = next((p for p in a.access.predicates if p.kind == PredKind.EQ and p.column == x and p.expression is None), None)
                if known is not None and not any(p.kind == PredKind.EQ and p.column == y and p.expression is None
                                                 for p in b.access.predicates):
                    add(b.access, Predicate(y, PredKind.EQ, known.constant))
                    changed = True

    def read(self, cond: exp.Expr) -> None:
        """One conjunct of a WHERE or JOIN ... ON."""
        cond = unparen(cond)
        handler = lookup(_HANDLERS, cond)
        if handler is not None:
            handler(self, cond)

    def using(self, left: str, right: str, name: str) -> None:
        """JOIN ... USING (name) between two aliases: a join key on each local side."""
        for alias in (left, right):
            if alias in self.view.tables:
                add(self.view.tables[alias].access, Predicate(name, PredKind.JOIN))
        if left in self.view.tables and right in self.view.tables:
            self.equated.append((self.view.tables[left], name, self.view.tables[right], name))

    # ------------------------------------------------------------------ handlers (see _HANDLERS)

    def _eq(self, cond: exp.EQ) -> None:
        self._equality(cond.this, cond.expression)

    def _range(self, cond: exp.GT | exp.GTE | exp.LT | exp.LTE) -> None:
        if self._row_compare(cond) or self._row_value(cond):
            return
        below = isinstance(cond, (exp.LT, exp.LTE))  # `col < x`: the column is bounded from above
        for col, other, upper in ((cond.this, cond.expression, below), (cond.expression, cond.this, not below)):
            src = local(col, self.view)
            if src and is_constant(other, self.view):
                add(src.access, Predicate(unparen(uncast(col)).name, PredKind.RANGE, literal(other), upper=upper))
                return
        for node, other in ((cond.this, cond.expression), (cond.expression, cond.this)):
            if is_constant(other, self.view) and self._expression(node, PredKind.RANGE, literal(other)):
                return
        self._join_sides(cond.this, cond.expression, PredKind.RANGE)

    def _between(self, cond: exp.Between) -> None:
        low, high = cond.args.get("low"), cond.args.get("high")
        src = local(cond.this, self.view)
        if is_constant(low, self.view) and is_constant(high, self.view):
            if src:  # two bounds, as `>= low AND <= high` reads
                for bound, upper in ((low, False), (high, True)):
                    add(src.access, Predicate(unparen(uncast(cond.this)).name, PredKind.RANGE, literal(bound), upper=upper))
            else:
                self._expression(cond.this, PredKind.RANGE, None)

    def _in(self, cond: exp.In) -> None:
        src = local(cond.this, self.view)
        values = cond.expressions
        row = unparen(cond.this)
        if isinstance(row, exp.Tuple) and cond.args.get("query") is None:
            self._row_in(row, values)
            return
        if len(values) == 1 and isinstance(values[0], exp.Values):
            # IN (VALUES (1), (2)): a list of its rows' values (the 18 planner makes it = ANY)
            rows = values[0].expressions
            if all(isinstance(r, exp.Tuple) and len(r.expressions) == 1 for r in rows):
                values = [r.expressions[0] for r in rows]
        if not src:
            if values and cond.args.get("query") is None and all(is_constant(v, self.view) for v in values):
                kind = PredKind.EQ if len(values) == 1 else PredKind.IN
                constant = literal(values[0]) if len(values) == 1 else _in_list(values)
                self._expression(cond.this, kind, constant, values=len(values), quiet=True)
            return
        name = unparen(uncast(cond.this)).name
        if cond.args.get("query") is not None:
            add(src.access, Predicate(name, PredKind.JOIN))
            return
        if values and all(is_constant(v, self.view) for v in values):
            if len(values) == 1:
                add(src.access, Predicate(name, PredKind.EQ, literal(values[0])))
            else:
                add(src.access, Predicate(name, PredKind.IN, _in_list(values), values=len(values)))

    def _row_in(self, row: exp.Tuple, rows: list[exp.Expr]) -> None:
        """`(a, b) IN ((1, 2), (3, 4))` is `(a = 1 AND b = 2) OR (a = 3 AND b = 4)`, as PostgreSQL
        reads it: each arm one search of a B-tree on (a, b), the arms ORed as bitmaps; one row is a
        plain conjunction."""
        arms = []
        for r in (unparen(r) for r in rows):
            if not isinstance(r, exp.Tuple) or len(r.expressions) != len(row.expressions):
                return
            arms.append(exp.and_(*(exp.EQ(this=c.copy(), expression=v.copy()) for c, v in zip(row.expressions, r.expressions))))
        if len(arms) == 1:
            for eq in conjuncts(arms[0]):
                self.read(eq)
        elif arms:
            self.read(exp.or_(*arms))

    def _is(self, cond: exp.Is) -> None:
        if isinstance(cond.expression, exp.Null):
            self._is_null(cond.this, negate=bool(cond.args.get("negate")))
        elif isinstance(cond.expression, exp.Boolean) and not cond.args.get("negate"):
            # `flag IS FALSE` (SQLAlchemy's is_(False)): the planner searches an index on the column
            # with it as `flag = false`, but proves no partial index's `WHERE NOT flag` from it: an
            # equality without the constant (a partial index would need `WHERE flag IS FALSE`)
            src = local(cond.this, self.view)
            if src and isinstance(unparen(cond.this), exp.Column):
                add(src.access, Predicate(unparen(cond.this).name, PredKind.EQ))

    def _not(self, cond: exp.Not) -> None:
        inner = unparen(cond.this)
        if isinstance(inner, exp.Is):  # NOT (x IS NULL)
            if isinstance(inner.expression, exp.Null):
                self._is_null(inner.this, negate=not inner.args.get("negate"))
        elif isinstance(inner, exp.Column):  # NOT flag
            src = local(inner, self.view)
            if src:
                add(src.access, Predicate(inner.name, PredKind.EQ, "false"))

    def _column(self, cond: exp.Column) -> None:  # a boolean column on its own
        src = local(cond, self.view)
        if src:
            add(src.access, Predicate(cond.name, PredKind.EQ, "true"))

    def _like(self, cond: exp.Like | exp.ILike) -> None:
        """LIKE 'abc%' is a B-tree prefix search; LIKE '%abc%', ILIKE and parameter patterns need trigrams."""
        if cond.args.get("negate"):
            return
        pattern = unparen(cond.expression)
        if not is_constant(pattern, self.view):
            return
        text = pattern.this if isinstance(pattern, exp.Literal) and pattern.is_string else None
        ilike = isinstance(cond, exp.ILike)
        prefix = text is not None and bool(text) and text[0] not in "%_" and not ilike
        kind = PredKind.LIKE_PREFIX if prefix else (PredKind.ILIKE if ilike else PredKind.LIKE)
        constant = literal(pattern)
        src = local(cond.this, self.view)
        if src:
            add(src.access, Predicate(unparen(uncast(cond.this)).name, kind, constant))
        else:
            self._expression(cond.this, kind, constant)

    def _text_search(self, cond: exp.MatchAgainst) -> None:
        """`document @@ query`: a full-text search on the document side (a tsvector column, or an
        expression such as to_tsvector('english', body)) with a constant query."""
        if not cond.expressions or not is_constant(cond.this, self.view):
            return
        document = cond.expressions[0]
        src = local(document, self.view)
        if src:
            add(src.access, Predicate(unparen(uncast(document)).name, PredKind.MATCHES, literal(cond.this)))
        else:
            self._expression(document, PredKind.MATCHES, literal(cond.this))

    def _gin_operator(self, cond: exp.Binary, left_kind: PredKind, right_kind: PredKind | None) -> None:
        """jsonb and array operators: @>, <@, &&, ?, ?|, ?& with a constant on the other side."""
        for node, other, kind in ((cond.this, cond.expression, left_kind), (cond.expression, cond.this, right_kind)):
            if kind is None or not is_constant(other, self.view):
                continue
            src = local(node, self.view)
            if src:
                add(src.access, Predicate(unparen(uncast(node)).name, kind, literal(other)))
                return
            if self._expression(node, kind, literal(other)):
                return

    def _or(self, cond: exp.Or) -> None:
        common = common_conjuncts(cond)
        for shared in common:  # (a AND x) OR (a AND y) implies a
            self.read(shared)
        if common:
            return
        arms = self._arms(cond)
        if arms is None:
            self.notes.append("an OR condition was not used for index advice")
            return
        access, preds = arms
        if preds not in access.any_of:
            access.any_of.append(preds)

    def _arms(self, cond: exp.Or) -> tuple[TableAccess, tuple[tuple[Predicate, ...], ...]] | None:
        """The OR's arms as predicates of one table (`email = $1 OR phone = $2`); None when an arm
        filters another table, or nothing an index can search. Each arm is read as a WHERE of
        its own, and what it adds is taken back out: an arm is not a filter of every row."""
        accesses = list({id(s.access): s.access for s in self.view.tables.values()}.values())
        found: list[tuple[Predicate, ...]] = []
        owner: TableAccess | None = None
        for arm in branches(cond):
            saved = [(a.predicates, a.any_of) for a in accesses]
            for a in accesses:
                a.predicates, a.any_of = list(a.predicates), list(a.any_of)
            for part in conjuncts(arm):
                self.read(part)
            added = [(a, [q for q in a.predicates if q not in old[0]]) for a, old in zip(accesses, saved)]
            for a, (predicates, any_of) in zip(accesses, saved):
                a.predicates, a.any_of = predicates, any_of
            touched = [(a, new) for a, new in added if new]
            if len(touched) != 1 or (owner is not None and touched[0][0] is not owner):
                return None
            owner = touched[0][0]
            found.append(tuple(touched[0][1]))
        return (owner, tuple(found)) if owner is not None else None

    def _exists(self, cond: exp.Exists) -> None:
        pass  # the subquery is its own scope

    # ------------------------------------------------------------------ shared by the handlers

    def _equality(self, left: exp.Expr, right: exp.Expr) -> None:
        left, right = unparen(uncast(left)), unparen(uncast(right))
        if isinstance(left, exp.Tuple) and isinstance(right, exp.Tuple) and len(left.expressions) == len(right.expressions):
            for a, b in zip(left.expressions, right.expressions):  # (a, b) = (1, 2) is a = 1 AND b = 2
                self._equality(a, b)
            return
        if isinstance(right, exp.Any):
            self._any(left, right)
            return
        if isinstance(left, exp.Any):
            self._any(right, left)
            return
        for col, other in ((left, right), (right, left)):
            src = local(col, self.view)
            if src and is_constant(other, self.view):
                add(src.access, Predicate(col.name, PredKind.EQ, literal(other)))
                return
        for node, other in ((left, right), (right, left)):
            if is_constant(other, self.view) and self._expression(node, PredKind.EQ, literal(other)):
                return
        self._join_sides(left, right, PredKind.JOIN)

    def _any(self, col: exp.Expr, any_: exp.Any) -> None:
        """`col = ANY($1)` is an IN; `$1 = ANY(tags)` looks for an element of an array column."""
        src = local(col, self.view)
        if src:
            add(src.access, Predicate(col.name, PredKind.IN, None, values=2))
            return
        array = unparen(any_.this)
        src = local(array, self.view)
        if src and is_constant(col, self.view):
            add(src.access, Predicate(unparen(uncast(array)).name, PredKind.ANY_ELEMENT, literal(col)))

    def _expression(self, node: exp.Expr, kind: PredKind, constant: str | None, values: int = 1,
                    quiet: bool = False) -> bool:
        """A filter on an expression of one local table's columns: a predicate on the expression.

        False when the node is not such an expression; `quiet` leaves out the note
        about an expression whose text cannot be read back.
        """
        found = local_expression(node, self.view)
        if found is None:
            if _parameter_inside(node):
                self.notes.append(f"the filter on {unparen(node).sql(dialect='postgres')} has a parameter inside the "
                                  "expression: an expression index needs it written out (a JSON key, a function's "
                                  "argument). pg_stat_statements writes every constant as a parameter: a log or a file "
                                  "of the statements as the application sends them shows it")
            return False
        src, node = found
        column = no_op_cast(node, src)
        if column is not None:  # "handle"::text on a text column is the column itself
            add(src.access, Predicate(column, kind, constant, values=values))
            return True
        text = as_written(self.sql, node)
        if text is None:
            if not quiet:
                self.notes.append(f"the expression {node.sql(dialect='postgres')} could not be read back exactly: "
                                  "no expression index for it")
            return True
        add(src.access, Predicate(signature(node), kind, constant, values=values, expression=text))
        return True

    def _row_compare(self, cond: exp.GT | exp.GTE | exp.LT | exp.LTE) -> bool:
        """Two bare columns of the same table occurrence compared (`a < b`), kept as `<`/`<=`."""
        left, right = unparen(cond.this), unparen(cond.expression)
        if not isinstance(left, exp.Column) or not isinstance(right, exp.Column):
            return False
        src = local(left, self.view)
        if src is None or local(right, self.view) is not src:
            return False
        op = "<=" if isinstance(cond, (exp.LTE, exp.GTE)) else "<"
        if isinstance(cond, (exp.GT, exp.GTE)):
            left, right = right, left
        add(src.access, Predicate(left.name, PredKind.ROW_COMPARE, compared=(op, right.name)))
        return True

    def _row_value(self, cond: exp.GT | exp.GTE | exp.LT | exp.LTE) -> bool:
        """A row-value comparison with constants (`(a, b) > ($1, $2)`, keyset pagination): a
        B-tree on (a, b) searches it as a range starting at its first column, which is the range
        here (the later columns come from the ORDER BY that goes with it). Never an expression."""
        sides = [(unparen(a), unparen(b)) for a, b in ((cond.this, cond.expression), (cond.expression, cond.this))]
        for row, other in sides:
            first = unparen(uncast(row.expressions[0])) if isinstance(row, exp.Tuple) and row.expressions else None
            src = local(first, self.view) if isinstance(first, exp.Column) else None
            if first is not None and src is not None and is_constant(other, self.view):
                add(src.access, Predicate(first.name, PredKind.RANGE))
                return True
        return any(isinstance(row, exp.Tuple) for row, _ in sides)

    def _join_sides(self, left: exp.Expr, right: exp.Expr, kind: PredKind) -> None:
        """A column compared with a column of another source: a join key on each local side."""
        left, right = unparen(uncast(left)), unparen(uncast(right))
        for col, other in ((left, right), (right, left)):
            src = local(col, self.view)
            if src is None or not isinstance(other, exp.Column):
                continue
            if resolve(other, self.view) is not src:
                add(src.access, Predicate(col.name, kind))
        a, b = local(left, self.view), local(right, self.view)
        if kind == PredKind.JOIN and a is not None and b is not None and a is not b:
            self.equated.append((a, left.name, b, right.name))

    def _is_null(self, node: exp.Expr, negate: bool) -> None:
        src = local(node, self.view)
        if src:
            kind = PredKind.IS_NOT_NULL if negate else PredKind.IS_NULL
            add(src.access, Predicate(unparen(node).name, kind))


def _in_list(values: list[exp.Expr]) -> str | None:
    """An IN list's literals as SQL text; None when any value is not a literal."""
    return ", ".join(literal(v) or "?" for v in values) if all(literal(v) for v in values) else None


def _gin(kinds: tuple[PredKind, PredKind | None]) -> Callable[[ConditionReader, exp.Binary], None]:
    """The handler of one GIN operator class, with its predicate kinds."""
    return lambda reader, cond: reader._gin_operator(cond, *kinds)


# condition node class -> its handler. Looked up along the node's class MRO, so a subclass is
# handled as its base; no sqlglot class derives from two of these, so their order does not matter.
_HANDLERS: dict[type[exp.Expr], Callable[[ConditionReader, Any], None]] = {
    exp.EQ: ConditionReader._eq,
    exp.GT: ConditionReader._range,
    exp.GTE: ConditionReader._range,
    exp.LT: ConditionReader._range,
    exp.LTE: ConditionReader._range,
    exp.Between: ConditionReader._between,
    exp.In: ConditionReader._in,
    exp.Is: ConditionReader._is,
    exp.Not: ConditionReader._not,
    exp.Column: ConditionReader._column,
    exp.Like: ConditionReader._like,
    exp.MatchAgainst: ConditionReader._text_search,
    exp.ILike: ConditionReader._like,
    **{cls: _gin(kinds) for cls, kinds in _GIN_OPS.items()},
    exp.Or: ConditionReader._or,
    exp.Exists: ConditionReader._exists,
}


def add(access: TableAccess, pred: Predicate) -> None:
    if pred not in access.predicates:
        access.predicates.append(pred)


def _parameter_inside(node: exp.Expr) -> bool:
    """An expression over columns with a parameter in it (`settings ->> $1`): no index can hold
    its values, since they change with the parameter."""
    node = unparen(node)
    return (not isinstance(node, exp.Column) and node.find(exp.Column) is not None
            and node.find(exp.Parameter, exp.Placeholder) is not None and node.find(exp.Select) is None)
