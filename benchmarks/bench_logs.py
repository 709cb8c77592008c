#!/usr/bin/env python3
"""Benchmark reading a large PostgreSQL log, side by side with pgBadger on the same file.

Generates a stderr log with ``generate_log.py`` (default 1 GB, 3,000 shapes) or
takes yours (``--log``), then runs each of these as a child process and
measures its wall time, CPU time and peak resident memory (``os.wait4``, which
counts the child's own children too):

- ``indexadvisor`` reading, fingerprinting and reducing the log to its workload
  (``api.load_workload``: every stage before parsing, including N+1 detection);
- optionally (``--full``) the whole ``indexadvisor analyze LOG --schema SCHEMA``;
- ``pgbadger -f stderr --prefix PREFIX -j N`` writing its HTML report, for each
  ``--pgbadger-jobs`` value (skipped when pgBadger is not installed).

Prints MB/s of log, statements/s and peak memory for each. Standard library only::

    python benchmarks/bench_logs.py                          # 1 GB, pgBadger -j 1 and -j 2
    python benchmarks/bench_logs.py --size 200MB --pgbadger-jobs 2
    python benchmarks/bench_logs.py --log /var/log/postgresql/postgresql.log --prefix '%m [%p] %q%u@%d '
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

READER = r"""
import json, sys, time
from indexadvisor.api import Inputs, load_workload
from indexadvisor.sources.files import SourceOptions
start = time.perf_counter()
inputs = Inputs(workload_files=[__import__("pathlib").Path(sys.argv[1])],
                sources=SourceOptions(log_line_prefix=sys.argv[2] or None, progress=False))
workload = load_workload(inputs)
print(json.dumps({"seen": workload.seen, "shapes": len(workload.statements), "errors": len(workload.errors),
                  "n_plus_one": len(workload.findings), "seconds": time.perf_counter() - start,
                  "notes": workload.notes}))
"""


def run(cmd: list[str], log_dir: Path, name: str) -> dict:
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    result = {"name": name, "command": cmd, "exit": code, "wall_s": wall,
              "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mib": rss}
    if code != 0:
        result["stderr_tail"] = err_path.read_text(errors="replace")[-2000:]
    else:
        try:
            result["output"] = json.loads(out_path.read_text().strip().splitlines()[-1])
        except (ValueError, IndexError):
            pass
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--log", help="an existing stderr log (default: generate one)")
    ap.add_argument("--prefix", default="%m [%p] %q%u@%d ", help="its log_line_prefix")
    ap.add_argument("--statements", type=int, default=0, help="statements in --log, for statements/s (default: ours)")
    ap.add_argument("--size", default="1GB", help="size of the generated log (default 1GB)")
    ap.add_argument("--shapes", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pgbadger-jobs", default="1,2", help="pgBadger -j values to run, comma-separated ('' for none)")
    ap.add_argument("--full", action="store_true", help="also time the whole `indexadvisor analyze`")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--results-json", help="write the measurements here")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="indexadvisor-bench-logs-"))
    try:
        stats: dict = {}
        schema = None
        if args.log:
            log = Path(args.log)
        else:
            log, schema = tmp / "postgresql.log", tmp / "schema.sql"
            start = time.perf_counter()
            subprocess.run([args.python, str(HERE / "generate_log.py"), "--size", args.size, "--shapes", str(args.shapes),
                            "--seed", str(args.seed), "--garbage", "0.00001", "-o", str(log), "--schema-out", str(schema),
                            "--stats-out", str(tmp / "stats.json")], check=True)
            stats = json.loads((tmp / "stats.json").read_text())
            print(f"generated in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        size = log.stat().st_size
        results = [run([args.python, "-c", READER, str(log), args.prefix], tmp, "indexadvisor-read")]
        statements = args.statements or stats.get("statements") or results[0].get("output", {}).get("seen") or 0
        if args.full and schema is not None:
            results.append(run([args.python, "-m", "indexadvisor", "analyze", str(log), "--schema", str(schema),
                                "--format", "json", "--output", str(tmp / "report.json")], tmp, "indexadvisor-analyze"))
        pgbadger = shutil.which("pgbadger")
        for jobs in [j for j in args.pgbadger_jobs.split(",") if j.strip()]:
            if pgbadger is None:
                print("pgbadger is not installed (Debian: apt-get install pgbadger): skipped", file=sys.stderr)
                break
            results.append(run([pgbadger, "-q", "-f", "stderr", "--prefix", args.prefix, "-j", jobs.strip(),
                                "-o", str(tmp / f"pgbadger-{jobs.strip()}.html"), str(log)], tmp, f"pgbadger -j {jobs.strip()}"))

        print(f"log: {log} ({size / 1e6:,.1f} MB, {statements:,} statements"
              + (f", {stats['shapes']:,} shapes, {stats['n_plus_one_bursts']:,} N+1 bursts" if stats else "") + ")")
        print(f"machine: {os.cpu_count()} cores, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
        print(f"{'tool':<24} {'wall s':>8} {'cpu s':>8} {'MB/s':>8} {'statements/s':>14} {'peak MiB':>9}")
        for r in results:
            if r["exit"] != 0:
                print(f"{r['name']:<24} failed (exit {r['exit']}): {r.get('stderr_tail', '')[-300:]}")
                continue
            r["mb_per_s"] = size / 1e6 / r["wall_s"]
            r["statements_per_s"] = statements / r["wall_s"] if statements else None
            print(f"{r['name']:<24} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['mb_per_s']:>8.1f} "
                  f"{(r['statements_per_s'] or 0):>14,.0f} {r['peak_mib']:>9.0f}")
        ours = results[0].get("output")
        if ours:
            print(f"indexadvisor read {ours['seen']:,} statements into {ours['shapes']:,} shapes, "
                  f"{ours['n_plus_one']} N+1 findings, {ours['errors']} input problems listed")
        if args.results_json:
            Path(args.results_json).write_text(json.dumps({"log": str(log), "bytes": size, "statements": statements,
                                                           "generated": stats, "results": results}, indent=2))
        return 0 if all(r["exit"] == 0 for r in results) else 1
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
