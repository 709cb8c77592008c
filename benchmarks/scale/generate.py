#!/usr/bin/env python3
"""The scale benchmark's inputs (issue 18), generated deterministically: schemas, data and workloads.

    python benchmarks/scale/generate.py OUTDIR     # writes the files below; no database needed

- allpairs: one table t of 100 int columns c00..c99 (2,000 rows) and the 4,950 statements
  ``SELECT * FROM t WHERE cNN = 0 AND cMM = 1``, one per pair of columns (Dexter's batching test);
- app: a catalog of 200 tables (three with 50+ columns; 10 to 5 million rows, long-tailed)
  and 5,000 statement shapes over it, written as a pg_stat_statements CSV export with
  ``$n`` parameters and long-tailed call counts (a Zipf law over a shuffled order); the first
  N rows are the N-shape workload (app-500 ... app-5000);
- huge: one statement with an IN list of about 2.1 million values (23 MB) on allpairs' table;
- highparam: one statement with the parameter ``$10000``, as a pg_stat_statements export.

The SQL that loads each database (``*.load.sql``) builds the rows with generate_series and
hashint8, so the same seed gives the same data on every machine.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

SEED = 18
APP_TABLES = 200
APP_SHAPES = 5000
BIG_ROWS = 5_000_000


# --------------------------------------------------------------------------- allpairs


def allpairs_schema() -> str:
    cols = ",\n  ".join(f"c{i:02d} int NOT NULL" for i in range(100))
    return f"CREATE TABLE t (\n  id int PRIMARY KEY,\n  {cols}\n);\n"


def allpairs_load() -> str:
    # each column takes 0..k-1 with k from 2 to 101: some columns select half the rows, some 1%
    exprs = ", ".join(f"abs(hashint8(g::bigint * 131 + {i})) % {2 + i}" for i in range(100))
    return allpairs_schema() + f"INSERT INTO t SELECT g, {exprs} FROM generate_series(1, 2000) g;\nVACUUM ANALYZE t;\n"


def allpairs_workload() -> str:
    return "".join(f"SELECT * FROM t WHERE c{i:02d} = 0 AND c{j:02d} = 1;\n"
                   for i in range(100) for j in range(i + 1, 100))


def huge_workload(values: int = 2_100_000) -> str:
    # a line break every 10,000 values: the readers cut a line at 16 MiB (sources/textio.py MAX_LINE)
    items = [str(100_000_000 + v) + (",\n" if v % 10_000 == 9_999 else ", ") for v in range(values)]
    return "SELECT * FROM t WHERE c05 IN (" + "".join(items)[:-2] + ");\n"


def pgss_csv(rows: list[tuple[str, int, float, int]], path: Path) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["query", "calls", "total_exec_time", "rows"])
        for row in rows:
            w.writerow(row)


# --------------------------------------------------------------------------- app


@dataclass
class Column:
    name: str
    type: str  # int | bigint | text | timestamptz | boolean
    distinct: int  # values it takes (timestamps: one per row)


@dataclass
class Table:
    name: str
    rows: int
    parent: str | None
    columns: list[Column] = field(default_factory=list)

    def filterable(self) -> list[Column]:
        return [c for c in self.columns if c.name != "id"]


def app_catalog(seed: int = SEED) -> list[Table]:
    rng = random.Random(seed)
    tables: list[Table] = []
    for i in range(APP_TABLES):
        if i == 0:
            rows = BIG_ROWS
        elif i < 4:
            rows = rng.choice((500_000, 1_000_000))
        else:  # long tail: most tables small
            rows = int(10 * (10_000 ** (rng.random() ** 2.5)))
        parent = f"t{rng.randrange(i):03d}" if i and rng.random() < 0.7 else None
        t = Table(f"t{i:03d}", rows, parent)
        t.columns.append(Column("id", "bigint", rows))
        if parent:
            t.columns.append(Column("parent_id", "bigint", max(2, rows // 20)))
        t.columns.append(Column("tenant_id", "int", 50))
        t.columns.append(Column("status", "int", 5))
        t.columns.append(Column("created_at", "timestamptz", rows))
        t.columns.append(Column("deleted", "boolean", 2))
        width = 50 + rng.randrange(10) if i in (7, 42, 99) else 3 + rng.randrange(8)
        for k in range(width):
            kind = rng.random()
            if kind < 0.6:
                t.columns.append(Column(f"n{k:02d}", "int", rng.choice((3, 10, 100, 1000, 100_000))))
            elif kind < 0.9:
                t.columns.append(Column(f"s{k:02d}", "text", rng.choice((4, 50, 10_000))))
            else:
                t.columns.append(Column(f"b{k:02d}", "bigint", 1_000_000))
        tables.append(t)
    return tables


def app_schema(tables: list[Table]) -> str:
    out = []
    for t in tables:
        cols = ",\n  ".join(f"{c.name} {c.type}" + (" PRIMARY KEY" if c.name == "id" else "") for c in t.columns)
        out.append(f"CREATE TABLE {t.name} (\n  {cols}\n);\n")
    return "".join(out)


def _expr(c: Column, n: int) -> str:
    h = f"abs(hashint8(g::bigint * 7919 + {n}))"
    if c.name == "id":
        return "g"
    if c.type == "timestamptz":
        return "timestamptz '2024-01-01' + g * interval '1 second'"
    if c.type == "boolean":
        return f"{h} % 20 = 0"
    if c.type == "text":
        return f"'v' || ({h} % {c.distinct})"
    return f"{h} % {c.distinct}"


def app_load(tables: list[Table]) -> str:
    out = [app_schema(tables)]
    for t in tables:
        exprs = ", ".join(_expr(c, n) for n, c in enumerate(t.columns))
        out.append(f"INSERT INTO {t.name} SELECT {exprs} FROM generate_series(1, {t.rows}) g;\n")
    out.append("VACUUM ANALYZE;\n")
    return "".join(out)


def app_workload(tables: list[Table], seed: int = SEED) -> list[tuple[str, int, float, int]]:
    """5,000 distinct shapes, in a fixed order, each with calls, total time and rows."""
    rng = random.Random(seed + 1)
    by_name = {t.name: t for t in tables}
    shapes: dict[str, None] = {}

    def pick(t: Table, n: int) -> list[Column]:
        return rng.sample(t.filterable(), min(n, len(t.filterable())))

    def cond(cols: list[Column], start: int = 1, alias: str = "") -> str:
        return " AND ".join(f"{alias}{c.name} = ${start + k}" for k, c in enumerate(cols))

    hot = tables[:20]
    while len(shapes) < APP_SHAPES:
        t = rng.choice(hot) if rng.random() < 0.3 else rng.choice(tables)
        kind = rng.random()
        if kind < 0.30:
            sql = f"SELECT * FROM {t.name} WHERE {cond(pick(t, 1 + rng.randrange(3)))}"
        elif kind < 0.45:
            cols = pick(t, 1 + rng.randrange(2))
            sql = (f"SELECT id, {cols[0].name} FROM {t.name} WHERE {cond(cols)} "
                   f"ORDER BY created_at DESC LIMIT ${len(cols) + 1}")
        elif kind < 0.55:
            cols = pick(t, 1 + rng.randrange(2))
            sql = f"SELECT count(*) FROM {t.name} WHERE {cond(cols)} AND created_at >= ${len(cols) + 1}"
        elif kind < 0.62:
            c = pick(t, 1)[0]
            sql = f"SELECT * FROM {t.name} WHERE {c.name} IN ($1, $2, $3)"
        elif kind < 0.72 and t.parent:
            p = by_name[t.parent]
            pc, cc = pick(p, 1)[0], pick(t, 1)[0]
            sql = (f"SELECT a.* FROM {t.name} a JOIN {p.name} b ON b.id = a.parent_id "
                   f"WHERE b.{pc.name} = $1 AND a.{cc.name} = $2")
        elif kind < 0.80:
            g, w = pick(t, 2) if len(t.filterable()) > 1 else (pick(t, 1) * 2)
            sql = f"SELECT {g.name}, count(*) FROM {t.name} WHERE {w.name} = $1 GROUP BY {g.name}"
        elif kind < 0.88:
            c = pick(t, 1)[0]
            sql = f"UPDATE {t.name} SET {c.name} = $1 WHERE id = $2"
        elif kind < 0.93:
            cols = [c.name for c in t.columns]
            sql = f"INSERT INTO {t.name} ({', '.join(cols)}) VALUES ({', '.join(f'${k + 1}' for k in range(len(cols)))})"
        else:
            cols = pick(t, 1 + rng.randrange(2))
            sql = f"DELETE FROM {t.name} WHERE {cond(cols)}"
        shapes.setdefault(sql, None)
    ordered = list(shapes)
    rng.shuffle(ordered)
    ranks = list(range(1, len(ordered) + 1))
    rng.shuffle(ranks)
    out = []
    for sql, rank in zip(ordered, ranks):
        calls = max(1, int(2_000_000 / rank ** 1.1))
        out.append((sql, calls, round(calls * (0.05 + rng.random()), 3), calls))
    return out


# --------------------------------------------------------------------------- main


def generate(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "allpairs.load.sql").write_text(allpairs_load())
    (out / "allpairs.sql").write_text(allpairs_workload())
    (out / "huge.sql").write_text(huge_workload())
    pgss_csv([("SELECT * FROM t WHERE c00 = $10000", 10, 1.0, 10)], out / "highparam.csv")
    tables = app_catalog()
    (out / "app.load.sql").write_text(app_load(tables))
    rows = app_workload(tables)
    for n in (500, 1000, 2500, 5000):
        pgss_csv(rows[:n], out / f"app-{n}.csv")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir", type=Path)
    args = p.parse_args(argv)
    generate(args.outdir)
    print(f"written to {args.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
