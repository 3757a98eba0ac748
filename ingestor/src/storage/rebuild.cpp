#include "storage/rebuild.h"

#include <chrono>
#include <limits>

#include "storage/aggregates.h"
#include "storage/locks.h"
#include "storage/order_store.h"
#include "storage/pg_array.h"
#include "storage/tenants.h"

namespace vecton::storage {
namespace {

constexpr size_t kChunk = 5000;

// The day-keyed sales tables a ranged rebuild replaces.
constexpr const char* kDailyTables[] = {"hourly_sales",          "daily_sales",
                                        "hourly_category_sales", "daily_category_sales",
                                        "product_metrics",       "customer_days"};

void RecomputeInventory(pqxx::transaction_base& tx, const std::string& tenant,
                        const std::string& timezone) {
  tx.exec_params("DELETE FROM inventory_snapshots WHERE tenant_id = $1", tenant);
  tx.exec_params(
      "INSERT INTO inventory_snapshots (tenant_id, day, product_id, stock_level, changed_at, "
      "  source, event_id) "
      "SELECT DISTINCT ON ((changed_at AT TIME ZONE $2)::date, product_id) "
      "  tenant_id, (changed_at AT TIME ZONE $2)::date, product_id, stock_level, changed_at, "
      "  source, event_id "
      "FROM stock_changes WHERE tenant_id = $1 "
      "ORDER BY (changed_at AT TIME ZONE $2)::date, product_id, changed_at DESC, source DESC, "
      "  event_id DESC",
      tenant, timezone);
  tx.exec_params(
      "UPDATE products p SET stock_level = l.stock_level, stock_changed_at = l.changed_at, "
      "  stock_source = l.source, stock_event_id = l.event_id "
      "FROM (SELECT DISTINCT ON (product_id) product_id, stock_level, changed_at, source, "
      "      event_id "
      "      FROM stock_changes WHERE tenant_id = $1 "
      "      ORDER BY product_id, changed_at DESC, source DESC, event_id DESC) AS l "
      "WHERE p.tenant_id = $1 AND p.product_id = l.product_id",
      tenant);
  tx.exec_params("DELETE FROM daily_receipts WHERE tenant_id = $1", tenant);
  tx.exec_params(
      "INSERT INTO daily_receipts (tenant_id, day, product_id, received_units, received_cost) "
      "SELECT tenant_id, day, product_id, sum(quantity), coalesce(sum(cost), 0) "
      "FROM stock_receipts WHERE tenant_id = $1 GROUP BY tenant_id, day, product_id",
      tenant);
}

template <typename Fn>
void ForEachChunk(pqxx::transaction_base& tx, const std::string& sql, const std::string& tenant,
                  Fn fn) {
  std::string after;
  while (true) {
    pqxx::result rows = tx.exec_params(sql, tenant, after, static_cast<int64_t>(kChunk));
    if (rows.empty()) return;
    std::vector<std::string> ids;
    for (const auto& r : rows) ids.emplace_back(r[0].c_str());
    fn(ids);
    after = ids.back();
    if (rows.size() < kChunk) return;
  }
}

}  // namespace

Result<std::set<std::string>> Rebuild(pqxx::connection& conn, const RebuildOptions& options,
                                      std::ostream& progress) {
  const auto started = std::chrono::steady_clock::now();
  pqxx::work tx(conn);
  tx.exec("SET LOCAL lock_timeout = '60s'");
  pqxx::result tenant_row =
      tx.exec_params("SELECT timezone FROM tenants WHERE tenant_id = $1", options.tenant);
  if (tenant_row.empty()) return Error("unknown tenant '" + options.tenant + "'");
  const std::string timezone = tenant_row[0][0].c_str();
  std::vector<std::string> unused;
  auto tenants = EnsureTenants(tx, {options.tenant}, {}, &unused);
  if (!tenants) return Error(tenants.error());
  LockAll(tx, {LockId('t', options.tenant, "")}, /*shared=*/false);
  // Deltas committed before the lock are in the facts read below: add them first, or they
  // would be added again on top of the rebuilt rows. (No new ones come for this tenant
  // while the lock is held; those of other tenants are folded along.)
  std::set<std::string> changed = FoldPending(tx, std::numeric_limits<int64_t>::max());
  changed.insert(options.tenant);

  const bool ranged = options.from.has_value();
  // 1. Empty what is recomputed.
  for (const char* table : kDailyTables) {
    if (ranged) {
      tx.exec_params(std::string("DELETE FROM ") + table +
                         " WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date",
                     options.tenant, options.from->ToString(), options.to->ToString());
    } else {
      tx.exec_params(std::string("DELETE FROM ") + table + " WHERE tenant_id = $1", options.tenant);
    }
  }
  tx.exec_params(
      "UPDATE campaign_metrics SET attributed_orders = 0, attributed_revenue = 0 "
      "WHERE tenant_id = $1",
      options.tenant);

  // 2. Orders, through the same rules as live ingestion. A ranged rebuild takes the orders
  // with a cell in the range: placed in it, or refunded in it.
  size_t done = 0;
  std::set<TenantKey> customers;
  const std::string order_ids =
      ranged ? "SELECT order_id FROM orders o WHERE tenant_id = $1 AND order_id > $2 AND "
               "(day BETWEEN $4::date AND $5::date OR EXISTS (SELECT 1 FROM "
               "order_status_changes c WHERE c.tenant_id = o.tenant_id AND "
               "c.order_id = o.order_id AND (c.changed_at AT TIME ZONE $6)::date "
               "BETWEEN $4::date AND $5::date)) ORDER BY order_id LIMIT $3"
             : "SELECT order_id FROM orders WHERE tenant_id = $1 AND order_id > $2 "
               "ORDER BY order_id LIMIT $3";
  std::string after;
  while (true) {
    pqxx::result rows =
        ranged ? tx.exec_params(order_ids, options.tenant, after, static_cast<int64_t>(kChunk),
                                options.from->ToString(), options.to->ToString(), timezone)
               : tx.exec_params(order_ids, options.tenant, after, static_cast<int64_t>(kChunk));
    if (rows.empty()) break;
    OrderBatch batch(tx, *tenants, OrderBatch::Mode::kRebuild);
    for (const auto& r : rows) batch.AddStored(options.tenant, r[0].c_str());
    AggregateDelta delta;
    delta.SkipCampaigns();
    if (ranged) delta.RestrictToDays(*options.from, *options.to);
    std::set<TenantKey> ignored;
    batch.Apply(&delta, &ignored);
    delta.Write(tx);
    done += rows.size();
    after = rows[rows.size() - 1][0].c_str();
    progress << "rebuild " << options.tenant << ": " << done << " orders\n" << std::flush;
    if (rows.size() < kChunk) break;
  }

  // 3. Per-customer and per-campaign totals, inventory and receipts: always whole.
  tx.exec_params(
      "INSERT INTO campaign_metrics AS m (tenant_id, campaign_id, attributed_orders, "
      "attributed_revenue) "
      "SELECT tenant_id, campaign_id, count(*), sum(total) FROM orders "
      "WHERE tenant_id = $1 AND campaign_id IS NOT NULL AND NOT cancelled "
      "GROUP BY tenant_id, campaign_id "
      "ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET "
      "attributed_orders = excluded.attributed_orders, "
      "attributed_revenue = excluded.attributed_revenue",
      options.tenant);
  tx.exec_params("DELETE FROM customer_metrics WHERE tenant_id = $1", options.tenant);
  ForEachChunk(tx,
               "SELECT DISTINCT customer_id FROM orders WHERE tenant_id = $1 AND "
               "customer_id > $2 ORDER BY customer_id LIMIT $3",
               options.tenant, [&](const std::vector<std::string>& ids) {
                 std::set<TenantKey> keys;
                 for (const auto& id : ids) keys.insert({options.tenant, id});
                 RecomputeCustomers(tx, keys);
               });
  ForEachChunk(tx,
               "SELECT campaign_id FROM (SELECT campaign_id FROM campaign_sends WHERE "
               "tenant_id = $1 UNION SELECT campaign_id FROM email_opens WHERE tenant_id = $1) "
               "AS c WHERE campaign_id > $2 ORDER BY campaign_id LIMIT $3",
               options.tenant, [&](const std::vector<std::string>& ids) {
                 std::set<TenantKey> keys;
                 for (const auto& id : ids) keys.insert({options.tenant, id});
                 RecomputeCampaigns(tx, keys);
               });
  RecomputeInventory(tx, options.tenant, timezone);
  tx.commit();

  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
  progress << "rebuild " << options.tenant << ": done, " << done << " orders in " << seconds.count()
           << " s\n";
  return changed;
}

}  // namespace vecton::storage
