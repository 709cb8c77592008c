#!/usr/bin/env python3
"""Generate a large synthetic captured-SQL workload (and its schema) for benchmarks.

The workload holds N statements (default 100,000) drawn from a fixed set of
distinct statement shapes (default 300) over a generated schema (default 40
tables of 5-12 columns, primary keys, foreign keys, some indexes). Each
statement gets fresh random literals, so the text of the statements differs
while their fingerprints repeat. Shape popularity follows a Zipf-like
distribution, as in a real application: a few hot shapes, a long tail.

Shapes mix point lookups, equality on foreign keys with ORDER BY ... LIMIT and
OFFSET pagination, IN lists, ranges and BETWEEN, LIKE 'prefix%', IS NULL,
explicit and comma joins, GROUP BY counts, INSERT, UPDATE and DELETE. About one
shape in ten is written with $n placeholders, as pg_stat_statements stores
them. Some statements carry a leading ``--`` comment or a trailing
sqlcommenter-style ``/* ... */`` tag. Statements are separated by ``;\\n``.

Output is deterministic for a given ``--seed`` and set of options.

Standard library only::

    python benchmarks/generate_workload.py -o /tmp/workload.sql --schema-out /tmp/schema.sql
    python benchmarks/generate_workload.py -n 1000 --shapes 50 --seed 7 -o - | head
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

# Nouns that make plausible table names (singular; pluralised below).
NOUNS = [
    "account", "customer", "invoice", "payment", "product", "order", "shipment",
    "warehouse", "supplier", "employee", "department", "project", "task",
    "comment", "ticket", "message", "subscription", "plan", "coupon", "review",
    "category", "vendor", "contract", "asset", "device", "sensor", "reading",
    "event", "session", "team", "member", "document", "attachment", "report",
    "campaign", "lead", "opportunity", "quote", "refund", "transfer", "ledger_entry",
    "branch", "region", "store", "booking", "room", "guest", "vehicle", "route",
    "driver", "course", "student", "enrollment", "lesson", "article", "author",
]

STATUS_SETS = [
    ["new", "active", "suspended", "closed"],
    ["pending", "paid", "shipped", "delivered", "cancelled"],
    ["draft", "open", "in_review", "approved", "rejected"],
    ["queued", "running", "succeeded", "failed"],
    ["scheduled", "in_progress", "done", "archived"],
]

WORDS = [
    "alpha", "harbor", "nordic", "summit", "cedar", "orbit", "atlas", "maple",
    "quartz", "delta", "ember", "falcon", "granite", "horizon", "juniper",
    "kestrel", "lumen", "meadow", "nimbus", "onyx", "prairie", "river", "sierra",
    "tundra", "umber", "vista", "willow", "zephyr", "o'brien", "d'arcy",
]
DOMAINS = ["example.com", "example.org", "mail.test", "corp.example", "shop.test"]
ROUTES = ["/api/v1/items", "/api/v1/search", "/dashboard", "/admin/reports",
          "/checkout", "/api/v2/sync", "/internal/jobs", "/account"]
JOBS = ["nightly-rollup", "cleanup", "sync-crm", "billing-run", "reindex-search"]

EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def pluralise(word: str) -> str:
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------

@dataclass
class Column:
    name: str
    kind: str           # pk, fk, text, email, status, ts, num, int, bool, code
    sqltype: str
    nullable: bool = False
    ref: str | None = None          # referenced table for fk
    statuses: list[str] | None = None


@dataclass
class Table:
    name: str
    singular: str
    columns: list[Column] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def cols(self, *kinds: str) -> list[Column]:
        return [c for c in self.columns if c.kind in kinds]


# Optional columns: (name, kind, type, nullable)
OPTIONAL_COLUMNS = [
    ("name", "text", "text", False),
    ("email", "email", "text", False),
    ("status", "status", "text", False),
    ("updated_at", "ts", "timestamptz", False),
    ("amount", "num", "numeric(12,2)", False),
    ("quantity", "int", "integer", False),
    ("is_active", "bool", "boolean", False),
    ("code", "code", "text", False),
    ("external_ref", "code", "text", True),
    ("priority", "int", "smallint", False),
    ("due_at", "ts", "timestamptz", True),
    ("closed_at", "ts", "timestamptz", True),
    ("score", "num", "double precision", True),
    ("country_code", "code", "char(2)", True),
    ("notes", "text", "text", True),
    ("title", "text", "text", False),
]


def build_schema(rng: random.Random, n_tables: int) -> list[Table]:
    tables: list[Table] = []
    for i in range(n_tables):
        base = NOUNS[i % len(NOUNS)]
        singular = base if i < len(NOUNS) else f"{base}_{i // len(NOUNS) + 1}"
        t = Table(name=pluralise(singular) if i < len(NOUNS) else f"{pluralise(base)}_{i // len(NOUNS) + 1}",
                  singular=singular)
        t.columns.append(Column("id", "pk", "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"))
        total = rng.randint(5, 12)
        # up to three foreign keys to earlier tables
        if tables:
            parents = rng.sample(tables, k=min(len(tables), rng.choice([0, 1, 1, 1, 2, 2, 3])))
            for p in parents:
                if len(t.columns) >= total - 1:
                    break
                t.columns.append(Column(f"{p.singular}_id", "fk", "bigint", nullable=rng.random() < 0.2,
                                        ref=p.name))
        t.columns.append(Column("created_at", "ts", "timestamptz"))
        optional = rng.sample(OPTIONAL_COLUMNS, k=len(OPTIONAL_COLUMNS))
        for name, kind, sqltype, nullable in optional:
            if len(t.columns) >= total:
                break
            col = Column(name, kind, sqltype, nullable)
            if kind == "status":
                col.statuses = rng.choice(STATUS_SETS)
            t.columns.append(col)
        # indexes: some foreign keys, a composite, a unique
        fks = t.cols("fk")
        for fk in fks:
            if rng.random() < 0.4:
                t.indexes.append(f"CREATE INDEX {t.name}_{fk.name}_idx ON {t.name} ({fk.name});")
        status = t.cols("status")
        if status and rng.random() < 0.5:
            t.indexes.append(f"CREATE INDEX {t.name}_status_created_at_idx ON {t.name} (status, created_at);")
        for c in t.cols("email", "code"):
            if c.name in ("email", "code") and rng.random() < 0.6:
                t.indexes.append(f"CREATE UNIQUE INDEX {t.name}_{c.name}_key ON {t.name} ({c.name});")
        if rng.random() < 0.15:
            t.indexes.append(f"CREATE INDEX {t.name}_created_at_idx ON {t.name} (created_at);")
        tables.append(t)
    return tables


def schema_sql(tables: list[Table]) -> str:
    out = ["-- Generated by benchmarks/generate_workload.py", ""]
    for t in tables:
        lines = []
        for c in t.columns:
            line = f"    {c.name} {c.sqltype}"
            if c.kind != "pk" and not c.nullable:
                line += " NOT NULL"
            if c.kind == "ts" and c.name == "created_at":
                line += " DEFAULT now()"
            if c.ref:
                line += f" REFERENCES {c.ref} (id)"
            if c.statuses:
                line += " CHECK (status IN (" + ", ".join(sql_str(s) for s in c.statuses) + "))"
            lines.append(line)
        out.append(f"CREATE TABLE {t.name} (\n" + ",\n".join(lines) + "\n);")
        out.extend(t.indexes)
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------
# Literals
# --------------------------------------------------------------------------

def lit_for(col: Column) -> Callable[[random.Random], str]:
    kind = col.kind
    if kind in ("pk", "fk"):
        return lambda r: str(r.randint(1, 5_000_000))
    if kind == "int":
        return lambda r: str(r.randint(0, 500))
    if kind == "num":
        return lambda r: f"{r.uniform(1, 5000):.2f}"
    if kind == "bool":
        return lambda r: r.choice(["true", "false"])
    if kind == "status":
        statuses = col.statuses or ["active"]
        return lambda r: sql_str(r.choice(statuses))
    if kind == "ts":
        return lambda r: sql_str(ts_literal(r))
    if kind == "email":
        return lambda r: sql_str(f"{r.choice(WORDS).replace(chr(39), '')}.{r.randint(1, 99999)}@{r.choice(DOMAINS)}")
    if kind == "code":
        if col.sqltype == "char(2)":
            return lambda r: sql_str(r.choice(["DE", "FR", "US", "GB", "NL", "SE", "ES", "IT"]))
        return lambda r: sql_str(f"{r.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{r.randint(100000, 999999)}")
    # text
    return lambda r: sql_str(f"{r.choice(WORDS).title()} {r.choice(WORDS)} {r.randint(1, 9999)}")


def ts_literal(r: random.Random) -> str:
    t = EPOCH + dt.timedelta(seconds=r.randint(0, 180 * 86400))
    return t.strftime("%Y-%m-%d %H:%M:%S+00")


def prefix_literal(r: random.Random) -> str:
    word = r.choice(WORDS)
    return sql_str(word.title()[: r.randint(2, 5)] + "%")


# --------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------

@dataclass
class Shape:
    parts: list  # str or literal generator
    placeholders: bool

    def render(self, r: random.Random) -> str:
        if self.placeholders:
            return self.template
        return "".join(p if isinstance(p, str) else p(r) for p in self.parts)

    @property
    def template(self) -> str:
        out, n = [], 0
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
            else:
                n += 1
                out.append(f"${n}")
        return "".join(out)


_NORMALISE = re.compile(r"'(?:[^']|'')*'|\$\d+|\b\d+(?:\.\d+)?\b|\b(?:true|false)\b")


def fingerprint_key(shape: Shape) -> str:
    """Conservative fingerprint: every constant, even fixed ones, becomes '?'."""
    text = "".join(p if isinstance(p, str) else "?" for p in shape.parts)
    text = re.sub(r"\(\s*\?(?:\s*,\s*\?)*\s*\)", "(?)", _NORMALISE.sub("?", text))
    return " ".join(text.split())


def select_list(r: random.Random, t: Table, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    others = [c for c in t.columns if c.kind != "pk"]
    chosen = r.sample(others, k=min(len(others), r.randint(2, 5)))
    chosen.sort(key=t.columns.index)
    return ", ".join(f"{prefix}{c.name}" for c in [t.columns[0], *chosen])


def fixed_filters(r: random.Random, t: Table, alias: str = "", exclude: tuple[str, ...] = ()) -> list[str]:
    """Filters with a constant that is the same on every call (partial-index material)."""
    prefix = f"{alias}." if alias else ""
    out = []
    for c in t.columns:
        if c.name in exclude:
            continue
        if c.kind == "bool" and r.random() < 0.5:
            out.append(f"{prefix}{c.name} = true")
        elif c.kind == "status" and r.random() < 0.3:
            k = r.randint(1, 2)
            vals = r.sample(c.statuses or ["active"], k=k)
            if k == 1:
                out.append(f"{prefix}{c.name} = {sql_str(vals[0])}")
            else:
                out.append(f"{prefix}{c.name} IN ({', '.join(sql_str(v) for v in vals)})")
        elif c.kind == "ts" and c.nullable and r.random() < 0.3:
            out.append(f"{prefix}{c.name} IS NULL")
    return out


def and_join(parts: list) -> list:
    out: list = []
    for i, p in enumerate(parts):
        if i:
            out.append(" AND ")
        out.extend(p if isinstance(p, list) else [p])
    return out


def slot(r: random.Random, col: Column) -> str | Callable[[random.Random], str]:
    """A literal slot for col; booleans get one constant per shape (fixed text)."""
    if col.kind == "bool":
        return r.choice(["true", "false"])
    return lit_for(col)


def eq_pred(r: random.Random, t: Table, c: Column, alias: str = "") -> list:
    prefix = f"{alias}." if alias else ""
    return [f"{prefix}{c.name} = ", slot(r, c)]


def paging(r: random.Random) -> list:
    limit = r.choice([10, 20, 20, 25, 50, 100])
    fixed = lambda rr, limit=limit: str(limit)  # noqa: E731  (a slot, so $n shapes show LIMIT $n)
    if r.random() < 0.5:
        return [" LIMIT ", fixed, " OFFSET ", lambda rr, limit=limit: str(limit * rr.randint(0, 20))]
    return [" LIMIT ", fixed]


def shape_point(r, t, tables):
    return [f"SELECT {select_list(r, t)} FROM {t.name} WHERE id = ", lit_for(t.columns[0])]


def shape_fk_page(r, t, tables):
    keys = t.cols("fk") or t.cols("status", "code", "email", "int")
    if not keys:
        return None
    key = r.choice(keys)
    order = r.choice([c for c in t.cols("ts") if not c.nullable] or t.cols("ts"))
    preds = [eq_pred(r, t, key)] + fixed_filters(r, t, exclude=(key.name,))
    direction = r.choice([" DESC", " DESC", ""])
    return [f"SELECT {select_list(r, t)} FROM {t.name} WHERE ", *and_join(preds),
            f" ORDER BY {order.name}{direction}", *paging(r)]


def shape_in_list(r, t, tables):
    keys = t.cols("pk", "fk", "status", "code")
    key = r.choice(keys)
    parts: list = [f"SELECT {select_list(r, t)} FROM {t.name} WHERE {key.name} IN ("]
    if key.kind == "status":
        # applications list a fixed set of states: status IN ('pending', 'paid')
        statuses = key.statuses or ["active"]
        values = r.sample(statuses, k=r.randint(2, max(2, len(statuses) - 1)))
        parts.append(", ".join(sql_str(v) for v in values))
    else:
        gen = lit_for(key)
        for i in range(r.randint(2, 8)):
            if i:
                parts.append(", ")
            parts.append(gen)
    parts.append(")")
    extra = fixed_filters(r, t, exclude=(key.name,))
    if extra:
        parts += [" AND ", *and_join(extra)]
    return parts


def range_bounds(col: Column) -> tuple[Callable[[random.Random], str], Callable[[random.Random], str]]:
    """Two literal generators for a range; the upper bound follows the lower one."""
    state: dict[str, object] = {}

    def low(r: random.Random) -> str:
        if col.kind == "ts":
            t = EPOCH + dt.timedelta(seconds=r.randint(0, 170 * 86400))
            state["v"] = t
            return sql_str(t.strftime("%Y-%m-%d %H:%M:%S+00"))
        v = r.randint(0, 4000) if col.kind == "int" else round(r.uniform(0, 4000), 2)
        state["v"] = v
        return str(v)

    def high(r: random.Random) -> str:
        v = state["v"]
        if isinstance(v, dt.datetime):
            t = v + dt.timedelta(days=r.choice([1, 7, 30]))
            return sql_str(t.strftime("%Y-%m-%d %H:%M:%S+00"))
        if isinstance(v, int):
            return str(v + r.randint(1, 500))
        return f"{v + r.uniform(1, 500):.2f}"

    return low, high


def shape_range(r, t, tables):
    ranged = t.cols("ts", "num", "int")
    col = r.choice(ranged)
    low, high = range_bounds(col)
    if r.random() < 0.4:
        pred = [f"{col.name} BETWEEN ", low, " AND ", high]
    else:
        pred = [f"{col.name} >= ", low, f" AND {col.name} < ", high]
    preds = [pred]
    used = [col.name]
    eqs = t.cols("fk", "status")
    if eqs and r.random() < 0.6:
        eq = r.choice(eqs)
        used.append(eq.name)
        preds.insert(0, eq_pred(r, t, eq))
    preds += fixed_filters(r, t, exclude=tuple(used))
    parts = [f"SELECT {select_list(r, t)} FROM {t.name} WHERE ", *and_join(preds)]
    if r.random() < 0.5:
        parts += [f" ORDER BY {col.name}", *paging(r)]
    return parts


def shape_like(r, t, tables):
    texts = t.cols("text", "email", "code")
    texts = [c for c in texts if c.sqltype == "text"]
    if not texts:
        return None
    col = r.choice(texts)
    preds = [[f"{col.name} LIKE ", prefix_literal]] + fixed_filters(r, t, exclude=(col.name,))
    return [f"SELECT {select_list(r, t)} FROM {t.name} WHERE ", *and_join(preds),
            f" ORDER BY {col.name} LIMIT {r.choice([10, 20, 50])}"]


def shape_is_null(r, t, tables):
    nullable = [c for c in t.columns if c.nullable]
    if not nullable:
        return None
    col = r.choice(nullable)
    preds: list = [f"{col.name} IS NULL"]
    eqs = t.cols("fk", "status", "bool")
    if eqs:
        preds.insert(0, eq_pred(r, t, r.choice(eqs)))
    return [f"SELECT {select_list(r, t)} FROM {t.name} WHERE ", *and_join(preds), *paging(r)]


def shape_join(r, t, tables):
    fks = t.cols("fk")
    if not fks:
        return None
    fk = r.choice(fks)
    parent = next(p for p in tables if p.name == fk.ref)
    pcols = [c for c in parent.columns if c.kind != "pk"]
    pcol = r.choice(pcols)
    filt_col = r.choice(parent.cols("status", "code", "email", "bool", "int") or parent.cols("pk"))
    preds = [eq_pred(r, parent, filt_col, "p")] + fixed_filters(r, t, "c")
    order = r.choice(t.cols("ts"))
    if r.random() < 0.5:
        head = (f"SELECT {select_list(r, t, 'c')}, p.{pcol.name}\nFROM {t.name} c\n"
                f"JOIN {parent.name} p ON p.id = c.{fk.name}\nWHERE ")
        body = and_join(preds)
    else:
        head = (f"SELECT {select_list(r, t, 'c')}, p.{pcol.name}\nFROM {t.name} c, {parent.name} p\n"
                f"WHERE c.{fk.name} = p.id AND ")
        body = and_join(preds)
    return [head, *body, f"\nORDER BY c.{order.name} DESC", *paging(r)]


def shape_count(r, t, tables):
    groups = t.cols("status", "bool", "fk", "code")
    if not groups:
        return None
    g = r.choice(groups)
    preds = []
    eqs = [c for c in t.cols("fk") if c is not g]
    if eqs:
        preds.append(eq_pred(r, t, r.choice(eqs)))
    preds.append(["created_at >= ", lit_for(t.column("created_at"))])
    return [f"SELECT {g.name}, count(*) AS n FROM {t.name} WHERE ", *and_join(preds),
            f" GROUP BY {g.name} ORDER BY n DESC"]


def shape_update(r, t, tables):
    settable = [c for c in t.columns if c.kind not in ("pk", "fk") and c.name != "created_at"]
    if not settable:
        return None
    col = r.choice(settable)
    sets: list = [f"UPDATE {t.name} SET {col.name} = ", slot(r, col)]
    if any(c.name == "updated_at" for c in t.columns) and col.name != "updated_at":
        sets.append(", updated_at = now()")
    if r.random() < 0.6:
        where = [" WHERE id = ", lit_for(t.columns[0])]
    else:
        keys = t.cols("fk", "status", "code") or t.cols("pk")
        key = r.choice(keys)
        where = [" WHERE ", *and_join([eq_pred(r, t, key)] + fixed_filters(r, t, exclude=(key.name, col.name)))]
    return [*sets, *where]


def shape_delete(r, t, tables):
    if r.random() < 0.5:
        keys = t.cols("fk", "pk")
        return [f"DELETE FROM {t.name} WHERE ", *eq_pred(r, t, r.choice(keys))]
    preds = [["created_at < ", lit_for(t.column("created_at"))]]
    preds += fixed_filters(r, t)
    return [f"DELETE FROM {t.name} WHERE ", *and_join(preds)]


def shape_insert(r, t, tables):
    cols = [c for c in t.columns if c.kind != "pk" and (not c.nullable or r.random() < 0.5)]
    parts: list = [f"INSERT INTO {t.name} ({', '.join(c.name for c in cols)}) VALUES ("]
    for i, c in enumerate(cols):
        if i:
            parts.append(", ")
        parts.append(slot(r, c))
    parts.append(")")
    return parts


SHAPE_KINDS = [
    (shape_point, 10), (shape_fk_page, 18), (shape_in_list, 8), (shape_range, 12),
    (shape_like, 6), (shape_is_null, 5), (shape_join, 14), (shape_count, 6),
    (shape_update, 10), (shape_delete, 4), (shape_insert, 7),
]


def build_shapes(rng: random.Random, tables: list[Table], n_shapes: int) -> list[Shape]:
    shapes: list[Shape] = []
    seen: dict[str, None] = {}
    funcs = [f for f, _ in SHAPE_KINDS]
    weights = [w for _, w in SHAPE_KINDS]
    attempts = 0
    while len(shapes) < n_shapes:
        attempts += 1
        if attempts > n_shapes * 200:
            raise SystemExit(f"could only build {len(shapes)} distinct shapes; use more --tables")
        func = rng.choices(funcs, weights)[0]
        table = rng.choice(tables)
        parts = func(rng, table, tables)
        if parts is None:
            continue
        shape = Shape(parts=parts, placeholders=rng.random() < 0.1)
        key = fingerprint_key(shape)
        if key in seen:
            continue
        seen[key] = None
        shapes.append(shape)
    return shapes


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def write_workload(out: TextIO, rng: random.Random, shapes: list[Shape], n: int) -> None:
    # Zipf-like popularity: shape k (0-based) has weight 1 / (k + 1) ** 1.1.
    order = list(range(len(shapes)))
    rng.shuffle(order)
    weights = [0.0] * len(shapes)
    for rank, idx in enumerate(order):
        weights[idx] = 1.0 / (rank + 1) ** 1.1
    cum = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    picks = rng.choices(range(len(shapes)), cum_weights=cum, k=n)
    out.write("-- Synthetic captured workload generated by benchmarks/generate_workload.py\n")
    buf: list[str] = []
    for _i, idx in enumerate(picks):
        stmt = shapes[idx].render(rng)
        roll = rng.random()
        if roll < 0.05:
            stmt = f"-- job: {rng.choice(JOBS)} run {rng.randint(1, 9999)}\n{stmt}"
        elif roll < 0.12:
            stmt = f"{stmt} /*application='bench',route='{rng.choice(ROUTES)}'*/"
        buf.append(stmt)
        buf.append(";\n")
        if len(buf) >= 4096:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--statements", type=int, default=100_000,
                    help="number of statements to write (default 100000)")
    ap.add_argument("--shapes", type=int, default=300, help="distinct statement shapes (default 300)")
    ap.add_argument("--tables", type=int, default=40, help="tables in the generated schema (default 40)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("-o", "--output", default="workload.sql",
                    help="workload file to write, '-' for stdout (default workload.sql)")
    ap.add_argument("--schema-out", default=None, metavar="PATH",
                    help="also write the schema DDL to PATH")
    args = ap.parse_args(argv)
    if args.statements < 0 or args.shapes < 1 or args.tables < 2:
        ap.error("need --statements >= 0, --shapes >= 1, --tables >= 2")

    rng = random.Random(args.seed)
    tables = build_schema(rng, args.tables)
    shapes = build_shapes(rng, tables, args.shapes)

    if args.schema_out:
        with open(args.schema_out, "w", encoding="utf-8") as f:
            f.write(schema_sql(tables))
    if args.output == "-":
        write_workload(sys.stdout, rng, shapes, args.statements)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            write_workload(f, rng, shapes, args.statements)
        print(f"wrote {args.statements} statements ({len(shapes)} shapes, {len(tables)} tables) "
              f"to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
