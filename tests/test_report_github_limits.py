"""GitHub annotations: at most 10 per level per step are shown, so the 10 most important of each
level are written and one more line says how many were left out and where to see them all."""

from __future__ import annotations

import copy
from pathlib import Path

from indexadvisor.model import Finding
from indexadvisor.report.ci import github
from indexadvisor.report.gate import evaluate, parse_fail_on
from indexadvisor.report.load import load_report

REPORT = Path(__file__).parent / "cases" / "migrate" / "report.json"


def _report(proposals: int, notes: int):
    report = load_report(REPORT)
    first = report.recommendations[0]
    report.recommendations = []
    for i in range(1, proposals + 1):
        r = copy.deepcopy(first)
        r.name = f"idx_{i:02d}"
        assert r.estimate is not None
        r.estimate.benefit = 1000.0 * i
        report.recommendations.append(r)
    report.findings = [Finding("redundant_index", "public.customers", f"public.narrow_{i:02d}", "public.wide",
                               "its keys are a prefix of wide", "info", f"DROP INDEX CONCURRENTLY public.narrow_{i:02d};")
                       for i in range(1, notes + 1)]
    return report


def _levels(lines: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"error": [], "warning": [], "notice": []}
    for line in lines:
        for level in out:
            if line.startswith(f"::{level} "):
                out[level].append(line)
    return out


def test_ten_most_important_per_level_and_a_line_for_the_rest():
    report = _report(proposals=14, notes=12)
    text = github.render(report, evaluate(report, parse_fail_on(["benefit:12000"])))
    lines = text.splitlines()
    levels = _levels(lines)
    assert len(levels["error"]) == 3  # 12000, 13000, 14000: all shown
    assert len(levels["warning"]) == 10 and len(levels["notice"]) == 10
    assert "idx_14" in levels["error"][0]
    shown = {f"idx_{i:02d}" for i in range(2, 12)}  # the biggest benefits; idx_01 is left out
    assert {n for n in shown if any(n in line for line in levels["warning"])} == shown
    assert not any("idx_01 " in line for line in lines)
    assert sum("narrow_" in line for line in levels["notice"]) == 10
    # the notices are full, so the count is a plain log line (an 11th notice would vanish too)
    extra = [line for line in lines if "not annotated" in line]
    assert len(extra) == 1 and not extra[0].startswith("::")
    assert "3 more problem(s) not annotated (1 warning, 2 notices)" in extra[0]
    assert "--format markdown" in extra[0] and "--format sarif" in extra[0]
    assert lines[-1].startswith("indexadvisor: 14 indexes proposed, 12 findings")


def test_left_out_count_is_a_notice_when_notices_have_room():
    report = _report(proposals=13, notes=0)
    lines = github.render(report, evaluate(report, parse_fail_on([]))).splitlines()
    levels = _levels(lines)
    assert len(levels["warning"]) == 10
    assert len(levels["notice"]) == 1 and "3 more problem(s) not annotated (3 warnings)" in levels["notice"][0]


def test_no_extra_line_within_the_limit():
    report = _report(proposals=10, notes=10)
    lines = github.render(report, evaluate(report, parse_fail_on([]))).splitlines()
    assert not any("not annotated" in line for line in lines)
    assert len(lines) == 21
