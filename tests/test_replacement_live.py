"""A wider index that replaces a chosen one can make the chosen one's statements dearer: the
planner counts less of the lead column's correlation with the heap for a multi-column index, so
on a table stored by workspace `("ws")` reads a workspace's page for 62 and `("ws", number)` for
about 1,400. The greedy must count that loss when it weighs the replacement, and keep the
statement's cost as it is with the replacement once taken (it kept the narrower index's, so
nothing later looked at the statement again: an issue tracker's feed left 25x dearer)."""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api

pytestmark = pytest.mark.hypopg

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS hypopg;
CREATE TABLE ri (id bigint PRIMARY KEY, ws int NOT NULL, number int NOT NULL, title text NOT NULL,
    updated timestamptz NOT NULL, deleted timestamptz);
-- 200 workspaces of 1,000 rows, stored workspace by workspace; `number` counts within one
INSERT INTO ri SELECT g, ws, row_number() OVER (PARTITION BY ws ORDER BY g), 'title ' || g,
    timestamptz '2022-01-01' + (g * 7919 % 200000) * interval '1 minute', NULL
  FROM (SELECT g, 1 + (g * 31) % 200 AS ws FROM generate_series(1, 200000) g) s ORDER BY ws, g;
-- a table no index helps, whose scans keep the workload's cost (and the greedy's floor) high
CREATE TABLE log (id bigint, line text);
INSERT INTO log SELECT g, md5(g::text) FROM generate_series(1, 400000) g;
"""
LOOKUP = "SELECT id, title FROM ri WHERE ws = {ws} AND number = {n};"
FEED = ("SELECT id, title, updated FROM ri WHERE ws = {ws} AND deleted IS NULL AND (updated, id) < ('2022-03-01', {id}) "
        "ORDER BY updated DESC, id DESC LIMIT 25;")


def test_a_replacement_counts_what_the_replaced_index_served_better(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("VACUUM ANALYZE")
    lines = [LOOKUP.format(ws=1 + i * 7 % 200, n=1 + i * 37 % 1000) for i in range(300)]
    lines += [FEED.format(ws=1 + i * 11 % 200, id=1 + i * 9973 % 200000) for i in range(15)]
    lines += ["SELECT count(*) FROM log WHERE line LIKE '%ab%';"] * 20
    workload = tmp_path / "w.sql"
    workload.write_text("\n".join(lines) + "\n")

    report = api.analyze([workload], dsn=fresh_db)

    feed = next(s for s in report.statements if "ORDER BY updated" in s.sql)
    assert feed.cost_after is not None and feed.cost_after < 200, (feed.cost_after, [r.ddl for r in report.recommendations])
