"""Fuzz every reader (issue 15, "Done when"): random nesting, random bytes, truncated compressed
files and random report JSON never make a traceback; the commands exit 0 or 2 as documented; every
bad statement is counted with its location, and the good statements are still analysed.

Readers: SQL files, PostgreSQL logs (stderr, csvlog, jsonlog), pg_stat_statements exports (CSV,
JSON lines, a JSON array), ORM logs (Prisma, Django), DDL files, and report files (`--from`).

The default run is a few seconds (few examples, derandomized, so CI is repeatable). For a long,
random run (benchmarks, before a release):

    INDEXADVISOR_FUZZ=long python -m pytest -q -p no:cacheprovider tests/test_fuzz_readers.py

``INDEXADVISOR_FUZZ_EXAMPLES=N`` sets the examples per test instead.
"""

from __future__ import annotations

import bz2
import copy
import csv
import gzip
import io
import json
import lzma
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_nesting import NESTING, ands
from typer.testing import CliRunner

from indexadvisor import api
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.cli import app
from indexadvisor.errors import InputError
from indexadvisor.report import schema as report_schema
from indexadvisor.report.json import render
from indexadvisor.report.load import load_report
from indexadvisor.sources.files import SourceOptions, read_workload_file
from indexadvisor.sources.fingerprint import fingerprint
from indexadvisor.sources.pglog import plan_query
from indexadvisor.sources.workload import WorkloadBuilder

ROOT = Path(__file__).resolve().parent.parent
LONG = os.environ.get("INDEXADVISOR_FUZZ") == "long"
EXAMPLES = int(os.environ.get("INDEXADVISOR_FUZZ_EXAMPLES") or (1000 if LONG else 12))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG and "INDEXADVISOR_FUZZ_EXAMPLES" not in os.environ,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
runner = CliRunner()

SCHEMA = ("CREATE TABLE t (a int, b int, c text);\n"
          "CREATE TABLE u (id int PRIMARY KEY, t_a int);\n")
GOOD = [  # distinct shapes, each one an index can serve
    "SELECT * FROM t WHERE a = {n}",
    "SELECT a, b FROM t WHERE b > {n} ORDER BY a LIMIT 5",
    "UPDATE t SET c = 'x' WHERE b = {n}",
    "DELETE FROM u WHERE t_a = {n}",
    "SELECT * FROM t JOIN u ON u.t_a = t.a WHERE t.c = 'v{n}'",
]
TOKENS = ["SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "=", "<", "t", "u", "a", "b", "1", "(", ")", "CASE", "WHEN",
          "THEN", "END", "IN", "EXISTS", ",", "*", "JOIN", "ON", "::", "int", "[", "]", "->>", "$1", "LIMIT", "ORDER",
          "BY", "GROUP", "WITH", "AS", "UNION", "INSERT", "INTO", "VALUES", "UPDATE", "SET", "DELETE", "@>", "||", "."]
# bytes that cannot open a quote, a comment or a dollar quote, end a statement or a line: a bad segment stays
# one line of its own, so it cannot swallow the good statements after it
SAFE_BYTES = bytes(b for b in range(256) if b not in b"'\"$;-/*\n\r\\Ee")


@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ia-fuzz-") as name:
        yield Path(name)


# ---------------------------------------------------------------- bad statements


@st.composite
def too_deep(draw: st.DrawFn) -> str:
    make, depth = NESTING[draw(st.sampled_from(sorted(NESTING)))]
    return make(draw(st.integers(4 * depth, 8 * depth)))


@st.composite
def salad(draw: st.DrawFn) -> str:
    return " ".join(draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25)))


nested_or_salad = st.one_of(too_deep(), salad(), st.integers(1, 300).map(ands))  # (thousands: test_nesting.py)
raw_line = st.binary(min_size=1, max_size=200).map(lambda b: bytes(SAFE_BYTES[x % len(SAFE_BYTES)] for x in b))
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be"])
compressions = st.sampled_from(["", "gzip", "bzip2", "xz"])


def compress(data: bytes, how: str) -> bytes:
    return {"": lambda d: d, "gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}[how](data)


def suffix(how: str) -> str:
    return {"": "", "gzip": ".gz", "bzip2": ".bz2", "xz": ".xz"}[how]


def analysed(report: Any, sql: str) -> bool:
    """Whether the statement's shape was analysed (not refused, not skipped)."""
    item = next((s for s in report.statements if s.fingerprint == fingerprint(sql)), None)
    return item is not None and not any(n.startswith("not analysed") for n in item.notes)


def accounted(report: Any, placed: list[tuple[str, Any, int, int]], index: int) -> bool:
    """Whether the statement placed at ``index`` is in the report with its location: an error at its
    lines, or its shape located there (at the first statement of the same shape: shapes are deduplicated)."""
    kind, sql, line, lines = placed[index]
    if isinstance(sql, str):
        first = next(p for p in placed if isinstance(p[1], str) and fingerprint(p[1]) == fingerprint(sql))
        _, _, line, lines = first
    wanted = range(line, line + lines)
    return any(e.line in wanted for e in report.errors) or any(
        s.location.rsplit(":", 1)[-1].isdigit() and int(s.location.rsplit(":", 1)[-1]) in wanted for s in report.statements)


def check_report(report: Any) -> None:
    """Any report can be written, and what is written is finite and a valid report (what --from accepts)."""
    text = render(report)
    assert "Infinity" not in text and "NaN" not in text
    assert report_schema.first_error(json.loads(text)) is None


# ---------------------------------------------------------------- SQL files


@fuzz
@given(
    segments=st.lists(st.one_of(st.tuples(st.just("good"), st.integers(0, len(GOOD) - 1)),
                                st.tuples(st.just("bad"), nested_or_salad),
                                st.tuples(st.just("raw"), raw_line)), min_size=1, max_size=25),
    encoding=encodings, compression=compressions,
)
def test_sql_files(segments: list[tuple[str, Any]], encoding: str, compression: str) -> None:
    if encoding != "utf-8":  # raw bytes are bytes of a UTF-8 file
        segments = [s for s in segments if s[0] != "raw"]
    parts: list[str | bytes] = []
    placed: list[tuple[str, Any, int, int]] = []  # kind, statement (or raw bytes), first line, lines
    line = 1
    for n, (kind, value) in enumerate(segments):
        if kind == "raw":
            parts.append(value + b";\n")
            placed.append((kind, value, line, 1))
            line += 1
            continue
        sql = GOOD[value].format(n=n) if kind == "good" else f"{value} /* {n} */" if n % 2 else value
        parts.append(sql + ";\n")
        placed.append((kind, sql, line, sql.count("\n") + 1))
        line += sql.count("\n") + 1
    data = encode(parts, encoding)
    with folder() as tmp:
        (tmp / "schema.sql").write_text(SCHEMA)
        path = tmp / f"w.sql{suffix(compression)}"
        path.write_bytes(compress(data, compression))
        report = api.analyze([path], schema=[tmp / "schema.sql"])
        check_report(report)
    for i, (kind, sql, _, _) in enumerate(placed):
        if kind == "good":
            assert analysed(report, sql), sql
        elif kind == "bad":
            assert accounted(report, placed, i), sql[:200]


def encode(parts: list[str | bytes], encoding: str) -> bytes:
    """Text parts in the encoding (one byte order mark at the start, if it has one); bytes parts as they are."""
    if all(isinstance(p, str) for p in parts):
        return "".join(p for p in parts if isinstance(p, str)).encode(encoding)
    return b"".join(p if isinstance(p, bytes) else p.encode("utf-8") for p in parts)


# ---------------------------------------------------------------- logs and exports: (line writer, format)

STDERR = "2024-01-02 03:04:05.{ms:03d} UTC [4242] app@app LOG:  duration: 0.5 ms  statement: {sql}"


def stderr_line(sql: str, n: int) -> str:
    return STDERR.format(ms=n % 1000, sql=sql)


def csvlog_line(sql: str, n: int) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(
        [f"2024-01-02 03:04:05.{n % 1000:03d} UTC", "app", "app", 4242, "127.0.0.1:5000", "65a1b2c3.1092", n, "SELECT",
         "2024-01-02 03:04:00 UTC", "3/5", 0, "LOG", "00000", f"duration: 0.5 ms  statement: {sql}",
         "", "", "", "", "", "", "", "", "", "psql", "client backend", "", 0])
    return out.getvalue()


def jsonlog_line(sql: str, n: int) -> str:
    return json.dumps({"timestamp": f"2024-01-02 03:04:05.{n % 1000:03d} UTC", "pid": 4242, "error_severity": "LOG",
                       "message": f"duration: 0.5 ms  statement: {sql}"}, separators=(",", ":"))  # as PostgreSQL writes it


def pgss_json_line(sql: str, n: int) -> str:
    return json.dumps({"query": sql, "calls": n + 1, "total_exec_time": 0.5, "rows": 1})


def prisma_line(sql: str, n: int) -> str:
    return json.dumps({"timestamp": "2024-01-02T03:04:05.000Z", "query": sql, "params": "[]", "duration": 1})


def django_line(sql: str, n: int) -> str:
    return f"({n % 10}.002) {sql}; args=(); alias=default"


def pgss_csv_line(sql: str, n: int) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([sql, n + 1, 0.5, 1])
    return out.getvalue()


# name -> (line writer, header, file name, --input-format)
LOGS: dict[str, tuple[Callable[[str, int], str], str, str, str | None]] = {
    "stderr": (stderr_line, "", "postgresql.log", None),
    "csvlog": (csvlog_line, "", "postgresql.csv", None),
    "jsonlog": (jsonlog_line, "", "postgresql.json", None),
    "pgss-json": (pgss_json_line, "", "pgss.json", None),
    "pgss-csv": (pgss_csv_line, "query,calls,total_exec_time,rows", "pgss.csv", None),
    "prisma": (prisma_line, "", "prisma.log", "prisma"),
    "django": (django_line, "", "django.log", "django"),
}


@fuzz
@given(
    fmt=st.sampled_from(sorted(LOGS)),
    entries=st.lists(st.one_of(st.tuples(st.just("good"), st.integers(0, len(GOOD) - 1)),
                               st.tuples(st.just("bad"), nested_or_salad)), min_size=1, max_size=15),
    encoding=encodings, compression=compressions,
)
def test_log_entries_with_bad_statements(fmt: str, entries: list[tuple[str, Any]], encoding: str,
                                         compression: str) -> None:
    """Well-formed entries, some carrying bad statements: each bad one counted at its line, the rest analysed."""
    write, header, name, _ = LOGS[fmt]
    lines = [header] if header else []
    placed: list[tuple[str, Any, int, int]] = []
    for n, (kind, value) in enumerate(entries):
        if kind == "good":
            sql = GOOD[value].format(n=n)
        else:  # SELECT first, so that no reader leaves it out as a utility statement
            sql = value if value.startswith("SELECT ") else f"SELECT {value}"
            sql = f"{sql} AND zz{n} = 1" if n % 2 else sql
        lines.append(write(sql, n))
        placed.append((kind, sql, len(lines), 1))
    with folder() as tmp:
        (tmp / "schema.sql").write_text(SCHEMA)
        path = tmp / (name + suffix(compression))
        path.write_bytes(compress(("\n".join(lines) + "\n").encode(encoding), compression))
        builder = WorkloadBuilder()
        read_workload_file(path, builder, SourceOptions(input_format=fmt))  # detection: test_random_bytes_...
        workload = builder.build()
        errors: list = []
        report = api.advise(workload, read_ddl([tmp / "schema.sql"], errors), errors)
        check_report(report)
    for i, (kind, sql, line, _) in enumerate(placed):
        if kind == "good":
            assert analysed(report, sql), sql
        else:
            assert accounted(report, placed, i), (fmt, line, sql[:200])


@fuzz
@given(
    fmt=st.sampled_from(sorted(LOGS) + ["sql"]),
    good=st.lists(st.integers(0, len(GOOD) - 1), min_size=1, max_size=10),
    noise=st.lists(st.tuples(st.integers(0, 30), st.binary(max_size=300)), max_size=6),
    cut=st.one_of(st.none(), st.floats(0.0, 1.0)),
    flip=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=3),
    compression=compressions, encoding=encodings,
)
def test_random_bytes_and_damaged_files(fmt: str, good: list[int], noise: list[tuple[int, bytes]], cut: float | None,
                                        flip: list[tuple[float, int]], compression: str, encoding: str) -> None:
    """Random bytes anywhere, files cut short, compressed data damaged: no traceback, the command exits 0."""
    if fmt == "sql":
        lines = [GOOD[g].format(n=n) + ";" for n, g in enumerate(good)]
        name, input_format = "w.sql", None
    else:
        write, header, name, input_format = LOGS[fmt]
        lines = ([header] if header else []) + [write(GOOD[g].format(n=n), n) for n, g in enumerate(good)]
    data = bytearray(("\n".join(lines) + "\n").encode(encoding))
    for where, junk in noise:
        at = data.find(b"\n", min(where * 37, len(data))) + 1
        data[at:at] = junk + b"\n"
    data = bytearray(compress(bytes(data), compression))
    for where, value in flip:
        if data:
            data[int(where * (len(data) - 1))] = value
    if cut is not None:
        data = data[: int(cut * len(data))]
    with folder() as tmp:
        (tmp / "schema.sql").write_text(SCHEMA)
        path = tmp / (name + suffix(compression))
        path.write_bytes(bytes(data))
        args = ["analyze", str(path), "--schema", str(tmp / "schema.sql"), "--format", "json"]
        if input_format:
            args += ["--input-format", input_format]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (result.exit_code, result.output[-2000:], repr(result.exception))
        doc = json.loads(result.stdout)
    assert report_schema.first_error(doc) is None
    assert doc["statements"]["analysed"] <= doc["statements"]["shapes"]
    if cut is None and not flip and not noise and compression == "":
        assert doc["statements"]["analysed"] == len(set(good))


MAGIC = [b"", b"\x1f\x8b", b"\x1f\x8b\x08\x00\x00\x00\x00\x00", b"BZh9", b"\xfd7zXZ\x00", b"\xef\xbb\xbf", b"\xff\xfe",
         b"\xfe\xff", b"\x00\x00\xfe\xff", b"{", b"[", b"query,calls\n"]


@fuzz
@given(name=st.sampled_from([f[2] for f in LOGS.values()] + ["w.sql", "w.sql.gz", "w.log.xz", "data"]),
       magic=st.sampled_from(MAGIC), body=st.binary(max_size=3000))
def test_random_files(name: str, magic: bytes, body: bytes) -> None:
    """Any bytes under any name, behind any magic number: read or refused as bad input, exit 0."""
    with folder() as tmp:
        (tmp / "schema.sql").write_text(SCHEMA)
        path = tmp / name
        path.write_bytes(magic + body)
        result = runner.invoke(app, ["analyze", str(path), "--schema", str(tmp / "schema.sql"), "--format", "json"])
        assert result.exit_code == 0, (result.output[-2000:], repr(result.exception))
        assert report_schema.first_error(json.loads(result.stdout)) is None


# ---------------------------------------------------------------- DDL


@fuzz
@given(
    statements=st.lists(st.one_of(
        st.tuples(st.just("table"), st.integers(0, 10**6)),
        st.tuples(st.just("check"), st.integers(1, 400)),
        st.tuples(st.just("index"), nested_or_salad),
        st.tuples(st.just("salad"), salad()),
        st.tuples(st.just("raw"), raw_line),
    ), min_size=1, max_size=15),
    encoding=encodings,
)
def test_ddl_files(statements: list[tuple[str, Any]], encoding: str) -> None:
    """Tables defined whole are read; each DDL statement that defines something and cannot be read is an error at its line."""
    if encoding != "utf-8":
        statements = [s for s in statements if s[0] != "raw"]
    parts: list[str | bytes] = []
    tables, defining = [], []
    for n, (kind, value) in enumerate(statements):
        line = n + 1
        if kind == "table":
            tables.append(f"t{n}_{value}")
            parts.append(f"CREATE TABLE t{n}_{value} (id int PRIMARY KEY, v int);\n")
        elif kind == "check":
            parts.append(f"CREATE TABLE deep{n} (v int CHECK ({'(' * value}v > 0{')' * value}));\n")
            if value >= 200:
                defining.append(line)  # always too deep to parse
        elif kind == "index":
            parts.append(f"CREATE INDEX i{n} ON t (a) WHERE {value};\n")
        elif kind == "salad":
            parts.append(f"CREATE TABLE s{n} {value};\n")
        else:
            parts.append(value + b";\n")
    with folder() as tmp:
        path = tmp / "schema.sql"
        path.write_bytes(encode(parts, encoding))
        errors: list = []
        catalog = read_ddl([path], errors)
        for name in tables:
            assert catalog.find(name) is not None, name
        for line in defining:
            assert any(e.line == line for e in errors), line
        # the command: exit 0, or 2 when no CREATE TABLE could be read (how deep a CHECK can be read depends
        # on the stack in use, so a borderline one may be read here and not there)
        result = runner.invoke(app, ["health", "--schema", str(path), "--format", "json"])
        assert result.exit_code in (0, 2), (result.output[-2000:], repr(result.exception))
        if tables or result.exit_code == 0:
            assert result.exit_code == 0 and json.loads(result.stdout), (result.output[-2000:], repr(result.exception))
        else:
            assert "no CREATE TABLE" in result.stderr and result.stderr.count("\n") == 1, result.output


# ---------------------------------------------------------------- report files


def _sample_report() -> dict:
    with folder() as tmp:
        out = tmp / "r.json"
        result = runner.invoke(app, ["analyze", str(ROOT / "sample_workloads" / "saas"), "--format", "json", "--output", str(out)])
        assert result.exit_code == 0
        return json.loads(out.read_text())


SAMPLE = _sample_report()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
PATHS: list[tuple[Any, ...]] = []


def _paths(node: Any, at: tuple[Any, ...] = ()) -> None:
    PATHS.append(at)
    if isinstance(node, dict):
        for k, v in node.items():
            _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            _paths(v, (*at, i))


_paths(SAMPLE)


@dataclass(frozen=True)
class Deep:
    """A JSON text nested this many arrays deep."""

    depth: int

    def text(self) -> str:
        return "[" * self.depth + "]" * self.depth


DEEP_MARK = "__deep__"


@st.composite
def damaged_reports(draw: st.DrawFn) -> Any:
    """The sample report with values replaced, deleted, or nested deep (DEEP_MARK: 100,000 levels)."""
    doc = copy.deepcopy(SAMPLE)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.sampled_from(PATHS[1:]))
        parent = doc
        try:
            for key in at[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "nest"]))
            if action == "replace":
                parent[at[-1]] = draw(json_values)
            elif action == "delete" and isinstance(parent, dict):
                del parent[at[-1]]
            elif action == "nest":
                depth = draw(st.integers(1, 500))
                parent[at[-1]] = DEEP_MARK if depth == 500 else json.loads(Deep(depth).text())
        except (KeyError, IndexError, TypeError):
            continue
    return doc


@fuzz
@given(document=st.one_of(damaged_reports(), json_values, st.integers(1, 300_000).map(Deep), st.binary(max_size=200)))
def test_report_files(document: Any) -> None:
    """Any file given to --from loads as a report or is one InputError; what loads renders, gates and migrates."""
    with folder() as tmp:
        path = tmp / "report.json"
        if isinstance(document, bytes):
            path.write_bytes(document)
        elif isinstance(document, Deep):
            path.write_text(document.text())
        else:
            path.write_text(json.dumps(document).replace(f'"{DEEP_MARK}"', Deep(100_000).text()))
        try:
            report = load_report(path)
        except InputError as exc:
            assert "\n" not in str(exc)
            loaded = False
        else:
            loaded = True
            check_report(report)
            assert jsonschema.Draft202012Validator(report_schema.schema()).is_valid(json.loads(path.read_text()))
        for fmt in ("markdown", "sarif", "junit", "github", "json"):
            result = runner.invoke(app, ["report", "--from", str(path), "--format", fmt])
            assert result.exit_code == (0 if loaded else 2), (fmt, result.output[-2000:], repr(result.exception))
        result = runner.invoke(app, ["migrate", "--tool", "sql", "--out", str(tmp / "m"), "--from", str(path)])
        assert result.exit_code == (0 if loaded else 2), (result.output[-2000:], repr(result.exception))


@pytest.mark.parametrize("depth", [10, 1000, 100_000])
def test_json_nesting_in_every_json_reader(depth: int) -> None:
    deep = "[" * depth + "]" * depth
    with folder() as tmp:
        (tmp / "schema.sql").write_text(SCHEMA)
        files = {
            "pgss.json": '{"query": "SELECT * FROM t WHERE a = 1", "calls": 2}\n{"query": ' + deep + ', "calls": 1}\n',
            "pgss_array.json": '[{"query": "SELECT * FROM t WHERE a = 1", "calls": 2}, ' + deep + "]\n",
            "postgresql.json": jsonlog_line("SELECT * FROM t WHERE a = 1", 1) + "\n"
                               + '{"error_severity":"LOG","message": ' + deep + "}\n",
            "prisma.log": prisma_line("SELECT * FROM t WHERE a = 1", 1) + '\n{"query": "SELECT 1", "params": ' + deep + "}\n",
        }
        for name, text in files.items():
            path = tmp / name
            path.write_text(text)
            args = ["analyze", str(path), "--schema", str(tmp / "schema.sql"), "--format", "json"]
            if name == "prisma.log":
                args += ["--input-format", "prisma"]
            result = runner.invoke(app, args)
            assert result.exit_code == 0, (name, result.output[-2000:], repr(result.exception))
            doc = json.loads(result.stdout)
            if depth >= 1000:
                assert doc["statements"]["errors"], name  # the deep line (or document) is counted
            if name == "pgss_array.json" and depth >= 1000:
                assert "nested too deeply" in doc["statements"]["errors"][0]["message"]  # one document: all or nothing
            else:
                assert doc["statements"]["analysed"] >= 1, name  # the good line is analysed



# ---------------------------------------------------------------- what the fuzzing found, kept as cases

HUGE = "9" * 400  # a number float() reads as infinity


@pytest.mark.parametrize("name, text, fmt", [
    ("postgresql.log", stderr_line("SELECT * FROM t WHERE a = 1", 1).replace("0.5 ms", f"{HUGE}.0 ms"), None),
    ("postgresql.log", stderr_line("SELECT * FROM t WHERE a = 1", 1).replace("0.5 ms", "nan ms"), None),
    ("postgresql.json", jsonlog_line("SELECT * FROM t WHERE a = 1", 1).replace("0.5 ms", "1e400 ms"), None),
    ("prisma.log", '{"query": "SELECT * FROM t WHERE a = 1", "params": "[]", "duration": ' + HUGE + "}", "prisma"),
    ("prisma.log", '{"query": "SELECT * FROM t WHERE a = 1", "params": "[]", "duration": 1e400}', "prisma"),
    ("prisma.log", '{"query": "SELECT * FROM t WHERE a = 1", "params": "[]", "timestamp": ' + HUGE + "}", "prisma"),
    ("prisma.log", f"prisma:query SELECT * FROM t WHERE a = 1\nDuration: {HUGE}ms", "prisma"),
    ("django.log", f"({HUGE}.0) SELECT * FROM t WHERE a = 1; args=(); alias=default", "django"),
])
def test_durations_no_clock_could_measure(name: str, text: str, fmt: str | None) -> None:
    """An infinite, NaN or 400-digit duration or timestamp: counted (or ignored), never a traceback or Infinity."""
    with folder() as tmp:
        (tmp / "schema.sql").write_text(SCHEMA)
        path = tmp / name
        path.write_text(text + "\n" + write_good(fmt or name) + "\n")
        args = ["analyze", str(path), "--schema", str(tmp / "schema.sql"), "--format", "json"] + (["--input-format", fmt] if fmt else [])
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (result.output[-2000:], repr(result.exception))
        assert "Infinity" not in result.stdout and "NaN" not in result.stdout
        doc = json.loads(result.stdout)
        assert doc["statements"]["analysed"] >= 1
        if "timestamp" not in text:
            assert [e["line"] for e in doc["statements"]["errors"]][:1] in ([1], [2]), doc["statements"]["errors"]


def write_good(fmt: str) -> str:
    sql = "SELECT * FROM t WHERE b = 2"
    return {"prisma": prisma_line, "django": django_line, "postgresql.json": jsonlog_line}.get(fmt, stderr_line)(sql, 2)


def test_an_auto_explain_yaml_plan_with_a_bad_escape_is_no_plan() -> None:
    assert plan_query('Query Text: "SELECT \\q FROM t"\nPlan: x') == (None, None)
