// The ingestor end to end: events published to a real RabbitMQ, consumed by the real
// analytics-ingestor binary, aggregates read from the real PostgreSQL and compared with
// values computed by hand or by an independent model (model.h) of the events it sent.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "harness.h"
#include "ingest_harness.h"
#include "model.h"
#include "storage/locks.h"

namespace vecton::testing {
namespace {

std::string Q(const std::string& s) { return "'" + s + "'"; }

// "orders|revenue|items|tax|shipping|discounts|cancelled|refunds" of a tenant's day.
std::string DailySales(const std::string& tenant, const std::string& day) {
  return QueryValue(
      "SELECT concat_ws('|', orders, revenue, items_sold, tax, shipping, discounts, "
      "cancelled_orders, refunds) FROM daily_sales WHERE tenant_id = " +
      Q(tenant) + " AND day = " + Q(day));
}

}  // namespace

TEST_CASE("every event type lands in the aggregates with the values computed by hand") {
  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("hand");
  CreateTenant(*conn, t, "Europe/Budapest", "HUF");
  IngestorProcess ingestor;
  EventPublisher pub;
  auto ev = [&](const std::string& type, const std::string& id, const std::string& time,
                const std::string& data) {
    return std::pair(type, CloudEvent(type, id, t, time, data));
  };
  // The status change of o5 comes before its order: kept, applied when the order arrives.
  pub.Publish({ev("order.status_changed", "s5", "2026-03-30T09:00:00+02:00",
                  R"({"order_id":"o5","status":"completed"})")});
  pub.Publish({
      // 2026-03-28T23:30Z is 00:30 on the 29th in Budapest (CET, the day DST starts).
      ev("order.created", "e1", "2026-03-28T23:30:00Z",
         R"({"order_id":"o1","customer_id":"c1","currency":"HUF","campaign_id":"m1",
             "items":[{"product_id":"p1","category_id":1,"quantity":2,"unit_price":"10.25"},
                      {"product_id":"p2","category_id":2,"quantity":1,"unit_price":5.005}],
             "total":"25.505","tax_total":"2.00","shipping_total":3,"discount_total":"0.50"})"),
      ev("order.created", "e2", "2026-03-29T12:00:00+02:00",
         R"({"order_id":"o2","customer_id":"c1","currency":"HUF",
             "items":[{"product_id":"p1","category_id":1,"quantity":1,"unit_price":"10.25"}],
             "total":"10.25"})"),
      // 7.50 EUR at 400.5 HUF/EUR = 3003.75 HUF.
      ev("order.created", "e3", "2026-03-30T10:00:00+02:00",
         R"({"order_id":"o3","customer_id":"c2","currency":"EUR","fx_rate":"400.5",
             "items":[{"product_id":"p3","quantity":3,"unit_price":"2.50"}],"total":"7.50"})"),
      ev("order.created", "e4", "2026-03-30T11:00:00+02:00",
         R"({"order_id":"o4","customer_id":"c2","currency":"HUF",
             "items":[{"product_id":"p3","quantity":1,"unit_price":"100"}],"total":"100"})"),
      ev("order.created", "e5", "2026-03-30T08:00:00+02:00",
         R"({"order_id":"o5","currency":"HUF",
             "items":[{"product_id":"p2","quantity":4,"unit_price":"1"}],"total":"4"})"),
      ev("order.status_changed", "s1", "2026-03-30T08:00:00+02:00",
         R"({"order_id":"o1","status":"shipped"})"),
      ev("order.status_changed", "s2", "2026-04-01T09:00:00+02:00",
         R"({"order_id":"o1","status":"refunded","refund_amount":"5.505"})"),
      ev("order.status_changed", "s4", "2026-03-31T09:00:00+02:00",
         R"({"order_id":"o4","status":"cancelled"})"),
      ev("customer.created", "c1", "2026-03-28T23:59:00Z", R"({"customer_id":"c1"})"),
      // Two levels of p1, the later one published first: the later changed_at wins.
      ev("product.stock_changed", "k2", "2026-03-29T18:00:00+02:00",
         R"({"product_id":"p1","stock_level":45,"name":"Kötött sapka"})"),
      ev("product.stock_changed", "k1", "2026-03-29T10:00:00+02:00",
         R"({"product_id":"p1","stock_level":50})"),
      ev("stock.received", "r1", "2026-03-30T07:00:00+02:00",
         R"({"product_id":"p1","quantity":10,"unit_cost":"4.00"})"),
      ev("campaign.sent", "m1", "2026-03-27T10:00:00+01:00",
         R"({"campaign_id":"m1","name":"Spring","recipients":100,"cost":"50.00"})"),
      ev("email.opened", "x1", "2026-03-27T11:00:00+01:00",
         R"({"campaign_id":"m1","customer_id":"c1"})"),
      ev("email.opened", "x2", "2026-03-27T12:00:00+01:00",
         R"({"campaign_id":"m1","customer_id":"c1"})"),
      ev("email.opened", "x3", "2026-03-27T13:00:00+01:00",
         R"({"campaign_id":"m1","customer_id":"c2"})"),
  });
  WaitForEvents(t, 17);

  // o1 25.505 + o2 10.25; 3 + 1 items; o1's tax, shipping and discount.
  CHECK(DailySales(t, "2026-03-29") == "2|35.7550|4|2.0000|3.0000|0.5000|0|0.0000");
  // o3 3003.75 + o5 4; o4 placed here and cancelled later.
  CHECK(DailySales(t, "2026-03-30") == "2|3007.7500|7|0.0000|0.0000|0.0000|1|0.0000");
  CHECK(DailySales(t, "2026-04-01") == "0|0.0000|0|0.0000|0.0000|0.0000|0|5.5050");
  // The first hour of the 29th in Budapest starts at 23:00Z on the 28th.
  CHECK(QueryValue("SELECT revenue FROM hourly_sales WHERE tenant_id = " + Q(t) +
                   " AND hour_start = '2026-03-28T23:00:00Z'") == "25.5050");
  // Category 1: o1's 2 x 10.25 and o2's 10.25; the refund of o1 split 20.50 : 5.005.
  CHECK(QueryValue("SELECT concat_ws('|', orders, revenue, items_sold) FROM daily_category_sales "
                   "WHERE tenant_id = " +
                   Q(t) + " AND day = '2026-03-29' AND category_id = 1") == "2|30.7500|3");
  // 5.505 * 20.50 / 25.505 = 112.8525 / 25.505 = 4.42472... -> 4.4247; category 2 takes the
  // rest, 5.505 - 4.4247 = 1.0803.
  CHECK(QueryValue("SELECT string_agg(category_id || ':' || refunds, ',' ORDER BY category_id) "
                   "FROM daily_category_sales WHERE tenant_id = " +
                   Q(t) + " AND day = '2026-04-01'") == "1:4.4247,2:1.0803");
  CHECK(QueryValue("SELECT concat_ws('|', units_sold, revenue, orders) FROM product_metrics "
                   "WHERE tenant_id = " +
                   Q(t) + " AND day = '2026-03-30' AND product_id = 'p3'") == "3|3003.7500|1");
  CHECK(QueryValue("SELECT concat_ws('|', orders, revenue, refunds, net_revenue, first_order_day) "
                   "FROM customer_metrics WHERE tenant_id = " +
                   Q(t) + " AND customer_id = 'c1'") == "2|35.7550|5.5050|30.2500|2026-03-29");
  CHECK(QueryValue("SELECT concat_ws('|', orders, revenue) FROM customer_metrics "
                   "WHERE tenant_id = " +
                   Q(t) + " AND customer_id = 'c2'") == "1|3003.7500");
  CHECK(QueryValue("SELECT concat_ws('|', status, shipped_at IS NOT NULL, refunded_total) "
                   "FROM orders WHERE tenant_id = " +
                   Q(t) + " AND order_id = 'o1'") == "refunded|t|5.5050");
  CHECK(QueryValue("SELECT status FROM orders WHERE tenant_id = " + Q(t) +
                   " AND order_id = 'o5'") == "completed");
  CHECK(QueryValue("SELECT day FROM customers WHERE tenant_id = " + Q(t)) == "2026-03-29");
  CHECK(QueryValue("SELECT concat_ws('|', stock_level, name, unit_cost) FROM products "
                   "WHERE tenant_id = " +
                   Q(t) + " AND product_id = 'p1'") == "45|Kötött sapka|4.0000");
  CHECK(QueryValue("SELECT stock_level FROM inventory_snapshots WHERE tenant_id = " + Q(t) +
                   " AND day = '2026-03-29' AND product_id = 'p1'") == "45");
  CHECK(QueryValue("SELECT concat_ws('|', received_units, received_cost) FROM daily_receipts "
                   "WHERE tenant_id = " +
                   Q(t) + " AND day = '2026-03-30'") == "10|40.0000");
  CHECK(QueryValue("SELECT concat_ws('|', recipients, cost, opens, unique_opens, "
                   "attributed_orders, attributed_revenue) FROM campaign_metrics "
                   "WHERE tenant_id = " +
                   Q(t) + " AND campaign_id = 'm1'") == "100|50.0000|3|2|1|25.5050");
  CHECK(ingestor.Stop() == 0);
}

// ------------------------------------------------------------------------------------------
// A random history, checked against the independent model of the metric definitions (model.h).

namespace {

// Every aggregate row of the tenant, for before/after comparisons (rows that add up to
// nothing are left out: deltas may leave them behind, a rebuild does not write them).
std::string AggregateSnapshot(const std::string& tenant) {
  auto conn = ConnectToTestSchema();
  pqxx::nontransaction tx(*conn);
  std::string out;
  const std::pair<const char*, const char*> tables[] = {
      {"hourly_sales", "orders <> 0 OR revenue <> 0 OR refunds <> 0 OR cancelled_orders <> 0"},
      {"daily_sales", "orders <> 0 OR revenue <> 0 OR refunds <> 0 OR cancelled_orders <> 0"},
      {"hourly_category_sales", "orders <> 0 OR revenue <> 0 OR refunds <> 0"},
      {"daily_category_sales", "orders <> 0 OR revenue <> 0 OR refunds <> 0"},
      {"product_metrics", "units_sold <> 0 OR revenue <> 0 OR refunds <> 0"},
      {"customer_days", "orders <> 0"},
      {"customer_metrics", "true"},
      {"campaign_metrics", "true"},
  };
  for (const auto& [table, nonzero] : tables) {
    out += std::string(table) + ":\n";
    for (const auto& r :
         tx.exec(std::string("SELECT t::text FROM ") + table + " t WHERE tenant_id = " + Q(tenant) +
                 " AND (" + nonzero + ") ORDER BY 1")) {
      out += std::string(r[0].c_str()) + "\n";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("duplicates, reordering, replay and rebuild leave the aggregates equal to the model") {
  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("model");
  CreateTenant(*conn, t, "UTC", "EUR");
  History history = GenerateHistory(t, 240, 20261125);
  const std::vector<ModelOrder>& orders = history.orders;
  std::vector<std::pair<std::string, std::string>> events = history.events;
  std::mt19937 rng(20261125);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int64_t start = 1795000000;  // GenerateHistory's default: 2026-11-18T..Z
  const size_t distinct = events.size();
  // A third again as duplicates, then everything shuffled.
  for (size_t i = 0; i < distinct / 3; ++i)
    events.push_back(events[pick(0, static_cast<int>(distinct) - 1)]);
  std::shuffle(events.begin(), events.end(), rng);

  IngestorProcess ingestor({"BATCH_SIZE=37"});  // small batches: many interleavings
  EventPublisher pub;
  pub.Publish(events);
  WaitForEvents(t, distinct);
  REQUIRE(WaitFor([&] { return ActualDays(t) == ExpectedDays(orders); }, std::chrono::seconds(10)));
  CHECK(ActualDays(t) == ExpectedDays(orders));
  const std::string snapshot = AggregateSnapshot(t);
  CHECK(EventCount(t) == distinct);

  SUBCASE("replaying the whole stream changes nothing") {
    std::string output;
    CHECK(RunIngestorCommand({"replay", "--from", "first", "--idle-seconds", "2"}, &output) == 0);
    INFO(output);
    CHECK(output.find("0 new") != std::string::npos);
    CHECK(EventCount(t) == distinct);
    CHECK(AggregateSnapshot(t) == snapshot);
  }
  SUBCASE("a rebuild from the facts gives the same aggregates") {
    std::string output;
    CHECK(RunIngestorCommand({"rebuild", "--tenant", t}, &output) == 0);
    INFO(output);
    CHECK(AggregateSnapshot(t) == snapshot);
    CHECK(ActualDays(t) == ExpectedDays(orders));
  }
  SUBCASE("a ranged rebuild gives the same aggregates") {
    std::string output;
    CHECK(RunIngestorCommand({"rebuild", "--tenant", t, "--from", DayOf(start + 3 * 86400), "--to",
                              DayOf(start + 6 * 86400)},
                             &output) == 0);
    INFO(output);
    CHECK(AggregateSnapshot(t) == snapshot);
  }
}

TEST_CASE("deltas staged while no fold could run are added once, by rebuild or the next ingestor") {
  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("staged");
  CreateTenant(*conn, t, "UTC", "EUR");
  History history = GenerateHistory(t, 80, 20261126);
  const int64_t n = static_cast<int64_t>(history.events.size());

  // The test holds the fold's lock: the ingestor stores the batches and stages their deltas,
  // but its fold waits; then it dies, as a crash would, with its deltas still pending.
  auto blocker = ConnectToTestSchema();
  pqxx::nontransaction(*blocker).exec_params("SELECT pg_advisory_lock($1)",
                                             storage::LockId('f', "", ""));
  {
    IngestorProcess ingestor({"BATCH_SIZE=25"});
    EventPublisher pub;
    pub.Publish(history.events);
    REQUIRE(WaitFor([&] { return EventCount(t) == n; }));
    ingestor.Kill();
  }
  CHECK(PendingDeltas() > 0);
  CHECK(ActualDays(t) != ExpectedDays(history.orders));
  blocker.reset();  // releases the lock

  SUBCASE("rebuild folds them before it recomputes") {
    std::string output;
    CHECK(RunIngestorCommand({"rebuild", "--tenant", t}, &output) == 0);
    INFO(output);
    CHECK(PendingDeltas() == 0);
    CHECK(ActualDays(t) == ExpectedDays(history.orders));
  }
  SUBCASE("the next ingestor folds them") {
    IngestorProcess ingestor;
    WaitForEvents(t, n);
    CHECK(ActualDays(t) == ExpectedDays(history.orders));
  }
}

TEST_CASE("invalid events are dead-lettered with their reason; valid ones around them are kept") {
  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("bad");
  CreateTenant(*conn, t, "Europe/Budapest", "HUF");
  IngestorProcess ingestor;
  EventPublisher pub;
  const std::string ok1 = CloudEvent("customer.created", "ok1", t, "2026-11-20T10:00:00Z",
                                     R"({"customer_id":"a"})", "crm");
  const std::string ok2 = CloudEvent("customer.created", "ok2", t, "2026-11-20T10:00:00Z",
                                     R"({"customer_id":"b"})", "crm");
  const std::string eur = CloudEvent(
      "order.created", "eur", t, "2026-11-20T10:00:00Z",
      R"({"order_id":"x","currency":"EUR","items":[{"product_id":"p","quantity":1,"unit_price":"2"}],"total":"2"})");
  pub.Publish(
      {{"customer.created", ok1},
       {"order.created", "{\"truncated\": "},
       {"order.created",
        CloudEvent(
            "order.created", "neg", t, "2026-11-20T10:00:00Z",
            R"({"order_id":"n","currency":"HUF","items":[{"product_id":"p","quantity":-1,"unit_price":"2"}],"total":"2"})")},
       {"order.created", CloudEvent("order.deleted", "unk", t, "2026-11-20T10:00:00Z", "{}")},
       {"order.created", CloudEvent("order.created", "tz", t, "2026-11-20 10:00", "{}")},
       {"order.created", eur},
       {"customer.created", ok2}});
  WaitForEvents(t, 2);
  REQUIRE(WaitFor([&] {
    auto depth = pub.broker().QueueDepth(TestTopology().dead_letter_queue);
    return depth.ok() && *depth >= 5;
  }));
  std::vector<std::string> reasons;
  for (int i = 0; i < 5; ++i) {
    auto m = pub.broker().Get(TestTopology().dead_letter_queue);
    REQUIRE(m.ok());
    REQUIRE(m->has_value());
    reasons.push_back((**m).headers["x-analytics-error"]);
    CHECK(pub.broker().Reject((**m).delivery_tag, /*requeue=*/true).ok());
  }
  auto has = [&](const std::string& part) {
    return std::any_of(reasons.begin(), reasons.end(),
                       [&](const std::string& r) { return r.find(part) != std::string::npos; });
  };
  CHECK(has("invalid JSON"));
  CHECK(has("data.items[0].quantity"));
  CHECK(has("order.deleted"));
  CHECK(has("time"));
  CHECK(has("EUR differs from the tenant's reporting currency HUF"));
  CHECK(EventCount(t) == 2);

  // The operator fixes the tenant's currency and requeues: the order is ingested.
  std::string output;
  CHECK(RunIngestorCommand({"tenant", "set", t, "--currency", "EUR"}, &output) == 0);
  CHECK(RunIngestorCommand({"dead-letters", "requeue"}, &output) == 0);
  INFO(output);
  WaitForEvents(t, 3);
  CHECK(QueryValue("SELECT total FROM orders WHERE tenant_id = " + Q(t)) == "2.0000");
  CHECK(RunIngestorCommand({"dead-letters", "purge"}, &output) == 0);
}

TEST_CASE("an event for an unknown tenant registers it with the configured defaults") {
  const std::string t = UniqueTenant("new");
  IngestorProcess ingestor({"DEFAULT_TIMEZONE=Asia/Kolkata", "DEFAULT_CURRENCY=INR"});
  EventPublisher pub;
  pub.Publish("customer.created", CloudEvent("customer.created", "n1", t, "2026-11-24T18:45:00Z",
                                             R"({"customer_id":"a"})"));
  WaitForEvents(t, 1);
  CHECK(QueryValue("SELECT timezone || ' ' || currency FROM tenants WHERE tenant_id = " + Q(t)) ==
        "Asia/Kolkata INR");
  // 18:45Z is 00:15 the next day at +05:30.
  CHECK(QueryValue("SELECT day FROM customers WHERE tenant_id = " + Q(t)) == "2026-11-25");
}

}  // namespace vecton::testing

namespace vecton::testing {

TEST_CASE("stock levels at the same instant resolve the same way whatever the arrival order") {
  auto conn = ConnectToTestSchema();
  IngestorProcess ingestor;
  EventPublisher pub;
  std::vector<std::string> levels;
  for (bool reversed : {false, true}) {
    const std::string t = UniqueTenant("tie");
    CreateTenant(*conn, t, "UTC", "EUR");
    auto level = [&](const char* id, int value) {
      return std::pair<std::string, std::string>(
          "product.stock_changed",
          CloudEvent("product.stock_changed", id, t, "2026-11-20T10:00:00Z",
                     R"({"product_id":"p","stock_level":)" + std::to_string(value) + "}",
                     "warehouse"));
    };
    // Separate publishes: two batches, so the database's guard decides, not the batch.
    pub.Publish({level(reversed ? "b" : "a", reversed ? 7 : 3)});
    WaitForEvents(t, 1);
    pub.Publish({level(reversed ? "a" : "b", reversed ? 3 : 7)});
    WaitForEvents(t, 2);
    // Equal changed_at: the greater (source, event_id), "b", wins.
    levels.push_back(
        QueryValue("SELECT stock_level || '/' || (SELECT stock_level FROM "
                   "inventory_snapshots s WHERE s.tenant_id = p.tenant_id) "
                   "FROM products p WHERE tenant_id = '" +
                   t + "'"));
    std::string output;
    REQUIRE(RunIngestorCommand({"rebuild", "--tenant", t}, &output) == 0);
    levels.push_back(
        QueryValue("SELECT stock_level || '/' || (SELECT stock_level FROM "
                   "inventory_snapshots s WHERE s.tenant_id = p.tenant_id) "
                   "FROM products p WHERE tenant_id = '" +
                   t + "'"));
  }
  CHECK(levels == std::vector<std::string>{"7/7", "7/7", "7/7", "7/7"});
}

}  // namespace vecton::testing

namespace vecton::testing {

TEST_CASE("serve with an unreachable database at start exits 1 with one clear line") {
  std::string output;
  const int code = RunIngestorCommand({"serve"}, &output,
                                      {"DATABASE_URL=postgresql://nobody:secret@127.0.0.1:1/x"});
  CHECK(code == 1);
  INFO(output);
  CHECK(output.find("analytics-ingestor: cannot start: PostgreSQL at "
                    "postgresql://nobody:***@127.0.0.1:1/x") != std::string::npos);
  CHECK(output.find("secret") == std::string::npos);
}

}  // namespace vecton::testing
