"""The issue tracker's workload: 13 statement shapes in Drizzle's style (quoted camelCase, keyset
pagination, a window function, DISTINCT ON), 18,620 calls, literals sampled from the data (big
workspaces and busy assignees more often: calls follow rows)."""

from __future__ import annotations

from functools import partial

import psycopg
from calls import Calls


def statements(conn: psycopg.Connection, seed: int = 11) -> list[str]:
    """Every call, in a deterministic shuffled order."""
    issues = conn.execute('SELECT id, "workspaceId", number, "projectId", "assigneeId", "updatedAt"::text FROM "Issue" '
                          "TABLESAMPLE SYSTEM (1) REPEATABLE (1) ORDER BY id").fetchall()
    users = conn.execute('SELECT id, email, "workspaceId" FROM "User" TABLESAMPLE SYSTEM (5) REPEATABLE (1) ORDER BY id').fetchall()
    calls = Calls(seed)
    rng = calls.rng
    issue = partial(calls.pick, issues)
    user = partial(calls.pick, users)
    assigned = [i for i in issues if i[4] is not None]
    add = calls.add
    add(3000, lambda: (lambda i: 'select "id", "title", "state", "assigneeId" from "Issue" where ("Issue"."workspaceId" = '
                                 f'{i[1]} and "Issue"."number" = {i[2]}) limit 1')(issue()))
    add(2000, lambda: 'select "id", "number", "title", "state", "updatedAt" from "Issue" where ("Issue"."assigneeId" = '
                      f"{rng.choice(assigned)[4]} and \"Issue\".\"state\" in ('todo', 'in_progress') and \"Issue\".\"deletedAt\" is null) "
                      'order by "Issue"."updatedAt" desc limit 50')
    add(3000, lambda: 'select "id", "authorId", "body", "createdAt" from "Comment" where "Comment"."issueId" = '
                      f'{issue()[0]} order by "Comment"."createdAt" asc')
    add(500, lambda: 'select * from (select "issueId", "body", "createdAt", row_number() over (partition by "issueId" order by '
                     '"createdAt" desc) as "rn" from "Comment" where "Comment"."issueId" in ('
                     + ", ".join(str(issue()[0]) for _ in range(20)) + ')) "c" where "c"."rn" = 1')
    add(1000, lambda: 'select "id", "workspaceId", "displayName" from "User" where lower("User"."email") = '
                      f"lower('{user()[1]}') and \"User\".\"deletedAt\" is null limit 1")
    add(1500, lambda: (lambda i: 'select "id", "number", "title", "updatedAt" from "Issue" where "Issue"."workspaceId" = '
                                 f'{i[1]} and "Issue"."deletedAt" is null and ("Issue"."updatedAt", "Issue"."id") < '
                                 f"('{i[5]}', {i[0]}) order by \"Issue\".\"updatedAt\" desc, \"Issue\".\"id\" desc limit 25")(issue()))
    add(800, lambda: 'select "state", count(*) from "Issue" where "Issue"."projectId" = '
                     f'{issue()[3]} and "Issue"."deletedAt" is null group by "state"')
    add(20, lambda: "select \"id\", \"assigneeId\" from \"Issue\" where \"Issue\".\"state\" = 'in_progress' and "
                    "\"Issue\".\"updatedAt\" < timestamptz '2022-03-01' and \"Issue\".\"deletedAt\" is null")
    add(1000, lambda: 'select "id", "name" from "Project" where "Project"."workspaceId" = '
                      f'{issue()[1]} and "Project"."archivedAt" is null order by "Project"."name"')
    add(300, lambda: 'select "id", "displayName" from "User" where "User"."workspaceId" = '
                     f'{user()[2]} and "User"."deletedAt" is null order by "User"."displayName" limit 100')
    add(3000, lambda: f"update \"Issue\" set \"state\" = 'done', \"updatedAt\" = now() where \"Issue\".\"id\" = {issue()[0]}")
    add(2000, lambda: 'insert into "Comment" ("id", "issueId", "authorId", "body", "createdAt") values ('
                      f"{rng.randint(2000001, 9000000)}, {issue()[0]}, {user()[0]}, 'a comment', now())")
    add(500, lambda: 'select distinct on ("assigneeId") "assigneeId", "id", "updatedAt" from "Issue" where "Issue"."projectId" = '
                     f'{issue()[3]} and "Issue"."assigneeId" is not null order by "assigneeId", "updatedAt" desc')
    return calls.shuffled()
