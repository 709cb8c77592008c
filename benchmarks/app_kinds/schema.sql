-- An app-shaped schema for the index-kinds benchmark (benchmarks/app_kinds/run.py).
CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    settings jsonb NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE users (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    email text NOT NULL,
    name text NOT NULL,
    "isDeleted" boolean NOT NULL,
    last_seen_at timestamptz NOT NULL,
    bio text NOT NULL
);
CREATE TABLE tasks (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    assignee_id bigint NOT NULL REFERENCES users (id),
    status text NOT NULL,
    priority smallint NOT NULL,
    title text NOT NULL,
    tags text[] NOT NULL,
    "startedAt" timestamptz,
    due_on date NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE events (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    kind text NOT NULL,
    at timestamp NOT NULL,
    payload jsonb NOT NULL
);
CREATE TABLE products (
    id bigint PRIMARY KEY,
    sku varchar(32) NOT NULL,
    name text NOT NULL,
    price numeric(10, 2) NOT NULL,
    attrs jsonb NOT NULL,
    description text NOT NULL
);
