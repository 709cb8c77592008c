"""The shop app's workload: 14 statement shapes in Rails' SQL, about 4,500 calls, literals sampled
from the data as the app sends them (big shops more often)."""

from __future__ import annotations

from functools import partial

import psycopg
from calls import Calls


def statements(conn: psycopg.Connection, seed: int = 11) -> list[str]:
    """Every call, in a deterministic shuffled order."""
    orders = conn.execute("SELECT id, shop_id, customer_id FROM orders TABLESAMPLE SYSTEM (1) REPEATABLE (5) ORDER BY id").fetchall()
    customers = conn.execute("SELECT id, shop_id, email FROM customers TABLESAMPLE SYSTEM (2) REPEATABLE (5) ORDER BY id").fetchall()
    products = conn.execute("SELECT id, shop_id, sku FROM products TABLESAMPLE SYSTEM (5) REPEATABLE (5) ORDER BY id").fetchall()
    calls = Calls(seed)
    rng = calls.rng
    order = partial(calls.pick, orders)
    customer = partial(calls.pick, customers)
    product = partial(calls.pick, products)
    add = calls.add
    add(800, lambda: f'SELECT "orders".* FROM "orders" WHERE "orders"."shop_id" = {order()[1]} AND "orders"."status" IN '
                     f'(\'paid\', \'fulfilled\') ORDER BY "orders"."created_at" DESC LIMIT 25 OFFSET {25 * rng.randint(0, 3)}')
    add(500, lambda: f'SELECT "orders".* FROM "orders" WHERE "orders"."customer_id" = {order()[2]} ORDER BY "orders"."created_at" DESC')
    add(600, lambda: 'SELECT "line_items".* FROM "line_items" WHERE "line_items"."order_id" IN ('
                     + ", ".join(str(order()[0]) for _ in range(rng.randint(1, 25))) + ')')
    add(300, lambda: f'SELECT "products".* FROM "products" WHERE "products"."shop_id" = {product()[1]} AND "products"."archived" = FALSE '
                     'ORDER BY "products"."title" ASC LIMIT 50')
    add(200, lambda: (lambda c: f'SELECT "customers".* FROM "customers" WHERE "customers"."shop_id" = {c[1]} '
                                f'AND lower("customers"."email") = lower(\'{c[2]}\') LIMIT 1')(customer()))
    add(50, lambda: f'SELECT COUNT(*) FROM "orders" WHERE "orders"."shop_id" = {order()[1]} '
                    f'AND "orders"."created_at" >= \'2022-0{rng.randint(1, 9)}-01 00:00:00\'')
    add(100, lambda: f'SELECT "orders".* FROM "orders" WHERE "orders"."cancelled_at" IS NOT NULL AND "orders"."shop_id" = {order()[1]} '
                     'ORDER BY "orders"."cancelled_at" DESC LIMIT 20')
    add(400, lambda: f'SELECT "inventory_levels".* FROM "inventory_levels" WHERE "inventory_levels"."product_id" = {product()[0]}')
    add(30, lambda: 'SELECT li.product_id, SUM(li.quantity) AS qty FROM "line_items" li INNER JOIN "orders" o ON o.id = li.order_id '
                    f'WHERE o.shop_id = {order()[1]} AND o.created_at >= \'2022-{rng.randint(3, 11):02d}-01\' '
                    'GROUP BY li.product_id ORDER BY qty DESC LIMIT 10')
    add(150, lambda: (lambda p: f'SELECT "products".* FROM "products" WHERE "products"."shop_id" = {p[1]} '
                                f'AND "products"."sku" LIKE \'{p[2][:3]}%\' LIMIT 20')(product()))
    add(200, lambda: 'UPDATE "orders" SET "status" = \'fulfilled\', "updated_at" = \'2022-12-01 10:00:00\' '
                     f'WHERE "orders"."id" = {order()[0]}')
    add(1000, lambda: 'INSERT INTO "line_items" ("order_id", "product_id", "quantity", "price_cents") '
                      f'VALUES ({order()[0]}, {product()[0]}, 1, 999) RETURNING "id"')
    add(80, lambda: 'SELECT "orders"."id" FROM "orders" WHERE "orders"."status" = \'pending\' AND "orders"."created_at" < '
                    f'\'2022-12-{rng.randint(10, 28)} 00:00:00\' ORDER BY "orders"."created_at" ASC LIMIT 100')
    add(60, lambda: f'SELECT "customers".* FROM "customers" WHERE "customers"."shop_id" = {customer()[1]} '
                    f'AND "customers"."accepts_marketing" = TRUE AND "customers"."id" > {rng.randint(0, 400000)} '
                    'ORDER BY "customers"."id" ASC LIMIT 1000')
    return calls.shuffled()
