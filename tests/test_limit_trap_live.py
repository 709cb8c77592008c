"""The LIMIT trap on a real server: rows that cluster defeat the planner's early-stop estimate.

`WHERE "teamId" = $1 ORDER BY "updatedAt" DESC LIMIT 20` over an index on "updatedAt" alone
looks cheap to the planner (it assumes the team's rows are spread evenly, so 20 of them come
soon), but here each team's rows sit together in time and the scan reads most of the table.
The advisor must propose the index the filter leads, and that index, built, must be faster
for real than the sort-column index the planner's estimate favours.
"""

from __future__ import annotations

import psycopg
import pytest
from measure import execution_ms

from indexadvisor import api
from indexadvisor.select.options import SelectionOptions

pytestmark = pytest.mark.hypopg  # skipped, with the reason, on a server without HypoPG (the embedded 18)

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE chat (id bigserial PRIMARY KEY, "teamId" int NOT NULL, "updatedAt" timestamptz NOT NULL, body text);
-- 300 teams of 1,000 rows each, each team's rows together in time (team 299 the oldest)
INSERT INTO chat ("teamId", "updatedAt", body)
    SELECT g / 1000, now() - g * interval '1 minute', repeat('x', 40) FROM generate_series(0, 299999) g;
ANALYZE chat;
"""

TEAM_QUERY = 'SELECT id, body FROM chat WHERE "teamId" = $1 ORDER BY "updatedAt" DESC LIMIT 20'
WORKLOAD = "\n".join([TEAM_QUERY + ";"] * 50 + ['SELECT id FROM chat ORDER BY "updatedAt" DESC LIMIT 20;'] * 5)


def test_the_filter_leads_and_the_built_index_is_faster(fresh_db, tmp_path):
    """One index allowed: the sort-column index serves both statements under the planner's
    even-spread estimate, but only the filter-leading one serves the team page for real."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA)
    workload = tmp_path / "workload.sql"
    workload.write_text(WORKLOAD)

    report = api.analyze([workload], dsn=fresh_db, options=SelectionOptions(max_indexes=1))

    assert report.costing == "planner"
    assert [r.columns for r in report.recommendations] == [["teamId", "updatedAt"]], [r.ddl for r in report.recommendations]
    [team] = report.recommendations
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute('CREATE INDEX chat_updated ON chat ("updatedAt" DESC)')
        conn.execute("ANALYZE chat")
        trap = execution_ms(conn, TEAM_QUERY.replace("$1", "299"))
        conn.execute(team.ddl)
        conn.execute("ANALYZE chat")
        fixed = execution_ms(conn, TEAM_QUERY.replace("$1", "299"))
    assert fixed * 10 < trap, (fixed, trap)


def test_the_reason_says_when_the_current_plan_hangs_on_an_early_stop(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute('CREATE INDEX chat_updated ON chat ("updatedAt" DESC)')
        conn.execute("ANALYZE chat")
    workload = tmp_path / "workload.sql"
    workload.write_text(WORKLOAD)

    report = api.analyze([workload], dsn=fresh_db)

    [team] = [r for r in report.recommendations if r.columns == ["teamId", "updatedAt"]]
    assert "LIMIT trap" in team.reason and "spread evenly" in team.reason, team.reason


def test_a_trap_plan_among_every_candidate_does_not_hide_the_filter_leading_one(fresh_db, tmp_path):
    """Offered every candidate at once, the planner picks the sort-column index by the early
    stop's estimate (10 teams, their rows spread evenly: 200 rows read for 20); priced robustly
    that plan is no better than the baseline. That must not make the statement look as if no
    index could help it (3df6cd4 proposed nothing and said nothing): the filter-leading index is
    proposed."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA.split("INSERT")[0])
        conn.execute('INSERT INTO chat ("teamId", "updatedAt", body) SELECT g % 10, now() - g * interval \'1 minute\', '
                     "repeat('x', 40) FROM generate_series(0, 19999) g")
        conn.execute("ANALYZE chat")
    workload = tmp_path / "workload.sql"
    workload.write_text(TEAM_QUERY + ";\n")

    report = api.analyze([workload], dsn=fresh_db)

    assert [r.columns for r in report.recommendations] == [["teamId", "updatedAt"]], (
        [r.ddl for r in report.recommendations], [n for s in report.statements for n in s.notes])


def test_an_offset_alone_is_no_early_stop_to_speak_of(fresh_db, tmp_path):
    """`OFFSET $n` without a LIMIT makes a Limit node whose generic plan stops nowhere early: the
    reason must not tell of a LIMIT trap whose two costs are the same number."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA)
    workload = tmp_path / "workload.sql"
    workload.write_text('SELECT id, body FROM chat WHERE "teamId" IN ($1, $2) OFFSET $3;\n')

    report = api.analyze([workload], dsn=fresh_db)

    [rec] = report.recommendations
    assert rec.columns[0] == "teamId" and "LIMIT trap" not in rec.reason, rec.reason


def test_a_join_key_is_not_a_filter_the_early_stop_waits_for(fresh_db, tmp_path):
    """Posts newest first with their authors: the scan of posts leads a nested loop and stops after
    20 posts that are not deleted (99% of them). Counting `u.id = p.author_id` as a filter of that
    scan, at 1/n_distinct, priced the statement as if it read every post (14,660 per call, where
    the early stop costs 3): the join's condition, not the scan's."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("""
            CREATE EXTENSION IF NOT EXISTS hypopg;
            CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 20000) g;
            CREATE TABLE posts (id bigserial PRIMARY KEY, author_id int NOT NULL REFERENCES users,
                                created_at timestamptz NOT NULL, deleted_at timestamptz, body text);
            INSERT INTO posts (author_id, created_at, deleted_at, body)
                SELECT 1 + g % 20000, now() - g * interval '1 minute', CASE WHEN g % 100 = 0 THEN now() END, 'x'
                FROM generate_series(1, 200000) g;
            CREATE INDEX posts_created ON posts (created_at);
            ANALYZE;
        """)
        sql = ("SELECT p.id, p.body, u.name FROM posts p JOIN users u ON u.id = p.author_id "
               "WHERE p.deleted_at IS NULL ORDER BY p.created_at DESC LIMIT 20")
        plan = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()[0][0]["Plan"]  # type: ignore[index]
    workload = tmp_path / "workload.sql"
    workload.write_text(sql + ";\n")

    report = api.analyze([workload], dsn=fresh_db)

    [statement] = report.statements
    read_all = plan["Plans"][0]["Total Cost"]  # the LIMIT's input: every post
    assert plan["Node Type"] == "Limit" and statement.cost_before < read_all / 10, (statement.cost_before, read_all)
    assert report.recommendations == []


# a job queue: 1% of the jobs queued, the newest; the rest done or failed
JOB_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE job (id bigserial PRIMARY KEY, status text NOT NULL, "runAt" timestamptz NOT NULL, payload text);
INSERT INTO job (status, "runAt", payload)
    SELECT CASE WHEN g > 198000 THEN 'queued' WHEN g % 100 = 0 THEN 'failed' ELSE 'done' END,
           timestamptz '2026-01-01' + g * interval '1 minute', 'x'
    FROM generate_series(1, 200000) g;
"""


def test_a_queue_poll_that_locks_its_rows_is_priced_past_its_early_stop(fresh_db, tmp_path):
    """`FOR UPDATE SKIP LOCKED` puts a LockRows node between the LIMIT and the scan; it passes rows
    up as it locks them, so the scan under it stops early as it would without it, and the early
    stop hangs on the filter as much: the jobs asked for are the 1% queued, the newest. Read from
    pg_stat_statements (the status a parameter), the poll took `("runAt")`, priced as if the
    queued jobs came early in runAt's order."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(JOB_SCHEMA)
        conn.execute("VACUUM ANALYZE job")
    poll = 'SELECT id, payload FROM job WHERE status = $1 AND "runAt" <= $2 ORDER BY "runAt" LIMIT $3 FOR UPDATE SKIP LOCKED'
    workload = tmp_path / "workload.sql"
    workload.write_text((poll + ";\n") * 20)

    report = api.analyze([workload], dsn=fresh_db)

    assert [r.columns[0] for r in report.recommendations] == ["status"], [r.ddl for r in report.recommendations]


@pytest.mark.parametrize("claim", [
    'UPDATE job SET status = $3 WHERE id IN (SELECT id FROM job WHERE status = $1 AND "runAt" <= $2 '
    'ORDER BY "runAt" LIMIT 10 FOR UPDATE SKIP LOCKED) RETURNING id',
    'WITH next AS (SELECT id FROM job WHERE status = $1 AND "runAt" <= $2 ORDER BY "runAt" LIMIT 10 '
    "FOR UPDATE SKIP LOCKED) UPDATE job SET status = $3 FROM next WHERE job.id = next.id RETURNING job.id",
])
def test_a_queue_claim_whose_limit_is_below_the_top_is_priced_past_its_early_stop(fresh_db, tmp_path, claim):
    """The claim of a job queue (pg-boss, graphile-worker and most hand-written ones) takes its
    rows with a LIMIT in a subquery or a CTE under the UPDATE: that LIMIT runs once (under a hash
    join's inner side too, built once), and its early stop hangs on the status filter as a
    top-level one does."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(JOB_SCHEMA)
        conn.execute("VACUUM ANALYZE job")
    workload = tmp_path / "workload.sql"
    workload.write_text((claim + ";\n") * 20)

    report = api.analyze([workload], dsn=fresh_db)

    assert [r.columns[0] for r in report.recommendations] == ["status"], [r.ddl for r in report.recommendations]


TASK_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE task (id bigserial PRIMARY KEY, tenant_id int NOT NULL, status text NOT NULL, due_on date NOT NULL,
                   deleted boolean NOT NULL, title text NOT NULL);
-- 2,000 tenants, power law (tenant 1 holds the most), 8% of tasks open, 2% deleted
SELECT setseed(0.3);
INSERT INTO task (tenant_id, status, due_on, deleted, title)
    SELECT 1 + floor(2000 * power(random(), 3))::int,
           CASE WHEN random() < 0.05 THEN 'todo' WHEN random() < 0.03 THEN 'in_progress' ELSE 'done' END,
           date '2023-01-01' + (random() * 900)::int, random() < 0.02, repeat('t', 30)
    FROM generate_series(1, 400000);
"""


def test_what_a_partial_index_where_implies_is_no_filter_the_early_stop_waits_for(fresh_db, tmp_path):
    """A tenant's overdue open tasks over `(tenant_id, due_on) WHERE status IN ('todo',
    'in_progress')`: every row the index holds passes the status test, and the planner drops it
    from the scan's filter, so the LIMIT waits only on `NOT deleted` (98% of rows) and stops early.
    Counted as a filter that keeps 8% of rows, it priced the index at the heaviest tenant at 7.5
    times its plan once built, and a sort-column index won in the SaaS benchmark."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(TASK_SCHEMA)
        conn.execute("VACUUM ANALYZE task")
    overdue = ("SELECT id, title, due_on FROM task WHERE tenant_id = {} AND status IN ('todo', 'in_progress') "
               "AND due_on < '2025-01-01' AND NOT deleted ORDER BY due_on LIMIT 100")
    workload = tmp_path / "workload.sql"
    workload.write_text("".join(overdue.format(t) + ";\n" for t in [1, 2, 1, 3, 1, 2] * 5))

    report = api.analyze([workload], dsn=fresh_db)

    assert report.costing == "planner"
    [index] = report.recommendations
    assert (index.columns, index.where) == (["tenant_id", "due_on"], "status IN ('todo', 'in_progress')"), index.ddl
    [statement] = [s for s in report.statements if s.cost_after is not None]
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(index.ddl)
        conn.execute("ANALYZE task")
        built = conn.execute("EXPLAIN (FORMAT JSON) " + overdue.format(1)).fetchone()[0][0]["Plan"]["Total Cost"]
    assert statement.cost_after < 2 * built, (statement.cost_after, built)
