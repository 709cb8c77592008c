#!/usr/bin/env python3
"""Benchmark ``indexadvisor analyze`` on a large captured workload.

Generates a synthetic workload and schema with ``generate_workload.py`` into a
temporary directory (or uses the files given with ``--workload``/``--schema``),
then runs, as a child process::

    python -m indexadvisor analyze WORKLOAD --schema SCHEMA --format json --output TMP/report.json

and prints the wall time, throughput (statements/s and MB/s of input) and the
child's peak resident memory, plus the statement counts from the report when
it has them (``report["statements"]["seen"]``, ``["analysed"]``, ...).

Standard library only; peak memory is read from the child's rusage (Linux
reports ``ru_maxrss`` in KiB, macOS in bytes).

    python benchmarks/bench_analyze.py                     # 100,000 statements, 300 shapes
    python benchmarks/bench_analyze.py -n 1000000 --repeat 3
    python benchmarks/bench_analyze.py --workload w.sql --schema s.sql
    python benchmarks/bench_analyze.py -- --offline        # extra arguments for analyze
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate_workload  # noqa: E402  (sibling module, standard library only)


def maxrss_mib(ru_maxrss: int) -> float:
    if sys.platform == "darwin":
        return ru_maxrss / (1024 * 1024)
    return ru_maxrss / 1024


def run_child(cmd: list[str], cwd: Path, log_dir: Path, run: int) -> tuple[int, float, float]:
    """Run cmd; return (exit code, wall seconds, peak RSS MiB) of that one child."""
    out_path = log_dir / f"analyze-{run}.stdout"
    err_path = log_dir / f"analyze-{run}.stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the
        # maximum over every child reaped so far).
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, maxrss_mib(rusage.ru_maxrss)


def count_statements(path: Path) -> int:
    """Rough count for files we did not generate: lines ending a statement with ';'."""
    n = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.rstrip().endswith(";"):
                n += 1
    return n


def report_counts(report_path: Path) -> dict[str, object]:
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    stmts = report.get("statements") if isinstance(report, dict) else None
    if not isinstance(stmts, dict):
        return {}
    return {k: v for k, v in stmts.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)}


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--statements", type=int, default=100_000,
                    help="statements to generate (default 100000)")
    ap.add_argument("--shapes", type=int, default=300, help="distinct shapes to generate (default 300)")
    ap.add_argument("--tables", type=int, default=40, help="tables in the generated schema (default 40)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--workload", type=Path, help="use this workload file instead of generating one")
    ap.add_argument("--schema", type=Path, help="use this schema file instead of generating one")
    ap.add_argument("--repeat", type=int, default=1, help="run analyze this many times (default 1)")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the child (default: this one)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    ap.add_argument("--results-json", type=Path, help="also write the measurements to this JSON file")
    ap.add_argument("extra", nargs="*", help="extra arguments for 'indexadvisor analyze' (after --)")
    args = ap.parse_args(argv)
    if (args.workload is None) != (args.schema is None):
        ap.error("give both --workload and --schema, or neither")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    for given in (args.workload, args.schema):
        if given is not None and not given.is_file():
            ap.error(f"no such file: {given}")

    tmp = Path(tempfile.mkdtemp(prefix="indexadvisor-bench-"))
    try:
        if args.workload:
            workload, schema = args.workload.resolve(), args.schema.resolve()
            n_statements = count_statements(workload)
            source = f"{workload} (given)"
        else:
            workload, schema = tmp / "workload.sql", tmp / "schema.sql"
            t0 = time.perf_counter()
            with contextlib.redirect_stderr(io.StringIO()):
                generate_workload.main([
                    "-n", str(args.statements), "--shapes", str(args.shapes), "--tables", str(args.tables),
                    "--seed", str(args.seed), "-o", str(workload), "--schema-out", str(schema),
                ])
            n_statements = args.statements
            source = f"generated in {time.perf_counter() - t0:.2f} s (seed {args.seed})"
        size_mb = workload.stat().st_size / 1_000_000
        report = tmp / "report.json"
        cmd = [args.python, "-m", "indexadvisor", "analyze", str(workload), "--schema", str(schema),
               "--format", "json", "--output", str(report), *args.extra]

        print(f"workload: {n_statements:,} statements, {size_mb:.1f} MB, {source}")
        print(f"command:  {' '.join(cmd)}")

        walls: list[float] = []
        peaks: list[float] = []
        for run in range(1, args.repeat + 1):
            report.unlink(missing_ok=True)
            code, wall, peak = run_child(cmd, REPO, tmp, run)
            if not report.exists():
                print(f"run {run}: analyze exited with {code} after {wall:.2f} s and wrote no report",
                      file=sys.stderr)
                err = tail(tmp / f"analyze-{run}.stderr")
                if err:
                    print(err, file=sys.stderr)
                return code or 1
            if code != 0:
                print(f"run {run}: note: analyze exited with {code} (report written)", file=sys.stderr)
            walls.append(wall)
            peaks.append(peak)
            if args.repeat > 1:
                print(f"run {run}: {wall:.2f} s, peak RSS {peak:.1f} MiB")

        best = min(walls)
        print(f"wall time:   {best:.2f} s" + (f" (best of {args.repeat}, median {statistics.median(walls):.2f} s)"
                                              if args.repeat > 1 else ""))
        print(f"throughput:  {n_statements / best:,.0f} statements/s, {size_mb / best:.2f} MB/s")
        print(f"peak memory: {max(peaks):.1f} MiB (child max RSS)")
        counts = report_counts(report)
        if counts:
            print("report:      " + ", ".join(f"statements.{k} = {v}" for k, v in counts.items()))
        else:
            print("report:      no statements counts in the JSON")

        if args.results_json:
            args.results_json.write_text(json.dumps({
                "statements": n_statements, "input_mb": round(size_mb, 3),
                "wall_seconds": walls, "best_wall_seconds": best,
                "statements_per_second": n_statements / best, "mb_per_second": size_mb / best,
                "peak_rss_mib": max(peaks), "report_statements": counts, "command": cmd,
            }, indent=2) + "\n", encoding="utf-8")
        return 0
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
