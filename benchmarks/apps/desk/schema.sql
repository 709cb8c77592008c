SELECT setseed(0.3);
CREATE TABLE helpdesk_organization (id serial PRIMARY KEY, slug varchar(50) NOT NULL UNIQUE, name varchar(200) NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE auth_user (id serial PRIMARY KEY, username varchar(150) NOT NULL UNIQUE, email varchar(254) NOT NULL, is_active boolean NOT NULL,
  organization_id integer REFERENCES helpdesk_organization, date_joined timestamptz NOT NULL);
CREATE TABLE helpdesk_ticket (id bigserial PRIMARY KEY, organization_id integer NOT NULL REFERENCES helpdesk_organization,
  requester_id integer NOT NULL REFERENCES auth_user, assignee_id integer REFERENCES auth_user, subject varchar(200) NOT NULL,
  status varchar(20) NOT NULL, priority smallint NOT NULL, tags varchar(30)[] NOT NULL, created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL, closed_at timestamptz);
CREATE TABLE helpdesk_comment (id bigserial PRIMARY KEY, ticket_id bigint NOT NULL REFERENCES helpdesk_ticket, author_id integer NOT NULL REFERENCES auth_user,
  body text NOT NULL, is_public boolean NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE helpdesk_event (id bigserial PRIMARY KEY, ticket_id bigint NOT NULL REFERENCES helpdesk_ticket, kind varchar(30) NOT NULL,
  data jsonb NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO helpdesk_organization (slug, name, created_at) SELECT 'org-' || g, 'Org ' || g, timestamptz '2020-01-01' + g * interval '1 day' FROM generate_series(1, 2000) g;
INSERT INTO auth_user (username, email, is_active, organization_id, date_joined)
SELECT 'user' || g, 'User' || g || '@Org' || (1 + g % 2000) || '.example', random() < 0.95, o.org, timestamptz '2020-01-01' + g * interval '10 minutes'
FROM (SELECT g, 1 + least(1999, floor(2000 * power(random(), 2.5))::int) AS org FROM generate_series(1, 100000) g OFFSET 0) o;
INSERT INTO helpdesk_ticket (organization_id, requester_id, assignee_id, subject, status, priority, tags, created_at, updated_at, closed_at)
SELECT u.organization_id, u.id, CASE WHEN random() < 0.9 THEN 1 + floor(random() * 2000)::int END, 'Subject ' || s.g,
  s.st, (random() * 3)::int, CASE WHEN random() < 0.1 THEN ARRAY['billing'] WHEN random() < 0.2 THEN ARRAY['bug','urgent'] ELSE ARRAY['general'] END::varchar(30)[],
  s.at, s.at + random() * interval '10 days', CASE WHEN s.st IN ('solved', 'closed') THEN s.at + interval '5 days' END
FROM (SELECT g, 1 + least(99999, floor(100000 * random())::int) AS uid, timestamptz '2021-01-01' + g * interval '1 minute' AS at,
        CASE WHEN g > 980000 THEN (ARRAY['new', 'open', 'pending'])[1 + (g % 3)] WHEN random() < 0.05 THEN 'open' WHEN random() < 0.03 THEN 'pending' ELSE (ARRAY['solved', 'closed'])[1 + g % 2] END AS st
      FROM generate_series(1, 1000000) g OFFSET 0) s JOIN auth_user u ON u.id = s.uid ORDER BY s.g;
INSERT INTO helpdesk_comment (ticket_id, author_id, body, is_public, created_at)
SELECT t.t, 1 + floor(random() * 100000)::int, repeat('text ', 20), random() < 0.8, timestamptz '2021-01-01' + g * interval '20 seconds'
FROM (SELECT g, 1 + least(999999, floor(1000000 * power(random(), 0.5))::int) AS t FROM generate_series(1, 3000000) g OFFSET 0) t;
INSERT INTO helpdesk_event (ticket_id, kind, data, created_at)
SELECT 1 + least(999999, floor(1000000 * random())::int), (ARRAY['status_changed', 'assigned', 'commented', 'tagged'])[1 + g % 4],
  jsonb_build_object('by', g % 1000, 'from', 'open', 'to', 'solved'), timestamptz '2021-01-01' + g * interval '30 seconds'
FROM generate_series(1, 2000000) g;
