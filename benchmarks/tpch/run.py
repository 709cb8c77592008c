#!/usr/bin/env python3
"""TPC-H, side by side: the advisor's index sets at several budgets, costed and measured.

    python benchmarks/tpch/run.py                  # scale factor 1, throwaway local cluster
    python benchmarks/tpch/run.py --real --keep    # also build the 1GB set for real and time the queries
    python benchmarks/tpch/run.py --dsn "host=... user=postgres dbname=postgres"   # an existing server
    python benchmarks/tpch/run.py --seed 1 --param-sets 4 --built-cost --keep   # random parameters, built cost

What it does (see benchmarks/tpch/README.md):

1. generates the data with ``tpchgen-cli csv`` (cached under --workdir);
2. starts a local cluster under --workdir (or uses --dsn), creates database tpch_sf<N>,
   loads it with COPY, adds the primary keys, VACUUM ANALYZE, CREATE EXTENSION hypopg
   (all skipped when already done);
3. for each budget, runs ``indexadvisor.api.analyze`` in-process on the 19 headline
   queries (all but q02, q17, q20) and reports the estimated cost ratios, the set's size,
   its number of indexes, the wall time and the EXPLAIN count; re-costs all 22 queries
   itself under HypoPG with the chosen set (a cross-check, and the three excluded
   queries); checks no chosen index duplicates or is a left prefix of an existing index;
4. with --real, builds the set chosen at --real-budget for real and times the 19 queries
   warm (one warm-up run, best of --runs) with and without it;
5. with --seed N the workload's substitution parameters are drawn at random (tpch_params.py),
   and --param-sets K adds test workloads the advisor never sees, each costed with every set;
6. with --built-cost, builds each budget's set for real in a copy of the database
   (<db>_built) and compares every workload's planner cost with the set and without it.

Standard library, psycopg and the indexadvisor package only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))  # benchmark the working tree's package
sys.path.insert(0, str(HERE.parent))  # benchmarks/cluster.py
sys.path.insert(0, str(HERE))  # benchmarks/tpch/tpch_params.py (also when run through runpy)

import tpch_params  # noqa: E402  (benchmarks/tpch/tpch_params.py)
from cluster import LocalCluster  # noqa: E402  (benchmarks/cluster.py)

from indexadvisor.api import analyze  # noqa: E402
from indexadvisor.costing.leading import lead_with  # noqa: E402
from indexadvisor.pg.sizes import format_size, parse_size  # noqa: E402
from indexadvisor.select.options import SelectionOptions  # noqa: E402

QUERIES_DIR = HERE / "queries"
SCHEMA_FILE = HERE / "schema.sql"
TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")
# rows per scale factor unit (clause 4.2.5); lineitem varies, so it is counted from the file
ROWS_PER_SF = {"supplier": 10_000, "customer": 150_000, "part": 200_000, "partsupp": 800_000,
               "orders": 1_500_000}
FIXED_ROWS = {"region": 5, "nation": 25}
EXCLUDED = ("q02", "q17", "q20")  # reported, but kept out of the headline, as the literature does
DEFAULT_BUDGETS = "250MB,500MB,1GB,2GB"
_lock = threading.Lock()


def log(msg: str) -> None:
    with _lock:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sf_label(sf: float) -> str:
    return f"{sf:g}".replace(".", "_")


# --------------------------------------------------------------------------- queries


def read_queries() -> dict[str, str]:
    """q01..q22 -> the statement text, without its header comments and final semicolon."""
    out: dict[str, str] = {}
    for path in sorted(QUERIES_DIR.glob("q[0-9][0-9].sql")):
        lines = path.read_text().splitlines()
        while lines and (lines[0].startswith("--") or not lines[0].strip()):
            lines.pop(0)
        text = "\n".join(lines).strip()
        if text.endswith(";"):
            text = text[:-1].rstrip()
        out[path.stem] = text
    if len(out) != 22:
        raise SystemExit(f"expected 22 queries in {QUERIES_DIR}, found {len(out)}")
    return out


def write_workload(queries: dict[str, str], names: list[str], path: Path) -> dict[int, str]:
    """One .sql file with the given queries; returns the line each statement starts on."""
    starts: dict[int, str] = {}
    chunks: list[str] = []
    line = 1
    for name in names:
        chunks.append(f"-- {name}\n")
        line += 1
        starts[line] = name
        body = queries[name] + ";\n\n"
        chunks.append(body)
        line += body.count("\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(chunks))
    return starts


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(";").strip().lower()


# --------------------------------------------------------------------------- data


def generate_data(sf: float, data_root: Path) -> tuple[Path, dict[str, int]]:
    """CSV files for every table at this scale factor, generated once; and their row counts."""
    data = data_root / f"sf{sf_label(sf)}"
    marker = data / "rowcounts.json"
    if marker.exists():
        log(f"data: reusing {data}")
        return data, json.loads(marker.read_text())
    tmp = data_root / f"sf{sf_label(sf)}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    exe = shutil.which("tpchgen-cli")
    if not exe:
        raise SystemExit("tpchgen-cli not found: pip install tpchgen-cli")
    log(f"data: generating scale factor {sf:g} into {tmp} ...")
    t0 = time.perf_counter()
    subprocess.run([exe, "csv", "-s", f"{sf:g}", "--output-dir", str(tmp)], check=True,
                   stdout=subprocess.DEVNULL)
    counts = {}
    for table in TABLES:
        f = tmp / f"{table}.csv"
        if not f.exists():
            raise SystemExit(f"tpchgen-cli did not write {f}")
        counts[table] = _count_lines(f) - 1  # header
    (tmp / "rowcounts.json").write_text(json.dumps(counts, indent=1))
    shutil.rmtree(data, ignore_errors=True)
    tmp.rename(data)
    log(f"data: generated in {time.perf_counter() - t0:.1f} s: {counts}")
    return data, counts


def _count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            n += chunk.count(b"\n")
    return n


# --------------------------------------------------------------------------- database


def schema_statements() -> tuple[dict[str, str], list[str]]:
    """CREATE TABLE per table, and the ALTER TABLE ... ADD PRIMARY KEY statements."""
    text = "\n".join(line for line in SCHEMA_FILE.read_text().splitlines() if not line.strip().startswith("--"))
    creates: dict[str, str] = {}
    keys: list[str] = []
    for stmt in (s.strip() for s in text.split(";")):
        m = re.match(r"CREATE TABLE (\w+)", stmt, re.I)
        if m:
            creates[m.group(1).lower()] = stmt
        elif re.match(r"ALTER TABLE", stmt, re.I):
            keys.append(stmt)
    return creates, keys


def ensure_database(server_dsn: str, dbname: str) -> str:
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            log(f"database: CREATE DATABASE {dbname}")
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'")
                          .format(sql.Identifier(dbname)))
    return make_conninfo(server_dsn, dbname=dbname)


def database_state(conn: psycopg.Connection, expected: dict[str, int]) -> list[str]:
    """What is missing or wrong (empty when the database is ready)."""
    problems = []
    for table in TABLES:
        if conn.execute("SELECT to_regclass(%s)", (f"public.{table}",)).fetchone()[0] is None:
            problems.append(f"{table} missing")
            continue
        n = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
        if n != expected[table]:
            problems.append(f"{table} has {n} rows, expected {expected[table]}")
        pk = conn.execute("SELECT 1 FROM pg_index WHERE indrelid = %s::regclass AND indisprimary",
                          (f"public.{table}",)).fetchone()
        if not pk:
            problems.append(f"{table} has no primary key")
        analysed = conn.execute("SELECT coalesce(last_analyze, last_autoanalyze) FROM pg_stat_user_tables "
                                "WHERE relid = %s::regclass", (f"public.{table}",)).fetchone()
        if not analysed or analysed[0] is None:
            problems.append(f"{table} never analysed")
    if not conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'hypopg'").fetchone():
        problems.append("extension hypopg missing")
    return problems


def load(db_dsn: str, data: Path, expected: dict[str, int], force: bool) -> dict[str, Any]:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        problems = database_state(conn, expected)
        if not problems and not force:
            log("database: tables loaded with the right row counts; skipping the load")
            return {"loaded": False}
        log("database: loading (" + ("forced" if force else "; ".join(problems)) + ")")
    creates, keys = schema_statements()
    timings: dict[str, float] = {}
    t_all = time.perf_counter()

    def copy_table(table: str) -> None:
        t0 = time.perf_counter()
        # CREATE + COPY in one transaction: with wal_level=minimal the load skips WAL
        with psycopg.connect(db_dsn) as conn:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(table)))
            conn.execute(creates[table])
            with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN (FORMAT csv, HEADER true)")
                                    .format(sql.Identifier(table))) as copy, \
                    open(data / f"{table}.csv", "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        timings[f"copy {table}"] = round(time.perf_counter() - t0, 1)
        log(f"  COPY {table}: {timings[f'copy {table}']} s")

    def run_one(stmt: str) -> None:
        t0 = time.perf_counter()
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute(stmt)
        timings[stmt] = round(time.perf_counter() - t0, 1)
        log(f"  {stmt}: {timings[stmt]} s")

    by_size = sorted(TABLES, key=lambda t: -expected[t])
    with ThreadPoolExecutor(max_workers=2) as pool:  # lineitem on one backend, the rest on the other
        list(pool.map(copy_table, by_size))
    key_order = sorted(keys, key=lambda k: -expected[re.match(r"ALTER TABLE\s+(\w+)", k, re.I).group(1).lower()])
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run_one, key_order))
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run_one, [f"VACUUM (ANALYZE) {t}" for t in by_size]))
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        problems = database_state(conn, expected)
    if problems:
        raise SystemExit("database: still not ready after loading: " + "; ".join(problems))
    total = round(time.perf_counter() - t_all, 1)
    log(f"database: loaded in {total} s")
    return {"loaded": True, "seconds": total, "steps": timings}


def existing_indexes(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Every index on the TPC-H tables, with its plain key columns (None for an expression)."""
    rows = conn.execute(
        """
        SELECT c.relname, i.relname, x.indisprimary, x.indisunique, x.indnkeyatts,
               x.indpred IS NOT NULL, x.indexprs IS NOT NULL,
               ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                     LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                     ORDER BY k.ord),
               EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = x.indexrelid),
               pg_get_indexdef(x.indexrelid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = ANY(%s)
        """,
        (list(TABLES),),
    ).fetchall()
    out = []
    for table, name, primary, unique, nkeys, partial, exprs, cols, constraint, definition in rows:
        out.append({"table": table, "name": name, "primary": primary, "unique": unique,
                    "keys": list(cols[:nkeys]), "partial": partial, "expressions": exprs,
                    "constraint": constraint, "definition": definition})
    return out


def drop_leftover_indexes(db_dsn: str) -> list[str]:
    """This database is the benchmark's own: primary keys only. Drop anything else (say so)."""
    dropped = []
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        for ix in existing_indexes(conn):
            if not ix["constraint"]:
                log(f"database: dropping leftover index {ix['name']} ({ix['definition']})")
                conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(ix["name"])))
                dropped.append(ix["definition"])
        if dropped:
            for t in TABLES:
                conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(t)))
    return dropped


# --------------------------------------------------------------------------- costing (our own session)


_DDL_HEAD = re.compile(
    r"""^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?
        (?:(?!ON\s)("(?:[^"]|"")*"|[^\s"]+)\s+)?ON\s+""",
    re.I | re.X,
)


def hypothetical_ddl(ddl: str) -> str:
    """CREATE INDEX without CONCURRENTLY, IF NOT EXISTS or a name, as hypopg_create_index wants."""
    m = _DDL_HEAD.match(ddl)
    if not m:
        raise ValueError(f"unexpected DDL shape: {ddl}")
    return f"CREATE {m.group(1) or ''}INDEX ON " + ddl[m.end():].strip().rstrip(";")


def real_ddl(ddl: str) -> str:
    """The recommendation's DDL, without CONCURRENTLY (the benchmark owns the database)."""
    return re.sub(r"\bINDEX\s+CONCURRENTLY\b", "INDEX", ddl.strip().rstrip(";"), count=1, flags=re.I)


def explain(conn: psycopg.Connection, query: str) -> dict:
    """The top node of the query's JSON plan."""
    plan = conn.execute("EXPLAIN (FORMAT JSON) " + query).fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]


def explain_cost(conn: psycopg.Connection, query: str) -> float:
    return float(explain(conn, query)["Total Cost"])


def indexes_in(node: dict) -> set[str]:
    """Every index a plan (node) scans."""
    found = {node["Index Name"]} if "Index Name" in node else set()
    for child in node.get("Plans", ()):
        found |= indexes_in(child)
    return found


def plan_indexes(conn: psycopg.Connection, query: str) -> set[str]:
    return indexes_in(explain(conn, query))


def cost_all(conn: psycopg.Connection, queries: dict[str, str], lead: Sequence[str] = ()) -> dict[str, float | None]:
    """Each query's plan cost. `lead`: tables with a hypothetical partial or expression index,
    which HypoPG matches only on a query's first table; each query is also explained led by
    such a table (indexadvisor.costing.leading) and that plan counts when it uses one of them."""
    out: dict[str, float | None] = {}
    for name, q in queries.items():
        try:
            out[name] = explain_cost(conn, q)
            for table in lead:
                led = lead_with(q, "public", table)
                plan = explain(conn, led) if led is not None else None
                if plan is not None and any(f"btree_{table}" in i for i in indexes_in(plan)):
                    out[name] = min(out[name], float(plan["Total Cost"]))
        except psycopg.Error as e:
            log(f"EXPLAIN {name} failed: {e}")
            out[name] = None
    return out


def whatif_costs(conn: psycopg.Connection, queries: dict[str, str], ddls: list[str]) -> dict[str, Any]:
    """All queries' plan costs with the given indexes created as hypothetical ones."""
    conn.execute("SELECT hypopg_reset()")
    sizes = []
    errors = []
    lead = []
    try:
        for ddl in ddls:
            try:
                hddl = hypothetical_ddl(ddl)
                oid = conn.execute("SELECT indexrelid FROM hypopg_create_index(%s)", (hddl,)).fetchone()[0]
                sizes.append(int(conn.execute("SELECT hypopg_relation_size(%s)", (oid,)).fetchone()[0]))
                m = re.search(r"\bON\s+(?:\w+\.)?(\w+)\s*(?:USING\s+\w+\s*)?\((.*)$", hddl, re.I | re.S)
                if m and ("(" in m.group(2).split(")")[0] or re.search(r"\bWHERE\b", m.group(2), re.I)):
                    lead.append(m.group(1))  # a partial or expression index
            except (psycopg.Error, ValueError) as e:
                errors.append(f"{ddl}: {e}")
                sizes.append(None)
        costs = cost_all(conn, queries, sorted(set(lead)))
    finally:
        conn.execute("SELECT hypopg_reset()")
    return {"costs": costs, "sizes": sizes, "errors": errors}


def ratios(before: dict[str, float | None], after: dict[str, float | None], names: list[str]
           ) -> tuple[float | None, float | None]:
    pairs = [(before.get(n), after.get(n)) for n in names]
    if not pairs or any(b is None or a is None or b <= 0 or a <= 0 for b, a in pairs):
        return None, None
    s = sum(a for _, a in pairs) / sum(b for b, _ in pairs)
    g = math.exp(sum(math.log(a / b) for b, a in pairs) / len(pairs))
    return s, g


# --------------------------------------------------------------------------- the advisor


def run_budget(label: str, budget: int, workload: Path, starts: dict[int, str], queries: dict[str, str],
               headline: list[str], db_dsn: str, own: psycopg.Connection,
               baseline: dict[str, float | None], extra_options: dict[str, Any]) -> dict[str, Any]:
    res: dict[str, Any] = {"budget": label, "budget_bytes": budget, "anomalies": [], "options": extra_options}
    anomalies = res["anomalies"]
    t0 = time.perf_counter()
    try:
        report = analyze([workload], dsn=db_dsn, options=SelectionOptions(budget_bytes=budget, **extra_options))
    except Exception as e:  # report it; never fix the package from here
        res["seconds"] = round(time.perf_counter() - t0, 2)
        res["error"] = f"{type(e).__name__}: {e}"
        res["traceback"] = traceback.format_exc()
        anomalies.append(f"analyze() raised {type(e).__name__}: {e}")
        log(f"budget {label}: analyze() raised\n{res['traceback']}")
        return res
    res["seconds"] = round(time.perf_counter() - t0, 2)
    res["costing"] = report.costing
    res["explain_count"] = report.explain_count
    res["workload_cost_before"] = report.workload_cost_before
    res["workload_cost_after"] = report.workload_cost_after
    res["notes"] = list(report.notes)
    res["errors"] = [f"{e.location}: {e.message}" for e in report.errors]
    res["seen"], res["analysed"], res["skipped"] = report.seen, report.analysed, report.skipped
    if report.costing != "planner":
        anomalies.append(f"costing is {report.costing!r}, not 'planner' (HypoPG not used?)")
    for e in res["errors"]:
        anomalies.append(f"report error: {e}")

    # the advisor's own per-statement costs, mapped back to q01..q22
    by_text = {_norm(queries[n]): n for n in headline}
    per_query: dict[str, dict[str, Any]] = {}
    for st in report.statements:
        m = re.search(r":(\d+)$", st.location or "")
        name = starts.get(int(m.group(1))) if m else None
        name = name or by_text.get(_norm(st.sql))
        if name is None:
            anomalies.append(f"statement not matched to a query: {st.location} {st.sql[:60]!r}")
            continue
        per_query[name] = {"cost_before": st.cost_before, "cost_after": st.cost_after,
                           "recommendations": list(st.recommendations), "notes": list(st.notes),
                           "served_by_existing": list(st.served_by_existing)}
        for note in st.notes:
            if "not analysed" in note or "cannot" in note.lower():
                anomalies.append(f"{name}: {note}")
    for n in headline:
        q = per_query.get(n)
        if q is None:
            anomalies.append(f"{n}: not in the report")
        elif q["cost_before"] is None or q["cost_after"] is None:
            anomalies.append(f"{n}: no cost before/after in the report (not explained?)")
    res["queries"] = per_query
    before = {n: per_query.get(n, {}).get("cost_before") for n in headline}
    after = {n: per_query.get(n, {}).get("cost_after") for n in headline}
    res["sum_ratio"], res["geo_ratio"] = ratios(before, after, headline)
    if (report.workload_cost_before and report.workload_cost_after is not None and res["sum_ratio"] is not None):
        wr = report.workload_cost_after / report.workload_cost_before
        res["report_workload_ratio"] = wr
        if abs(wr - res["sum_ratio"]) > 0.005:
            anomalies.append(f"report's workload_cost_after/before = {wr:.4f} differs from the per-statement "
                             f"sum ratio {res['sum_ratio']:.4f}")
    for n in headline:
        b, a = before.get(n), after.get(n)
        if b is not None and a is not None and a > b * 1.001:
            anomalies.append(f"{n}: advisor's cost after ({a:,.0f}) is above cost before ({b:,.0f})")

    # the recommendations
    recs = []
    for r in report.recommendations:
        est = r.estimate
        recs.append({"name": r.name, "table": r.table, "columns": r.columns, "include": list(r.include),
                     "where": r.where, "method": r.method, "ddl": r.ddl,
                     "size_bytes": est.size_bytes if est else None,
                     "benefit": est.benefit if est else None,
                     "write_cost": est.write_cost if est else None,
                     "statements": [starts.get(_line_of(report, fp)) or fp for fp in r.statements]})
        if est is None or est.size_bytes is None:
            anomalies.append(f"{r.name}: no size estimate")
    res["recommendations"] = recs
    res["indexes"] = len(recs)
    res["size_bytes"] = sum(r["size_bytes"] or 0 for r in recs)
    if res["size_bytes"] > budget:
        anomalies.append(f"budget overrun: the set is {format_size(res['size_bytes'])} "
                         f"({res['size_bytes']:,} bytes) for a budget of {label} ({budget:,} bytes)")
    if res["seconds"] > 10:
        anomalies.append(f"slow analysis: {res['seconds']:.1f} s (target < 10 s)")

    # duplicates / left prefixes of existing indexes (primary keys included), from pg_index
    existing = existing_indexes(own)
    dupes = []
    for r in recs:
        cols = [c for c in r["columns"]]
        for ix in existing:
            if ix["table"] != r["table"] or ix["partial"] or None in ix["keys"]:
                continue
            if len(cols) <= len(ix["keys"]) and ix["keys"][:len(cols)] == cols:
                kind = "duplicates" if len(cols) == len(ix["keys"]) else "is a left prefix of"
                dupes.append(f"{r['name']} ({', '.join(cols)}) {kind} {ix['name']} ({', '.join(ix['keys'])})"
                             + (f" [include {', '.join(r['include'])}]" if r["include"] else "")
                             + (f" [where {r['where']}]" if r["where"] else ""))
    res["prefix_of_existing"] = dupes
    for d in dupes:
        anomalies.append(f"copy of an existing index: {d}")
    res["copy_check"] = copy_check(own, queries, headline, baseline, recs, existing)
    for c in res["copy_check"]:
        if c["beyond_share"] is not None and c["beyond_share"] < 0.1 and c["gain_beyond_copy_in_set"] <= 0:
            anomalies.append(
                f"{c['name']} shares its leading column with {c['existing']} ({', '.join(c['existing_keys'])}), and "
                f"next to a hypothetical copy of {c['existing']} it saves only {c['gain_beyond_copy']:,.0f} of the "
                f"{c['gain']:,.0f} cost units it saves alone on the headline queries, and nothing within the set: its "
                f"estimated gain is HypoPG pricing a copy below the real index")

    # our own cross-check: every query costed in our session with the set as hypothetical indexes
    w = whatif_costs(own, queries, [r["ddl"] for r in recs])
    res["own_costs_after"] = w["costs"]
    res["own_sizes"] = w["sizes"]
    for e in w["errors"]:
        anomalies.append(f"our hypopg_create_index failed: {e}")
    for r, s in zip(recs, w["sizes"]):
        r["hypopg_size_bytes"] = s  # for the record: the advisor sizes an index as it will be built, not as HypoPG does
    res["own_sum_ratio"], res["own_geo_ratio"] = ratios(baseline, w["costs"], headline)
    res["excluded"] = {n: {"cost_before": baseline.get(n), "cost_after": w["costs"].get(n),
                           "ratio": (w["costs"][n] / baseline[n]) if baseline.get(n) and w["costs"].get(n) else None}
                       for n in EXCLUDED}
    for n in headline:
        ours_b, ours_a = baseline.get(n), w["costs"].get(n)
        adv_b, adv_a = before.get(n), after.get(n)
        if None in (ours_b, ours_a, adv_b, adv_a):
            continue
        # the advisor prices against hypothetical copies of the existing indexes (HypoPG costs a
        # copy below the real one), so its absolute costs sit a little below ours: compare ratios
        if ours_b and adv_b and abs(ours_a / ours_b - adv_a / adv_b) > 0.02:
            anomalies.append(f"{n}: advisor's ratio {adv_a / adv_b:.3f} ({adv_b:,.0f} -> {adv_a:,.0f}) differs from "
                             f"our EXPLAIN's {ours_a / ours_b:.3f} ({ours_b:,.0f} -> {ours_a:,.0f})")
    return res


def copy_check(own: psycopg.Connection, queries: dict[str, str], headline: list[str],
               baseline: dict[str, float | None], recs: list[dict[str, Any]],
               existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each chosen index that leads with an existing index's leading column: its gain alone on
    the headline queries, and the gain of a hypothetical copy of that existing index alone.

    The real index already serves what the copy serves, so when the copy alone saves about as much
    as the recommendation, the recommendation's gain is HypoPG's pricing, not a new access path."""
    out = []
    sub = {n: queries[n] for n in headline}
    for r in recs:
        if not r["columns"]:
            continue
        for ix in existing:
            if ix["table"] != r["table"] or ix["partial"] or not ix["keys"] or ix["keys"][0] != r["columns"][0]:
                continue
            if r["columns"] == ix["keys"][:len(r["columns"])]:
                continue  # a plain duplicate/prefix, reported as such
            mine = whatif_costs(own, sub, [r["ddl"]])["costs"]
            copy = whatif_costs(own, sub, [ix["definition"]])["costs"]
            both = whatif_costs(own, sub, [ix["definition"], r["ddl"]])["costs"]
            gain = sum((baseline[n] or 0) - (mine[n] or baseline[n] or 0) for n in headline)
            copy_gain = sum((baseline[n] or 0) - (copy[n] or baseline[n] or 0) for n in headline)
            # what it saves where the copy is there too: the part of its gain that is a new access path
            beyond = sum((copy[n] or baseline[n] or 0) - (both[n] or copy[n] or baseline[n] or 0) for n in headline)
            # and the same within the chosen set (how the advisor prices it: with copies, given the others)
            others = [ix["definition"]] + [o["ddl"] for o in recs if o is not r]
            without = whatif_costs(own, sub, others)["costs"]
            within = whatif_costs(own, sub, others + [r["ddl"]])["costs"]
            beyond_in_set = sum((without[n] or baseline[n] or 0) - (within[n] or without[n] or baseline[n] or 0)
                                for n in headline)
            out.append({"name": r["name"], "columns": r["columns"], "existing": ix["name"],
                        "existing_keys": ix["keys"], "gain": gain, "copy_gain": copy_gain, "gain_beyond_copy": beyond,
                        "gain_beyond_copy_in_set": beyond_in_set,
                        "copy_share": (copy_gain / gain) if gain > 0 else None,
                        "beyond_share": (beyond / gain) if gain > 0 else None,
                        "per_query": {n: {"alone": mine[n], "copy_alone": copy[n]} for n in headline
                                      if (mine[n] or 0) < (baseline[n] or 0) or (copy[n] or 0) < (baseline[n] or 0)}})
    return out


def _line_of(report, fingerprint: str) -> int | None:
    for st in report.statements:
        if st.fingerprint == fingerprint:
            m = re.search(r":(\d+)$", st.location or "")
            return int(m.group(1)) if m else None
    return None


# --------------------------------------------------------------------------- real runtime


def time_queries(conn: psycopg.Connection, queries: dict[str, str], names: list[str], runs: int
                 ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in names:
        times = []
        err = None
        try:
            conn.execute(queries[n]).fetchall()  # warm-up
            for _ in range(runs):
                t0 = time.perf_counter()
                conn.execute(queries[n]).fetchall()
                times.append(time.perf_counter() - t0)
        except psycopg.Error as e:
            err = f"{type(e).__name__}: {str(e).strip()}"
        out[n] = {"best": min(times) if times and not err else None, "runs": [round(t, 4) for t in times],
                  "error": err}
        log(f"  {n}: " + (f"best {out[n]['best']:.3f} s of {[round(t, 3) for t in times]}" if not err else err))
    return out


def run_real(db_dsn: str, rec_result: dict[str, Any], queries: dict[str, str], headline: list[str],
             runs: int, cycles: int, timeout: str) -> dict[str, Any]:
    """Time the headline queries without and with the set built for real, `cycles` times over.

    Each cycle: time without, CREATE INDEX + ANALYZE, time with, DROP. Alternating the two
    configurations keeps a burst of load from another process on a shared machine from
    landing on one side only; each query's best time over all cycles is kept."""
    recs = rec_result.get("recommendations") or []
    names = {r["name"] for r in recs}
    res: dict[str, Any] = {"budget": rec_result["budget"], "indexes": [], "cycles": cycles, "runs": runs}
    without: dict[str, list] = {n: [] for n in headline}
    with_: dict[str, list] = {n: [] for n in headline}
    errors: dict[str, dict[str, str]] = {"without": {}, "with": {}}
    sub = {n: queries[n] for n in headline}
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("SET statement_timeout = {}").format(sql.Literal(timeout)))
        for cycle in range(1, cycles + 1):
            if cycle == 1:
                res["planner_costs_without"] = cost_all(conn, sub)
            log(f"real: cycle {cycle}/{cycles}: the {len(headline)} queries without the set "
                f"(warm-up + {runs} timed runs each)")
            for n, t in time_queries(conn, queries, headline, runs).items():
                without[n] += t["runs"]
                if t["error"]:
                    errors["without"][n] = t["error"]
            tables = set()
            try:
                for r in recs:
                    t0 = time.perf_counter()
                    conn.execute(real_ddl(r["ddl"]))
                    secs = time.perf_counter() - t0
                    tables.add(r["table"])
                    if cycle == 1:
                        size = conn.execute("SELECT pg_relation_size(%s::regclass)", (r["name"],)).fetchone()[0]
                        res["indexes"].append({"name": r["name"], "ddl": real_ddl(r["ddl"]),
                                               "build_seconds": round(secs, 1), "size_bytes": size,
                                               "estimated_size_bytes": r.get("size_bytes")})
                        log(f"real: built {r['name']} in {secs:.1f} s, {format_size(size)} on disk "
                            f"(estimated {format_size(r.get('size_bytes'))})")
                for t in sorted(tables):
                    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(t)))
                if cycle == 1:
                    res["used_by"] = {n: sorted(plan_indexes(conn, queries[n]) & names) for n in headline}
                    res["planner_costs_with"] = cost_all(conn, sub)
                log(f"real: cycle {cycle}/{cycles}: the {len(headline)} queries with the {len(recs)} indexes")
                for n, t in time_queries(conn, queries, headline, runs).items():
                    with_[n] += t["runs"]
                    if t["error"]:
                        errors["with"][n] = t["error"]
            finally:
                for r in recs:
                    conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(r["name"])))
                log("real: indexes dropped")
    res["without"] = {n: {"best": min(v) if v and n not in errors["without"] else None, "runs": v,
                          "error": errors["without"].get(n)} for n, v in without.items()}
    res["with"] = {n: {"best": min(v) if v and n not in errors["with"] else None, "runs": v,
                       "error": errors["with"].get(n)} for n, v in with_.items()}
    ok = [n for n in headline if res["without"][n]["best"] is not None and res["with"][n]["best"] is not None]
    res["compared"] = ok
    res["total_without"] = sum(res["without"][n]["best"] for n in ok)
    res["total_with"] = sum(res["with"][n]["best"] for n in ok)
    res["ratio"] = res["total_with"] / res["total_without"] if res["total_without"] else None
    # queries whose plan uses none of the new indexes: their ratio shows the measurement's noise
    control = [n for n in ok if not res["used_by"].get(n)]
    cw = sum(res["without"][n]["best"] for n in control)
    res["control_queries"] = control
    res["control_ratio"] = (sum(res["with"][n]["best"] for n in control) / cw) if cw else None
    pb, pa = res.get("planner_costs_without", {}), res.get("planner_costs_with", {})
    res["planner_sum_ratio"], res["planner_geo_ratio"] = ratios(pb, pa, headline)
    return res


# --------------------------------------------------------------------------- built cost (a copy of the database)


_FP_STATS = """
SELECT c.relname, s.staattnum, s.stainherit, s.stanullfrac, s.stawidth, s.stadistinct,
       s.stanumbers1::text, s.stanumbers2::text, s.stanumbers3::text, s.stanumbers4::text, s.stanumbers5::text,
       s.stavalues1::text, s.stavalues2::text, s.stavalues3::text, s.stavalues4::text, s.stavalues5::text
FROM pg_statistic s JOIN pg_class c ON c.oid = s.starelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' ORDER BY 1, 2, 3
"""
_FP_RELS = """
SELECT c.relname, c.relkind, c.relpages, c.reltuples, c.relallvisible
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY 1
"""
_FP_INDEXES = """
SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1
"""


def planner_input(dsn: str) -> str:
    """A digest of what the planner sees in a database: statistics, page and row counts, indexes."""
    h = hashlib.sha256()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for q in (_FP_STATS, _FP_RELS, _FP_INDEXES):
            for row in conn.execute(q):
                h.update(repr(row).encode())
    return h.hexdigest()


def ensure_copy(server_dsn: str, source: str, copy: str, wait_seconds: float) -> dict[str, Any]:
    """`copy`: a copy of database `source` (CREATE DATABASE ... TEMPLATE) that the planner sees exactly as
    it sees `source`; reused when its planner input still matches, made again otherwise. The source is
    never written to; copying needs no other session on it, so a busy source is retried until
    `wait_seconds` have passed."""
    src_dsn, copy_dsn = make_conninfo(server_dsn, dbname=source), make_conninfo(server_dsn, dbname=copy)
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (copy,)).fetchone()
    if exists and planner_input(copy_dsn) == planner_input(src_dsn):
        log(f"built: reusing database {copy} (its planner input matches {source}'s)")
        return {"database": copy, "copied": False}
    t0 = time.perf_counter()
    deadline = time.monotonic() + wait_seconds
    attempt = 0
    with psycopg.connect(server_dsn, autocommit=True) as admin:
        if exists:
            log(f"built: {copy} no longer matches {source}; dropping it")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(copy)))
        while True:
            attempt += 1
            try:
                admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY file_copy")
                              .format(sql.Identifier(copy), sql.Identifier(source)))
                break
            except psycopg.errors.ObjectInUse as e:  # another session is on the source: wait for it
                if time.monotonic() > deadline:
                    raise SystemExit(f"built: could not copy {source} for {wait_seconds:.0f} s: {e}") from e
                if attempt == 1 or attempt % 12 == 0:
                    log(f"built: {source} is in use by another session; retrying every 5 s ({e.diag.message_detail})")
                time.sleep(5)
    secs = round(time.perf_counter() - t0, 1)
    same = planner_input(copy_dsn) == planner_input(src_dsn)
    log(f"built: CREATE DATABASE {copy} TEMPLATE {source} in {secs} s (attempts: {attempt}); "
        f"planner input {'identical' if same else 'DIFFERENT'}")
    if not same:
        raise SystemExit(f"built: the copy {copy} does not show the planner what {source} does")
    return {"database": copy, "copied": True, "seconds": secs, "attempts": attempt}


def explain_all(conn: psycopg.Connection, queries: dict[str, str], names: set[str]
                ) -> tuple[dict[str, float | None], dict[str, list[str]]]:
    """Each query's plan cost, and which of the indexes `names` its plan uses."""
    costs: dict[str, float | None] = {}
    used: dict[str, list[str]] = {}
    for n, q in queries.items():
        try:
            plan = explain(conn, q)
            costs[n] = float(plan["Total Cost"])
            used[n] = sorted(indexes_in(plan) & names)
        except psycopg.Error as e:
            log(f"built: EXPLAIN {n} failed: {e}")
            costs[n], used[n] = None, []
    return costs, used


def _has_expression(ddl: str) -> bool:
    m = re.search(r"\bON\s+(?:\w+\.)?\w+\s*(?:USING\s+\w+\s*)?\((.*)$", ddl, re.I | re.S)
    keys = m.group(1).split(") INCLUDE")[0].split(") WHERE")[0] if m else ""
    return "(" in keys


def score_estimated(own: psycopg.Connection, b: dict[str, Any], workloads: list[dict[str, Any]],
                    headline: list[str]) -> dict[str, Any]:
    """Each workload's HypoPG estimate with this budget's set (our own EXPLAIN, as the cross-check)."""
    ddls = [r["ddl"] for r in b["recommendations"]]
    out = {}
    for w in workloads:
        after = b["own_costs_after"] if w is workloads[0] else whatif_costs(own, w["queries"], ddls)["costs"]
        s, g = ratios(w["baseline_costs"], after, headline)
        out[w["label"]] = {"role": w["role"], "costs_after": after, "sum_ratio": s, "geo_ratio": g}
    return out


def run_built(copy_dsn: str, budgets: list[dict[str, Any]], workloads: list[dict[str, Any]],
              headline: list[str], analyze: str) -> dict[str, Any]:
    """Each budget's set built for real in the copy: every workload's planner cost with it and without it.

    Per budget: CREATE INDEX of each chosen index (no ANALYZE, unless the set has an expression index and
    `analyze` is "auto": then the tables with one are ANALYZEd, since the planner has no statistics for an
    index expression before), EXPLAIN of every workload's 22 queries, DROP INDEX, the tables' pg_class
    page and row counts put back as they were (CREATE INDEX sets them to the exact counts it saw), and
    EXPLAIN again without the set: that is the reference the ratio is taken against, so both sides see
    the same statistics."""
    res: dict[str, Any] = {"analyze": analyze, "budgets": {}}
    with psycopg.connect(copy_dsn, autocommit=True) as conn:
        pristine = {w["label"]: explain_all(conn, w["queries"], set())[0] for w in workloads}
        res["pristine"] = pristine
        saved = conn.execute("SELECT oid, relname, relpages, reltuples, relallvisible FROM pg_class "
                             "WHERE relnamespace = 'public'::regnamespace AND relname = ANY(%s)",
                             (list(TABLES),)).fetchall()
        for b in budgets:
            if b.get("error"):
                continue
            recs = b["recommendations"]
            names = {r["name"] for r in recs}
            out: dict[str, Any] = {"indexes": [], "analysed": []}
            res["budgets"][b["budget"]] = out
            log(f"built: budget {b['budget']}: building {len(recs)} indexes")
            try:
                for r in recs:
                    t0 = time.perf_counter()
                    conn.execute(real_ddl(r["ddl"]))
                    size = conn.execute("SELECT pg_relation_size(%s::regclass)", (r["name"],)).fetchone()[0]
                    out["indexes"].append({"name": r["name"], "ddl": real_ddl(r["ddl"]), "size_bytes": size,
                                           "estimated_size_bytes": r.get("size_bytes"),
                                           "build_seconds": round(time.perf_counter() - t0, 1)})
                if analyze == "auto":
                    for t in sorted({r["table"] for r in recs if _has_expression(r["ddl"])}):
                        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(t)))
                        out["analysed"].append(t)
                with_ = {w["label"]: explain_all(conn, w["queries"], names) for w in workloads}
            finally:
                for r in recs:
                    conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(r["name"])))
                for oid, _name, pages, tuples, allvisible in saved:
                    conn.execute("UPDATE pg_class SET relpages = %s, reltuples = %s, relallvisible = %s "
                                 "WHERE oid = %s", (pages, tuples, allvisible, oid))
            out["size_bytes"] = sum(i["size_bytes"] for i in out["indexes"])
            out["workloads"] = {}
            for w in workloads:
                label = w["label"]
                without = explain_all(conn, w["queries"], set())[0]
                costs, used = with_[label]
                drift = max((abs((without[n] or 0) - (pristine[label][n] or 0)) / pristine[label][n]
                             for n in without if pristine[label].get(n)), default=0.0)
                s, g = ratios(without, costs, headline)
                out["workloads"][label] = {"without": without, "with": costs, "used_by": used,
                                           "sum_ratio": s, "geo_ratio": g, "drift_from_pristine": drift}
            estimated = sum(i["estimated_size_bytes"] or 0 for i in out["indexes"])
            log(f"built: budget {b['budget']}: {format_size(out['size_bytes'])} on disk (estimated "
                f"{format_size(estimated)}); sum ratio "
                + ", ".join(f"{w['label']} {fmt_ratio(out['workloads'][w['label']]['sum_ratio'])}" for w in workloads))
    return res


# --------------------------------------------------------------------------- output


def fmt_ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def markdown(results: dict[str, Any]) -> str:
    out = []
    sfl = f"{results['sf']:g}"
    out.append(f"### TPC-H SF {sfl}: {len(results['headline'])} headline queries (all but "
               f"{', '.join(EXCLUDED)}), costs relative to primary keys only\n")
    out.append("| budget | sum-of-cost ratio | geo-mean ratio | size | indexes | time | EXPLAINs |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for b in results["budgets"]:
        if b.get("error"):
            out.append(f"| {b['budget']} | error | | | | {b['seconds']:.1f} s | |")
            continue
        out.append(f"| {b['budget']} | {fmt_ratio(b['sum_ratio'])} | {fmt_ratio(b['geo_ratio'])} | "
                   f"{format_size(b['size_bytes'])} | {b['indexes']} | {b['seconds']:.1f} s | {b['explain_count']} |")
    out.append("")
    out.append("Cross-check, our own EXPLAIN under HypoPG with the chosen set (same 19 queries), and the "
               "excluded queries (outside the headline):\n")
    out.append("| budget | own sum ratio | own geo-mean | " + " | ".join(f"{n} ratio" for n in EXCLUDED)
               + " | copies of an existing index (duplicate, left prefix, or gain that a hypothetical copy reproduces) |")
    out.append("| --- | ---: | ---: | " + " | ".join("---:" for _ in EXCLUDED) + " | --- |")
    for b in results["budgets"]:
        if b.get("error"):
            continue
        ex = " | ".join(fmt_ratio(b["excluded"][n]["ratio"]) for n in EXCLUDED)
        dup = "; ".join(b["prefix_of_existing"]) or "none"
        copies = [f"{c['name']}: a copy of {c['existing']} saves {100 * c['copy_share']:.0f}% of its gain alone; "
                  f"next to the copy it still saves {100 * c['beyond_share']:.0f}%, and {c['gain_beyond_copy_in_set']:,.0f} "
                  f"cost units within the set (with the copy)"
                  for c in b.get("copy_check", []) if c["copy_share"] is not None and c["copy_share"] >= 0.5]
        if copies:
            dup += "; " + "; ".join(copies)
        out.append(f"| {b['budget']} | {fmt_ratio(b['own_sum_ratio'])} | {fmt_ratio(b['own_geo_ratio'])} | "
                   f"{ex} | {dup} |")
    out.append("")
    good = [b for b in results["budgets"] if not b.get("error")]
    if good:
        out.append("Per-query cost ratio (advisor's cost_after / cost_before; excluded queries from our EXPLAIN):\n")
        out.append("| query | cost before | " + " | ".join(b["budget"] for b in good) + " |")
        out.append("| --- | ---: | " + " | ".join("---:" for _ in good) + " |")
        for n in sorted(results["baseline_costs"]):
            cells = []
            for b in good:
                if n in EXCLUDED:
                    cells.append(f"({fmt_ratio(b['excluded'][n]['ratio'])})")
                else:
                    q = b["queries"].get(n, {})
                    cb, ca = q.get("cost_before"), q.get("cost_after")
                    cells.append(fmt_ratio(ca / cb) if cb and ca is not None else "-")
            base = results["baseline_costs"][n]
            out.append(f"| {n} | {base:,.0f} | " + " | ".join(cells) + " |" if base is not None
                       else f"| {n} | - | " + " | ".join(cells) + " |")
        out.append("")
    out.extend(markdown_workloads(results))
    real = results.get("real")
    if real:
        out.append(f"Real runtime, the {real['budget']} set built for real ({len(real['indexes'])} indexes, "
                   f"{format_size(sum(i['size_bytes'] for i in real['indexes']))} on disk, estimated "
                   f"{format_size(sum(i['estimated_size_bytes'] or 0 for i in real['indexes']))}), "
                   f"{len(real['compared'])} queries, warm: best of {real['runs']} runs x {real['cycles']} "
                   f"alternating cycles (each after a warm-up run):\n")
        out.append("| query | without (s) | with (s) | ratio | new indexes in the plan |")
        out.append("| --- | ---: | ---: | ---: | --- |")
        for n in results["headline"]:
            a, b = real["without"][n], real.get("with", {}).get(n, {})
            wa, wb = a.get("best"), b.get("best")
            out.append(f"| {n} | {wa if wa is None else f'{wa:.3f}'} | {wb if wb is None else f'{wb:.3f}'} | "
                       f"{fmt_ratio(wb / wa) if wa and wb is not None else '-'} | "
                       f"{', '.join(real.get('used_by', {}).get(n, [])) or '-'} |")
        out.append(f"| **total** | **{real['total_without']:.2f}** | **{real['total_with']:.2f}** | "
                   f"**{fmt_ratio(real['ratio'])}** | |")
        out.append("")
        out.append(f"Noise control: the {len(real['control_queries'])} queries whose plan uses none of the new "
                   f"indexes ({', '.join(real['control_queries']) or 'none'}) ran at "
                   f"{fmt_ratio(real['control_ratio'])} of their time without the set. The planner's own "
                   f"estimate with the real indexes: sum-of-cost ratio {fmt_ratio(real['planner_sum_ratio'])}, "
                   f"geo-mean {fmt_ratio(real['planner_geo_ratio'])}.")
        out.append("")
    return "\n".join(out)


def _mean(xs: list[float | None]) -> float | None:
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def markdown_workloads(results: dict[str, Any]) -> list[str]:
    """The training and test workloads: HypoPG's estimate against the cost with the set built."""
    wl = results.get("workloads")
    if not wl:
        return []
    built = results.get("built", {}).get("budgets", {})
    good = [b for b in results["budgets"] if not b.get("error") and b.get("scored")]
    tests = [w["label"] for w in wl if w["role"] == "test"]
    out = []
    out.append(f"Sum-of-cost ratio over the {len(results['headline'])} headline queries, per workload: HypoPG's "
               "estimate (our EXPLAIN with the set as hypothetical indexes) / the planner's cost with the set "
               f"built for real. The advisor saw {wl[0]['label']} only"
               + (f"; {', '.join(tests)} are test workloads" if tests else "") + ":\n")
    cols = [w["label"] + (" (training)" if w["role"] == "training" else "") for w in wl]
    if tests:
        cols.append("test mean")
    out.append("| budget | size est. / built | " + " | ".join(cols) + " |")
    out.append("| --- | ---: | " + " | ".join("---:" for _ in cols) + " |")
    for kind in ("sum_ratio", "geo_ratio"):
        if kind == "geo_ratio":
            out.append("")
            out.append("Geometric mean of the per-query ratios, same layout:\n")
            out.append("| budget | size est. / built | " + " | ".join(cols) + " |")
            out.append("| --- | ---: | " + " | ".join("---:" for _ in cols) + " |")
        for b in good:
            bb = built.get(b["budget"], {}).get("workloads", {})
            cells = []
            for w in wl:
                est = b["scored"][w["label"]][kind]
                real = bb.get(w["label"], {}).get(kind)
                cells.append(f"{fmt_ratio(est)} / {fmt_ratio(real)}")
            if tests:
                e = _mean([b["scored"][t][kind] for t in tests])
                r = _mean([bb.get(t, {}).get(kind) for t in tests])
                cells.append(f"**{fmt_ratio(e)} / {fmt_ratio(r)}**")
            real_size = built.get(b["budget"], {}).get("size_bytes")
            out.append(f"| {b['budget']} | {format_size(b['size_bytes'])} / "
                       f"{format_size(real_size) if real_size is not None else '-'} | " + " | ".join(cells) + " |")
    out.append("")
    if not built:
        return out
    scope = tests or [wl[0]["label"]]
    out.append(f"Per query, the mean over {', '.join(scope)} of the ratio estimated / built (a query whose built "
               "ratio is 0.05 or more above its estimate, or above 1, is marked *):\n")
    out.append("| query | " + " | ".join(b["budget"] for b in good) + " | indexes in the built plans |")
    out.append("| --- | " + " | ".join("---:" for _ in good) + " | --- |")
    for n in results["headline"] + list(results["excluded"]):
        cells, used = [], set()
        for b in good:
            bb = built.get(b["budget"], {}).get("workloads", {})
            est = _mean([(b["scored"][t]["costs_after"].get(n) or 0) / wb
                         for t in scope for wb in [next(w for w in wl if w["label"] == t)["baseline_costs"].get(n)]
                         if wb])
            real = _mean([(bb[t]["with"].get(n) or 0) / bb[t]["without"][n] for t in scope
                          if t in bb and bb[t]["without"].get(n)])
            for t in scope:
                used |= set(bb.get(t, {}).get("used_by", {}).get(n, []))
            mark = "*" if est is not None and real is not None and (real > est + 0.05 or real > 1.001) else ""
            cells.append(f"{fmt_ratio(est)} / {fmt_ratio(real)}{mark}")
        label = n if n in results["headline"] else f"({n})"
        out.append(f"| {label} | " + " | ".join(cells) + f" | {', '.join(sorted(used)) or '-'} |")
    out.append("")
    return out


def ddl_listing(results: dict[str, Any]) -> str:
    out = []
    for b in results["budgets"]:
        out.append(f"-- budget {b['budget']}: " + (
            b["error"] if b.get("error") else f"{b['indexes']} indexes, {format_size(b['size_bytes'])}"))
        for r in b.get("recommendations", []):
            out.append(f"{r['ddl']}  -- {format_size(r['size_bytes'])}; serves {', '.join(map(str, r['statements']))}")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def advisor_tree() -> dict[str, Any]:
    """Which advisor the run measured: the tree's commit (git, or the .commit file of an exported tree)
    and the files of indexadvisor/ that differ from it."""
    out: dict[str, Any] = {"path": str(REPO), "commit": None, "modified": []}
    if (REPO / ".commit").exists():
        out["commit"] = (REPO / ".commit").read_text().strip()
        return out
    try:
        out["commit"] = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                                       text=True, check=True).stdout.strip()
        out["modified"] = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "indexadvisor"],
                                         capture_output=True, text=True, check=True).stdout.split("\n")
        out["modified"] = [m.strip() for m in out["modified"] if m.strip()]
    except (OSError, subprocess.CalledProcessError):
        pass
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sf", type=float, default=1, help="scale factor (default 1; 10 for the large run)")
    p.add_argument("--workdir", type=Path, default=Path(os.environ.get("TPCH_WORKDIR", "/tmp/indexadvisor-tpch")),
                   help="where the generated data (data/sfN) and the local cluster (pg/data) live, kept between runs "
                        "(default /tmp/indexadvisor-tpch)")
    p.add_argument("--dsn", help="an existing server (any database; the benchmark uses --dbname on it) "
                                 "instead of the local cluster; needs hypopg available")
    p.add_argument("--dbname", help="database to create/use (default tpch_sf<N>)")
    p.add_argument("--keep", action="store_true", help="leave the local cluster running at the end")
    p.add_argument("--reload", action="store_true", help="reload the data even when it is already there")
    p.add_argument("--budgets", default=DEFAULT_BUDGETS, help=f"comma-separated (default {DEFAULT_BUDGETS})")
    p.add_argument("--real", action="store_true", help="build the --real-budget set for real and time the queries")
    p.add_argument("--real-budget", default="1GB", help="which budget's set --real builds (default 1GB)")
    p.add_argument("--runs", type=int, default=3, help="timed runs per query with --real, best taken (default 3)")
    p.add_argument("--cycles", type=int, default=2,
                   help="with --real: alternate without/with the set this many times (default 2)")
    p.add_argument("--statement-timeout", default="30min", help="per query with --real (default 30min)")
    p.add_argument("--min-improvement", type=float,
                   help="passed to SelectionOptions (default: the package's); for diagnosis only")
    p.add_argument("--max-width", type=int, help="passed to SelectionOptions (default: the package's)")
    p.add_argument("--seed", type=int,
                   help="draw the training workload's substitution parameters at random with this seed, from the "
                        "specification's domains (default: the validation parameters of queries/)")
    p.add_argument("--param-sets", type=int, default=1,
                   help="K workloads: the training one and K-1 test workloads with seeds SEED+1..SEED+K-1 (SEED 1 "
                        "when --seed is not given), which the advisor never sees; each is scored with every "
                        "budget's set (default 1: the training workload only)")
    p.add_argument("--built-cost", action="store_true",
                   help="also build each budget's set for real in a copy of the database (--built-dbname) and take "
                        "the planner's cost of every workload with it and without it")
    p.add_argument("--built-dbname", help="the copy --built-cost builds in (default <dbname>_built)")
    p.add_argument("--built-analyze", choices=("auto", "never"), default="auto",
                   help="with --built-cost: ANALYZE the tables that get an expression index (auto, the default) "
                        "or never")
    p.add_argument("--copy-wait", type=float, default=1800,
                   help="with --built-cost: how long to retry copying the database while another session is on it "
                        "(seconds, default 1800)")
    p.add_argument("--results", type=Path, help="write the table and the raw numbers to this JSON file")
    args = p.parse_args(argv)

    budgets = [(b.strip(), parse_size(b.strip())) for b in args.budgets.split(",") if b.strip()]
    extra_options: dict[str, Any] = {}
    if args.min_improvement is not None:
        extra_options["min_improvement"] = args.min_improvement
    if args.max_width is not None:
        extra_options["max_width"] = args.max_width
    dbname = args.dbname or f"tpch_sf{sf_label(args.sf)}"
    base_queries = read_queries()
    headline = [n for n in base_queries if n not in EXCLUDED]
    if args.param_sets < 1:
        p.error("--param-sets must be at least 1")
    first = args.seed if args.seed is not None else 1
    seeds = ([args.seed] if args.seed is not None else [None]) + [first + i for i in range(1, args.param_sets)]
    workloads: list[dict[str, Any]] = []
    for i, seed in enumerate(seeds):
        if seed is None:
            texts, chosen = base_queries, None
        else:
            texts, chosen = tpch_params.workload(seed, base_queries, args.sf)
        workloads.append({"label": "fixed" if seed is None else f"seed {seed}", "seed": seed,
                          "role": "training" if i == 0 else "test", "queries": texts, "params": chosen})
    queries = workloads[0]["queries"]  # what the advisor sees

    data, rowcounts = generate_data(args.sf, args.workdir / "data")
    spec = {t: FIXED_ROWS.get(t) or round(ROWS_PER_SF.get(t, 0) * args.sf) or rowcounts[t] for t in TABLES}
    if spec != rowcounts:
        log(f"data: row counts {rowcounts} differ from the specification's {spec}; loading the files' as they are")
    expected = rowcounts

    cluster = None
    if args.dsn:
        server_dsn = args.dsn
    else:
        cluster = LocalCluster(args.workdir / "pg")
        server_dsn = cluster.start()
    exit_code = 0
    try:
        db_dsn = ensure_database(server_dsn, dbname)
        load_info = load(db_dsn, data, expected, args.reload)
        dropped = drop_leftover_indexes(db_dsn)
        copy_info = None
        if args.built_cost:
            copy_info = ensure_copy(server_dsn, dbname, args.built_dbname or f"{dbname}_built", args.copy_wait)
        seed_tag = "" if workloads[0]["seed"] is None else f"_seed{workloads[0]['seed']}"
        workload = args.workdir / f"workload_{dbname}{seed_tag}.sql"
        starts = write_workload(queries, headline, workload)
        for w in workloads:  # every workload as a file, all 22 queries, to reproduce or read
            if w["seed"] is not None:
                w["file"] = str(args.workdir / f"queries_{dbname}_seed{w['seed']}.sql")
                write_workload(w["queries"], list(w["queries"]), Path(w["file"]))

        with psycopg.connect(db_dsn, autocommit=True) as own:
            server_version = own.execute("SHOW server_version").fetchone()[0]
            hypopg_version = own.execute("SELECT extversion FROM pg_extension WHERE extname = 'hypopg'").fetchone()[0]
            settings = dict(own.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
                (["shared_buffers", "work_mem", "effective_cache_size", "random_page_cost",
                  "max_parallel_workers_per_gather", "jit"],)).fetchall())
            own.execute("SELECT hypopg_reset()")
            domain_problems = []
            if any(w["seed"] is not None for w in workloads):
                domain_problems = tpch_params.check_domains(own)
                for d in domain_problems:
                    log(f"parameter domains: {d}")
            log("checking that all 22 queries EXPLAIN without extra indexes")
            baseline = cost_all(own, queries)
            bad = [n for n, c in baseline.items() if c is None]
            if bad:
                log(f"these queries do not EXPLAIN: {bad}")
            for w in workloads:
                w["baseline_costs"] = baseline if w is workloads[0] else cost_all(own, w["queries"])
            results: dict[str, Any] = {
                "sf": args.sf, "database": dbname, "dsn": db_dsn, "server_version": server_version,
                "hypopg_version": hypopg_version, "settings": settings, "cpus": os.cpu_count(),
                "python": platform.python_version(), "workload_file": str(workload), "headline": headline,
                "excluded": list(EXCLUDED), "load": load_info, "dropped_leftover_indexes": dropped,
                "baseline_costs": baseline, "budgets": [], "runs": args.runs, "options": extra_options,
            }
            if len(workloads) > 1 or workloads[0]["seed"] is not None or args.built_cost:
                results["workloads"] = [{k: v for k, v in w.items() if k != "queries"} for w in workloads]
                results["advisor_tree"] = advisor_tree()
                results["domain_problems"] = domain_problems
            for label, budget in budgets:
                log(f"budget {label}: analyze() ...")
                b = run_budget(label, budget, workload, starts, queries, headline, db_dsn, own, baseline, extra_options)
                results["budgets"].append(b)
                if not b.get("error") and "workloads" in results:
                    b["scored"] = score_estimated(own, b, workloads, headline)
                if not b.get("error"):
                    log(f"budget {label}: {b['indexes']} indexes, {format_size(b['size_bytes'])}, "
                        f"sum ratio {fmt_ratio(b['sum_ratio'])}, {b['seconds']:.1f} s, {b['explain_count']} EXPLAINs")

        if args.built_cost:
            good = [b for b in results["budgets"] if not b.get("error")]
            results["built"] = run_built(make_conninfo(server_dsn, dbname=copy_info["database"]), good, workloads,
                                         headline, args.built_analyze)
            results["built"]["copy"] = copy_info

        if args.real:
            target = next((b for b in results["budgets"] if b["budget"].lower() == args.real_budget.lower()), None)
            if target is None or target.get("error"):
                log(f"--real: no usable result for budget {args.real_budget}")
                exit_code = 1
            else:
                results["real"] = run_real(db_dsn, target, queries, headline, args.runs, args.cycles,
                                           args.statement_timeout)

        table = markdown(results)
        results["markdown"] = table
        print(table)
        print("Chosen indexes per budget:\n")
        print("```sql")
        print(ddl_listing(results).rstrip())
        print("```\n")
        anomalies = [(b["budget"], a) for b in results["budgets"] for a in b["anomalies"]]
        if anomalies:
            print("Anomalies:\n")
            for budget, a in anomalies:
                print(f"- [{budget}] {a}")
            print()
        notes = sorted({n for b in results["budgets"] for n in b.get("notes", [])})
        if notes:
            print("Advisor notes:\n")
            for n in notes:
                print(f"- {n}")
            print()
        if args.results:
            args.results.parent.mkdir(parents=True, exist_ok=True)
            args.results.write_text(json.dumps(results, indent=1, default=str))
            log(f"results written to {args.results}")
        if cluster is not None:
            print(f"Database: {db_dsn}")
    finally:
        if cluster is not None:
            if args.keep:
                log(f"cluster: left running (--keep): {make_conninfo(server_dsn, dbname=dbname)}; "
                    f"stop with: {cluster.stop_command()}")
            else:
                cluster.stop()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
