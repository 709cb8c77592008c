"""Alembic: one revision file per index in the versions folder, chained after its head.

`--out` is the versions folder (e.g. `alembic/versions`); the new revisions follow the
current head(s) read from the files there (several heads become the parents of the
first new revision, which then merges them). Revision ids are derived from the change
and its parent, so the same advice on the same history gives the same files. Each
revision commits Alembic's transaction and works inside `autocommit_block()`, with
`op.create_index(..., postgresql_concurrently=True)` and the lock_timeout set and reset
as statements of their own.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from indexadvisor.pg.sql import render_key
from indexadvisor.report.migrations.base import (
    Change,
    MigrateOptions,
    MigrateResult,
    comment_block,
    failure_hint,
    unique_slugs,
    write_file,
)

DownRevision = None | str | tuple[str, ...]


def incomplete(path: Path, text: str) -> str | None:
    """A rerun's check of a revision an earlier one wrote: Python that parses, with upgrade() and downgrade()."""
    if path.suffix != ".py":
        return None
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return "cut short"
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    lacking = [f"{name}()" for name in ("upgrade", "downgrade") if name not in defined]
    return f"no {' or '.join(lacking)}" if lacking else None


def write(changes: list[Change], out: Path, options: MigrateOptions, result: MigrateResult) -> None:
    parent: DownRevision = heads(out)
    for change, slug in zip(changes, unique_slugs(changes)):
        rev = hashlib.sha1(f"{change.marker}|{parent!r}".encode()).hexdigest()[:12]
        write_file(out / f"{rev}_{slug}.py", render(change, rev, parent, options), result)
        parent = rev


def heads(versions: Path) -> DownRevision:
    """The head revision(s) of the history in a versions folder; None for an empty one."""
    revisions: list[str] = []
    parents: set[str] = set()
    if not versions.is_dir():
        return None
    for path in sorted(versions.glob("*.py")):
        values = _module_values(path)
        rev = values.get("revision")
        if not isinstance(rev, str):
            continue
        revisions.append(rev)
        down = values.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, (tuple, list)):
            parents.update(d for d in down if isinstance(d, str))
    found = sorted(r for r in revisions if r not in parents)
    if not found:
        return None
    return found[0] if len(found) == 1 else tuple(found)


def _module_values(path: Path) -> dict[str, object]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return {}
    values: dict[str, object] = {}
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target.id, node.value
        if target in ("revision", "down_revision") and value is not None:
            try:
                values[target] = ast.literal_eval(value)
            except ValueError:
                pass
    return values


def render(change: Change, rev: str, parent: DownRevision, options: MigrateOptions) -> str:
    verb = "create" if change.action == "create" else "drop"
    title = f"indexadvisor: {verb} index {change.name} on {change.schema}.{change.table}"
    revises = ", ".join(parent) if isinstance(parent, tuple) else (parent or "")
    lines = [
        f'"""{_doc(title)}',
        "",
        f"Revision ID: {rev}",
        f"Revises: {revises}".rstrip(),
        '"""',
        comment_block([change.marker, *change.comment, *failure_hint(change)], "#").rstrip("\n"),
        "from alembic import op",
        "import sqlalchemy as sa",
        "",
        f"revision = {rev!r}",
        f"down_revision = {parent!r}",
        "branch_labels = None",
        "depends_on = None",
        "",
        "",
        "def upgrade() -> None:",
    ]
    down: str | None  # None: the change cannot be undone
    if change.steps:  # a partitioned table: each statement on its own, in autocommit
        up = "\n".join(f"op.execute({step.rstrip(';')!r})" for step in change.steps)
        down = f"op.execute({change.down!r})" if change.down else None
    elif change.action == "create":
        up, down = _create(change), _drop(change)
    else:
        up = f"op.execute({change.up.rstrip(';')!r})"
        down = f"op.execute({change.down.rstrip(';')!r})" if change.down else None
    lines += _block(up, options)
    lines += ["", "", "def downgrade() -> None:"]
    if down is None and change.no_down:
        lines += comment_block([f"indexadvisor: no down step: {change.no_down}"], "    #").rstrip("\n").splitlines()
        lines.append("    pass")
    elif down is None:
        lines.append(f"    raise NotImplementedError({('indexadvisor: ' + change.irreversible_reason)!r})")
    else:
        lines += _block(down, options)
    return "\n".join(lines) + "\n"


def _block(statement: str, options: MigrateOptions) -> list[str]:
    out = [
        "    # CONCURRENTLY cannot run inside a transaction: commit Alembic's and run these in autocommit",
        "    with op.get_context().autocommit_block():",
    ]
    if options.lock_timeout:
        out.append(f"        op.execute({'SET lock_timeout = ' + repr(options.lock_timeout)!r})")
    out += ["        " + line for line in statement.splitlines()]
    if options.lock_timeout:
        out.append("        op.execute('RESET lock_timeout')")
    return out


def _create(change: Change) -> str:
    r = change.recommendation
    assert r is not None
    columns = []
    for k in r.keys:
        plain = k.column is not None and not (k.desc or k.nulls_first is not None or k.opclass or k.collation)
        columns.append(repr(k.column) if plain else f"sa.text({render_key(k)!r})")
    args = [repr(r.name), repr(r.table), "[" + ", ".join(columns) + "]", f"schema={r.schema!r}",
            "postgresql_concurrently=True"]
    if r.method != "btree":
        args.append(f"postgresql_using={r.method!r}")
    if r.include:
        args.append(f"postgresql_include={list(r.include)!r}")
    if r.where:
        args.append(f"postgresql_where=sa.text({r.where!r})")
    return "op.create_index(\n" + "".join(f"    {a},\n" for a in args) + ")"


def _drop(change: Change) -> str:
    return (f"op.drop_index({change.name!r}, table_name={change.table!r}, schema={change.schema!r}, "
            "postgresql_concurrently=True)")


def _doc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
