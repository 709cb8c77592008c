#!/usr/bin/env python3
"""Benchmark ``indexadvisor health`` on a large generated catalog (no server needed).

Generates a catalog of N tables with about five indexes and two foreign keys
each (by default 2,000 tables, 10,000 indexes), in which every finding kind
occurs: duplicates, left prefixes, partial and expression indexes, unique
prefixes, INVALID indexes, unscanned indexes and unindexed foreign keys. It is
written as a snapshot (with usage counters) or as DDL (``--ddl``), then:

1. ``health.check`` is timed in-process on the loaded catalog (best of
   ``--repeat``), also on a quarter of the tables, to show the checks grow
   linearly with the catalog, not quadratically;
2. the whole command is timed as a child process, from interpreter start-up to
   the JSON report on disk::

       python -m indexadvisor health --snapshot SNAP --format json --output REPORT

    python benchmarks/bench_health.py                    # 2,000 tables, 10,000 indexes
    python benchmarks/bench_health.py --tables 10000     # 50,000 indexes
    python benchmarks/bench_health.py --ddl              # the offline path from DDL files
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from indexadvisor import health  # noqa: E402
from indexadvisor.catalog.snapshot import read_snapshot, write_snapshot  # noqa: E402
from indexadvisor.model import Catalog, Column, ForeignKey, Index, IndexKey, Table  # noqa: E402
from indexadvisor.pg.sql import create_index_sql, qualified, quote_ident  # noqa: E402

COLUMNS = [("id", "bigint"), ("a", "int"), ("b", "int"), ("c", "text"), ("d", "text"), ("e", "int"),
           ("parent_id", "bigint"), ("owner_id", "bigint"), ("note", "text"), ("created_at", "timestamptz")]


def generate(n_tables: int, seed: int = 1) -> Catalog:
    """A catalog of n_tables tables, five indexes and two foreign keys each."""
    rng = random.Random(seed)
    catalog = Catalog(source="snapshot", server_version=150000, captured_at="2024-06-30T12:00:00+00:00",
                      stats_reset="2024-05-01T00:00:00+00:00")
    for n in range(n_tables):
        name = f"t{n:05d}"
        rows = float(rng.choice([0, 500, 20_000, 2_000_000]))
        table = Table("app", name, {c: Column(c, t, c == "id") for c, t in COLUMNS},
                      row_estimate=rows, pages=int(rows // 50), size_bytes=int(rows * 120) + 8192)

        def index(suffix: str, keys: list[IndexKey], name: str = name, rows: float = rows, **kw) -> Index:
            scans = 0 if rng.random() < 0.3 else rng.randint(1, 10**6)
            return Index(f"{name}_{suffix}", "app", name, keys, idx_scan=scans,
                         size_bytes=int(rows * 30) + 8192, **kw)

        table.indexes = [
            index("pkey", [IndexKey("id")], unique=True, primary=True, constraint=f"{name}_pkey", constraint_type="p"),
            index("a_b_idx", [IndexKey("a"), IndexKey("b")]),
            index("created_at_idx", [IndexKey("created_at", desc=True)]),
        ]
        kind = n % 5
        if kind == 0:  # a left prefix, and an unindexed foreign key's near miss
            table.indexes += [index("a_idx", [IndexKey("a")]), index("c_parent_idx", [IndexKey("c"), IndexKey("parent_id")])]
        elif kind == 1:  # a duplicate, and an expression index
            table.indexes += [index("a_b_dup_idx", [IndexKey("a"), IndexKey("b")]),
                              index("lower_note_idx", [IndexKey(None, "lower(note)")])]
        elif kind == 2:  # a partial prefix and a unique prefix
            table.indexes += [index("a_live_idx", [IndexKey("a")], where="c IS NOT NULL"),
                              index("d_key", [IndexKey("d")], unique=True)]
        elif kind == 3:  # foreign keys served (leading columns, any order)
            table.indexes += [index("parent_id_idx", [IndexKey("parent_id")]),
                              index("owner_id_e_idx", [IndexKey("owner_id"), IndexKey("e")])]
        else:  # an INVALID index, and one with another opclass
            table.indexes += [index("e_idx", [IndexKey("e")], valid=False),
                              index("c_pattern_idx", [IndexKey("c", opclass="text_pattern_ops")])]
        table.foreign_keys = [
            ForeignKey(f"{name}_parent_id_fkey", ["parent_id"], "app", f"t{max(n - 1, 0):05d}", ["id"]),
            ForeignKey(f"{name}_owner_id_fkey", ["owner_id"], "app", f"t{(n * 7) % n_tables:05d}", ["id"]),
        ]
        catalog.add(table)
    return catalog


def to_ddl(catalog: Catalog) -> str:
    """The catalog as CREATE TABLE / CREATE INDEX / ALTER TABLE statements (no counters, all valid)."""
    out = ["CREATE SCHEMA app;"]
    for table in catalog.tables.values():
        cols = ", ".join(f"{quote_ident(c.name)} {c.type}" + (" PRIMARY KEY" if c.name == "id" else "")
                         for c in table.columns.values())
        out.append(f"CREATE TABLE {qualified(table.schema, table.name)} ({cols});")
    for table in catalog.tables.values():
        for i in table.indexes:
            if not i.primary:
                out.append(create_index_sql(i.name, i.schema, i.table, i.keys, i.include, i.where, i.method,
                                            unique=i.unique, concurrently=False, if_not_exists=False))
        for fk in table.foreign_keys:
            out.append(f"ALTER TABLE {qualified(table.schema, table.name)} ADD CONSTRAINT {quote_ident(fk.name)} "
                       f"FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {qualified(fk.ref_schema, fk.ref_table)} (id);")
    return "\n".join(out) + "\n"


def best_of(repeat: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tables", type=int, default=2000, help="tables to generate (default 2000; five indexes each)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="in-process runs of health.check (default 3)")
    ap.add_argument("--ddl", action="store_true", help="write DDL instead of a snapshot and time `health --schema`")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="indexadvisor-bench-health-"))
    try:
        t0 = time.perf_counter()
        catalog = generate(args.tables, args.seed)
        n_indexes = sum(len(t.indexes) for t in catalog.tables.values())
        n_fks = sum(len(t.foreign_keys) for t in catalog.tables.values())
        if args.ddl:
            source = tmp / "schema.sql"
            source.write_text(to_ddl(catalog))
            cli_source = ["--schema", str(source)]
        else:
            source = tmp / "snapshot.json"
            write_snapshot(catalog, source)
            catalog = read_snapshot(source)
            cli_source = ["--snapshot", str(source)]
        print(f"catalog:     {len(catalog.tables):,} tables, {n_indexes:,} indexes, {n_fks:,} foreign keys; "
              f"{source.name} {source.stat().st_size / 1e6:.1f} MB, generated in {time.perf_counter() - t0:.2f} s")

        if not args.ddl:
            seconds, result = best_of(args.repeat, lambda: health.check(catalog))
            counts = Counter(f.kind for f in result.findings)
            print(f"check:       {seconds * 1000:,.0f} ms in-process (best of {args.repeat}), "
                  f"{n_indexes / seconds:,.0f} indexes/s; {len(result.findings):,} findings: "
                  + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
            quarter = generate(max(args.tables // 4, 1), args.seed)
            q_seconds, _ = best_of(args.repeat, lambda: health.check(quarter))
            print(f"scaling:     a quarter of the tables takes {q_seconds * 1000:,.0f} ms: "
                  f"x{seconds / max(q_seconds, 1e-9):.1f} for x4 the catalog (linear is x4, quadratic x16)")

        report = tmp / "report.json"
        cmd = [sys.executable, "-m", "indexadvisor", "health", *cli_source, "--format", "json", "--output", str(report)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not report.exists():
            print(f"health exited with {proc.returncode}: {proc.stderr.strip()[-2000:]}", file=sys.stderr)
            return proc.returncode or 1
        document = json.loads(report.read_text())
        print(f"command:     {' '.join(cmd)}")
        print(f"wall time:   {wall:.2f} s (start-up, reading the {'DDL' if args.ddl else 'snapshot'}, checks, JSON); "
              f"{document['summary']['findings']:,} findings, by kind {document['summary']['by_kind']}; "
              f"not checked: {[s['check'] for s in document['checks']['skipped']]}")
        return 0
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
