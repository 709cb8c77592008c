"""The scopes of a statement as the extractor reads them: the tables each reads, and its clauses.

A SELECT scope (the statement, a CTE, a subquery, a derived table) or the target of
an UPDATE or DELETE becomes a ScopeView: its tables under their aliases (each with
the TableAccess its predicates go into), the output columns of its derived tables,
the conjuncts of its WHERE and JOIN ... ON, its ORDER BY, GROUP BY and LIMIT, and
the nodes its read columns are found in. A table the catalog does not know is
left out, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from indexadvisor.extract.nodes import conjuncts, limit_value
from indexadvisor.model import Catalog, QName, TableAccess


@dataclass
class Source:
    """A table read in one scope, under its alias."""

    alias: str
    qname: QName
    access: TableAccess
    known_columns: set[str] | None  # None when the catalog does not know the table
    column_types: dict[str, str] = field(default_factory=dict)  # name -> SQL type, where the catalog says
    column_order: list[str] = field(default_factory=list)  # the columns in catalog order (what * expands to)


@dataclass
class ScopeView:
    """What is needed from a SELECT scope, or from an UPDATE/DELETE target."""

    tables: dict[str, Source]
    derived: dict[str, set[str]]  # alias -> output column names of a subquery/CTE
    conditions: list[exp.Expr]
    order: exp.Order | None
    group: exp.Group | None
    limit: exp.Expr | None
    read_nodes: list[exp.Expr]  # where the columns read are found
    outer: ScopeView | None = None
    using: list[tuple[str, str, str]] = field(default_factory=list)  # (alias, alias, column)
    from_order: list[str] = field(default_factory=list)  # the FROM items' aliases, in text order (for *)
    derived_columns: dict[str, list[str]] = field(default_factory=dict)  # alias -> a derived table's outputs, in order
    nullable: set[str] = field(default_factory=set)  # aliases on the nullable side of an outer join


class ScopeReader:
    """Builds the views of one statement's scopes against a catalog; notes what it cannot place."""

    def __init__(self, catalog: Catalog, notes: list[str]) -> None:
        self.catalog = catalog
        self.notes = notes

    def table_source(self, table: exp.Table, kind: str) -> Source | None:
        name = table.name
        schema = table.db or None
        if not name:
            return None
        found = self.catalog.find(name, schema) if self.catalog.tables else None
        if self.catalog.tables and found is None:
            label = f"{schema}.{name}" if schema else name
            self.notes.append(f"table {label} is not in the catalog")
            return None
        if found is not None:
            qname, columns = found.qname, set(found.columns)
        else:
            qname, columns = QName(schema or "public", name), None
        alias = table.alias_or_name
        types = {c.name: c.type for c in found.columns.values()} if found is not None else {}
        order = list(found.columns) if found is not None else []
        access = TableAccess(qname, kind=kind, only=bool(table.args.get("only")))
        return Source(alias, qname, access, columns, types, order)

    def select_view(self, scope: Scope) -> ScopeView:
        select = scope.expression
        assert isinstance(select, exp.Select)  # the extractor reads only the SELECT scopes
        tables: dict[str, Source] = {}
        derived: dict[str, set[str]] = {}
        derived_columns: dict[str, list[str]] = {}
        for alias, source in scope.sources.items():
            if isinstance(source, exp.Table):
                src = self.table_source(source, "select")
                if src:
                    tables[alias] = src
            elif isinstance(source, Scope) and isinstance(source.expression, (exp.Select, exp.SetOperation)):
                derived_columns[alias] = list(source.expression.named_selects)
                derived[alias] = set(derived_columns[alias])
        conditions, using, from_order = _select_conditions(select)
        read_nodes = [] if _exists_body(select) else list(select.expressions)
        return ScopeView(
            tables, derived, conditions, select.args.get("order"), select.args.get("group"),
            select.args.get("limit"), read_nodes, None, using, from_order, derived_columns, _nullable(select),
        )

    def insert_target(self, stmt: exp.Insert) -> list[TableAccess]:
        target = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
        if not isinstance(target, exp.Table):
            return []
        src = self.table_source(target, "insert")
        if src is None:
            return []
        values = stmt.expression
        src.access.rows_written = len(values.expressions) if isinstance(values, exp.Values) else None
        return [src.access]

    def dml_view(self, stmt: exp.Update | exp.Delete) -> ScopeView:
        kind = "update" if isinstance(stmt, exp.Update) else "delete"
        tables: dict[str, Source] = {}
        target = stmt.this
        if isinstance(target, exp.Table):
            src = self.table_source(target, kind)
            if src:
                tables[src.alias] = src
        for table in _dml_tables(stmt):
            src = self.table_source(table, "select")
            if src:
                tables[src.alias] = src
        conditions: list[exp.Expr] = []
        where = stmt.args.get("where")
        if where is not None:
            conditions.extend(conjuncts(where.this))
        read_nodes: list[exp.Expr] = list(stmt.args.get("expressions") or [])
        if isinstance(stmt, exp.Update) and isinstance(target, exp.Table) and target.alias_or_name in tables:
            for assignment in read_nodes:
                if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
                    tables[target.alias_or_name].access.set_columns.add(assignment.this.name)
        return ScopeView(tables, {}, conditions, None, None, None, read_nodes)


def _select_conditions(select: exp.Select) -> tuple[list[exp.Expr], list[tuple[str, str, str]], list[str]]:
    """The conjuncts of a SELECT's WHERE and JOIN ... ON, the column pairs its JOIN ... USING equates,
    and the aliases of its FROM items in text order."""
    conditions: list[exp.Expr] = []
    using: list[tuple[str, str, str]] = []
    where = select.args.get("where")
    if where is not None:
        conditions.extend(conjuncts(where.this))
    from_ = select.args.get("from_") or select.args.get("from")
    previous = [from_.this.alias_or_name] if from_ is not None else []
    for join in select.args.get("joins") or []:
        on = join.args.get("on")
        if on is not None:
            conditions.extend(conjuncts(on))
        right = join.this.alias_or_name
        for ident in join.args.get("using") or []:
            for left in previous:
                using.append((left, right, ident.name))
        previous.append(right)
    return conditions, using, previous


def _nullable(select: exp.Select) -> set[str]:
    """The aliases an outer join may fill with NULLs: the right side of a LEFT JOIN, everything
    before a RIGHT JOIN, both sides of a FULL one."""
    from_ = select.args.get("from_") or select.args.get("from")
    before = [from_.this.alias_or_name] if from_ is not None else []
    out: set[str] = set()
    for join in select.args.get("joins") or []:
        side, right = (join.side or "").upper(), join.this.alias_or_name
        if side in ("LEFT", "FULL"):
            out.add(right)
        if side in ("RIGHT", "FULL"):
            out.update(before)
        before.append(right)
    return out


def _dml_tables(stmt: exp.Update | exp.Delete) -> list[exp.Table]:
    """The tables an UPDATE ... FROM or a DELETE ... USING reads besides its target."""
    extra: list[exp.Table] = []
    from_ = stmt.args.get("from_")
    if isinstance(from_, exp.From):
        extra.extend(from_.find_all(exp.Table))
    using = stmt.args.get("using")
    if isinstance(using, list):
        extra.extend(t for t in using if isinstance(t, exp.Table))
    return extra


def _exists_body(select: exp.Select) -> bool:
    """Whether this is the body of an EXISTS whose select list PostgreSQL drops (simplify_EXISTS_query:
    none of GROUP BY, HAVING, OFFSET, FOR UPDATE, aggregates or window functions, and a LIMIT, if
    any, a positive number): `EXISTS (SELECT * ...)` reads only the columns its conditions name,
    and an index holding those serves it index-only."""
    parent = select.parent
    while isinstance(parent, (exp.Subquery, exp.Paren)):
        parent = parent.parent
    if not isinstance(parent, exp.Exists):
        return False
    if any(select.args.get(part) for part in ("group", "having", "offset", "locks")):
        return False
    count = limit_value(select.args.get("limit"))
    if count is not None and count <= 0:
        return False
    return select.find(exp.AggFunc, exp.Window) is None
