#!/usr/bin/env python3
"""Generate a large PostgreSQL stderr log (and its schema) for the log-reading benchmark.

The log is what a server with ``log_min_duration_statement = 0`` writes for a
busy application: many sessions interleaved, each line carrying the
``log_line_prefix`` (default ``'%m [%p] %q%u@%d '``, the Debian default), and

- simple-protocol statements ``duration: N ms  statement: SQL`` with fresh random
  literals (multi-line statements continue on tab-indented lines);
- extended-protocol executions: ``parse``, ``bind`` and ``execute <unnamed>``
  lines, each with its duration, and ``DETAIL:  parameters: $1 = '...'``;
- N+1 bursts: one parent query, then 5-30 point lookups with different ids, in
  the same session within milliseconds;
- connections, disconnections, checkpoints, and errors with their STATEMENT;
- optionally (``--garbage``) bad lines: binary junk, truncated lines, Latin-1.

The statements come from ``generate_workload.py``'s shapes over its generated
schema (``--shapes`` distinct shapes, Zipf-like popularity). Output stops at
``--size`` bytes (``1GB``, ``200MB``) or ``-n`` statements, whichever comes first.
Standard library only; deterministic for a given ``--seed``::

    python benchmarks/generate_log.py --size 1GB --shapes 3000 -o /tmp/big.log --schema-out /tmp/big-schema.sql
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path
from typing import BinaryIO

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_workload as gw

PREFIX = "%m [%p] %q%u@%d "
USERS = [("app", "app"), ("app", "app"), ("worker", "app"), ("report", "analytics")]


def parse_size(text: str) -> int:
    text = text.strip().upper().replace("IB", "B")
    for suffix, mult in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)):
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * mult)
    return int(text)


def sql_param(value: str) -> str:
    """A literal as PostgreSQL logs a bound parameter: always single-quoted text."""
    if value.startswith("'"):
        return value
    return f"'{value}'"


class Clock:
    """Timestamps as %m prints them, advancing a little every line."""

    def __init__(self, start: float) -> None:
        self.now = start
        self._sec = -1
        self._text = ""

    def tick(self, ms: float) -> None:
        self.now += ms / 1000.0

    def stamp(self) -> str:
        sec = int(self.now)
        if sec != self._sec:
            self._sec = sec
            self._text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(sec))
        return f"{self._text}.{int((self.now - sec) * 1000):03d} UTC"


class Writer:
    """Lines to a binary stream, UTF-8 unless a line asks for another encoding."""

    def __init__(self, out: BinaryIO, prefix: str) -> None:
        if prefix != PREFIX:
            raise SystemExit("only the default prefix is generated for now: " + PREFIX)
        self.out = out
        self.buf: list[str] = []
        self.bytes = 0
        self.lines = 0

    def line(self, text: str) -> None:
        self.buf.append(text)
        self.lines += 1
        if len(self.buf) >= 8192:
            self.flush()

    def raw(self, data: bytes) -> None:
        self.flush()
        self.out.write(data + b"\n")
        self.bytes += len(data) + 1
        self.lines += 1

    def flush(self) -> None:
        if not self.buf:
            return
        data = ("\n".join(self.buf) + "\n").encode("utf-8")
        self.bytes += len(data)
        self.out.write(data)
        self.buf.clear()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="100MB", help="stop at this many bytes (default 100MB)")
    ap.add_argument("-n", "--statements", type=int, default=0, help="stop at this many statements (default: no limit)")
    ap.add_argument("--shapes", type=int, default=3000, help="distinct statement shapes (default 3000)")
    ap.add_argument("--tables", type=int, default=60, help="tables in the schema (default 60)")
    ap.add_argument("--sessions", type=int, default=40, help="concurrent sessions (default 40)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--extended", type=float, default=0.15, help="share of extended-protocol executions (default 0.15)")
    ap.add_argument("--n-plus-one", type=float, default=0.01, help="share of steps that are N+1 bursts (default 0.01)")
    ap.add_argument("--garbage", type=float, default=0.0, help="share of bad lines (default 0)")
    ap.add_argument("--prefix", default=PREFIX, help="log_line_prefix (default {!r})".format(PREFIX.replace("%", "%%")))
    ap.add_argument("-o", "--output", default="postgresql.log", help="log file ('.gz' compresses; '-' for stdout)")
    ap.add_argument("--schema-out", help="also write the schema DDL here")
    ap.add_argument("--stats-out", help="write what was generated (statements, bursts ...) as JSON here")
    args = ap.parse_args(argv)
    limit = parse_size(args.size)

    rng = random.Random(args.seed)
    tables = gw.build_schema(rng, args.tables)
    shapes = gw.build_shapes(rng, tables, args.shapes)
    if args.schema_out:
        Path(args.schema_out).write_text(gw.schema_sql(tables), encoding="utf-8")

    order = list(range(len(shapes)))
    rng.shuffle(order)
    cum, total = [], 0.0
    weights = [0.0] * len(shapes)
    for rank, idx in enumerate(order):
        weights[idx] = 1.0 / (rank + 1) ** 1.1
    for w in weights:
        total += w
        cum.append(total)

    # N+1 pairs: a parent listing rows of a table, then one lookup per row in another
    pairs = []
    for _ in range(20):
        parent, child = rng.sample(tables, 2)
        fk = parent.cols("fk") or parent.cols("pk")
        pairs.append((
            f"SELECT id, {fk[0].name} FROM {parent.name} WHERE created_at >= ",
            " ORDER BY created_at DESC LIMIT ",
            f"SELECT {gw.select_list(rng, child)} FROM {child.name} WHERE id = ",
        ))

    if args.output == "-":
        out: BinaryIO = sys.stdout.buffer
    elif args.output.endswith(".gz"):
        out = gzip.open(args.output, "wb", compresslevel=3)  # type: ignore[assignment]
    else:
        out = open(args.output, "wb")
    w = Writer(out, args.prefix)
    clock = Clock(1_700_000_000.0)
    pids = [rng.randint(1000, 400000) for _ in range(args.sessions)]
    who = {pid: rng.choice(USERS) for pid in pids}
    stats = {"statements": 0, "simple": 0, "extended": 0, "n_plus_one_bursts": 0, "n_plus_one_children": 0,
             "errors": 0, "garbage_lines": 0, "shapes": len(shapes)}
    picks: list[int] = []

    def prefix(pid: int) -> str:
        user, db = who[pid]
        return f"{clock.stamp()} [{pid}] {user}@{db} "

    def statement(pid: int, sql: str, ms: float) -> None:
        lines = sql.split("\n")
        w.line(f"{prefix(pid)}LOG:  duration: {ms:.3f} ms  statement: {lines[0]}")
        for more in lines[1:]:
            w.line("\t" + more)
        stats["statements"] += 1

    def garbage() -> None:
        kind = rng.random()
        if kind < 0.3:
            w.raw(bytes(rng.choice([0, 1, 2, 3, 7, 27, 127, 200, 255]) for _ in range(rng.randint(5, 60))))
        elif kind < 0.6:
            w.line(f"{clock.stamp()} [{rng.choice(pids)}] app@a")  # truncated
        elif kind < 0.8:
            w.raw(f"{clock.stamp()} [{rng.choice(pids)}] app@app LOG:  statement: SELECT 'caf\u00e9' AS latin1".encode("latin-1"))
        else:
            w.line("some other program wrote this line")
        stats["garbage_lines"] += 1

    while w.bytes + 120 * len(w.buf) < limit:
        if args.statements and stats["statements"] >= args.statements:
            break
        if not picks:
            picks = rng.choices(range(len(shapes)), cum_weights=cum, k=4096)
        pid = rng.choice(pids)
        roll = rng.random()
        clock.tick(rng.random() * 0.5)
        if args.garbage and roll < args.garbage:
            garbage()
            continue
        roll = rng.random()
        if roll < args.n_plus_one:
            p_sql, p_tail, c_sql = rng.choice(pairs)
            stamp = gw.ts_literal(rng)
            statement(pid, f"{p_sql}'{stamp}'{p_tail}{rng.choice([10, 20, 50])}", rng.random() * 3)
            ids = rng.sample(range(1, 5_000_000), rng.randint(5, 30))
            for i in ids:
                clock.tick(0.05 + rng.random() * 0.2)
                statement(pid, f"{c_sql}{i}", rng.random() * 0.2)
            stats["n_plus_one_bursts"] += 1
            stats["n_plus_one_children"] += len(ids)
            continue
        if roll < args.n_plus_one + 0.004:
            w.line(f"{prefix(pid)}ERROR:  duplicate key value violates unique constraint \"x_pkey\"")
            w.line(f"{prefix(pid)}DETAIL:  Key (id)=({rng.randint(1, 99999)}) already exists.")
            w.line(f"{prefix(pid)}STATEMENT:  INSERT INTO x (id) VALUES ({rng.randint(1, 99999)})")
            stats["errors"] += 1
            continue
        if roll < args.n_plus_one + 0.006:
            old = pid
            w.line(f"{prefix(old)}LOG:  disconnection: session time: 0:00:{rng.randint(10, 59)}.{rng.randint(0, 999):03d} "
                   f"user={who[old][0]} database={who[old][1]} host=10.0.0.{rng.randint(2, 250)} port={rng.randint(30000, 60000)}")
            new = rng.randint(1000, 400000)
            pids[pids.index(old)] = new
            who[new] = rng.choice(USERS)
            w.line(f"{clock.stamp()} [{new}] [unknown]@[unknown] LOG:  connection received: host=10.0.0.{rng.randint(2, 250)} "
                   f"port={rng.randint(30000, 60000)}")
            w.line(f"{prefix(new)}LOG:  connection authorized: user={who[new][0]} database={who[new][1]} application_name=web")
            continue
        if roll < args.n_plus_one + 0.0065:
            w.line(f"{clock.stamp()} [{pids[0] + 7}] LOG:  checkpoint starting: time")
            continue
        shape = shapes[picks.pop()]
        ms = rng.random() * rng.choice([0.2, 1, 5, 50])
        if rng.random() < args.extended:
            values = [p(rng) for p in shape.parts if not isinstance(p, str)]
            template = shape.template
            head = template.split("\n")
            params = ", ".join(f"${n} = {sql_param(v).replace(chr(10), ' ')}" for n, v in enumerate(values, 1))
            for step, dur in (("parse", ms / 10), ("bind", ms / 10), ("execute", ms)):
                w.line(f"{prefix(pid)}LOG:  duration: {dur:.3f} ms  {step} <unnamed>: {head[0]}")
                for more in head[1:]:
                    w.line("\t" + more)
                if step != "parse" and values:
                    w.line(f"{prefix(pid)}DETAIL:  parameters: {params}")
            stats["statements"] += 1
            stats["extended"] += 1
        else:
            statement(pid, shape.render(rng), ms)
            stats["simple"] += 1
    w.flush()
    if out is not sys.stdout.buffer:
        out.close()
    stats["bytes"] = w.bytes
    stats["lines"] = w.lines
    if args.stats_out:
        Path(args.stats_out).write_text(json.dumps(stats, indent=2), encoding="utf-8")
    print(f"wrote {w.bytes / 1e6:,.1f} MB, {w.lines:,} lines, {stats['statements']:,} statements "
          f"({len(shapes)} shapes, {stats['n_plus_one_bursts']:,} N+1 bursts) to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
