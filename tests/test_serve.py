"""The serve rule, driven by tests/cases/serve.txt (offline: a DDL catalog, with statistics and a server version
where a case gives them)."""

from __future__ import annotations

import pytest
from casefiles import apply_stats, read_cases

from indexadvisor.candidates.requirements import requirement_for
from indexadvisor.candidates.serve import could_serve, match, skippable
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.extract.patterns import Extractor
from indexadvisor.model import Index, Statement, TableAccess

CASE_LIST = read_cases("serve.txt", default_section="schema")


def _verdict(index: Index, access: TableAccess, catalog) -> str:
    table = catalog.tables.get(str(access.table))
    req = requirement_for(access, lambda col: (0, col), expressions=True, table=table) if index.method == "btree" else None
    skip = skippable(table, catalog.server_version)  # what the costers match with
    if req is not None and match(index, req, access, skip).full:
        return "full"
    if could_serve(index, access, table):
        return "serves"
    if req is not None and match(index, req, access, skip).skipped:
        return "skip"
    return "no"


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_serve(case, tmp_path):
    (tmp_path / "schema.sql").write_text(case.text("schema"))
    errors: list = []
    catalog = read_ddl([tmp_path / "schema.sql"], errors)
    assert errors == []
    if case.text("stats"):
        apply_stats(catalog, case.text("stats"))
    catalog.server_version = int(case.text("server")) if case.text("server") else None
    accesses, _ = Extractor(catalog).extract(Statement("fp", case.text("sql"), "case.sql", 1))
    want = dict(line.split(": ", 1) for line in case.text("expect").splitlines())
    got = {}
    for table in catalog.tables.values():
        for index in table.indexes:
            if index.primary:
                continue
            mine = [a for a in accesses if (a.table.schema, a.table.name) == (index.schema, index.table)]
            assert mine, f"no scan of {index.table} in the statement"
            got[index.name] = _verdict(index, mine[0], catalog)
            for other in (a for a in accesses if a not in mine):
                assert _verdict(index, other, catalog) == "no", f"{index.name} serves a scan of {other.table}"
    assert got == want
