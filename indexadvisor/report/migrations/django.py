"""Django: one migration per index in an app's migrations folder, with `atomic = False`.

`--out` is the app's migrations folder (`shop/migrations`, app label `shop`). The
migrations already there are read (without importing them) for the app's models,
their tables and columns, and for the leaf migration the new ones depend on. An
index on a table the app's migrations define becomes
`AddIndexConcurrently(model_name, models.Index(fields=..., condition=Q(...), include=...))`,
so Django's migration state knows it (add the same Index to the model's Meta.indexes:
the lines are returned as notes). Anything Django's Index cannot say (expression keys,
NULLS FIRST/LAST, collations, a WHERE that is not simple comparisons, a table of no
model of the app) is written as `RunSQL` of the concurrent statement instead, with its
reverse; so is every index on an unmanaged model (`managed = False`), where Django's schema
operations, AddIndexConcurrently among them, print OK and create nothing. Django index names are at most 30 characters, so longer names are shortened
with a hash of the full name.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from indexadvisor.report.migrations.base import (
    RESET_LOCK_TIMEOUT,
    Change,
    MigrateOptions,
    MigrateResult,
    comment_block,
    failure_hint,
    set_lock_timeout,
    slugify,
    write_file,
)

MAX_NAME = 30  # models.E034
_FILE = re.compile(r"^(\d{4})_\w+\.py$")
_METHODS = {"btree": None, "hash": "HashIndex", "brin": "BrinIndex", "gin": "GinIndex", "gist": "GistIndex",
            "spgist": "SpGistIndex", "bloom": "BloomIndex"}
_RELATIONS = ("ForeignKey", "OneToOneField")


@dataclass
class DjangoModel:
    name: str  # as declared (CreateModel name)
    table: str
    columns: dict[str, str] = field(default_factory=dict)  # column -> field name
    managed: bool = True  # Meta.managed: Django's schema operations do nothing for an unmanaged model


@dataclass
class AppState:
    label: str
    models: dict[str, DjangoModel] = field(default_factory=dict)  # lower-case model name -> model
    migrations: list[str] = field(default_factory=list)
    leaves: list[str] = field(default_factory=list)
    last_number: int = 0


def incomplete(path: Path, text: str) -> str | None:
    """A rerun's check of a migration an earlier one wrote: Python that parses, a Migration with operations."""
    if not _FILE.match(path.name):
        return None
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return "cut short"
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Migration":
            if any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "operations" for t in n.targets)
                   for n in node.body):
                return None
    return "no Migration.operations"


def write(changes: list[Change], out: Path, options: MigrateOptions, result: MigrateResult) -> None:
    state = read_app(out)
    if not (out / "__init__.py").exists():
        write_file(out / "__init__.py", "", result)
    parents = list(state.leaves)
    number = state.last_number
    for change in changes:
        number += 1
        name = f"{number:04d}_{slugify(change.slug, 60)}"
        text, meta = render(change, state, parents, options)
        write_file(out / f"{name}.py", text, result)
        if meta:
            result.notes.append(meta)
        parents = [name]


def read_app(folder: Path, label: str | None = None) -> AppState:
    """The app's models and leaf migrations, from its migration files (parsed, never imported)."""
    label = label or (folder.parent.name if folder.name == "migrations" else folder.name)
    state = AppState(label)
    if not folder.is_dir():
        return state
    depended: set[str] = set()
    for path in sorted(folder.glob("*.py")):
        m = _FILE.match(path.name)
        if not m:
            continue
        state.migrations.append(path.stem)
        state.last_number = max(state.last_number, int(m.group(1)))
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "dependencies" for t in node.targets):
                for dep in _literal(node.value) or []:
                    if isinstance(dep, (tuple, list)) and len(dep) == 2 and dep[0] == label:
                        depended.add(dep[1])
            elif isinstance(node, ast.Call):
                _apply_operation(state, node)
    state.leaves = [name for name in state.migrations if name not in depended]
    return state


def _apply_operation(state: AppState, call: ast.Call) -> None:
    op = _callee(call)
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    model: DjangoModel | None  # None: a model this app's migrations have not created
    if op == "CreateModel":
        name = _literal(kw.get("name")) or _literal(call.args[0] if call.args else None)
        if not isinstance(name, str):
            return
        options = _options(kw.get("options"))
        table = options.get("db_table")
        model = DjangoModel(name, table if isinstance(table, str) else f"{state.label}_{name.lower()}",
                            managed=options.get("managed", True) is not False)
        fields = kw.get("fields") or (call.args[1] if len(call.args) > 1 else None)
        if isinstance(fields, (ast.List, ast.Tuple)):
            for item in fields.elts:
                if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                    _add_field(model, _literal(item.elts[0]), item.elts[1])
        state.models[name.lower()] = model
    elif op == "AddField":
        model = state.models.get(str(_literal(kw.get("model_name")) or "").lower())
        if model is not None:
            _add_field(model, _literal(kw.get("name")), kw.get("field"))
    elif op == "AlterModelTable":
        model = state.models.get(str(_literal(kw.get("name")) or "").lower())
        table = _literal(kw.get("table"))
        if model is not None:
            model.table = table if isinstance(table, str) else f"{state.label}_{model.name.lower()}"
    elif op == "AlterModelOptions":
        model = state.models.get(str(_literal(kw.get("name")) or "").lower())
        if model is not None:  # options it does not list go back to their defaults
            model.managed = _options(kw.get("options")).get("managed", True) is not False
    elif op == "DeleteModel":
        state.models.pop(str(_literal(kw.get("name")) or "").lower(), None)


def _options(node: ast.AST | None) -> dict[str, Any]:
    """A model's options dict (CreateModel/AlterModelOptions), the entries that are literals."""
    if not isinstance(node, ast.Dict):
        return {}
    return {key: _literal(v) for k, v in zip(node.keys, node.values) if isinstance(key := _literal(k), str)}


def _add_field(model: DjangoModel, name: Any, spec: ast.AST | None) -> None:
    if not isinstance(name, str) or not isinstance(spec, ast.Call):
        return
    column = None
    for k in spec.keywords:
        if k.arg == "db_column":
            column = _literal(k.value)
    if not isinstance(column, str):
        column = f"{name}_id" if _callee(spec) in _RELATIONS else name
    model.columns[column] = name


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else (f.id if isinstance(f, ast.Name) else "")


def _literal(node: ast.AST | None) -> Any:
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return None


def django_name(name: str) -> str:
    """The index name Django accepts in Meta.indexes: at most 30 characters, not starting with _ or a digit."""
    if len(name) <= MAX_NAME and not name[:1].isdigit() and not name.startswith("_"):
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    head = re.sub(r"^[\d_]+", "", name)[: MAX_NAME - len(digest) - 1].rstrip("_") or "ix"
    return f"{head}_{digest}"


def render(change: Change, state: AppState, parents: list[str], options: MigrateOptions) -> tuple[str, str | None]:
    """The migration's text, and the Meta.indexes line to add to the model (when it uses AddIndexConcurrently)."""
    ops: list[str] = []
    imports = {"from django.db import migrations"}
    meta = None
    index_expr, model = _index(change, state) if change.action == "create" else (None, None)
    unmanaged = _unmanaged(change, state)
    if options.lock_timeout:
        ops.append(f"migrations.RunSQL({set_lock_timeout(options.lock_timeout)!r}, reverse_sql={RESET_LOCK_TIMEOUT!r})")
    if index_expr is not None and model is not None:
        imports.add("from django.contrib.postgres.operations import AddIndexConcurrently")
        imports.add("from django.db import models")
        if "postgres_indexes." in index_expr:
            imports.add("from django.contrib.postgres import indexes as postgres_indexes")
        ops.append(f"AddIndexConcurrently(\n            model_name={model.name.lower()!r},\n            index={index_expr},\n        )")
        meta = f"Django: add {index_expr} to {state.label}.{model.name}.Meta.indexes (so makemigrations sees no change)"
    else:
        why_sql = "" if unmanaged is None else (
            f"# RunSQL, not AddIndexConcurrently: {unmanaged.name} is unmanaged (managed = False), and Django's schema\n"
            "        # operations do nothing for an unmanaged model: it would print OK and create no index\n        ")
        down = change.down
        if down:
            sql = change.steps or change.up  # a list: RunSQL sends each statement on its own
            ops.append(f"{why_sql}migrations.RunSQL(\n            {sql!r},\n            reverse_sql={down!r},\n        )")
        elif change.no_down:
            why = comment_block([f"indexadvisor: no down step: {change.no_down}"], "            #")
            ops.append(f"migrations.RunSQL(\n            {change.up!r},\n{why}            reverse_sql=migrations.RunSQL.noop,\n        )")
        else:
            ops.append(f"migrations.RunSQL({change.up!r})  # irreversible: {change.irreversible_reason}")
    if options.lock_timeout:
        ops.append(f"migrations.RunSQL({RESET_LOCK_TIMEOUT!r}, reverse_sql={set_lock_timeout(options.lock_timeout)!r})")
    lines = [comment_block([change.marker, *change.comment, *failure_hint(change)], "#").rstrip("\n")]
    lines += sorted(imports, key=lambda s: (not s.startswith("from django.contrib"), s))
    lines += ["", "", "class Migration(migrations.Migration):",
              "    # CONCURRENTLY cannot run inside a transaction block", "    atomic = False", ""]
    lines.append("    dependencies = [" + "".join(f"\n        ({state.label!r}, {p!r})," for p in parents) + ("\n    ]" if parents else "]"))
    lines += ["", "    operations = ["]
    lines += [f"        {op}," for op in ops]
    lines += ["    ]"]
    return "\n".join(lines) + "\n", meta


def _index(change: Change, state: AppState) -> tuple[str | None, DjangoModel | None]:
    """`models.Index(...)` source for a proposal, or (None, None) when Django's Index cannot express it."""
    r = change.recommendation
    if r is None or r.schema != "public" or r.method not in _METHODS or change.steps:
        return None, None  # Django's Index cannot say it, or (partitioned) build it the way PostgreSQL accepts
    model = next((m for m in state.models.values() if m.table == r.table), None)
    if model is None or not model.managed:
        return None, None
    fields: list[str] = []
    opclasses: list[str] = []
    for k in r.keys:
        if k.column is None or k.nulls_first is not None or k.collation or k.column not in model.columns:
            return None, None
        fields.append(("-" if k.desc else "") + model.columns[k.column])
        opclasses.append(k.opclass or "")
    include = []
    for column in r.include:
        if column not in model.columns:
            return None, None
        include.append(model.columns[column])
    args = [f"fields={fields!r}", f"name={django_name(r.name)!r}"]
    if any(opclasses):
        if not all(opclasses):
            return None, None  # Django wants an operator class for every field or none
        args.append(f"opclasses={opclasses!r}")
    if r.where:
        q = where_to_q(r.where, model)
        if q is None:
            return None, None
        args.append(f"condition={q}")
    if include:
        args.append(f"include={include!r}")
    cls = _METHODS[r.method]
    prefix = f"postgres_indexes.{cls}" if cls else "models.Index"
    return f"{prefix}({', '.join(args)})", model


def _unmanaged(change: Change, state: AppState) -> DjangoModel | None:
    """The app's unmanaged model (managed = False) on the change's table, if that is where it goes."""
    if change.schema != "public":
        return None
    return next((m for m in state.models.values() if m.table == change.table and not m.managed), None)


_COMPARE = {exp.EQ: "", exp.GT: "__gt", exp.GTE: "__gte", exp.LT: "__lt", exp.LTE: "__lte"}


def where_to_q(where: str, model: DjangoModel) -> str | None:
    """A partial index's WHERE as `models.Q(...)` source, for ANDs of simple column tests; None otherwise."""
    try:
        tree = sqlglot.parse_one(f"SELECT 1 WHERE {where}", dialect="postgres").args["where"].this
    except (sqlglot.errors.ParseError, KeyError, AttributeError):
        return None
    terms: list[str] = []
    for part in tree.flatten() if isinstance(tree, exp.And) else [tree]:
        term = _q_term(part, model)
        if term is None:
            return None
        terms.append(term)
    return " & ".join(terms)


def _q_term(node: exp.Expr, model: DjangoModel) -> str | None:
    node = node.unnest()
    negate = False
    if isinstance(node, exp.Not):
        inner = node.this.unnest()
        if isinstance(inner, exp.Column):
            return _q(inner, "", False, model)
        node, negate = inner, True
    if isinstance(node, exp.Column):
        return _q(node, "", True, model)
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        is_null = not node.args.get("negate")  # sqlglot writes IS NOT NULL as Is(negate=True)
        return _q(node.this, "__isnull", is_null if not negate else not is_null, model)
    if isinstance(node, exp.Boolean) or not isinstance(node, (exp.EQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NEQ, exp.In)):
        return None
    if isinstance(node, exp.In):
        values = [_value(v) for v in node.expressions]
        if not node.expressions or any(v is _NO for v in values):
            return None
        return _q(node.this, "__in", values, model, negate)
    if isinstance(node, exp.NEQ):
        value = _value(node.expression)
        return None if value is _NO else _q(node.this, "", value, model, not negate)
    value = _value(node.expression)
    if value is _NO:
        return None
    return _q(node.this, _COMPARE[type(node)], value, model, negate)


_NO = object()


def _value(node: exp.Expr) -> Any:
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        value = _value(node.this)
        return _NO if value is _NO else -value
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        return int(text) if re.fullmatch(r"\d+", text) else float(text)
    return _NO


def _q(column: exp.Expr, lookup: str, value: Any, model: DjangoModel, negate: bool = False) -> str | None:
    if not isinstance(column, exp.Column) or column.table:
        return None
    field_name = model.columns.get(column.name)
    if field_name is None:
        return None
    text = f"models.Q({field_name}{lookup}={value!r})"
    return f"~{text}" if negate else text
