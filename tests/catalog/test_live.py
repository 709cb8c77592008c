"""The live catalog reader and the read-only session, against a real server."""

from __future__ import annotations

import socket
import time
import uuid
from datetime import datetime
from typing import Any

import psycopg
import pytest

from indexadvisor.catalog.live import read_catalog
from indexadvisor.errors import ConnectionFailed, DatabaseError
from indexadvisor.model import Catalog, ForeignKey, IndexKey
from indexadvisor.pg import session as db

SCHEMA = """
CREATE SCHEMA app;

CREATE TABLE app."user" (
    tenant_id   int NOT NULL,
    id          bigint NOT NULL,
    email       text NOT NULL,
    "createdAt" timestamptz NOT NULL,
    status      varchar(20) COLLATE "POSIX",  -- a libc collation: the embedded 18 is built without ICU
    deleted_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT user_email_key UNIQUE (tenant_id, email)
);
CREATE INDEX user_live_idx ON app."user" (tenant_id, "createdAt") INCLUDE (status, email)
    WHERE deleted_at IS NULL;
CREATE INDEX user_order_idx ON app."user" ("createdAt" DESC NULLS FIRST, id NULLS FIRST,
    status DESC NULLS LAST);
CREATE INDEX user_lower_email_idx ON app."user" (lower(email));
CREATE INDEX user_email_pattern_idx ON app."user" (email text_pattern_ops);
CREATE INDEX user_status_c_idx ON app."user" (status COLLATE "C");
CREATE INDEX user_brin_idx ON app."user" USING brin ("createdAt");

CREATE TABLE app.orders (
    tenant_id int NOT NULL,
    id        bigint NOT NULL,
    user_id   bigint NOT NULL,
    total     numeric(12, 2),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT orders_user_fk FOREIGN KEY (user_id, tenant_id) REFERENCES app."user" (id, tenant_id)
);

CREATE TABLE app.events (
    tenant_id int NOT NULL,
    at        date NOT NULL,
    kind      text,
    PRIMARY KEY (tenant_id, at)
) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX events_kind_idx ON app.events (kind);

CREATE TABLE app.event_notes (
    tenant_id int NOT NULL,
    at        date NOT NULL,
    note      text,
    CONSTRAINT event_notes_event_fk FOREIGN KEY (tenant_id, at) REFERENCES app.events
);

CREATE TABLE public.never_analysed (id int);
CREATE TEMP TABLE scratch (id int);

INSERT INTO app."user"
SELECT 1, g, 'User' || g || '@example.com', timestamptz '2024-01-01' + g * interval '1 minute',
       CASE WHEN g % 10 = 0 THEN 'banned' ELSE 'active' END,
       CASE WHEN g % 4 = 0 THEN now() END
FROM generate_series(1, 2000) g;
INSERT INTO app.orders SELECT 1, g, g, g FROM generate_series(1, 500) g;
INSERT INTO app.events SELECT 1, date '2024-06-01' + g, 'k' || (g % 3) FROM generate_series(1, 300) g;
ANALYZE app."user";
ANALYZE app.orders;
ANALYZE app.events;
"""


@pytest.fixture
def loaded_db(fresh_db: str) -> str:
    """fresh_db with SCHEMA, statistics, and one counted scan of user_lower_email_idx."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_reset()")  # gives stats_reset a value
        conn.execute(SCHEMA)
        conn.execute("SET enable_seqscan = off")
        conn.execute("SELECT * FROM app.\"user\" WHERE lower(email) = 'user7@example.com'")
        if conn.info.server_version >= 150000:
            conn.execute("SELECT pg_stat_force_next_flush()")
        _wait_for_scan(conn, "user_lower_email_idx")
    return fresh_db


def _wait_for_scan(conn: psycopg.Connection[Any], index: str) -> None:
    """Index statistics are flushed asynchronously; poll until the scan shows."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        row = conn.execute(
            "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = %s", (index,)
        ).fetchone()
        if row and row[0]:
            return
        time.sleep(0.2)
    pytest.fail(f"idx_scan of {index} never became > 0")


@pytest.fixture
def catalog(loaded_db: str) -> Catalog:
    with db.connect(loaded_db) as conn:
        return read_catalog(conn)


def test_catalog_metadata(catalog: Catalog, loaded_db: str) -> None:
    with psycopg.connect(loaded_db) as conn:
        version = conn.info.server_version
    assert catalog.source == "live"
    assert catalog.server_version == version
    assert catalog.search_path == ["public"]
    assert catalog.stats_reset is not None and datetime.fromisoformat(catalog.stats_reset)
    assert catalog.captured_at is not None and datetime.fromisoformat(catalog.captured_at)


def test_tables_and_schemas(catalog: Catalog) -> None:
    assert sorted(catalog.tables) == [
        "app.event_notes",
        "app.events",
        "app.events_2024",
        "app.events_2025",
        "app.orders",
        "app.user",
        "public.never_analysed",
    ]
    user = catalog.tables["app.user"]
    assert (user.schema, user.name) == ("app", "user")
    assert user.row_estimate == 2000
    assert user.pages and user.pages > 0
    assert user.size_bytes and user.size_bytes >= user.pages * 8192
    assert user.n_tup_ins == 2000 and user.n_tup_upd == 0 and user.n_tup_del == 0
    assert user.n_tup_hot_upd == 0 and user.seq_scan is not None
    assert user.last_analyze is not None and datetime.fromisoformat(user.last_analyze)
    assert catalog.tables["public.never_analysed"].row_estimate is None
    assert catalog.tables["public.never_analysed"].last_analyze is None
    assert not catalog.tables["public.never_analysed"].has_stats
    assert catalog.find("user", "app") is user


def test_columns_and_stats(catalog: Catalog) -> None:
    cols = catalog.tables["app.user"].columns
    assert list(cols) == ["tenant_id", "id", "email", "createdAt", "status", "deleted_at"]
    assert [(c.type, c.not_null) for c in cols.values()] == [
        ("integer", True),
        ("bigint", True),
        ("text", True),
        ("timestamp with time zone", True),
        ("character varying(20)", False),
        ("timestamp with time zone", False),
    ]
    # the database default (the test cluster's is C) resolved; an explicit one by name; none for non-text
    assert [c.collation for c in cols.values()] == [None, None, "C", None, "POSIX", None]
    status = cols["status"].stats
    assert status is not None
    assert status.most_common_vals == ["active", "banned"]
    assert status.most_common_freqs == pytest.approx([0.9, 0.1])
    assert status.null_frac == 0
    email = cols["email"].stats
    assert email is not None and email.n_distinct == -1 and email.avg_width > 10
    assert email.most_common_vals is None and email.most_common_freqs is None
    created = cols["createdAt"].stats
    assert created is not None and created.correlation == pytest.approx(1.0)
    assert cols["deleted_at"].stats is not None
    assert cols["deleted_at"].stats.null_frac == pytest.approx(0.75)
    # A partitioned table has the statistics of its whole tree.
    kind = catalog.tables["app.events"].columns["kind"].stats
    assert kind is not None and sorted(kind.most_common_vals or []) == ["k0", "k1", "k2"]
    assert catalog.tables["public.never_analysed"].columns["id"].stats is None


def test_indexes(catalog: Catalog) -> None:
    user = catalog.tables["app.user"]
    idx = {i.name: i for i in user.indexes}
    assert sorted(idx) == [
        "user_brin_idx",
        "user_email_key",
        "user_email_pattern_idx",
        "user_live_idx",
        "user_lower_email_idx",
        "user_order_idx",
        "user_pkey",
        "user_status_c_idx",
    ]

    pkey = idx["user_pkey"]
    assert pkey.key_columns == ["tenant_id", "id"]
    assert pkey.primary and pkey.unique and pkey.constraint == "user_pkey"
    assert pkey.constraint_type == "p" and pkey.valid and pkey.method == "btree"
    assert pkey.schema == "app" and pkey.table == "user"
    unique = idx["user_email_key"]
    assert unique.unique and not unique.primary
    assert (unique.constraint, unique.constraint_type) == ("user_email_key", "u")

    live = idx["user_live_idx"]
    assert live.key_columns == ["tenant_id", "createdAt"]
    assert live.include == ["status", "email"]
    assert live.where == "deleted_at IS NULL"
    assert not live.unique and live.constraint is None and live.constraint_type is None
    assert live.definition == (
        'CREATE INDEX user_live_idx ON app."user" USING btree (tenant_id, "createdAt") '
        "INCLUDE (status, email) WHERE (deleted_at IS NULL)"
    )

    assert idx["user_order_idx"].keys == [
        IndexKey(column="createdAt", desc=True, nulls_first=None),
        IndexKey(column="id", desc=False, nulls_first=True),
        IndexKey(column="status", desc=True, nulls_first=False),
    ]
    lower = idx["user_lower_email_idx"]
    assert lower.keys == [IndexKey(column=None, expression="lower(email)")]
    assert lower.keys[0].text == "(lower(email))"
    assert lower.idx_scan is not None and lower.idx_scan > 0
    assert pkey.idx_scan == 500  # the foreign key checks of the 500 orders
    assert idx["user_email_pattern_idx"].keys == [
        IndexKey(column="email", opclass="text_pattern_ops")
    ]
    assert idx["user_status_c_idx"].keys == [IndexKey(column="status", collation="C")]
    assert idx["user_brin_idx"].method == "brin"
    for index in user.indexes:
        assert index.size_bytes and index.size_bytes > 0
        assert index.definition and index.definition.startswith("CREATE ")
        if index.name not in ("user_lower_email_idx", "user_pkey"):
            assert index.idx_scan == 0
        # Plain keys never carry an expression, and defaults are left out.
        for key in index.keys:
            assert (key.column is None) != (key.expression is None)
        if index.name not in ("user_email_pattern_idx", "user_status_c_idx"):
            assert all(k.opclass is None and k.collation is None for k in index.keys)


def test_partitioned_table(catalog: Catalog) -> None:
    events = catalog.tables["app.events"]
    assert [i.name for i in events.indexes] == ["events_kind_idx", "events_pkey"]
    assert events.indexes[1].primary and events.indexes[1].key_columns == ["tenant_id", "at"]
    part = catalog.tables["app.events_2024"]
    assert part.row_estimate is not None and part.row_estimate > 0
    assert sorted(i.name for i in part.indexes) == ["events_2024_kind_idx", "events_2024_pkey"]


def test_foreign_keys(catalog: Catalog) -> None:
    assert catalog.tables["app.orders"].foreign_keys == [
        ForeignKey(
            name="orders_user_fk",
            columns=["user_id", "tenant_id"],
            ref_schema="app",
            ref_table="user",
            ref_columns=["id", "tenant_id"],
        )
    ]
    # Referencing a partitioned table: one key, to the parent, not one per partition.
    assert catalog.tables["app.event_notes"].foreign_keys == [
        ForeignKey("event_notes_event_fk", ["tenant_id", "at"], "app", "events", ["tenant_id", "at"])
    ]
    assert catalog.tables["app.user"].foreign_keys == []


def test_schema_filter(loaded_db: str) -> None:
    with db.connect(loaded_db) as conn:
        only_public = read_catalog(conn, ["public"])
        nothing = read_catalog(conn, ["no_such_schema"])
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with psycopg.connect(loaded_db) as conn:  # not autocommit, inside the caller's transaction
        conn.execute("SELECT 1")
        inside = read_catalog(conn, ["public"])
    assert inside.tables == only_public.tables
    assert list(only_public.tables) == ["public.never_analysed"]
    assert nothing.tables == {}


def test_locked_table_gives_lock_timeout_and_idle_session(loaded_db: str) -> None:
    """pg_table_size waits for a table's lock; lock_timeout turns that into a clear error."""
    with psycopg.connect(loaded_db) as locker, db.connect(loaded_db, lock_timeout_ms=100) as conn:
        locker.execute('LOCK TABLE app."user" IN ACCESS EXCLUSIVE MODE')
        with pytest.raises(DatabaseError, match=r"^lock timeout while reading the catalog \(tables\)"):
            read_catalog(conn)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        locker.rollback()
        assert "app.user" in read_catalog(conn).tables


# --------------------------------------------------------------------------- the session


def test_session_is_read_only_with_timeouts(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as admin:
        admin.execute("CREATE TABLE t (id int)")
    with db.connect(fresh_db) as conn:
        assert conn.autocommit
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO t VALUES (1)")
        assert _show(conn, "default_transaction_read_only") == "on"
        assert _show(conn, "statement_timeout") == "30s"
        assert _show(conn, "lock_timeout") == "1s"
        assert _show(conn, "application_name") == "indexadvisor"
        with pytest.raises(DatabaseError, match="read-only"):
            db.run(conn, "INSERT INTO t VALUES (1)")
    with db.connect(fresh_db, statement_timeout_ms=1234, lock_timeout_ms=250) as conn:
        assert _show(conn, "statement_timeout") == "1234ms"
        assert _show(conn, "lock_timeout") == "250ms"


def test_dsn_options_are_kept_but_ours_win(fresh_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    options = "-c search_path=app,public -c default_transaction_read_only=off"
    dsn = psycopg.conninfo.make_conninfo(fresh_db, options=options)
    with db.connect(dsn) as conn:
        assert _show(conn, "search_path") == "app,public"
        assert _show(conn, "default_transaction_read_only") == "on"
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=7MB -c statement_timeout=0")
    with db.connect(fresh_db) as conn:
        assert _show(conn, "work_mem") == "7MB"
        assert _show(conn, "statement_timeout") == "30s"


def test_database_url(fresh_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_db)
    with db.connect() as conn:
        assert db.run(conn, "SELECT current_database() AS d")[0]["d"] == conn.info.dbname


def test_run_marks_queries_and_returns_dicts(fresh_db: str) -> None:
    with db.connect(fresh_db) as conn:
        rows = db.run(conn, "SELECT current_query() AS q, %s::int AS n", (7,))
        assert rows[0]["n"] == 7
        assert rows[0]["q"].startswith(db.MARKER)
        composed = psycopg.sql.SQL("SELECT current_query() AS q")
        assert db.run(conn, composed)[0]["q"].startswith(db.MARKER)
        marked = db.MARKER + " SELECT current_query() AS q"
        assert db.run(conn, marked)[0]["q"] == marked
        assert db.run(conn, "SET work_mem = '8MB'") == []


def test_run_statement_timeout(fresh_db: str) -> None:
    with db.connect(fresh_db, statement_timeout_ms=50) as conn:
        with pytest.raises(DatabaseError, match="^statement timeout while testing") as exc:
            db.run(conn, "SELECT pg_sleep(2)", what="testing")
        assert "\n" not in str(exc.value)
        assert db.run(conn, "SELECT 1 AS one") == [{"one": 1}]  # the session survives


def test_run_lock_timeout(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as admin:
        admin.execute("CREATE TABLE t (id int)")
    with psycopg.connect(fresh_db) as locker, db.connect(fresh_db, lock_timeout_ms=100) as conn:
        locker.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(DatabaseError, match="^lock timeout while"):
            db.run(conn, "SELECT * FROM t")
        locker.rollback()


def test_run_insufficient_privilege(fresh_db: str) -> None:
    role = f"ia_test_{uuid.uuid4().hex[:8]}"
    ident = psycopg.sql.Identifier(role)
    with psycopg.connect(fresh_db, autocommit=True) as admin:
        admin.execute("CREATE TABLE secret (id int)")
        admin.execute(psycopg.sql.SQL("CREATE ROLE {} LOGIN").format(ident))
    try:
        dsn = psycopg.conninfo.make_conninfo(fresh_db, user=role)
        with db.connect(dsn) as conn:
            with pytest.raises(DatabaseError) as exc:
                db.run(conn, "SELECT * FROM secret", privilege="pg_read_all_stats")
        message = str(exc.value)
        assert message.startswith("permission denied while")
        assert "secret" in message and f"grant pg_read_all_stats to role {role}" in message
    finally:
        with psycopg.connect(fresh_db, autocommit=True) as admin:
            admin.execute(psycopg.sql.SQL("DROP OWNED BY {}").format(ident))
            admin.execute(psycopg.sql.SQL("DROP ROLE {}").format(ident))


def test_run_undefined_objects(fresh_db: str) -> None:
    with db.connect(fresh_db) as conn:
        with pytest.raises(DatabaseError, match='missing database object.*"no_such_table".*CREATE EXTENSION'):
            db.run(conn, "SELECT * FROM no_such_table", hint="CREATE EXTENSION it")
        with pytest.raises(DatabaseError, match="missing database object.*no_such_function"):
            db.run(conn, "SELECT no_such_function()")
        with pytest.raises(DatabaseError, match="^query failed while"):
            db.run(conn, "SELECT 1/0")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://alice:s3cr3t-pw@127.0.0.1:{port}/app",
        "host=127.0.0.1 port={port} user=alice password=s3cr3t-pw dbname=app",
        "host=127.0.0.1 port={port} user=alice password='s3cr3t-pw' dbname=app",
    ],
)
def test_connect_failure_is_one_line_without_password(dsn: str) -> None:
    port = _closed_port()
    with pytest.raises(ConnectionFailed) as exc:
        db.connect(dsn.format(port=port))
    message = str(exc.value)
    assert message.startswith(f"cannot connect to PostgreSQL at 127.0.0.1:{port}: ")
    assert "refused" in message.lower()
    assert "\n" not in message and "s3cr3t" not in message
    assert exc.value.__cause__ is None and exc.value.__suppress_context__


def test_invalid_dsn_does_not_leak_password() -> None:
    with pytest.raises(ConnectionFailed) as exc:
        db.connect("host=127.0.0.1 password=s3cr3t-pw user")
    assert "s3cr3t" not in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(ConnectionFailed) as exc:
        db.connect("postgresql://alice:s3cr3t-pw@127.0.0.1:notaport/app")
    assert "s3cr3t" not in str(exc.value) and "\n" not in str(exc.value)


def test_connect_unknown_database(pg_dsn: str) -> None:
    dsn = psycopg.conninfo.make_conninfo(pg_dsn, dbname="ia_no_such_db", password="s3cr3t-pw")
    with pytest.raises(ConnectionFailed, match='database "ia_no_such_db" does not exist') as exc:
        db.connect(dsn)
    assert "\n" not in str(exc.value) and "s3cr3t" not in str(exc.value)


def _show(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute(psycopg.sql.SQL("SHOW {}").format(psycopg.sql.Identifier(name))).fetchone()
    assert row is not None
    return str(row[0])


def test_padded_character_values_compare_without_their_padding(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE shipments (id int, mode char(10))")
        conn.execute("INSERT INTO shipments SELECT g, (ARRAY['AIR', 'RAIL', 'SHIP'])[1 + g % 3] FROM generate_series(1, 3000) g")
        conn.execute("ANALYZE shipments")
    with db.connect(fresh_db) as conn:
        catalog = read_catalog(conn)
    stats = catalog.tables["public.shipments"].columns["mode"].stats
    assert stats is not None and sorted(stats.most_common_vals or []) == ["AIR", "RAIL", "SHIP"]
