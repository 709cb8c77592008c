-- Web shop workload: one hour of statements from the primary, 2024-03-02
-- 18:00-19:00 CET (Saturday evening peak). Storefront and checkout statements
-- come from pg_stat_statements (normalised, $n); back-office reports and
-- batch jobs were taken from the statement log with their literals.

/* ===== storefront: product pages ===== */

SELECT id, sku, name, description, price, stock, attributes FROM shop.products WHERE id = $1 AND is_active;

SELECT id, sku, name, description, price, stock, attributes FROM shop.products WHERE id = 48213;

SELECT id, sku, name, description, price, stock, attributes FROM shop.products WHERE id = 1177;

SELECT id, name, price, stock FROM shop.products WHERE sku = 'TSH-ORG-BLK-M';

SELECT r.rating, r.body, r.created_at, c.first_name
FROM shop.product_reviews r
JOIN shop.customers c ON c.id = r.customer_id
WHERE r.product_id = 48213 AND r.is_published = true
ORDER BY r.created_at DESC
LIMIT 10;

SELECT product_id, avg(rating)::numeric(3,2) AS avg_rating, count(*) AS reviews
FROM shop.product_reviews
WHERE product_id IN (48213, 1177, 90311, 5520, 731) AND is_published = true
GROUP BY product_id;

/* ===== storefront: category listing and search ===== */

SELECT id, sku, name, price FROM shop.products WHERE category_id = 14 AND is_active = true ORDER BY created_at DESC LIMIT 24 OFFSET 0;

SELECT id, sku, name, price FROM shop.products WHERE category_id = 14 AND is_active = true ORDER BY created_at DESC LIMIT 24 OFFSET 24;

SELECT id, sku, name, price FROM shop.products WHERE category_id = 3 AND is_active = true ORDER BY created_at DESC LIMIT 24 OFFSET 0;

SELECT id, sku, name, price FROM shop.products WHERE category_id = $1 AND is_active = $2 ORDER BY created_at DESC LIMIT $3 OFFSET $4;

SELECT id, sku, name, price FROM shop.products WHERE category_id = 14 AND is_active = true AND price BETWEEN 20.00 AND 49.99 ORDER BY price ASC LIMIT 24;

-- search-as-you-type (prefix)
SELECT id, name, price FROM shop.products WHERE name LIKE 'Organic Cot%' AND is_active = true ORDER BY name LIMIT 10;

SELECT id, name, price FROM shop.products WHERE name LIKE 'Linen%' AND is_active = true ORDER BY name LIMIT 10;

SELECT id, name, price FROM shop.products WHERE name LIKE 'Merino W%' AND is_active = true ORDER BY name LIMIT 10;

SELECT id, name, price FROM shop.products WHERE attributes @> '{"color": "navy"}' AND category_id = 14 AND is_active = true LIMIT 24;

SELECT c.id, c.name, c.slug FROM shop.categories c WHERE c.slug = 'mens-knitwear';

/* ===== account ===== */

-- login: emails are compared case-insensitively
SELECT id, email, first_name, last_name FROM shop.customers WHERE lower(email) = lower('Anna.Schmidt@example.de');

SELECT id, email, first_name, last_name FROM shop.customers WHERE lower(email) = lower('p.dubois@example.fr');

SELECT id, email, first_name, last_name FROM shop.customers WHERE lower(email) = $1;

SELECT id, status, total, currency, created_at FROM shop.orders WHERE customer_id = 20931 ORDER BY created_at DESC LIMIT 10;

SELECT id, status, total, currency, created_at FROM shop.orders WHERE customer_id = 771 ORDER BY created_at DESC LIMIT 10;

SELECT id, status, total, currency, created_at FROM shop.orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2 OFFSET $3;

SELECT id, customer_id, status, subtotal, shipping_fee, total, currency, coupon_code, created_at FROM shop.orders WHERE id = 1048812;

SELECT oi.product_id, p.sku, p.name, oi.quantity, oi.unit_price, oi.discount
FROM shop.order_items oi
JOIN shop.products p ON p.id = oi.product_id
WHERE oi.order_id = 1048812;

SELECT oi.product_id, p.sku, p.name, oi.quantity, oi.unit_price, oi.discount
FROM shop.order_items oi
JOIN shop.products p ON p.id = oi.product_id
WHERE oi.order_id = $1;

SELECT id, provider, amount, status, created_at, captured_at FROM shop.payments WHERE order_id = 1048812 ORDER BY created_at;

SELECT id, carrier, tracking_no, shipped_at, delivered_at FROM shop.shipments WHERE order_id = 1048812;

SELECT id, line1, line2, city, postal_code, country_code, is_default FROM shop.addresses WHERE customer_id = 20931;

UPDATE shop.customers SET phone = '+49 30 1234567', marketing_opt_in = true WHERE id = 20931;

/* ===== checkout ===== */

INSERT INTO shop.orders (customer_id, shipping_address_id, status, currency, subtotal, shipping_fee, total, coupon_code)
VALUES (20931, 55102, 'pending', 'EUR', 89.90, 4.95, 94.85, 'SPRING24') RETURNING id;

INSERT INTO shop.order_items (order_id, product_id, quantity, unit_price, discount) VALUES (1049377, 48213, 2, 29.95, 0), (1049377, 1177, 1, 30.00, 0);

UPDATE shop.products SET stock = stock - 2, updated_at = now() WHERE id = 48213 AND stock >= 2;

UPDATE shop.products SET stock = stock - $1, updated_at = now() WHERE id = $2 AND stock >= $1;

INSERT INTO shop.payments (order_id, provider, provider_ref, amount, status) VALUES (1049377, 'stripe', 'pi_3OpQz2LkdIwHu7ix0aV1', 94.85, 'authorized');

UPDATE shop.payments SET status = 'captured', captured_at = now() WHERE provider = 'stripe' AND provider_ref = 'pi_3OpQz2LkdIwHu7ix0aV1';

UPDATE shop.orders SET status = 'paid', updated_at = now() WHERE id = 1049377;

UPDATE shop.customers SET last_order_at = now() WHERE id = 20931;

-- "order again": copy the lines of a previous order into the new cart order
INSERT INTO shop.order_items (order_id, product_id, quantity, unit_price, discount)
SELECT 1049380, oi.product_id, oi.quantity, p.price, 0
FROM shop.order_items oi
JOIN shop.products p ON p.id = oi.product_id
WHERE oi.order_id = 1031177 AND p.is_active = true;

INSERT INTO shop.product_reviews (product_id, customer_id, rating, body, is_published) VALUES (48213, 771, 4, 'Great fabric; runs a bit small, order one size up', false);

/* ===== back office ===== */

-- order queue (served by orders_status_created_at_idx)
SELECT id, customer_id, total, created_at FROM shop.orders WHERE status = 'paid' AND created_at >= '2024-03-01 00:00:00+01' ORDER BY created_at LIMIT 100;

SELECT id, customer_id, total, created_at FROM shop.orders WHERE status = 'packed' AND created_at >= '2024-02-28 00:00:00+01' ORDER BY created_at LIMIT 100;

SELECT id, customer_id, total, created_at FROM shop.orders WHERE status = $1 AND created_at >= $2 ORDER BY created_at LIMIT $3;

UPDATE shop.orders SET status = 'packed', updated_at = now() WHERE id IN (1048790, 1048791, 1048795, 1048802);

-- daily revenue
SELECT date_trunc('day', created_at) AS day, count(*) AS orders, sum(total) AS revenue
FROM shop.orders
WHERE created_at BETWEEN '2024-02-01 00:00:00+01' AND '2024-02-29 23:59:59+01'
  AND status IN ('paid', 'packed', 'shipped', 'delivered')
GROUP BY 1
ORDER BY 1;

-- top sellers of the last 7 days
SELECT p.id, p.sku, p.name, sum(oi.quantity) AS units, sum(oi.quantity * oi.unit_price) AS revenue
FROM shop.order_items oi
JOIN shop.orders o ON o.id = oi.order_id
JOIN shop.products p ON p.id = oi.product_id
WHERE o.created_at >= '2024-02-24 00:00:00+01'
  AND o.status IN ('paid', 'packed', 'shipped', 'delivered')
GROUP BY p.id, p.sku, p.name
ORDER BY units DESC
LIMIT 20;

-- how often was a coupon used
SELECT count(*) FROM shop.orders WHERE coupon_code = 'SPRING24' AND status <> 'cancelled';

-- failed payments per provider
SELECT provider, count(*) AS failed, sum(amount) AS amount FROM shop.payments WHERE status = 'failed' AND created_at >= '2024-03-01 00:00:00+01' GROUP BY provider;

-- customer lifetime value (CTE)
WITH lifetime AS (
    SELECT o.customer_id, count(*) AS orders, sum(o.total) AS spent, max(o.created_at) AS last_order
    FROM shop.orders o
    WHERE o.status IN ('paid', 'shipped', 'delivered')
    GROUP BY o.customer_id
)
SELECT c.id, c.email, l.orders, l.spent, l.last_order
FROM lifetime l
JOIN shop.customers c ON c.id = l.customer_id
ORDER BY l.spent DESC
LIMIT 50;

-- customers with their number of open orders (correlated subquery)
SELECT c.id, c.email,
       (SELECT count(*) FROM shop.orders o WHERE o.customer_id = c.id AND o.status IN ('pending', 'paid', 'packed')) AS open_orders
FROM shop.customers c
WHERE c.created_at >= '2024-03-01 00:00:00+01'
ORDER BY c.created_at DESC
LIMIT 50;

-- customers with a given surname (support desk)
SELECT c.id, c.email, c.first_name, c.last_name, c.phone FROM shop.customers c WHERE c.last_name = 'Müller' AND c.first_name LIKE 'J%';

UPDATE shop.products SET description = $$Organic cotton tee; machine washable at 30 °C, do not tumble dry$$, updated_at = now() WHERE sku = 'TSH-ORG-BLK-M';

UPDATE shop.products SET is_active = false, updated_at = now() WHERE stock = 0 AND updated_at < '2023-09-01 00:00:00+02';

/* ===== logistics ===== */

-- shipments still in transit after a week
SELECT s.id, s.order_id, s.carrier, s.tracking_no, s.shipped_at
FROM shop.shipments s
WHERE s.delivered_at IS NULL AND s.shipped_at < '2024-02-24 18:00:00+01'
ORDER BY s.shipped_at
LIMIT 200;

SELECT s.id, s.order_id, s.tracking_no FROM shop.shipments s WHERE s.delivered_at IS NULL AND s.carrier = 'DHL' AND s.shipped_at IS NOT NULL;

-- carrier webhook: delivered
UPDATE shop.shipments SET delivered_at = '2024-03-02 18:42:10+01' WHERE tracking_no = '00340434161094042557';

UPDATE shop.shipments SET delivered_at = '2024-03-02 18:44:51+01' WHERE tracking_no = '1Z999AA10123456784';

UPDATE shop.shipments SET delivered_at = $1 WHERE tracking_no = $2;

UPDATE shop.orders o SET status = 'delivered', updated_at = now()
FROM shop.shipments s
WHERE s.order_id = o.id AND s.tracking_no = '00340434161094042557' AND o.status = 'shipped';

INSERT INTO shop.shipments (order_id, carrier, tracking_no, shipped_at) VALUES (1048790, 'DHL', '00340434161094099871', now());

/* ===== nightly jobs ===== */

-- abandoned checkouts (served by orders_status_created_at_idx)
DELETE FROM shop.orders WHERE status = 'pending' AND created_at < '2024-02-24 00:00:00+01' AND NOT EXISTS (SELECT 1 FROM shop.payments p WHERE p.order_id = shop.orders.id);

-- win-back campaign audience
SELECT c.id, c.email, c.first_name FROM shop.customers c, shop.addresses a
WHERE a.customer_id = c.id AND a.is_default AND a.country_code = 'DE'
  AND c.marketing_opt_in = true AND c.last_order_at < '2023-12-01 00:00:00+01';
