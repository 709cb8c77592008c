"""Every SARIF result has a physical location (GitHub code scanning rejects a file in which one has none).

A live-database run reads the workload from pg_stat_statements and the catalog from the
server: no file to point at. Such results point at a stable stand-in artifact; a snapshot
or schema file, when there is one, is pointed at instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from indexadvisor.report.ci import sarif
from indexadvisor.report.gate import evaluate, parse_fail_on
from indexadvisor.report.load import load_report

HERE = Path(__file__).parent
REPORT = HERE / "cases" / "migrate" / "report.json"
SARIF_SCHEMA = json.loads((HERE / "schemas" / "sarif-2.1.0.json").read_text())


def _github_rule(document: dict) -> list[dict]:
    """GitHub's rule: each result has a location whose physicalLocation has an artifactLocation with a uri."""
    results = document["runs"][0]["results"]
    for r in results:
        assert r["locations"], r["ruleId"]
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert isinstance(uri, str) and uri.strip(), r["ruleId"]
    return results


def _live_report(catalog_files: list[str]):
    report = load_report(REPORT)
    report.catalog_source = "live"
    report.catalog_files = catalog_files
    for s in report.statements:
        s.location = "pg_stat_statements"
    return report


def test_live_database_results_all_have_a_physical_location():
    document = json.loads(sarif.render(report := _live_report([]), evaluate(report, parse_fail_on(["any"]))))
    jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    results = _github_rule(document)
    assert len(results) == 9
    for r in results:
        location = r["locations"][0]
        assert location["physicalLocation"]["artifactLocation"] == {"uri": "pg_stat_statements", "uriBaseId": "%SRCROOT%"}
        assert "." in location["logicalLocations"][0]["fullyQualifiedName"]
    artifacts = [a for a in document["runs"][0]["artifacts"] if a["location"]["uri"] == "pg_stat_statements"]
    assert len(artifacts) == 1 and "not a file" in artifacts[0]["description"]["text"]


def test_no_source_named_at_all_falls_back_to_a_stable_artifact():
    report = _live_report([])
    report.statements = []
    document = json.loads(sarif.render(report, evaluate(report, parse_fail_on(["any"]))))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(document)
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in _github_rule(document)} == {"database"}


@pytest.mark.parametrize("catalog_file", ["tests/cases/migrate/snapshot.json", "tests/cases/migrate/schema.sql"])
def test_snapshot_or_schema_file_is_the_location_when_there_is_one(catalog_file):
    document = json.loads(sarif.render(report := _live_report([catalog_file]), evaluate(report, parse_fail_on([]))))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(document)
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in _github_rule(document)} == {catalog_file}
    assert all(a["location"]["uri"] != "pg_stat_statements" for a in document["runs"][0]["artifacts"])
