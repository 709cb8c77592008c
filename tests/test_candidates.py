"""Candidate and advice rules, offline, driven by tests/cases/candidates.txt."""

from __future__ import annotations

import pytest
from casefiles import read_cases, run_advice_case

from indexadvisor import api
from indexadvisor.candidates.requirements import requirement_for, variants
from indexadvisor.extract.patterns import Extractor
from indexadvisor.model import Catalog, Column, Statement, Table
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


def test_a_flag_before_the_sort_key_gets_a_variant_without_it():
    """(project, position) serves `project = $1 AND NOT deleted ORDER BY position`: the flag narrows little."""
    catalog = Catalog(source="ddl")
    catalog.add(Table("public", "tasks", {n: Column(n, t) for n, t in
                                          (("id", "bigint"), ("projectId", "bigint"), ("isDeleted", "boolean"), ("position", "int"))}))
    sql = 'SELECT * FROM tasks WHERE "projectId" = $1 AND "isDeleted" = false ORDER BY position LIMIT 50'
    [access], _ = Extractor(catalog).extract(Statement("fp", sql, "w.sql", 1))
    table = catalog.tables["public.tasks"]
    req = requirement_for(access, lambda col: (col == "isDeleted", col), table=table)
    assert req is not None and req.flags == ["isDeleted"]
    keys = [[k.column for k in v] for v in variants(req, 3)]
    assert keys[0] == ["projectId", "isDeleted", "position"] and ["projectId", "position"] in keys
