"""Catalog snapshots: exact round trips, and clear errors for files that are not snapshots."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import psycopg
import pytest

from indexadvisor.catalog.live import read_catalog
from indexadvisor.catalog.snapshot import FORMAT, VERSION, read_snapshot, write_snapshot
from indexadvisor.errors import InputError
from indexadvisor.model import (
    Catalog,
    Column,
    ColumnStats,
    ForeignKey,
    Index,
    IndexKey,
    Table,
)
from indexadvisor.pg import session as db


def _hand_made() -> Catalog:
    """A catalog that sets every optional field, including unusual text."""
    table = Table(
        schema="App Schema",
        name="user",
        columns={
            "createdAt": Column("createdAt", "timestamp with time zone", True,
                                ColumnStats(0.25, -1.0, 8, 0.998, None, None)),
            "status": Column("status", "text", False,
                             ColumnStats(0.0, 2.0, 7, -0.1, ["active", "naïve \"quoted\", {x}"],
                                         [0.9, 0.1])),
            "email": Column("email", "text"),
        },
        indexes=[
            Index("user_pkey", "App Schema", "user", [IndexKey("createdAt")], primary=True,
                  unique=True, constraint="user_pkey", constraint_type="p", size_bytes=8192,
                  idx_scan=3, definition='CREATE UNIQUE INDEX user_pkey ON "App Schema"."user" ...'),
            Index("user_lower", "App Schema", "user",
                  [IndexKey(None, "lower(email)", desc=True, nulls_first=False,
                            opclass="text_pattern_ops", collation="C")],
                  include=["status"], where="status = 'active'::text", valid=False),
        ],
        foreign_keys=[ForeignKey("fk", ["a", "b"], "other", "t", ["x", "y"])],
        row_estimate=1234.5,
        pages=10,
        all_visible_pages=3,
        size_bytes=81920,
        seq_scan=1,
        n_tup_ins=2,
        n_tup_upd=3,
        n_tup_del=4,
        n_tup_hot_upd=1,
        last_analyze="2024-05-01T10:00:00+00:00",
    )
    catalog = Catalog(source="live", server_version=150010, stats_reset=None,
                      captured_at="2024-05-02T00:00:00.123456+02:00",
                      search_path=["App Schema", "public"])
    catalog.add(table)
    catalog.add(Table("public", "empty"))
    return catalog


def test_round_trip_hand_made(tmp_path: Path) -> None:
    original = _hand_made()
    path = tmp_path / "snap.json"
    write_snapshot(original, path)
    loaded = read_snapshot(path)
    assert loaded.source == "snapshot"
    assert loaded == dataclasses.replace(original, source="snapshot")
    assert original.source == "live"  # writing does not change the catalog
    document = json.loads(path.read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == (FORMAT, VERSION)
    assert document["catalog"]["source"] == "live"  # what the snapshot was taken from
    # The file is stable: writing what was read gives the same content.
    again = tmp_path / "again.json"
    write_snapshot(dataclasses.replace(loaded, source="live"), str(again))
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_round_trip_live(fresh_db: str, tmp_path: Path) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(
            """
            CREATE SCHEMA s;
            CREATE TABLE s."Order" (id int PRIMARY KEY, "createdAt" date, note text);
            CREATE INDEX ON s."Order" (lower(note) text_pattern_ops) WHERE "createdAt" IS NOT NULL;
            CREATE TABLE s.line (order_id int REFERENCES s."Order", n int, PRIMARY KEY (order_id, n));
            INSERT INTO s."Order" SELECT g, date '2024-01-01' + g, 'n' || (g % 5) FROM generate_series(1, 100) g;
            ANALYZE s."Order";
            """
        )
    with db.connect(fresh_db) as conn:
        original = read_catalog(conn)
    path = tmp_path / "live.json"
    write_snapshot(original, path)
    loaded = read_snapshot(path)
    assert loaded == dataclasses.replace(original, source="snapshot")
    note = loaded.tables['s.Order'].columns["note"].stats
    assert note is not None and note.most_common_vals == ["n0", "n1", "n2", "n3", "n4"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a snapshot file (invalid JSON at line 1 column 2)"),
        ("", "not a snapshot file (invalid JSON"),
        ("[1, 2]", "not an indexadvisor snapshot"),
        ('{"format": "something-else", "version": 1}', "not an indexadvisor snapshot"),
        ('{"format": "indexadvisor-snapshot"}', "no valid version number"),
        ('{"format": "indexadvisor-snapshot", "version": "1"}', "no valid version number"),
        ('{"format": "indexadvisor-snapshot", "version": 99, "catalog": {}}',
         "snapshot version 99 is newer than this indexadvisor reads (up to 1); upgrade"),
        ('{"format": "indexadvisor-snapshot", "version": 1, "catalog": []}',
         "malformed snapshot: catalog: expected an object, got list"),
        ('{"format": "indexadvisor-snapshot", "version": 1, "catalog": '
         '{"tables": {"public.t": {"schema": "public", "name": "t", "pages": "many"}}}}',
         "malformed snapshot: catalog.tables['public.t'].pages: expected int, got str"),
        ('{"format": "indexadvisor-snapshot", "version": 1, "catalog": '
         '{"tables": {"public.t": {"name": "t"}}}}',
         "malformed snapshot: catalog.tables['public.t']: missing 'schema'"),
    ],
)
def test_bad_snapshot_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_snapshot(path)
    text = str(exc.value)
    assert text.startswith(str(path)) and message in text
    assert "\n" not in text


def test_unreadable_snapshot_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read snapshot .*missing\.json: No such file"):
        read_snapshot(tmp_path / "missing.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not a snapshot file"):
        read_snapshot(binary)
    with pytest.raises(InputError, match="cannot write snapshot"):
        write_snapshot(Catalog(), tmp_path / "no" / "such" / "dir.json")
    assert list(tmp_path.iterdir()) == [binary]  # no temporary file left behind
