"""The SaaS benchmark's data: deterministic rows for schema.sql, streamed into PostgreSQL with COPY.

Everything is a function of (scale, seed). At scale 1, about 6.9 million rows:

    tenants 50,000 · users 400,000 · memberships ~500,000 · projects 120,000 · tasks 1,600,000
    comments 800,000 · events 1,500,000 · audit_log 800,000 · sessions 250,000
    invoices ~150,000 · notifications 700,000

Shape of the data (what makes index choice non-trivial):

- tenant size is Zipf-like (weight 1/rank^1.1): the largest tenant holds about 14% of the
  rows, the ten largest about a third, the hundred largest over half;
- each tenant is active in a time window (sign-up to now, or to when it churned or was
  suspended), and its rows' timestamps fall in that window; the append-only tables (tasks,
  comments, events, audit_log, notifications, sessions, invoices) are written in timestamp
  order, so ids and "createdAt" follow insertion order and one tenant's rows are clustered
  in time and on disk, not spread uniformly;
- soft-delete flags are mostly false ("isDeleted" 2-3%, "deletedAt" 2-5% set), status columns
  have a dominant value (tasks 'done' ~80%, invoices 'paid' ~95%, tenants 'active' ~70%,
  projects 'active' 88%), notifications are unread ("readAt" IS NULL) for a few percent;
- users.email is unique and mixed-case (queried through lower(email)); tenants.settings is
  jsonb with a per-tenant "stripeCustomerId" (queried with ->>).
"""

from __future__ import annotations

import gc
import itertools
import random
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

DAY = 86400.0
START = datetime(2022, 1, 1, tzinfo=UTC).timestamp()
NOW = datetime(2025, 1, 1, tzinfo=UTC).timestamp()  # the data's "now"; the workload runs just after it

BASE_COUNTS = {
    "tenants": 50_000,
    "users": 400_000,
    "projects": 120_000,
    "tasks": 1_600_000,
    "comments": 800_000,
    "events": 1_500_000,
    "audit_log": 800_000,
    "sessions": 250_000,
    "notifications": 700_000,
}
TABLES = ("tenants", "users", "memberships", "projects", "tasks", "comments", "events", "audit_log",
          "sessions", "invoices", "notifications")

FIRST = ["Maria", "James", "Aisha", "Chen", "Olga", "Pedro", "Yuki", "Liam", "Noor", "Ivan", "Sara", "Tom",
         "Fatima", "Lucas", "Mei", "Omar", "Elena", "Kofi", "Anna", "Raj"]
LAST = ["Garcia", "Smith", "Khan", "Wang", "Petrova", "Silva", "Tanaka", "Murphy", "Haddad", "Novak", "Berg",
        "Okafor", "Rossi", "Dubois", "Kim", "Nakamura", "Costa", "Meyer", "Patel", "Lopez"]
WORDS = ["acme", "northwind", "globex", "initech", "umbrella", "stark", "wayne", "hooli", "vandelay", "tyrell",
         "soylent", "cyberdyne", "aperture", "wonka", "gringotts", "oscorp", "dunder", "pied", "monarch", "zenith"]
WORDS2 = ["labs", "systems", "group", "works", "digital", "cloud", "health", "logistics", "studio", "partners"]
VERBS = ["Fix", "Add", "Review", "Update", "Design", "Test", "Migrate", "Refactor", "Document", "Deploy"]
NOUNS = ["login page", "billing flow", "search API", "onboarding", "invoice PDF", "dashboard", "webhooks",
         "export job", "mobile nav", "SSO setup", "rate limits", "audit view"]
AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Safari/605.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/124.0",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4) Mobile/15E148", "okhttp/4.12.0", "Mozilla/5.0 (X11; Linux) Firefox/125.0"]
EVENT_TYPES = (["page_view"] * 55 + ["task.updated"] * 20 + ["task.created"] * 8 + ["comment.created"] * 7
               + ["login"] * 6 + ["invite.sent"] * 3 + ["export"] * 1)
AUDIT_ENTITIES = ["task"] * 55 + ["project"] * 15 + ["comment"] * 15 + ["membership"] * 10 + ["invoice"] * 5
AUDIT_ACTIONS = ["update"] * 60 + ["create"] * 25 + ["delete"] * 10 + ["export"] * 5
NOTIFICATION_TYPES = ["mention", "assigned", "comment", "due_soon", "invite"]

_days: dict[int, str] = {}
_clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


def date(t: float) -> str:
    """An epoch time's UTC date as text."""
    d = int(t) // 86400
    day = _days.get(d)
    if day is None:
        day = _days[d] = time.strftime("%Y-%m-%d", time.gmtime(d * 86400))
    return day


def ts(t: float) -> str:
    """An epoch time as PostgreSQL timestamp(3) text (UTC)."""
    s = int(t)
    return f"{date(t)} {_clock[s % 86400]}.{int((t - s) * 1000):03d}"


@dataclass
class Generator:
    """Generates the tables in dependency order; later tables draw on what earlier ones kept."""

    scale: float = 1.0
    seed: int = 7
    counts: dict[str, int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.n = {k: max(50, int(v * self.scale)) for k, v in BASE_COUNTS.items()}
        self.n["tenants"] = max(20, int(BASE_COUNTS["tenants"] * self.scale))

    # ------------------------------------------------------------------ tenants

    def tenants(self) -> Iterator[str]:
        rng, T = self.rng, self.n["tenants"]
        big = max(5, T // 1000)  # the early, large customers
        rows = []
        for rank in range(1, T + 1):
            if rank <= big:
                start = START + rng.uniform(0.0, 0.35) * (NOW - START)
            else:
                start = START + (rng.random() ** 0.7) * (NOW - START - 7 * DAY)
            r = rng.random()
            if rank <= T // 250 or r >= 0.33:
                status, end = "active", NOW
            elif r < 0.30:
                status, end = "churned", start + (NOW - start) * rng.uniform(0.1, 0.7)
            else:
                status, end = "suspended", NOW - rng.uniform(0.0, 60.0) * DAY
                end = max(end, start + DAY)
            if rank <= 100:
                plan = "enterprise" if rng.random() < 0.6 else "pro"
            else:
                p = rng.random()
                plan = "free" if p < 0.80 else ("pro" if p < 0.96 else "enterprise")
            rows.append((start, rank, status, end, plan))
        rows.sort()
        self.t_weight = array("d", [0.0])  # by tenant id (1-based)
        self.t_start, self.t_end = array("d", [0.0]), array("d", [0.0])
        self.t_active = bytearray(1)
        self.t_plan = [""]
        for tid, (start, rank, status, end, plan) in enumerate(rows, 1):
            self.t_weight.append(1.0 / rank ** 1.1)
            self.t_start.append(start)
            self.t_end.append(end)
            self.t_active.append(status == "active")
            self.t_plan.append(plan)
            w1, w2 = WORDS[int(rng.random() * len(WORDS))], WORDS2[int(rng.random() * len(WORDS2))]
            region = ("eu", "us", "us", "ap")[int(rng.random() * 4)]
            settings = (f'{{"region": "{region}", "stripeCustomerId": "cus_{rng.getrandbits(64):016x}", '
                        f'"features": {{"sso": {"true" if plan == "enterprise" else "false"}, "beta": false}}, '
                        f'"theme": "{"dark" if rng.random() < 0.3 else "light"}"}}')
            yield (f"{tid}\t{w1.title()} {w2.title()} {tid}\t{w1}-{w2}-{tid}\t{plan}\t{status}\t{settings}\t"
                   f"{ts(start)}\t{ts(end)}\n")
        # rows over time: a tenant's activity rate times the length of its window
        ids = range(1, T + 1)
        self.tenant_ids = list(ids)
        self.cum_size = list(itertools.accumulate(self.t_weight[i] for i in ids))
        self.cum_rows = list(itertools.accumulate(self.t_weight[i] * (self.t_end[i] - self.t_start[i]) for i in ids))
        active = [i for i in ids if self.t_active[i]]
        self.active_ids = active
        self.cum_active = list(itertools.accumulate(self.t_weight[i] for i in active))

    def _tenants_by_rows(self, k: int) -> list[int]:
        return self.rng.choices(self.tenant_ids, cum_weights=self.cum_rows, k=k)

    def _in_window(self, tid: int) -> float:
        return self.rng.uniform(self.t_start[tid], self.t_end[tid])

    def _member(self, tid: int) -> int:
        m = self.members[tid]
        return m[int(self.rng.random() * len(m))]

    # ------------------------------------------------------------------ users, memberships

    def users(self) -> Iterator[str]:
        rng, U, T = self.rng, self.n["users"], self.n["tenants"]
        homes = list(range(1, T + 1)) + rng.choices(self.tenant_ids, cum_weights=self.cum_size, k=U - T)
        rows = []
        for i, tid in enumerate(homes):
            created = self.t_start[tid] if i < T else self._in_window(tid)
            rows.append((created, i >= T, tid))  # the owner first when a tenant's users share a time
        rows.sort()
        self.u_home = array("i", [0])
        self.u_created = array("d", [0.0])
        self.members: list[list[int]] = [[] for _ in range(T + 1)]
        for uid, (created, _, tid) in enumerate(rows, 1):
            self.u_home.append(tid)
            self.u_created.append(created)
            self.members[tid].append(uid)
            first, last = FIRST[int(rng.random() * 20)], LAST[int(rng.random() * 20)]
            domain = f"{WORDS[tid % 20].title()}{tid}.com"
            deleted = "t" if rng.random() < 0.02 else "f"
            login = r"\N" if rng.random() < 0.08 else ts(rng.uniform(created, self.t_end[tid]))
            yield (f"{uid}\t{first}.{last}{uid}@{domain}\t{first} {last}\t$2b$10${rng.getrandbits(212):053x}\t"
                   f"{deleted}\t{ts(created)}\t{login}\n")

    def memberships(self) -> Iterator[str]:
        rng = self.rng
        mid = 0
        extra_tenants = rng.choices(self.tenant_ids, cum_weights=self.cum_size, k=self.n["users"] // 4)
        extra_users = rng.sample(range(1, self.n["users"] + 1), len(extra_tenants))
        extra: dict[int, int] = dict(zip(extra_users, extra_tenants))
        owners = {m[0] for m in self.members if m}
        for uid in range(1, self.n["users"] + 1):
            home = self.u_home[uid]
            role = "owner" if uid in owners else ("admin" if rng.random() < 0.08 else "member")
            mid += 1
            yield f"{mid}\t{home}\t{uid}\t{role}\t{ts(self.u_created[uid])}\n"
            other = extra.get(uid)
            if other and other != home:
                lo = max(self.u_created[uid], self.t_start[other])
                if lo < self.t_end[other]:
                    mid += 1
                    self.members[other].append(uid)
                    yield f"{mid}\t{other}\t{uid}\t{'admin' if rng.random() < 0.05 else 'member'}\t" \
                          f"{ts(rng.uniform(lo, self.t_end[other]))}\n"

    # ------------------------------------------------------------------ projects, tasks, comments

    def projects(self) -> Iterator[str]:
        rng, P, T = self.rng, self.n["projects"], self.n["tenants"]
        tids = list(range(1, T + 1)) + self._tenants_by_rows(max(0, P - T))
        rows = sorted((self.t_start[t] if i < T else self._in_window(t), t) for i, t in enumerate(tids))
        self.projects_of: list[list[int]] = [[] for _ in range(T + 1)]
        for pid, (created, tid) in enumerate(rows, 1):
            self.projects_of[tid].append(pid)
            end = self.t_end[tid]
            updated = rng.uniform(created, end)
            status = "archived" if rng.random() < 0.12 else "active"
            deleted = ts(rng.uniform(created, end)) if rng.random() < 0.05 else r"\N"
            name = f"{NOUNS[int(rng.random() * len(NOUNS))].title()} {WORDS2[int(rng.random() * 10)]} {pid}"
            yield (f"{pid}\t{tid}\t{self._member(tid)}\t{name}\t{status}\t{ts(created)}\t{ts(updated)}\t{deleted}\n")

    def tasks(self) -> Iterator[str]:
        rng, n = self.rng, self.n["tasks"]
        rows = sorted((self._in_window(t), t) for t in self._tenants_by_rows(n))
        self.task_tenant = array("i", [0])
        self.task_ts = array("d", [0.0])
        self.tasks_of: list[list[int]] = [[] for _ in range(self.n["tenants"] + 1)]
        old = ["done"] * 84 + ["cancelled"] * 5 + ["backlog"] * 5 + ["todo"] * 4 + ["in_progress"] * 2
        new = ["done"] * 40 + ["todo"] * 30 + ["in_progress"] * 18 + ["backlog"] * 8 + ["cancelled"] * 4
        for tid_, (created, tid) in enumerate(rows, 1):
            self.task_tenant.append(tid)
            self.task_ts.append(created)
            self.tasks_of[tid].append(tid_)
            projects = self.projects_of[tid]
            project = projects[int(len(projects) * rng.random() ** 2)]
            status = (old if NOW - created > 60 * DAY else new)[int(rng.random() * 100)]
            assignee = self._member(tid) if rng.random() < 0.85 else r"\N"
            due = date(created + rng.uniform(1, 45) * DAY) if rng.random() < 0.6 else r"\N"
            updated = created + (min(self.t_end[tid], NOW) - created) * rng.random() ** 3
            title = f"{VERBS[int(rng.random() * 10)]} {NOUNS[int(rng.random() * 12)]} #{tid_ % 1000}"
            yield (f"{tid_}\t{tid}\t{project}\t{assignee}\t{self._member(tid)}\t{title}\t{status}\t{int(rng.random() * 4)}\t"
                   f"{int(rng.random() * 65536)}\t{due}\t{'t' if rng.random() < 0.03 else 'f'}\t{ts(created)}\t{ts(updated)}\n")

    def comments(self) -> Iterator[str]:
        rng, n, ntasks = self.rng, self.n["comments"], len(self.task_ts) - 1
        rows = []
        for _ in range(n):
            task = 1 + int(rng.random() * ntasks)
            tid, t0 = self.task_tenant[task], self.task_ts[task]
            t = t0 + rng.expovariate(1 / (2 * DAY))
            if t > self.t_end[tid]:
                t = t0 + (self.t_end[tid] - t0) * rng.random()
            rows.append((t, task))
        rows.sort()
        self.comment_count = n
        for cid, (t, task) in enumerate(rows, 1):
            tid = self.task_tenant[task]
            deleted = ts(t + rng.uniform(0, 10) * DAY) if rng.random() < 0.02 else r"\N"
            yield f"{cid}\t{tid}\t{task}\t{self._member(tid)}\tLooks good, see {NOUNS[cid % 12]} ({cid})\t{ts(t)}\t{deleted}\n"

    # ------------------------------------------------------------------ append-only logs

    def events(self) -> Iterator[str]:
        rng = self.rng
        rows = sorted((self._in_window(t), t) for t in self._tenants_by_rows(self.n["events"]))
        for eid, (t, tid) in enumerate(rows, 1):
            user = self._member(tid) if rng.random() < 0.95 else r"\N"
            kind = EVENT_TYPES[int(rng.random() * 100)]
            payload = f'{{"path": "/t/{1 + int(rng.random() * 99999)}", "client": "{"web" if rng.random() < 0.8 else "ios"}"}}'
            yield f"{eid}\t{tid}\t{user}\t{kind}\t{payload}\t{ts(t)}\n"

    def audit_log(self) -> Iterator[str]:
        rng = self.rng
        rows = sorted((self._in_window(t), t) for t in self._tenants_by_rows(self.n["audit_log"]))
        for aid, (t, tid) in enumerate(rows, 1):
            entity = AUDIT_ENTITIES[int(rng.random() * 100)]
            if entity == "task" and self.tasks_of[tid]:
                ent_id = self.tasks_of[tid][int(rng.random() * len(self.tasks_of[tid]))]
            elif entity == "project":
                ent_id = self.projects_of[tid][int(rng.random() * len(self.projects_of[tid]))]
            else:
                ent_id = 1 + int(rng.random() * self.comment_count)
            actor = self._member(tid) if rng.random() < 0.97 else r"\N"
            action = AUDIT_ACTIONS[int(rng.random() * 100)]
            yield f"{aid}\t{tid}\t{actor}\t{action}\t{entity}\t{ent_id}\t{{\"ip\": \"10.{aid % 256}.0.1\"}}\t{ts(t)}\n"

    def sessions(self) -> Iterator[str]:
        rng = self.rng
        tids = rng.choices(self.active_ids, cum_weights=self.cum_active, k=self.n["sessions"])
        rows = sorted((NOW - rng.uniform(0, 30) * DAY, t) for t in tids)
        for sid, (t, tid) in enumerate(rows, 1):
            seen = t + (NOW - t) * rng.random()
            yield (f"{sid}\t{rng.getrandbits(128):032x}\t{self._member(tid)}\t{AGENTS[int(rng.random() * 5)]}\t{ts(t)}\t"
                   f"{ts(t + 30 * DAY)}\t{ts(seen)}\n")

    def invoices(self) -> Iterator[str]:
        rng = self.rng
        rows = []
        for tid in range(1, self.n["tenants"] + 1):
            if self.t_plan[tid] == "free":
                continue
            t, m = self.t_start[tid] + 30 * DAY, 1
            while t < self.t_end[tid]:
                rows.append((t, tid, m))
                t, m = t + 30 * DAY, m + 1
        rows.sort()
        for iid, (t, tid, m) in enumerate(rows, 1):
            if NOW - t > 45 * DAY:
                r = rng.random()
                status = "paid" if r < 0.955 else ("open" if r < 0.96 else ("void" if r < 0.98 else "uncollectible"))
            else:
                status = "open" if rng.random() < 0.35 else "paid"
            amount = (49_900 if self.t_plan[tid] == "enterprise" else 4_900) + int(rng.random() * 100) * 100
            yield (f"{iid}\t{tid}\tINV-{tid:06d}-{m:04d}\tin_{rng.getrandbits(96):024x}\t{status}\t{amount}\tusd\t"
                   f"{ts(t)}\t{ts(t + 14 * DAY)}\n")

    def notifications(self) -> Iterator[str]:
        rng = self.rng
        rows = sorted((self._in_window(t), t) for t in self._tenants_by_rows(self.n["notifications"]))
        for nid, (t, tid) in enumerate(rows, 1):
            unread = rng.random() < (0.5 if NOW - t < 14 * DAY else 0.03)
            read = r"\N" if unread else ts(t + rng.expovariate(1 / DAY))
            kind = NOTIFICATION_TYPES[int(rng.random() * 5)]
            yield f"{nid}\t{tid}\t{self._member(tid)}\t{kind}\tYou have a new {kind}\t{read}\t{ts(t)}\n"


COLUMNS = {
    "tenants": '"id", "name", "slug", "plan", "status", "settings", "createdAt", "updatedAt"',
    "users": '"id", "email", "name", "passwordHash", "isDeleted", "createdAt", "lastLoginAt"',
    "memberships": '"id", "tenantId", "userId", "role", "createdAt"',
    "projects": '"id", "tenantId", "ownerId", "name", "status", "createdAt", "updatedAt", "deletedAt"',
    "tasks": '"id", "tenantId", "projectId", "assigneeId", "creatorId", "title", "status", "priority", "position", '
             '"dueDate", "isDeleted", "createdAt", "updatedAt"',
    "comments": '"id", "tenantId", "taskId", "authorId", "body", "createdAt", "deletedAt"',
    "events": '"id", "tenantId", "userId", "type", "payload", "createdAt"',
    "audit_log": '"id", "tenantId", "actorId", "action", "entityType", "entityId", "metadata", "createdAt"',
    "sessions": '"id", "token", "userId", "userAgent", "createdAt", "expiresAt", "lastSeenAt"',
    "invoices": '"id", "tenantId", "number", "stripeInvoiceId", "status", "amountCents", "currency", "createdAt", "dueAt"',
    "notifications": '"id", "tenantId", "userId", "type", "title", "readAt", "createdAt"',
}


def copy_all(conn, scale: float, seed: int, log: Callable[[str], None]) -> dict[str, int]:
    """COPY every table, in dependency order, from the generator; returns the row counts."""
    gen = Generator(scale, seed)
    counts: dict[str, int] = {}
    gc.disable()  # millions of small tuples and no cycles: the collector's passes only cost time
    try:
        return _copy_tables(conn, gen, counts, log)
    finally:
        gc.enable()


def _copy_tables(conn, gen: Generator, counts: dict[str, int], log: Callable[[str], None]) -> dict[str, int]:
    for table in TABLES:
        started = time.perf_counter()
        rows = 0
        with conn.cursor().copy(f'COPY "{table}" ({COLUMNS[table]}) FROM STDIN') as copy:
            buf: list[str] = []
            for line in getattr(gen, table)():
                buf.append(line)
                if len(buf) >= 20000:
                    copy.write("".join(buf))
                    rows += len(buf)
                    buf.clear()
            if buf:
                copy.write("".join(buf))
                rows += len(buf)
        counts[table] = rows
        log(f"  {table}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    return counts

