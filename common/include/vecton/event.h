// The seven event types of the contract (shared/spec/events.md), decoded and validated.
//
// DecodeEvent turns one message body into an Event or a one-line reason that names the type
// and the field, e.g. "order.created: data.items[2].quantity must be a positive integer".
// That reason becomes the `x-analytics-error` header of the dead letter. Decoding is pure: no
// tenant lookup, no currency conversion (those need the database and happen in the ingestor).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vecton/civil_time.h"
#include "vecton/money.h"
#include "vecton/result.h"

namespace vecton {

enum class EventType {
  kOrderCreated,
  kOrderStatusChanged,
  kProductStockChanged,
  kStockReceived,
  kCustomerCreated,
  kCampaignSent,
  kEmailOpened,
};
inline constexpr int kEventTypeCount = 7;

// "order.created", ... (also the routing keys).
std::string_view EventTypeName(EventType type);
std::optional<EventType> EventTypeFromName(std::string_view name);

// A decimal fx rate: reporting-currency units per 1 unit of the order currency, in 1e-10.
struct FxRate {
  int64_t units = 0;
  std::string text;  // as sent, for the facts table
};

struct OrderItem {
  std::string product_id;
  std::optional<std::string> sku, name;
  std::optional<int64_t> category_id;
  std::optional<std::string> category_name;
  int32_t quantity = 0;  // >= 1
  Money unit_price;      // >= 0, order currency
};

struct OrderCreated {
  std::string order_id;
  std::optional<std::string> customer_id;  // nullopt = guest
  Timestamp placed_at;                     // default: envelope time
  std::string status = "pending";
  std::string currency;  // ISO 4217, upper case
  std::optional<FxRate> fx_rate;
  std::vector<OrderItem> items;                            // >= 1
  Money discount_total, shipping_total, tax_total, total;  // >= 0, order currency
  std::optional<std::string> campaign_id, channel, country;
};

struct OrderStatusChanged {
  std::string order_id;
  std::string status;
  std::optional<std::string> previous_status;
  Timestamp changed_at;                // default: envelope time
  std::optional<Money> refund_amount;  // > 0, order currency
};

struct ProductStockChanged {
  std::string product_id;
  int64_t stock_level = 0;  // may be negative (backorders)
  Timestamp changed_at;
  std::optional<int64_t> delta;
  std::optional<std::string> reason, sku, name;
  std::optional<int64_t> category_id;
  std::optional<std::string> category_name;
  std::optional<int64_t> low_stock_threshold;
};

struct StockReceived {
  std::string product_id;
  int64_t quantity = 0;  // >= 1
  Timestamp received_at;
  std::optional<Money> unit_cost;
  std::optional<std::string> currency;
  std::optional<FxRate> fx_rate;  // accepted as for orders, for a foreign currency
  std::optional<std::string> supplier_id;
  std::optional<int64_t> stock_level;
  std::optional<std::string> sku, name;
};

struct CustomerCreated {
  std::string customer_id;
  Timestamp created_at;
  std::optional<std::string> country, source, campaign_id;
};

struct CampaignSent {
  std::string campaign_id;
  std::optional<std::string> name, channel;
  Timestamp sent_at;
  int64_t recipients = 0;  // >= 0
  std::optional<Money> cost;
  std::optional<std::string> currency;
  std::optional<FxRate> fx_rate;
};

struct EmailOpened {
  std::string campaign_id;
  std::string customer_id;
  Timestamp opened_at;
  std::optional<std::string> message_id;
};

using EventData = std::variant<OrderCreated, OrderStatusChanged, ProductStockChanged, StockReceived,
                               CustomerCreated, CampaignSent, EmailOpened>;

struct Event {
  std::string id;
  std::string source;
  std::string tenant;
  EventType type = EventType::kOrderCreated;
  Timestamp time;
  EventData data;
};

struct DecodeLimits {
  size_t max_body_bytes = 1 << 20;  // 1 MiB
  int max_depth = 32;
  size_t max_items = 10'000;
};

// Validates the CloudEvents envelope and the type's data; see the contract for every rule.
Result<Event> DecodeEvent(std::string_view body, const DecodeLimits& limits = {});

}  // namespace vecton
