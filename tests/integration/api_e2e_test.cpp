// The whole path end to end: CloudEvents published to a real RabbitMQ, ingested by the real
// analytics-ingestor, answered over HTTP by the real analytics-api; every number checked
// against a value computed by hand (in the comments) from the events this file publishes.
//
// DESIGN
// Each TEST_CASE makes its own tenant in Europe/Budapest, so the cases are independent. The
// history sits in the week DST ends (Sunday 2026-10-25: 02:00-03:00 local happens twice), far
// enough from "now" that the clock-relative parts (dashboards, days_of_cover) don't touch it;
// the dashboards get a tenant whose order is placed now. Every response these cases receive
// is also recorded (method, target, status, content type, headers, body) as one JSON file in
// $VECTON_RECORD_DIR (default <build>/openapi-responses) by api_harness.h RecordResponse;
// tests/openapi/validate.mjs, run by scripts/test.sh after ctest, checks each against
// docs/openapi.yaml.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "api_harness.h"
#include "harness.h"
#include "ingest_harness.h"
#include "vecton/civil_time.h"
#include "vecton/json.h"

namespace vecton::testing {
namespace {

// GET through the API, recorded.
HttpResult Get(const ApiProcess& api, const std::string& target, const std::string& token,
               std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResult r = api.Get(target, token, std::move(headers));
  RecordResponse("GET", target, r);
  return r;
}

// ---- JSON -------------------------------------------------------------------------------

// Parses a 200 JSON answer; fails the test with the body otherwise.
JsonValue Body(const HttpResult& r) {
  REQUIRE_MESSAGE(r.status == 200, r.body);
  auto doc = JsonValue::Parse(r.body);
  REQUIRE_MESSAGE(doc.ok(), r.body);
  return *doc;
}

// The value at a path of member names and array indices: "data.series.3.revenue".
const JsonValue& At(const JsonValue& root, const std::string& path) {
  const JsonValue* v = &root;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (v->is_array()) {
      size_t i = std::stoul(part);
      REQUIRE_MESSAGE(i < v->items().size(),
                      path << ": index " << i << " of " << v->items().size());
      v = &v->items()[i];
    } else {
      v = v->Find(part);
      REQUIRE_MESSAGE(v != nullptr, path << ": no member " << part);
    }
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return *v;
}
// Numbers and strings as written, "null" for null.
std::string T(const JsonValue& root, const std::string& path) {
  const JsonValue& v = At(root, path);
  return v.is_null() ? "null" : v.text();
}
size_t Size(const JsonValue& root, const std::string& path) {
  return At(root, path).items().size();
}
double Num(const JsonValue& root, const std::string& path) {
  return std::stod(At(root, path).text());
}

// ---- events -----------------------------------------------------------------------------

struct Tenant {
  std::string id, token;
};

Tenant MakeTenant(const char* prefix) {
  auto conn = ConnectToTestSchema();
  Tenant t{UniqueTenant(prefix), ""};
  CreateTenant(*conn, t.id, "Europe/Budapest", "HUF");
  t.token = CreateTestToken(t.id);
  return t;
}

std::string UtcNow(int offset_seconds) {
  std::time_t t = std::time(nullptr) + offset_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// The local date in Budapest of a UTC instant written by UtcNow.
std::string BudapestDate(const std::string& utc) {
  auto zone = TimeZone::Get("Europe/Budapest");
  REQUIRE(zone.ok());
  auto t = ParseRfc3339(utc);
  REQUIRE(t.ok());
  return (*zone)->LocalDate(*t).ToString();
}

// The history of the first three test cases, published once per tenant.
//   products: p1 "Kötött sapka" cat 1 Ruházat, p2 "Bögre" cat 2 Konyha, p3 "Sál" cat 1
//   o6 10-14 c4: p3 2x300 = 600                      (the week before: compare)
//   o5 10-22 guest: p2 1x500 = 500, cancelled 10-23   (cancelled_orders on 10-22)
//   o1 10-24 10:00+02 c1 m1: p1 2x1000 + p2 1x500 = 2500; refunded 500 on 10-27
//   o2 10-25 02:30+02 c2: p3 1x300 = 300                (the first 02:00 hour)
//   o3 10-25 02:30+01 c1 m1: p2 3x200 = 600             (the second 02:00 hour)
//   o4 10-26 09:00+01 c3: p1 1x1000 = 1000              (the next week)
void PublishHistory(const std::string& t) {
  EventPublisher pub;
  auto ev = [&](const std::string& type, const std::string& id, const std::string& time,
                const std::string& data, const char* source = "webshop") {
    return std::pair(type, CloudEvent(type, id, t, time, data, source));
  };
  const std::string p1 =
      R"("product_id":"p1","sku":"SAP-1","name":"Kötött sapka","category_id":1,"category_name":"Ruházat")";
  const std::string p2 =
      R"("product_id":"p2","sku":"BOG-2","name":"Bögre","category_id":2,"category_name":"Konyha")";
  const std::string p3 =
      R"("product_id":"p3","sku":"SAL-3","name":"Sál","category_id":1,"category_name":"Ruházat")";
  pub.Publish({
      ev("order.created", "e6", "2026-10-14T10:00:00+02:00",
         R"({"order_id":"o6","customer_id":"c4","currency":"HUF","total":"600",
             "items":[{)" +
             p3 + R"(,"quantity":2,"unit_price":"300"}]})"),
      ev("order.created", "e5", "2026-10-22T12:00:00+02:00",
         R"({"order_id":"o5","customer_id":null,"currency":"HUF","total":"500",
             "items":[{)" +
             p2 + R"(,"quantity":1,"unit_price":"500"}]})"),
      ev("order.status_changed", "s5", "2026-10-23T09:00:00+02:00",
         R"({"order_id":"o5","status":"cancelled"})"),
      ev("order.created", "e1", "2026-10-24T10:00:00+02:00",
         R"({"order_id":"o1","customer_id":"c1","currency":"HUF","total":"2500","campaign_id":"m1",
             "items":[{)" +
             p1 + R"(,"quantity":2,"unit_price":"1000"},{)" + p2 +
             R"(,"quantity":1,"unit_price":"500"}]})"),
      ev("order.created", "e2", "2026-10-25T02:30:00+02:00",
         R"({"order_id":"o2","customer_id":"c2","currency":"HUF","total":"300",
             "items":[{)" +
             p3 + R"(,"quantity":1,"unit_price":"300"}]})"),
      ev("order.created", "e3", "2026-10-25T02:30:00+01:00",
         R"({"order_id":"o3","customer_id":"c1","currency":"HUF","total":"600","campaign_id":"m1",
             "items":[{)" +
             p2 + R"(,"quantity":3,"unit_price":"200"}]})"),
      ev("order.created", "e4", "2026-10-26T09:00:00+01:00",
         R"({"order_id":"o4","customer_id":"c3","currency":"HUF","total":"1000",
             "items":[{)" +
             p1 + R"(,"quantity":1,"unit_price":"1000"}]})"),
      ev("order.status_changed", "s1", "2026-10-27T10:00:00+01:00",
         R"({"order_id":"o1","status":"refunded","refund_amount":"500"})"),
      ev("customer.created", "u4", "2026-10-10T09:00:00+02:00", R"({"customer_id":"c4"})", "crm"),
      ev("customer.created", "u1", "2026-10-20T09:00:00+02:00",
         R"({"customer_id":"c1","source":"organic"})", "crm"),
      // 23:30Z on the 24th is 01:30 on the 25th in Budapest.
      ev("customer.created", "u2", "2026-10-24T23:30:00Z", R"({"customer_id":"c2"})", "crm"),
      ev("customer.created", "u3", "2026-10-26T08:00:00+01:00",
         R"({"customer_id":"c3","source":"campaign","campaign_id":"m1"})", "crm"),
      ev("product.stock_changed", "k1", "2026-10-20T08:00:00+02:00",
         R"({"product_id":"p1","stock_level":40,"low_stock_threshold":5})"),
      ev("product.stock_changed", "k2", "2026-10-21T08:00:00+02:00",
         R"({"product_id":"p2","stock_level":3})"),
      ev("product.stock_changed", "k3", "2026-10-22T08:00:00+02:00",
         R"({"product_id":"p3","stock_level":0})"),
      ev("stock.received", "r1", "2026-10-23T07:00:00+02:00",
         R"({"product_id":"p1","quantity":10,"unit_cost":"250","supplier_id":"sup-1"})",
         "warehouse"),
      ev("campaign.sent", "m1", "2026-10-19T09:00:00+02:00",
         R"({"campaign_id":"m1","name":"Őszi akció","channel":"email","recipients":4,"cost":"1000.00"})",
         "crm"),
      ev("campaign.sent", "m2", "2026-10-21T09:00:00+02:00",
         R"({"campaign_id":"m2","name":"=1+2","channel":"sms","recipients":0})", "crm"),
      ev("email.opened", "x1", "2026-10-19T10:00:00+02:00",
         R"({"campaign_id":"m1","customer_id":"c1"})", "crm"),
      ev("email.opened", "x2", "2026-10-19T11:00:00+02:00",
         R"({"campaign_id":"m1","customer_id":"c1"})", "crm"),
      ev("email.opened", "x3", "2026-10-19T12:00:00+02:00",
         R"({"campaign_id":"m1","customer_id":"c2"})", "crm"),
  });
  WaitForEvents(t, 21);
}

// One tenant with the history, shared by the history cases (published once per process).
const Tenant& HistoryTenant() {
  static const Tenant tenant = [] {
    Tenant t = MakeTenant("e2e");
    IngestorProcess ingestor;
    PublishHistory(t.id);
    CHECK(ingestor.Stop() == 0);
    return t;
  }();
  return tenant;
}

}  // namespace

TEST_CASE(
    "e2e sales: DST week daily, weekly and hourly, refund on a later day, category, compare") {
  const Tenant& t = HistoryTenant();
  ApiProcess api;

  // Mon 10-19 .. Sun 10-25: o5 cancelled on 10-22; o1 2500 (3 items) on 10-24; o2 300 + o3 600
  // (4 items) on 10-25.
  JsonValue daily = Body(Get(api, "/api/reports/sales?from=2026-10-19&to=2026-10-25", t.token));
  CHECK(T(daily, "timezone") == "Europe/Budapest");
  CHECK(T(daily, "currency") == "HUF");
  CHECK(T(daily, "range.from") == "2026-10-19");
  CHECK(T(daily, "range.to") == "2026-10-25");
  REQUIRE(Size(daily, "data.series") == 7);
  CHECK(T(daily, "data.series.3.period") == "2026-10-22");
  CHECK(T(daily, "data.series.3.orders") == "0");
  CHECK(T(daily, "data.series.3.cancelled_orders") == "1");
  CHECK(T(daily, "data.series.5.revenue") == "2500.00");
  CHECK(T(daily, "data.series.5.items_sold") == "3");
  CHECK(T(daily, "data.series.6.period") == "2026-10-25");
  CHECK(T(daily, "data.series.6.orders") == "2");
  CHECK(T(daily, "data.series.6.revenue") == "900.00");
  CHECK(T(daily, "data.totals.orders") == "3");
  CHECK(T(daily, "data.totals.revenue") == "3400.00");
  CHECK(T(daily, "data.totals.items_sold") == "7");
  CHECK(T(daily, "data.totals.average_order_value") == "1133.33");  // 3400 / 3
  CHECK(T(daily, "data.totals.cancelled_orders") == "1");
  CHECK(T(daily, "data.totals.refunds") == "0.00");
  // by_category, highest revenue first: cat 1 = o1's p1 2000 + o2's p3 300; cat 2 = o1's p2
  // 500 + o3's 600.
  REQUIRE(Size(daily, "data.by_category") == 2);
  CHECK(T(daily, "data.by_category.0.category_id") == "1");
  CHECK(T(daily, "data.by_category.0.category_name") == "Ruházat");
  CHECK(T(daily, "data.by_category.0.revenue") == "2300.00");
  CHECK(T(daily, "data.by_category.0.orders") == "2");
  CHECK(T(daily, "data.by_category.1.category_name") == "Konyha");
  CHECK(T(daily, "data.by_category.1.revenue") == "1100.00");

  // Weekly over two weeks: Monday buckets; the second week has o4 1000 and the refund 500.
  JsonValue weekly = Body(
      Get(api, "/api/reports/sales?from=2026-10-19&to=2026-11-01&granularity=weekly", t.token));
  REQUIRE(Size(weekly, "data.series") == 2);
  CHECK(T(weekly, "data.series.0.period") == "2026-10-19");
  CHECK(T(weekly, "data.series.0.revenue") == "3400.00");
  CHECK(T(weekly, "data.series.1.period") == "2026-10-26");
  CHECK(T(weekly, "data.series.1.orders") == "1");
  CHECK(T(weekly, "data.series.1.revenue") == "1000.00");
  CHECK(T(weekly, "data.series.1.refunds") == "500.00");
  CHECK(T(weekly, "data.series.1.net_revenue") == "500.00");
  CHECK(T(weekly, "data.totals.net_revenue") == "3900.00");

  // Hourly on the day DST ends: 25 hours, 02:00 twice; o2 in the first, o3 in the second.
  JsonValue hourly = Body(
      Get(api, "/api/reports/sales?from=2026-10-25&to=2026-10-25&granularity=hourly", t.token));
  REQUIRE(Size(hourly, "data.series") == 25);
  CHECK(T(hourly, "data.series.0.period") == "2026-10-25T00:00:00+02:00");
  CHECK(T(hourly, "data.series.2.period") == "2026-10-25T02:00:00+02:00");
  CHECK(T(hourly, "data.series.2.revenue") == "300.00");
  CHECK(T(hourly, "data.series.3.period") == "2026-10-25T02:00:00+01:00");
  CHECK(T(hourly, "data.series.3.revenue") == "600.00");
  CHECK(T(hourly, "data.series.24.period") == "2026-10-25T23:00:00+01:00");
  CHECK(T(hourly, "data.totals.revenue") == "900.00");

  // The refund is dated on its own day (10-27), not on o1's day: net_revenue of both days.
  JsonValue refund = Body(Get(api, "/api/reports/sales?from=2026-10-24&to=2026-10-27", t.token));
  CHECK(T(refund, "data.series.0.net_revenue") == "2500.00");
  CHECK(T(refund, "data.series.0.refunds") == "0.00");
  CHECK(T(refund, "data.series.3.period") == "2026-10-27");
  CHECK(T(refund, "data.series.3.revenue") == "0.00");
  CHECK(T(refund, "data.series.3.refunds") == "500.00");
  CHECK(T(refund, "data.series.3.net_revenue") == "-500.00");
  CHECK(T(refund, "data.totals.net_revenue") == "3900.00");  // 2500 + 900 + 1000 - 500

  // Category 1 only: o1's p1 2x1000 and o2's p3 300; order-level metrics unknown.
  JsonValue category =
      Body(Get(api, "/api/reports/sales?from=2026-10-19&to=2026-10-25&category_id=1", t.token));
  CHECK(T(category, "data.totals.orders") == "2");
  CHECK(T(category, "data.totals.revenue") == "2300.00");
  CHECK(T(category, "data.totals.items_sold") == "3");
  CHECK(T(category, "data.totals.tax") == "null");
  CHECK(T(category, "data.totals.cancelled_orders") == "null");

  // compare=previous_period: 10-12 .. 10-18 has o6 600 in 1 order.
  JsonValue compare = Body(Get(
      api, "/api/reports/sales?from=2026-10-19&to=2026-10-25&compare=previous_period", t.token));
  CHECK(T(compare, "data.compare.range.from") == "2026-10-12");
  CHECK(T(compare, "data.compare.range.to") == "2026-10-18");
  CHECK(T(compare, "data.compare.totals.revenue") == "600.00");
  CHECK(Num(compare, "data.compare.change.revenue") == doctest::Approx(2800.0 / 600));
  CHECK(Num(compare, "data.compare.change.orders") == doctest::Approx(2.0));
  CHECK(T(compare, "data.compare.change.refunds") == "null");  // 0 before

  // The same range as CSV: a header and 7 day rows.
  HttpResult csv = Get(api, "/api/reports/sales/export?from=2026-10-19&to=2026-10-25", t.token);
  REQUIRE(csv.status == 200);
  CHECK(csv.Header("content-disposition") ==
        "attachment; filename=\"sales-2026-10-19_2026-10-25.csv\"");
  CHECK(csv.body.find("\r\n2026-10-24,1,2500.00,0.00,2500.00,3,2500.00,") != std::string::npos);
}

TEST_CASE("e2e products, customers, inventory and campaigns match the published history") {
  const Tenant& t = HistoryTenant();
  ApiProcess api;

  // 10-19 .. 10-27: p1 o1 2x1000 + o4 1x1000; p2 o1 500 + o3 3x200; p3 o2 300. The refund of
  // o1 (500 of 2500) is split by item revenue: p1 400, p2 100.
  const std::string products = "/api/reports/products?from=2026-10-19&to=2026-10-27";
  JsonValue by_revenue = Body(Get(api, products, t.token));
  REQUIRE(Size(by_revenue, "data.items") == 3);
  CHECK(T(by_revenue, "data.total_count") == "3");
  CHECK(T(by_revenue, "data.items.0.product_id") == "p1");
  CHECK(T(by_revenue, "data.items.0.name") == "Kötött sapka");
  CHECK(T(by_revenue, "data.items.0.category") == "Ruházat");
  CHECK(T(by_revenue, "data.items.0.units_sold") == "3");
  CHECK(T(by_revenue, "data.items.0.revenue") == "3000.00");
  CHECK(T(by_revenue, "data.items.0.orders") == "2");
  CHECK(T(by_revenue, "data.items.0.refunds") == "400.00");
  CHECK(T(by_revenue, "data.items.1.product_id") == "p2");
  CHECK(T(by_revenue, "data.items.1.revenue") == "1100.00");
  CHECK(T(by_revenue, "data.items.1.refunds") == "100.00");
  CHECK(T(by_revenue, "data.items.2.product_id") == "p3");
  JsonValue by_units = Body(Get(api, products + "&sort=units_sold", t.token));
  CHECK(T(by_units, "data.items.0.product_id") == "p3");  // 1
  CHECK(T(by_units, "data.items.1.product_id") == "p1");  // 3
  CHECK(T(by_units, "data.items.2.product_id") == "p2");  // 4
  JsonValue page = Body(Get(api, products + "&sort=-units_sold&limit=2&offset=1", t.token));
  REQUIRE(Size(page, "data.items") == 2);
  CHECK(T(page, "data.items.0.product_id") == "p1");
  CHECK(T(page, "data.items.1.product_id") == "p3");
  CHECK(T(page, "data.total_count") == "3");
  JsonValue apparel = Body(Get(api, products + "&category_id=1&sort=name", t.token));
  REQUIRE(Size(apparel, "data.items") == 2);
  CHECK(T(apparel, "data.items.0.product_id") == "p1");  // "Kötött sapka" < "Sál"
  CHECK(T(apparel, "data.items.1.product_id") == "p3");
  HttpResult products_csv = Get(api, products + "&format=csv", t.token);
  REQUIRE(products_csv.status == 200);
  CHECK(products_csv.body.starts_with(
      "product_id,sku,name,category_id,category,units_sold,revenue,orders,refunds\r\n"
      "p1,SAP-1,Kötött sapka,1,Ruházat,3,3000.00,2,400.00\r\n"));

  // Customers, daily 10-24 .. 10-26: 10-24 c1 new; 10-25 c2 new (signed up 01:30 local), c1
  // back (returning); 10-26 c3 new and signed up.
  JsonValue customers =
      Body(Get(api, "/api/reports/customers?from=2026-10-24&to=2026-10-26&limit=2", t.token));
  REQUIRE(Size(customers, "data.series") == 3);
  CHECK(T(customers, "data.series.0.new_customers") == "1");
  CHECK(T(customers, "data.series.0.signups") == "0");
  CHECK(T(customers, "data.series.1.new_customers") == "1");
  CHECK(T(customers, "data.series.1.returning_customers") == "1");
  CHECK(T(customers, "data.series.1.active_customers") == "2");
  CHECK(T(customers, "data.series.1.signups") == "1");
  CHECK(T(customers, "data.series.2.new_customers") == "1");
  CHECK(T(customers, "data.series.2.signups") == "1");
  CHECK(T(customers, "data.totals.new_customers") == "3");
  CHECK(T(customers, "data.totals.active_customers") == "3");
  CHECK(T(customers, "data.totals.returning_customers") == "0");  // c4's first order is before
  CHECK(T(customers, "data.totals.signups") == "2");
  // Customers with a first order up to 10-26: c4 600, c1 2500 + 600 - 500, c2 300, c3 1000;
  // only c1 has two orders.
  CHECK(Num(customers, "data.totals.repeat_purchase_rate") == doctest::Approx(0.25));
  CHECK(T(customers, "data.totals.average_ltv") == "1125.00");  // 4500 / 4
  REQUIRE(Size(customers, "data.top_customers") == 2);
  CHECK(T(customers, "data.top_customers.0.customer_id") == "c1");
  CHECK(T(customers, "data.top_customers.0.lifetime_value") == "2600.00");
  CHECK(T(customers, "data.top_customers.1.customer_id") == "c3");
  REQUIRE(Size(customers, "data.cohorts") == 1);
  CHECK(T(customers, "data.cohorts.0.cohort") == "2026-10");
  CHECK(T(customers, "data.cohorts.0.customers") == "3");

  // Inventory over Mon 10-19 .. Sun 10-25: p1 40 from 10-20 (threshold 5), p2 3 from 10-21
  // (default threshold 10: low), p3 0 from 10-22; p1's unit cost 250 from its receipt, p2 has
  // none.
  JsonValue inventory =
      Body(Get(api, "/api/reports/inventory?from=2026-10-19&to=2026-10-25", t.token));
  CHECK(T(inventory, "data.totals.products") == "3");
  CHECK(T(inventory, "data.totals.in_stock") == "1");
  CHECK(T(inventory, "data.totals.low_stock") == "1");
  CHECK(T(inventory, "data.totals.out_of_stock") == "1");
  CHECK(T(inventory, "data.totals.stock_units") == "43");
  CHECK(T(inventory, "data.totals.stock_value") == "10000.00");  // 40 x 250
  CHECK(T(inventory, "data.totals.products_without_cost") == "1");
  CHECK(T(inventory, "data.totals.received_units") == "10");
  CHECK(T(inventory, "data.totals.received_cost") == "2500.00");
  REQUIRE(Size(inventory, "data.items") == 3);
  CHECK(T(inventory, "data.items.0.product_id") == "p1");
  CHECK(T(inventory, "data.items.0.stock_level") == "40");
  CHECK(T(inventory, "data.items.0.status") == "in_stock");
  CHECK(T(inventory, "data.items.0.units_sold") == "2");
  CHECK(T(inventory, "data.items.0.received_units") == "10");
  // 40 held on 6 of the 7 days: average 240 / 7; turnover 2 / (240 / 7).
  CHECK(Num(inventory, "data.items.0.average_stock") == doctest::Approx(240.0 / 7).epsilon(1e-5));
  CHECK(Num(inventory, "data.items.0.turnover_rate") ==
        doctest::Approx(2 / (240.0 / 7)).epsilon(1e-5));
  CHECK(T(inventory, "data.items.1.status") == "low_stock");
  CHECK(T(inventory, "data.items.2.status") == "out_of_stock");
  CHECK(T(inventory, "data.items.2.turnover_rate") == "null");  // never held stock
  REQUIRE(Size(inventory, "data.series") == 7);
  CHECK(T(inventory, "data.series.0.stock_units") == "0");
  CHECK(T(inventory, "data.series.1.stock_units") == "40");
  CHECK(T(inventory, "data.series.2.stock_units") == "43");
  CHECK(T(inventory, "data.series.4.received_units") == "10");
  // Category 1 (p1, p3): the list, the totals and the series count only those products.
  JsonValue apparel_stock =
      Body(Get(api, "/api/reports/inventory?from=2026-10-19&to=2026-10-25&category_id=1", t.token));
  CHECK(T(apparel_stock, "data.totals.products") == "2");
  CHECK(T(apparel_stock, "data.total_count") == "2");
  CHECK(T(apparel_stock, "data.totals.stock_units") == "40");
  CHECK(T(apparel_stock, "data.totals.units_sold") == "3");  // p1 2 + p3 1
  CHECK(T(apparel_stock, "data.totals.received_units") == "10");
  CHECK(T(apparel_stock, "data.series.2.stock_units") == "40");

  // Campaigns first sent in October, oldest first: m1 4 recipients, 2 unique of 3 opens,
  // o1 + o3 attributed = 3100 for 1000; m2 0 recipients and no cost.
  JsonValue campaigns =
      Body(Get(api, "/api/reports/campaigns?from=2026-10-01&to=2026-10-31", t.token));
  REQUIRE(Size(campaigns, "data.items") == 2);
  CHECK(T(campaigns, "data.items.0.campaign_id") == "m1");
  CHECK(T(campaigns, "data.items.0.first_sent_at") == "2026-10-19T09:00:00+02:00");
  CHECK(T(campaigns, "data.items.0.opens") == "3");
  CHECK(T(campaigns, "data.items.0.unique_opens") == "2");
  CHECK(Num(campaigns, "data.items.0.open_rate") == doctest::Approx(0.5));
  CHECK(T(campaigns, "data.items.0.attributed_orders") == "2");
  CHECK(T(campaigns, "data.items.0.attributed_revenue") == "3100.00");
  CHECK(Num(campaigns, "data.items.0.roi") == doctest::Approx(2.1));
  CHECK(T(campaigns, "data.items.1.campaign_id") == "m2");
  CHECK(T(campaigns, "data.items.1.open_rate") == "null");
  CHECK(T(campaigns, "data.items.1.roi") == "null");
  CHECK(T(campaigns, "data.items.1.cost") == "null");
  // The CSV defuses the formula-like campaign name.
  HttpResult campaigns_csv =
      Get(api, "/api/reports/campaigns/export?from=2026-10-01&to=2026-10-31", t.token);
  REQUIRE(campaigns_csv.status == 200);
  CHECK(campaigns_csv.body.find("\r\nm2,'=1+2,sms,") != std::string::npos);
  for (const char* name : {"products", "customers", "inventory"}) {
    CHECK(Get(api, std::string("/api/reports/") + name + "/export?from=2026-10-19&to=2026-10-25",
              t.token)
              .status == 200);
  }
}

TEST_CASE("e2e errors, conditional requests and operations routes have the documented shapes") {
  const Tenant& t = HistoryTenant();
  ApiProcess api;
  const std::string target = "/api/reports/sales?from=2026-10-19&to=2026-10-25";
  HttpResult first = Get(api, target, t.token);
  REQUIRE(first.status == 200);
  HttpResult not_modified = Get(api, target, t.token, {{"If-None-Match", first.Header("etag")}});
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  CHECK(Get(api, target, "").status == 401);
  CHECK(Get(api, target, "not-a-token").Header("www-authenticate") == "Bearer");
  CHECK(Get(api, target, t.token, {{"X-Tenant", "someone-else"}}).status == 403);
  HttpResult bad = Get(api, "/api/reports/sales?granularity=yearly", t.token);
  CHECK(bad.status == 400);
  CHECK(T(Body({200, {}, bad.body}), "error.parameter") == "granularity");
  CHECK(Get(api, "/api/dashboard?from=2026-10-01", t.token).status == 400);
  CHECK(Get(api, "/api/reports/nothing/export", t.token).status == 404);
  HttpResult post = HttpRequestRaw(api.port(), "POST", "/api/reports/sales");
  RecordResponse("POST", "/api/reports/sales", post);
  CHECK(post.status == 405);
  CHECK(post.Header("allow") == "GET");
  HttpResult large =
      HttpRequestRaw(api.port(), "GET", "/api/dashboard", {}, std::string(2 << 20, 'x'));
  RecordResponse("GET", "/api/dashboard", large);
  CHECK(large.status == 413);
  CHECK(Get(api, "/api/health", "").status == 200);
  CHECK(Get(api, "/api/ready", "").status == 200);
  CHECK(Get(api, "/api/metrics", "").status == 200);
}

TEST_CASE(
    "e2e dashboards show an order placed now, and the next ingested event invalidates the cache") {
  Tenant t = MakeTenant("live");
  IngestorProcess ingestor;
  EventPublisher pub;
  const std::string placed = UtcNow(-2);
  auto ev = [&](const std::string& type, const std::string& id, const std::string& time,
                const std::string& data) {
    return std::pair(type, CloudEvent(type, id, t.id, time, data));
  };
  pub.Publish({
      ev("product.stock_changed", "k1", "2026-10-20T08:00:00+02:00",
         R"({"product_id":"p1","stock_level":40,"name":"Kötött sapka"})"),
      ev("customer.created", "u1", placed, R"({"customer_id":"c1","source":"organic"})"),
      ev("order.created", "n1", placed,
         R"({"order_id":"n1","customer_id":"c1","currency":"HUF","total":"1000",
             "items":[{"product_id":"p1","quantity":1,"unit_price":"1000"}]})"),
  });
  WaitForEvents(t.id, 3);
  ApiProcess api;

  JsonValue dashboard = Body(Get(api, "/api/dashboard", t.token));
  // The default range of the envelope ends today (local); skip the "today" numbers in the
  // unlikely case that midnight passed between the order and the request.
  const bool same_day = T(dashboard, "range.to") == BudapestDate(placed);
  for (const char* span : {"today", "week", "month", "year_to_date"}) {
    for (const char* field : {"from", "revenue", "orders", "average_order_value", "change.revenue",
                              "change.orders", "change.average_order_value"}) {
      At(dashboard, std::string("data.sales.") + span + "." + field);
    }
  }
  CHECK(Size(dashboard, "data.revenue_trend") == 30);
  CHECK(T(dashboard, "data.revenue_trend.29.period") == T(dashboard, "range.to"));
  CHECK(T(dashboard, "data.inventory.in_stock") == "1");
  CHECK(T(dashboard, "data.inventory.stock_units") == "40");
  if (same_day) {
    CHECK(T(dashboard, "data.sales.today.orders") == "1");
    CHECK(T(dashboard, "data.sales.today.revenue") == "1000.00");
    CHECK(T(dashboard, "data.sales.year_to_date.revenue") == "1000.00");
    CHECK(T(dashboard, "data.revenue_trend.29.revenue") == "1000.00");
    CHECK(T(dashboard, "data.top_products.0.product_id") == "p1");
    CHECK(T(dashboard, "data.customers.new_today") == "1");
    CHECK(T(dashboard, "data.customers.signups_this_month") == "1");
  }

  JsonValue sales = Body(Get(api, "/api/dashboard/sales", t.token));
  for (const char* field :
       {"spans.today.totals.net_revenue", "spans.week.previous.orders",
        "spans.month.change.revenue", "spans.year_to_date.from", "fulfillment.orders",
        "fulfillment.median_hours_to_ship", "fulfillment.orders_by_status"}) {
    At(sales, std::string("data.") + field);
  }
  CHECK(Size(sales, "data.month_daily") == std::stoul(T(dashboard, "range.to").substr(8, 2)));
  if (same_day) {
    CHECK(T(sales, "data.spans.today.totals.items_sold") == "1");
    CHECK(T(sales, "data.fulfillment.orders_by_status.pending") == "1");
  }

  JsonValue customers = Body(Get(api, "/api/dashboard/customers", t.token));
  CHECK(Size(customers, "data.series") == 30);
  for (const char* field : {"today.new_customers", "month.returning_customers",
                            "year.active_customers", "repeat_purchase_rate", "average_ltv"}) {
    At(customers, std::string("data.") + field);
  }
  CHECK(T(customers, "data.repeat_purchase_rate") == "0");  // one customer, one order
  CHECK(T(customers, "data.average_ltv") == "1000.00");
  if (same_day) {
    CHECK(T(customers, "data.today.new_customers") == "1");
    CHECK(T(customers, "data.signups_by_source.0.source") == "organic");
  }

  // p1: 40 units, 1 sold in the last 30 days: 1200 days of cover, overstock.
  JsonValue inventory = Body(Get(api, "/api/dashboard/inventory", t.token));
  CHECK(T(inventory, "data.counts.in_stock") == "1");
  REQUIRE(Size(inventory, "data.overstock.items") == 1);
  CHECK(T(inventory, "data.overstock.items.0.product_id") == "p1");
  CHECK(Num(inventory, "data.overstock.items.0.days_of_cover") == doctest::Approx(1200));
  CHECK(T(inventory, "data.dead_stock.total_count") == "0");
  CHECK(Size(inventory, "data.recent_receipts") == 0);

  // The cache: a hit, then one more order; the next answer with the new numbers is a miss, and
  // until it comes every answer still has the old ones.
  const std::string target = "/api/reports/sales";
  JsonValue before = Body(Get(api, target, t.token));
  REQUIRE(T(before, "data.totals.orders") == "1");
  HttpResult hit = Get(api, target, t.token);
  REQUIRE(hit.Header("x-cache") == "hit");
  pub.Publish("order.created", CloudEvent("order.created", "n2", t.id, UtcNow(-1),
                                          R"({"order_id":"n2","currency":"HUF","total":"250.50",
                             "items":[{"product_id":"p1","quantity":1,"unit_price":"250.50"}]})"));
  HttpResult fresh;
  bool stale_only = true;
  const bool updated = WaitFor(
      [&] {
        fresh = Get(api, target, t.token);
        JsonValue doc = Body(fresh);
        if (T(doc, "data.totals.orders") == "1") return false;
        stale_only = false;
        return true;
      },
      std::chrono::seconds(15));
  REQUIRE_MESSAGE(updated, "the new order never showed: " << fresh.body);
  CHECK_FALSE(stale_only);
  CHECK(fresh.Header("x-cache") == "miss");
  JsonValue after = Body(fresh);
  CHECK(T(after, "data.totals.orders") == "2");
  CHECK(T(after, "data.totals.revenue") == "1250.50");
  CHECK(Get(api, target, t.token).Header("x-cache") == "hit");
  CHECK(ingestor.Stop() == 0);
}

}  // namespace vecton::testing
