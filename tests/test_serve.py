"""The serve rule, driven by tests/cases/serve.txt (offline: a DDL catalog, with statistics and a server version
where a case gives them)."""

from __future__ import annotations

import pytest
from casefiles import apply_stats, read_cases

from indexadvisor.candidates.requirements import requirement_for
from indexadvisor.candidates.serve import conditions_applied, could_serve, match, reads_within, skippable
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


READS_WITHIN = [
    # (partial, plain, statement, whether a scan of the partial reads within the plain one's)
    ("(attempts) WHERE state = 'failed'", "(state, attempts)",
     "SELECT id FROM t WHERE state = 'failed' AND attempts = 1", True),
    ('("createdAt" DESC) WHERE visibility = \'public\'', '(visibility, "createdAt" DESC)',
     "SELECT id FROM t WHERE visibility = 'public' ORDER BY \"createdAt\" DESC LIMIT 24", True),
    ("(deleted_at, id) WHERE deleted_at IS NOT NULL", "(deleted_at, id)",
     "SELECT id FROM t WHERE deleted_at IS NOT NULL AND deleted_at < '2024-05-01'", True),
    ("(created_at) WHERE NOT processed", "(processed, created_at)",
     "SELECT * FROM t WHERE processed = false ORDER BY created_at LIMIT 10", True),
    # nothing read in order: the plain index's direction and NULLS placement do not matter
    ("(deleted_at) WHERE deleted_at IS NOT NULL", "(deleted_at DESC NULLS LAST)",
     "SELECT id FROM t WHERE deleted_at IS NOT NULL AND deleted_at < '2024-05-01'", True),
    ("(deleted_at) WHERE deleted_at IS NOT NULL", "(deleted_at DESC NULLS LAST)",
     "SELECT id FROM t WHERE deleted_at IS NOT NULL ORDER BY deleted_at LIMIT 5", False),
    # the statement does not imply the WHERE: no use to it
    ("(attempts) WHERE state = 'failed'", "(state, attempts)", "SELECT id FROM t WHERE state = $1 AND attempts = 1", False),
    # an IN list pins no one value: the plain index reads each value's run in turn, another order
    ("(created_at) WHERE state IN ('a', 'b')", "(state, created_at)",
     "SELECT id FROM t WHERE state IN ('a', 'b') ORDER BY created_at LIMIT 5", False),
    # the plain index leads with a column the WHERE does not pin
    ("(attempts) WHERE state = 'failed'", "(queue, attempts)",
     "SELECT id FROM t WHERE state = 'failed' AND attempts = 1 AND queue = 2", False),
    # other keys after the pinned one
    ("(attempts) WHERE state = 'failed'", "(state, queue)", "SELECT id FROM t WHERE state = 'failed' AND attempts = 1", False),
]


@pytest.mark.parametrize("partial, plain, sql, want", READS_WITHIN)
def test_a_partial_index_reads_within_its_plain_twin(partial, plain, sql, want, tmp_path):
    (tmp_path / "schema.sql").write_text(
        'CREATE TABLE t (id bigint PRIMARY KEY, state text, attempts int, queue int, visibility text, "createdAt" timestamptz,'
        " created_at timestamptz, deleted_at timestamptz, processed boolean);\n"
        f"CREATE INDEX p ON t {partial};\nCREATE INDEX q ON t {plain};\n")
    errors: list = []
    catalog = read_ddl([tmp_path / "schema.sql"], errors)
    assert errors == []
    indexes = {i.name: i for i in catalog.tables["public.t"].indexes}
    [access] = Extractor(catalog).extract(Statement("fp", sql, "case.sql", 1))[0]
    assert reads_within(indexes["p"], indexes["q"], access) is want


CONDITIONS_APPLIED = [
    # (index, statement, the conditions it applies before reading the table)
    ("(user_id)", "SELECT * FROM t WHERE user_id = 1 ORDER BY created_at DESC LIMIT 10", 1),
    # the order, where a LIMIT stops the scan: ten rows read at any user
    ("(user_id, created_at DESC)", "SELECT * FROM t WHERE user_id = 1 ORDER BY created_at DESC LIMIT 10", 2),
    ("(user_id, created_at)", "SELECT * FROM t WHERE user_id = 1 ORDER BY created_at DESC LIMIT 10", 2),
    # no LIMIT: every row of the user is read either way
    ("(user_id, created_at DESC)", "SELECT * FROM t WHERE user_id = 1 ORDER BY created_at DESC", 1),
    ("(team_id, provider)", "SELECT * FROM t WHERE team_id = 1 AND provider = 'x'", 2),
    ("(provider, team_id)", "SELECT * FROM t WHERE team_id = 1 AND provider = 'x'", 2),
    ("(team_id, created_at)", "SELECT * FROM t WHERE team_id = 1 AND created_at > now() - interval '1 day'", 2),
    # a key the statement does not test ends the conditions applied
    ("(team_id, user_id, provider)", "SELECT * FROM t WHERE team_id = 1 AND provider = 'x'", 1),
    ("(created_at)", "SELECT * FROM t WHERE user_id = 1", 0),
    ("USING hash (user_id)", "SELECT * FROM t WHERE user_id = 1", 0),
]


@pytest.mark.parametrize("index, sql, want", CONDITIONS_APPLIED)
def test_the_conditions_an_index_applies_before_it_reads_the_table(index, sql, want, tmp_path):
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE t (id bigint PRIMARY KEY, user_id int, team_id int, provider text, created_at timestamptz);\n"
        f"CREATE INDEX i ON t {index};\n")
    errors: list = []
    catalog = read_ddl([tmp_path / "schema.sql"], errors)
    assert errors == []
    table = catalog.tables["public.t"]
    [i] = [x for x in table.indexes if x.name == "i"]
    [access] = Extractor(catalog).extract(Statement("fp", sql, "case.sql", 1))[0]
    assert conditions_applied(i, access, table) == want
