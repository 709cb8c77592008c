#!/usr/bin/env python3
"""A multi-tenant SaaS app, scored: the advisor's indexes against an expert's, built for real.

    python benchmarks/saas/run.py                    # scale 1 (~6.9 million rows), local cluster under --workdir
    python benchmarks/saas/run.py --scale 0.05       # a quick small run
    python benchmarks/saas/run.py --dsn "host=... user=postgres dbname=postgres"   # an existing server
    python benchmarks/saas/run.py --results out.json --keep

What it does (see benchmarks/saas/README.md):

1. starts a local PostgreSQL cluster under --workdir (kept between runs) or uses --dsn, creates
   the database and loads schema.sql with data.py's rows through COPY (deterministic for
   --scale and --seed; reused when already loaded), then VACUUM ANALYZE and CREATE EXTENSION hypopg;
2. writes the workload (workload.py: 40 Prisma/Drizzle shapes, ~50,000 calls) to --workdir;
3. runs ``indexadvisor.api.analyze`` on it live (the DSN, planner costing through HypoPG) and
   offline (a ``snapshot`` of the same database, statistics costing);
4. builds each set for real, one at a time (the expert's from EXPERT.md, the advisor's live and
   offline sets), and measures the workload with it: the planner's cost (EXPLAIN total cost of
   up to --samples statements per shape, averaged, times the shape's calls; `$n` statements
   as generic plans: PREPARE + EXPLAIN EXECUTE under plan_cache_mode = force_generic_plan) and
   the execution time (EXPLAIN ANALYZE, best of --runs per sample; writes rolled back);
5. scores each advisor set against EXPERT.md: per expert index a full match, a key-column
   match or a miss; the advisor's extra indexes; cost and time ratios against the primary
   keys and ORM indexes only, and against the expert set.

Standard library, psycopg and the indexadvisor package only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))  # benchmark the working tree's package
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # benchmarks/cluster.py

import data  # noqa: E402
import pgss  # noqa: E402  (benchmarks/pgss.py)
import workload as wl  # noqa: E402
from cluster import SERVER_SETTINGS as BENCH_SETTINGS  # noqa: E402
from cluster import LocalCluster  # noqa: E402
from dexterlike import dexter_like  # noqa: E402
from indexsets import IndexShape, build, describe, drop, expert_ddl, score  # noqa: E402

from indexadvisor.api import analyze  # noqa: E402
from indexadvisor.sources.fingerprint import fingerprint  # noqa: E402

FORMAT_VERSION = 1  # bump when data.py or schema.sql change what is loaded
# the shared benchmark settings (memory, durability, WAL; planner costs at their defaults), with less
# memory for building indexes, as this benchmark has always run
SERVER_SETTINGS = {**BENCH_SETTINGS, "maintenance_work_mem": "512MB"}
ORM_INDEXES = {"tenants_slug_key", "users_email_key", "memberships_tenantId_userId_key", "sessions_token_key",
               "invoices_stripeInvoiceId_key"} | {f"{t}_pkey" for t in data.TABLES}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- server


# --------------------------------------------------------------------------- database


def marker(scale: float, seed: int) -> str:
    return f"indexadvisor saas benchmark v{FORMAT_VERSION} scale={scale:g} seed={seed}"


def load(server_dsn: str, dbname: str, scale: float, seed: int, reload: bool) -> tuple[str, dict[str, Any]]:
    """Create and load the database unless it holds this scale and seed already; returns its DSN."""
    want = marker(scale, seed)
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        row = admin.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                            (dbname,)).fetchone()
        if row and (reload or row[0] != want):
            log(f"database: dropping {dbname} ({'--reload' if reload else 'not ' + repr(want)})")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))
            row = None
        if row:
            log(f"database: reusing {dbname} ({want})")
            db = make_conninfo(server_dsn, dbname=dbname)
            with psycopg.connect(db, autocommit=True) as conn:
                counts = {t: conn.execute(f'SELECT reltuples::bigint FROM pg_class WHERE oid = \'"{t}"\'::regclass')
                          .fetchone()[0] for t in data.TABLES}
                # a run's rolled-back writes (measure, --pgss) leave pages not all-visible, which changes
                # what a covering index is worth: vacuum them, as autovacuum would on a live system
                vacuum_until_visible(conn)
            return db, {"loaded": False, "rows": counts}
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'").format(sql.Identifier(dbname)))
    db = make_conninfo(server_dsn, dbname=dbname)
    before, after = (HERE / "schema.sql").read_text().split("-- @after-load")
    started = time.perf_counter()
    log(f"database: loading {dbname} at scale {scale:g}, seed {seed}")
    with psycopg.connect(db) as conn:  # CREATE + COPY in one transaction: with wal_level=minimal, no WAL
        conn.execute(before)
        counts = data.copy_all(conn, scale, seed, log)
    copied = time.perf_counter()
    with psycopg.connect(db, autocommit=True) as conn:
        for stmt in (s.strip() for s in after.split(";")):
            if stmt and not all(line.startswith("--") for line in stmt.splitlines()):
                conn.execute(stmt)
        for t in data.TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), (SELECT max(\"id\") FROM \"{t}\"))")
        constrained = time.perf_counter()
        for t in data.TABLES:
            conn.execute(f'VACUUM (ANALYZE) "{t}"')
        vacuum_until_visible(conn)
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(dbname), sql.Literal(want)))
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    done = time.perf_counter()
    log(f"database: {sum(counts.values()):,} rows, {size / 2**30:.2f} GB; COPY {copied - started:.0f} s, "
        f"keys {constrained - copied:.0f} s, VACUUM ANALYZE {done - constrained:.0f} s")
    return db, {"loaded": True, "rows": counts, "copy_s": copied - started, "constraints_s": constrained - copied,
                "vacuum_analyze_s": done - constrained, "total_s": done - started, "bytes": size}


def vacuum_until_visible(conn: psycopg.Connection) -> None:
    """VACUUM every table, then again those whose pages are not yet all-visible, as autovacuum would
    on a live system. Every table first: a rolled-back write clears its pages' all-visible bits while
    pg_class still counts them, until an ANALYZE (autovacuum's, at any moment) reads the map."""
    behind = list(data.TABLES)
    for _ in range(3):
        for t in behind:
            conn.execute(f'VACUUM "{t}"')
        behind = [r[0] for r in conn.execute("SELECT relname FROM pg_class WHERE relname = ANY(%s) "
                                             "AND relallvisible < 0.9 * relpages", (list(data.TABLES),))]
        if not behind:
            return


def drop_strays(db: str) -> list[str]:
    """Indexes other than the primary keys and the ORM's (left by an interrupted run): dropped."""
    with psycopg.connect(db, autocommit=True) as conn:
        strays = [r[0] for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s) ORDER BY 1",
            (list(data.TABLES),)) if r[0] not in ORM_INDEXES]
        for name in strays:
            conn.execute(sql.SQL("DROP INDEX IF EXISTS public.{}").format(sql.Identifier(name)))
    if strays:
        log(f"dropped {len(strays)} index(es) left by an earlier run: {', '.join(strays)}")
    return strays


# --------------------------------------------------------------------------- measuring


def _plan_indexes(node: dict[str, Any], out: set[str]) -> set[str]:
    if "Index Name" in node:
        out.add(node["Index Name"])
    for child in node.get("Plans", []):
        _plan_indexes(child, out)
    return out


def measure(db: str, samples: dict[str, list[wl.Execution]], runs: int, timeout_s: int) -> dict[str, Any]:
    """Per shape: the planner's cost (mean over its samples), the indexes its plans use, and the
    execution time (best of `runs` per sample, mean over samples); weighted by calls in `totals`."""
    shapes: dict[str, Any] = {}
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f"SET statement_timeout = '{timeout_s}s'")
        conn.execute("SET plan_cache_mode = force_generic_plan")  # for the PREPAREd ($n) statements only
        for shape in wl.SHAPES:
            costs, times, used = [], [], set()
            timed_out = False
            for n, e in enumerate(samples[shape.id]):
                if shape.placeholders:
                    conn.execute(f"PREPARE saas_q{n} AS {e.text}")
                    target = f"EXECUTE saas_q{n}({', '.join(wl.literal(v) for v in e.params)})"
                else:
                    target = e.text
                try:
                    plan = conn.execute(f"EXPLAIN (FORMAT JSON) {target}").fetchone()[0][0]["Plan"]
                    costs.append(float(plan["Total Cost"]))
                    _plan_indexes(plan, used)
                    best = None
                    for _ in range(runs):
                        conn.execute("BEGIN")
                        try:
                            doc = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {target}").fetchone()[0][0]
                            took = float(doc["Execution Time"]) + float(doc.get("Planning Time", 0.0))
                        except psycopg.errors.QueryCanceled:
                            took, timed_out = timeout_s * 1000.0, True
                        finally:
                            conn.execute("ROLLBACK")
                        best = took if best is None else min(best, took)
                        if timed_out:
                            break
                    times.append(best or 0.0)
                finally:
                    if shape.placeholders:
                        conn.execute(f"DEALLOCATE saas_q{n}")
            shapes[shape.id] = {"calls": shape.calls, "cost": sum(costs) / len(costs), "ms": sum(times) / len(times),
                                "indexes": sorted(used), "timed_out": timed_out}
    totals = {"cost": sum(s["cost"] * s["calls"] for s in shapes.values()),
              "ms": sum(s["ms"] * s["calls"] for s in shapes.values())}
    return {"shapes": shapes, "totals": totals}


def explain_misses(entry: dict[str, Any], expert: dict[str, Any]) -> None:
    """For each expert index not fully matched: the shapes it served (its plans, built), and for
    those shapes what the advisor proposed, what served them with its set built, and its notes."""
    shapes_of = {i["name"]: i["shapes"] for i in expert["indexes"]}
    briefs = {i["name"]: i["brief"] for i in entry["indexes"]}
    recs = {r["name"]: r for r in entry["advisor"]["recommendations"]}
    for name, m in entry["score"]["per_expert"].items():
        m["shapes"] = shapes_of.get(name, [])
        if m["match"] == "full":
            continue
        instead = {}
        for sid in m["shapes"]:
            st = entry["advisor"]["statements"].get(sid, {})
            instead[sid] = {
                "proposed": [{"index": briefs.get(n, n), "reason": recs[n]["reason"] if n in recs else ""}
                             for n in st.get("recommendations", [])],
                "served_by_existing": st.get("served_by_existing", []),
                "plan_uses": entry["measure"]["shapes"][sid]["indexes"],
                "notes": st.get("notes", []),
            }
        m["instead"] = instead
    # missed expert indexes whose shapes all run on some advisor index instead (a different key order, say)
    own = {i["name"] for i in entry["indexes"]}
    entry["score"]["counts"]["missed_served_otherwise"] = sum(
        1 for m in entry["score"]["per_expert"].values()
        if m["match"] == "missed" and m["shapes"]
        and all(own & set(entry["measure"]["shapes"][sid]["indexes"]) for sid in m["shapes"]))


def _ddl_order(name: str, ddls: list[str]) -> int:
    return next((n for n, d in enumerate(ddls) if re.search(rf'\b"?{re.escape(name)}"?\s+ON\b', d)), len(ddls))


# --------------------------------------------------------------------------- the advisor


def shape_of_report(report, by_text: dict[str, str], key=lambda text: " ".join(text.split())) -> dict[str, str]:
    """Fingerprint -> shape id, through each statement report's representative text (`key` of it)."""
    out = {}
    for st in report.statements:
        sid = by_text.get(key(st.sql))
        if sid:
            out[st.fingerprint] = sid
    return out


def pgss_shape(text: str) -> str:
    """A statement's shape as pg_stat_statements shows it: every constant a parameter, booleans too."""
    return fingerprint(re.sub(r"\b(?:true|false)\b", "$0", text, flags=re.IGNORECASE))


def replay(db: str, execs: list[wl.Execution], every: int) -> int:
    """Run one in `every` of each shape's calls (at least one), in the hour's order, each rolled back
    (the data stays as loaded), so that pg_stat_statements holds the workload as it would after a
    (shorter) hour of the app: its shapes with their relative calls, every constant a parameter."""
    by_shape: dict[str, list[int]] = {}
    for n, e in enumerate(execs):
        by_shape.setdefault(e.shape.id, []).append(n)
    chosen = sorted(n for ns in by_shape.values() for n in ns[:max(1, len(ns) // every)])
    with psycopg.connect(db) as conn:
        pgss.reset(conn)
        for n in chosen:
            e = execs[n]
            conn.execute(re.sub(r"\$\d+", "%s", e.text) if e.params else e.text, e.params or None)
            conn.rollback()
    with psycopg.connect(db, autocommit=True) as conn:
        vacuum_until_visible(conn)  # the rolled-back writes left dead rows on pages no longer all-visible
    return len(chosen)


def run_advisor(label: str, paths: list[Path], **kwargs) -> tuple[Any, float]:
    log(f"advisor ({label}): analyze ...")
    started = time.perf_counter()
    report = analyze(paths, **kwargs)
    took = time.perf_counter() - started
    log(f"advisor ({label}): {len(report.recommendations)} indexes in {took:.1f} s ({report.costing} costing, "
        f"{report.explain_count} EXPLAINs)")
    return report, took


def advisor_summary(report, fp_shape: dict[str, str]) -> dict[str, Any]:
    recs = []
    for r in report.recommendations:
        recs.append({"name": r.name, "table": r.table, "kind": getattr(r, "kind", ""), "ddl": r.ddl,
                     "reason": r.reason, "kind_reason": getattr(r, "kind_reason", ""),
                     "shapes": sorted({fp_shape.get(fp, "?") for fp in r.statements}, key=_shape_order),
                     "estimated_size": r.estimate.size_bytes if r.estimate else None})
    statements = {}
    for st in report.statements:
        sid = fp_shape.get(st.fingerprint)
        if sid:
            statements[sid] = {"calls": st.calls, "served_by_existing": list(st.served_by_existing),
                               "recommendations": list(st.recommendations), "notes": list(st.notes),
                               "cost_before": st.cost_before, "cost_after": st.cost_after}
    return {"recommendations": recs, "statements": statements, "costing": report.costing,
            "explains": report.explain_count, "estimated_before": report.workload_cost_before,
            "estimated_after": report.workload_cost_after, "notes": list(report.notes),
            "errors": [str(getattr(e, "message", e)) for e in report.errors], "seen": report.seen,
            "analysed": report.analysed, "skipped": report.skipped}


def _shape_order(sid: str) -> tuple[str, int]:
    m = re.match(r"([A-Z]+)(\d+)", sid)
    return (m.group(1), int(m.group(2))) if m else (sid, 0)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dsn", help="an existing server (the benchmark creates --dbname on it); default: a local cluster")
    p.add_argument("--dbname", help="default saas_s<scale>")
    p.add_argument("--workdir", type=Path, default=Path(os.environ.get("SAAS_WORKDIR", "/tmp/indexadvisor-saas")))
    p.add_argument("--scale", type=float, default=1.0, help="row count multiplier (1: about 6.9 million rows)")
    p.add_argument("--seed", type=int, default=7, help="the data's seed (the workload's is seed + 1)")
    p.add_argument("--reload", action="store_true", help="drop and reload the database")
    p.add_argument("--samples", type=int, default=3, help="statements per shape to EXPLAIN and time (distinct literals)")
    p.add_argument("--runs", type=int, default=3, help="timed EXPLAIN ANALYZE runs per statement, best taken")
    p.add_argument("--timeout", type=int, default=30, help="statement timeout of a timed statement, seconds")
    p.add_argument("--no-offline", action="store_true", help="skip the offline (snapshot) advisor run")
    p.add_argument("--pgss", type=int, metavar="N", default=0,
                   help="also replay one in N of each shape's calls and advise from pg_stat_statements (e.g. 20: ~30 s)")
    p.add_argument("--load-only", action="store_true", help="load, write the workload and check it EXPLAINs; no advisor")
    p.add_argument("--keep", action="store_true", help="leave the local cluster running")
    p.add_argument("--results", type=Path, help="write every number to this JSON file")
    args = p.parse_args(argv)
    dbname = args.dbname or f"saas_s{args.scale:g}".replace(".", "_")
    wall = time.perf_counter()

    cluster = None
    server = args.dsn
    if server is None:
        cluster = LocalCluster(args.workdir, data=args.workdir / "pg", settings=SERVER_SETTINGS, log=log)
        server = cluster.start()
    if args.pgss:  # only --pgss needs the library
        server = pgss.ensure_loaded(server, cluster)
    try:
        db, loaded = load(server, dbname, args.scale, args.seed, args.reload)
        strays = drop_strays(db)
        with psycopg.connect(db) as conn:
            pools = wl.Pools.load(conn)
            server_version = conn.execute("SHOW server_version").fetchone()[0]
            hypopg = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'hypopg'").fetchone()
        execs = wl.executions(pools, args.seed + 1)
        path = args.workdir / f"workload_{dbname}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        wl.write(path, execs)
        samples = wl.samples(execs, args.samples)
        by_text = {" ".join(e.text.split()): e.shape.id for e in execs}
        log(f"workload: {len(execs):,} statements, {len(wl.SHAPES)} shapes -> {path} ({path.stat().st_size / 2**20:.1f} MB)")

        results: dict[str, Any] = {
            "scale": args.scale, "seed": args.seed, "database": dbname, "server_version": server_version,
            "hypopg": hypopg[0] if hypopg else None, "load": loaded, "strays_dropped": strays,
            "commit": _git_commit(), "statements": len(execs), "shapes": len(wl.SHAPES),
            "calls": {s.id: s.calls for s in wl.SHAPES}, "names": {s.id: s.name for s in wl.SHAPES}, "sets": {}}
        log("measuring: primary keys and ORM indexes only ...")
        baseline = measure(db, samples, args.runs, args.timeout)
        results["baseline"] = baseline
        with psycopg.connect(db, autocommit=True) as conn:
            vacuum_until_visible(conn)  # the measured writes, rolled back, left pages not all-visible
        if args.load_only:
            for sid, m in baseline["shapes"].items():
                print(f"{sid:4} {m['calls']:6,} calls  cost {m['cost']:12,.1f}  {m['ms']:9.2f} ms  {', '.join(m['indexes'])}")
            print(f"total: cost {baseline['totals']['cost']:,.0f}, time {baseline['totals']['ms']:,.0f} ms")
            return 0

        # the advisor, live (HypoPG) and offline (a snapshot of the same database)
        reports: dict[str, Any] = {}
        report, took = run_advisor("live", [path], dsn=db, enable_hypopg=True)
        reports["advisor (live)"] = (report, took)
        if not args.no_offline:
            snap = args.workdir / f"snapshot_{dbname}.json"
            env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
            subprocess.run([sys.executable, "-m", "indexadvisor", "snapshot", "--dsn", db, "-o", str(snap)],
                           check=True, cwd=REPO, env=env, capture_output=True)
            report, took = run_advisor("offline", [path], snapshot=snap)
            reports["advisor (offline)"] = (report, took)

        shape_keys: dict[str, Any] = {}
        if args.pgss:  # the advisor pointed at pg_stat_statements, as most users would run it
            started = time.perf_counter()
            n = replay(db, execs, args.pgss)
            results["pgss"] = {"every": args.pgss, "replayed": n}
            log(f"pg_stat_statements: replayed {n:,} of {len(execs):,} calls (one in {args.pgss} per shape) "
                f"in {time.perf_counter() - started:.0f} s")
            reports["advisor (pgss)"] = run_advisor("pgss", [], dsn=db, pg_stat_statements=True, enable_hypopg=True)
            shape_keys["advisor (pgss)"] = ({pgss_shape(e.text): e.shape.id for e in execs}, pgss_shape)

        # each set built for real and measured
        sets: dict[str, list[str]] = {"expert": expert_ddl(HERE / "EXPERT.md")}
        for label, (report, _) in reports.items():
            sets[label] = [r.ddl for r in report.recommendations]
        sets["dexter-like"] = dexter_like(db, [next(e.text for e in execs if e.shape.id == shape.id) for shape in wl.SHAPES])
        described: dict[str, list[IndexShape]] = {}
        for label, ddls in sets.items():
            log(f"{label}: building {len(ddls)} indexes ...")
            built, failed, build_s = build(db, ddls)
            try:
                with psycopg.connect(db) as conn:
                    described[label] = sorted(describe(conn, built), key=lambda i: _ddl_order(i.name, ddls))
                log(f"{label}: built in {build_s:.1f} s, {sum(i.size for i in described[label]) / 2**20:.1f} MB; measuring ...")
                m = measure(db, samples, args.runs, args.timeout)
            finally:
                drop(db, built)
            entry: dict[str, Any] = {
                "indexes": [{"name": i.name, "brief": i.brief(), "definition": i.definition, "size": i.size,
                             "shapes": sorted((sid for sid, s in m["shapes"].items() if i.name in s["indexes"]),
                                              key=_shape_order)} for i in described[label]],
                "failed": failed, "build_s": build_s, "size": sum(i.size for i in described[label]), "measure": m,
                "cost_ratio": m["totals"]["cost"] / baseline["totals"]["cost"],
                "time_ratio": m["totals"]["ms"] / baseline["totals"]["ms"]}
            if label in reports:
                report, took = reports[label]
                fp_shape = shape_of_report(report, *shape_keys.get(label, (by_text,)))
                entry.update(advisor=advisor_summary(report, fp_shape), analyze_s=took,
                             score=score(described["expert"], described[label]))
                explain_misses(entry, results["sets"]["expert"])
            elif label != "expert":  # the Dexter-like baseline: scored the same, no report to explain
                entry.update(advisor={"recommendations": [], "statements": {}}, score=score(described["expert"], described[label]))
                explain_misses(entry, results["sets"]["expert"])
            results["sets"][label] = entry
        for label, entry in results["sets"].items():
            if label != "expert":
                ex = results["sets"]["expert"]["measure"]["totals"]
                entry["cost_vs_expert"] = entry["measure"]["totals"]["cost"] / ex["cost"]
                entry["time_vs_expert"] = entry["measure"]["totals"]["ms"] / ex["ms"]
        results["wall_s"] = time.perf_counter() - wall
        print_results(results)
        if args.results:
            args.results.parent.mkdir(parents=True, exist_ok=True)
            args.results.write_text(json.dumps(results, indent=1, default=str) + "\n")
            log(f"results written to {args.results}")
    finally:
        if cluster is not None:
            if args.keep:
                log(f"cluster: left running (--keep): {make_conninfo(server, dbname=dbname)}")
            else:
                cluster.stop()
    return 0


def _git_commit() -> str | None:
    res = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "indexadvisor"],
                           capture_output=True, text=True).stdout.strip()
    return (res.stdout.strip() + ("+dirty" if dirty else "")) if res.returncode == 0 else None


# --------------------------------------------------------------------------- output


def print_results(r: dict[str, Any]) -> None:
    sets = r["sets"]
    labels = list(sets)
    base = r["baseline"]["totals"]
    n_expert = len(sets["expert"]["indexes"])
    print(f"\nSaaS benchmark: scale {r['scale']:g}, {sum(r['load']['rows'].values()):,} rows, {r['statements']:,} statements "
          f"in {r['shapes']} shapes; PostgreSQL {r['server_version']}, HypoPG {r['hypopg']}; commit {r['commit']}\n")
    rows: list[tuple[str, ...]] = [("", "PK + ORM only", *labels)]

    def cell(label: str, fn) -> str:
        try:
            return fn(sets[label])
        except (KeyError, TypeError):
            return "-"

    rows.append(("indexes", "-", *(str(len(sets[k]["indexes"])) for k in labels)))
    rows.append((f"full / key-column / missed (of {n_expert})", "-", "-",
                 *(cell(k, lambda s: "{full} / {key-column} / {missed}".format(**s["score"]["counts"])) for k in labels[1:])))
    rows.append(("  missed, its shapes on an advisor index", "-", "-",
                 *(cell(k, lambda s: str(s["score"]["counts"]["missed_served_otherwise"])) for k in labels[1:])))
    rows.append(("extra indexes", "-", "-", *(cell(k, lambda s: str(len(s["score"]["extras"]))) for k in labels[1:])))
    rows.append(("planner cost, built (sum cost x calls)", f"{base['cost']:,.0f}",
                 *(f"{sets[k]['measure']['totals']['cost']:,.0f}" for k in labels)))
    rows.append(("  ratio to PK + ORM only", "1", *(f"{sets[k]['cost_ratio']:.3f}" for k in labels)))
    rows.append(("  ratio to the expert set", "-", "1", *(cell(k, lambda s: f"{s['cost_vs_expert']:.3f}") for k in labels[1:])))
    rows.append(("workload time, built (ms x calls)", f"{base['ms']:,.0f}",
                 *(f"{sets[k]['measure']['totals']['ms']:,.0f}" for k in labels)))
    rows.append(("  ratio to PK + ORM only", "1", *(f"{sets[k]['time_ratio']:.3f}" for k in labels)))
    rows.append(("  ratio to the expert set", "-", "1", *(cell(k, lambda s: f"{s['time_vs_expert']:.3f}") for k in labels[1:])))
    rows.append(("size built", "-", *(f"{sets[k]['size'] / 2**20:.1f} MB" for k in labels)))
    rows.append(("build time", "-", *(f"{sets[k]['build_s']:.1f} s" for k in labels)))
    rows.append(("analyze time, EXPLAINs", "-", "-",
                 *(cell(k, lambda s: f"{s['analyze_s']:.1f} s, {s['advisor']['explains']}") for k in labels[1:])))
    _table(rows)

    for label in labels[1:]:
        s = sets[label]
        print(f"\n{label}: per expert index")
        for m in s["score"]["per_expert"].values():
            print(f"  {m['match']:10}  {m['expert']}  [{', '.join(m['shapes'])}]"
                  + (f"\n{'':14}<- {m['advisor']}" if m["match"] == "key-column" else ""))
            for sid, why in m.get("instead", {}).items():
                proposed = "; ".join(p["index"] for p in why["proposed"]) or "nothing"
                print(f"{'':14}{sid}: advisor proposed {proposed}; plan with its set uses "
                      f"{', '.join(why['plan_uses']) or 'no index'}"
                      + (f"; notes: {' | '.join(why['notes'])}" if why["notes"] else ""))
        if s["score"]["extras"]:
            print(f"  extra: {len(s['score']['extras'])}")
            for x in s["score"]["extras"]:
                print(f"    {x}")
        if s["failed"]:
            print(f"  failed to build: {s['failed']}")
        print(f"\n{label}: proposals")
        for rec in s["advisor"]["recommendations"]:
            print(f"  {rec['ddl']}\n      serves {', '.join(rec['shapes'])}: {rec['reason']}"
                  + (f" [{rec['kind_reason']}]" if rec["kind_reason"] else ""))

    print("\nPer shape, hottest first (planner cost per call; time per call in ms, best of --runs; sets built for real):")
    head = ("shape", "calls", "PK+ORM cost", *(f"{k} cost" for k in labels), "PK+ORM ms", *(f"{k} ms" for k in labels))
    rows = [head]
    for sid, m in sorted(r["baseline"]["shapes"].items(), key=lambda kv: -kv[1]["calls"]):
        rows.append((sid, f"{m['calls']:,}", f"{m['cost']:,.1f}",
                     *(f"{sets[k]['measure']['shapes'][sid]['cost']:,.1f}" for k in labels),
                     f"{m['ms']:.2f}", *(f"{sets[k]['measure']['shapes'][sid]['ms']:.2f}" for k in labels)))
    _table(rows)
    print(f"\nwall time {r['wall_s']:.0f} s")


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print(" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("-+-".join("-" * w for w in widths))


if __name__ == "__main__":
    sys.exit(main())
