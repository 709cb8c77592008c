-- Deterministic data for benchmarks/app_kinds (no random(): every value is a function of
-- the row number). {scale} multiplies the row counts: 1 gives 4.25 million rows in all.
INSERT INTO accounts
SELECT g, 'account ' || g,
       jsonb_build_object('billing', jsonb_build_object('plan', (ARRAY['free', 'free', 'free', 'pro', 'pro', 'team', 'enterprise'])[1 + g % 7],
                                                        'currency', (ARRAY['EUR', 'USD', 'GBP'])[1 + g % 3]),
                          'features', jsonb_build_array('f' || (g % 11), 'f' || (g % 13))),
       timestamptz '2020-01-01' + g * interval '37 minutes'
FROM generate_series(1::bigint, (50000 * {scale})::bigint) g;

INSERT INTO users
SELECT g, 1 + (g * 7919) % (50000 * {scale})::int,
       (ARRAY['Ann', 'Bob', 'Cid', 'Dee', 'Eve'])[1 + g % 5] || '.' || g || '@Example.COM',
       (ARRAY['ann', 'bob', 'cid', 'dee', 'eve', 'fay', 'gus'])[1 + g % 7] || ' ' || (ARRAY['smith', 'jones', 'brown', 'lee'])[1 + g % 4] || ' ' || g,
       g % 50 = 0,
       timestamptz '2024-01-01' + ((g * 104729) % 365) * interval '1 day',
       'likes ' || (ARRAY['hiking', 'chess', 'jazz', 'rust', 'postgres', 'cooking', 'sailing'])[1 + g % 7] || ' and ' ||
       (ARRAY['tea', 'coffee', 'cats', 'dogs', 'maps'])[1 + (g / 7) % 5]
FROM generate_series(1::bigint, (500000 * {scale})::bigint) g;

INSERT INTO tasks
SELECT g, 1 + (g * 31) % (50000 * {scale})::int, 1 + (g * 7) % (500000 * {scale})::int,
       CASE WHEN g % 100 < 85 THEN 'Done' WHEN g % 100 < 93 THEN 'Cancelled' WHEN g % 100 < 97 THEN 'Scheduled' ELSE 'InProgress' END,
       (g % 5)::smallint,
       'task ' || g || ' ' || (ARRAY['fix', 'write', 'review', 'plan', 'ship'])[1 + g % 5] || ' the ' ||
       (ARRAY['report', 'release', 'budget', 'website', 'roadmap', 'invoice'])[1 + g % 6],
       CASE WHEN g % 500 = 0 THEN ARRAY['urgent', 't' || (g % 40)] ELSE ARRAY['t' || (g % 40), 'u' || (g % 9)] END,
       CASE WHEN g % 100 >= 93 THEN timestamptz '2024-01-01' + (g % 1000) * interval '1 hour' END,
       date '2024-01-01' + (g % 400)::int,
       timestamptz '2023-01-01' + g * interval '20 seconds',
       timestamptz '2023-01-01' + g * interval '20 seconds' + (g % 97) * interval '1 hour'
FROM generate_series(1::bigint, (1500000 * {scale})::bigint) g;

INSERT INTO events
SELECT g, 1 + (g * 13) % (50000 * {scale})::int,
       (ARRAY['login', 'view', 'click', 'export', 'error'])[1 + (g * 3) % 5],
       timestamp '2024-01-01' + g * interval '6 seconds',
       jsonb_build_object('ip', '10.0.' || (g % 256) || '.' || (g % 7), 'ms', g % 900)
FROM generate_series(1::bigint, (2000000 * {scale})::bigint) g;

INSERT INTO products
SELECT g, 'SKU-' || lpad(g::text, 7, '0'),
       (ARRAY['red', 'blue', 'green', 'black', 'white'])[1 + g % 5] || ' ' ||
       (ARRAY['lamp', 'desk', 'chair', 'sofa', 'shelf', 'rug', 'mirror'])[1 + (g / 5) % 7] || ' model ' || g,
       (g % 900) + 0.99,
       jsonb_build_object('color', (ARRAY['red', 'blue', 'green', 'black', 'white'])[1 + g % 5],
                          'size', (ARRAY['s', 'm', 'l', 'xl'])[1 + g % 4], 'batch', g % 2000),
       'A ' || (ARRAY['sturdy', 'light', 'classic', 'modern'])[1 + g % 4] || ' piece of furniture, item ' || g
FROM generate_series(1::bigint, (200000 * {scale})::bigint) g;
