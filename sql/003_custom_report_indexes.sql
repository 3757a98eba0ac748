-- 003: indexes for custom reports that read the order facts.
--
-- Custom reports are answered from the aggregates, except for the dimensions no aggregate
-- carries: an order's channel and country (docs/custom-reports.md). Those reports read
-- orders (and order_items for categories) over a tenant's day range, filtered or grouped by
-- channel or country; these indexes keep that a range scan of one tenant's days per channel
-- (or country) instead of a scan of all its orders.
CREATE INDEX IF NOT EXISTS orders_tenant_channel_day ON orders (tenant_id, channel, day)
    WHERE NOT cancelled;
CREATE INDEX IF NOT EXISTS orders_tenant_country_day ON orders (tenant_id, country, day)
    WHERE NOT cancelled;
