"""Prisma Migrate: `prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql`, plus `@@index` lines.

`prisma migrate deploy` sends a migration.sql as one message, so each folder holds
exactly one statement. Prisma has no down migrations of its own; each folder gets
a `down.sql` to run with `prisma db execute --file .../down.sql` (one statement,
the same way). The indexes must also be declared in schema.prisma, or
`prisma migrate dev` sees them as drift: the `@@index` lines to add are returned
as notes, with what Prisma's schema cannot express (INCLUDE, expressions,
NULLS FIRST/LAST, collations, B-tree operator classes). Partial indexes need the
`partialIndexes` preview feature. Model and field names come from the
schema.prisma next to the migrations folder when there is one (`@@map`, `@map`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from indexadvisor.report.migrations.base import (
    Change,
    MigrateOptions,
    MigrateResult,
    comment_block,
    connection_lock_timeout_note,
    missing,
    single_statement_units,
    sql_cut_short,
    timestamps,
    write_file,
)

_FOLDER = re.compile(r"^(\d{14})_")
_MODEL = re.compile(r"^\s*model\s+(\w+)\s*\{(.*?)^\s*\}", re.S | re.M)
_MAP = re.compile(r'@map\(\s*(?:name:\s*)?"([^"]+)"')
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_TYPES = {"btree": None, "hash": "Hash", "gin": "Gin", "gist": "Gist", "spgist": "SpGist", "brin": "Brin"}


@dataclass
class PrismaModel:
    name: str
    table: str
    schema: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # column -> field


def incomplete(path: Path, text: str) -> str | None:
    """A rerun's check of a migration folder an earlier one wrote: migration.sql and down.sql, each whole."""
    if path.name not in ("migration.sql", "down.sql") or not _FOLDER.match(path.parent.name):
        return None
    return missing(path.with_name("down.sql" if path.name == "migration.sql" else "migration.sql")) or sql_cut_short(text)


def write(changes: list[Change], out: Path, options: MigrateOptions, result: MigrateResult) -> None:
    units = single_statement_units(changes, options)
    existing = [m.group(1) for m in (_FOLDER.match(p.name) for p in out.iterdir() if p.is_dir()) if m] if out.is_dir() else []
    for unit, version in zip(units, timestamps(options, existing, len(units))):
        folder = out / f"{version}_{unit.slug}"
        header = comment_block(unit.comment)
        write_file(folder / "migration.sql", header + unit.up + "\n", result)
        write_file(folder / "down.sql", comment_block(["Down migration: prisma db execute --file <this file>"])
                   + header + unit.down + "\n", result)
    result.notes += connection_lock_timeout_note(
        "prisma migrate deploy", options, 'DATABASE_URL="postgresql://user@host/db?schema=public&{option}" in .env')
    if units and not (out / "migration_lock.toml").exists():
        result.notes.append(f"{out} has no migration_lock.toml: is it a Prisma migrations folder (prisma/migrations)?")
    models = read_schema(out.parent / "schema.prisma")
    for c in changes:
        if c.action == "create" and c.recommendation is not None:
            result.notes.append(schema_line(c, models))
        elif c.action == "drop":
            result.notes.append(f"schema.prisma: remove the @@index/@@unique that maps to {_string(c.name)} on {c.schema}.{c.table}, if any")


def read_schema(path: Path) -> list[PrismaModel]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    text = re.sub(r"//.*", "", text)
    models = []
    for m in _MODEL.finditer(text):
        model = PrismaModel(m.group(1), m.group(1))
        for line in m.group(2).splitlines():
            line = line.strip()
            if line.startswith("@@map"):
                found = re.search(r'"([^"]+)"', line)
                model.table = found.group(1) if found else model.table
            elif line.startswith("@@schema"):
                found = re.search(r'"([^"]+)"', line)
                model.schema = found.group(1) if found else None
            elif line and not line.startswith("@"):
                name = line.split()[0]
                col = _MAP.search(line)
                model.fields[col.group(1) if col else name] = name
        models.append(model)
    return models


def schema_line(change: Change, models: list[PrismaModel]) -> str:
    r = change.recommendation
    assert r is not None
    model = next((m for m in models if m.table == r.table and (m.schema in (None, r.schema))), None)
    model_name = model.name if model else r.table
    cannot: list[str] = []
    keys: list[str] = []
    for k in r.keys:
        if k.column is None:
            cannot.append(f"the expression key ({k.expression})")
            continue
        name = model.fields.get(k.column, k.column) if model else k.column
        if not _IDENT.fullmatch(name):
            cannot.append(f"the column {_string(k.column)}, which has no field name (map one to it with @map)")
            continue
        args = []
        if k.desc:
            args.append("sort: Desc")
        if k.nulls_first is not None:
            cannot.append(f"NULLS {'FIRST' if k.nulls_first else 'LAST'} on {k.column}")
        if k.collation:
            cannot.append(f"the collation of {k.column}")
        if k.opclass:
            if r.method == "btree":
                cannot.append(f"the operator class {k.opclass} (Prisma takes ops only on GiST, GIN, SP-GiST and BRIN)")
            else:
                args.append(f"ops: raw({_string(k.opclass)})")
        keys.append(f"{name}({', '.join(args)})" if args else name)
    parts = [f"[{', '.join(keys)}]", f"map: {_string(r.name)}"]
    if r.method not in _TYPES:
        cannot.append(f"the index method {r.method}")
    elif _TYPES[r.method]:
        parts.append(f"type: {_TYPES[r.method]}")
    if r.where:
        parts.append(f"where: raw({_string(r.where)})")
    if r.include:
        cannot.append(f"INCLUDE ({', '.join(r.include)}), which Prisma then reports as drift")
    if len(keys) < len(r.keys):
        return (f"schema.prisma, model {model_name}: no @@index for {r.name}: Prisma's schema cannot express "
                + "; ".join(cannot) + ", so Prisma reports this index as drift; the migration creates it as proposed")
    line = f"schema.prisma, model {model_name}: @@index({', '.join(parts)})"
    if r.where:
        line += '  (needs previewFeatures = ["partialIndexes"] in the generator block)'
    if cannot:
        line += ("; Prisma's schema cannot express " + "; ".join(cannot)
                 + ", so Prisma reports the difference as drift; the migration creates the index as proposed")
    return line


def _string(text: str) -> str:
    """A Prisma schema string literal that says exactly `text`: backslash, quote and control characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
