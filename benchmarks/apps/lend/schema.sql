-- A library's lending app: 50 branches, 200k members (95% active, 4% suspended), 500k books,
-- 3M loans in time order (borrowers skewed: a few read a lot; the newest 3% not yet returned),
-- 300k holds (10% waiting). Primary keys only.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SELECT setseed(0.7);
CREATE TABLE members (id int PRIMARY KEY, email text NOT NULL, library_id int NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO members SELECT g, 'Member' || g || '@Example.org', 1 + (g % 50),
  CASE WHEN g % 100 < 95 THEN 'active' WHEN g % 100 < 99 THEN 'suspended' ELSE 'closed' END, timestamptz '2024-01-01' - g * interval '1 minute'
  FROM generate_series(1, 200000) g;
CREATE TABLE books (id int PRIMARY KEY, isbn text NOT NULL, title text NOT NULL, library_id int NOT NULL, added_at timestamptz NOT NULL);
INSERT INTO books SELECT g, (9780000000000 + g * 7)::text, 'Book ' || md5(g::text), 1 + (g % 50), timestamptz '2024-01-01' - g * interval '1 hour'
  FROM generate_series(1, 500000) g;
CREATE TABLE loans (id bigint PRIMARY KEY, member_id int NOT NULL, book_id int NOT NULL, library_id int NOT NULL, borrowed_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL, returned_at timestamptz);
INSERT INTO loans SELECT g, 1 + floor(200000 * power(random(), 3))::int, 1 + floor(random() * 500000)::int, 1 + floor(random() * 50)::int,
  timestamptz '2022-01-01' + g * interval '20 seconds', timestamptz '2022-01-01' + g * interval '20 seconds' + interval '21 days',
  CASE WHEN g > 2910000 AND random() < 0.9 THEN NULL ELSE timestamptz '2022-01-01' + g * interval '20 seconds' + interval '10 days' END
  FROM generate_series(1, 3000000) g;
CREATE TABLE holds (id int PRIMARY KEY, member_id int NOT NULL, book_id int NOT NULL, created_at timestamptz NOT NULL, fulfilled boolean NOT NULL);
INSERT INTO holds SELECT g, 1 + floor(random() * 200000)::int, 1 + floor(random() * 500000)::int, timestamptz '2024-01-01' - g * interval '1 minute',
  random() > 0.1 FROM generate_series(1, 300000) g;
