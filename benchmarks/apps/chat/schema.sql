CREATE EXTENSION IF NOT EXISTS pg_trgm;
SELECT setseed(0.42);
CREATE TABLE team (id uuid PRIMARY KEY, slug text NOT NULL UNIQUE, name text NOT NULL, "createdAt" timestamptz NOT NULL);
CREATE TABLE "User" (id uuid PRIMARY KEY, email varchar(255) NOT NULL, name text, "teamId" uuid NOT NULL REFERENCES team(id),
  "createdAt" timestamptz NOT NULL, "deletedAt" timestamptz);
CREATE TABLE chat (id uuid PRIMARY KEY, "teamId" uuid NOT NULL REFERENCES team(id), "userId" uuid NOT NULL REFERENCES "User"(id),
  title text NOT NULL, visibility varchar(16) NOT NULL DEFAULT 'private', "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL);
CREATE TABLE message (id uuid PRIMARY KEY, "chatId" uuid NOT NULL REFERENCES chat(id), role varchar(16) NOT NULL, content text NOT NULL,
  "createdAt" timestamptz NOT NULL);
CREATE TABLE vote ("chatId" uuid NOT NULL REFERENCES chat(id), "messageId" uuid NOT NULL REFERENCES message(id), "isUpvoted" boolean NOT NULL,
  PRIMARY KEY ("chatId", "messageId"));
CREATE TABLE document (id uuid PRIMARY KEY, "userId" uuid NOT NULL REFERENCES "User"(id), kind varchar(16) NOT NULL, title text NOT NULL,
  content text, "createdAt" timestamptz NOT NULL);
CREATE TABLE job (id bigserial PRIMARY KEY, status varchar(16) NOT NULL, "runAt" timestamptz NOT NULL, attempts int NOT NULL DEFAULT 0,
  payload jsonb NOT NULL);
CREATE TABLE integration (id uuid PRIMARY KEY, "teamId" uuid NOT NULL REFERENCES team(id), provider text NOT NULL, config jsonb NOT NULL,
  "createdAt" timestamptz NOT NULL);

INSERT INTO team SELECT md5('t'||i)::uuid, 'team-'||i, 'Team '||i, timestamptz '2022-01-01' + i * interval '1 hour' FROM generate_series(0, 19999) i;
CREATE TEMP TABLE tmap AS SELECT i, md5('t'||i)::uuid AS id FROM generate_series(0, 19999) i;
CREATE UNIQUE INDEX ON tmap(i);
INSERT INTO "User" SELECT md5('u'||g.i)::uuid, 'User'||g.i||'@Example.com', 'user '||g.i, t.id,
   timestamptz '2022-01-01' + g.i * interval '3 minutes', CASE WHEN random() < 0.01 THEN timestamptz '2024-01-01' + random() * interval '300 days' END
 FROM (SELECT i, least(19999, floor(20000 * power(random(), 3))::int) AS r FROM generate_series(0, 199999) i OFFSET 0) g JOIN tmap t ON t.i = g.r;
CREATE TEMP TABLE umap AS SELECT row_number() OVER (ORDER BY "createdAt") - 1 AS i, id, "teamId" FROM "User";
CREATE UNIQUE INDEX ON umap(i);
INSERT INTO chat SELECT md5('c'||g.i)::uuid, u."teamId", u.id, 'chat about topic '||(g.i % 5000),
   CASE WHEN random() < 0.02 THEN 'public' ELSE 'private' END,
   timestamptz '2023-01-01' + g.i * interval '30 seconds', timestamptz '2023-01-01' + g.i * interval '30 seconds' + random() * interval '3 days'
 FROM (SELECT i, least(199999, floor(200000 * power(random(), 2))::int) AS r FROM generate_series(0, 999999) i OFFSET 0) g JOIN umap u ON u.i = g.r;
CREATE TEMP TABLE cmap AS SELECT row_number() OVER (ORDER BY "createdAt") - 1 AS i, id FROM chat;
CREATE UNIQUE INDEX ON cmap(i);
INSERT INTO message SELECT md5('m'||g.i)::uuid, c.id, CASE WHEN g.i % 2 = 0 THEN 'user' ELSE 'assistant' END, repeat('lorem ipsum ', 5),
   timestamptz '2023-01-01' + g.i * interval '10 seconds'
 FROM (SELECT i, least(999999, floor(1000000 * power(random(), 1.5))::int) AS r FROM generate_series(0, 2999999) i OFFSET 0) g JOIN cmap c ON c.i = g.r;
INSERT INTO vote SELECT DISTINCT ON (m."chatId", m.id) m."chatId", m.id, random() < 0.8 FROM message m WHERE m.role = 'assistant' AND random() < 0.3;
INSERT INTO document SELECT md5('d'||g.i)::uuid, u.id, (ARRAY['text','code','image','sheet'])[1 + g.i % 4], 'Document '||g.i||' '||md5(g.i::text),
   'body', timestamptz '2023-01-01' + g.i * interval '90 seconds'
 FROM (SELECT i, least(199999, floor(200000 * power(random(), 2))::int) AS r FROM generate_series(0, 299999) i OFFSET 0) g JOIN umap u ON u.i = g.r;
INSERT INTO job (status, "runAt", attempts, payload) SELECT
   CASE WHEN g.i > 990000 THEN 'queued' WHEN g.i > 985000 THEN 'running' WHEN g.i % 97 = 0 THEN 'failed' ELSE 'done' END,
   timestamptz '2024-01-01' + g.i * interval '20 seconds', g.i % 3, jsonb_build_object('kind', 'email', 'n', g.i)
 FROM generate_series(0, 999999) g(i);
INSERT INTO integration SELECT md5('i'||g.i)::uuid, (SELECT id FROM tmap WHERE tmap.i = g.i % 20000), (ARRAY['github','slack','linear'])[1 + g.i % 3],
   jsonb_build_object('installationId', (1000000 + g.i)::text, 'scopes', jsonb_build_array('read','write')), timestamptz '2023-01-01' + g.i * interval '1 hour'
 FROM generate_series(0, 49999) g(i);
