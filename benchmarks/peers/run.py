#!/usr/bin/env python3
"""The peer cases: what the other index advisors' test suites expect, re-encoded, against ours.

    python benchmarks/peers/run.py                      # all cases, throwaway local cluster
    python benchmarks/peers/run.py -k pghero -k dexter  # cases whose name contains a word
    python benchmarks/peers/run.py --dsn "host=... user=postgres dbname=postgres"
    python benchmarks/peers/run.py --modes live --out /tmp/peers.json

For each case (benchmarks/peers/cases/*.txt, format in casefile.py): a database with the
case's fixture and setup (created once, kept between runs, VACUUM ANALYZE, HypoPG), the
workload written to a file, then ``indexadvisor.api.analyze`` on it twice:

- live: with the database's DSN (the planner through HypoPG);
- offline: from a snapshot of the same catalog with its statistics (no server);
- ddl: from the case's SQL as a DDL file, no statistics at all (rules only).

Each expected index is scored against the proposals on its table: full (same keys in
order, same WHERE, INCLUDE and method; or an 'accept' alternative), key (same leading
key columns), or miss; proposals that match nothing are extras. A case agrees when no
expected index is missed and no 'reject' index is proposed (for 'none', nothing at all
is proposed); it agrees fully when every expected index is a full match and there are
no extras. See README.md.

Standard library, psycopg and the indexadvisor package only.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def _package_root(argv: list[str]) -> Path:
    """--package DIR: import indexadvisor from DIR (e.g. a `git archive` of a commit) instead of
    this working tree, so a run measures that commit and not edits in progress."""
    for i, arg in enumerate(argv):
        if arg == "--package" and i + 1 < len(argv):
            return Path(argv[i + 1]).resolve()
        if arg.startswith("--package="):
            return Path(arg.split("=", 1)[1]).resolve()
    return REPO


sys.path.insert(0, str(_package_root(sys.argv)))  # the package benchmarked: this working tree by default
sys.path.insert(0, str(HERE.parent))  # benchmarks/cluster.py
sys.path.insert(0, str(HERE))

from casefile import Case, Spec, full_match, key_match, parse_spec, read_cases, shape_match, spec_of_recommendation  # noqa: E402
from cluster import LocalCluster, server  # noqa: E402  (benchmarks/cluster.py)

import indexadvisor  # noqa: E402
from indexadvisor.api import analyze  # noqa: E402
from indexadvisor.catalog.live import read_catalog  # noqa: E402
from indexadvisor.catalog.snapshot import write_snapshot  # noqa: E402

# small data sets: memory modest, durability off; planner settings stay at their defaults
SETTINGS = {
    "shared_buffers": "256MB",
    "maintenance_work_mem": "128MB",
    "max_wal_size": "2GB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",  # the loader vacuums and analyses; nothing changes the data afterwards
}
CASE_TIMEOUT = 180  # seconds per analyze call


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- databases


def ensure_database(admin_dsn: str, case: Case, reload: bool) -> str:
    """The case's database, created and loaded when missing (or half loaded); its DSN."""
    name = case.database()
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if row is not None and (reload or row[0] != "loaded"):
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            row = None
        if row is None:
            started = time.perf_counter()
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            target = make_conninfo(admin_dsn, dbname=name)
            with psycopg.connect(target, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
                conn.execute("SELECT setseed(0.42)")
                # the commit flushed at once: VACUUM sets hint bits and all-visible marks only on
                # rows whose commit record is on disk (the cluster runs synchronous_commit = off)
                conn.execute("SET synchronous_commit = on")
                # one message: one implicit transaction, all of the load or nothing
                conn.execute(case.fixture_sql() + "\n" + case.setup)
                conn.execute("VACUUM (ANALYZE)")
                vacuum_until_visible(conn)
            admin.execute(sql.SQL("COMMENT ON DATABASE {} IS 'loaded'").format(sql.Identifier(name)))
            log(f"loaded {name} in {time.perf_counter() - started:.1f} s")
    return make_conninfo(admin_dsn, dbname=name)


def vacuum_until_visible(conn: psycopg.Connection) -> None:
    """VACUUM again while tables are not yet all-visible: the VACUUM right after a bulk load
    does not always mark the pages (a table that has settled in production is mostly
    all-visible, and the advisor reads relallvisible to decide on covering indexes)."""
    for _ in range(3):
        behind = [r[0] for r in conn.execute(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND c.relpages > 0 AND c.relallvisible < 0.9 * c.relpages")]
        if not behind:
            return
        time.sleep(0.5)  # the WAL writer flushes asynchronous commits within wal_writer_delay
        for table in behind:
            conn.execute(f"VACUUM {table}")  # regclass text: already quoted


_SNAPSHOTS_WRITTEN: set[Path] = set()


def snapshot_of(dsn: str, path: Path) -> Path:
    """The fixture's catalog as a snapshot, written once per run: a snapshot kept from an earlier run
    holds what the catalog reader read then (text histograms were left out before 2026-12-06)."""
    if path not in _SNAPSHOTS_WRITTEN:
        with psycopg.connect(dsn) as conn:
            write_snapshot(read_catalog(conn), path)
        _SNAPSHOTS_WRITTEN.add(path)
    return path


# --------------------------------------------------------------------------- scoring


@dataclass
class Score:
    expected: list[dict[str, Any]] = field(default_factory=list)  # spec, status, by
    proposed: list[dict[str, Any]] = field(default_factory=list)  # spec, role (matched | extra | rejected)
    agree: bool = False
    agree_shape: bool = False  # full but for INCLUDE columns
    agree_full: bool = False
    error: str | None = None


def score(case: Case, got: list[Spec]) -> Score:
    s = Score()
    expected = [parse_spec(e) for e in case.expect]
    accepts = [parse_spec(a) for a in case.accept]
    rejects = [parse_spec(r) for r in case.reject]
    used: set[int] = set()
    for e in expected:
        alts = [a for a in accepts if a.table == e.table]
        status, by = "miss", None
        for level, test in (("full", full_match), ("include", shape_match), ("key", key_match)):
            for i, g in enumerate(got):
                if test(e, g) or any(test(a, g) for a in alts if level != "key" or not a.any_keys):
                    status, by = level, i
                    break
            if by is not None:
                break
        if by is not None:
            used.add(by)
        s.expected.append({"spec": e.text(), "status": status, "by": got[by].text() if by is not None else None})
    # a proposal that serves the same expected index as another (a second key match) is not an extra
    for i, g in enumerate(got):
        if i in used:
            role = "matched"
        elif any(r for r in rejects if key_match(r, g)):
            role = "rejected"
        elif any(key_match(e, g) for e in expected):
            role = "matched"
        else:
            role = "extra"
        s.proposed.append({"spec": g.text(), "role": role})
    rejected = any(p["role"] == "rejected" for p in s.proposed)
    extras = any(p["role"] == "extra" for p in s.proposed)
    if case.expect_none:
        s.agree = s.agree_shape = s.agree_full = not got
    else:
        s.agree = all(e["status"] != "miss" for e in s.expected) and not rejected
        s.agree_shape = all(e["status"] in ("full", "include") for e in s.expected) and not rejected and not extras
        s.agree_full = all(e["status"] == "full" for e in s.expected) and not rejected and not extras
    return s


# --------------------------------------------------------------------------- running


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout(f"analyze took longer than {CASE_TIMEOUT} s")


def run_case(case: Case, workload: Path, dsn: str | None = None, snapshot: Path | None = None,
             schema: Path | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT)
    try:
        if dsn is not None:
            report = analyze([workload], dsn=dsn)
        elif snapshot is not None:
            report = analyze([workload], snapshot=snapshot)
        else:
            report = analyze([workload], schema=[schema] if schema else [])
    except Exception as exc:  # a crash is a result too: the case disagrees, and we say why
        signal.alarm(0)
        s = Score(error=f"{type(exc).__name__}: {exc}")
        s.expected = [{"spec": parse_spec(e).text(), "status": "miss", "by": None} for e in case.expect]
        return {"score": s, "elapsed": time.perf_counter() - started, "recommendations": [], "notes": [],
                "trace": traceback.format_exc(limit=4)}
    signal.alarm(0)
    got = [spec_of_recommendation(r) for r in report.recommendations]
    s = score(case, got)
    notes = sorted({n for st in report.statements for n in st.notes})[:8]
    return {
        "score": s,
        "elapsed": time.perf_counter() - started,
        "recommendations": [{"ddl": r.ddl, "kind": r.kind, "reason": r.reason[:300]} for r in report.recommendations],
        "notes": notes,
        "served_by_existing": sorted({n for st in report.statements for n in st.served_by_existing}),
        "cost": [report.workload_cost_before, report.workload_cost_after],
        "errors": [f"{e.location}: {e.message}" for e in report.errors][:3],
    }


def verdict(s: Score) -> str:
    if s.error:
        return "ERROR"
    if s.agree_full:
        return "agree"
    return "agree+inc" if s.agree_shape else ("agree~" if s.agree else "DISAGREE")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", help="an existing server (superuser; HypoPG installed) instead of a local cluster")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/indexadvisor-peers"))
    ap.add_argument("-k", dest="filters", action="append", default=[], help="only cases whose name contains this")
    ap.add_argument("--modes", default="live,offline,ddl",
                    help="comma-separated: live (HypoPG), offline (snapshot with statistics), ddl (schema only)")
    ap.add_argument("--reload", action="store_true", help="drop and reload the case databases")
    ap.add_argument("--keep", action="store_true", help="leave the local cluster running")
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    ap.add_argument("--package", type=Path, help="import indexadvisor from this folder (default: this working tree)")
    args = ap.parse_args(argv)

    cases = read_cases()
    if args.filters:
        cases = [c for c in cases if any(f in c.name for f in args.filters)]
    if not cases:
        print("no cases selected", file=sys.stderr)
        return 2
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "workloads").mkdir(exist_ok=True)
    (args.workdir / "snapshots").mkdir(exist_ok=True)
    (args.workdir / "ddl").mkdir(exist_ok=True)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in ("live", "offline", "ddl") for m in modes):
        print(f"--modes: live, offline or ddl, comma-separated (got {args.modes!r})", file=sys.stderr)
        return 2
    admin, cluster = server(args.dsn, lambda: LocalCluster(args.workdir / "pg", settings=SETTINGS, log=log))
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    try:
        for case in cases:
            dsn = ensure_database(admin, case, args.reload)
            workload = args.workdir / "workloads" / f"{case.name}.sql"
            workload.write_text(case.workload())
            entry: dict[str, Any] = {"case": case.name, "file": case.file, "source": case.source,
                                     "expect": case.expect or ["none"], "note": case.note}
            for mode in modes:
                if mode == "live":
                    r = run_case(case, workload, dsn=dsn)
                elif mode == "offline":
                    snap = args.workdir / "snapshots" / f"{case.database()}.json"
                    r = run_case(case, workload, snapshot=snapshot_of(dsn, snap))
                else:
                    ddl = args.workdir / "ddl" / f"{case.database()}.sql"
                    ddl.write_text(case.fixture_sql() + "\n" + case.setup)
                    r = run_case(case, workload, schema=ddl)
                s: Score = r.pop("score")
                entry[mode] = {"verdict": verdict(s), "agree": s.agree, "agree_shape": s.agree_shape,
                               "agree_full": s.agree_full,
                               "expected": s.expected, "proposed": s.proposed, "error": s.error, **r}
            results.append(entry)
            first = entry[modes[0]]
            log(f"{case.name:34} " + " ".join(f"{m} {entry[m]['verdict']:9}" for m in modes)
                + f" {first['elapsed']:5.1f}s  {describe_entry(first)}")
    finally:
        if cluster is not None and not args.keep:
            cluster.stop()
    print_table(results, modes)
    summary = summarise(results, modes)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    summary["package"] = str(Path(indexadvisor.__file__).resolve().parent)
    args.out.write_text(json.dumps({"summary": summary, "cases": results}, indent=1, default=str) + "\n")
    print(f"\nresults: {args.out}  ({summary['seconds']} s)")
    return 0


def describe_entry(mode: dict[str, Any]) -> str:
    if mode.get("error"):
        return mode["error"][:100]
    parts = [f"{e['status']}:{e['spec']}" + (f" <- {e['by']}" if e["status"] == "key" else "") for e in mode["expected"]]
    parts += [f"{p['role']}:{p['spec']}" for p in mode["proposed"] if p["role"] != "matched"]
    return "; ".join(parts) if parts else "nothing proposed (expected none)"


def summarise(results: list[dict[str, Any]], modes: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"cases": len(results), "modes": modes}
    for mode in modes:
        rows = [r[mode] for r in results]
        exp = [e for m in rows for e in m["expected"]]
        out[mode] = {
            "agree": sum(m["agree"] for m in rows),
            "agree_shape": sum(m["agree_shape"] for m in rows),
            "agree_full": sum(m["agree_full"] for m in rows),
            "agree_pct": round(100 * sum(m["agree"] for m in rows) / len(rows), 1),
            "agree_shape_pct": round(100 * sum(m["agree_shape"] for m in rows) / len(rows), 1),
            "agree_full_pct": round(100 * sum(m["agree_full"] for m in rows) / len(rows), 1),
            "expected_indexes": len(exp),
            "full": sum(e["status"] == "full" for e in exp),
            "include": sum(e["status"] == "include" for e in exp),
            "key": sum(e["status"] == "key" for e in exp),
            "miss": sum(e["status"] == "miss" for e in exp),
            "extra": sum(p["role"] == "extra" for m in rows for p in m["proposed"]),
            "rejected": sum(p["role"] == "rejected" for m in rows for p in m["proposed"]),
            "errors": sum(bool(m["error"]) for m in rows),
        }
        by_file: dict[str, list[bool]] = {}
        for r in results:
            by_file.setdefault(r["file"], []).append(r[mode]["agree"])
        out[mode]["by_file"] = {f: f"{sum(v)}/{len(v)}" for f, v in sorted(by_file.items())}
    return out


def print_table(results: list[dict[str, Any]], modes: list[str]) -> None:
    print()
    header = f"{'case':34} " + " ".join(f"{m:9}" for m in modes) + f"  {modes[0]} detail"
    print(header)
    print("-" * len(header))
    for r in results:
        line = f"{r['case']:34} " + " ".join(f"{r[m]['verdict']:9}" for m in modes)
        print(line + "  " + describe_entry(r[modes[0]]))
    s = summarise(results, modes)
    print()
    for mode in modes:
        m = s[mode]
        print(f"{mode:8} agreement {m['agree']}/{s['cases']} = {m['agree_pct']}%   "
              f"INCLUDE aside {m['agree_shape']}/{s['cases']} = {m['agree_shape_pct']}%   "
              f"full {m['agree_full']}/{s['cases']} = {m['agree_full_pct']}%")
        print(f"         expected indexes: {m['full']} full, {m['include']} full but INCLUDE, {m['key']} key, {m['miss']} miss; "
              f"{m['extra']} extra, {m['rejected']} rejected; {m['errors']} errors")
        print(f"         by file: {m['by_file']}")


if __name__ == "__main__":
    sys.exit(main())
