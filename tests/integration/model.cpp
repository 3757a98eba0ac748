#include "model.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>

#include "harness.h"
#include "ingest_harness.h"

namespace vecton::testing {

std::string Amount(int64_t cents) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%s%lld.%02lld", cents < 0 ? "-" : "",
                static_cast<long long>(std::llabs(cents) / 100),
                static_cast<long long>(std::llabs(cents) % 100));
  return buffer;
}

std::string Stored(int64_t cents) { return Amount(cents) + "00"; }

std::string IsoUtc(int64_t seconds) {
  time_t t = seconds;
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string DayOf(int64_t seconds) { return IsoUtc(seconds).substr(0, 10); }

std::map<std::string, DayTotals> Expected(const std::vector<ModelOrder>& orders) {
  std::map<std::string, DayTotals> days;
  for (const ModelOrder& o : orders) {
    auto changes = o.changes;
    std::sort(changes.begin(), changes.end(),
              [](const auto& a, const auto& b) { return a.at < b.at; });
    const bool cancelled = !changes.empty() && changes.back().status == "cancelled";
    if (cancelled) {
      days[o.day].cancelled += 1;
      continue;
    }
    days[o.day].orders += 1;
    days[o.day].revenue += o.total_cents;
    days[o.day].items += o.items;
    int64_t refunded = 0;
    for (const auto& c : changes) {
      int64_t amount = c.refund_cents;
      if (amount == 0 && c.status == "refunded") {
        amount = std::max<int64_t>(0, o.total_cents - refunded);
      }
      if (amount == 0) continue;
      refunded += amount;
      days[DayOf(c.at)].refunds += amount;
    }
  }
  return days;
}

std::map<std::string, std::string> ExpectedDays(const std::vector<ModelOrder>& orders) {
  std::map<std::string, std::string> out;
  for (const auto& [day, d] : Expected(orders)) {
    out[day] = std::to_string(d.orders) + "|" + Stored(d.revenue) + "|" + std::to_string(d.items) +
               "|" + std::to_string(d.cancelled) + "|" + Stored(d.refunds);
  }
  return out;
}

std::map<std::string, std::string> ActualDays(const std::string& tenant) {
  auto conn = ConnectToTestSchema();
  pqxx::nontransaction tx(*conn);
  std::map<std::string, std::string> out;
  for (const auto& r : tx.exec_params(
           "SELECT day, concat_ws('|', orders, revenue, items_sold, cancelled_orders, refunds) "
           "FROM daily_sales WHERE tenant_id = $1 AND (orders <> 0 OR revenue <> 0 OR "
           "refunds <> 0 OR cancelled_orders <> 0) ORDER BY day",
           tenant)) {
    out[r[0].c_str()] = r[1].c_str();
  }
  return out;
}

History GenerateHistory(const std::string& tenant, int order_count, uint32_t seed, int64_t start) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto event = [&](const std::string& type, const std::string& id, int64_t at,
                   const std::string& data) {
    return std::pair(type, CloudEvent(type, id, tenant, IsoUtc(at), data));
  };
  const char* statuses[] = {"processing", "shipped", "completed", "cancelled", "refunded"};
  History h;
  for (int i = 0; i < order_count; ++i) {
    ModelOrder o;
    o.id = "o" + std::to_string(i);
    o.customer = "c" + std::to_string(pick(0, 60));
    const int64_t placed = start + pick(0, 10 * 86400);
    o.day = DayOf(placed);
    std::string items;
    for (int n = pick(1, 3), k = 0; k < n; ++k) {
      const int quantity = pick(1, 4);
      const int price = pick(50, 20000);
      o.items += quantity;
      o.total_cents += static_cast<int64_t>(quantity) * price;
      items += std::string(k ? "," : "") + R"({"product_id":"p)" + std::to_string(pick(0, 30)) +
               R"(","category_id":)" + std::to_string(pick(1, 4)) + R"(,"quantity":)" +
               std::to_string(quantity) + R"(,"unit_price":")" + Amount(price) + "\"}";
    }
    // Sometimes a first version of the order, superseded by this one's later placed_at.
    if (pick(0, 9) == 0) {
      h.events.push_back(event("order.created", o.id + "-v0", placed - 3600,
                               R"({"order_id":")" + o.id + R"(","customer_id":")" + o.customer +
                                   R"(","currency":"EUR","items":[{"product_id":"p0",)"
                                   R"("quantity":9,"unit_price":"1.00"}],"total":"9.00"})"));
    }
    h.events.push_back(event("order.created", o.id, placed,
                             R"({"order_id":")" + o.id + R"(","customer_id":")" + o.customer +
                                 R"(","currency":"EUR","items":[)" + items + R"(],"total":")" +
                                 Amount(o.total_cents) + "\"}"));
    int64_t at = placed;
    for (int n = pick(0, 3), k = 0; k < n; ++k) {
      at += pick(600, 3 * 86400);
      ModelOrder::Change c{at, statuses[pick(0, 4)], 0};
      std::string extra;
      if (c.status == "refunded" && pick(0, 1) == 0) {
        c.refund_cents = pick(1, static_cast<int>(std::max<int64_t>(1, o.total_cents / 3)));
        extra = R"(,"refund_amount":")" + Amount(c.refund_cents) + "\"";
      }
      o.changes.push_back(c);
      h.events.push_back(
          event("order.status_changed", o.id + "-s" + std::to_string(k), at,
                R"({"order_id":")" + o.id + R"(","status":")" + c.status + "\"" + extra + "}"));
    }
    // One event of another type: the model ignores them, the event log keeps them.
    const std::string n = std::to_string(i);
    switch (pick(0, 3)) {
      case 0:
        h.events.push_back(
            event("customer.created", "cu" + n, placed - 60, R"({"customer_id":"k)" + n + "\"}"));
        break;
      case 1:
        h.events.push_back(event("product.stock_changed", "st" + n, placed + 30,
                                 R"({"product_id":"p)" + std::to_string(pick(0, 30)) +
                                     R"(","stock_level":)" + std::to_string(pick(-5, 500)) + "}"));
        break;
      case 2:
        h.events.push_back(event("campaign.sent", "ca" + n, placed - 3600,
                                 R"({"campaign_id":"m)" + n + R"(","recipients":)" +
                                     std::to_string(pick(0, 1000)) + R"(,"cost":"12.50"})"));
        break;
      default:
        h.events.push_back(event("email.opened", "eo" + n, placed - 1800,
                                 R"({"campaign_id":"m)" + std::to_string(pick(0, 9)) +
                                     R"(","customer_id":")" + o.customer + "\"}"));
        break;
    }
    h.orders.push_back(std::move(o));
  }
  return h;
}

}  // namespace vecton::testing
