// An independent model of the daily sales metrics, for tests that publish a history of
// events and compare the ingestor's daily_sales with what the events imply.
//
// DESIGN
// The model applies the metric definitions (shared/spec/events.md) the plain way, order by
// order, with integer cents, and shares no code with the ingestor. Tenants in these tests
// report in UTC and EUR, so a day is the UTC date of a time. GenerateHistory makes a
// deterministic history (seeded) of orders with items and status changes (refunds with and
// without an amount, cancellations) plus events of the other types, which the model ignores
// but the event log must hold.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vecton::testing {

struct ModelOrder {
  std::string id, customer, day;  // day: UTC date (the tenant is in UTC)
  int64_t total_cents = 0, items = 0;
  struct Change {
    int64_t at;  // seconds
    std::string status;
    int64_t refund_cents;  // 0 = none given
  };
  std::vector<Change> changes;
};

// 1234 -> "12.34", as the events carry it.
std::string Amount(int64_t cents);
// 1234 -> "12.3400", as PostgreSQL prints numeric(20,4).
std::string Stored(int64_t cents);
// Unix seconds -> "2026-11-18T10:00:00Z".
std::string IsoUtc(int64_t seconds);
// Unix seconds -> "2026-11-18".
std::string DayOf(int64_t seconds);

struct DayTotals {
  int64_t orders = 0, revenue = 0, items = 0, cancelled = 0, refunds = 0;
};

// The metric definitions: final status by latest change; cancelled orders count only as
// cancelled; refunds on their own day; "refunded" without an amount refunds what is left.
std::map<std::string, DayTotals> Expected(const std::vector<ModelOrder>& orders);

// day -> "orders|revenue|items_sold|cancelled_orders|refunds", as ActualDays prints it.
std::map<std::string, std::string> ExpectedDays(const std::vector<ModelOrder>& orders);

// The tenant's daily_sales rows in the same form (rows that add up to nothing left out).
std::map<std::string, std::string> ActualDays(const std::string& tenant);

// A generated history: the model's orders and every distinct event as (routing key, body).
struct History {
  std::vector<ModelOrder> orders;
  std::vector<std::pair<std::string, std::string>> events;
};

// `order_count` orders of tenant `tenant` (UTC, EUR) placed over 10 days from `start`
// (Unix seconds), a tenth of them preceded by a version placed an hour earlier (superseded:
// the later placed_at wins), 0-3 status changes each, and about one event of another type per order
// (customer.created, product.stock_changed, campaign.sent, email.opened). Event ids are
// unique within the tenant; the same seed gives the same history.
History GenerateHistory(const std::string& tenant, int order_count, uint32_t seed,
                        int64_t start = 1795000000);

}  // namespace vecton::testing
