"""Virtual generated columns (PostgreSQL 18) read as the expressions they stand for.

A virtual generated column (`total numeric GENERATED ALWAYS AS (price * qty)`, 18's default
kind; `VIRTUAL` explicitly) is computed when it is read, and PostgreSQL refuses an index on it
("indexes on virtual generated columns are not supported"). The planner expands the column into
its expression before it looks for indexes, so an index on the expression `((price * qty))`
serves `WHERE total > $1`. Here each filter on such a column becomes a filter on its generating
expression (catalog: pg_attrdef live and in snapshots, the column definition in DDL), and the
expression-index kind (candidates/kinds/expression.py) proposes the index; the other clauses
(ORDER BY, GROUP BY, columns read) name the columns the expression reads instead, so no proposal
puts the virtual column in a key or INCLUDE. Where the expression cannot be read back, the note
says that a STORED generated column would be needed to index it.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from indexadvisor.model import Catalog, Column, Predicate, PredKind, TableAccess
from indexadvisor.pg.exprtext import parse_expression, signature


def expand_virtual_columns(accesses: list[TableAccess], catalog: Catalog, notes: list[str]) -> list[TableAccess]:
    """The accesses with their virtual generated columns read as the generating expressions."""
    out: list[TableAccess] = []
    for access in accesses:
        table = catalog.tables.get(str(access.table))
        virtual = {name: c for name, c in table.columns.items() if c.generated == "virtual"} if table else {}
        used = virtual and _names(access) & set(virtual)
        out.append(_expand(access, {n: virtual[n] for n in used}, notes) if used else access)
    return out


def _names(access: TableAccess) -> set[str]:
    return ({p.column for p in access.predicates if p.expression is None} | {k.column for k in access.order_by}
            | set(access.group_by) | access.columns_read)


def _expand(access: TableAccess, virtual: dict[str, Column], notes: list[str]) -> TableAccess:
    parsed = {name: parse_expression(c.generation) if c.generation else None for name, c in virtual.items()}
    reads = {name: _columns(node) if node is not None else set() for name, node in parsed.items()}
    predicates: list[Predicate] = []
    for p in access.predicates:
        node = parsed.get(p.column) if p.expression is None else None
        if p.column not in virtual or p.expression is not None:
            predicates.append(p)
        elif node is not None and p.kind != PredKind.ROW_COMPARE:
            expanded = Predicate(signature(node), p.kind, p.constant, values=p.values, expression=_text(virtual[p.column]))
            if expanded not in predicates:
                predicates.append(expanded)
    for name, column in virtual.items():
        table = f"{access.table.name}.{name}"
        if parsed[name] is None:
            note = (f"{table} is a virtual generated column, which PostgreSQL cannot index, and its expression "
                    f"({column.generation or 'unknown'}) could not be read: a STORED generated column would be needed "
                    "to index it")
        else:
            note = (f"{table} is a virtual generated column (PostgreSQL 18), which cannot be indexed: it is read as "
                    f"its expression {_text(column)}, which an expression index can serve")
        if note not in notes:
            notes.append(note)

    def columns(names):
        return [c for n in names for c in (sorted(reads[n]) if n in virtual else [n])]

    return replace(
        access,
        predicates=predicates,
        # an order or grouping by the column is by its expression: no plain key delivers it
        order_by=[k for k in access.order_by if k.column not in virtual],
        group_by=[g for g in access.group_by if g not in virtual],
        columns_read=set(columns(access.columns_read)),
        columns_output=set(columns(access.columns_output)),
    )


def _text(column: Column) -> str:
    return " ".join((column.generation or "").split())


def _columns(node: exp.Expr) -> set[str]:
    return {c.name for c in node.find_all(exp.Column)}
