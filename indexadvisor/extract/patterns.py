"""From a statement's sqlglot AST to per-table access patterns.

Each SELECT scope (the statement, its CTEs, subqueries and derived tables) and the
target of an UPDATE or DELETE is read on its own (extract/scope.py): the tables it
reads under their aliases, the conjuncts of its WHERE and JOIN ... ON, its ORDER BY,
GROUP BY and LIMIT. Column references are resolved to a table through the alias, or,
when unqualified, through the catalog (or the only table in scope); a column of an
outer query inside a correlated subquery acts as a parameter (extract/resolve.py).
The conditions become predicates through a dispatch table over sqlglot node types
(extract/predicates.py), the other clauses the accesses' order, grouping, limit and
columns read (extract/clauses.py).
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.scope import traverse_scope

from indexadvisor.extract.clauses import read_clauses
from indexadvisor.extract.generated import expand_virtual_columns
from indexadvisor.extract.inline import inline
from indexadvisor.extract.predicates import ConditionReader
from indexadvisor.extract.scope import ScopeReader, ScopeView
from indexadvisor.model import Catalog, Statement, Table, TableAccess
from indexadvisor.pg.grammar import postgres_error
from indexadvisor.pg.parsing import parse_one


class UnsupportedStatement(Exception):
    """A statement kind that cannot use an index (INSERT ... VALUES, DDL, ...)."""


class StatementParseError(Exception):
    """sqlglot could not parse the statement, or it is nested too deeply to read."""


# sqlglot's parser and generator, and the scope walk, recurse once or more per level of nesting, so a
# statement nested deeper than Python's recursion limit allows (some 40 levels of parentheses) cannot be
# read: that statement is a parse error with its location, and the rest of the workload is analysed.
TOO_DEEP = "nested too deeply to read (parentheses, subqueries, CASE or NOT more levels deep than the parser follows)"


def parse(sql: str) -> exp.Expr:
    """Parse one statement with PostgreSQL's rules for identifier case.

    PostgreSQL's own grammar (pg/grammar.py) decides what is not PostgreSQL at all; text it
    accepts that sqlglot cannot read is reported as not understood yet, with sqlglot's reason.
    """
    try:
        tree = parse_one(sql, dialect="postgres")
        if tree is None:
            raise StatementParseError("empty statement")
        tree = normalize_identifiers(tree, dialect="postgres")
    except (ParseError, TokenError) as exc:
        rejected = postgres_error(sql)
        if rejected is not None:
            raise StatementParseError(f"not valid PostgreSQL: {rejected}") from None
        raise StatementParseError(f"valid PostgreSQL that the advisor cannot read yet: {_first_line(str(exc))}") from None
    except RecursionError:
        raise StatementParseError(TOO_DEEP) from None
    rejected = postgres_error(sql)
    if rejected is not None:
        raise StatementParseError(f"not valid PostgreSQL: {rejected}")
    return tree


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "syntax error"
    return line[:300]


class Extractor:
    """Turns statements into TableAccess lists, against one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        # "schema.name" -> its inheritance descendants, once for all statements (most tables have none)
        parents = {t.inherits_from for t in catalog.tables.values() if t.inherits_from}
        self.descendants = {name: catalog.descendants(catalog.tables[name]) for name in parents if name in catalog.tables}

    def extract(self, statement: Statement, tree: exp.Expr | None = None) -> tuple[list[TableAccess], list[str]]:
        """Return the table accesses of a statement and notes about what was not understood.

        Raises StatementParseError when it cannot be parsed (or is nested too deeply to read),
        UnsupportedStatement for a kind of statement no index serves.
        """
        try:
            return self._extract(statement, tree)
        except RecursionError:  # the stack unwound to here: this statement only
            raise StatementParseError(TOO_DEEP) from None

    def _extract(self, statement: Statement, tree: exp.Expr | None) -> tuple[list[TableAccess], list[str]]:
        root = tree if tree is not None else parse(statement.sql)
        notes: list[str] = []
        reader = ScopeReader(self.catalog, notes)
        accesses: list[TableAccess] = []
        if isinstance(root, exp.Insert):
            accesses.extend(reader.insert_target(root))
            select = root.expression
            if not isinstance(select, (exp.Select, exp.SetOperation)):
                return accesses, notes  # INSERT ... VALUES: only its write cost matters
            root = select
        if not isinstance(root, (exp.Select, exp.SetOperation, exp.Update, exp.Delete)):
            raise UnsupportedStatement(f"{root.key.upper()} statements are not analysed")

        root = inline(root, self.catalog, notes)
        views: dict[int, ScopeView] = {}
        target_view: ScopeView | None = None
        if isinstance(root, (exp.Update, exp.Delete)):
            target_view = reader.dml_view(root)
            accesses.extend(s.access for s in target_view.tables.values())
        scopes = [s for s in traverse_scope(root) if isinstance(s.expression, exp.Select)]
        for scope in scopes:
            view = reader.select_view(scope)
            views[id(scope)] = view
            accesses.extend(s.access for s in view.tables.values())
        for scope in scopes:  # children come before parents: link outer views afterwards
            parent = scope.parent  # the nearest enclosing SELECT: a LATERAL subquery's parent is the LATERAL
            while parent is not None and id(parent) not in views:
                parent = parent.parent
            views[id(scope)].outer = views[id(parent)] if parent is not None else target_view
        for view in list(views.values()) + ([target_view] if target_view else []):
            _fill(view, statement.sql, notes)
        return _with_children(expand_virtual_columns(accesses, self.catalog, notes), self.descendants), notes


def _with_children(accesses: list[TableAccess], descendants: dict[str, list[Table]]) -> list[TableAccess]:
    """Each access to a table with inheritance children, followed by the same access to each
    child: PostgreSQL scans them all (unless ONLY), each with its own indexes, and an index on
    the parent is not inherited, so each child is advised as a table of its own."""
    out: list[TableAccess] = []
    for access in accesses:
        out.append(access)
        if access.only or access.kind == "insert":
            continue
        out += [replace(access, table=child.qname, predicates=list(access.predicates), order_by=list(access.order_by),
                        group_by=list(access.group_by), columns_read=set(access.columns_read),
                        columns_output=set(access.columns_output), set_columns=set(access.set_columns),
                        any_of=list(access.any_of))
                for child in descendants.get(str(access.table), [])]
    return out


def _fill(view: ScopeView, sql: str, notes: list[str]) -> None:
    """A scope's predicates, then its other clauses, onto the accesses of its tables."""
    if not view.tables:
        return
    conditions = ConditionReader(view, sql, notes)
    for cond in view.conditions:
        conditions.read(cond)
    for left, right, name in view.using:
        conditions.using(left, right, name)
    conditions.carry_constants()
    read_clauses(view)
