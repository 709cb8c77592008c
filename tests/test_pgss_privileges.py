"""pg_stat_statements read by a role without pg_read_all_stats: other roles' statements read
<insufficient privilege>; they are counted, and the report says what grant would show them."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from indexadvisor.sources.pgss import read_pg_stat_statements
from indexadvisor.sources.workload import WorkloadBuilder


def test_statements_of_other_roles_are_counted_with_the_grant_that_shows_them(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
        except psycopg.Error as exc:
            pytest.skip(f"pg_stat_statements is not available on the test server: {exc}")
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, a int)")
        for i in range(5):
            conn.execute("SELECT * FROM t WHERE a = %s", (i,))
        conn.execute("DROP ROLE IF EXISTS app_reader")
        conn.execute("CREATE ROLE app_reader LOGIN")
    reader = make_conninfo(**{**conninfo_to_dict(fresh_db), "user": "app_reader"})
    builder = WorkloadBuilder()
    with psycopg.connect(reader, autocommit=True) as conn:
        read_pg_stat_statements(conn, builder)
    workload = builder.build()
    assert not workload.statements
    [note] = [n for n in workload.notes if "insufficient privilege" in n]
    assert "GRANT pg_read_all_stats TO app_reader" in note and "of the calls" in note
