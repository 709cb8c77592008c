"""`indexadvisor report`: CI formats, gating with --fail-on, --baseline, exit codes.

The reports are tests/cases/migrate/report.json (seven proposals, two findings) and
variants of it: the baseline test's "old" report has a redundant_index finding that
the "new" one lost, and the new one gained a duplicate_index finding.
"""

from __future__ import annotations

import copy
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from indexadvisor.cli import app
from indexadvisor.model import Finding, Report
from indexadvisor.report.gate import evaluate, parse_fail_on
from indexadvisor.report.json import render as render_json
from indexadvisor.report.json import to_dict
from indexadvisor.report.load import from_dict, load_report

HERE = Path(__file__).parent
REPORT = HERE / "cases" / "migrate" / "report.json"
SNAPSHOTS = HERE / "cases" / "report_ci"
SARIF_SCHEMA = json.loads((HERE / "schemas" / "sarif-2.1.0.json").read_text())
runner = CliRunner()

REDUNDANT = Finding("redundant_index", "public.customers", "public.customers_email_name_idx", "public.customers_email_idx",
                    "its keys are a prefix of customers_email_idx", "info",
                    "DROP INDEX CONCURRENTLY IF EXISTS public.customers_email_name_idx;")
DUPLICATE = Finding("duplicate_index", "public.orders", "public.orders_status_dup_idx", "public.orders_legacy_idx",
                    "same definition as orders_legacy_idx", "warning",
                    "DROP INDEX CONCURRENTLY IF EXISTS public.orders_status_dup_idx;")


def variant(findings_add=(), findings_drop=()) -> Report:
    report = load_report(REPORT)
    report.findings = [f for f in report.findings if f.kind not in findings_drop] + list(findings_add)
    return report


@pytest.fixture
def old_new(tmp_path) -> tuple[Path, Path]:
    """A baseline with a redundant index; the current report lost it and gained a duplicate."""
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(render_json(variant([REDUNDANT])))
    new.write_text(render_json(variant([DUPLICATE])))
    return old, new


def invoke(*args: str):
    return runner.invoke(app, ["report", *args])


# --------------------------------------------------------------------------- loading


def _assert_kept(saved, loaded, where="report"):
    """Everything the saved file says comes back (newer versions may add keys)."""
    if isinstance(saved, dict):
        for key, value in saved.items():
            assert key in loaded, f"{where}.{key} lost"
            _assert_kept(value, loaded[key], f"{where}.{key}")
    elif isinstance(saved, list):
        assert len(saved) == len(loaded), where
        for i, (a, b) in enumerate(zip(saved, loaded)):
            _assert_kept(a, b, f"{where}[{i}]")
    else:
        assert saved == loaded, where


def test_saved_report_loads_back_unchanged():
    data = json.loads(REPORT.read_text())
    data["indexadvisor"].pop("version")
    _assert_kept(data, to_dict(load_report(REPORT)))


def test_analyze_json_round_trips(tmp_path):
    samples = HERE.parent / "sample_workloads" / "saas"
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["analyze", str(samples), "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["catalog"]["files"] == [str(samples / "schema.sql")]
    assert all(r["id"].startswith("proposed_index:") for r in data["recommendations"])
    assert to_dict(from_dict(data)) == data


@pytest.mark.parametrize("text, message", [
    ("{", "not JSON"),
    ('{"recommendations": []}', "not an indexadvisor JSON report"),
    ('{"indexadvisor": {"format": 99}}', "report format 99"),
    ('{"indexadvisor": {"format": 1}, "recommendations": [{"keys": []}]}', "malformed report"),
])
def test_bad_report_files_are_exit_2(tmp_path, text, message):
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    result = invoke("--from", str(bad))
    assert result.exit_code == 2
    assert message in result.stderr and str(bad) in result.stderr


# --------------------------------------------------------------------------- gating


@pytest.mark.parametrize("fail_on, gated", [
    ([], 0),
    (["none"], 0),
    (["any"], 9),
    (["proposals"], 7),
    (["findings"], 2),
    (["benefit:20000"], 2),
    (["benefit>=5000"], 5),
    (["unused_index"], 1),
    (["benefit:50000,fk_without_index"], 2),
    (["unused_index", "duplicate_index"], 1),
])
def test_fail_on_levels(fail_on, gated):
    result = evaluate(load_report(REPORT), parse_fail_on(fail_on))
    assert len(result.gated) == gated
    assert result.failed == bool(gated)
    cli = invoke("--from", str(REPORT), "--format", "json", *[a for f in fail_on for a in ("--fail-on", f)])
    assert cli.exit_code == (1 if gated else 0), cli.output
    assert json.loads(cli.stdout)["gate"]["failed"] == bool(gated)


def test_unknown_fail_on_level_is_exit_2():
    result = invoke("--from", str(REPORT), "--fail-on", "sometimes")
    assert result.exit_code == 2
    assert "unknown level 'sometimes'" in result.stderr and "benefit:N" in result.stderr


def test_baseline_fails_only_on_new_problems(old_new):
    old, new = old_new
    result = invoke("--from", str(new), "--baseline", str(old), "--fail-on", "findings", "--format", "json")
    assert result.exit_code == 1, result.output
    gate = json.loads(result.stdout)["gate"]
    gated = [p for p in gate["problems"] if p["gated"]]
    assert [p["rule"] for p in gated] == ["duplicate_index"]  # the unused_index was already there
    assert [p["rule"] for p in gate["problems"] if p["new"]] == ["duplicate_index"]
    assert len(gate["resolved"]) == 1 and gate["resolved"][0].startswith("redundant_index:")
    # the same report against itself: nothing is new, the build passes
    same = invoke("--from", str(new), "--baseline", str(new), "--fail-on", "any")
    assert same.exit_code == 0, same.output
    # without the baseline every finding counts
    assert invoke("--from", str(new), "--fail-on", "findings").exit_code == 1


def test_identity_ignores_names_order_and_estimates():
    a = load_report(REPORT)
    b = copy.deepcopy(a)
    b.recommendations.reverse()
    for r in b.recommendations:
        r.name += "_renamed"
        r.estimate = None
    b.findings = [Finding(f.kind, f.table, f.related, f.index, "other evidence") if f.kind == "duplicate_index" else f
                  for f in b.findings]
    result = evaluate(b, parse_fail_on(["any"]), a, "a.json")
    assert not result.gated and not result.gone


# --------------------------------------------------------------------------- formats


def test_sarif_is_valid_and_located(old_new):
    old, new = old_new
    result = invoke("--from", str(new), "--baseline", str(old), "--format", "sarif",
                    "--fail-on", "benefit:20000,duplicate_index")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(sarif)
    run = sarif["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules[0] == "proposed_index"
    assert set(rules) >= {"unused_index", "duplicate_index", "redundant_index", "fk_without_index", "invalid_index",
                          "n_plus_one"}
    assert len(rules) == len(set(rules))
    results = run["results"]
    assert len(results) == 10  # 7 proposals, 3 findings
    for r in results:
        assert rules[r["ruleIndex"]] == r["ruleId"]
        assert r["partialFingerprints"]["indexadvisor/v1"].startswith(r["ruleId"] + ":")
    first = next(r for r in results if r["properties"]["index"] == "orders_customer_id_created_at_idx")
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "tests/cases/migrate/workload.sql", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 3
    assert first["level"] == "warning" and first["baselineState"] == "unchanged"  # known: not gated
    unused = next(r for r in results if r["ruleId"] == "unused_index")
    assert unused["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "tests/cases/migrate/schema.sql"
    assert unused["baselineState"] == "unchanged" and unused["level"] == "warning"
    duplicate = next(r for r in results if r["ruleId"] == "duplicate_index")
    assert duplicate["baselineState"] == "new" and duplicate["level"] == "error"
    fresh = json.loads(invoke("--from", str(new), "--format", "sarif", "--fail-on", "benefit:20000").stdout)
    levels = {r["properties"]["index"]: r["level"] for r in fresh["runs"][0]["results"]}
    assert levels["orders_customer_id_created_at_idx"] == "error" and levels["user_group_idx"] == "warning"
    assert "baselineState" not in fresh["runs"][0]["results"][0]


def test_sarif_without_any_file_is_still_valid():
    report = load_report(REPORT)
    report.catalog_files = []
    for s in report.statements:
        s.location = "pg_stat_statements"
    from indexadvisor.report.ci import sarif

    document = json.loads(sarif.render(report, evaluate(report, parse_fail_on(["any"]))))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(document)
    assert all("logicalLocations" in r["locations"][0] for r in document["runs"][0]["results"])


def test_markdown_snapshot(old_new):
    old, new = old_new
    result = invoke("--from", str(new), "--baseline", str(old), "--format", "markdown",
                    "--fail-on", "benefit:20000,duplicate_index")
    assert result.exit_code == 1
    text = result.stdout.replace(str(old), "old.json")
    snapshot = SNAPSHOTS / "report.md"
    if os.environ.get("INDEXADVISOR_UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(text)
    assert text == snapshot.read_text(), "markdown changed: review it, then rerun with INDEXADVISOR_UPDATE_SNAPSHOTS=1"
    for block in text.split("\n\n"):  # every table row has as many cells as its header
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            widths = {len(row.replace("\\|", "").split("|")) for row in rows}
            assert len(widths) == 1, block


def test_junit(tmp_path):
    out = tmp_path / "junit.xml"
    result = invoke("--from", str(REPORT), "--format", "junit", "--fail-on", "benefit:20000,unused_index",
                    "--output", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    statements, health = root.findall("testsuite")
    assert statements.get("tests") == "7" and statements.get("failures") == "2"
    failed = [c for c in statements.findall("testcase") if c.find("failure") is not None]
    assert {c.get("name") for c in failed} == {"tests/cases/migrate/workload.sql:3", "tests/cases/migrate/workload.sql:5"}
    assert failed[0].get("file") == "tests/cases/migrate/workload.sql"
    cases = {c.get("name"): c for c in health.findall("testcase")}
    assert set(cases) == {"unused_index", "fk_without_index"}
    assert cases["unused_index"].find("failure") is not None and cases["fk_without_index"].find("failure") is None
    assert root.get("failures") == "3"


def test_github_annotations():
    result = invoke("--from", str(REPORT), "--format", "github", "--fail-on", "benefit:50000")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "::error file=tests/cases/migrate/workload.sql,line=3,title=indexadvisor%3A Add index orders_customer_id_created_at_idx")
    assert sum(line.startswith("::warning file=tests/cases/migrate/workload.sql,line=") for line in lines) == 6
    assert any(line.startswith("::warning file=tests/cases/migrate/schema.sql,title=") for line in lines)
    assert all("\n" not in line for line in lines)
    assert lines[-1].startswith("indexadvisor: 7 indexes proposed, 2 findings; gate FAILED")


def test_output_file_and_summary_on_stderr(tmp_path):
    out = tmp_path / "summary.md"
    result = invoke("--from", str(REPORT), "--output", str(out))
    assert result.exit_code == 0
    assert out.read_text().startswith("## indexadvisor: 7 indexes proposed, 2 findings")
    assert "no gate" in result.stderr


def test_report_runs_the_analysis_itself():
    samples = HERE.parent / "sample_workloads" / "ecommerce"
    result = invoke(str(samples), "--format", "github", "--fail-on", "proposals")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=")
    assert "sample_workloads/ecommerce/workload.sql,line=" in result.stdout
