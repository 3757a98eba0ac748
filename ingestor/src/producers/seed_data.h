// The pure part of `analytics-ingestor seed`: realistic synthetic history as CloudEvents.
//
// DESIGN
// Every day of history is generated from its own random stream, seeded by (seed, date), and
// everything that crosses days is a pure function of (seed, date) too: how many customers
// signed up on a day (so an order can name a returning customer from any earlier day), which
// days have a campaign, and a product's stock level (a restock sawtooth). So a day's events do
// not depend on where the history starts or when the command runs, and event ids
// "seed-<tenant>-<yyyymmdd>-<n>" name the same event every time: re-running seed, even on a
// later day or with more --days, publishes duplicates the ingestor ignores plus the new days.
// Events dated after `now` are generated (to keep the streams aligned) but not emitted, so
// today has the orders placed so far and later runs add the rest.
//
// What a day holds: signups (customer.created, sources organic/campaign/referral), on campaign
// days a campaign.sent and its email.opened over the next two days, orders (order.created: 1-4
// items, guests, channels web/mobile/pos, campaign attribution with a 10% discount, shipping,
// 27% VAT included, a few in EUR with fx_rate) and their lifecycle (order.status_changed:
// processing -> shipped -> completed with realistic delays, ~3% cancelled, ~2% refunded in full
// or in part some days later), a stock level per product at the end of the day
// (product.stock_changed) and restocks (stock.received with unit_cost).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "producers/event_text.h"
#include "vecton/civil_time.h"

namespace vecton::producers {

struct SeedPlan {
  std::string tenant = "demo";
  int days = 90;  // days of history, the last one today
  uint64_t seed = 42;
  int orders_per_day = 40;               // the average; weekends, trend and campaigns move it
  std::string currency = "HUF";          // the tenant's reporting currency
  std::shared_ptr<const TimeZone> zone;  // the tenant's zone (required)
};

// Emits the events of the plan's days in day order, skipping those dated after `now`.
void GenerateSeed(const SeedPlan& plan, Timestamp now,
                  const std::function<void(ProducedEvent&&)>& emit);

// The catalogue the seed sells (exposed for tests).
struct SeedProduct {
  const char* id;
  const char* name;  // UTF-8, Hungarian
  int category_id;
  int64_t price_huf;
};
struct SeedCategory {
  int id;
  const char* name;
};
extern const SeedProduct kSeedProducts[40];
extern const SeedCategory kSeedCategories[6];

}  // namespace vecton::producers
