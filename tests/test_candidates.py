"""Candidate and advice rules, offline, driven by tests/cases/candidates.txt."""

from __future__ import annotations

import pytest
from casefiles import read_cases, run_advice_case

from indexadvisor import api
from indexadvisor.pg.sql import MAX_IDENT_BYTES

CASE_LIST = read_cases("candidates.txt", default_section="schema")


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_candidates(case, tmp_path):
    report, got, want = run_advice_case(case, tmp_path)
    assert got == want
    for r in report.recommendations:
        assert len(r.name.encode()) <= MAX_IDENT_BYTES


def test_same_input_same_names(tmp_path):
    case = next(c for c in CASE_LIST if c.name.startswith("a name over 63 bytes"))
    (tmp_path / "schema.sql").write_text(case.text("schema"))
    (tmp_path / "workload.sql").write_text(case.text("workload"))
    first = [r.ddl for r in api.analyze([tmp_path]).recommendations]
    second = [r.ddl for r in api.analyze([tmp_path]).recommendations]
    assert first == second
