-- Schema of a mid-sized web shop (Django/Rails-style hand-written migrations).
-- Everything lives in schema "shop"; the application connects with
-- search_path = shop, public, but the captured workload qualifies names.

CREATE SCHEMA IF NOT EXISTS shop;

CREATE TABLE shop.customers (
    id              bigserial PRIMARY KEY,
    email           text        NOT NULL,
    first_name      text        NOT NULL,
    last_name       text        NOT NULL,
    phone           text,
    marketing_opt_in boolean    NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_order_at   timestamptz,
    CONSTRAINT customers_email_key UNIQUE (email)
);

CREATE TABLE shop.addresses (
    id           bigserial PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
    line1        text   NOT NULL,
    line2        text,
    city         text   NOT NULL,
    postal_code  text   NOT NULL,
    country_code char(2) NOT NULL,
    is_default   boolean NOT NULL DEFAULT false
);
CREATE INDEX addresses_customer_id_idx ON shop.addresses (customer_id);

CREATE TABLE shop.categories (
    id         serial PRIMARY KEY,
    parent_id  integer REFERENCES shop.categories (id),
    name       text NOT NULL,
    slug       text NOT NULL,
    CONSTRAINT categories_slug_key UNIQUE (slug)
);

CREATE TABLE shop.products (
    id           bigserial PRIMARY KEY,
    sku          text          NOT NULL,
    name         text          NOT NULL,
    description  text,
    category_id  integer       REFERENCES shop.categories (id),
    price        numeric(12,2) NOT NULL CHECK (price >= 0),
    stock        integer       NOT NULL DEFAULT 0,
    is_active    boolean       NOT NULL DEFAULT true,
    attributes   jsonb         NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    updated_at   timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT products_sku_key UNIQUE (sku)
);

CREATE TABLE shop.orders (
    id                  bigserial PRIMARY KEY,
    customer_id         bigint        NOT NULL REFERENCES shop.customers (id),
    shipping_address_id bigint        REFERENCES shop.addresses (id),
    status              text          NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'paid', 'packed', 'shipped', 'delivered', 'cancelled', 'refunded')),
    currency            char(3)       NOT NULL DEFAULT 'EUR',
    subtotal            numeric(12,2) NOT NULL,
    shipping_fee        numeric(12,2) NOT NULL DEFAULT 0,
    total               numeric(12,2) NOT NULL,
    coupon_code         text,
    created_at          timestamptz   NOT NULL DEFAULT now(),
    updated_at          timestamptz   NOT NULL DEFAULT now()
);
-- back-office order queue: filter by status, newest first
CREATE INDEX orders_status_created_at_idx ON shop.orders (status, created_at);

CREATE TABLE shop.order_items (
    id          bigserial PRIMARY KEY,
    order_id    bigint        NOT NULL REFERENCES shop.orders (id) ON DELETE CASCADE,
    product_id  bigint        NOT NULL REFERENCES shop.products (id),
    quantity    integer       NOT NULL CHECK (quantity > 0),
    unit_price  numeric(12,2) NOT NULL,
    discount    numeric(12,2) NOT NULL DEFAULT 0
);

CREATE TABLE shop.payments (
    id            bigserial PRIMARY KEY,
    order_id      bigint        NOT NULL REFERENCES shop.orders (id),
    provider      text          NOT NULL,
    provider_ref  text          NOT NULL,
    amount        numeric(12,2) NOT NULL,
    status        text          NOT NULL DEFAULT 'authorized'
        CHECK (status IN ('authorized', 'captured', 'failed', 'refunded')),
    created_at    timestamptz   NOT NULL DEFAULT now(),
    captured_at   timestamptz,
    CONSTRAINT payments_provider_ref_key UNIQUE (provider, provider_ref)
);

CREATE TABLE shop.shipments (
    id            bigserial PRIMARY KEY,
    order_id      bigint      NOT NULL REFERENCES shop.orders (id),
    carrier       text        NOT NULL,
    tracking_no   text,
    shipped_at    timestamptz,
    delivered_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_order_id_idx ON shop.shipments (order_id);
-- added for a carrier report that no longer exists
CREATE INDEX shipments_carrier_idx ON shop.shipments (carrier);

CREATE TABLE shop.product_reviews (
    id           bigserial PRIMARY KEY,
    product_id   bigint      NOT NULL REFERENCES shop.products (id) ON DELETE CASCADE,
    customer_id  bigint      NOT NULL REFERENCES shop.customers (id),
    rating       smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body         text,
    is_published boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);
