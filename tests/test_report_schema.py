"""The report's JSON schema (issue 15, item 11): every report the advisor writes validates against it,
and a report file that does not is one line naming the place (exit 2), never a traceback.

The schema is published with the package (indexadvisor/report/schema/report.schema.json) and checked
here with `jsonschema` (Draft 2020-12), the reference implementation; load.py checks files with the
package's own small validator, which these tests hold to the same verdicts.
"""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import psycopg
import pytest
from typer.testing import CliRunner

from indexadvisor import api
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.cli import app
from indexadvisor.errors import InputError
from indexadvisor.report import schema as report_schema
from indexadvisor.report.ci.json import render as render_ci_json
from indexadvisor.report.gate import evaluate, parse_fail_on
from indexadvisor.report.json import render, to_dict
from indexadvisor.report.load import from_dict, load_report
from indexadvisor.sources.workload import WorkloadBuilder

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workloads"
SCHEMA_FILE = ROOT / "indexadvisor" / "report" / "schema" / "report.schema.json"
runner = CliRunner()


def reference() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def strict() -> jsonschema.Draft202012Validator:
    """The schema with no key left undocumented: every object that lists its properties allows no others."""
    schema = json.loads(SCHEMA_FILE.read_text())
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node
    return jsonschema.Draft202012Validator(schema)


def assert_valid(document: dict) -> None:
    """Valid for jsonschema, every key the writer emits documented, and valid for the package's validator."""
    document = json.loads(json.dumps(document, allow_nan=False))  # as written to a file (tuples are arrays there)
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in strict().iter_errors(document)]
    assert not errors, errors[:5]
    assert report_schema.first_error(document) is None


# ---------------------------------------------------------------- the schema itself


def test_the_schema_is_draft_2020_12_and_uses_only_what_the_validator_checks() -> None:
    reference()
    assert report_schema.schema() == json.loads(SCHEMA_FILE.read_text())  # the one file, read from the package


def test_the_schema_ships_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "report.schema.json" in config["tool"]["setuptools"]["package-data"]["indexadvisor.report.schema"]
    assert (ROOT / "indexadvisor" / "report" / "schema" / "__init__.py").exists()  # a package, found by packages.find


def test_a_schema_with_an_unchecked_keyword_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = json.loads(SCHEMA_FILE.read_text())
    bad["$defs"]["key"]["properties"]["column"]["pattern"] = "^[a-z]+$"
    monkeypatch.setattr(report_schema.resources, "files", lambda _pkg: _FakeFiles(json.dumps(bad)))
    report_schema.schema.cache_clear()
    try:
        with pytest.raises(ValueError, match="pattern"):
            report_schema.schema()
    finally:
        report_schema.schema.cache_clear()


class _FakeFiles:
    def __init__(self, text: str) -> None:
        self.text = text

    def joinpath(self, _name: str) -> _FakeFiles:
        return self

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.text


# ---------------------------------------------------------------- every report the advisor writes


def _analyze_json(args: list[str], tmp_path: Path, name: str = "report.json") -> dict:
    out = tmp_path / name
    result = runner.invoke(app, ["analyze", *args, "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


@pytest.mark.parametrize("sample", ["saas", "ecommerce"])
def test_the_sample_reports_validate(tmp_path: Path, sample: str) -> None:
    doc = _analyze_json([str(SAMPLES / sample)], tmp_path)
    assert doc["recommendations"] and doc["findings"]
    assert_valid(doc)


def test_the_committed_report_fixture_validates() -> None:
    assert_valid(json.loads((ROOT / "tests" / "cases" / "migrate" / "report.json").read_text()))


def test_a_report_with_errors_notes_n_plus_one_and_every_index_kind_validates(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status text, email text, data jsonb, tags text[]);\n"
        "CREATE TABLE order_items (id int PRIMARY KEY, order_id int REFERENCES orders (id), sku text);\n"
        "CREATE INDEX orders_status ON orders (status);\nCREATE INDEX orders_status2 ON orders (status);\n"
        "CREATE INDEX orders_cs ON orders (customer_id, status);\nCREATE INDEX orders_c ON orders (customer_id);\n"
    )
    builder = WorkloadBuilder()
    sqls = [
        "SELECT * FROM orders WHERE lower(email) = 'a@b.c'",
        "SELECT * FROM orders WHERE data @> '{\"a\": 1}'",
        "SELECT * FROM orders WHERE email LIKE '%abc%'",
        "SELECT * FROM orders WHERE status = 'open' AND customer_id = 5 ORDER BY id DESC NULLS LAST LIMIT 10",
        "SELECT * FROM orders WHERE 'x' = ANY(tags)",
        "SELECT FROM nowhere WHERE (",
        "SELECT * FROM missing_table WHERE a = 1",
        "INSERT INTO orders (id) VALUES (1)",
    ]
    for i, sql in enumerate(sqls, 1):
        builder.add(sql, "w.sql", i, calls=100, total_time_ms=5.0)
    t = 0.0
    for parent in range(3):  # an N+1 in one session
        builder.add(f"SELECT id FROM orders WHERE customer_id = {parent}", "app.log", 100 + parent, session="s", ts=t)
        for k in range(8):
            t += 0.001
            builder.add(f"SELECT * FROM order_items WHERE order_id = {parent * 100 + k}", "app.log", 200, session="s", ts=t)
        t += 3.0
    builder.error("w.sql", None, "an error with no line")
    workload = builder.build()
    errors: list = []
    report = api.advise(workload, read_ddl([schema], errors), errors)
    doc = to_dict(report)
    kinds = {f["kind"] for f in doc["findings"]}
    assert {"n_plus_one", "duplicate_index", "redundant_index", "fk_without_index"} <= kinds, kinds
    assert any(e["line"] is None for e in doc["statements"]["errors"]) and doc["statements"]["skipped"]
    assert_valid(doc)
    assert_valid(json.loads(render(report)))
    assert_valid(from_dict_round_trip(doc))


def from_dict_round_trip(doc: dict) -> dict:
    return to_dict(from_dict(json.loads(json.dumps(doc))))


def test_report_json_with_its_gate_validates(tmp_path: Path) -> None:
    doc = _analyze_json([str(SAMPLES / "saas")], tmp_path)
    current = from_dict(doc)
    baseline = from_dict(_analyze_json([str(SAMPLES / "ecommerce")], tmp_path, "old.json"))
    result = evaluate(current, parse_fail_on(["any", "benefit:10"]), baseline, "old.json")
    gated = json.loads(render_ci_json(current, result))
    assert gated["gate"]["problems"]
    assert_valid(gated)


def test_health_findings_of_every_kind_validate_from_a_live_server(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE p (id int PRIMARY KEY, v int);"
            "CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p (id), v int, w int);"
            "CREATE INDEX c_v ON c (v); CREATE INDEX c_v2 ON c (v); CREATE INDEX c_vw ON c (v, w);"
            "INSERT INTO p SELECT g, g FROM generate_series(1, 2000) g;"
            # v with 1,000 values: on PostgreSQL 18 c_vw would serve w = 5 by a skip scan over 10 (and be used)
            "INSERT INTO c SELECT g, 1 + g % 2000, g % 1000, g FROM generate_series(1, 20000) g;"
            "ANALYZE;"
        )
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY c_v_bad ON c (v)")  # leaves an INVALID index
    workload = tmp_path / "w.sql"
    workload.write_text("SELECT * FROM c WHERE w = 5;\nSELECT * FROM p WHERE v = 3 ORDER BY id;\n")
    doc = to_dict(api.analyze([workload], dsn=fresh_db))
    kinds = {f["kind"] for f in doc["findings"]}
    assert {"invalid_index", "duplicate_index", "redundant_index", "fk_without_index", "unused_index"} <= kinds, kinds
    assert doc["catalog"]["server_version"] and doc["costing"] in ("planner", "statistics")
    assert_valid(doc)


# ---------------------------------------------------------------- report files that are not reports


def _report_file(tmp_path: Path) -> dict:
    return _analyze_json([str(SAMPLES / "saas")], tmp_path, "good.json")


def _broken(tmp_path: Path) -> list[tuple[str, Any, str]]:
    """(name, document or raw text, what the one-line error says)."""
    good = _report_file(tmp_path)
    int_column = copy.deepcopy(good)
    int_column["recommendations"][0]["columns"] = [1]
    int_column["recommendations"][0]["keys"] = [{"column": 1}]
    int_key = copy.deepcopy(good)
    int_key["recommendations"][0]["keys"][0]["column"] = 5
    wrong_calls = copy.deepcopy(good)
    wrong_calls["statements"]["items"][0]["calls"] = "many"
    huge_calls = copy.deepcopy(good)
    huge_calls["statements"]["items"][0]["calls"] = 10**400
    no_table = copy.deepcopy(good)
    del no_table["recommendations"][0]["table"]
    estimate = copy.deepcopy(good)
    estimate["recommendations"][0]["estimate"] = "cheap"
    finding = copy.deepcopy(good)
    finding["findings"][0]["metrics"] = {"bursts": "three"}
    return [
        ("an integer where a column name belongs", int_column, "recommendations[0].columns[0]: expected a string, got the integer 1"),
        ("an integer index key", int_key, "recommendations[0].keys[0].column: expected a string or null, got the integer 5"),
        ("a string count", wrong_calls, "statements.items[0].calls: expected an integer, got the string \"many\""),
        ("a count too large", huge_calls, "statements.items[0].calls: 1000000000000000"),
        ("a missing table", no_table, "recommendations[0]: missing 'table'"),
        ("an estimate that is a string", estimate, "recommendations[0].estimate: the string \"cheap\" is none of the values allowed here"),
        ("a metric that is a string", finding, "findings[0].metrics.bursts: expected a number or null"),
        ("nested 100,000 levels deep", "[" * 100_000 + "]" * 100_000, "JSON nested too deeply to read"),
        ("a report nested deep inside", '{"indexadvisor": {"format": 1}, "notes": ' + "[" * 100_000 + "]" * 100_000 + "}",
         "JSON nested too deeply to read"),
        ("not an object", [good], "not an indexadvisor JSON report"),
        ("a format that is not a number", {**good, "indexadvisor": {"format": "1"}}, "report format '1' is not one"),
        ("notes that are a string", {**good, "notes": "x"}, "notes: expected an array, got the string \"x\""),
    ]


def _write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / (name.replace(" ", "_").replace(",", "") + ".json")
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_each_broken_report_is_one_input_error(tmp_path: Path) -> None:
    for name, document, message in _broken(tmp_path):
        path = _write(tmp_path, name, document)
        with pytest.raises(InputError) as caught:
            load_report(path)
        text = str(caught.value)
        assert text.startswith(f"{path}: ") and message in text and "\n" not in text, (name, text)


@pytest.mark.parametrize("command", ["report --from {}", "report --from {good} --baseline {}", "migrate --tool sql --out {out} --from {}"])
def test_every_command_that_reads_a_report_gives_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    good = _write(tmp_path, "good", _report_file(tmp_path))
    for name, document, message in _broken(tmp_path)[::3] + _broken(tmp_path)[7:8]:
        path = _write(tmp_path, name, document)
        args = command.format(path, good=good, out=tmp_path / "migrations").split()
        proc = subprocess.run([sys.executable, "-m", "indexadvisor", *args], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (name, proc.stderr)
        assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr, (name, proc.stderr)


def test_a_byte_order_mark_on_a_report_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_report_file(tmp_path)).encode())
    assert load_report(path).recommendations


# ---------------------------------------------------------------- the package's validator agrees with jsonschema


def test_the_validator_and_jsonschema_agree_on_mutated_reports(tmp_path: Path) -> None:
    good = _report_file(tmp_path)
    ref = reference()
    rnd = random.Random(11)
    values: list[Any] = [None, True, 0, -1, 1.5, 10**20, "", "x", [], {}, [1], {"a": 1}]
    disagreements = []
    for _ in range(400):
        doc = copy.deepcopy(good)
        for _ in range(rnd.randint(1, 3)):
            _mutate(doc, rnd, values)
        ours = report_schema.first_error(doc) is None
        theirs = ref.is_valid(doc)
        if ours != theirs:
            disagreements.append((report_schema.first_error(doc), [e.message for e in ref.iter_errors(doc)][:2]))
    assert not disagreements, disagreements[:3]


def _mutate(doc: Any, rnd: random.Random, values: list[Any]) -> None:
    """Replace, delete or add one value somewhere in the document."""
    node: Any = doc
    while True:
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if not children:
            return
        key, child = rnd.choice(children)
        if isinstance(child, (dict, list)) and child and rnd.random() < 0.7:
            node = child
            continue
        break
    roll = rnd.random()
    if roll < 0.7:
        node[key] = copy.deepcopy(rnd.choice(values))
    elif roll < 0.9 and isinstance(node, dict):
        node.pop(key, None)
    elif isinstance(node, dict):
        node[f"extra{rnd.randint(0, 9)}"] = copy.deepcopy(rnd.choice(values))
