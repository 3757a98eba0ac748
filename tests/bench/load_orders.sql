-- Loads a read-benchmark tenant straight into the tables (api_bench.sh), much faster than
-- publishing and ingesting: :orders orders of 3 lines each for tenant :'tenant' (time zone UTC,
-- so `day` is the UTC date), placed over the 365 days ending :'last_day', none cancelled or
-- refunded, 500 products in 20 categories, 50,000 customers.
--
-- The aggregates the sales report and the dashboard read (daily_sales, hourly_sales,
-- daily_category_sales, hourly_category_sales, product_metrics) are then computed from these
-- orders with GROUP BY, following common/include/vecton/order_state.h for orders that are
-- neither cancelled nor refunded: revenue is the order total, items the sum of quantities, a
-- category's revenue the value of its lines and its orders those with at least one such line.
-- Run as the owner (RLS does not apply) with search_path set to the schema:
--   psql -v tenant=T -v orders=N -v last_day=YYYY-MM-DD -f load_orders.sql
\set ON_ERROR_STOP on
BEGIN;
-- Room for the hash joins and aggregations below (the default 4 MB makes them spill to disk).
SET LOCAL work_mem = '256MB';
SET LOCAL enable_nestloop = off;

INSERT INTO products (tenant_id, product_id, sku, name, category_id, category_name, stock_level,
                      stock_changed_at, unit_cost)
SELECT :'tenant', 'p' || p, 'SKU-' || p, 'Product ' || p, p % 20, 'Category ' || (p % 20),
       100 + p % 50, now(), 500 + p
FROM generate_series(0, 499) AS p;

-- Line k of order g: product (7g + 13k) mod 500, quantity 1 + (g + k) mod 3, unit price
-- 1000 + (31g + 17k) mod 9000 (whole HUF). The order total below is the sum of the same terms.
-- An order's three lines have three different products (offsets 13, 26, 39 mod 500) in three
-- different categories (13, 6, 19 mod 20), so below the orders of a product or category are
-- simply its lines: count(*) instead of count(DISTINCT order_id).
INSERT INTO order_items (tenant_id, order_id, line_no, product_id, sku, name, category_id,
                         category_name, quantity, unit_price)
SELECT :'tenant', 'o' || g, k, 'p' || ((7 * g + 13 * k) % 500), 'SKU-' || ((7 * g + 13 * k) % 500),
       'Product ' || ((7 * g + 13 * k) % 500), ((7 * g + 13 * k) % 500) % 20,
       'Category ' || (((7 * g + 13 * k) % 500) % 20), 1 + (g + k) % 3, 1000 + (31 * g + 17 * k) % 9000
FROM generate_series(1, :orders) AS g, generate_series(1, 3) AS k;

INSERT INTO orders (tenant_id, order_id, customer_id, placed_at, day, hour_start, initial_status,
                    status, currency, fx_rate, total, tax_total, shipping_total, discount_total,
                    items_sold, source, event_id)
SELECT :'tenant', 'o' || g, 'c' || (g % 50000), t, (t AT TIME ZONE 'UTC')::date,
       date_trunc('hour', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 'pending', 'pending', 'HUF', 1,
       s.total, round(s.total * 0.2126, 4), 0, 0, s.items, 'bench', 'bench-' || g
FROM generate_series(1, :orders) AS g,
     LATERAL (SELECT (:'last_day'::date - 364)::timestamp AT TIME ZONE 'UTC'
                     + ((g::bigint * 7919) % (365 * 86400)) * interval '1 second' AS t) AS tt,
     LATERAL (SELECT sum((1 + (g + k) % 3) * (1000 + (31 * g + 17 * k) % 9000)) AS total,
                     sum(1 + (g + k) % 3) AS items
              FROM generate_series(1, 3) AS k) AS s;

-- The planner must know how many rows this transaction added, or it joins them by nested
-- loops (ANALYZE counts the transaction's own inserts).
ANALYZE orders;
ANALYZE order_items;

INSERT INTO hourly_sales (tenant_id, hour_start, day, orders, revenue, items_sold, tax, shipping,
                          discounts)
SELECT tenant_id, hour_start, day, count(*), sum(total), sum(items_sold), sum(tax_total),
       sum(shipping_total), sum(discount_total)
FROM orders WHERE tenant_id = :'tenant' GROUP BY tenant_id, hour_start, day;

INSERT INTO daily_sales (tenant_id, day, orders, revenue, items_sold, tax, shipping, discounts)
SELECT tenant_id, day, sum(orders), sum(revenue), sum(items_sold), sum(tax), sum(shipping),
       sum(discounts)
FROM hourly_sales WHERE tenant_id = :'tenant' GROUP BY tenant_id, day;

INSERT INTO hourly_category_sales (tenant_id, hour_start, category_id, day, orders, revenue,
                                   items_sold)
SELECT o.tenant_id, o.hour_start, i.category_id, o.day, count(*),
       sum(i.quantity * i.unit_price), sum(i.quantity)
FROM orders o JOIN order_items i ON i.tenant_id = o.tenant_id AND i.order_id = o.order_id
WHERE o.tenant_id = :'tenant' GROUP BY o.tenant_id, o.hour_start, i.category_id, o.day;

INSERT INTO daily_category_sales (tenant_id, day, category_id, orders, revenue, items_sold)
SELECT tenant_id, day, category_id, sum(orders), sum(revenue), sum(items_sold)
FROM hourly_category_sales WHERE tenant_id = :'tenant' GROUP BY tenant_id, day, category_id;

INSERT INTO product_metrics (tenant_id, day, product_id, units_sold, revenue, orders)
SELECT o.tenant_id, o.day, i.product_id, sum(i.quantity), sum(i.quantity * i.unit_price),
       count(*)
FROM orders o JOIN order_items i ON i.tenant_id = o.tenant_id AND i.order_id = o.order_id
WHERE o.tenant_id = :'tenant' GROUP BY o.tenant_id, o.day, i.product_id;

COMMIT;
ANALYZE orders;
ANALYZE order_items;
ANALYZE hourly_sales;
ANALYZE daily_sales;
ANALYZE hourly_category_sales;
ANALYZE daily_category_sales;
ANALYZE product_metrics;
