"""The SaaS benchmark's workload: 40 statement shapes as Prisma and Drizzle send them, with call counts.

One hour of a busy multi-tenant app, 2025-01-01 09:00-10:00 (the data's "now" is midnight):
about 50,000 statements. Two capture styles, as a team would collect them:

- shapes P1-P11 come as pg_stat_statements stores Prisma's queries: `$n` placeholders,
  values unknown to the advisor (one line per call in the file);
- shapes D1-D29 come from a statement log of the Drizzle service, parameters substituted:
  literals that vary per call where the app's vary (ids, times, offsets), and the same
  literal every time where the app always sends it (status lists, `false` flags, limits,
  today's date within the hour).

Calls go to active tenants in proportion to their size (member count), so the big tenants
get most requests; literals are drawn from the loaded database (`Pools.load`), with a seeded
random generator, so the file is a deterministic function of the data and the seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from data import DAY, NOW, ts

CAPTURE_START = NOW + 9 * 3600  # 09:00 on the data's last day


@dataclass
class Pools:
    """What the workload draws its literals from, read from the loaded database."""

    tenants: list[int]  # active tenants
    cum: list[float]  # cumulative request weights (members per tenant)
    slug: dict[int, str]
    stripe: dict[int, str]
    members: dict[int, list[int]]
    email: dict[int, str]
    projects: dict[int, list[int]]
    tasks: dict[int, list[int]]  # a sample of each tenant's tasks
    task_sample: list[tuple[int, int]]  # (task, tenant)
    sessions: list[tuple[int, str]]
    entities: list[tuple[str, int]]  # audited (entityType, entityId)

    @classmethod
    def load(cls, conn) -> Pools:
        tenants, cum, slug, stripe = [], [], {}, {}
        total = 0.0
        for tid, s, cus, status, members in conn.execute(
                'SELECT t."id", t."slug", t."settings"->>\'stripeCustomerId\', t."status", count(*) FROM "tenants" t '
                'JOIN "memberships" m ON m."tenantId" = t."id" GROUP BY t."id" ORDER BY t."id"'):
            slug[tid], stripe[tid] = s, cus
            if status == "active":
                total += members
                tenants.append(tid)
                cum.append(total)
        members_of: dict[int, list[int]] = {}
        for tid, uid in conn.execute('SELECT "tenantId", "userId" FROM "memberships" ORDER BY "id"'):
            members_of.setdefault(tid, []).append(uid)
        email = dict(conn.execute('SELECT "id", "email" FROM "users" ORDER BY "id"').fetchall())
        projects: dict[int, list[int]] = {}
        for pid, tid in conn.execute('SELECT "id", "tenantId" FROM "projects" WHERE "deletedAt" IS NULL ORDER BY "id"'):
            projects.setdefault(tid, []).append(pid)
        tasks: dict[int, list[int]] = {}
        sample = conn.execute('SELECT "id", "tenantId" FROM "tasks" WHERE "id" % 37 = 0 ORDER BY "id"').fetchall()
        for task, tid in sample:
            tasks.setdefault(tid, []).append(task)
        sessions = conn.execute('SELECT "id", "token" FROM "sessions" WHERE "id" % 7 = 0 ORDER BY "id"').fetchall()
        entities = conn.execute('SELECT "entityType", "entityId" FROM "audit_log" WHERE "id" % 53 = 0 '
                                'AND "entityType" IN (\'task\', \'project\') ORDER BY "id"').fetchall()
        return cls(tenants, cum, slug, stripe, members_of, email, projects, tasks, sample, sessions, entities)


@dataclass
class Draw:
    """One call's random choices: a tenant (by size), one of its members, projects and tasks."""

    pools: Pools
    rng: random.Random
    when: float  # this call's time
    tenant: int = 0

    def __post_init__(self) -> None:
        self.tenant = self.rng.choices(self.pools.tenants, cum_weights=self.pools.cum)[0]

    def pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.random() * len(items))]

    def user(self) -> int:
        return self.pick(self.pools.members[self.tenant])

    def project(self) -> int:
        projects = self.pools.projects.get(self.tenant)
        if not projects:
            self.tenant = self.pick(self.pools.tenants)
            return self.project()
        return self.pick(projects)

    def task(self) -> int:
        tasks = self.pools.tasks.get(self.tenant)
        if tasks:
            return self.pick(tasks)
        task, self.tenant = self.pick(self.pools.task_sample)
        return task

    def now(self) -> str:
        return ts(self.when)

    def offset(self, page: int, pages: Sequence[float] = (0.75, 0.9, 0.96)) -> int:
        r = self.rng.random()
        return page * next((i for i, p in enumerate(pages) if r < p), len(pages))


@dataclass
class Shape:
    name: str  # "P1 session by token": the id EXPERT.md refers to, and what it does
    calls: int
    sql: str  # $1, $2 ... in order; a list value expands to several (an IN list)
    params: Callable[[Draw], tuple]
    placeholders: bool = False  # keep $n in the file (pg_stat_statements style)

    @property
    def id(self) -> str:
        return self.name.split()[0]


def q(table: str, *cols: str) -> str:
    """Prisma's select list: every column fully qualified."""
    return ", ".join(f'"public"."{table}"."{c}"' for c in cols)


SHAPES: list[Shape] = [
    # ---------------------------------------------------------------- Prisma, as pg_stat_statements has it
    Shape("P1 session by token", 6000,
          f'SELECT {q("sessions", "id", "token", "userId", "expiresAt", "lastSeenAt")} FROM "public"."sessions" '
          'WHERE ("public"."sessions"."token" = $1 AND 1=1) LIMIT $2 OFFSET $3',
          lambda d: (d.pick(d.pools.sessions)[1], 1, 0), True),
    Shape("P2 user by id", 4000,
          f'SELECT {q("users", "id", "email", "name", "isDeleted", "createdAt", "lastLoginAt")} FROM "public"."users" '
          'WHERE ("public"."users"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3',
          lambda d: (d.user(), 1, 0), True),
    Shape("P3 users by ids (include)", 1500,
          f'SELECT {q("users", "id", "name", "email")} FROM "public"."users" WHERE "public"."users"."id" IN ($1) OFFSET $2',
          lambda d: (sorted({d.user() for _ in range(1 + int(d.rng.random() * 12))}), 0), True),
    Shape("P4 session touch", 2000,
          'UPDATE "public"."sessions" SET "lastSeenAt" = $1 WHERE ("public"."sessions"."id" = $2 AND 1=1) '
          'RETURNING "public"."sessions"."id"',
          lambda d: (d.now(), d.pick(d.pools.sessions)[0]), True),
    Shape("P5 project by id", 2500,
          f'SELECT {q("projects", "id", "tenantId", "name", "status", "ownerId", "createdAt", "updatedAt")} '
          'FROM "public"."projects" WHERE ("public"."projects"."id" = $1 AND "public"."projects"."tenantId" = $2) '
          'LIMIT $3 OFFSET $4',
          lambda d: (d.project(), d.tenant, 1, 0), True),
    Shape("P6 comments of a task (include)", 2000,
          f'SELECT {q("comments", "id", "taskId", "authorId", "body", "createdAt")} FROM "public"."comments" '
          'WHERE ("public"."comments"."taskId" IN ($1) AND "public"."comments"."deletedAt" IS NULL) '
          'ORDER BY "public"."comments"."createdAt" ASC OFFSET $2',
          lambda d: ([d.task()], 0), True),
    Shape("P7 audit log page of a tenant", 150,
          f'SELECT {q("audit_log", "id", "actorId", "action", "entityType", "entityId", "createdAt")} '
          'FROM "public"."audit_log" WHERE "public"."audit_log"."tenantId" = $1 '
          'ORDER BY "public"."audit_log"."createdAt" DESC LIMIT $2 OFFSET $3',
          lambda d: (d.tenant, 50, d.offset(50)), True),
    Shape("P8 project list of a tenant", 1200,
          f'SELECT {q("projects", "id", "name", "status", "ownerId", "updatedAt")} FROM "public"."projects" '
          'WHERE ("public"."projects"."tenantId" = $1 AND "public"."projects"."deletedAt" IS NULL '
          'AND "public"."projects"."status" = $2) ORDER BY "public"."projects"."updatedAt" DESC LIMIT $3 OFFSET $4',
          lambda d: (d.tenant, "active", 20, d.offset(20)), True),
    Shape("P9 unread notification count", 2500,
          'SELECT COUNT(*) AS "_count._all" FROM (SELECT "public"."notifications"."id" FROM "public"."notifications" '
          'WHERE ("public"."notifications"."userId" = $1 AND "public"."notifications"."readAt" IS NULL) OFFSET $2) AS "sub"',
          lambda d: (d.user(), 0), True),
    Shape("P10 notification list", 800,
          f'SELECT {q("notifications", "id", "type", "title", "readAt", "createdAt")} FROM "public"."notifications" '
          'WHERE "public"."notifications"."userId" = $1 ORDER BY "public"."notifications"."createdAt" DESC LIMIT $2 OFFSET $3',
          lambda d: (d.user(), 20, d.offset(20)), True),
    Shape("P11 audit insert", 1500,
          'INSERT INTO "public"."audit_log" ("tenantId","actorId","action","entityType","entityId","metadata","createdAt") '
          'VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING "public"."audit_log"."id"',
          lambda d: (d.tenant, d.user(), "update", "task", d.task(), '{"ip": "10.0.0.1"}', d.now()), True),
    # ---------------------------------------------------------------- Drizzle, from the statement log
    Shape("D1 login by email", 400,
          'select "id", "email", "name", "passwordHash", "isDeleted" from "users" where lower("users"."email") = $1 limit $2',
          lambda d: (d.pools.email[d.user()].lower(), 1)),
    Shape("D2 workspaces of a user", 2500,
          'select "memberships"."tenantId", "memberships"."role", "tenants"."name", "tenants"."slug", "tenants"."plan" '
          'from "memberships" inner join "tenants" on "memberships"."tenantId" = "tenants"."id" '
          'where ("memberships"."userId" = $1 and "tenants"."status" = $2)',
          lambda d: (d.user(), "active")),
    Shape("D3 membership check", 3500,
          'select "id", "role" from "memberships" where ("memberships"."tenantId" = $1 and "memberships"."userId" = $2) limit $3',
          lambda d: (d.tenant, d.user(), 1)),
    Shape("D4 tenant by slug", 1500,
          'select "id", "name", "slug", "plan", "status", "settings" from "tenants" where "tenants"."slug" = $1 limit $2',
          lambda d: (d.pools.slug[d.tenant], 1)),
    Shape("D5 tenant by Stripe customer (webhook)", 300,
          'select "id", "slug", "plan" from "tenants" where ("tenants"."settings"->>\'stripeCustomerId\') = $1 limit $2',
          lambda d: (d.pools.stripe[d.tenant], 1)),
    Shape("D6 members page of a tenant", 400,
          'select "users"."id", "users"."name", "users"."email", "memberships"."role", "memberships"."createdAt" '
          'from "memberships" inner join "users" on "memberships"."userId" = "users"."id" '
          'where ("memberships"."tenantId" = $1 and "users"."isDeleted" = $2) '
          'order by "memberships"."createdAt" asc limit $3 offset $4',
          lambda d: (d.tenant, False, 50, d.offset(50))),
    Shape("D7 member count", 400,
          'select count(*) from "memberships" where "memberships"."tenantId" = $1',
          lambda d: (d.tenant,)),
    Shape("D8 task board of a project", 3000,
          'select "id", "title", "status", "priority", "assigneeId", "dueDate", "position" from "tasks" '
          'where ("tasks"."projectId" = $1 and "tasks"."isDeleted" = $2) order by "tasks"."position" asc limit $3',
          lambda d: (d.project(), False, 100)),
    Shape("D9 my open tasks", 1500,
          'select "id", "title", "status", "projectId", "dueDate" from "tasks" '
          'where ("tasks"."assigneeId" = $1 and "tasks"."status" in ($2) and "tasks"."isDeleted" = $3) '
          'order by "tasks"."dueDate" asc limit $4',
          lambda d: (d.user(), ["todo", "in_progress"], False, 50)),
    Shape("D10 task by id", 2500,
          'select "id", "projectId", "title", "status", "priority", "assigneeId", "creatorId", "dueDate", "createdAt", '
          '"updatedAt" from "tasks" where ("tasks"."id" = $1 and "tasks"."tenantId" = $2) limit $3',
          lambda d: (d.task(), d.tenant, 1)),
    Shape("D11 task status change", 800,
          'update "tasks" set "status" = $1, "updatedAt" = $2 where "tasks"."id" = $3',
          lambda d: (d.pick(["done", "done", "in_progress", "todo"]), d.now(), d.task())),
    Shape("D12 task insert", 300,
          'insert into "tasks" ("id", "tenantId", "projectId", "assigneeId", "creatorId", "title", "status", "priority", '
          '"position", "dueDate", "isDeleted", "createdAt", "updatedAt") values (default, $1, $2, $3, $4, $5, $6, $7, $8, '
          '$9, $10, $11, $12) returning "id"',
          lambda d: (d.tenant, d.project(), d.user(), d.user(), f"New task {int(d.rng.random() * 1000)}", "todo",
                     int(d.rng.random() * 4), int(d.rng.random() * 65536), None, False, d.now(), d.now())),
    Shape("D13 recently updated tasks of a tenant", 600,
          'select "id", "title", "status", "projectId", "updatedAt" from "tasks" '
          'where ("tasks"."tenantId" = $1 and "tasks"."isDeleted" = $2) order by "tasks"."updatedAt" desc limit $3',
          lambda d: (d.tenant, False, 20)),
    Shape("D14 overdue open tasks of a tenant (reminder job)", 60,
          'select "id", "title", "assigneeId", "dueDate" from "tasks" where ("tasks"."tenantId" = $1 '
          'and "tasks"."status" in ($2) and "tasks"."dueDate" < $3 and "tasks"."isDeleted" = $4) '
          'order by "tasks"."dueDate" asc limit $5',
          lambda d: (d.tenant, ["todo", "in_progress"], "2025-01-01", False, 200)),
    Shape("D15 comment counts of a task list", 1000,
          'select "taskId", count(*) from "comments" where ("comments"."taskId" in ($1) and "comments"."deletedAt" is null) '
          'group by "comments"."taskId"',
          lambda d: (sorted({d.task() for _ in range(5 + int(d.rng.random() * 20))}),)),
    Shape("D16 comment insert", 400,
          'insert into "comments" ("id", "tenantId", "taskId", "authorId", "body", "createdAt", "deletedAt") '
          'values (default, $1, $2, $3, $4, $5, default) returning "id", "createdAt"',
          lambda d: (d.tenant, d.task(), d.user(), "LGTM", d.now())),
    Shape("D17 activity feed of a tenant", 900,
          'select "id", "userId", "type", "payload", "createdAt" from "events" where "events"."tenantId" = $1 '
          'order by "events"."createdAt" desc limit $2',
          lambda d: (d.tenant, 50)),
    Shape("D18 a user's recent events", 200,
          'select "id", "type", "createdAt" from "events" where ("events"."userId" = $1 and "events"."createdAt" >= $2) '
          'order by "events"."createdAt" desc limit $3',
          lambda d: (d.user(), ts(NOW - d.pick([7, 7, 30, 90]) * DAY), 100)),
    Shape("D19 hourly event rollup (job)", 30,
          'select "type", count(*) from "events" where ("events"."createdAt" >= $1 and "events"."createdAt" < $2) '
          'group by "events"."type"',
          lambda d: (lambda h: (ts(NOW - (h + 1) * 3600), ts(NOW - h * 3600)))(int(d.rng.random() * 72))),
    Shape("D20 event insert", 4000,
          'insert into "events" ("id", "tenantId", "userId", "type", "payload", "createdAt") '
          'values (default, $1, $2, $3, $4, $5)',
          lambda d: (d.tenant, d.user(), d.pick(["page_view", "page_view", "task.updated"]),
                     f'{{"path": "/t/{int(d.rng.random() * 99999)}", "client": "web"}}', d.now())),
    Shape("D21 history of an entity", 200,
          'select "id", "actorId", "action", "metadata", "createdAt" from "audit_log" '
          'where ("audit_log"."entityType" = $1 and "audit_log"."entityId" = $2) order by "audit_log"."createdAt" desc',
          lambda d: d.pick(d.pools.entities)),
    Shape("D22 open invoices of a tenant", 300,
          'select "id", "number", "amountCents", "dueAt" from "invoices" '
          'where ("invoices"."tenantId" = $1 and "invoices"."status" = $2)',
          lambda d: (d.tenant, "open")),
    Shape("D23 invoice list of a tenant", 250,
          'select "id", "number", "status", "amountCents", "createdAt" from "invoices" where "invoices"."tenantId" = $1 '
          'order by "invoices"."createdAt" desc limit $2 offset $3',
          lambda d: (d.tenant, 20, d.offset(20))),
    Shape("D24 overdue invoices (dunning job)", 20,
          'select "id", "tenantId", "stripeInvoiceId", "dueAt" from "invoices" '
          'where ("invoices"."status" = $1 and "invoices"."dueAt" < $2) order by "invoices"."dueAt" asc limit $3',
          lambda d: ("open", d.now(), 500)),
    Shape("D25 sessions of a user", 100,
          'select "id", "userAgent", "createdAt", "lastSeenAt" from "sessions" where "sessions"."userId" = $1 '
          'order by "sessions"."createdAt" desc',
          lambda d: (d.user(),)),
    Shape("D26 expired sessions clean-up (job)", 12,
          'delete from "sessions" where "sessions"."expiresAt" < $1',
          lambda d: (d.now(),)),
    Shape("D27 mark notifications read", 300,
          'update "notifications" set "readAt" = $1 where ("notifications"."userId" = $2 and "notifications"."readAt" is null)',
          lambda d: (d.now(), d.user())),
    Shape("D28 last login", 400,
          'update "users" set "lastLoginAt" = $1 where "users"."id" = $2',
          lambda d: (d.now(), d.user())),
    Shape("D29 purge soft-deleted comments (nightly)", 1,
          'delete from "comments" where "comments"."deletedAt" < $1',
          lambda d: (ts(NOW - 30 * DAY),)),
]

_PARAM = re.compile(r"\$(\d+)")


def literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def render(shape: Shape, params: tuple) -> tuple[str, list[Any]]:
    """The statement's text, and its flattened parameters ($n numbered in order) for placeholder shapes."""
    flat: list[Any] = []

    def one(m: re.Match) -> str:
        value = params[int(m.group(1)) - 1]
        values = value if isinstance(value, list) else [value]
        if shape.placeholders:
            start = len(flat)
            flat.extend(values)
            return ",".join(f"${start + i + 1}" for i in range(len(values)))
        return ", ".join(literal(v) for v in values)

    return _PARAM.sub(one, shape.sql), flat


@dataclass
class Execution:
    shape: Shape
    text: str  # as written to the workload file
    params: list[Any] = field(default_factory=list)  # the values, for placeholder shapes


def executions(pools: Pools, seed: int) -> list[Execution]:
    """Every call of the hour, interleaved in a deterministic order."""
    rng = random.Random(seed)
    total = sum(s.calls for s in SHAPES)
    order = [s for s in SHAPES for _ in range(s.calls)]
    rng.shuffle(order)
    out = []
    for i, shape in enumerate(order):
        draw = Draw(pools, rng, CAPTURE_START + 3600.0 * i / total)
        text, flat = render(shape, shape.params(draw))
        out.append(Execution(shape, text, flat))
    return out


def write(path, execs: list[Execution]) -> None:
    header = ("-- benchmarks/saas: one hour of a multi-tenant SaaS app, 2025-01-01 09:00-10:00 UTC.\n"
              "-- Prisma's statements as pg_stat_statements stores them ($n; one line per call); the Drizzle\n"
              "-- service's from the statement log with their parameters substituted.\n\n")
    with open(path, "w") as f:
        f.write(header)
        for e in execs:
            f.write(e.text)
            f.write(";\n")


def samples(execs: list[Execution], per_shape: int = 3) -> dict[str, list[Execution]]:
    """Each shape's first distinct executions (text, or parameters for placeholder shapes)."""
    out: dict[str, list[Execution]] = {s.id: [] for s in SHAPES}
    seen: set[tuple[str, str]] = set()
    for e in execs:
        key = (e.shape.id, e.text + repr(e.params))
        if len(out[e.shape.id]) < per_shape and key not in seen:
            seen.add(key)
            out[e.shape.id].append(e)
    return out

