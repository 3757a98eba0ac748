// What one order contributes to the aggregates: the metric definitions of
// shared/spec/events.md, as a pure function of the order's facts.
//
// DESIGN
// The ingestor keeps aggregates current by deltas: when an order's facts change (created,
// updated by a second order.created, a status change, a refund), it computes the order's
// contribution before and after, and adds (after - before) to the aggregate rows. Rebuild
// sums the contributions of all orders from scratch. Both use this one function, so
// incremental maintenance and rebuild cannot disagree about what a metric means.
//
// The rules, in one place:
// - The current status is that of the status change with the latest changed_at (ties broken
//   by source and event id, so the answer never depends on arrival order); with no change,
//   the order's initial status.
// - An order whose current status is "cancelled" counts only in cancelled_orders of its
//   placement hour; it contributes no revenue, items, refunds, customers or campaigns.
// - Refunds are dated on their changed_at. A change with refund_amount refunds that amount
//   (converted with the order's fx rate); "refunded" without an amount refunds what is left
//   of the total at that moment (never below zero).
// - Category and product refunds are the order's refunds attributed to its lines in
//   proportion to line value; the last line takes the rounding remainder, so the attributed
//   parts add up exactly to the refund.
// - shipped_at / completed_at are the first "shipped" / "completed" changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vecton/civil_time.h"
#include "vecton/money.h"

namespace vecton {

inline constexpr int64_t kNoCategory = -1;
inline constexpr int64_t kFxRateOne = Money::kRateScale;  // 1.0 as an fx rate

struct StatusChangeFacts {
  Timestamp changed_at;
  std::string source;
  std::string event_id;
  std::string status;
  std::optional<Money> refund_amount;  // order currency, as sent
};

struct OrderLineFacts {
  std::string product_id;
  int64_t category_id = kNoCategory;
  int64_t quantity = 0;
  Money unit_price;  // reporting currency
};

struct OrderFacts {
  std::string order_id;
  std::optional<std::string> customer_id;
  Timestamp placed_at;
  std::string initial_status = "pending";
  int64_t fx_rate = kFxRateOne;           // reporting-currency units per order-currency unit, 1e-10
  Money total, tax, shipping, discounts;  // reporting currency
  std::optional<std::string> campaign_id;
  std::vector<OrderLineFacts> lines;
};

struct Refund {
  Timestamp at;
  Money amount;  // reporting currency
};

// The order's state folded from its status changes.
struct OrderOutcome {
  std::string status;
  bool cancelled = false;
  std::optional<Timestamp> shipped_at, completed_at;
  std::vector<Refund> refunds;  // empty when cancelled
  Money refunded_total;
};

// `changes` in any order.
OrderOutcome FoldStatus(const OrderFacts& order, std::vector<StatusChangeFacts> changes);

// One cell of the sales tables (hourly_sales / daily_sales).
struct SalesCell {
  int64_t orders = 0, items_sold = 0, cancelled_orders = 0;
  Money revenue, tax, shipping, discounts, refunds;
  void Add(const SalesCell& o, int sign);
  bool IsZero() const;
};

struct CategoryCell {
  int64_t orders = 0, items_sold = 0;
  Money revenue, refunds;
  void Add(const CategoryCell& o, int sign);
  bool IsZero() const;
};

struct ProductCell {
  int64_t units_sold = 0, orders = 0;
  Money revenue, refunds;
  void Add(const ProductCell& o, int sign);
  bool IsZero() const;
};

// Everything one order adds to the aggregate tables. Hours are tenant-local hour starts;
// each hour's day is its local date.
struct OrderContribution {
  struct Hourly {
    Timestamp hour_start;
    CivilDate day;
    SalesCell cell;
  };
  struct Category {
    Timestamp hour_start;
    CivilDate day;
    int64_t category_id;
    CategoryCell cell;
  };
  struct Product {
    CivilDate day;
    std::string product_id;
    ProductCell cell;
  };
  struct CustomerDay {
    std::string customer_id;
    CivilDate day;
    int64_t orders;
    Money revenue;
  };
  struct Campaign {
    std::string campaign_id;
    int64_t orders;
    Money revenue;
  };

  std::vector<Hourly> hourly;
  std::vector<Category> categories;
  std::vector<Product> products;
  std::optional<CustomerDay> customer_day;
  std::optional<Campaign> campaign;
};

OrderContribution Contribute(const OrderFacts& order, const OrderOutcome& outcome,
                             const TimeZone& zone);

}  // namespace vecton
