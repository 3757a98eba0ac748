// Custom reports over HTTP against the real daemons: events go through RabbitMQ and the real
// ingestor, reports are saved and run through the real analytics-api, and every number is
// worked out by hand from the events in the comments. Every response is recorded
// (api_harness.h RecordResponse) for the OpenAPI check of tests/openapi, as api_e2e_test's.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api_harness.h"
#include "harness.h"
#include "ingest_harness.h"
#include "vecton/json.h"

namespace vecton::testing {
namespace {

// GET through the API, recorded.
HttpResult Get(const ApiProcess& api, const std::string& target, const std::string& token) {
  HttpResult r = api.Get(target, token);
  RecordResponse("GET", target, r);
  return r;
}

JsonValue ParseJson(const std::string& body) {
  auto v = JsonValue::Parse(body);
  REQUIRE_MESSAGE(v.ok(), body);
  return *v;
}

struct Fixture {
  std::string tenant;
  std::string token;
};

// Five orders in November 2026 (Budapest), three categories, two channels:
//   o1 2026-11-02 web    cat 1: 2 x 1000        total 2000
//   o2 2026-11-03 web    cat 1: 1 x 500, cat 2: 1 x 3000  total 3500
//   o3 2026-11-03 mobile cat 1: 4 x 250        total 1000
//   o4 2026-11-10 web    cat 2: 1 x 700         total 700, later refunded 200 (on 11-11)
//   o5 2026-11-10 web    cat 1: 1 x 100         total 100, cancelled
// plus two customers (HU, AT), a receipt and a campaign.
Fixture Ingest() {
  auto conn = ConnectToTestSchema();
  Fixture f{UniqueTenant("custom"), ""};
  CreateTenant(*conn, f.tenant, "Europe/Budapest", "HUF");
  f.token = CreateTestToken(f.tenant);
  IngestorProcess ingestor;
  EventPublisher pub;
  auto ev = [&](const std::string& type, const std::string& id, const std::string& time,
                const std::string& data) {
    return std::pair(type, CloudEvent(type, id, f.tenant, time, data));
  };
  pub.Publish({
      ev("product.stock_changed", "k1", "2026-11-01T08:00:00+01:00",
         R"({"product_id":"p1","stock_level":40,"name":"Bőr öv","sku":"S1","category_id":1,"category_name":"Bőráruk"})"),
      ev("product.stock_changed", "k2", "2026-11-01T08:00:00+01:00",
         R"({"product_id":"p2","stock_level":5,"name":"Gyűrű","sku":"S2","category_id":2,"category_name":"Ékszer"})"),
      ev("customer.created", "c1", "2026-11-01T09:00:00+01:00",
         R"({"customer_id":"c1","country":"HU","source":"organic"})"),
      ev("customer.created", "c2", "2026-11-02T09:00:00+01:00",
         R"({"customer_id":"c2","country":"AT","source":"ads"})"),
      ev("order.created", "o1", "2026-11-02T10:00:00+01:00",
         R"({"order_id":"o1","customer_id":"c1","currency":"HUF","channel":"web","country":"HU","items":[{"product_id":"p1","category_id":1,"quantity":2,"unit_price":"1000"}],"total":"2000"})"),
      ev("order.created", "o2", "2026-11-03T10:00:00+01:00",
         R"({"order_id":"o2","customer_id":"c1","currency":"HUF","channel":"web","country":"HU","items":[{"product_id":"p1","category_id":1,"quantity":1,"unit_price":"500"},{"product_id":"p2","category_id":2,"quantity":1,"unit_price":"3000"}],"total":"3500"})"),
      ev("order.created", "o3", "2026-11-03T11:00:00+01:00",
         R"({"order_id":"o3","customer_id":"c2","currency":"HUF","channel":"mobile","country":"AT","items":[{"product_id":"p1","category_id":1,"quantity":4,"unit_price":"250"}],"total":"1000"})"),
      ev("order.created", "o4", "2026-11-10T10:00:00+01:00",
         R"({"order_id":"o4","customer_id":"c2","currency":"HUF","channel":"web","items":[{"product_id":"p2","category_id":2,"quantity":1,"unit_price":"700"}],"total":"700"})"),
      ev("order.created", "o5", "2026-11-10T12:00:00+01:00",
         R"({"order_id":"o5","currency":"HUF","channel":"web","items":[{"product_id":"p1","category_id":1,"quantity":1,"unit_price":"100"}],"total":"100"})"),
      ev("order.status_changed", "s4", "2026-11-11T10:00:00+01:00",
         R"({"order_id":"o4","status":"refunded","refund_amount":"200"})"),
      ev("order.status_changed", "s5", "2026-11-10T13:00:00+01:00",
         R"({"order_id":"o5","status":"cancelled"})"),
      ev("stock.received", "r1", "2026-11-04T07:00:00+01:00",
         R"({"product_id":"p2","quantity":10,"unit_cost":"400"})"),
      ev("campaign.sent", "m1", "2026-11-05T10:00:00+01:00",
         R"({"campaign_id":"m1","name":"Téli akció","channel":"email","recipients":200,"cost":"1000"})"),
      ev("email.opened", "x1", "2026-11-05T11:00:00+01:00",
         R"({"campaign_id":"m1","customer_id":"c1"})"),
      ev("email.opened", "x2", "2026-11-05T12:00:00+01:00",
         R"({"campaign_id":"m1","customer_id":"c1"})"),
  });
  REQUIRE(WaitFor([&] {
    return QueryValue("SELECT count(*) FROM event_log WHERE tenant_id = '" + f.tenant + "'") ==
           "15";
  }));
  REQUIRE(WaitFor([&] {
    return QueryValue("SELECT count(*) FROM daily_receipts WHERE tenant_id = '" + f.tenant + "'") ==
           "1";
  }));
  return f;
}

std::vector<std::pair<std::string, std::string>> Auth(const Fixture& f) {
  return {{"Authorization", "Bearer " + f.token}};
}

// Saves a definition and returns its id (REQUIREs 201).
std::string Save(const ApiProcess& api, const Fixture& f, const std::string& definition) {
  HttpResult r = RecordedRequest(api.port(), "POST", "/api/reports", Auth(f), definition);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return ParseJson(r.body).Find("id")->text();
}

JsonValue RunSaved(const ApiProcess& api, const Fixture& f, const std::string& id,
                   const std::string& query = "") {
  HttpResult r = Get(api, "/api/reports/" + id + query, f.token);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return *ParseJson(r.body).Find("data");
}

std::string Text(const JsonValue& v, std::string_view key) {
  const JsonValue* m = v.Find(key);
  REQUIRE_MESSAGE(m != nullptr, key);
  return m->is_null() ? "null" : m->text();
}

const std::string kNovember = R"("range":{"from":"2026-11-01","to":"2026-11-30"})";

TEST_CASE("custom reports per source equal the values worked out from the events") {
  Fixture f = Ingest();
  ApiProcess api({"CACHE_TTL=0"});

  SUBCASE("sales: apparel (category 1) revenue by week for the web channel") {
    // Category 1 lines of non-cancelled web orders: o1 2000 (week of 11-02), o2 500 (same
    // week); o5 is cancelled. Weekly buckets from Monday 10-26 to 11-30.
    std::string id =
        Save(api, f,
             R"({"name":"Apparel web","source":"sales","metrics":["revenue","orders","items_sold"],
      "dimensions":["period"],"filters":[{"field":"category_id","op":"in","value":[1]},{"field":"channel","op":"equals","value":"web"}],
      "granularity":"weekly",)" +
                 kNovember + "}");
    JsonValue data = RunSaved(api, f, id);
    CHECK(Text(*data.Find("totals"), "revenue") == "2500.00");
    CHECK(Text(*data.Find("totals"), "orders") == "2");
    CHECK(Text(*data.Find("totals"), "items_sold") == "3");
    const auto& rows = data.Find("rows")->items();
    REQUIRE(rows.size() == 6);  // 10-26, 11-02, 11-09, 11-16, 11-23, 11-30
    CHECK(Text(rows[1], "period") == "2026-11-02");
    CHECK(Text(rows[1], "revenue") == "2500.00");
    CHECK(Text(rows[2], "revenue") == "0.00");
  }
  SUBCASE("sales by category from the aggregates, with refunds and net revenue") {
    // Category 1: 2000 + 500 + 1000 = 3500, 3 orders; category 2: 3000 + 700 = 3700, refunds 200.
    std::string id = Save(
        api, f,
        R"({"name":"By category","source":"sales","metrics":["revenue","orders","refunds","net_revenue"],
      "dimensions":["category"],"sort":"-revenue",)" +
            kNovember + "}");
    JsonValue data = RunSaved(api, f, id);
    const auto& rows = data.Find("rows")->items();
    REQUIRE(rows.size() == 2);
    CHECK(Text(rows[0], "category_id") == "2");
    CHECK(Text(rows[0], "category_name") == "Ékszer");
    CHECK(Text(rows[0], "revenue") == "3700.00");
    CHECK(Text(rows[0], "net_revenue") == "3500.00");
    CHECK(Text(rows[1], "revenue") == "3500.00");
    CHECK(Text(rows[1], "orders") == "3");
    CHECK(Text(*data.Find("totals"), "refunds") == "200.00");
  }
  SUBCASE("sales by channel from the orders facts; contains is case-insensitive") {
    // web: o1 2000 + o2 3500 + o4 700 = 6200 (3 orders); mobile: 1000.
    std::string id = Save(
        api, f,
        R"({"name":"Channels","source":"sales","metrics":["revenue","orders","average_order_value"],
      "dimensions":["channel"],"filters":[{"field":"channel","op":"contains","value":"WE"}],)" +
            kNovember + "}");
    JsonValue data = RunSaved(api, f, id);
    const auto& rows = data.Find("rows")->items();
    REQUIRE(rows.size() == 1);
    CHECK(Text(rows[0], "channel") == "web");
    CHECK(Text(rows[0], "revenue") == "6200.00");
    CHECK(Text(rows[0], "average_order_value") == "2066.67");
  }
  SUBCASE("products: units and revenue per product, not_in filter") {
    // p1: 2 + 1 + 4 = 7 units, 3500; p2 is filtered out.
    std::string id =
        Save(api, f,
             R"({"name":"Products","source":"products","metrics":["units_sold","revenue"],
      "dimensions":["product"],"filters":[{"field":"product_id","op":"not_in","value":["p2"]}],)" +
                 kNovember + "}");
    const JsonValue data = RunSaved(api, f, id);
    const auto& rows = data.Find("rows")->items();
    REQUIRE(rows.size() == 1);
    CHECK(Text(rows[0], "name") == "Bőr öv");
    CHECK(Text(rows[0], "units_sold") == "7");
    CHECK(Text(rows[0], "revenue") == "3500.00");
  }
  SUBCASE("customers: active, new and signups by country") {
    // HU: c1 active (o1, o2), new, signed up; AT: c2 active (o3, o4), new, signed up.
    std::string id = Save(
        api, f,
        R"({"name":"Customers","source":"customers","metrics":["active_customers","new_customers","signups","orders"],
      "dimensions":["country"],)" +
            kNovember + "}");
    const JsonValue data = RunSaved(api, f, id);
    const auto& rows = data.Find("rows")->items();
    REQUIRE(rows.size() == 2);
    CHECK(Text(rows[0], "country") == "AT");
    CHECK(Text(rows[0], "active_customers") == "1");
    CHECK(Text(rows[0], "orders") == "2");
    CHECK(Text(rows[1], "new_customers") == "1");
    CHECK(Text(rows[1], "signups") == "1");
  }
  SUBCASE("inventory: stock now and units received, with an integer filter") {
    std::string id =
        Save(api, f,
             R"({"name":"Stock","source":"inventory","metrics":["stock_units","products"],
      "filters":[{"field":"stock_level","op":"gte","value":10}],)" +
                 kNovember + "}");
    JsonValue totals = *RunSaved(api, f, id).Find("totals");
    CHECK(Text(totals, "stock_units") == "40");  // p1 only (p2 has 5)
    CHECK(Text(totals, "products") == "1");
    std::string rid = Save(
        api, f,
        R"({"name":"Received","source":"inventory","metrics":["received_units","received_cost"],)" +
            kNovember + "}");
    JsonValue rt = *RunSaved(api, f, rid).Find("totals");
    CHECK(Text(rt, "received_units") == "10");
    CHECK(Text(rt, "received_cost") == "4000.00");
  }
  SUBCASE("campaigns: opens and open rate") {
    // 2 opens, 1 unique opener of 200 recipients: 0.005.
    std::string id = Save(
        api, f,
        R"({"name":"Campaigns","source":"campaigns","metrics":["opens","unique_opens","open_rate"],
      "dimensions":["campaign"],)" +
            kNovember + "}");
    const JsonValue data = RunSaved(api, f, id);
    const auto& rows = data.Find("rows")->items();
    REQUIRE(rows.size() == 1);
    CHECK(Text(rows[0], "campaign_name") == "Téli akció");
    CHECK(Text(rows[0], "opens") == "2");
    CHECK(Text(rows[0], "open_rate") == "0.005");
  }
  SUBCASE("a daily sales report equals the built-in sales report day by day") {
    std::string id = Save(
        api, f,
        R"({"name":"Daily","source":"sales","metrics":["revenue","orders","refunds","cancelled_orders"],
      "dimensions":["period"],)" +
            kNovember + "}");
    JsonValue custom = RunSaved(api, f, id);
    HttpResult builtin = Get(api, "/api/reports/sales?from=2026-11-01&to=2026-11-30", f.token);
    REQUIRE(builtin.status == 200);
    const JsonValue builtin_json = ParseJson(builtin.body);
    const auto& series = builtin_json.Find("data")->Find("series")->items();
    const auto& rows = custom.Find("rows")->items();
    REQUIRE(rows.size() == series.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      for (const char* m : {"period", "revenue", "orders", "refunds", "cancelled_orders"}) {
        CHECK_MESSAGE(Text(rows[i], m) == Text(series[i], m),
                      m << " on " << Text(rows[i], "period"));
      }
    }
    CHECK(Text(*custom.Find("totals"), "revenue") == "7200.00");  // 2000+3500+1000+700
  }
  SUBCASE("query parameters override the saved range; CSV parses back to the JSON rows") {
    std::string id = Save(
        api, f,
        R"({"name":"Override","source":"sales","metrics":["revenue"],"dimensions":["period"],"range":"last_7_days"})");
    JsonValue data = RunSaved(api, f, id, "?from=2026-11-02&to=2026-11-03");
    REQUIRE(data.Find("rows")->items().size() == 2);
    HttpResult csv =
        Get(api, "/api/reports/" + id + "/export?from=2026-11-02&to=2026-11-03", f.token);
    REQUIRE(csv.status == 200);
    CHECK(csv.Header("content-type") == "text/csv; charset=utf-8");
    CHECK(csv.body == "period,revenue\r\n2026-11-02,2000.00\r\n2026-11-03,4500.00\r\n");
    HttpResult pdf = Get(
        api, "/api/reports/" + id + "/export?format=pdf&from=2026-11-02&to=2026-11-03", f.token);
    REQUIRE(pdf.status == 200);
    CHECK(pdf.Header("content-type") == "application/pdf");
    CHECK(pdf.Header("content-disposition") ==
          "attachment; filename=\"Override-2026-11-02_2026-11-03.pdf\"");
    CHECK(pdf.body.starts_with("%PDF-"));
  }
}

TEST_CASE("saved reports: list, delete, and another tenant sees none of them") {
  auto conn = ConnectToTestSchema();
  Fixture a{UniqueTenant("cra"), ""}, b{UniqueTenant("crb"), ""};
  CreateTenant(*conn, a.tenant, "Europe/Budapest");
  CreateTenant(*conn, b.tenant, "Europe/Budapest");
  a.token = CreateTestToken(a.tenant);
  b.token = CreateTestToken(b.tenant);
  ApiProcess api;
  std::string id = Save(api, a, R"({"name":"Mine","source":"sales","metrics":["orders"]})");
  const JsonValue list_json = ParseJson(Get(api, "/api/reports", a.token).body);
  const JsonValue& list = *list_json.Find("data");
  REQUIRE(list.Find("items")->items().size() == 1);
  CHECK(Text(list.Find("items")->items()[0], "name") == "Mine");
  CHECK(ParseJson(Get(api, "/api/reports", b.token).body)
            .Find("data")
            ->Find("items")
            ->items()
            .empty());
  CHECK(Get(api, "/api/reports/" + id, b.token).status == 404);
  CHECK(RecordedRequest(api.port(), "DELETE", "/api/reports/" + id, Auth(b)).status == 404);
  const HttpResult deleted = RecordedRequest(api.port(), "DELETE", "/api/reports/" + id, Auth(a));
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());
  CHECK(deleted.Header("content-type").empty());  // no body, so no Content-Type
  CHECK(Get(api, "/api/reports/" + id, a.token).status == 404);
  CHECK(RecordedRequest(api.port(), "PUT", "/api/reports", Auth(a)).status == 405);
}

TEST_CASE("the builder rejects every invalid definition with a 400 naming what is allowed") {
  auto conn = ConnectToTestSchema();
  Fixture f{UniqueTenant("crv"), ""};
  CreateTenant(*conn, f.tenant, "Europe/Budapest");
  f.token = CreateTestToken(f.tenant);
  ApiProcess api;
  struct Case {
    const char* body;
    const char* parameter;
    const char* message_part;
  };
  const Case cases[] = {
      {"not json", "body", "JSON"},
      {"[]", "body", "object"},
      {R"({"source":"sales","metrics":["orders"]})", "name", "name must be"},
      {R"({"name":"x","source":"shop","metrics":["orders"]})", "source",
       "allowed: sales, products, customers, inventory, campaigns"},
      {R"({"name":"x","source":"sales"})", "metrics", "allowed: orders, revenue"},
      {R"({"name":"x","source":"sales","metrics":["profit"]})", "metrics[0]",
       "allowed: orders, revenue"},
      {R"({"name":"x","source":"sales","metrics":["orders","orders"]})", "metrics[1]", "twice"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"dimensions":["product"]})",
       "dimensions[0]", "allowed: period, category, channel, country"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"filters":[{"field":"sku","op":"equals","value":"a"}]})",
       "filters[0].field", "allowed: category_id, channel, country"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"filters":[{"field":"channel","op":"like","value":"a"}]})",
       "filters[0].op", "allowed for channel: equals, not_equals, in, not_in, contains"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"filters":[{"field":"category_id","op":"contains","value":1}]})",
       "filters[0].op", "does not apply"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"filters":[{"field":"category_id","op":"equals","value":"1"}]})",
       "filters[0].value", "must be an integer"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"filters":[{"field":"channel","op":"equals","value":3}]})",
       "filters[0].value", "must be a string"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"filters":[{"field":"channel","op":"in","value":"web"}]})",
       "filters[0].value", "takes a list"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"filters":[{"field":"channel","op":"equals","value":["web"]}]})",
       "filters[0].value", "not a list"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"filters":[{"field":"channel","op":"equals"}]})",
       "filters[0].value", "required"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"filters":[{"field":"channel","op":"equals","value":"w","x":1}]})",
       "filters[0]", "unknown member"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"granularity":"hourly"})",
       "granularity", "daily, weekly, monthly"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"range":"last_year"})", "range",
       "previous_year"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"range":{"from":"2026-11-30","to":"2026-11-01"}})",
       "range.from", "after"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"sort":"revenue"})", "sort", "orders"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"limit":0})", "limit", "1 to 1000"},
      {R"({"name":"x","source":"sales","metrics":["orders"],"colour":"red"})", "colour",
       "allowed: name, source"},
      {R"({"name":"x","source":"sales","metrics":["tax"],"dimensions":["category"]})", "metrics[0]",
       "impossible combination"},
      {R"({"name":"x","source":"sales","metrics":["refunds"],"filters":[{"field":"channel","op":"equals","value":"web"}]})",
       "metrics[0]", "filter fields allowed: category_id"},
  };
  for (const Case& c : cases) {
    HttpResult r = RecordedRequest(api.port(), "POST", "/api/reports", Auth(f), c.body);
    CAPTURE(c.body);
    CHECK(r.status == 400);
    JsonValue e = *ParseJson(r.body).Find("error");
    CHECK(Text(e, "parameter") == c.parameter);
    CHECK_MESSAGE(Text(e, "message").find(c.message_part) != std::string::npos, Text(e, "message"));
  }
  // Nothing was saved.
  CHECK(ParseJson(Get(api, "/api/reports", f.token).body)
            .Find("data")
            ->Find("items")
            ->items()
            .empty());
  // The catalogue lists every source with typed fields and operators.
  JsonValue catalog = *ParseJson(Get(api, "/api/reports/catalog", f.token).body).Find("data");
  CHECK(catalog.Find("sources")->items().size() == 5);
  CHECK(catalog.Find("operators")->items().size() == 9);
}

}  // namespace
}  // namespace vecton::testing
