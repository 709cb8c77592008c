"""A link table keyed (post_id, tag_id), reached from the tag side.

The primary key serves "post_id and tag_id" as one requirement, but a plan that starts from
one tag probes the link table with tag_id alone, which the key cannot search. The advisor must
offer (tag_id) and choose it, and the built index must be what the planner then uses.
"""

from __future__ import annotations

import psycopg
import pytest

from indexadvisor import api


@pytest.mark.hypopg
def test_the_second_column_of_a_link_tables_key_gets_its_own_index(fresh_db, tmp_path):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        conn.execute("CREATE TABLE tag (id int PRIMARY KEY, name text NOT NULL UNIQUE)")
        conn.execute("CREATE TABLE post (id int PRIMARY KEY, title text NOT NULL)")
        conn.execute("CREATE TABLE post_tag (post_id int NOT NULL REFERENCES post, tag_id int NOT NULL REFERENCES tag, "
                     "PRIMARY KEY (post_id, tag_id))")
        conn.execute("INSERT INTO tag SELECT g, 'tag' || g FROM generate_series(1, 5000) g")
        conn.execute("INSERT INTO post SELECT g, 'post ' || g FROM generate_series(1, 100000) g")
        conn.execute("INSERT INTO post_tag SELECT DISTINCT 1 + g % 100000, 1 + (g * 7) % 5000 FROM generate_series(1, 400000) g")
        conn.execute("ANALYZE")
    workload = tmp_path / "w.sql"
    query = "SELECT p.title FROM tag t JOIN post_tag pt ON pt.tag_id = t.id JOIN post p ON p.id = pt.post_id WHERE t.name = 'tag42'"
    workload.write_text(query + ";\n")
    report = api.analyze([workload], dsn=fresh_db)
    link = [r for r in report.recommendations if r.table == "post_tag"]
    assert link and link[0].keys[0].column == "tag_id", [(r.table, r.columns) for r in report.recommendations]
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(link[0].ddl)
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query))
    assert link[0].name in plan, plan
