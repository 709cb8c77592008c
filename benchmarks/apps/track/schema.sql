-- An issue tracker as an ORM lays it out (quoted camelCase names): 2,000 workspaces of very
-- different sizes, 20,000 projects, 100,000 users (5% deleted), 1.5M issues (numbered within
-- their workspace, 70% done, 5% in progress, 3% soft-deleted, 20% unassigned), 2M comments in
-- time order. Primary keys only.
SELECT setseed(0.31);
CREATE TABLE "Workspace" (id int PRIMARY KEY, slug text NOT NULL, "createdAt" timestamptz NOT NULL);
INSERT INTO "Workspace" SELECT g, 'ws-' || g, timestamptz '2021-01-01' + g * interval '3 hours' FROM generate_series(1, 2000) g;
CREATE TABLE "Project" (id int PRIMARY KEY, "workspaceId" int NOT NULL, name text NOT NULL, "archivedAt" timestamptz);
INSERT INTO "Project" SELECT g, 1 + floor(2000 * power(random(), 2))::int, 'Project ' || g,
  CASE WHEN random() < 0.1 THEN timestamptz '2024-01-01' END FROM generate_series(1, 20000) g;
CREATE TABLE "User" (id int PRIMARY KEY, "workspaceId" int NOT NULL, email text NOT NULL, "displayName" text NOT NULL,
  "deletedAt" timestamptz, "lastSeenAt" timestamptz NOT NULL);
INSERT INTO "User" SELECT g, 1 + (g % 2000), 'User.' || g || '@Team' || (g % 2000) || '.io', 'User ' || md5(g::text),
  CASE WHEN g % 20 = 0 THEN timestamptz '2024-06-01' END, timestamptz '2024-01-01' + (g % 1000) * interval '1 hour'
  FROM generate_series(1, 100000) g;
CREATE TABLE "Issue" (id bigint PRIMARY KEY, "workspaceId" int NOT NULL, "projectId" int NOT NULL, number int NOT NULL,
  title text NOT NULL, state text NOT NULL, priority int NOT NULL, "assigneeId" int, "createdAt" timestamptz NOT NULL,
  "updatedAt" timestamptz NOT NULL, "deletedAt" timestamptz);
INSERT INTO "Issue"
  SELECT i.id, p."workspaceId", i.pid, row_number() OVER (PARTITION BY p."workspaceId" ORDER BY i.id), 'Issue ' || md5(i.id::text),
    CASE WHEN i.r < 0.70 THEN 'done' WHEN i.r < 0.75 THEN 'in_progress' WHEN i.r < 0.85 THEN 'todo' WHEN i.r < 0.95 THEN 'backlog' ELSE 'canceled' END,
    (i.id % 5)::int, CASE WHEN i.id % 5 = 0 THEN NULL ELSE 1 + floor(100000 * power(random(), 2))::int END,
    timestamptz '2022-01-01' + i.id * interval '40 seconds',
    timestamptz '2022-01-01' + i.id * interval '40 seconds' + (random() * 200) * interval '1 day',
    CASE WHEN random() < 0.03 THEN timestamptz '2024-06-01' END
  FROM (SELECT g AS id, 1 + floor(20000 * power(random(), 2))::int AS pid, random() AS r FROM generate_series(1, 1500000) g) i
  JOIN "Project" p ON p.id = i.pid
  ORDER BY i.id;  -- stored in time order, as the app inserts them (the numbering sorts them by workspace)
CREATE TABLE "Comment" (id bigint PRIMARY KEY, "issueId" bigint NOT NULL, "authorId" int NOT NULL, body text NOT NULL,
  "createdAt" timestamptz NOT NULL);
INSERT INTO "Comment" SELECT g, 1 + floor(1500000 * power(random(), 1.5))::bigint, 1 + floor(random() * 100000)::int,
  'comment ' || g, timestamptz '2022-01-01' + g * interval '30 seconds' FROM generate_series(1, 2000000) g;
