"""Fingerprints, sample literals and the per-shape constants (cases in tests/cases/sources/fingerprints.txt)."""

from __future__ import annotations

import pytest
from casefiles import CASES

from indexadvisor.sources.fingerprint import (
    fingerprint,
    literals,
    log_parameters,
    normalize,
    substitute,
    with_literals,
)
from indexadvisor.sources.workload import SAMPLES, WorkloadBuilder, statement_kind


def _cases() -> list[tuple[str, str, list[str]]]:
    out = []
    name, mode, block = None, None, []
    statements: list[str] = []
    for line in (CASES / "sources" / "fingerprints.txt").read_text().splitlines() + ["## end"]:
        if line.startswith("## "):
            if name is not None:
                statements.append("\n".join(block).strip())
                out.append((name, mode, statements))
            name, mode, block, statements = line[3:].strip(), None, [], []
        elif name is None or (not block and line.startswith("#")):
            continue
        elif mode is None:
            mode = line.strip()
        elif line.strip() == "----":
            statements.append("\n".join(block).strip())
            block = []
        else:
            block.append(line)
    return out[:-1] if out and out[-1][0] == "end" else out


CASES_ = _cases()


@pytest.mark.parametrize("name, mode, statements", CASES_, ids=[c[0] for c in CASES_])
def test_fingerprint_cases(name, mode, statements):
    assert mode in ("same", "different") and len(statements) >= 2
    shapes = [normalize(s) for s in statements]
    prints = {fingerprint(s) for s in statements}
    if mode == "same":
        assert len(prints) == 1, shapes
    else:
        assert len(prints) == len(statements), shapes


def test_literals_in_text_order_with_parameters_filled():
    sql = "SELECT * FROM t WHERE a = $2 AND b = 'x' AND c IN (1, 2) -- 99\n AND d = $1"
    assert literals(sql) == ("$2", "'x'", "1", "2", "$1")
    assert literals(sql, {1: "'one'", 2: "NULL"}) == ("NULL", "'x'", "1", "2", "'one'")


def test_substitute_and_log_parameters():
    params = log_parameters("parameters: $1 = '42', $2 = 'it''s', $3 = NULL")
    assert params == {1: "'42'", 2: "'it''s'", 3: "NULL"}
    sql = "SELECT * FROM t WHERE a = $1 AND b = '$2' AND c = $2 AND d = $3 AND e = $10"
    assert substitute(sql, params) == "SELECT * FROM t WHERE a = '42' AND b = '$2' AND c = 'it''s' AND d = NULL AND e = $10"


@pytest.mark.parametrize("sql, kind", [
    ("SELECT 1", "select"), ("  /* c */ (SELECT 1)", "select"), ("WITH x AS (SELECT 1) SELECT * FROM x", "with"),
    ("insert into t values (1)", "insert"), ("UPDATE t SET a = 1", "update"), ("DELETE FROM t", "delete"),
    ("BEGIN", "utility"), ("SET application_name = 'x'", "utility"), ("SAVEPOINT s1", "utility"), ("", "utility"),
])
def test_statement_kind(sql, kind):
    assert statement_kind(sql) == kind


def test_samples_and_constants_per_shape():
    builder = WorkloadBuilder()
    for i in range(50):
        builder.add(f"SELECT * FROM t WHERE status = 'active' AND account_id = {i} LIMIT 20", "f.sql", i + 1)
    st, = builder.build().statements
    assert st.calls == 50
    assert len(st.samples) == SAMPLES
    assert st.samples[0] == ("'active'", "0", "20") and st.samples[1] == ("'active'", "1", "20")
    assert st.constants == ["'active'", None, "20"]  # which literals never changed


def test_logged_parameters_are_samples_and_can_be_substituted():
    for substitute_params in (False, True):
        builder = WorkloadBuilder(substitute_params=substitute_params)
        for i in range(3):
            builder.add("SELECT * FROM t WHERE a = $1 AND flag = $2", "pg.log", i + 1,
                        params=f"parameters: $1 = '{i}', $2 = 'f'", filter=True)
        st, = builder.build().statements
        assert st.samples == [("'0'", "'f'"), ("'1'", "'f'"), ("'2'", "'f'")]
        assert st.constants == [None, "'f'"]
        # kept, $2 is written in all the same: its value never changed while $1's did (an ORM's constant)
        expected = "SELECT * FROM t WHERE a = '0' AND flag = 'f'" if substitute_params else "SELECT * FROM t WHERE a = $1 AND flag = 'f'"
        assert st.sql == expected
        assert st.fingerprint == fingerprint("SELECT * FROM t WHERE a = $1 AND flag = $2")


@pytest.mark.parametrize("logged, sql", [
    # the same value in three executions while another varied: the application's constant
    (["$1 = 'new', $2 = '10'", "$1 = 'new', $2 = '20'", "$1 = 'new', $2 = '30'"],
     "SELECT * FROM t WHERE status = 'new' LIMIT $2"),
    # a LIMIT stays a parameter, constant or not (a generic plan's rows beside a real LIMIT mislead)
    (["$1 = 'a', $2 = '10'", "$1 = 'b', $2 = '10'", "$1 = 'c', $2 = '10'"], "SELECT * FROM t WHERE status = $1 LIMIT $2"),
    # seen twice only: a parameter that happened to be captured
    (["$1 = 'new', $2 = '10'", "$1 = 'new', $2 = '20'"], "SELECT * FROM t WHERE status = $1 LIMIT $2"),
    # nothing varied but for the LIMIT's page size, which is no other value (sources.fingerprint.limit_counts):
    # three calls with the one value, as for a statement with no other value at all
    (["$1 = 'new', $2 = '10'"] * 3, "SELECT * FROM t WHERE status = 'new' LIMIT $2"),
    # NULL, and a value the log cut short, are not written in
    (["$1 = NULL, $2 = '1'", "$1 = NULL, $2 = '2'", "$1 = NULL, $2 = '3'"], "SELECT * FROM t WHERE status = $1 LIMIT $2"),
    (["$1 = 'abc'..., $2 = '1'", "$1 = 'abc'..., $2 = '2'", "$1 = 'abc'..., $2 = '3'"],
     "SELECT * FROM t WHERE status = $1 LIMIT $2"),
])
def test_a_logged_parameter_that_never_changes_is_written_in(logged, sql):
    builder = WorkloadBuilder()
    for n, values in enumerate(logged):
        builder.add("SELECT * FROM t WHERE status = $1 LIMIT $2", "pg.log", n + 1, params=f"parameters: {values}", filter=True)
    st, = builder.build().statements
    assert st.sql == sql


def test_filter_leaves_out_utility_catalog_and_own_statements():
    builder = WorkloadBuilder()
    for sql in ["BEGIN", "SELECT * FROM t WHERE id = 1", "COMMIT", "SAVEPOINT s_1_x", "RELEASE SAVEPOINT s_1_x",
                "SELECT relname FROM pg_class WHERE oid = 5", "/* indexadvisor */ SELECT 1 FROM t",
                "SELECT * FROM t WHERE id = 2"]:
        builder.add(sql, "pg.log", 1, filter=True)
    workload = builder.build()
    assert [s.calls for s in workload.statements] == [2]
    assert workload.seen == 2
    assert any("4 utility statements" in n and "2 catalog" in n for n in workload.notes), workload.notes


def test_fingerprint_is_fast():
    """The hot path of reading big logs: well under the old 30 us a statement."""
    import time

    statements = [f"SELECT id, name FROM t{i % 50} WHERE a = {i} AND b = 'v{i}' ORDER BY c LIMIT 20" for i in range(20000)]
    start = time.process_time()
    for sql in statements:
        fingerprint(sql)
    per = (time.process_time() - start) / len(statements)
    assert per < 15e-6, f"{per * 1e6:.1f} us per statement"


def test_with_literals_writes_other_values_in_place_of_the_statements_own():
    sql = "SELECT * FROM t WHERE a = 'x' AND b = 42 -- note 7\nLIMIT 10"
    assert with_literals(sql, ["'y'", "43", "20"]) == "SELECT * FROM t WHERE a = 'y' AND b = 43 -- note 7\nLIMIT 20"
    assert with_literals(sql, ["'y'"]) is None  # another number of values: not this statement's


def test_a_limit_count_is_no_other_value_the_evidence_of_a_constant_needs():
    """sources.workload.constant_evidence: a value the same in 3 executions is a constant where the
    statement's other values varied or it has none; a LIMIT's count (limit_counts) is not one of
    them, while an OFFSET that pages on is, and an other filter value that never changed is too."""
    from indexadvisor.pg.lexing import LIST_LIMIT
    from indexadvisor.sources.fingerprint import limit_counts, literals
    from indexadvisor.sources.workload import constant_evidence

    assert limit_counts("SELECT * FROM t WHERE a = 'x' AND b = 2 ORDER BY c LIMIT 100 OFFSET 40") == {2}
    assert limit_counts("SELECT * FROM t WHERE a = $1 FETCH FIRST 5 ROWS ONLY") == {1}
    # positions in `literals`, which bounds a long IN list to LIST_LIMIT values
    long_list = "SELECT * FROM t WHERE a IN (" + ", ".join(map(str, range(5000))) + ") AND b = 'x' LIMIT 10"
    assert limit_counts(long_list) == {len(literals(long_list)) - 1} == {LIST_LIMIT + 1}
    assert constant_evidence(3, [])
    assert constant_evidence(3, ["'b'", None])  # another value varied
    assert not constant_evidence(3, ["2"])  # another filter value, the same in every call too
    assert not constant_evidence(2, [])
