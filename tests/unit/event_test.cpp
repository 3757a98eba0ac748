#include "vecton/event.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using namespace vecton;

namespace {

// 2026-11-25T09:14:03.120Z, computed independently (Python's datetime).
constexpr int64_t kEnvelopeMicros = 1'795'598'043'120'000;

using Fields = std::vector<std::pair<std::string, std::string>>;  // key -> JSON text

std::string Object(const Fields& fields, const std::string& skip = "") {
  std::string out = "{";
  for (const auto& [key, value] : fields) {
    if (key == skip) continue;
    if (out.size() > 1) out += ",";
    out += "\"" + key + "\":" + value;
  }
  return out + "}";
}

std::string Envelope(const std::string& type, const std::string& data,
                     const std::string& tenant = "\"acme\"",
                     const std::string& time = "\"2026-11-25T09:14:03.120Z\"") {
  return Object({{"specversion", "\"1.0\""},
                 {"id", "\"5c1f0e7a-2b7d-4d8e-9a53-0c2f6b1e9d44\""},
                 {"source", "\"webshop\""},
                 {"type", "\"" + type + "\""},
                 {"time", time},
                 {"tenant", tenant},
                 {"datacontenttype", "\"application/json\""},
                 {"data", data}});
}

Event DecodeOk(const std::string& body) {
  auto e = DecodeEvent(body);
  REQUIRE_MESSAGE(e.ok(), (e.ok() ? std::string() : e.error()));
  return *std::move(e);
}

std::string DecodeError(const std::string& body, const DecodeLimits& limits = {}) {
  auto e = DecodeEvent(body, limits);
  REQUIRE_MESSAGE(!e.ok(), body.substr(0, 200));
  return e.error();
}

const Fields kItem = {{"product_id", "\"p-1\""}, {"quantity", "2"}, {"unit_price", "\"10.50\""}};

const Fields kOrderRequired = {{"order_id", "\"o-1\""},
                               {"currency", "\"HUF\""},
                               {"items", "[" + Object(kItem) + "]"},
                               {"total", "\"21.00\""}};

std::string OrderWithItems(const std::string& items_json) {
  return Envelope("order.created", Object({{"order_id", "\"o-1\""},
                                           {"currency", "\"HUF\""},
                                           {"items", items_json},
                                           {"total", "\"21.00\""}}));
}

std::string OrderWithQuantity(const std::string& quantity) {
  return OrderWithItems(
      "[" + Object({{"product_id", "\"p\""}, {"quantity", quantity}, {"unit_price", "1"}}) + "]");
}

}  // namespace

TEST_CASE("event type names round-trip and unknown names are rejected") {
  for (int k = 0; k < kEventTypeCount; ++k) {
    const auto type = static_cast<EventType>(k);
    CHECK(EventTypeFromName(EventTypeName(type)) == type);
  }
  CHECK(EventTypeName(EventType::kOrderStatusChanged) == "order.status_changed");
  CHECK_FALSE(EventTypeFromName("order.deleted").has_value());
  CHECK_FALSE(EventTypeFromName("Order.Created").has_value());
}

TEST_CASE("order.created with every field decodes each of them") {
  const std::string data = R"({
    "order_id": "o-1001", "customer_id": "c-7", "placed_at": "2026-11-25T10:00:00+01:00",
    "status": "processing", "currency": "EUR", "fx_rate": "385.12",
    "items": [
      {"product_id": "p-1", "sku": "SKU-1", "name": "Mug", "category_id": 12,
       "category_name": "Kitchen", "quantity": 2, "unit_price": "4990.00"},
      {"product_id": "p-2", "quantity": 1, "unit_price": 0.1, "extra": [1, 2]}
    ],
    "discount_total": "10", "shipping_total": 5.5, "tax_total": "1.2345", "total": "9975.5",
    "campaign_id": "bf-2026", "channel": "web", "country": "HU", "unknown_field": {"x": 1}
  })";
  const Event e = DecodeOk(Envelope("order.created", data));
  CHECK(e.id == "5c1f0e7a-2b7d-4d8e-9a53-0c2f6b1e9d44");
  CHECK(e.source == "webshop");
  CHECK(e.tenant == "acme");
  CHECK(e.type == EventType::kOrderCreated);
  CHECK(e.time.micros == kEnvelopeMicros);
  REQUIRE(std::holds_alternative<OrderCreated>(e.data));
  const auto& o = std::get<OrderCreated>(e.data);
  CHECK(o.order_id == "o-1001");
  CHECK(o.customer_id == "c-7");
  CHECK(o.placed_at.micros == 1'795'597'200'000'000);  // 09:00Z
  CHECK(o.status == "processing");
  CHECK(o.currency == "EUR");
  REQUIRE(o.fx_rate.has_value());
  CHECK(o.fx_rate->units == 3'851'200'000'000);
  CHECK(o.fx_rate->text == "385.12");
  REQUIRE(o.items.size() == 2);
  CHECK(o.items[0].product_id == "p-1");
  CHECK(o.items[0].sku == "SKU-1");
  CHECK(o.items[0].name == "Mug");
  CHECK(o.items[0].category_id == 12);
  CHECK(o.items[0].category_name == "Kitchen");
  CHECK(o.items[0].quantity == 2);
  CHECK(o.items[0].unit_price.units() == 49'900'000);
  CHECK(o.items[1].product_id == "p-2");
  CHECK_FALSE(o.items[1].sku.has_value());
  CHECK_FALSE(o.items[1].category_id.has_value());
  CHECK(o.items[1].quantity == 1);
  CHECK(o.items[1].unit_price.units() == 1000);  // the number 0.1, exactly
  CHECK(o.discount_total.units() == 100'000);
  CHECK(o.shipping_total.units() == 55'000);
  CHECK(o.tax_total.units() == 12'345);
  CHECK(o.total.units() == 99'755'000);
  CHECK(o.campaign_id == "bf-2026");
  CHECK(o.channel == "web");
  CHECK(o.country == "HU");
}

TEST_CASE("order.created defaults: envelope time, pending, zero totals, guest checkout") {
  const Event e = DecodeOk(Envelope("order.created", Object({{"order_id", "\"o-1\""},
                                                             {"customer_id", "null"},
                                                             {"currency", "\"HUF\""},
                                                             {"items", "[" + Object(kItem) + "]"},
                                                             {"total", "21"},
                                                             {"status", "null"},
                                                             {"discount_total", "null"}})));
  const auto& o = std::get<OrderCreated>(e.data);
  CHECK_FALSE(o.customer_id.has_value());
  CHECK(o.placed_at.micros == kEnvelopeMicros);
  CHECK(o.status == "pending");
  CHECK_FALSE(o.fx_rate.has_value());
  CHECK(o.discount_total.is_zero());
  CHECK(o.shipping_total.is_zero());
  CHECK(o.tax_total.is_zero());
  CHECK(o.total.units() == 210'000);
  CHECK_FALSE(o.campaign_id.has_value());
  CHECK_FALSE(o.channel.has_value());
  CHECK_FALSE(o.country.has_value());
}

TEST_CASE("order.created names every missing required field") {
  for (const auto& [key, value] : kOrderRequired) {
    CAPTURE(key);
    CHECK(DecodeError(Envelope("order.created", Object(kOrderRequired, key))) ==
          "order.created: data." + key + " is required");
  }
  for (const auto& [key, value] : kItem) {
    CAPTURE(key);
    CHECK(DecodeError(OrderWithItems("[" + Object(kItem) + "," + Object(kItem, key) + "]")) ==
          "order.created: data.items[1]." + key + " is required");
  }
}

TEST_CASE("a required field that is null counts as missing") {
  Fields fields = kOrderRequired;
  fields[0].second = "null";
  CHECK(DecodeError(Envelope("order.created", Object(fields))) ==
        "order.created: data.order_id is required");
}

TEST_CASE("order item quantities must be positive 32-bit integers") {
  const std::string item = Object(kItem);
  CHECK(DecodeError(OrderWithItems(
            "[" + item + "," + item + "," +
            Object({{"product_id", "\"p\""}, {"quantity", "0"}, {"unit_price", "1"}}) + "]")) ==
        "order.created: data.items[2].quantity must be a positive integer (got 0)");
  CHECK(DecodeError(OrderWithQuantity("-3")) ==
        "order.created: data.items[0].quantity must be a positive integer (got -3)");
  CHECK(DecodeError(OrderWithQuantity("1.5")) ==
        "order.created: data.items[0].quantity must be a positive integer (got 1.5)");
  CHECK(DecodeError(OrderWithQuantity("1e400")) ==
        "order.created: data.items[0].quantity must be a positive integer (got 1e400)");
  CHECK(DecodeError(OrderWithQuantity("99999999999999999999")) ==
        "order.created: data.items[0].quantity must be a positive integer "
        "(got 99999999999999999999, out of the 64-bit range)");
  CHECK(DecodeError(OrderWithQuantity("2147483648")) ==
        "order.created: data.items[0].quantity must be a positive integer of at most 2147483647 "
        "(got 2147483648)");
  CHECK(DecodeError(OrderWithQuantity("\"2\"")) ==
        "order.created: data.items[0].quantity must be a positive integer, got string");
  const Event e = DecodeOk(OrderWithQuantity("2147483647"));
  CHECK(std::get<OrderCreated>(e.data).items[0].quantity == 2'147'483'647);
}

TEST_CASE("order items must be a non-empty array of objects within the limit") {
  CHECK(DecodeError(OrderWithItems("[]")) ==
        "order.created: data.items must be a non-empty array, got an empty array");
  CHECK(DecodeError(OrderWithItems("{}")) ==
        "order.created: data.items must be a non-empty array, got object");
  CHECK(DecodeError(OrderWithItems("[" + Object(kItem) + ", 5]")) ==
        "order.created: data.items[1] must be an object, got number");
  DecodeLimits limits;
  limits.max_items = 2;
  const std::string three = "[" + Object(kItem) + "," + Object(kItem) + "," + Object(kItem) + "]";
  CHECK(DecodeError(OrderWithItems(three), limits) ==
        "order.created: data.items has 3 elements, over the limit of 2");
}

TEST_CASE("money fields take strings or plain numbers, never exponents or negatives") {
  auto with_total = [](const std::string& total) {
    Fields f = kOrderRequired;
    f[3].second = total;
    return Envelope("order.created", Object(f));
  };
  CHECK(std::get<OrderCreated>(DecodeOk(with_total("12.5")).data).total.units() == 125'000);
  CHECK(std::get<OrderCreated>(DecodeOk(with_total("\"0\"")).data).total.is_zero());
  CHECK(DecodeError(with_total("1e3")) ==
        "order.created: data.total has an exponent; write it as plain decimal text, got '1e3'");
  CHECK(DecodeError(with_total("\"-1.00\"")) ==
        "order.created: data.total must not be negative, got '-1.00'");
  CHECK(DecodeError(with_total("-1")) ==
        "order.created: data.total must not be negative, got '-1'");
  CHECK(DecodeError(with_total("\"1.23456\"")) ==
        "order.created: data.total has more than 4 fraction digits, got '1.23456'");
  CHECK(DecodeError(with_total("\"12,50\""))
            .rfind("order.created: data.total is not a decimal number", 0) == 0);
  CHECK(DecodeError(with_total("true")) ==
        "order.created: data.total must be a decimal amount (a string or a number), got boolean");
  CHECK(DecodeError(with_total("\"1234567890123456\"")) ==
        "order.created: data.total has more than 15 integer digits, got '1234567890123456'");
}

TEST_CASE("currency must be three upper-case letters") {
  auto with_currency = [](const std::string& c) {
    Fields f = kOrderRequired;
    f[1].second = c;
    return Envelope("order.created", Object(f));
  };
  CHECK(DecodeError(with_currency("\"huf\"")) ==
        "order.created: data.currency must be an ISO 4217 code of 3 upper-case letters, got 'huf'");
  CHECK(
      DecodeError(with_currency("\"EURO\"")) ==
      "order.created: data.currency must be an ISO 4217 code of 3 upper-case letters, got 'EURO'");
  CHECK(DecodeError(with_currency("978")) ==
        "order.created: data.currency must be an ISO 4217 code of 3 upper-case letters, got 978");
}

TEST_CASE("fx rates must be positive decimals of at most 10 fraction digits") {
  auto with_rate = [](const std::string& r) {
    Fields f = kOrderRequired;
    f.emplace_back("fx_rate", r);
    return Envelope("order.created", Object(f));
  };
  const Event e = DecodeOk(with_rate("0.0025641026"));
  const auto& rate = std::get<OrderCreated>(e.data).fx_rate;
  REQUIRE(rate.has_value());
  CHECK(rate->units == 25'641'026);
  CHECK(rate->text == "0.0025641026");
  CHECK(DecodeError(with_rate("0")) ==
        "order.created: data.fx_rate must be greater than 0, got '0'");
  CHECK(DecodeError(with_rate("\"0.00256410256\"")) ==
        "order.created: data.fx_rate has more than 10 fraction digits, got '0.00256410256'");
  CHECK(DecodeError(with_rate("[]")) ==
        "order.created: data.fx_rate must be a decimal rate (a string or a number), got array");
}

TEST_CASE("order.status_changed decodes every field, and refunds must be positive") {
  const Event e = DecodeOk(Envelope("order.status_changed", R"({
    "order_id": "o-1001", "status": "refunded", "previous_status": "completed",
    "changed_at": "2026-11-24T23:30:00Z", "refund_amount": "15.25"})"));
  const auto& s = std::get<OrderStatusChanged>(e.data);
  CHECK(s.order_id == "o-1001");
  CHECK(s.status == "refunded");
  CHECK(s.previous_status == "completed");
  CHECK(s.changed_at.micros == 1'795'563'000'000'000);
  REQUIRE(s.refund_amount.has_value());
  CHECK(s.refund_amount->units() == 152'500);

  const Event minimal =
      DecodeOk(Envelope("order.status_changed", R"({"order_id": "o-1", "status": "shipped"})"));
  const auto& m = std::get<OrderStatusChanged>(minimal.data);
  CHECK(m.changed_at.micros == kEnvelopeMicros);
  CHECK_FALSE(m.previous_status.has_value());
  CHECK_FALSE(m.refund_amount.has_value());

  CHECK(DecodeError(Envelope("order.status_changed",
                             R"({"order_id": "o-1", "status": "refunded", "refund_amount": 0})")) ==
        "order.status_changed: data.refund_amount must be greater than 0, got '0'");
  CHECK(DecodeError(Envelope("order.status_changed", R"({"order_id": "o-1"})")) ==
        "order.status_changed: data.status is required");
  CHECK(DecodeError(Envelope("order.status_changed", R"({"status": "shipped"})")) ==
        "order.status_changed: data.order_id is required");
  CHECK(DecodeError(Envelope("order.status_changed", R"({"order_id": "o-1", "status": ""})")) ==
        "order.status_changed: data.status must be a non-empty string, got ''");
  CHECK(DecodeError(Envelope("order.status_changed", R"({"order_id": 17, "status": "x"})")) ==
        "order.status_changed: data.order_id must be a string of 1..128 characters, got number");
}

TEST_CASE("product.stock_changed decodes every field; levels may be negative") {
  const Event e = DecodeOk(Envelope("product.stock_changed", R"({
    "product_id": "p-1", "stock_level": -4, "changed_at": "2026-11-25T08:00:00Z", "delta": -6,
    "reason": "order", "sku": "SKU-1", "name": "Mug", "category_id": 12,
    "category_name": "Kitchen", "low_stock_threshold": 5})"));
  const auto& p = std::get<ProductStockChanged>(e.data);
  CHECK(p.product_id == "p-1");
  CHECK(p.stock_level == -4);
  CHECK(p.changed_at.micros == 1'795'593'600'000'000);
  CHECK(p.delta == -6);
  CHECK(p.reason == "order");
  CHECK(p.sku == "SKU-1");
  CHECK(p.name == "Mug");
  CHECK(p.category_id == 12);
  CHECK(p.category_name == "Kitchen");
  CHECK(p.low_stock_threshold == 5);

  CHECK(std::get<ProductStockChanged>(
            DecodeOk(Envelope("product.stock_changed", R"({"product_id": "p", "stock_level": 0})"))
                .data)
            .changed_at.micros == kEnvelopeMicros);
  CHECK(DecodeError(Envelope("product.stock_changed", R"({"product_id": "p"})")) ==
        "product.stock_changed: data.stock_level is required");
  CHECK(DecodeError(Envelope("product.stock_changed", R"({"stock_level": 1})")) ==
        "product.stock_changed: data.product_id is required");
  CHECK(DecodeError(
            Envelope("product.stock_changed", R"({"product_id": "p", "stock_level": "12"})")) ==
        "product.stock_changed: data.stock_level must be an integer, got string");
  CHECK(DecodeError(Envelope("product.stock_changed",
                             R"({"product_id": "p", "stock_level": 1, "category_id": 1.5})")) ==
        "product.stock_changed: data.category_id must be an integer (got 1.5)");
}

TEST_CASE("stock.received decodes every field") {
  const Event e = DecodeOk(Envelope("stock.received", R"({
    "product_id": "p-1", "quantity": 50, "received_at": "2026-11-25T08:00:00Z",
    "unit_cost": "2.5", "currency": "EUR", "fx_rate": 385, "supplier_id": "s-9",
    "stock_level": 120, "sku": "SKU-1", "name": "Mug"})"));
  const auto& s = std::get<StockReceived>(e.data);
  CHECK(s.product_id == "p-1");
  CHECK(s.quantity == 50);
  CHECK(s.received_at.micros == 1'795'593'600'000'000);
  CHECK(s.unit_cost->units() == 25'000);
  CHECK(s.currency == "EUR");
  CHECK(s.fx_rate->units == 3'850'000'000'000);
  CHECK(s.supplier_id == "s-9");
  CHECK(s.stock_level == 120);
  CHECK(s.sku == "SKU-1");
  CHECK(s.name == "Mug");

  const Event minimal =
      DecodeOk(Envelope("stock.received", R"({"product_id": "p", "quantity": 1})"));
  const auto& m = std::get<StockReceived>(minimal.data);
  CHECK(m.received_at.micros == kEnvelopeMicros);
  CHECK_FALSE(m.unit_cost.has_value());
  CHECK_FALSE(m.currency.has_value());
  CHECK_FALSE(m.stock_level.has_value());

  CHECK(DecodeError(Envelope("stock.received", R"({"product_id": "p"})")) ==
        "stock.received: data.quantity is required");
  CHECK(DecodeError(Envelope("stock.received", R"({"quantity": 1})")) ==
        "stock.received: data.product_id is required");
  CHECK(DecodeError(Envelope("stock.received", R"({"product_id": "p", "quantity": -1})")) ==
        "stock.received: data.quantity must be a positive integer (got -1)");
}

TEST_CASE("customer.created decodes its fields and never personal data") {
  const Event e = DecodeOk(Envelope("customer.created", R"({
    "customer_id": "c-7", "created_at": "2026-11-25T08:00:00Z", "country": "HU",
    "source": "campaign", "campaign_id": "bf-2026",
    "name": "Kovács Anna", "email": "anna@example.com", "phone": 5})"));
  const auto& c = std::get<CustomerCreated>(e.data);
  CHECK(c.customer_id == "c-7");
  CHECK(c.created_at.micros == 1'795'593'600'000'000);
  CHECK(c.country == "HU");
  CHECK(c.source == "campaign");
  CHECK(c.campaign_id == "bf-2026");

  const Event minimal = DecodeOk(Envelope("customer.created", R"({"customer_id": "c"})"));
  const auto& m = std::get<CustomerCreated>(minimal.data);
  CHECK(m.created_at.micros == kEnvelopeMicros);
  CHECK(DecodeError(Envelope("customer.created", R"({"email": "a@b.c"})")) ==
        "customer.created: data.customer_id is required");
}

TEST_CASE("campaign.sent decodes every field; recipients may be zero but not negative") {
  const Event e = DecodeOk(Envelope("campaign.sent", R"({
    "campaign_id": "bf-2026", "name": "Black Friday", "channel": "email",
    "sent_at": "2026-11-25T08:00:00Z", "recipients": 0, "cost": "150000", "currency": "HUF"})"));
  const auto& c = std::get<CampaignSent>(e.data);
  CHECK(c.campaign_id == "bf-2026");
  CHECK(c.name == "Black Friday");
  CHECK(c.channel == "email");
  CHECK(c.sent_at.micros == 1'795'593'600'000'000);
  CHECK(c.recipients == 0);
  CHECK(c.cost->units() == 1'500'000'000);
  CHECK(c.currency == "HUF");
  CHECK_FALSE(c.fx_rate.has_value());

  CHECK(DecodeError(Envelope("campaign.sent", R"({"campaign_id": "c"})")) ==
        "campaign.sent: data.recipients is required");
  CHECK(DecodeError(Envelope("campaign.sent", R"({"recipients": 1})")) ==
        "campaign.sent: data.campaign_id is required");
  CHECK(DecodeError(Envelope("campaign.sent", R"({"campaign_id": "c", "recipients": -1})")) ==
        "campaign.sent: data.recipients must be a non-negative integer (got -1)");
}

TEST_CASE("email.opened decodes every field") {
  const Event e = DecodeOk(Envelope("email.opened", R"({
    "campaign_id": "bf-2026", "customer_id": "c-7", "opened_at": "2026-11-25T08:00:00Z",
    "message_id": "m-1"})"));
  const auto& o = std::get<EmailOpened>(e.data);
  CHECK(o.campaign_id == "bf-2026");
  CHECK(o.customer_id == "c-7");
  CHECK(o.opened_at.micros == 1'795'593'600'000'000);
  CHECK(o.message_id == "m-1");
  CHECK(std::get<EmailOpened>(
            DecodeOk(Envelope("email.opened", R"({"campaign_id": "c", "customer_id": "u"})")).data)
            .opened_at.micros == kEnvelopeMicros);
  CHECK(DecodeError(Envelope("email.opened", R"({"campaign_id": "c"})")) ==
        "email.opened: data.customer_id is required");
  CHECK(DecodeError(Envelope("email.opened", R"({"customer_id": "u"})")) ==
        "email.opened: data.campaign_id is required");
}

TEST_CASE("data times must be RFC 3339 with an offset") {
  CHECK(DecodeError(Envelope("email.opened", R"({"campaign_id": "c", "customer_id": "u",
                                                 "opened_at": "2026-11-25 08:00:00"})")) ==
        "email.opened: data.opened_at must be an RFC 3339 time with an offset "
        "(like 2026-11-25T09:14:03Z), got '2026-11-25 08:00:00'");
  CHECK(DecodeError(Envelope("email.opened", R"({"campaign_id": "c", "customer_id": "u",
                                                 "opened_at": 1764000000})")) ==
        "email.opened: data.opened_at must be an RFC 3339 time string with an offset, got number");
}

TEST_CASE("a body over the size limit is rejected before parsing") {
  const std::string body(2 << 20, ' ');
  CHECK(DecodeError(body) == "message body is 2097152 bytes, over the limit of 1048576");
  DecodeLimits limits;
  limits.max_body_bytes = 10;
  CHECK(DecodeError("{\"a\":\"12345\"}", limits) ==
        "message body is 13 bytes, over the limit of 10");
}

TEST_CASE("invalid JSON is reported with its byte offset") {
  CHECK(DecodeError("{\"specversion\": \"1.0\",}") ==
        "invalid JSON at byte 22: expected a member name in double quotes");
  CHECK(DecodeError("[]") == "envelope: the message must be a JSON object, got array");
  DecodeLimits limits;
  limits.max_depth = 3;
  CHECK(DecodeError(Envelope("order.created", R"({"x": {"y": {}}})"), limits)
            .find("nesting deeper than 3") != std::string::npos);
}

TEST_CASE("the envelope's fields are checked one by one") {
  const std::string data = R"({"customer_id": "c"})";
  CHECK(DecodeError(Envelope("customer.created", data, "\"Acme!\"")) ==
        "envelope: tenant must be a DNS label (a-z, 0-9, '-'), got 'Acme!'");
  CHECK(DecodeError(Envelope("customer.created", data, "\"-acme\"")).find("DNS label") !=
        std::string::npos);
  CHECK(DecodeError(Envelope("customer.created", data, "\"acme-\"")).find("DNS label") !=
        std::string::npos);
  CHECK(DecodeError(Envelope("customer.created", data, "\"\"")) ==
        "envelope: tenant must be a DNS label (a-z, 0-9, '-'), got ''");
  CHECK(DecodeError(Envelope("customer.created", data, "\"" + std::string(64, 'a') + "\""))
            .find("DNS label") != std::string::npos);
  CHECK(DecodeOk(Envelope("customer.created", data, "\"" + std::string(63, 'a') + "\"")).tenant ==
        std::string(63, 'a'));
  CHECK(DecodeOk(Envelope("customer.created", data, "\"a\"")).tenant == "a");
  CHECK(DecodeOk(Envelope("customer.created", data, "\"shop-2\"")).tenant == "shop-2");
  CHECK(DecodeError(Envelope("customer.created", data, "7")) ==
        "envelope: tenant must be a DNS label (a-z, 0-9, '-'), got 7");

  CHECK(DecodeError(Envelope("customer.created", data, "\"acme\"", "\"2026-11-25T09:14:03\"")) ==
        "envelope: time must be an RFC 3339 time with an offset (like 2026-11-25T09:14:03Z), "
        "got '2026-11-25T09:14:03'");
  CHECK(DecodeError(Envelope("customer.created", data, "\"acme\"", "\"2026-02-30T09:14:03Z\""))
            .find("envelope: time must be an RFC 3339 time") == 0);
  CHECK(DecodeError(Envelope("order.deleted", data)) ==
        "envelope: type must be one of order.created, order.status_changed, product.stock_changed, "
        "stock.received, customer.created, campaign.sent, email.opened, got 'order.deleted'");
  CHECK(DecodeError(Envelope("customer.created", "[]")) ==
        "envelope: data must be an object, got array");
  CHECK(DecodeError(Envelope("customer.created", "null")) == "envelope: data is required");
}

TEST_CASE("each required envelope field is named when missing") {
  const Fields envelope = {{"specversion", "\"1.0\""},
                           {"id", "\"e-1\""},
                           {"source", "\"crm\""},
                           {"type", "\"customer.created\""},
                           {"time", "\"2026-11-25T09:14:03.120Z\""},
                           {"tenant", "\"acme\""},
                           {"data", R"({"customer_id": "c"})"}};
  CHECK(DecodeOk(Object(envelope)).source == "crm");
  for (const auto& [key, value] : envelope) {
    CAPTURE(key);
    CHECK(DecodeError(Object(envelope, key)) == "envelope: " + key + " is required");
  }
  Fields v03 = envelope;
  v03[0].second = "\"0.3\"";
  CHECK(DecodeError(Object(v03)) == "envelope: specversion must be \"1.0\", got '0.3'");
  Fields long_id = envelope;
  long_id[1].second = "\"" + std::string(129, 'x') + "\"";
  CHECK(DecodeError(Object(long_id)) ==
        "envelope: id must be a string of 1..128 characters, got 129 characters");
  Fields empty_source = envelope;
  empty_source[2].second = "\"\"";
  CHECK(DecodeError(Object(empty_source)) ==
        "envelope: source must be a string of 1..128 characters, got 0 characters");
  // 128 characters of two bytes each are 128 characters, not 256.
  Fields wide_id = envelope;
  std::string wide;
  for (int k = 0; k < 128; ++k) wide += "\xC3\xA9";
  wide_id[1].second = "\"" + wide + "\"";
  CHECK(DecodeOk(Object(wide_id)).id == wide);
}

TEST_CASE("reasons stay one bounded line whatever the input") {
  std::string hostile = "\"";
  for (int k = 0; k < 5000; ++k) hostile += "A\\n\\u0007";
  hostile += "\"";
  const std::string reason =
      DecodeError(Envelope("customer.created", R"({"customer_id": "c"})", hostile));
  CHECK(reason.size() < 200);
  CHECK(reason.find('\n') == std::string::npos);
  CHECK(reason.find('\x07') == std::string::npos);
  CHECK(reason.rfind(
            "envelope: tenant must be a DNS label (a-z, 0-9, '-'), got 'A\\n\\u0007A\\n\\u0007",
            0) == 0);
  CHECK(reason.substr(reason.size() - 4) == "...'");
}

TEST_CASE("strings with NUL characters are rejected: PostgreSQL text cannot store them") {
  CHECK(DecodeError(Envelope("customer.created", R"({"customer_id":"a\u0000b"})")) ==
        "customer.created: data.customer_id must not contain NUL characters (\\u0000)");
  CHECK(DecodeError(Envelope("customer.created", R"({"customer_id":"a","country":"H\u0000U"})")) ==
        "customer.created: data.country must not contain NUL characters (\\u0000)");
}

TEST_CASE("amounts are bounded so that no sum of a batch can overflow Money") {
  // 100 billion is the largest amount, also after multiplying by a quantity or an fx rate.
  const std::string line = R"({"order_id":"o","currency":"HUF","total":"1",
      "items":[{"product_id":"p","quantity":3,"unit_price":"40000000000"}]})";
  CHECK(DecodeError(Envelope("order.created", line)) ==
        "order.created: data.items[0].unit_price times quantity 3 exceeds the largest supported "
        "amount, 100000000000");
  const std::string fx = R"({"order_id":"o","currency":"USD","fx_rate":"400","total":"300000000",
      "items":[{"product_id":"p","quantity":1,"unit_price":"1"}]})";
  CHECK(DecodeError(Envelope("order.created", fx)) ==
        "order.created: data.total converted with fx_rate 400 exceeds the largest supported "
        "amount, 100000000000");
  const std::string at_limit = R"({"order_id":"o","currency":"HUF","total":"100000000000",
      "items":[{"product_id":"p","quantity":4,"unit_price":"25000000000"}]})";
  CHECK(DecodeEvent(Envelope("order.created", at_limit)).ok());
  const std::string received = R"({"product_id":"p","quantity":2000000000,"unit_cost":"100"})";
  CHECK(DecodeError(Envelope("stock.received", received))
            .rfind("stock.received: data.unit_cost times quantity 2000000000 exceeds", 0) == 0);
}

TEST_CASE("an event decodes the same whatever the order of its members") {
  const Fields item = {{"product_id", "\"p-1\""}, {"sku", "\"SKU-1\""},
                       {"name", "\"Mug\""},       {"category_id", "12"},
                       {"quantity", "2"},         {"unit_price", "\"4990.00\""}};
  const Fields second = {{"product_id", "\"p-2\""}, {"quantity", "1"}, {"unit_price", "0.1"}};
  Fields data = {{"order_id", "\"o-1001\""},   {"customer_id", "\"c-7\""},
                 {"status", "\"processing\""}, {"currency", "\"EUR\""},
                 {"fx_rate", "\"385.12\""},    {"items", "\"none\""},
                 {"tax_total", "\"1.2345\""},  {"total", "\"9975.5\""},
                 {"channel", "\"web\""},       {"country", "\"HU\""}};
  auto reversed = [](Fields f) { return Fields(f.rbegin(), f.rend()); };
  auto body = [&](bool reverse) {
    Fields d = data;
    const std::string items = "[" + Object(reverse ? reversed(item) : item) + "," +
                              Object(reverse ? reversed(second) : second) + "]";
    for (auto& [key, value] : d) {
      if (key == "items") value = items;
    }
    return Envelope("order.created", Object(reverse ? reversed(d) : d));
  };
  const Event a = DecodeOk(body(false));
  const Event b = DecodeOk(body(true));
  const auto& x = std::get<OrderCreated>(a.data);
  const auto& y = std::get<OrderCreated>(b.data);
  CHECK(x.order_id == "o-1001");
  CHECK(y.order_id == x.order_id);
  CHECK(y.customer_id == x.customer_id);
  CHECK(y.status == "processing");
  CHECK(y.currency == x.currency);
  REQUIRE(y.fx_rate.has_value());
  CHECK(y.fx_rate->units == x.fx_rate->units);
  CHECK(y.tax_total == x.tax_total);
  CHECK(y.total == x.total);
  CHECK(y.channel == "web");
  CHECK(y.country == "HU");
  REQUIRE(y.items.size() == 2);
  for (size_t k = 0; k < 2; ++k) {
    CHECK(y.items[k].product_id == x.items[k].product_id);
    CHECK(y.items[k].sku == x.items[k].sku);
    CHECK(y.items[k].name == x.items[k].name);
    CHECK(y.items[k].category_id == x.items[k].category_id);
    CHECK(y.items[k].quantity == x.items[k].quantity);
    CHECK(y.items[k].unit_price == x.items[k].unit_price);
  }
  CHECK(x.items[0].category_id == 12);
  CHECK_FALSE(y.items[1].sku.has_value());

  // The envelope in reverse too (data's "items" is a string here, so a reason is expected).
  const std::string reversed_envelope = Object(reversed({{"specversion", "\"1.0\""},
                                                         {"id", "\"e-1\""},
                                                         {"source", "\"webshop\""},
                                                         {"type", "\"order.created\""},
                                                         {"time", "\"2026-11-25T09:14:03Z\""},
                                                         {"tenant", "\"acme\""},
                                                         {"data", Object(reversed(data))}}));
  CHECK(DecodeError(reversed_envelope) ==
        "order.created: data.items must be a non-empty array, "
        "got string");
}
