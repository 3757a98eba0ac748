-- 002: tenant isolation in the database, not only in the handlers.
--
-- The API connects as a member of the NOLOGIN role analytics_api, which is not the owner of
-- these tables, so row-level security applies to it: every row it can see or write has
-- tenant_id = current_setting('vecton.tenant'), which the API sets (SET LOCAL) in every
-- transaction from the tenant of the verified token. A handler that forgot a WHERE clause
-- still reads only its own tenant's rows. The ingestor owns the tables and is not restricted.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analytics_api') THEN
        CREATE ROLE analytics_api NOLOGIN;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO analytics_api', current_schema());
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'tenants', 'event_log', 'orders', 'order_items', 'order_status_changes', 'customers',
        'products', 'stock_changes', 'stock_receipts', 'campaign_sends', 'email_opens',
        'hourly_sales', 'daily_sales', 'hourly_category_sales', 'daily_category_sales',
        'product_metrics', 'customer_days', 'customer_metrics', 'inventory_snapshots',
        'daily_receipts', 'campaign_metrics', 'api_tokens', 'saved_reports']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I TO analytics_api '
                       'USING (tenant_id = current_setting(''vecton.tenant'', true)) '
                       'WITH CHECK (tenant_id = current_setting(''vecton.tenant'', true))', t);
        EXECUTE format('GRANT SELECT ON %I TO analytics_api', t);
    END LOOP;
END
$$;

GRANT INSERT, UPDATE, DELETE ON saved_reports TO analytics_api;
GRANT INSERT, UPDATE ON api_tokens TO analytics_api;

-- Resolves a token hash to its tenant before any tenant is known; the only way the API role
-- can look across tenants, and it reveals nothing but the owner of a valid token.
CREATE FUNCTION token_tenant(p_token_hash text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path FROM CURRENT
AS $$
    SELECT tenant_id FROM api_tokens WHERE token_hash = p_token_hash AND revoked_at IS NULL
$$;
REVOKE ALL ON FUNCTION token_tenant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION token_tenant(text) TO analytics_api;
