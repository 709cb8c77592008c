-- Tables the migration tests create the proposed indexes on (tests/cases/migrate/report.json).
-- Quoted and reserved identifiers, a second schema, and an unused index the health check names.
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    total numeric NOT NULL,
    is_deleted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);
CREATE TABLE "Task" (id bigint PRIMARY KEY, "projectId" bigint NOT NULL, "createdAt" timestamptz);
CREATE TABLE "user" (id bigint PRIMARY KEY, "group" text);
CREATE SCHEMA shop;
CREATE TABLE shop.events (id bigint PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL);
CREATE INDEX orders_legacy_idx ON orders (status, total);
INSERT INTO customers SELECT g, 'user' || g || '@example.com', 'n' || g FROM generate_series(1, 200) g;
INSERT INTO orders SELECT g, 1 + g % 200, CASE WHEN g % 7 = 0 THEN 'pending' ELSE 'paid' END, g, g % 11 = 0, now() - g * interval '1 minute'
FROM generate_series(1, 2000) g;
