#!/usr/bin/env python3
"""The scale benchmark (issue 18): wall time, EXPLAIN count, peak memory and the chosen set.

    python benchmarks/scale/run.py                       # every scenario, throwaway local cluster
    python benchmarks/scale/run.py allpairs app-500      # some of them
    python benchmarks/scale/run.py app-1000 --profile    # cProfile: the top functions by cumulative time
    python benchmarks/scale/run.py analytic --keep       # ~100 analytic statements over 24 tables
    python benchmarks/scale/run.py --dsn "host=... user=postgres dbname=postgres" --keep

Scenarios: allpairs (4,950 statements on a 100-column table), app-500, app-1000, app-2500,
app-5000 (an app-shaped catalog of 200 tables, a pg_stat_statements export of N shapes),
huge (one 23 MB IN list), highparam (`$10000`) and analytic (about 100 distinct decision-support
statements, stars of a fact and 2 to 5 dimensions with CTEs, subqueries, UNION ALL and window
functions, over a 24-table star/snowflake schema of 5 million fact rows; issue 18 asks for it
in under 30 s). generate.py writes the inputs under --workdir (again when one is missing); each
database is loaded once (a marker comment says by which generator version) and kept. Each
scenario runs `indexadvisor.api.analyze` with HypoPG in a child process of its own, so its
peak memory (ru_maxrss) is its own. --jobs is passed through when given.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))  # benchmark the working tree's package
sys.path.insert(0, str(HERE.parent))  # benchmarks/cluster.py

from cluster import LocalCluster  # noqa: E402

FORMAT = 1  # bump when generate.py changes what is loaded
SCENARIOS = {
    "allpairs": ("scale_allpairs", "allpairs.sql"),
    "app-500": ("scale_app", "app-500.csv"),
    "app-1000": ("scale_app", "app-1000.csv"),
    "app-2500": ("scale_app", "app-2500.csv"),
    "app-5000": ("scale_app", "app-5000.csv"),
    "huge": ("scale_allpairs", "huge.sql"),
    "highparam": ("scale_allpairs", "highparam.csv"),
    "analytic": ("scale_analytic", "analytic.sql"),
}
LOADERS = {"scale_allpairs": "allpairs.load.sql", "scale_app": "app.load.sql", "scale_analytic": "analytic.load.sql"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ensure_database(server_dsn: str, name: str, inputs: Path) -> str:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    marker = f"indexadvisor scale benchmark v{FORMAT}"
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           (name,)).fetchone()
        if row is not None and row[0] == marker:
            return make_conninfo(server_dsn, dbname=name)
        if row is not None:
            conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = make_conninfo(server_dsn, dbname=name)
    log(f"{name}: loading ...")
    t0 = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        for stmt in (inputs / LOADERS[name]).read_text().split(";\n"):
            if stmt.strip():
                conn.execute(stmt)
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(marker)))
    log(f"{name}: loaded in {time.perf_counter() - t0:.0f} s")
    return dsn


def child(scenario: str, dsn: str, path: Path, jobs: int | None, profile: bool, budget: str | None) -> int:
    """One scenario in this process: a JSON line on stdout."""
    from indexadvisor.api import analyze
    from indexadvisor.pg.sizes import parse_size
    from indexadvisor.select.options import SelectionOptions

    options = SelectionOptions(budget_bytes=parse_size(budget) if budget else None, jobs=jobs)
    t0 = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        report = prof.runcall(analyze, [path], dsn=dsn, options=options)
        stats = pstats.Stats(prof, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    else:
        report = analyze([path], dsn=dsn, options=options)
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    chosen = [f"{r.table}({', '.join(k.expression or k.column or '' for k in r.keys)})"
              + (f" INCLUDE ({', '.join(r.include)})" if r.include else "") + (f" WHERE {r.where}" if r.where else "")
              for r in report.recommendations]
    print(json.dumps({"scenario": scenario, "seconds": round(wall, 2), "explains": report.explain_count,
                      "peak_mb": round(rss / 1024), "shapes": report.analysed, "indexes": len(chosen),
                      "cost_before": report.workload_cost_before, "cost_after": report.workload_cost_after,
                      "chosen": chosen}))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenarios", nargs="*", default=list(SCENARIOS), help=f"any of {', '.join(SCENARIOS)}")
    p.add_argument("--workdir", type=Path, default=Path(os.environ.get("SCALE_WORKDIR", "/tmp/indexadvisor-scale")))
    p.add_argument("--dsn", help="an existing server (with HypoPG installed) instead of a local cluster")
    p.add_argument("--keep", action="store_true", help="leave the local cluster running")
    p.add_argument("--jobs", type=int, help="costing sessions (SelectionOptions.jobs; default: the advisor's own)")
    p.add_argument("--budget", help="a storage budget, e.g. 500MB")
    p.add_argument("--profile", action="store_true", help="cProfile each scenario (stderr)")
    p.add_argument("--results", type=Path, help="also write the results as JSON here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-dsn", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    inputs = args.workdir / "inputs"
    if args.child:
        return child(args.child, args.child_dsn, inputs / SCENARIOS[args.child][1], args.jobs, args.profile, args.budget)
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(unknown)}")
    if not all((inputs / f).exists() for f in [w for _, w in SCENARIOS.values()] + list(LOADERS.values())):
        log(f"generating inputs into {inputs}")
        # in a process of its own: a child started later inherits this process's peak RSS in its
        # ru_maxrss (Linux keeps the high-water mark across exec), and generating `huge` takes 200 MB
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(inputs)], check=True)
    cluster = None
    if args.dsn:
        server = args.dsn
    else:
        cluster = LocalCluster(args.workdir / "pg", log=log)
        server = cluster.start()
    results = []
    try:
        for scenario in args.scenarios:
            dsn = ensure_database(server, SCENARIOS[scenario][0], inputs)
            cmd = [sys.executable, __file__, "--workdir", str(args.workdir), "--child", scenario, "--child-dsn", dsn]
            cmd += ["--jobs", str(args.jobs)] if args.jobs is not None else []
            cmd += ["--budget", args.budget] if args.budget else []
            cmd += ["--profile"] if args.profile else []
            log(f"{scenario}: analyze ...")
            res = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
            if res.returncode != 0:
                log(f"{scenario}: failed (exit {res.returncode})")
                results.append({"scenario": scenario, "error": res.returncode})
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            results.append(r)
            log(f"{scenario}: {r['seconds']} s, {r['explains']} EXPLAINs, {r['peak_mb']} MB, {r['indexes']} indexes")
    finally:
        if cluster is not None:
            if args.keep:
                log(f"cluster: left running (--keep); stop with: {cluster.stop_command()}")
            else:
                cluster.stop()
    print("| scenario | shapes | wall time | EXPLAINs | peak memory | indexes chosen |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        if "error" in r:
            print(f"| {r['scenario']} | | failed | | | |")
        else:
            print(f"| {r['scenario']} | {r['shapes']:,} | {r['seconds']:.1f} s | {r['explains']:,} | "
                  f"{r['peak_mb']:,} MB | {r['indexes']} |")
    for r in results:
        if r.get("chosen"):
            print(f"\n{r['scenario']}: " + "; ".join(r["chosen"]))
    if args.results:
        args.results.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
