"""Keys that hold more rows than the average, on a real server.

The planner prices `user_id = 'x'` at the average rows per user for any user not among its most
common values, so for `WHERE user_id = ... ORDER BY created_at DESC LIMIT 10` an index on
(user_id) and one on (user_id, created_at DESC) cost it the same where users hold a few rows
each. Calls follow rows: the users with thousands of chats are the ones the page is asked for
most, and there the first index reads and sorts them all while the second reads ten. Between two
indexes the planner cannot tell apart, the advisor takes the one that applies more of the
statement's conditions (candidates/serve.py, conditions_applied), and built, it is faster.
"""

from __future__ import annotations

import psycopg
import pytest
from measure import execution_ms

from indexadvisor import api

pytestmark = pytest.mark.hypopg  # skipped, with the reason, on a server without HypoPG (the embedded 18)

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE chat (id bigserial PRIMARY KEY, user_id int NOT NULL, created_at timestamptz NOT NULL, title text, body text);
-- 30,000 users with one to five chats, and 5 users with 3,000 each, stored in no order of either
INSERT INTO chat (user_id, created_at, title, body)
    SELECT user_id, created_at, title, body FROM (
        SELECT u AS user_id, now() - (u * 7 + n) * interval '1 minute' AS created_at, 'chat ' || n AS title, repeat('x', 300) AS body
        FROM generate_series(1, 30000) u, generate_series(1, 1 + u % 5) n
        UNION ALL
        SELECT 100000 + u, now() - n * interval '1 minute', 'chat ' || n, repeat('y', 300)
        FROM generate_series(1, 5) u, generate_series(1, 3000) n
    ) rows ORDER BY md5(user_id || ' ' || title);
"""

PAGE = "SELECT * FROM chat WHERE user_id = {} ORDER BY created_at DESC LIMIT 10"
# the first call (the one costed) for a light user; then calls that follow rows: half of the
# chats belong to the heavy users, and so do half of the calls
USERS = [17] + [100001 + n % 5 if n % 2 else 1000 + 37 * n for n in range(1, 80)]
NEW_CHAT = "INSERT INTO chat (user_id, created_at, title) VALUES ({}, now(), 'new chat')"
HEAVY = 100003  # a user with 3,000 chats


def _loaded(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("VACUUM ANALYZE chat")


def _ms_with_each(dsn: str, other: str, chosen: str, sql: str) -> tuple[float, float]:
    """The statement's execution time with the `other` index built, then with the chosen one instead."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE INDEX chat_other ON chat {other}")
        conn.execute("VACUUM ANALYZE chat")
        before = execution_ms(conn, sql)
        conn.execute(chosen)
        conn.execute("DROP INDEX chat_other")
        conn.execute("ANALYZE chat")
        return before, execution_ms(conn, sql)


def test_the_index_that_stops_at_the_limit_wins_a_tie_and_is_faster_at_a_heavy_key(fresh_db, tmp_path):
    _loaded(fresh_db)
    workload = tmp_path / "workload.sql"
    workload.write_text("\n".join([PAGE.format(u) + ";" for u in USERS] + [NEW_CHAT.format(u) + ";" for u in USERS[:20]]))

    report = api.analyze([workload], dsn=fresh_db)

    assert report.costing == "planner"
    assert [r.columns[:2] for r in report.recommendations] == [["user_id", "created_at"]], [r.ddl for r in report.recommendations]
    [chosen] = report.recommendations
    narrow, wide = _ms_with_each(fresh_db, "(user_id)", chosen.ddl, PAGE.format(HEAVY))
    assert wide * 3 < narrow, (wide, narrow)


LATEST = "SELECT max(created_at) FROM chat WHERE user_id = {}"


def test_the_latest_row_of_a_key_is_one_step_down_an_index_that_orders_it(fresh_db, tmp_path):
    """PostgreSQL plans `max(created_at) ... WHERE user_id = x` as `ORDER BY created_at DESC LIMIT 1`
    where an index delivers that order (planagg.c): (user_id, created_at DESC) reads one entry at
    any user, (user_id) INCLUDE (created_at) every entry of the user, 3,000 at the heaviest."""
    _loaded(fresh_db)
    workload = tmp_path / "workload.sql"
    workload.write_text("\n".join(LATEST.format(u) + ";" for u in USERS))

    report = api.analyze([workload], dsn=fresh_db)

    assert [r.columns for r in report.recommendations] == [["user_id", "created_at"]], [r.ddl for r in report.recommendations]
    [chosen] = report.recommendations
    assert "delivers max(created_at)" in chosen.reason, chosen.reason
    covering, ordered = _ms_with_each(fresh_db, "(user_id) INCLUDE (created_at)", chosen.ddl, LATEST.format(HEAVY))
    assert ordered * 3 < covering, (ordered, covering)


# users stored together (each user's chats in one run of pages), so that an index on user_id alone
# reads a light user's few chats from one page: the planner prices it under the ordered index there
CLUSTERED = """
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE chat (id bigserial PRIMARY KEY, user_id int NOT NULL, created_at timestamptz NOT NULL, title text, body text);
INSERT INTO chat (user_id, created_at, title, body)
    SELECT u, now() - (u * 7 + n) * interval '1 minute', 'chat ' || n, repeat('x', 300)
    FROM generate_series(1, 30000) u, generate_series(1, 1 + u % 5) n;
INSERT INTO chat (user_id, created_at, title, body)
    SELECT 100000 + u, now() - n * interval '1 minute', 'chat ' || n, repeat('y', 300)
    FROM generate_series(1, 5) u, generate_series(1, 3000) n;
"""


def test_a_shape_is_costed_at_its_heaviest_sampled_key_too(fresh_db, tmp_path):
    """The first call of the page is a light user's: there the planner prices (user_id) under
    (user_id, created_at DESC) (8 against 13: its correlation is taken whole for one key column,
    at 0.75 for two). Half of the calls are the heavy users', where (user_id) reads and sorts
    3,000 chats for ten (189 against 5). Costed at the lightest and the heaviest of its sampled
    keys too (pg_stats' most common values), the worst counted, the ordered index wins."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(CLUSTERED)
        conn.execute("VACUUM ANALYZE chat")
    workload = tmp_path / "workload.sql"
    workload.write_text("\n".join([PAGE.format(u) + ";" for u in USERS] + [NEW_CHAT.format(u) + ";" for u in USERS[:20]]))

    report = api.analyze([workload], dsn=fresh_db)

    assert [r.columns[:2] for r in report.recommendations] == [["user_id", "created_at"]], [r.ddl for r in report.recommendations]
    [page] = [s for s in report.statements if s.sql.startswith("SELECT")]
    assert any("heaviest of its sampled" in n for n in page.notes), page.notes
    [chosen] = report.recommendations
    narrow, wide = _ms_with_each(fresh_db, "(user_id)", chosen.ddl, PAGE.format(HEAVY))
    assert wide * 3 < narrow, (wide, narrow)
