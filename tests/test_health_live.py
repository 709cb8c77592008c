"""Index health on a real server: real usage counters, a real INVALID index, the snapshot and
DDL paths, the workload-aware `analyze` report, the `health` command, and fixes that work."""

from __future__ import annotations

import json
import time

import psycopg
import pytest
from typer.testing import CliRunner

from indexadvisor import api, health
from indexadvisor.catalog.live import read_catalog
from indexadvisor.catalog.snapshot import write_snapshot
from indexadvisor.cli import app
from indexadvisor.health import HealthOptions
from indexadvisor.pg import session as db

runner = CliRunner()

SCHEMA = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
    id    bigint PRIMARY KEY,
    email text NOT NULL,
    phone text,
    CONSTRAINT customers_email_key UNIQUE (email)
);
-- a duplicate of the constraint's index
CREATE INDEX customers_email_idx ON shop.customers (email);
-- near miss: same column, another opclass (scanned below)
CREATE INDEX customers_email_pattern_idx ON shop.customers (email text_pattern_ops);

CREATE TABLE shop.orders (
    id          bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers (id),
    number      text NOT NULL,
    status      text NOT NULL,
    note        text,
    created_at  timestamptz NOT NULL
);
-- redundant: a left prefix of the next one (which is scanned and serves the foreign key)
CREATE INDEX orders_customer_id_idx ON shop.orders (customer_id);
CREATE INDEX orders_customer_id_created_at_idx ON shop.orders (customer_id, created_at);
-- near miss: a unique index that is a prefix of another
CREATE UNIQUE INDEX orders_number_key ON shop.orders (number);
CREATE INDEX orders_number_created_at_idx ON shop.orders (number, created_at);
-- near miss: same keys, different predicates (the first is scanned)
CREATE INDEX orders_open_idx ON shop.orders (created_at) WHERE status = 'open';
CREATE INDEX orders_paid_idx ON shop.orders (created_at) WHERE status = 'paid';
CREATE INDEX orders_note_idx ON shop.orders (note);

-- a foreign key served by a composite primary key that leads with it
CREATE TABLE shop.order_lines (
    order_id bigint REFERENCES shop.orders (id),
    line     int,
    sku      text,
    PRIMARY KEY (order_id, line)
);
-- a foreign key only at the second position of an index
CREATE TABLE shop.payments (
    id       bigint PRIMARY KEY,
    method   text NOT NULL,
    order_id bigint NOT NULL REFERENCES shop.orders (id),
    amount   numeric
);
CREATE INDEX payments_method_order_id_idx ON shop.payments (method, order_id);

-- an exclusion constraint's index is never a drop candidate
CREATE TABLE shop.bookings (
    id     bigint PRIMARY KEY,
    during tstzrange NOT NULL,
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&)
);

INSERT INTO shop.customers
SELECT g, 'c' || g || '@example.com', '+1-555-' || (g % 100) FROM generate_series(1, 2000) g;
INSERT INTO shop.orders
SELECT g, 1 + g % 2000, 'n' || g, (ARRAY['open', 'paid', 'shipped'])[1 + g % 3], 'note ' || g,
       now() - g * interval '1 minute'
FROM generate_series(1, 20000) g;
INSERT INTO shop.order_lines SELECT 1 + g % 20000, g, 'sku' || g FROM generate_series(1, 10000) g;
INSERT INTO shop.payments SELECT g, (ARRAY['card', 'cash'])[1 + g % 2], 1 + g % 20000, g FROM generate_series(1, 5000) g;
ANALYZE;
"""

# Statements that scan some indexes (sequential scans disabled so that tiny costs do not decide).
SCANS = {
    "shop.orders_customer_id_created_at_idx": "SELECT * FROM shop.orders WHERE customer_id = 5 ORDER BY created_at LIMIT 5",
    "shop.orders_open_idx": "SELECT * FROM shop.orders WHERE status = 'open' AND created_at > now() - interval '1 hour'",
    "shop.customers_email_pattern_idx": "SELECT * FROM shop.customers WHERE email ~>=~ 'c1' AND email ~<~ 'c2'",
    "shop.payments_method_order_id_idx": "SELECT * FROM shop.payments WHERE method = 'card' AND order_id = 8",
    "shop.orders_pkey": "SELECT * FROM shop.orders WHERE id = 42",
}

EXPECTED = [
    ("invalid_index", "shop.customers", "shop.customers_phone_key", None, "high"),
    ("duplicate_index", "shop.customers", "shop.customers_email_idx", "shop.customers_email_key", "high"),
    ("redundant_index", "shop.orders", "shop.orders_customer_id_idx", "shop.orders_customer_id_created_at_idx", "medium"),
    ("fk_without_index", "shop.payments", None, "payments_order_id_fkey", "medium"),
    ("unused_index", "shop.orders", "shop.orders_note_idx", None, "low"),
    ("unused_index", "shop.orders", "shop.orders_number_created_at_idx", None, "low"),
    ("unused_index", "shop.orders", "shop.orders_paid_idx", None, "low"),
]


def _rows(result) -> list[tuple]:
    return [(f.kind, f.table, f.index, f.related, f.severity) for f in result.findings]


def _scan_counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT schemaname || '.' || indexrelname, idx_scan FROM pg_stat_user_indexes").fetchall()
    return {name: n for name, n in rows}


def _setup(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)
        # a failed concurrent build leaves an INVALID index behind
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY customers_phone_key ON shop.customers (phone)")
        conn.execute("SELECT pg_stat_reset()")  # the evidence starts now: stats_reset is set
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        for sql in SCANS.values():
            conn.execute(sql).fetchall()
        if conn.info.server_version >= 150000:
            conn.execute("SELECT pg_stat_force_next_flush()")
    # the counters reach shared memory asynchronously: wait until they show
    deadline = time.monotonic() + 20
    while True:
        counts = _scan_counts(dsn)
        if all(counts.get(name, 0) > 0 for name in SCANS):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the planned index scans never showed in pg_stat_user_indexes: {counts}")
        time.sleep(0.2)


@pytest.fixture
def shop_db(fresh_db):
    _setup(fresh_db)
    return fresh_db


def test_findings_on_a_server_with_real_counters(shop_db):
    result = api.health(dsn=shop_db)
    assert result.catalog_source == "live"
    assert result.ran == list(health.KINDS) and result.skipped == []
    assert result.evidence_from == "stats_reset" and result.evidence_days is not None and result.evidence_days < 1
    assert _rows(result) == EXPECTED
    by_index = {f.index: f for f in result.findings}

    invalid = by_index["shop.customers_phone_key"]
    assert invalid.ddl == "DROP INDEX CONCURRENTLY IF EXISTS shop.customers_phone_key;"
    assert "INVALID" in invalid.evidence and "duplicate values" in invalid.evidence
    assert invalid.definition == "CREATE UNIQUE INDEX customers_phone_key ON shop.customers USING btree (phone)"

    assert by_index["shop.customers_email_idx"].ddl == "DROP INDEX CONCURRENTLY IF EXISTS shop.customers_email_idx;"
    redundant = by_index["shop.orders_customer_id_idx"]
    assert redundant.ddl == "DROP INDEX CONCURRENTLY IF EXISTS shop.orders_customer_id_idx;"
    assert "idx_scan = 0" in redundant.evidence

    fk = next(f for f in result.findings if f.kind == "fk_without_index")
    assert fk.ddl == "CREATE INDEX CONCURRENTLY IF NOT EXISTS payments_order_id_idx ON shop.payments (order_id);"
    assert "payments_method_order_id_idx has these columns, but not leading" in fk.evidence
    assert "about 5,000 rows" in fk.evidence

    # young evidence: unused indexes are notes, with no DDL to drop them
    for f in result.findings:
        if f.kind == "unused_index":
            assert f.ddl is None and "days old" in f.evidence and "a note" in f.evidence
    assert any("replica" in n for n in result.notes)


def test_old_enough_evidence_makes_unused_indexes_drop_candidates(shop_db):
    result = api.health(dsn=shop_db, options=HealthOptions(min_evidence_days=0))
    unused = {f.index: (f.severity, f.ddl) for f in result.findings if f.kind == "unused_index"}
    assert unused == {
        name: ("medium", f"DROP INDEX CONCURRENTLY IF EXISTS {name};")
        for name in ("shop.orders_note_idx", "shop.orders_number_created_at_idx", "shop.orders_paid_idx")
    }


def test_the_fixes_apply_and_leave_nothing_to_fix(shop_db):
    result = api.health(dsn=shop_db, options=HealthOptions(min_evidence_days=0))
    with psycopg.connect(shop_db, autocommit=True) as conn:
        for f in result.findings:
            for statement in (f.ddl or "").splitlines():
                conn.execute(statement)  # one statement per message: CONCURRENTLY needs it
    again = api.health(dsn=shop_db, options=HealthOptions(min_evidence_days=0))
    # only the new foreign-key index remains unscanned: the only index serving its key, so a note
    assert _rows(again) == [("unused_index", "shop.payments", "shop.payments_order_id_idx", None, "low")]
    assert "payments_order_id_fkey" in again.findings[0].evidence and again.findings[0].ddl is None


def test_a_snapshot_gives_the_same_findings(shop_db, tmp_path):
    with db.connect(shop_db) as conn:
        write_snapshot(read_catalog(conn), tmp_path / "snap.json")
    live = api.health(dsn=shop_db)
    offline = api.health(snapshot=tmp_path / "snap.json")
    assert offline.catalog_source == "snapshot"
    assert _rows(offline) == _rows(live) == EXPECTED
    assert [f.evidence for f in offline.findings] == [f.evidence for f in live.findings]


def test_ddl_files_give_the_structural_findings_only(shop_db, tmp_path):
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA.split("INSERT INTO")[0])
    result = api.health(schema=[schema])
    assert result.catalog_source == "ddl"
    assert {s.check for s in result.skipped} == {"unused_index", "invalid_index"}
    assert [r[:4] for r in _rows(result)] == [r[:4] for r in EXPECTED if r[0] in ("duplicate_index", "redundant_index", "fk_without_index")]


def test_analyze_reports_findings_and_spares_what_the_workload_could_use(shop_db, tmp_path):
    workload = tmp_path / "workload.sql"
    workload.write_text(
        "SELECT id FROM shop.orders WHERE note = 'note 7';\n" * 3
        + "SELECT * FROM shop.payments WHERE order_id = 12;\n" * 20
    )
    report = api.analyze([workload], dsn=shop_db)
    kinds = [(f.kind, f.index or f.related) for f in report.findings]
    assert ("unused_index", "shop.orders_note_idx") not in kinds  # the workload could use it
    assert ("unused_index", "shop.orders_paid_idx") in kinds
    assert any("orders_note_idx" in n and "could use" in n for n in report.notes)
    fk = next(f for f in report.findings if f.kind == "fk_without_index")
    payments = [r for r in report.recommendations if r.table == "payments"]
    if payments:  # the proposal leads with order_id, so it serves the key: one index, not two
        assert payments[0].columns[0] == "order_id" and fk.ddl is None and payments[0].name in fk.evidence
    else:
        assert fk.ddl is not None
    document = json.loads(__import__("indexadvisor.report.json", fromlist=["render"]).render(report))
    assert [f["kind"] for f in document["findings"]] == [f.kind for f in report.findings]
    assert all(f["id"].startswith(f["kind"] + ":") for f in document["findings"])


def test_health_command_on_a_server(shop_db, tmp_path):
    result = runner.invoke(app, ["health", "--dsn", shop_db])
    assert result.exit_code == 0, result.output
    assert "Findings (7:" in result.stdout
    assert "DROP INDEX CONCURRENTLY IF EXISTS shop.customers_email_idx;" in result.stdout
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS payments_order_id_idx ON shop.payments (order_id);" in result.stdout

    out = tmp_path / "health.json"
    result = runner.invoke(app, ["health", "--dsn", shop_db, "--format", "json", "--min-evidence-days", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    document = json.loads(out.read_text())
    assert document["catalog"]["source"] == "live"
    assert document["checks"] == {"ran": list(health.KINDS), "skipped": []}
    assert document["evidence"]["from"] == "stats_reset"
    assert document["summary"]["by_kind"]["unused_index"] == 3
    for f in document["findings"]:
        assert set(f) >= {"id", "kind", "table", "index", "related", "evidence", "severity", "ddl"}
        if f["kind"] == "unused_index":
            assert f["severity"] == "medium" and f["ddl"].startswith("DROP INDEX CONCURRENTLY IF EXISTS ")


PARTITIONED = """
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE events (
    customer_id bigint NOT NULL REFERENCES customers (id),
    at date NOT NULL,
    kind text
) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
    PARTITION BY RANGE (at);
CREATE TABLE events_2025_h1 PARTITION OF events_2025 FOR VALUES FROM ('2025-01-01') TO ('2025-07-01');
CREATE TABLE events_2025_h2 PARTITION OF events_2025 FOR VALUES FROM ('2025-07-01') TO ('2026-01-01');
CREATE INDEX events_kind_idx ON events (kind);
INSERT INTO customers SELECT generate_series(1, 100);
INSERT INTO events SELECT 1 + g % 100, date '2024-01-01' + g % 700, 'k' || g % 5 FROM generate_series(1, 3000) g;
ANALYZE;
"""


def test_partitioned_tables_on_a_server(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(PARTITIONED)
    result = api.health(dsn=fresh_db, options=HealthOptions(min_evidence_days=0))
    # one finding per partitioned index or key, on the parent (the partitions' copies are not repeated)
    assert _rows(result) == [
        ("unused_index", "public.events", "public.events_kind_idx", None, "medium"),
        ("fk_without_index", "public.events", None, "events_customer_id_fkey", "medium"),
    ]
    unused, fk = result.findings
    assert unused.ddl == "DROP INDEX IF EXISTS public.events_kind_idx;"
    assert fk.ddl.splitlines()[0] == "CREATE INDEX IF NOT EXISTS events_customer_id_idx ON ONLY public.events (customer_id);"
    assert sum("CONCURRENTLY" in line for line in fk.ddl.splitlines()) == 3  # the leaf partitions
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for statement in fk.ddl.splitlines():
            conn.execute(statement)
        valid = conn.execute("SELECT bool_and(indisvalid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                             "WHERE c.relname LIKE 'events%customer_id_idx'").fetchone()[0]
    assert valid  # every level attached: the parent index is valid
    again = api.health(dsn=fresh_db, options=HealthOptions(checks=["fk_without_index", "invalid_index"]))
    assert again.findings == []
