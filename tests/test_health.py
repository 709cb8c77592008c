"""Index health: the structural cases of tests/cases/health.txt (offline and on a real server),
the usage rules on hand-made catalogs, and proposals checked against the health rules."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from casefiles import read_cases
from typer.testing import CliRunner

from indexadvisor import api, health
from indexadvisor.catalog.ddl import read_ddl
from indexadvisor.catalog.live import read_catalog
from indexadvisor.cli import app
from indexadvisor.health import HealthOptions
from indexadvisor.health.common import evidence_age
from indexadvisor.model import (
    Catalog,
    ForeignKey,
    Index,
    IndexKey,
    Recommendation,
    Statement,
    StatementReport,
    Table,
    Workload,
)
from indexadvisor.pg import session as db

ROOT = Path(__file__).resolve().parent.parent
CASE_LIST = read_cases("health.txt", default_section="schema")
STRUCTURAL = ["duplicate_index", "redundant_index", "fk_without_index"]


def _expected(case) -> tuple[list[tuple], dict[int, object]]:
    rows, ddl = [], {}
    for n, line in enumerate(line for line in case.text("expect").splitlines() if line.strip()):
        if line.strip() == "(none)":
            return [], {}
        parts = [p.strip() for p in line.split("|")]
        rows.append(tuple(None if p == "-" else p for p in parts[:4]))
        if len(parts) > 4:
            ddl[n] = None if parts[4] == "-" else parts[4]
    return rows, ddl


def _check(case, result) -> None:
    rows, ddl = _expected(case)
    got = [(f.kind, f.table, f.index, f.related) for f in result.findings]
    assert got == rows
    for n, text in ddl.items():
        assert result.findings[n].ddl == text


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_structural_case_from_ddl(case, tmp_path):
    schema = tmp_path / "schema.sql"
    schema.write_text(case.text("schema"))
    result = api.health(schema=[schema])
    assert result.errors == []
    assert result.ran == STRUCTURAL
    assert [s.check for s in result.skipped] == ["invalid_index", "unused_index"]
    _check(case, result)


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_structural_case_on_a_server(case, fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(case.text("schema"))
    with db.connect(fresh_db) as conn:
        catalog = read_catalog(conn)
    _check(case, health.check(catalog, options=HealthOptions(checks=STRUCTURAL)))


# --------------------------------------------------------------------------- usage rules, hand-made catalogs

USAGE_SCHEMA = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text, CONSTRAINT customers_email_key UNIQUE (email));
CREATE TABLE orders (
    id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), note text, status text, code text,
    created_at timestamptz
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_note_idx ON orders (note);
CREATE INDEX orders_status_idx ON orders (status);
CREATE UNIQUE INDEX orders_code_key ON orders (code);
CREATE INDEX orders_lower_note_idx ON orders (lower(note));
CREATE INDEX orders_created_at_idx ON orders (created_at);
"""


def _usage_catalog(tmp_path, days: float = 30.0, scans: dict | None = None) -> Catalog:
    path = tmp_path / "schema.sql"
    path.write_text(USAGE_SCHEMA)
    catalog = read_ddl([path], [])
    catalog.source = "snapshot"
    catalog.captured_at = "2024-06-30T12:00:00+00:00"
    catalog.stats_reset = None
    catalog.server_started = f"2024-06-{30 - int(days):02d}T12:00:00+00:00" if days < 29 else "2024-05-31T12:00:00+00:00"
    scans = scans or {"orders_created_at_idx": 12}
    for table in catalog.tables.values():
        for index in table.indexes:
            index.idx_scan = scans.get(index.name, 0)
            index.size_bytes = 16384
    return catalog


def _unused(result) -> dict[str, tuple[str, object]]:
    return {f.index: (f.severity, f.ddl) for f in result.findings if f.kind == "unused_index"}


def test_unused_with_old_evidence_is_a_drop_candidate(tmp_path):
    result = health.check(_usage_catalog(tmp_path, days=30))
    assert result.evidence_from == "server_start" and result.evidence_days == pytest.approx(30.0)
    assert _unused(result) == {
        # constraint-backing (pkeys, customers_email_key) and unique (orders_code_key) never; scanned never;
        # orders_customer_id_idx is the only index of its foreign key: a note, not a drop
        "public.orders_customer_id_idx": ("low", None),
        "public.orders_lower_note_idx": ("medium", "DROP INDEX CONCURRENTLY IF EXISTS public.orders_lower_note_idx;"),
        "public.orders_note_idx": ("medium", "DROP INDEX CONCURRENTLY IF EXISTS public.orders_note_idx;"),
        "public.orders_status_idx": ("medium", "DROP INDEX CONCURRENTLY IF EXISTS public.orders_status_idx;"),
    }
    by_index = {f.index: f for f in result.findings}
    assert "orders_customer_id_fkey" in by_index["public.orders_customer_id_idx"].evidence
    assert "statistics on its expression" in by_index["public.orders_lower_note_idx"].evidence
    assert "30.0 days" in by_index["public.orders_note_idx"].evidence
    assert by_index["public.orders_note_idx"].definition.startswith("CREATE INDEX orders_note_idx")
    assert any("replica" in n for n in result.notes)
    assert not any(f.kind == "fk_without_index" for f in result.findings)


def test_unused_below_the_evidence_age_is_a_low_note(tmp_path):
    result = health.check(_usage_catalog(tmp_path, days=3))
    assert {sev for sev, _ in _unused(result).values()} == {"low"}
    assert all(ddl is None for _, ddl in _unused(result).values())
    assert all("only 3.0 days old" in f.evidence for f in result.findings if f.kind == "unused_index")
    relaxed = health.check(_usage_catalog(tmp_path, days=3), options=HealthOptions(min_evidence_days=2))
    assert _unused(relaxed)["public.orders_note_idx"][0] == "medium"


def test_stats_reset_is_the_evidence_start_when_set(tmp_path):
    catalog = _usage_catalog(tmp_path, days=30)
    catalog.stats_reset = "2024-06-28T12:00:00+00:00"
    assert evidence_age(catalog) == ("2024-06-28T12:00:00+00:00", "stats_reset", pytest.approx(2.0))
    catalog.captured_at = None
    assert evidence_age(catalog)[2] is None
    assert _unused(health.check(catalog))["public.orders_note_idx"] == ("low", None)  # unknown age: a note


def test_a_workload_that_could_use_an_index_spares_it_and_strengthens_the_rest(tmp_path):
    catalog = _usage_catalog(tmp_path, days=30)
    workload = Workload([Statement("fp1", "SELECT id FROM orders WHERE note = $1", "w.sql", 1, calls=40)])
    result = health.check(catalog, workload)
    unused = _unused(result)
    assert "public.orders_note_idx" not in unused  # idx_scan = 0, but the workload's statement could use it
    assert any("orders_note_idx" in n and "could use" in n for n in result.notes)
    assert unused["public.orders_status_idx"][0] == "high"  # no statement could use it: stronger evidence
    assert unused["public.orders_lower_note_idx"][0] == "medium"  # expression keys: the workload check cannot vouch
    assert result.workload_shapes == 1


def test_ddl_catalog_says_which_checks_could_not_run(tmp_path):
    path = tmp_path / "schema.sql"
    path.write_text(USAGE_SCHEMA)
    result = health.check(read_ddl([path], []))
    assert result.ran == STRUCTURAL
    reasons = {s.check: s.reason for s in result.skipped}
    assert set(reasons) == {"invalid_index", "unused_index"}
    assert "usage counters" in reasons["unused_index"]


def test_checks_can_be_chosen_and_unknown_ones_are_refused(tmp_path):
    result = health.check(_usage_catalog(tmp_path), options=HealthOptions(checks=["unused_index"]))
    assert result.ran == ["unused_index"] and {f.kind for f in result.findings} == {"unused_index"}
    with pytest.raises(Exception, match="unknown health check"):
        health.check(_usage_catalog(tmp_path), options=HealthOptions(checks=["nope"]))


def test_every_check_has_help_with_the_anti_pattern_and_the_fix():
    for kind in health.KINDS:
        text = health.help_text(kind)
        assert text.startswith(kind + ":") and "Anti-pattern" in text and "Fix" in text


# --------------------------------------------------------------------------- partitions


def _partitioned_catalog() -> Catalog:
    catalog = Catalog(source="snapshot", captured_at="2024-06-30T00:00:00+00:00", stats_reset="2024-01-01T00:00:00+00:00")
    catalog.add(Table("public", "customers", indexes=[
        Index("customers_pkey", "public", "customers", [IndexKey("id")], unique=True, primary=True,
              constraint="customers_pkey", constraint_type="p", idx_scan=5)]))
    fk = ForeignKey("events_customer_id_fkey", ["customer_id"], "public", "customers", ["id"])
    catalog.add(Table("public", "events", partitioned=True, foreign_keys=[fk], indexes=[
        Index("events_kind_idx", "public", "events", [IndexKey("kind")])]))
    for part in ("events_2024", "events_2025"):
        catalog.add(Table("public", part, partition_of="public.events", row_estimate=200_000, size_bytes=10 << 20,
                          foreign_keys=[ForeignKey("events_customer_id_fkey", ["customer_id"], "public", "customers", ["id"])],
                          indexes=[Index(f"{part}_kind_idx", "public", part, [IndexKey("kind")],
                                         parent="public.events_kind_idx", idx_scan=0, size_bytes=8192)]))
    return catalog


def test_partitioned_tables_are_reported_once_with_ddl_that_works_on_them():
    result = health.check(_partitioned_catalog())
    kinds = [(f.kind, f.table, f.index) for f in result.findings]
    assert kinds == [("fk_without_index", "public.events", None), ("unused_index", "public.events", "public.events_kind_idx")]
    fk, unused = result.findings
    assert fk.severity == "high"  # 400,000 rows across the partitions
    assert fk.ddl.splitlines() == [
        "CREATE INDEX IF NOT EXISTS events_customer_id_idx ON ONLY public.events (customer_id);",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2024_customer_id_idx ON public.events_2024 (customer_id);",
        "ALTER INDEX public.events_customer_id_idx ATTACH PARTITION public.events_2024_customer_id_idx;",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_2025_customer_id_idx ON public.events_2025 (customer_id);",
        "ALTER INDEX public.events_customer_id_idx ATTACH PARTITION public.events_2025_customer_id_idx;",
    ]
    assert unused.ddl == "DROP INDEX IF EXISTS public.events_kind_idx;"  # no CONCURRENTLY on a partitioned index
    assert "16.0 kB" in unused.evidence  # the partitions' indexes summed


# --------------------------------------------------------------------------- advice that would be undone


ADVICE_SCHEMA = """
CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c int, d int, e int);
CREATE INDEX t_a_idx ON t (a);
CREATE INDEX t_b_c_idx ON t (b, c);
CREATE TABLE parent (x int, y int, CONSTRAINT parent_pkey PRIMARY KEY (x, y));
CREATE TABLE child (id bigint PRIMARY KEY, x int, y int, z int, w int,
    CONSTRAINT child_xy_fkey FOREIGN KEY (x, y) REFERENCES parent (x, y));
CREATE TABLE other (id bigint PRIMARY KEY, p int, CONSTRAINT other_p_fkey FOREIGN KEY (p) REFERENCES t (id));
"""


def _rec(name: str, table: str, cols: list[str], fps: list[str]) -> Recommendation:
    keys = [IndexKey(c) for c in cols]
    return Recommendation(name, "public", table, keys, [], None, "btree", f"CREATE INDEX {name} ...", list(fps), "why")


def test_proposals_are_reconciled_with_the_health_rules(tmp_path):
    path = tmp_path / "schema.sql"
    path.write_text(ADVICE_SCHEMA)
    catalog = read_ddl([path], [])
    recs = [
        _rec("t_b_idx", "t", ["b"], ["f1"]),  # a left prefix of existing t_b_c_idx
        _rec("t_a_d_idx", "t", ["a", "d"], ["f2"]),  # makes existing t_a_idx redundant
        _rec("t_e_idx", "t", ["e"], ["f3"]),  # a left prefix of the next proposal
        _rec("t_e_c_idx", "t", ["e", "c"], ["f4"]),
        _rec("child_x_idx", "child", ["x"], ["f5"]),  # narrower than the index the foreign-key finding proposes
        _rec("other_p_w_idx", "other", ["p", "id"], ["f6"]),  # serves other's foreign key itself
    ]
    reports = {fp: StatementReport(fp, "", "w.sql:1", 1, None, [], recommendations=[r.name])
               for r in recs for fp in r.statements}
    audit = health.audit(catalog, None, recs)
    kept = audit.apply(reports)
    assert [r.name for r in kept] == ["t_a_d_idx", "t_e_c_idx", "other_p_w_idx"]
    assert "t_a_idx" in kept[0].reason and "redundant" in kept[0].reason
    assert kept[1].statements == ["f4", "f3"]
    assert reports["f1"].recommendations == [] and reports["f1"].served_by_existing == ["t_b_c_idx"]
    assert reports["f3"].recommendations == ["t_e_c_idx"]
    assert reports["f5"].recommendations == [] and any("child_xy_fkey" in n for n in reports["f5"].notes)
    by_related = {f.related: f for f in audit.findings if f.kind == "fk_without_index"}
    assert by_related["child_xy_fkey"].ddl.endswith("ON public.child (x, y);")
    assert by_related["other_p_fkey"].ddl is None and "other_p_w_idx" in by_related["other_p_fkey"].evidence
    assert sum("not proposed" in n for n in audit.notes) == 3


def _undone(report, catalog: Catalog) -> list[str]:
    """Proposals (and finding-proposed indexes) that a health check would call duplicate or redundant."""
    new: set[str] = set()
    for r in report.recommendations:
        catalog.tables[f"{r.schema}.{r.table}"].indexes.append(
            Index(r.name, r.schema, r.table, r.keys, r.include, r.where, r.method))
        new.add(f"{r.schema}.{r.name}")
    for n, f in enumerate(report.findings):
        if f.kind == "fk_without_index" and f.ddl:
            table = catalog.tables[f.table]
            fk = next(k for k in table.foreign_keys if k.name == f.related)
            name = f"fk_proposal_{n}"
            if not any(i.keys == [IndexKey(c) for c in fk.columns] for i in table.indexes if i.name.startswith("fk_proposal")):
                table.indexes.append(Index(name, table.schema, table.name, [IndexKey(c) for c in fk.columns]))
                new.add(f"{table.schema}.{name}")
    result = health.check(catalog, options=HealthOptions(checks=["duplicate_index", "redundant_index"]))
    return [f"{f.kind} {f.index} ({f.related})" for f in result.findings if f.index in new]


CANDIDATE_CASES = read_cases("candidates.txt", default_section="schema")


@pytest.mark.parametrize("case", CANDIDATE_CASES, ids=[c.name for c in CANDIDATE_CASES])
def test_no_proposal_is_one_health_would_undo(case, tmp_path):
    (tmp_path / "schema.sql").write_text(case.text("schema"))
    (tmp_path / "workload.sql").write_text(case.text("workload"))
    report = api.analyze([tmp_path])
    assert _undone(report, read_ddl([tmp_path / "schema.sql"], [])) == []


@pytest.mark.parametrize("sample", ["saas", "ecommerce"])
def test_sample_advice_is_not_undone_and_carries_findings(sample):
    folder = ROOT / "sample_workloads" / sample
    report = api.analyze([folder])
    assert _undone(report, read_ddl([folder / "schema.sql"], [])) == []
    assert report.findings and {f.kind for f in report.findings} <= set(health.KINDS)
    assert any("health checks not run" in n and "unused_index" in n for n in report.notes)


def test_saas_sample_findings_match_its_readme():
    report = api.analyze([ROOT / "sample_workloads" / "saas"])
    redundant = [(f.index, f.related) for f in report.findings if f.kind == "redundant_index"]
    assert redundant == [("public.Project_organizationId_idx", "public.Project_organizationId_key_key")]
    fks = sorted(f.related for f in report.findings if f.kind == "fk_without_index")
    assert fks == sorted([
        "Task_projectId_fkey", "Task_organizationId_fkey", "Task_assigneeId_fkey", "Task_reporterId_fkey",
        "Membership_userId_fkey", "Comment_authorId_fkey", "Project_ownerId_fkey", "Session_userId_fkey",
        "Invitation_organizationId_fkey", "Invitation_invitedById_fkey", "group_organizationId_fkey",
        "AuditLog_organizationId_fkey", "AuditLog_actorId_fkey",
    ])
    # a proposal that leads with a foreign key's columns serves it: that finding needs no DDL of its own
    proposed = {r.name for r in report.recommendations}
    for f in report.findings:
        if f.kind == "fk_without_index" and f.ddl is None:
            assert any(name in f.evidence for name in proposed)


# --------------------------------------------------------------------------- the command, offline

runner = CliRunner()
SAAS_SCHEMA = ROOT / "sample_workloads" / "saas" / "schema.sql"


def test_health_command_from_ddl_says_what_it_could_not_check():
    result = runner.invoke(app, ["health", "--schema", str(SAAS_SCHEMA)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "catalog: ddl" in out
    assert "not checked: unused_index: DDL files carry no usage counters" in out
    assert "not checked: invalid_index:" in out
    assert 'DROP INDEX CONCURRENTLY IF EXISTS public."Project_organizationId_idx";' in out
    assert 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Task_projectId_idx" ON public."Task" ("projectId");' in out
    assert result.stderr == ""


def test_health_command_json_to_a_file(tmp_path):
    out = tmp_path / "health.json"
    result = runner.invoke(app, ["health", "--schema", str(SAAS_SCHEMA), "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    document = json.loads(out.read_text())
    assert document["indexadvisor"]["report"] == "health"
    assert document["catalog"]["source"] == "ddl" and document["catalog"]["files"] == [str(SAAS_SCHEMA)]
    assert document["checks"]["ran"] == STRUCTURAL
    assert [s["check"] for s in document["checks"]["skipped"]] == ["invalid_index", "unused_index"]
    assert document["summary"]["by_kind"] == {"fk_without_index": 13, "redundant_index": 1}
    assert document["evidence"]["since"] is None
    kinds = [f["kind"] for f in document["findings"]]
    assert kinds[0] == "redundant_index" and set(kinds[1:]) == {"fk_without_index"}


def test_health_command_without_a_catalog_is_exit_2(monkeypatch):
    for var in ("DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGSERVICE", "PGUSER", "PGHOSTADDR"):
        monkeypatch.delenv(var, raising=False)
    result = runner.invoke(app, ["health"])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "no catalog given" in result.stderr


def test_health_command_bad_inputs_are_exit_2(tmp_path):
    missing = runner.invoke(app, ["health", "--snapshot", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    negative = runner.invoke(app, ["health", "--schema", str(SAAS_SCHEMA), "--min-evidence-days", "-1"])
    assert negative.exit_code == 2


def test_health_command_warns_about_ddl_it_cannot_read(tmp_path):
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int PRIMARY KEY, a int);\nCREATE INDEX t_a_idx ON t (a;\nCREATE INDEX t_a2_idx ON t (a);\n"
                      "CREATE INDEX t_a3_idx ON t (a);\n")
    result = runner.invoke(app, ["health", "--schema", str(schema), "--format", "json"])
    assert result.exit_code == 0
    assert "schema.sql:2" in result.stderr and "cannot parse DDL" in result.stderr
    document = json.loads(result.stdout)
    assert [(f["kind"], f["index"], f["related"]) for f in document["findings"]] == [
        ("duplicate_index", "public.t_a3_idx", "public.t_a2_idx")]
    assert document["errors"][0]["line"] == 2
