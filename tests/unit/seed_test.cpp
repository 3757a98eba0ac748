// The seed generator: valid events of all seven types, stable ids, nothing after "now".
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "producers/seed_data.h"
#include "vecton/event.h"

namespace {

using namespace vecton;
using namespace vecton::producers;

std::vector<ProducedEvent> Generate(int days, Timestamp now, std::string currency = "HUF") {
  SeedPlan plan;
  plan.tenant = "demo";
  plan.days = days;
  plan.currency = std::move(currency);
  auto zone = TimeZone::Get("Europe/Budapest");
  REQUIRE(zone.ok());
  plan.zone = *zone;
  std::vector<ProducedEvent> events;
  GenerateSeed(plan, now, [&](ProducedEvent&& e) { events.push_back(std::move(e)); });
  return events;
}

Timestamp At(std::string_view text) {
  Result<Timestamp> t = ParseRfc3339(text);
  REQUIRE(t.ok());
  return *t;
}

}  // namespace

TEST_CASE("seed: every event decodes, all seven types appear, ids are unique") {
  const Timestamp now = At("2026-11-25T18:30:00+01:00");
  const auto events = Generate(30, now);
  std::map<std::string, int> by_type;
  std::set<std::string> ids;
  bool eur_order = false, refund_amount = false, hungarian_name = false, guest = false;
  int today_orders = 0;
  for (const ProducedEvent& e : events) {
    Result<Event> decoded = DecodeEvent(e.body);
    REQUIRE_MESSAGE(decoded.ok(),
                    (decoded.ok() ? std::string() : decoded.error() + " in " + e.body));
    CHECK(EventTypeName(decoded->type) == e.routing_key);
    CHECK(decoded->time <= now);
    CHECK(decoded->tenant == "demo");
    ++by_type[e.routing_key];
    CHECK(ids.insert(decoded->id).second);
    if (const auto* order = std::get_if<OrderCreated>(&decoded->data)) {
      if (order->currency == "EUR") eur_order = order->fx_rate.has_value();
      if (!order->customer_id) guest = true;
      if (order->placed_at >= At("2026-11-25T00:00:00+01:00")) ++today_orders;
      // The total is what the lines, discount and shipping say.
      Money lines;
      for (const OrderItem& item : order->items) lines += item.unit_price * item.quantity;
      CHECK(order->total == lines - order->discount_total + order->shipping_total);
    }
    if (const auto* status = std::get_if<OrderStatusChanged>(&decoded->data)) {
      if (status->refund_amount) refund_amount = true;
    }
    if (e.body.find("K\xC3\xB6t\xC3\xB6tt sapka") != std::string::npos) hungarian_name = true;
  }
  CHECK(by_type.size() == 7);
  CHECK(by_type["product.stock_changed"] >= 40 * 29);
  CHECK(by_type["order.created"] > 30 * 20);
  CHECK(by_type["order.status_changed"] > by_type["order.created"]);
  CHECK(today_orders > 0);
  CHECK(eur_order);
  CHECK(refund_amount);
  CHECK(hungarian_name);
  CHECK(guest);
}

TEST_CASE("seed: the same day gives the same events whenever the command runs") {
  // A run later (and with a longer history) repeats the earlier run's events byte for byte,
  // so the ingestor sees duplicates only.
  const auto early = Generate(10, At("2026-11-20T12:00:00+01:00"));
  const auto late = Generate(20, At("2026-11-22T12:00:00+01:00"));
  std::map<std::string, std::string> late_by_id;
  for (const ProducedEvent& e : late) {
    Result<Event> decoded = DecodeEvent(e.body);
    REQUIRE(decoded.ok());
    late_by_id[decoded->id] = e.body;
  }
  for (const ProducedEvent& e : early) {
    Result<Event> decoded = DecodeEvent(e.body);
    REQUIRE(decoded.ok());
    auto it = late_by_id.find(decoded->id);
    REQUIRE_MESSAGE(it != late_by_id.end(), std::string(decoded->id));
    CHECK(it->second == e.body);
  }
  CHECK(late.size() > early.size());
}

TEST_CASE("seed: amounts follow the tenant's currency") {
  const auto events = Generate(3, At("2026-11-25T18:30:00+01:00"), "EUR");
  int checked = 0;
  for (const ProducedEvent& e : events) {
    Result<Event> decoded = DecodeEvent(e.body);
    REQUIRE(decoded.ok());
    if (const auto* order = std::get_if<OrderCreated>(&decoded->data)) {
      CHECK(order->currency == "EUR");
      CHECK_FALSE(order->fx_rate.has_value());
      for (const OrderItem& item : order->items)
        CHECK(item.unit_price < Money::FromUnits(200 * Money::kScale));
      ++checked;
    }
  }
  CHECK(checked > 0);
}
