"""The chat app's workload: 21 statement shapes in Drizzle's and Prisma's SQL, about 4,500 calls,
literals sampled from the data as the app sends them (busy teams and long chats more often)."""

from __future__ import annotations

from functools import partial

import psycopg
from calls import Calls


def statements(conn: psycopg.Connection, seed: int = 7) -> list[str]:
    """Every call, in a deterministic shuffled order."""
    chats = conn.execute('SELECT id, "teamId", "userId" FROM chat TABLESAMPLE SYSTEM (1) REPEATABLE (3) ORDER BY id').fetchall()
    users = conn.execute('SELECT id, email, "teamId" FROM "User" TABLESAMPLE SYSTEM (5) REPEATABLE (3) ORDER BY id').fetchall()
    doc_users = [r[0] for r in conn.execute(
        'SELECT "userId" FROM document TABLESAMPLE SYSTEM (2) REPEATABLE (3) ORDER BY id').fetchall()]
    messages = conn.execute(
        'SELECT "chatId", "createdAt" FROM message TABLESAMPLE SYSTEM (1) REPEATABLE (3) ORDER BY id').fetchall()
    calls = Calls(seed)
    rng = calls.rng
    chat = partial(calls.pick, chats)
    user = partial(calls.pick, users)
    message = partial(calls.pick, messages)
    add = calls.add
    add(300, lambda: f'select "id", "title", "updatedAt", "visibility" from "chat" where "chat"."teamId" = \'{chat()[1]}\' '
                     'order by "chat"."updatedAt" desc limit 20;')
    add(200, lambda: f'select "id", "title", "createdAt" from "chat" where "chat"."userId" = \'{chat()[2]}\' '
                     'order by "chat"."createdAt" desc limit 10;')
    add(500, lambda: f'select "id", "role", "content", "createdAt" from "message" where "message"."chatId" = \'{message()[0]}\' '
                     'order by "message"."createdAt" asc;')
    add(100, lambda: 'SELECT "public"."User"."id", "public"."User"."email", "public"."User"."name", "public"."User"."teamId" '
                     f'FROM "public"."User" WHERE lower("public"."User"."email") = lower(\'{user()[1]}\') LIMIT 1 OFFSET 0;')
    add(50, lambda: 'SELECT "public"."User"."id", "public"."User"."name", "public"."User"."email" FROM "public"."User" '
                    f'WHERE ("public"."User"."teamId" = \'{user()[2]}\' AND "public"."User"."deletedAt" IS NULL) '
                    'ORDER BY "public"."User"."createdAt" ASC;')
    add(5, lambda: 'select "id" from "User" where "User"."deletedAt" is not null '
                   f'and "User"."deletedAt" < \'2024-{rng.randint(2, 10):02d}-01\';')
    add(100, lambda: f'select "id", "title", "kind", "createdAt" from "document" where "document"."userId" = \'{rng.choice(doc_users)}\' '
                     'order by "document"."createdAt" desc limit 50;')
    add(600, lambda: 'select "id", "payload" from "job" where "job"."status" = \'queued\' and "job"."runAt" <= '
                     f'\'2024-08-{rng.randint(10, 28)} 10:{rng.randint(10, 59)}:00+00\' order by "job"."runAt" asc limit 10 '
                     'for update skip locked;')
    add(600, lambda: 'update "job" set "status" = \'running\', "attempts" = "attempts" + 1 '
                     f'where "job"."id" = {rng.randint(990000, 1000000)};')
    add(80, lambda: 'select "id", "teamId", "provider" from "integration" where "integration"."config" ->> \'installationId\' = '
                    f'\'{1000000 + rng.randint(0, 49999)}\';')
    add(40, lambda: 'select "id", "title", "createdAt" from "chat" where "chat"."visibility" = \'public\' '
                    f'order by "chat"."createdAt" desc limit 24 offset {24 * rng.randint(0, 5)};')
    add(30, lambda: f'select "id", "title" from "document" where "document"."title" ilike \'%{rng.randint(100, 9999)}%\' limit 20;')
    add(200, lambda: f'select "chatId", "messageId", "isUpvoted" from "vote" where "vote"."chatId" = \'{chat()[0]}\';')
    add(100, lambda: f'select "id", "name" from "team" where "team"."slug" = \'team-{rng.randint(0, 19999)}\' limit 1;')
    add(800, lambda: 'insert into "message" ("id", "chatId", "role", "content", "createdAt") values '
                     f'(\'{rng.getrandbits(128):032x}\', \'{chat()[0]}\', \'user\', \'hi\', now());')
    add(300, lambda: f'update "chat" set "updatedAt" = now() where "chat"."id" = \'{chat()[0]}\';')
    add(400, lambda: 'select "id", "teamId", "userId", "title", "visibility", "createdAt", "updatedAt" from "chat" '
                     f'where "chat"."id" = \'{chat()[0]}\' limit 1;')
    add(50, lambda: f'select count(*) from "message" where "message"."chatId" = \'{message()[0]}\' and "message"."role" = \'user\';')
    add(20, lambda: (lambda m: f'delete from "message" where "message"."chatId" = \'{m[0]}\' and "message"."createdAt" >= \'{m[1]}\';')(
        message()))
    add(30, lambda: f'select "id", "provider", "config" from "integration" where "integration"."teamId" = \'{user()[2]}\' '
                    f'and "integration"."provider" = \'{rng.choice(["github", "slack", "linear"])}\';')
    add(5, lambda: 'select date_trunc(\'day\', "createdAt") as "day", count(*) from "message" where "message"."createdAt" >= '
                   f'\'2023-12-{rng.randint(1, 20):02d}\' group by 1 order by 1;')
    return calls.shuffled()
