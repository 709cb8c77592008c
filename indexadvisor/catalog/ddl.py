"""Read a catalog from DDL files: CREATE TABLE, CREATE INDEX, ALTER TABLE ADD CONSTRAINT, and CREATE
[MATERIALIZED] VIEW (a view's SELECT is kept for the extractor to read through; a materialized view
is a table with a flag, its columns those of its SELECT).

Works on hand-written schema files and on `pg_dump --schema-only` output alike:
statements that do not define tables, indexes or constraints (SET, functions,
grants, sequences, ...) are passed over without parsing. A DDL statement that
cannot be parsed is reported with its file and line, and the rest is read.
A catalog from DDL has no statistics; the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from indexadvisor.model import (
    Catalog,
    Column,
    ForeignKey,
    Index,
    IndexKey,
    SourceError,
    Table,
)
from indexadvisor.pg.parsing import parse_one
from indexadvisor.sources.sqlfile import read_sql_file

_RELEVANT = re.compile(
    r"^\s*(create\s+(?:(?:global|local)\s+)?(?:(?:temporary|temp|unlogged)\s+)?table"
    r"|create\s+(?:unique\s+)?index|alter\s+table|alter\s+index|set\s+search_path"
    r"|create\s+(?:or\s+replace\s+)?(?:(?:temporary|temp)\s+)?(?:recursive\s+)?(?:materialized\s+)?view)\b",
    re.I,
)
# what makes an unparsable statement worth reporting (not ALTER TABLE ... OWNER TO and the like)
_DEFINES = re.compile(r"^\s*create\b|\badd\s+(?:constraint|primary|unique|foreign)\b", re.I)
# a table or index name as DDL writes it, schema-qualified or not, quoted or not
_NAME = r'(?:"(?:[^"]|"")+"|[^\s."(]+)(?:\.(?:"(?:[^"]|"")+"|[^\s."(]+))?'
# pg_dump's `CREATE INDEX ... ON ONLY parent` (sqlglot does not read ONLY there): the index stays on the parent
_ON_ONLY = re.compile(r"^(\s*create\s+(?:unique\s+)?index\b.*?\bon\s+)only\s+", re.I | re.S)
# pg_dump's `ALTER TABLE ONLY parent ATTACH PARTITION child FOR VALUES ...` and `ALTER INDEX parent ATTACH PARTITION child`
_ATTACH = re.compile(rf"^\s*alter\s+(?P<kind>table|index)\s+(?:if\s+exists\s+)?(?:only\s+)?(?P<parent>{_NAME})"
                     rf"\s+attach\s+partition\s+(?P<child>{_NAME})", re.I)


def read_ddl(paths: list[Path], errors: list[SourceError]) -> Catalog:
    catalog = Catalog(source="ddl")
    pending: list[tuple[exp.Expr, str, int]] = []  # indexes/constraints after all tables
    attached: list[re.Match[str]] = []  # ATTACH PARTITION, table or index, in file order
    only: set[int] = set()  # the trees of CREATE INDEX ... ON ONLY
    for path in paths:
        for raw in read_sql_file(path, errors):
            if not _RELEVANT.match(raw.sql):
                continue
            if raw.sql.lower().startswith("set"):
                _search_path(raw.sql, catalog)
                continue
            view = _VIEW.match(raw.sql)
            if view is not None:
                pending.append((exp.Literal.string(raw.sql), str(path), raw.line))  # after the tables it reads
                continue
            attach = _ATTACH.match(raw.sql)
            if attach is not None:
                attached.append(attach)
                continue
            sql, on_only = _ON_ONLY.subn(r"\1", _virtual(raw.sql), count=1)
            tree = _parse(sql, str(path), raw.line, errors)
            if tree is None:
                continue
            if isinstance(tree, exp.Create) and tree.kind == "TABLE":
                _read(_create_table, tree, catalog, str(path), raw.line, errors)
            else:
                pending.append((tree, str(path), raw.line))
                if on_only:
                    only.add(id(tree))
    for tree, source, line in pending:
        if isinstance(tree, exp.Literal):
            _read(_create_view, tree.this, catalog, source, line, errors)
    for m in attached:
        if m.group("kind").lower() == "table":
            _attach_table(m, catalog)
    stays: list[Index] = []  # ON ONLY: not created on the partitions
    for tree, source, line in pending:
        if isinstance(tree, exp.Create) and tree.kind == "INDEX":
            _read(_create_index, tree, catalog, source, line, errors)
            if id(tree) in only:
                stays += [i for t in catalog.tables.values() for i in t.indexes if i.definition == tree.sql(dialect="postgres")]
        elif isinstance(tree, exp.Alter):
            _read(_alter_table, tree, catalog, source, line, errors)
    for m in attached:
        if m.group("kind").lower() == "index":
            _attach_index(m, catalog)
    _cascade(catalog, stays)
    return catalog


def _qualified(text: str, catalog: Catalog) -> tuple[str, str]:
    """(schema, name) of a name as DDL writes it, folded as PostgreSQL folds it."""
    node = normalize_identifiers(exp.to_table(text, dialect="postgres"), dialect="postgres")
    return _table_of(node, catalog)


def _attach_table(m: re.Match[str], catalog: Catalog) -> None:
    """`ALTER TABLE parent ATTACH PARTITION child`: the child is a partition of the parent."""
    parent, child = ("{}.{}".format(*_qualified(m.group(g), catalog)) for g in ("parent", "child"))
    if parent in catalog.tables and child in catalog.tables:
        catalog.tables[child].partition_of = parent
        catalog.tables[parent].partitioned = True


def _attach_index(m: re.Match[str], catalog: Catalog) -> None:
    """`ALTER INDEX parent ATTACH PARTITION child`: the child index is the parent's on a partition."""
    parent = "{}.{}".format(*_qualified(m.group("parent"), catalog))
    schema, name = _qualified(m.group("child"), catalog)
    for index in (i for t in catalog.tables.values() if t.schema == schema for i in t.indexes if i.name == name):
        index.parent = parent


def _cascade(catalog: Catalog, stays: list[Index]) -> None:
    """An index created on a partitioned table (not ON ONLY) is created on each of its partitions
    too, as PostgreSQL does: a partition's own index of that definition is attached to it (as
    PostgreSQL attaches one that exists), and a partition that has none gets one, attached."""
    for table in [t for t in catalog.tables.values() if t.partitioned]:
        for index in [i for i in table.indexes if all(i is not s for s in stays)]:
            parent = f"{table.schema}.{index.name}"
            for name in catalog.partitions(str(table.qname)):
                part = catalog.tables[name]
                if any(i.parent == parent for i in part.indexes):
                    continue
                own = next((i for i in part.indexes if i.parent is None and _same_definition(i, index)), None)
                if own is not None:
                    own.parent = parent
                    continue
                # named as PostgreSQL names it: a primary key's <partition>_pkey, a unique constraint's _key
                columns = "_".join(k.column or "expr" for k in index.keys)
                copy = (f"{part.name}_pkey" if index.primary
                        else f"{part.name}_{columns}_{'key' if index.constraint_type == 'u' else 'idx'}")
                part.indexes.append(replace(index, name=copy, schema=part.schema, table=part.name, definition=None,
                                            parent=parent, constraint=copy if index.constraint else None))


def _same_definition(a: Index, b: Index) -> bool:
    return (a.keys, a.include, a.where, a.method, a.unique) == (b.keys, b.include, b.where, b.method, b.unique)


# sqlglot's parser and generator recurse once or more per level of nesting: a statement nested deeper
# than Python's recursion limit allows (a CHECK with some 50 levels of parentheses) is an error of its own
TOO_DEEP = "nested too deeply to read (parentheses, CASE or NOT more levels deep than the parser follows)"


def _parse(sql: str, source: str, line: int, errors: list[SourceError]) -> exp.Expr | None:
    """One DDL statement's tree, identifiers folded; None (and an error when it defines something) if unreadable."""
    try:
        return normalize_identifiers(parse_one(sql, dialect="postgres"), dialect="postgres")
    except (ParseError, TokenError) as exc:
        message = f"cannot parse DDL: {_first_line(exc)}"
    except RecursionError:
        message = f"cannot parse DDL: {TOO_DEEP}"
    if _DEFINES.search(sql):
        errors.append(SourceError(source, line, message))
    return None


_GENERATED = re.compile(r"\bgenerated\s+always\s+as\s*\(", re.I)
_VIRTUAL = re.compile(r"\s+virtual\b", re.I)


def _virtual(sql: str) -> str:
    """The statement without the VIRTUAL of PostgreSQL 18's `GENERATED ALWAYS AS (...) VIRTUAL`, which
    sqlglot does not read; written without it the column is the same (virtual is 18's default)."""
    out, start = [], 0
    for m in _GENERATED.finditer(sql):
        if m.start() < start:
            continue
        end = _closing(sql, m.end())
        if end is None:
            break
        tail = _VIRTUAL.match(sql, end + 1)
        if tail is not None:
            out.append(sql[start:end + 1])
            start = tail.end()
    return "".join(out) + sql[start:] if out else sql


def _closing(sql: str, i: int) -> int | None:
    """The index of the parenthesis that closes the one just before i (quotes and nesting skipped)."""
    depth = 1
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"":
            close = sql.find(ch, i + 1)
            while close != -1 and close + 1 < len(sql) and sql[close + 1] == ch:  # '' and "" inside
                close = sql.find(ch, close + 2)
            if close == -1:
                return None
            i = close
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _read(step: Callable[[Any, Catalog, str, int, list[SourceError]], None], tree: exp.Expr, catalog: Catalog,
          source: str, line: int, errors: list[SourceError]) -> None:
    """One statement's step into the catalog: the stack unwinds to here, so one too deep is an error of its own."""
    try:
        step(tree, catalog, source, line, errors)
    except RecursionError:
        errors.append(SourceError(source, line, f"cannot read DDL: {TOO_DEEP}"))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else "syntax error"


_NAME = r'(?:"(?:[^"]|"")*"|[^\s(."]+)'
_VIEW = re.compile(
    r"^\s*create\s+(?:or\s+replace\s+)?(?:(?:temporary|temp)\s+)?(?:recursive\s+)?(materialized\s+)?view\s+"
    r"(?:if\s+not\s+exists\s+)?(" + _NAME + r"(?:\s*\.\s*" + _NAME + r")?)\s*"
    r"(\([^)]*\))?\s*(?:using\s+\w+\s*)?(?:with\s*\([^)]*\)\s*)?(?:tablespace\s+\S+\s*)?as\s+(.*)$",
    re.I | re.S,
)
_VIEW_TAIL = re.compile(r"\s+with\s+(?:(?:no\s+)?data|(?:(?:cascaded|local)\s+)?check\s+option)\s*;?\s*$", re.I)


def _create_view(sql: str, catalog: Catalog, source: str, line: int, errors: list[SourceError]) -> None:
    """CREATE [MATERIALIZED] VIEW: a view's SELECT into catalog.views (its column list as aliases of the
    outputs), a materialized view a table whose columns are its SELECT's outputs."""
    m = _VIEW.match(sql)
    if m is None:
        return
    body = _VIEW_TAIL.sub("", m.group(4).strip().rstrip(";").strip())
    try:
        select = normalize_identifiers(parse_one(body, dialect="postgres"), dialect="postgres")
        name = normalize_identifiers(parse_one(f"SELECT 1 FROM {m.group(2)}", dialect="postgres"), dialect="postgres")
    except (ParseError, TokenError) as exc:
        errors.append(SourceError(source, line, f"cannot parse DDL: {_first_line(exc)}"))
        return
    table_node = name.find(exp.Table)
    if not isinstance(select, (exp.Select, exp.SetOperation)) or table_node is None:
        errors.append(SourceError(source, line, "cannot read the view's SELECT"))
        return
    schema, view = _table_of(table_node, catalog)
    renamed = [c.strip() for c in m.group(3)[1:-1].split(",") if c.strip()] if m.group(3) else []
    if renamed:
        names = ", ".join(renamed)
        text = f"SELECT * FROM ({select.sql(dialect='postgres')}) AS {view}_columns({names})"
        select = normalize_identifiers(parse_one(text, dialect="postgres"), dialect="postgres")
    if not m.group(1):
        catalog.views[f"{schema}.{view}"] = select.sql(dialect="postgres")
        return
    table = Table(schema, view, materialized=True)
    for column in _outputs(select, catalog):
        table.columns[column.name] = column
    catalog.add(table)


def _outputs(select: exp.Expr, catalog: Catalog) -> list[Column]:
    """The output columns of a SELECT, their types where they are plain columns of catalog tables."""
    while isinstance(select, exp.SetOperation):
        select = select.this
    if not isinstance(select, exp.Select):
        return []
    sources: dict[str, Table | None] = {}
    from_ = select.args.get("from_") or select.args.get("from")
    items = ([from_.this] if isinstance(from_, exp.From) else []) + [j.this for j in select.args.get("joins") or []]
    for item in items:
        sources[item.alias_or_name] = _find(catalog, item) if isinstance(item, exp.Table) else None
    out: list[Column] = []
    for node in select.expressions:
        star = isinstance(node, exp.Star) or (isinstance(node, exp.Column) and isinstance(node.this, exp.Star))
        if star:
            qualifier = node.text("table") if isinstance(node, exp.Column) else ""
            for alias, table in sources.items():
                if table is not None and (not qualifier or alias == qualifier):
                    out += [Column(c.name, c.type, c.not_null, collation=c.collation) for c in table.columns.values()]
            continue
        inner = node.unalias()
        kind = "unknown"
        if isinstance(inner, exp.Column):
            owners = [t for a, t in sources.items() if t is not None and (a == inner.table or not inner.table)
                      and inner.name in t.columns]
            if len(owners) == 1:
                kind = owners[0].columns[inner.name].type
        if node.alias_or_name:
            out.append(Column(node.alias_or_name, kind))
    return out


def _search_path(sql: str, catalog: Catalog) -> None:
    m = re.match(r"^\s*set\s+search_path\s*(?:=|to)\s*(.+?)\s*;?\s*$", sql, re.I | re.S)
    if m:
        names = [n.strip().strip("'").strip('"') for n in m.group(1).split(",")]
        names = [n for n in names if n and n != "$user" and n != "pg_catalog"]
        catalog.search_path = names + [s for s in ["public"] if s not in names] if names else ["public"]


def _table_of(node: exp.Table, catalog: Catalog) -> tuple[str, str]:
    schema = node.db or (catalog.search_path[0] if catalog.search_path else "public")
    return schema, node.name


def _create_table(tree: exp.Create, catalog: Catalog, source: str, line: int, errors: list[SourceError]) -> None:
    schema_node = tree.this
    table_node = schema_node.this if isinstance(schema_node, exp.Schema) else schema_node
    if not isinstance(table_node, exp.Table):
        return
    schema, name = _table_of(table_node, catalog)
    table = Table(schema, name)
    _family(tree, table, catalog)
    if isinstance(schema_node, exp.Schema):  # else CREATE TABLE ... AS / LIKE / PARTITION OF: no column list to read
        for item in schema_node.expressions:
            if isinstance(item, exp.ColumnDef):
                _column(item, table, catalog)
            else:
                _constraint(item, None, table, catalog)
    catalog.add(table)  # only once read whole


def _family(tree: exp.Create, table: Table, catalog: Catalog) -> None:
    """PARTITION BY, PARTITION OF and INHERITS: the table's place in its tree, and the columns a
    partition or an inheritance child takes from its parent (a child's own columns follow)."""
    props = tree.args.get("properties")
    parent: Table | None = None
    for prop in props.expressions if isinstance(props, exp.Properties) else []:
        if isinstance(prop, exp.PartitionedByProperty):
            table.partitioned = True
        elif isinstance(prop, exp.PartitionedOfProperty) and isinstance(prop.this, exp.Table):
            table.partition_of = ".".join(_table_of(prop.this, catalog))
            parent = catalog.tables.get(table.partition_of)
        elif isinstance(prop, exp.InheritsProperty) and prop.expressions and isinstance(prop.expressions[0], exp.Table):
            table.inherits_from = ".".join(_table_of(prop.expressions[0], catalog))
            parent = catalog.tables.get(table.inherits_from)
    for col in parent.columns.values() if parent is not None else []:
        table.columns[col.name] = Column(col.name, col.type, not_null=col.not_null, collation=col.collation,
                                         generated=col.generated, generation=col.generation)


def _column(item: exp.ColumnDef, table: Table, catalog: Catalog) -> None:
    kind = item.args.get("kind")
    col = Column(item.name, kind.sql(dialect="postgres").lower() if kind is not None else "unknown")
    table.columns[col.name] = col
    for cc in item.args.get("constraints") or []:
        c = cc.args.get("kind")
        if isinstance(c, exp.CollateColumnConstraint):
            name = c.this.name if isinstance(c.this, (exp.Identifier, exp.Column, exp.Literal)) else c.this.sql()
            col.collation = None if name == "default" else name  # the database's default: not known here
        elif isinstance(c, exp.NotNullColumnConstraint) and not c.args.get("allow_null"):
            col.not_null = True
        elif isinstance(c, exp.PrimaryKeyColumnConstraint):
            col.not_null = True
            _add_unique(table, [col.name], primary=True, name=f"{table.name}_pkey")
        elif isinstance(c, exp.UniqueColumnConstraint):
            _add_unique(table, [col.name], primary=False, name=f"{table.name}_{col.name}_key")
        elif isinstance(c, exp.Reference):
            _reference(c, [col.name], f"{table.name}_{col.name}_fkey", table, catalog)
        elif isinstance(c, exp.ComputedColumnConstraint) and isinstance(c.this, exp.Expr):
            col.generated, col.generation = "stored", c.this.sql(dialect="postgres")  # GENERATED ALWAYS AS (...) STORED
        elif isinstance(c, exp.GeneratedAsIdentityColumnConstraint) and isinstance(c.args.get("expression"), exp.Expr):
            # GENERATED ALWAYS AS (...) without STORED (or with VIRTUAL, see _virtual): PostgreSQL 18's virtual
            # column, computed when read (before 18 the grammar requires STORED)
            col.generated, col.generation = "virtual", c.args["expression"].sql(dialect="postgres")


def _constraint(item: exp.Expr, name: str | None, table: Table, catalog: Catalog) -> None:
    if isinstance(item, exp.Constraint):
        for inner in item.expressions:
            _constraint(inner, item.name, table, catalog)
        return
    if isinstance(item, exp.PrimaryKey):
        cols = [_ident(e) for e in item.expressions]
        for c in cols:
            if c in table.columns:
                table.columns[c].not_null = True
        _add_unique(table, cols, primary=True, name=name or f"{table.name}_pkey")
    elif isinstance(item, exp.UniqueColumnConstraint):
        target = item.this
        cols = [_ident(e) for e in target.expressions] if isinstance(target, exp.Schema) else []
        if cols:
            _add_unique(table, cols, primary=False, name=name or f"{table.name}_{'_'.join(cols)}_key")
    elif isinstance(item, exp.ForeignKey):
        cols = [_ident(e) for e in item.expressions]
        ref = item.args.get("reference")
        if isinstance(ref, exp.Reference):
            _reference(ref, cols, name or f"{table.name}_{'_'.join(cols)}_fkey", table, catalog)


def _ident(node: exp.Expr) -> str:
    return node.name if isinstance(node, (exp.Identifier, exp.Column)) else node.sql(dialect="postgres")


def _add_unique(table: Table, columns: list[str], primary: bool, name: str) -> None:
    if primary:
        table.indexes = [i for i in table.indexes if not i.primary]
    table.indexes.append(
        Index(
            name=name, schema=table.schema, table=table.name, keys=[IndexKey(c) for c in columns],
            unique=True, primary=primary, constraint=name, constraint_type="p" if primary else "u",
        )
    )


def _reference(ref: exp.Reference, columns: list[str], name: str, table: Table, catalog: Catalog) -> None:
    target = ref.this
    ref_table = target.this if isinstance(target, exp.Schema) else target
    if not isinstance(ref_table, exp.Table):
        return
    ref_schema, ref_name = _table_of(ref_table, catalog)
    ref_cols = [_ident(e) for e in target.expressions] if isinstance(target, exp.Schema) else []
    table.foreign_keys.append(ForeignKey(name, columns, ref_schema, ref_name, ref_cols))


def _find(catalog: Catalog, node: exp.Table) -> Table | None:
    return catalog.find(node.name, node.db or None)


def _create_index(tree: exp.Create, catalog: Catalog, source: str, line: int, errors: list[SourceError]) -> None:
    index = tree.this
    if not isinstance(index, exp.Index):
        return
    table_node = index.args.get("table")
    table = _find(catalog, table_node) if isinstance(table_node, exp.Table) else None
    if table is None:
        label = table_node.sql(dialect="postgres") if table_node is not None else "?"
        errors.append(SourceError(source, line, f"index {index.name or '(unnamed)'} is on table {label}, which no CREATE TABLE defines"))
        return
    params = index.args.get("params")
    keys = [_key(o) for o in (params.args.get("columns") or [])] if params is not None else []
    include = [_ident(e) for e in (params.args.get("include") or [])] if params is not None else []
    where_node = params.args.get("where") if params is not None else None
    where = where_node.this.sql(dialect="postgres") if isinstance(where_node, exp.Where) else None
    using = params.args.get("using") if params is not None else None
    method = using.name.lower() if using is not None else "btree"
    name = index.name or f"{table.name}_{'_'.join(k.column or 'expr' for k in keys)}_idx"
    table.indexes.append(
        Index(name=name, schema=table.schema, table=table.name, keys=keys, include=include, where=where,
              method=method, unique=bool(tree.args.get("unique")), definition=tree.sql(dialect="postgres"))
    )


def _key(node: exp.Expr) -> IndexKey:
    desc = False
    nulls_first: bool | None = None
    if isinstance(node, exp.Ordered):
        desc = bool(node.args.get("desc"))
        nf = bool(node.args.get("nulls_first"))
        nulls_first = None if nf == desc else nf
        node = node.this
    opclass = collation = None
    if isinstance(node, exp.Opclass):
        opclass = node.expression.name
        node = node.this
    if isinstance(node, exp.Collate):
        collation = node.expression.name if isinstance(node.expression, (exp.Identifier, exp.Column, exp.Var)) else node.expression.sql()
        node = node.this
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Column):
        return IndexKey(node.name, desc=desc, nulls_first=nulls_first, opclass=opclass, collation=collation)
    expression = node.sql(dialect="postgres", normalize_functions="lower")
    return IndexKey(None, expression=expression, desc=desc, nulls_first=nulls_first, opclass=opclass, collation=collation)


def _alter_table(tree: exp.Alter, catalog: Catalog, source: str, line: int, errors: list[SourceError]) -> None:
    table_node = tree.this
    if not isinstance(table_node, exp.Table):
        return
    table = _find(catalog, table_node)
    actions = tree.args.get("actions") or []
    adds = [a for a in actions if isinstance(a, exp.AddConstraint)]
    if not adds:
        return
    if table is None:
        errors.append(SourceError(source, line, f"ALTER TABLE on {table_node.sql(dialect='postgres')}, which no CREATE TABLE defines"))
        return
    for add in adds:
        for item in add.expressions:
            _constraint(item, None, table, catalog)
