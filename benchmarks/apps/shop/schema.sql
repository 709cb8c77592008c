SELECT setseed(0.17);
CREATE TABLE shops (id bigserial PRIMARY KEY, domain text NOT NULL UNIQUE, plan text NOT NULL, created_at timestamp NOT NULL);
CREATE TABLE customers (id bigserial PRIMARY KEY, shop_id bigint NOT NULL REFERENCES shops, email text NOT NULL, first_name text, last_name text,
  accepts_marketing boolean NOT NULL DEFAULT false, created_at timestamp NOT NULL);
CREATE TABLE products (id bigserial PRIMARY KEY, shop_id bigint NOT NULL REFERENCES shops, title text NOT NULL, sku text NOT NULL, vendor text,
  archived boolean NOT NULL DEFAULT false, created_at timestamp NOT NULL);
CREATE TABLE orders (id bigserial PRIMARY KEY, shop_id bigint NOT NULL REFERENCES shops, customer_id bigint REFERENCES customers, status text NOT NULL,
  total_cents integer NOT NULL, created_at timestamp NOT NULL, updated_at timestamp NOT NULL, cancelled_at timestamp);
CREATE TABLE line_items (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders, product_id bigint NOT NULL REFERENCES products,
  quantity integer NOT NULL, price_cents integer NOT NULL);
CREATE TABLE inventory_levels (product_id bigint NOT NULL REFERENCES products, location_id integer NOT NULL, available integer NOT NULL,
  PRIMARY KEY (product_id, location_id));
INSERT INTO shops (domain, plan, created_at) SELECT 'shop' || g || '.example', (ARRAY['basic','pro','plus'])[1 + g % 3], timestamp '2020-01-01' + g * interval '3 hours'
  FROM generate_series(1, 5000) g;
-- shop sizes follow a power law: shop_id = 1 + floor(5000 * r^2.5)
INSERT INTO customers (shop_id, email, first_name, last_name, accepts_marketing, created_at)
SELECT 1 + least(4999, floor(5000 * power(random(), 2.5))::int), 'Cust' || g || '@mail' || (g % 97) || '.com', 'F' || g, 'L' || g, random() < 0.3,
  timestamp '2021-01-01' + g * interval '1 minute' FROM generate_series(1, 500000) g;
INSERT INTO products (shop_id, title, sku, vendor, archived, created_at)
SELECT 1 + least(4999, floor(5000 * power(random(), 2.5))::int), 'Product ' || md5(g::text), upper(substr(md5((g * 3)::text), 1, 4)) || '-' || g,
  'V' || (g % 300), random() < 0.05, timestamp '2021-01-01' + g * interval '5 minutes' FROM generate_series(1, 200000) g;
INSERT INTO orders (shop_id, customer_id, status, total_cents, created_at, updated_at, cancelled_at)
SELECT c.shop_id, c.id, s.status, (random() * 20000)::int, s.at, s.at + interval '2 hours', CASE WHEN s.status = 'cancelled' THEN s.at + interval '1 day' END
FROM (SELECT g, 1 + least(499999, floor(500000 * random())::int) AS cid,
             CASE WHEN g > 1940000 AND random() < 0.9 THEN 'pending' WHEN random() < 0.02 THEN 'cancelled' WHEN random() < 0.01 THEN 'refunded'
                  WHEN random() < 0.5 THEN 'paid' ELSE 'fulfilled' END AS status,
             timestamp '2022-01-01' + g * interval '15 seconds' AS at
      FROM generate_series(1, 2000000) g OFFSET 0) s JOIN customers c ON c.id = s.cid
ORDER BY s.g;
INSERT INTO line_items (order_id, product_id, quantity, price_cents)
SELECT 1 + (g / 2), 1 + least(199999, floor(200000 * random())::int), 1 + (g % 3), (random() * 5000)::int FROM generate_series(0, 3999997) g;
INSERT INTO inventory_levels SELECT p, l, (random() * 100)::int FROM generate_series(1, 200000) p, generate_series(1, 2) l;
