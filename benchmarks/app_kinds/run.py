#!/usr/bin/env python3
"""Index kinds on an app-shaped workload: all kinds against plain B-trees only, side by side.

    python benchmarks/app_kinds/run.py                 # throwaway local cluster under --workdir
    python benchmarks/app_kinds/run.py --dsn "host=... user=postgres dbname=postgres"
    python benchmarks/app_kinds/run.py --no-real       # the advisor's estimates only

What it does (see benchmarks/app_kinds/README.md):

1. starts a local cluster under --workdir (or uses --dsn), creates database app_kinds and
   loads schema.sql and data.sql (deterministic, 4.25 million rows at --scale 1), then
   VACUUM ANALYZE, CREATE EXTENSION hypopg and pg_trgm (skipped when already loaded);
2. writes the workload (workload.sql in --workdir: about 5,000 statements over 17 shapes,
   literals varying per call where an app's would, constants fixed where they are);
3. runs ``indexadvisor.api.analyze`` on it twice, with every kind and with ``--kinds btree``,
   and reports the estimated workload cost before/after (the planner's, through HypoPG),
   the total size of the proposed indexes and their kinds;
4. unless --no-real, builds each proposed set for real, and measures the workload with it:
   the real planner's cost (EXPLAIN of each shape's first statement, times its calls), the
   execution time (EXPLAIN ANALYZE, best of --runs, times calls; writes in a rolled-back
   transaction) and the indexes' real size; then drops them again.

Standard library, psycopg and the indexadvisor package only.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))  # benchmark the working tree's package

from indexadvisor.api import analyze  # noqa: E402
from indexadvisor.candidates.kinds import parse_kinds  # noqa: E402
from indexadvisor.model import Report  # noqa: E402
from indexadvisor.pg.sizes import format_size  # noqa: E402
from indexadvisor.pg.sql import qualified  # noqa: E402
from indexadvisor.select.options import SelectionOptions  # noqa: E402
from indexadvisor.sources.fingerprint import fingerprint  # noqa: E402

TABLES = ("accounts", "users", "tasks", "events", "products")


# --------------------------------------------------------------------------- the workload


def workload(scale: float) -> list[str]:
    """The statements, in a fixed order; literals are functions of the call number."""
    accounts, users, tasks = int(50000 * scale), int(500000 * scale), int(1500000 * scale)
    words = ["red lamp", "blue desk", "green chair", "black sofa", "white shelf"]
    out: list[str] = []

    def add(calls: int, make) -> None:
        out.extend(make(i) for i in range(calls))

    # the task board of an account: open tasks (7% of all) by due date, and their count
    add(400, lambda i: f"SELECT id, title, status, due_on FROM tasks WHERE account_id = {1 + i * 7 % accounts} "
                       "AND status IN ('Scheduled', 'InProgress') ORDER BY due_on LIMIT 50")
    add(200, lambda i: f"SELECT count(*) FROM tasks WHERE account_id = {1 + i * 11 % accounts} "
                       "AND status IN ('Scheduled', 'InProgress')")
    # a user's started tasks ("startedAt" is null for 93% of the rows)
    add(150, lambda i: f'SELECT id, "startedAt" FROM tasks WHERE assignee_id = {1 + i * 13 % users} AND "startedAt" IS NOT NULL')
    # the hottest statement: a user's task list, two narrow columns
    add(1500, lambda i: f"SELECT priority, due_on FROM tasks WHERE assignee_id = {1 + i * 17 % users}")
    # login by e-mail, case-insensitive
    add(800, lambda i: f"SELECT id, email FROM users WHERE lower(email) = "
                       f"'{['ann', 'bob', 'cid', 'dee', 'eve'][(1 + i * 19 % users) % 5]}.{1 + i * 19 % users}@example.com'")
    # enterprise accounts, newest first: a JSON path
    add(100, lambda i: "SELECT id, name FROM accounts WHERE (settings->'billing'->>'plan') = 'enterprise' "
                       "ORDER BY created_at DESC LIMIT 20")
    # product search: substring, SKU prefix, attributes
    add(150, lambda i: f"SELECT id, name FROM products WHERE name ILIKE '%{words[i % 5]} model 1{i % 97}%'")
    add(60, lambda i: f"SELECT * FROM products WHERE sku LIKE 'SKU-00{10 + i % 80}%'")
    add(250, lambda i: f"SELECT id, price FROM products WHERE attrs @> '{{\"batch\": {i * 7 % 2000}}}'")
    # urgent tasks (0.2%): an array overlap
    add(150, lambda i: "SELECT id, title FROM tasks WHERE tags && ARRAY['urgent']")
    # a day of events by kind: a range over an append-only table
    add(40, lambda i: f"SELECT kind, count(*) FROM events WHERE at >= '2024-01-{1 + i % 28:02d}' "
                      f"AND at < '2024-01-{2 + i % 28:02d}' GROUP BY kind")
    # an account's activity feed
    add(300, lambda i: f"SELECT * FROM events WHERE account_id = {1 + i * 23 % accounts} ORDER BY at DESC LIMIT 20")
    # an account's members ("isDeleted" is false for 98%: a plain filter)
    add(300, lambda i: f'SELECT id, name FROM users WHERE account_id = {1 + i * 29 % accounts} AND "isDeleted" = false '
                       "ORDER BY name LIMIT 50")
    # a nightly clean-up of deleted users (2%)
    add(10, lambda i: f"SELECT id, email FROM users WHERE \"isDeleted\" = true AND last_seen_at < '2024-0{3 + i % 6}-01'")
    # stale in-progress tasks (3%)
    add(20, lambda i: "SELECT id, title FROM tasks WHERE status = 'InProgress' AND updated_at < '2023-06-01' "
                      "ORDER BY updated_at LIMIT 100")
    # a report no index can serve as written (date_trunc of a timestamptz is not IMMUTABLE)
    add(20, lambda i: f"SELECT count(*) FROM tasks WHERE date_trunc('day', created_at) = '2023-02-{1 + i % 28:02d}'")
    # writes
    add(500, lambda i: f"INSERT INTO events (id, account_id, kind, at, payload) VALUES "
                       f"({10_000_000 + i}, {1 + i % accounts}, 'view', '2024-06-01 00:00:00', '{{}}')")
    add(300, lambda i: f"UPDATE tasks SET status = 'Done', updated_at = now() WHERE id = {1 + i * 31 % tasks}")
    return out


# --------------------------------------------------------------------------- server and data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_cluster(workdir: Path) -> tuple[str, callable]:
    """initdb + pg_ctl under workdir (as postgres when run as root); returns (dsn, stop)."""
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin") + glob.glob("/usr/pgsql-*/bin"))
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindirs.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
    bindir = next((b for b in reversed(bindirs) if os.path.exists(os.path.join(b, "initdb"))), None)
    if bindir is None:
        sys.exit("no initdb found: install PostgreSQL or pass --dsn")
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = workdir / "pgdata"
    workdir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    if not data.exists():
        subprocess.run(prefix + [f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                 "--locale=C", "--no-sync"], check=True, capture_output=True)
    port = _free_port()
    conf = {"port": port, "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{workdir}'",
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "shared_buffers": "'512MB'",
            "max_wal_size": "'4GB'", "maintenance_work_mem": "'256MB'"}
    (data / "postgresql.auto.conf").write_text("".join(f"{k} = {v}\n" for k, v in conf.items()))
    if os.geteuid() == 0:
        shutil.chown(data / "postgresql.auto.conf", "postgres", "postgres")
    subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", str(data), "-l", str(workdir / "server.log"), "-w", "start"],
                   check=True, capture_output=True)

    def stop() -> None:
        subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True)

    return f"host=127.0.0.1 port={port} user=postgres dbname=postgres", stop


def load(dsn: str, dbname: str, scale: float, reload: bool) -> str:
    with psycopg.connect(dsn, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if exists and reload:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    target = make_conninfo(dsn, dbname=dbname)
    with psycopg.connect(target, autocommit=True) as conn:
        loaded = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'products'").fetchone()[0]
        if not loaded:
            started = time.perf_counter()
            # one message: one implicit transaction, so a failed load leaves nothing half done
            conn.execute((HERE / "schema.sql").read_text() + (HERE / "data.sql").read_text().replace("{scale}", repr(float(scale))))
            for table in TABLES:
                conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
            vacuum_until_visible(conn)
            rows = sum(conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0] for t in TABLES)
            print(f"loaded {rows:,} rows in {time.perf_counter() - started:.1f} s")
        vacuum_until_visible(conn)
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    return target


def vacuum_until_visible(conn: psycopg.Connection) -> None:
    """VACUUM again the tables whose pages are not yet marked all-visible (a VACUUM right after a
    bulk load does not always set them), as autovacuum would on a live system."""
    for _ in range(3):
        behind = [r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relallvisible < 0.9 * relpages", (list(TABLES),))]
        if not behind:
            return
        for table in behind:
            conn.execute(sql.SQL("VACUUM {}").format(sql.Identifier(table)))


# --------------------------------------------------------------------------- measuring


def advise(dsn: str, path: Path, kinds: str) -> tuple[Report, float]:
    started = time.perf_counter()
    report = analyze([path], dsn=dsn, options=SelectionOptions(kinds=parse_kinds([kinds])))
    return report, time.perf_counter() - started


def shapes(statements: list[str]) -> list[tuple[str, int]]:
    """Each statement shape's first text and its number of calls, in first-seen order."""
    first: dict[str, str] = {}
    calls: Counter[str] = Counter()
    for s in statements:
        fp = fingerprint(s)
        first.setdefault(fp, s)
        calls[fp] += 1
    return [(first[fp], calls[fp]) for fp in first]


def measure(dsn: str, work: list[tuple[str, int]], runs: int) -> dict[str, float]:
    """The real planner's weighted cost and the measured time of the workload, as the database is now."""
    cost = ms = 0.0
    with psycopg.connect(dsn, autocommit=True) as conn:
        for text, calls in work:  # the planner's cost with the server's settings, as the advisor saw them
            plan = conn.execute(f"EXPLAIN (FORMAT JSON) {text}").fetchone()[0]
            cost += calls * float(plan[0]["Plan"]["Total Cost"])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET max_parallel_workers_per_gather = 0")  # steadier timings on a small machine
        for text, calls in work:
            best = None
            for _ in range(runs + 1):  # one warm-up
                write = not text.lstrip().upper().startswith("SELECT")
                if write:
                    conn.execute("BEGIN")
                doc = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {text}").fetchone()[0]
                if write:
                    conn.execute("ROLLBACK")
                took = float(doc[0]["Execution Time"])
                best = took if best is None or took < best else best
            ms += calls * (best or 0.0)
    return {"cost": cost, "ms": ms}


def build(dsn: str, report: Report) -> tuple[float, list[dict[str, Any]]]:
    """Create the proposed indexes (their DDL as is: CONCURRENTLY, autocommit); their real sizes."""
    started = time.perf_counter()
    sizes = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for r in report.recommendations:
            conn.execute(r.ddl)
            real = conn.execute("SELECT pg_relation_size(%s::regclass)", (qualified(r.schema, r.name),)).fetchone()[0]
            sizes.append({"name": r.name, "kind": r.kind, "estimated": r.estimate.size_bytes if r.estimate else None,
                          "real": real})
        for table in {r.table for r in report.recommendations}:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    return time.perf_counter() - started, sizes


def drop(dsn: str, report: Report) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for r in report.recommendations:
            conn.execute(sql.SQL("DROP INDEX IF EXISTS {}.{}").format(sql.Identifier(r.schema), sql.Identifier(r.name)))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dsn", help="an existing server (the benchmark creates --dbname on it); default: a local cluster")
    p.add_argument("--dbname", default="app_kinds")
    p.add_argument("--workdir", type=Path, default=Path(os.environ.get("APP_KINDS_WORKDIR", "/tmp/indexadvisor-app-kinds")))
    p.add_argument("--scale", type=float, default=1.0, help="row count multiplier (1: 4.25 million rows)")
    p.add_argument("--reload", action="store_true", help="drop and reload the database")
    p.add_argument("--no-real", action="store_true", help="do not build the sets for real")
    p.add_argument("--runs", type=int, default=2, help="timed EXPLAIN ANALYZE runs per shape, best taken")
    p.add_argument("--keep", action="store_true", help="leave the local cluster running")
    p.add_argument("--results", type=Path, help="write the numbers to this JSON file")
    args = p.parse_args(argv)

    stop = None
    dsn = args.dsn
    if dsn is None:
        dsn, stop = local_cluster(args.workdir)
    try:
        db = load(dsn, args.dbname, args.scale, args.reload)
        statements = workload(args.scale)
        path = args.workdir / "workload.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(";\n".join(statements) + ";\n")
        work = shapes(statements)
        print(f"workload: {len(statements):,} statements, {len(work)} shapes ({path})")

        results: dict[str, Any] = {"scale": args.scale, "statements": len(statements), "shapes": len(work), "runs": {}}
        baseline = None if args.no_real else measure(db, work, args.runs)
        for label, kinds in (("all kinds", "all"), ("--kinds btree", "btree")):
            report, took = advise(db, path, kinds)
            row: dict[str, Any] = {
                "indexes": len(report.recommendations),
                "kinds": dict(Counter(r.kind for r in report.recommendations)),
                "estimated_before": report.workload_cost_before,
                "estimated_after": report.workload_cost_after,
                "estimated_size": sum((r.estimate.size_bytes or 0) for r in report.recommendations if r.estimate),
                "analyze_s": took,
                "explains": report.explain_count,
                "ddl": [r.ddl for r in report.recommendations],
            }
            if baseline is not None:
                try:
                    built_s, sizes = build(db, report)
                    after = measure(db, work, args.runs)
                finally:
                    drop(db, report)
                row.update(real_before_cost=baseline["cost"], real_after_cost=after["cost"],
                           real_size=sum(s["real"] for s in sizes), sizes=sizes,
                           time_before_ms=baseline["ms"], time_after_ms=after["ms"], build_s=built_s)
            results["runs"][label] = row
        print_table(results)
        if args.results:
            args.results.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if stop is not None and not args.keep:
            stop()
    return 0


def print_table(results: dict[str, Any]) -> None:
    runs = results["runs"]
    labels = list(runs)
    lines: list[tuple[str, ...]] = [("", *labels)]

    def pct(before: float, after: float) -> str:
        return f"{after:,.0f} ({(after / before - 1) * 100:+.1f}%)" if before else "-"

    first = runs[labels[0]]
    lines.append(("estimated cost before (planner)", *(f"{runs[k]['estimated_before']:,.0f}" for k in labels)))
    lines.append(("estimated cost after (planner)", *(pct(runs[k]["estimated_before"], runs[k]["estimated_after"]) for k in labels)))
    lines.append(("proposed indexes", *(str(runs[k]["indexes"]) for k in labels)))
    lines.append(("kinds", *(", ".join(f"{n} {kind}" for kind, n in sorted(runs[k]["kinds"].items())) for k in labels)))
    lines.append(("estimated size of the set", *(format_size(runs[k]["estimated_size"]) for k in labels)))
    if "real_after_cost" in first:
        lines.append(("real planner cost before", *(f"{runs[k]['real_before_cost']:,.0f}" for k in labels)))
        lines.append(("real planner cost after", *(pct(runs[k]["real_before_cost"], runs[k]["real_after_cost"]) for k in labels)))
        lines.append(("real size of the set", *(format_size(runs[k]["real_size"]) for k in labels)))
        lines.append(("workload time before (ms)", *(f"{runs[k]['time_before_ms']:,.0f}" for k in labels)))
        lines.append(("workload time after (ms)", *(pct(runs[k]["time_before_ms"], runs[k]["time_after_ms"]) for k in labels)))
        lines.append(("build time (s)", *(f"{runs[k]['build_s']:.1f}" for k in labels)))
    lines.append(("analyze time (s), EXPLAINs", *(f"{runs[k]['analyze_s']:.1f}, {runs[k]['explains']}" for k in labels)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for n, line in enumerate(lines):
        print(" | ".join(cell.ljust(w) for cell, w in zip(line, widths)))
        if n == 0:
            print("-+-".join("-" * w for w in widths))
    for label in labels:
        print(f"\n{label}:")
        sizes = {s["name"]: s for s in runs[label].get("sizes", [])}
        for ddl in runs[label]["ddl"]:
            name = re.search(r"EXISTS (\S+) ON", ddl).group(1).strip('"')
            size = sizes.get(name)
            print(f"  {ddl}" + (f"  -- {format_size(size['estimated'])} estimated, {format_size(size['real'])} real" if size else ""))


if __name__ == "__main__":
    sys.exit(main())
