"""The helpdesk's workload: 16 statement shapes in Django's SQL, about 5,300 calls, literals sampled
from the data as the app sends them (big organisations and long tickets more often)."""

from __future__ import annotations

from functools import partial

import psycopg
from calls import Calls

TICKET = ('"helpdesk_ticket"."id", "helpdesk_ticket"."organization_id", "helpdesk_ticket"."requester_id", '
          '"helpdesk_ticket"."assignee_id", "helpdesk_ticket"."subject", "helpdesk_ticket"."status", '
          '"helpdesk_ticket"."priority", "helpdesk_ticket"."created_at", "helpdesk_ticket"."updated_at"')
COMMENT = ('"helpdesk_comment"."id", "helpdesk_comment"."ticket_id", "helpdesk_comment"."author_id", "helpdesk_comment"."body", '
           '"helpdesk_comment"."is_public", "helpdesk_comment"."created_at"')


def statements(conn: psycopg.Connection, seed: int = 5) -> list[str]:
    """Every call, in a deterministic shuffled order."""
    tickets = conn.execute("SELECT id, organization_id FROM helpdesk_ticket TABLESAMPLE SYSTEM (1) REPEATABLE (1) ORDER BY id").fetchall()
    users = conn.execute("SELECT id, email, organization_id FROM auth_user TABLESAMPLE SYSTEM (5) REPEATABLE (1) ORDER BY id").fetchall()
    commented = [r[0] for r in conn.execute(
        "SELECT ticket_id FROM helpdesk_comment TABLESAMPLE SYSTEM (1) REPEATABLE (1) ORDER BY id").fetchall()]
    calls = Calls(seed)
    rng = calls.rng
    ticket = partial(calls.pick, tickets)
    user = partial(calls.pick, users)
    add = calls.add
    add(600, lambda: f'SELECT {TICKET} FROM "helpdesk_ticket" WHERE "helpdesk_ticket"."organization_id" = {ticket()[1]} '
                     f'ORDER BY "helpdesk_ticket"."updated_at" DESC LIMIT 25 OFFSET {25 * rng.randint(0, 2)}')
    add(500, lambda: f'SELECT {TICKET} FROM "helpdesk_ticket" WHERE ("helpdesk_ticket"."assignee_id" = {1 + rng.randint(0, 1999)} '
                     'AND "helpdesk_ticket"."closed_at" IS NULL) ORDER BY "helpdesk_ticket"."priority" DESC, "helpdesk_ticket"."created_at" ASC')
    add(800, lambda: f'SELECT {COMMENT} FROM "helpdesk_comment" WHERE "helpdesk_comment"."ticket_id" = {rng.choice(commented)} '
                     'ORDER BY "helpdesk_comment"."created_at" ASC')
    add(150, lambda: 'SELECT "auth_user"."id", "auth_user"."username", "auth_user"."email" FROM "auth_user" '
                     f'WHERE UPPER("auth_user"."email"::text) = UPPER(\'{user()[1].lower()}\') LIMIT 21')
    add(100, lambda: f'SELECT {TICKET} FROM "helpdesk_ticket" WHERE "helpdesk_ticket"."status" = \'new\' '
                     f'ORDER BY "helpdesk_ticket"."created_at" ASC LIMIT {rng.choice([50, 100])}')
    add(60, lambda: 'SELECT COUNT(*) AS "__count" FROM "helpdesk_ticket" WHERE "helpdesk_ticket"."tags" @> '
                    f'ARRAY[\'{rng.choice(["billing", "urgent"])}\']::varchar(30)[]')
    add(300, lambda: 'SELECT "helpdesk_event"."id", "helpdesk_event"."kind", "helpdesk_event"."data", "helpdesk_event"."created_at" '
                     f'FROM "helpdesk_event" WHERE "helpdesk_event"."ticket_id" = {ticket()[0]} ORDER BY "helpdesk_event"."created_at" DESC LIMIT 50')
    add(5, lambda: 'SELECT "helpdesk_event"."id", "helpdesk_event"."ticket_id", "helpdesk_event"."kind" FROM "helpdesk_event" WHERE '
                   f'("helpdesk_event"."created_at" >= \'2022-09-{rng.randint(1, 20):02d} 00:00:00+00:00\' '
                   f'AND "helpdesk_event"."created_at" < \'2022-09-{rng.randint(21, 28):02d} 00:00:00+00:00\')')
    add(200, lambda: f'SELECT (1) AS "a" FROM "helpdesk_ticket" WHERE "helpdesk_ticket"."requester_id" = {user()[0]} LIMIT 1')
    add(100, lambda: 'SELECT COUNT(*) AS "__count" FROM "helpdesk_ticket" WHERE "helpdesk_ticket"."requester_id" IN '
                     f'(SELECT U0."id" FROM "auth_user" U0 WHERE U0."organization_id" = {user()[2]})')
    add(120, lambda: 'SELECT "auth_user"."id", "auth_user"."username" FROM "auth_user" WHERE ("auth_user"."is_active" '
                     f'AND "auth_user"."organization_id" = {user()[2]}) ORDER BY "auth_user"."username" ASC')
    add(400, lambda: 'SELECT "helpdesk_organization"."id", "helpdesk_organization"."slug", "helpdesk_organization"."name" '
                     f'FROM "helpdesk_organization" WHERE "helpdesk_organization"."slug" = \'org-{rng.randint(1, 2000)}\' LIMIT 21')
    add(700, lambda: f'SELECT {TICKET} FROM "helpdesk_ticket" WHERE "helpdesk_ticket"."id" = {ticket()[0]} LIMIT 21')
    add(300, lambda: 'UPDATE "helpdesk_ticket" SET "status" = \'open\', "updated_at" = \'2022-12-01T10:00:00+00:00\'::timestamptz '
                     f'WHERE "helpdesk_ticket"."id" = {ticket()[0]}')
    add(500, lambda: 'INSERT INTO "helpdesk_comment" ("ticket_id", "author_id", "body", "is_public", "created_at") VALUES '
                     f'({ticket()[0]}, {user()[0]}, \'thanks\', true, \'2022-12-01T10:00:00+00:00\'::timestamptz) RETURNING "helpdesk_comment"."id"')
    add(500, lambda: 'INSERT INTO "helpdesk_event" ("ticket_id", "kind", "data", "created_at") VALUES '
                     f'({ticket()[0]}, \'commented\', \'{{}}\'::jsonb, \'2022-12-01T10:00:00+00:00\'::timestamptz) RETURNING "helpdesk_event"."id"')
    return calls.shuffled()
