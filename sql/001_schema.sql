-- 001: the facts, the aggregates and the bookkeeping of the analytics service.
--
-- DESIGN
-- Facts (event_log, orders, order_items, order_status_changes, customers, products,
-- stock_changes, stock_receipts, campaign_sends, email_opens) are what the events said.
-- Aggregates (hourly_sales, daily_sales, *_category_sales, product_metrics, customer_days,
-- customer_metrics, inventory_snapshots, daily_receipts, campaign_metrics) are a pure
-- function of the facts: the ingestor maintains them incrementally, `rebuild` recomputes
-- them from the facts, and the two must agree.
--
-- Conventions: tenant_id is the first column of every key and index (Citus-ready);
-- money is numeric(20,4) in the tenant's reporting currency (exact, 4 fraction digits);
-- `day` is the tenant-local calendar date, `hour_start` the instant at which the
-- tenant-local hour begins. The migrate command runs this with search_path set to the
-- configured schema, so names are unqualified.

CREATE TABLE tenants (
    tenant_id            text PRIMARY KEY,
    timezone             text NOT NULL,
    currency             char(3) NOT NULL,
    low_stock_threshold  integer NOT NULL DEFAULT 10,
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- Every accepted event, once: (tenant_id, source, event_id) is the dedup key.
CREATE TABLE event_log (
    tenant_id    text NOT NULL,
    source       text NOT NULL,
    event_id     text NOT NULL,
    type         text NOT NULL,
    event_time   timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    body         json NOT NULL,
    PRIMARY KEY (tenant_id, source, event_id)
);
CREATE INDEX event_log_tenant_time ON event_log (tenant_id, event_time);

---------------------------------------------------------------------------------------------
-- Facts
---------------------------------------------------------------------------------------------

-- One row per order: the latest order.created, with the state folded in from its status
-- changes. Amounts are converted to the reporting currency with fx_rate.
CREATE TABLE orders (
    tenant_id        text NOT NULL,
    order_id         text NOT NULL,
    customer_id      text,
    placed_at        timestamptz NOT NULL,
    day              date NOT NULL,
    hour_start       timestamptz NOT NULL,
    initial_status   text NOT NULL,
    status           text NOT NULL,
    currency         char(3) NOT NULL,
    fx_rate          numeric(24,10),
    total            numeric(20,4) NOT NULL,
    discount_total   numeric(20,4) NOT NULL DEFAULT 0,
    shipping_total   numeric(20,4) NOT NULL DEFAULT 0,
    tax_total        numeric(20,4) NOT NULL DEFAULT 0,
    items_sold       integer NOT NULL,
    refunded_total   numeric(20,4) NOT NULL DEFAULT 0,
    cancelled        boolean NOT NULL DEFAULT false,
    campaign_id      text,
    channel          text,
    country          text,
    shipped_at       timestamptz,
    completed_at     timestamptz,
    source           text NOT NULL,
    event_id         text NOT NULL,
    PRIMARY KEY (tenant_id, order_id)
);
CREATE INDEX orders_tenant_day ON orders (tenant_id, day);
CREATE INDEX orders_tenant_customer ON orders (tenant_id, customer_id, placed_at);
CREATE INDEX orders_tenant_campaign ON orders (tenant_id, campaign_id) WHERE campaign_id IS NOT NULL;

CREATE TABLE order_items (
    tenant_id      text NOT NULL,
    order_id       text NOT NULL,
    line_no        integer NOT NULL,
    product_id     text NOT NULL,
    sku            text,
    name           text,
    category_id    bigint,
    category_name  text,
    quantity       integer NOT NULL,
    unit_price     numeric(20,4) NOT NULL,
    PRIMARY KEY (tenant_id, order_id, line_no)
);

-- Every order.status_changed, including those that arrived before their order.
CREATE TABLE order_status_changes (
    tenant_id        text NOT NULL,
    order_id         text NOT NULL,
    changed_at       timestamptz NOT NULL,
    source           text NOT NULL,
    event_id         text NOT NULL,
    status           text NOT NULL,
    previous_status  text,
    refund_amount    numeric(20,4),          -- in the order's currency, as sent
    PRIMARY KEY (tenant_id, order_id, changed_at, source, event_id)
);

CREATE TABLE customers (
    tenant_id    text NOT NULL,
    customer_id  text NOT NULL,
    created_at   timestamptz NOT NULL,
    day          date NOT NULL,
    country      text,
    source       text,
    campaign_id  text,
    PRIMARY KEY (tenant_id, customer_id)
);
CREATE INDEX customers_tenant_day ON customers (tenant_id, day);

-- Product dimension and current stock level (the level with the latest changed_at).
CREATE TABLE products (
    tenant_id            text NOT NULL,
    product_id           text NOT NULL,
    sku                  text,
    name                 text,
    category_id          bigint,
    category_name        text,
    stock_level          integer,
    stock_changed_at     timestamptz,
    stock_source         text NOT NULL DEFAULT '',  -- with stock_event_id: breaks ties of
    stock_event_id       text NOT NULL DEFAULT '',  -- stock_changed_at, whatever the arrival order
    low_stock_threshold  integer,
    unit_cost            numeric(20,4),      -- latest known purchase cost, for stock value
    PRIMARY KEY (tenant_id, product_id)
);

CREATE TABLE stock_changes (
    tenant_id    text NOT NULL,
    product_id   text NOT NULL,
    changed_at   timestamptz NOT NULL,
    source       text NOT NULL,
    event_id     text NOT NULL,
    stock_level  integer NOT NULL,
    delta        integer,
    reason       text,
    PRIMARY KEY (tenant_id, product_id, changed_at, source, event_id)
);

CREATE TABLE stock_receipts (
    tenant_id    text NOT NULL,
    source       text NOT NULL,
    event_id     text NOT NULL,
    product_id   text NOT NULL,
    received_at  timestamptz NOT NULL,
    day          date NOT NULL,
    quantity     integer NOT NULL,
    unit_cost    numeric(20,4),
    cost         numeric(20,4),              -- quantity * unit_cost, reporting currency
    supplier_id  text,
    stock_level  integer,
    PRIMARY KEY (tenant_id, source, event_id)
);
CREATE INDEX stock_receipts_tenant_day ON stock_receipts (tenant_id, day);
CREATE INDEX stock_receipts_tenant_product ON stock_receipts (tenant_id, product_id, received_at);

CREATE TABLE campaign_sends (
    tenant_id    text NOT NULL,
    source       text NOT NULL,
    event_id     text NOT NULL,
    campaign_id  text NOT NULL,
    name         text,
    channel      text,
    sent_at      timestamptz NOT NULL,
    recipients   bigint NOT NULL,
    cost         numeric(20,4),              -- reporting currency
    PRIMARY KEY (tenant_id, source, event_id)
);
CREATE INDEX campaign_sends_tenant_campaign ON campaign_sends (tenant_id, campaign_id);

CREATE TABLE email_opens (
    tenant_id    text NOT NULL,
    source       text NOT NULL,
    event_id     text NOT NULL,
    campaign_id  text NOT NULL,
    customer_id  text NOT NULL,
    opened_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, source, event_id)
);
CREATE INDEX email_opens_tenant_campaign ON email_opens (tenant_id, campaign_id, customer_id);

---------------------------------------------------------------------------------------------
-- Aggregates ("materialized views"), maintained incrementally by the ingestor
---------------------------------------------------------------------------------------------

-- Sales per tenant-local hour. Orders count in the hour they were placed; refunds in the
-- hour of their changed_at.
CREATE TABLE hourly_sales (
    tenant_id         text NOT NULL,
    hour_start        timestamptz NOT NULL,
    day               date NOT NULL,
    orders            bigint NOT NULL DEFAULT 0,
    revenue           numeric(20,4) NOT NULL DEFAULT 0,
    items_sold        bigint NOT NULL DEFAULT 0,
    tax               numeric(20,4) NOT NULL DEFAULT 0,
    shipping          numeric(20,4) NOT NULL DEFAULT 0,
    discounts         numeric(20,4) NOT NULL DEFAULT 0,
    cancelled_orders  bigint NOT NULL DEFAULT 0,
    refunds           numeric(20,4) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, hour_start)
);

CREATE TABLE daily_sales (
    tenant_id         text NOT NULL,
    day               date NOT NULL,
    orders            bigint NOT NULL DEFAULT 0,
    revenue           numeric(20,4) NOT NULL DEFAULT 0,
    items_sold        bigint NOT NULL DEFAULT 0,
    tax               numeric(20,4) NOT NULL DEFAULT 0,
    shipping          numeric(20,4) NOT NULL DEFAULT 0,
    discounts         numeric(20,4) NOT NULL DEFAULT 0,
    cancelled_orders  bigint NOT NULL DEFAULT 0,
    refunds           numeric(20,4) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day)
);

-- Sales restricted to one category: revenue = sum(quantity * unit_price) of the category's
-- items, orders = orders with at least one such item. category_id -1 stands for "none".
-- refunds are an order's refunds attributed to its lines in proportion to their value.
CREATE TABLE hourly_category_sales (
    tenant_id    text NOT NULL,
    hour_start   timestamptz NOT NULL,
    category_id  bigint NOT NULL,
    day          date NOT NULL,
    orders       bigint NOT NULL DEFAULT 0,
    revenue      numeric(20,4) NOT NULL DEFAULT 0,
    items_sold   bigint NOT NULL DEFAULT 0,
    refunds      numeric(20,4) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, hour_start, category_id)
);

CREATE TABLE daily_category_sales (
    tenant_id    text NOT NULL,
    day          date NOT NULL,
    category_id  bigint NOT NULL,
    orders       bigint NOT NULL DEFAULT 0,
    revenue      numeric(20,4) NOT NULL DEFAULT 0,
    items_sold   bigint NOT NULL DEFAULT 0,
    refunds      numeric(20,4) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, category_id)
);

-- Per product and day: units and revenue of non-cancelled orders placed that day, and the
-- refunds dated that day attributed to the product's lines.
CREATE TABLE product_metrics (
    tenant_id   text NOT NULL,
    day         date NOT NULL,
    product_id  text NOT NULL,
    units_sold  bigint NOT NULL DEFAULT 0,
    revenue     numeric(20,4) NOT NULL DEFAULT 0,
    orders      bigint NOT NULL DEFAULT 0,
    refunds     numeric(20,4) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, product_id)
);
CREATE INDEX product_metrics_tenant_product ON product_metrics (tenant_id, product_id, day);

-- Non-cancelled orders per customer and day: active and returning customers of any range.
CREATE TABLE customer_days (
    tenant_id    text NOT NULL,
    customer_id  text NOT NULL,
    day          date NOT NULL,
    orders       bigint NOT NULL DEFAULT 0,
    revenue      numeric(20,4) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, customer_id, day)
);
CREATE INDEX customer_days_tenant_day ON customer_days (tenant_id, day);

-- Per customer, all time: first non-cancelled order (new customers), order count and
-- lifetime value (net revenue). Recomputed from orders for every customer a batch touches.
CREATE TABLE customer_metrics (
    tenant_id        text NOT NULL,
    customer_id      text NOT NULL,
    first_order_at   timestamptz,
    first_order_day  date,
    last_order_at    timestamptz,
    orders           bigint NOT NULL DEFAULT 0,
    revenue          numeric(20,4) NOT NULL DEFAULT 0,
    refunds          numeric(20,4) NOT NULL DEFAULT 0,
    net_revenue      numeric(20,4) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, customer_id)
);
CREATE INDEX customer_metrics_tenant_first_day ON customer_metrics (tenant_id, first_order_day);
CREATE INDEX customer_metrics_tenant_ltv ON customer_metrics (tenant_id, net_revenue DESC);

-- The last level known at the end of each day on which a product's level changed; the level
-- at the end of any day D is the row with the greatest day <= D.
CREATE TABLE inventory_snapshots (
    tenant_id    text NOT NULL,
    day          date NOT NULL,
    product_id   text NOT NULL,
    stock_level  integer NOT NULL,
    changed_at   timestamptz NOT NULL,
    source       text NOT NULL DEFAULT '',   -- the observation's event: ties of changed_at
    event_id     text NOT NULL DEFAULT '',   -- go to the greater (source, event_id)
    PRIMARY KEY (tenant_id, day, product_id)
);
CREATE INDEX inventory_snapshots_tenant_product ON inventory_snapshots (tenant_id, product_id, day);

CREATE TABLE daily_receipts (
    tenant_id       text NOT NULL,
    day             date NOT NULL,
    product_id      text NOT NULL,
    received_units  bigint NOT NULL DEFAULT 0,
    received_cost   numeric(20,4) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, product_id)
);

-- Per campaign, all time.
CREATE TABLE campaign_metrics (
    tenant_id           text NOT NULL,
    campaign_id         text NOT NULL,
    name                text,
    channel             text,
    first_sent_at       timestamptz,
    recipients          bigint NOT NULL DEFAULT 0,
    cost                numeric(20,4),
    opens               bigint NOT NULL DEFAULT 0,
    unique_opens        bigint NOT NULL DEFAULT 0,
    attributed_orders   bigint NOT NULL DEFAULT 0,
    attributed_revenue  numeric(20,4) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, campaign_id)
);

---------------------------------------------------------------------------------------------
-- The API's own state
---------------------------------------------------------------------------------------------

CREATE TABLE api_tokens (
    tenant_id    text NOT NULL,
    token_id     text NOT NULL,
    token_hash   text NOT NULL UNIQUE,          -- hex SHA-256 of the token
    name         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    PRIMARY KEY (tenant_id, token_id)
);

CREATE TABLE saved_reports (
    tenant_id    text NOT NULL,
    report_id    text NOT NULL,
    name         text NOT NULL,
    definition   jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, report_id)
);
