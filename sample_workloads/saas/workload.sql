-- Tasklane production workload, captured 2024-05-14 09:00-09:30 UTC.
-- Sources: log_min_duration_statement = 0 on the primary (statements with
-- literals, as the reporting jobs and $queryRaw calls send them) and a
-- pg_stat_statements snapshot (normalised, $n placeholders; Prisma client).
-- Trailing /*...*/ comments are sqlcommenter tags added by the API.

/* ---- authentication ---------------------------------------------------- */

SELECT "public"."Session"."id", "public"."Session"."userId", "public"."Session"."expiresAt" FROM "public"."Session" WHERE ("public"."Session"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3;

SELECT "id", "email", "name", "passwordHash", "isDeleted" FROM "User" WHERE "email" = 'maria.lopez@acme-logistics.com' LIMIT 1;

SELECT "id", "email", "name", "passwordHash", "isDeleted" FROM "User" WHERE "email" = 'j.obrien@northwind.io' LIMIT 1;

SELECT "id", "email", "name", "passwordHash", "isDeleted" FROM "User" WHERE "email" = 'sean.o''brien@kestrel.dev' LIMIT 1;

UPDATE "User" SET "lastLoginAt" = '2024-05-14 09:02:11.418', "updatedAt" = '2024-05-14 09:02:11.418' WHERE "id" = 4821;

INSERT INTO "Session" ("id", "userId", "userAgent", "expiresAt", "createdAt") VALUES ('s_9f8c2a71e4b04c1d', 4821, 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppKit/605.1.15', '2024-06-13 09:02:11.420', '2024-05-14 09:02:11.420');

-- workspace switcher: every organisation the signed-in user belongs to
SELECT o."id", o."name", o."slug", o."plan", m."role"
FROM "Membership" m
JOIN "Organization" o ON o."id" = m."organizationId"
WHERE m."userId" = 4821 AND o."isDeleted" = false
ORDER BY o."name";

SELECT o."id", o."name", o."slug", o."plan", m."role"
FROM "Membership" m
JOIN "Organization" o ON o."id" = m."organizationId"
WHERE m."userId" = 377 AND o."isDeleted" = false
ORDER BY o."name";

SELECT "public"."Organization"."id", "public"."Organization"."name", "public"."Organization"."plan" FROM "public"."Organization" WHERE ("public"."Organization"."slug" = $1 AND "public"."Organization"."isDeleted" = $2) LIMIT $3 OFFSET $4;

/* ---- project list ------------------------------------------------------ */

SELECT "id", "key", "name", "ownerId", "archivedAt", "createdAt" FROM "Project" WHERE "organizationId" = 118 AND "isDeleted" = false ORDER BY "createdAt" DESC LIMIT 20 OFFSET 0;

SELECT "id", "key", "name", "ownerId", "archivedAt", "createdAt" FROM "Project" WHERE "organizationId" = 118 AND "isDeleted" = false ORDER BY "createdAt" DESC LIMIT 20 OFFSET 20;

SELECT "id", "key", "name", "ownerId", "archivedAt", "createdAt" FROM "Project" WHERE "organizationId" = 2045 AND "isDeleted" = false ORDER BY "createdAt" DESC LIMIT 20 OFFSET 0;

-- project cards with their open-task counter (correlated subquery)
SELECT p."id", p."key", p."name",
       (SELECT COUNT(*) FROM "Task" t
         WHERE t."projectId" = p."id" AND t."isDeleted" = false AND t."status" <> 'Done') AS "openTasks"
FROM "Project" p
WHERE p."organizationId" = 118 AND p."isDeleted" = false AND p."archivedAt" IS NULL
ORDER BY p."createdAt" DESC
LIMIT 20;

SELECT "public"."Project"."id", "public"."Project"."organizationId", "public"."Project"."key", "public"."Project"."name", "public"."Project"."description" FROM "public"."Project" WHERE ("public"."Project"."id" = $1 AND 1=1) LIMIT $2 OFFSET $3;

UPDATE "Project" SET "description" = $desc$Q3 roadmap; see the linked spec for scope$desc$, "updatedAt" = '2024-05-14 09:05:40.002' WHERE "id" = 5512;

/* ---- board: tasks of a project ----------------------------------------- */

SELECT "id", "title", "status", "priority", "assigneeId", "dueDate", "createdAt" FROM "Task" WHERE "projectId" = 5512 AND "isDeleted" = false AND "status" IN ('Scheduled', 'InProgress') ORDER BY "createdAt" DESC LIMIT 20 OFFSET 0 /*route='/api/projects/:id/tasks',framework='express'*/;

SELECT "id", "title", "status", "priority", "assigneeId", "dueDate", "createdAt" FROM "Task" WHERE "projectId" = 5512 AND "isDeleted" = false AND "status" IN ('Scheduled', 'InProgress') ORDER BY "createdAt" DESC LIMIT 20 OFFSET 20 /*route='/api/projects/:id/tasks',framework='express'*/;

SELECT "id", "title", "status", "priority", "assigneeId", "dueDate", "createdAt" FROM "Task" WHERE "projectId" = 871 AND "isDeleted" = false AND "status" IN ('Scheduled', 'InProgress') ORDER BY "createdAt" DESC LIMIT 20 OFFSET 0 /*route='/api/projects/:id/tasks',framework='express'*/;

SELECT "id", "title", "status", "priority", "assigneeId", "dueDate", "createdAt" FROM "Task" WHERE "projectId" = 871 AND "isDeleted" = false AND "status" IN ('Scheduled', 'InProgress') ORDER BY "createdAt" DESC LIMIT 20 OFFSET 40 /*route='/api/projects/:id/tasks',framework='express'*/;

SELECT "public"."Task"."id", "public"."Task"."title", "public"."Task"."status", "public"."Task"."assigneeId", "public"."Task"."createdAt" FROM "public"."Task" WHERE ("public"."Task"."projectId" = $1 AND "public"."Task"."isDeleted" = $2 AND "public"."Task"."status" = $3) ORDER BY "public"."Task"."createdAt" DESC LIMIT $4 OFFSET $5;

-- N+1 from the board view: one assignee lookup per card
SELECT "id", "name", "avatarUrl" FROM "User" WHERE "id" = 4821 LIMIT 1;

SELECT "id", "name", "avatarUrl" FROM "User" WHERE "id" = 377 LIMIT 1;

SELECT "id", "name", "avatarUrl" FROM "User" WHERE "id" = 9012 LIMIT 1;

SELECT "id", "name", "avatarUrl" FROM "User" WHERE "id" = 1450 LIMIT 1;

SELECT "id", "name", "avatarUrl" FROM "User" WHERE "id" = 66 LIMIT 1;

-- "Done" column, most recently completed first
SELECT "id", "title", "assigneeId", "completedAt" FROM "Task" WHERE "projectId" = 5512 AND "isDeleted" = false AND "status" = 'Done' ORDER BY "completedAt" DESC LIMIT 20;

-- quick search box (prefix match on the title)
SELECT "id", "title", "status" FROM "Task" WHERE "organizationId" = 118 AND "title" LIKE 'Fix login%' AND "isDeleted" = false ORDER BY "createdAt" DESC LIMIT 10;

SELECT "id", "title", "status" FROM "Task" WHERE "organizationId" = 2045 AND "title" LIKE 'Migrate%' AND "isDeleted" = false ORDER BY "createdAt" DESC LIMIT 10;

/* ---- "My tasks" -------------------------------------------------------- */

SELECT t."id", t."title", t."status", t."dueDate", p."key", p."name" AS "projectName"
FROM "Task" t
INNER JOIN "Project" p ON p."id" = t."projectId"
WHERE t."assigneeId" = 4821 AND t."isDeleted" = false AND t."status" IN ('Scheduled', 'InProgress')
ORDER BY t."dueDate" ASC NULLS LAST
LIMIT 50;

SELECT t."id", t."title", t."status", t."dueDate", p."key", p."name" AS "projectName"
FROM "Task" t
INNER JOIN "Project" p ON p."id" = t."projectId"
WHERE t."assigneeId" = 9012 AND t."isDeleted" = false AND t."status" IN ('Scheduled', 'InProgress')
ORDER BY t."dueDate" ASC NULLS LAST
LIMIT 50;

SELECT "public"."Task"."id", "public"."Task"."title", "public"."Task"."dueDate" FROM "public"."Task" WHERE ("public"."Task"."assigneeId" = $1 AND "public"."Task"."dueDate" < $2 AND "public"."Task"."completedAt" IS NULL AND "public"."Task"."isDeleted" = $3) ORDER BY "public"."Task"."dueDate" ASC LIMIT $4 OFFSET $5;

/* ---- task detail ------------------------------------------------------- */

SELECT "id", "projectId", "title", "description", "status", "priority", "assigneeId", "reporterId", "dueDate", "createdAt", "updatedAt" FROM "Task" WHERE "id" = 190233 AND "isDeleted" = false;

SELECT c."id", c."body", c."createdAt", u."name" AS "authorName", u."avatarUrl"
FROM "Comment" c
JOIN "User" u ON u."id" = c."authorId"
WHERE c."taskId" = 190233 AND c."isDeleted" = false
ORDER BY c."createdAt" ASC;

SELECT c."id", c."body", c."createdAt", u."name" AS "authorName", u."avatarUrl"
FROM "Comment" c
JOIN "User" u ON u."id" = c."authorId"
WHERE c."taskId" = 188410 AND c."isDeleted" = false
ORDER BY c."createdAt" ASC;

INSERT INTO "Comment" ("taskId", "authorId", "body", "createdAt", "updatedAt") VALUES (190233, 4821, $$Blocked on infra; waiting for the DNS change to propagate$$, '2024-05-14 09:11:02.120', '2024-05-14 09:11:02.120');

INSERT INTO "Comment" ("taskId", "authorId", "body", "createdAt", "updatedAt") VALUES (188410, 377, 'LGTM; merging after CI passes', '2024-05-14 09:11:48.930', '2024-05-14 09:11:48.930');

SELEC "id", "title" FROM "Task" WHERE "projectId" = 5512;

UPDATE "Task" SET "status" = 'InProgress', "updatedAt" = '2024-05-14 09:12:30.551' WHERE "id" = 190233;

UPDATE "Task" SET "status" = 'Done', "completedAt" = '2024-05-14 09:14:05.007', "updatedAt" = '2024-05-14 09:14:05.007' WHERE "id" = 188410;

UPDATE "public"."Task" SET "assigneeId" = $1, "updatedAt" = $2 WHERE ("public"."Task"."id" = $3 AND 1=1);

INSERT INTO "AuditLog" ("organizationId", "actorId", "action", "entityType", "entityId", "metadata", "createdAt") VALUES (118, 4821, 'task.status_changed', 'Task', 188410, '{"from": "InProgress", "to": "Done", "note": "closed from board; via drag-and-drop"}', '2024-05-14 09:14:05.010');

/* ---- team admin -------------------------------------------------------- */

SELECT u."id", u."email", u."name", m."role", m."createdAt"
FROM "Membership" m, "User" u
WHERE m."userId" = u."id" AND m."organizationId" = 118 AND u."isDeleted" = false
ORDER BY u."name"
LIMIT 50 OFFSET 0;

SELECT g."id", g."name", COUNT(gu."B") AS "members"
FROM "group" g
LEFT JOIN "_GroupToUser" gu ON gu."A" = g."id"
WHERE g."organizationId" = 118
GROUP BY g."id", g."name"
ORDER BY g."name";

SELECT g."id", g."name" FROM "group" g, "_GroupToUser" gu WHERE gu."A" = g."id" AND gu."B" = 4821;

SELECT "id", "email", "role", "expiresAt" FROM "Invitation" WHERE "organizationId" = 118 AND "acceptedAt" IS NULL AND "expiresAt" > '2024-05-14 09:20:00' ORDER BY "createdAt" DESC;

SELECT "id", "organizationId", "email", "role", "expiresAt", "acceptedAt" FROM "Invitation" WHERE "token" = 'inv_3kQ8vZr1pL0wX2yN';

-- member search in the admin console
SELECT "id", "email", "name" FROM "User" WHERE "email" LIKE 'maria%' AND "isDeleted" = false ORDER BY "email" LIMIT 20;

-- removing a member unassigns their open tasks in that organisation
UPDATE "Task" SET "assigneeId" = NULL, "updatedAt" = '2024-05-14 09:21:17.300' WHERE "assigneeId" = 1450 AND "organizationId" = 118 AND "status" IN ('Scheduled', 'InProgress');

DELETE FROM "Membership" WHERE "organizationId" = 118 AND "userId" = 1450;

/* ---- dashboards and reports ($queryRaw) -------------------------------- */

SELECT "status", COUNT(*) AS "count" FROM "Task" WHERE "organizationId" = 118 AND "isDeleted" = false GROUP BY "status";

SELECT "status", COUNT(*) AS "count" FROM "Task" WHERE "organizationId" = 2045 AND "isDeleted" = false GROUP BY "status";

-- overdue tasks per project, comma join with aliases
SELECT p."key", p."name", COUNT(*) AS "overdue"
FROM "Task" t, "Project" p
WHERE t."projectId" = p."id"
  AND p."organizationId" = 118
  AND t."isDeleted" = false
  AND t."completedAt" IS NULL
  AND t."dueDate" < '2024-05-14 00:00:00'
GROUP BY p."key", p."name"
ORDER BY "overdue" DESC;

-- weekly throughput per assignee
WITH done AS (
    SELECT t."assigneeId", t."completedAt"
    FROM "Task" t
    WHERE t."organizationId" = 118
      AND t."status" = 'Done'
      AND t."completedAt" >= '2024-05-06 00:00:00'
      AND t."completedAt" <  '2024-05-13 00:00:00'
)
SELECT u."id", u."name", COUNT(*) AS "completed"
FROM done d
JOIN "User" u ON u."id" = d."assigneeId"
GROUP BY u."id", u."name"
ORDER BY "completed" DESC
LIMIT 10;

-- stale projects: no task touched in 30 days
SELECT p."id", p."name" FROM "Project" p
WHERE p."organizationId" = 2045 AND p."isDeleted" = false
  AND NOT EXISTS (SELECT 1 FROM "Task" t WHERE t."projectId" = p."id" AND t."updatedAt" > '2024-04-14 00:00:00');

/* ---- audit log --------------------------------------------------------- */

SELECT "id", "actorId", "action", "entityType", "entityId", "metadata", "createdAt" FROM "AuditLog" WHERE "organizationId" = 118 AND "createdAt" >= '2024-05-07 00:00:00' ORDER BY "createdAt" DESC LIMIT 50;

SELECT "id", "actorId", "action", "entityType", "entityId", "metadata", "createdAt" FROM "AuditLog" WHERE "organizationId" = 2045 AND "createdAt" >= '2024-05-13 00:00:00' ORDER BY "createdAt" DESC LIMIT 50;

SELECT "public"."AuditLog"."id", "public"."AuditLog"."action", "public"."AuditLog"."createdAt" FROM "public"."AuditLog" WHERE ("public"."AuditLog"."entityType" = $1 AND "public"."AuditLog"."entityId" = $2) ORDER BY "public"."AuditLog"."createdAt" DESC LIMIT $3 OFFSET $4;

/* ---- background jobs --------------------------------------------------- */

-- bulk close: record an audit row for every finished task of an archived project
INSERT INTO "AuditLog" ("organizationId", "actorId", "action", "entityType", "entityId", "createdAt")
SELECT t."organizationId", NULL, 'task.archived', 'Task', t."id", '2024-05-14 09:25:00'
FROM "Task" t
WHERE t."projectId" IN (5512, 871, 3307) AND t."status" = 'Done' AND t."isDeleted" = false;

UPDATE "Task" SET "isDeleted" = true, "updatedAt" = '2024-05-14 09:25:01.000' WHERE "projectId" = 3307 AND "isDeleted" = false;

-- due-date reminders for the next 24 hours
SELECT t."id", t."title", t."dueDate", u."email"
FROM "Task" t
JOIN "User" u ON u."id" = t."assigneeId"
WHERE t."dueDate" BETWEEN '2024-05-14 09:00:00' AND '2024-05-15 09:00:00'
  AND t."completedAt" IS NULL
  AND t."isDeleted" = false;

DELETE FROM "Session" WHERE "expiresAt" < '2024-05-14 09:30:00';

DELETE FROM "Session" WHERE "userId" = 1450;

DELETE FROM "Comment" WHERE "isDeleted" = true AND "updatedAt" < '2024-04-14 00:00:00';

DELETE FROM "Invitation" WHERE "acceptedAt" IS NULL AND "expiresAt" < '2024-05-14 09:30:00';
