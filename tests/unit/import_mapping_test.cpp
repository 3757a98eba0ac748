// The pure part of `import`: --mapping, naive local times and grouping lines into orders.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "producers/import_rows.h"
#include "vecton/event.h"
#include "vecton/json.h"

namespace {

using namespace vecton;
using namespace vecton::producers;

const CsvRecord kUciHeader = {"InvoiceNo",   "StockCode", "Description", "Quantity",
                              "InvoiceDate", "UnitPrice", "CustomerID",  "Country"};

Timestamp At(std::string_view rfc3339) {
  Result<Timestamp> t = ParseRfc3339(rfc3339);
  REQUIRE(t.ok());
  return *t;
}

ResolvedLocalTime London(std::string_view local) {
  auto zone = TimeZone::Get("Europe/London");
  REQUIRE(zone.ok());
  Result<NaiveLocalTime> parsed = ParseNaiveLocalTime(local);
  REQUIRE(parsed.ok());
  return ResolveLocalTime(**zone, *parsed);
}

}  // namespace

TEST_CASE("import mapping: the default maps the UCI Online Retail columns") {
  Result<ColumnMapping> mapping = ParseMapping("");
  REQUIRE(mapping.ok());
  Result<ResolvedColumns> columns = ResolveColumns(*mapping, kUciHeader);
  REQUIRE(columns.ok());
  CHECK(columns->Of(ImportField::kOrderId) == 0);
  CHECK(columns->Of(ImportField::kProductId) == 1);
  CHECK(columns->Of(ImportField::kSku) == 1);
  CHECK(columns->Of(ImportField::kName) == 2);
  CHECK(columns->Of(ImportField::kQuantity) == 3);
  CHECK(columns->Of(ImportField::kPlacedAt) == 4);
  CHECK(columns->Of(ImportField::kUnitPrice) == 5);
  CHECK(columns->Of(ImportField::kCustomerId) == 6);
  CHECK(columns->Of(ImportField::kCountry) == 7);
  CHECK(columns->Of(ImportField::kCategoryName) == -1);
}

TEST_CASE("import mapping: given entries replace defaults, 'field=' drops an optional one") {
  Result<ColumnMapping> mapping =
      ParseMapping("order_id=Order, product_id = Sku ,country=,category_name=Cat");
  REQUIRE(mapping.ok());
  const CsvRecord header = {"Order",     "Sku",        "Description", "Quantity", "InvoiceDate",
                            "UnitPrice", "CustomerID", "Country",     "Cat"};
  Result<ResolvedColumns> columns = ResolveColumns(*mapping, header);
  REQUIRE(columns.ok());
  CHECK(columns->Of(ImportField::kOrderId) == 0);
  CHECK(columns->Of(ImportField::kProductId) == 1);
  CHECK(columns->Of(ImportField::kCountry) == -1);
  CHECK(columns->Of(ImportField::kCategoryName) == 8);
}

TEST_CASE("import mapping: errors name the bad entry") {
  auto error_of = [](std::string_view text) {
    Result<ColumnMapping> m = ParseMapping(text);
    REQUIRE_FALSE(m.ok());
    return m.error();
  };
  CHECK(error_of("prize=UnitPrice").find("unknown field 'prize'") != std::string::npos);
  CHECK(error_of("prize=UnitPrice").find("unit_price") != std::string::npos);  // lists known
  CHECK(error_of("order_id=A,quantity").find("'quantity' has no '='") != std::string::npos);
  CHECK(error_of("name=A,name=B").find("'name' is given twice") != std::string::npos);
  CHECK(error_of("unit_price=").find("required field 'unit_price'") != std::string::npos);
}

TEST_CASE("import mapping: a mapped column missing from the header is named") {
  const CsvRecord header = {"InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"};
  // Optional default columns (Description, CustomerID, Country) may be absent...
  Result<ResolvedColumns> ok = ResolveColumns(*ParseMapping(""), header);
  REQUIRE(ok.ok());
  CHECK(ok->Of(ImportField::kName) == -1);
  // ...but not an explicitly mapped one, nor a required one.
  Result<ResolvedColumns> explicit_missing = ResolveColumns(*ParseMapping("country=Land"), header);
  REQUIRE_FALSE(explicit_missing.ok());
  CHECK(explicit_missing.error().find("'Land' (mapped to country)") != std::string::npos);
  Result<ResolvedColumns> required_missing =
      ResolveColumns(*ParseMapping("unit_price=Price"), header);
  REQUIRE_FALSE(required_missing.ok());
  CHECK(required_missing.error().find("'Price' (mapped to unit_price)") != std::string::npos);
}

TEST_CASE("import: naive local times parse with or without seconds, and reject junk") {
  Result<NaiveLocalTime> t = ParseNaiveLocalTime("2011-06-01 12:05:09");
  REQUIRE(t.ok());
  CHECK(t->date == CivilDate{2011, 6, 1});
  CHECK(t->hour == 12);
  CHECK(t->minute == 5);
  CHECK(t->second == 9);
  CHECK(ParseNaiveLocalTime("2011-06-01T12:05").ok());
  CHECK_FALSE(ParseNaiveLocalTime("2011-02-30 10:00:00").ok());
  CHECK_FALSE(ParseNaiveLocalTime("2011-06-01 24:00:00").ok());
  CHECK_FALSE(ParseNaiveLocalTime("6/1/2011 12:05").ok());
}

TEST_CASE("import: London local time is GMT in winter and BST (UTC+1) in summer") {
  CHECK(London("2010-12-01 08:26:00").instant == At("2010-12-01T08:26:00Z"));
  CHECK(London("2011-06-01 12:05:00").instant == At("2011-06-01T11:05:00Z"));
  CHECK(London("2011-06-01 00:30:00").instant == At("2011-05-31T23:30:00Z"));
  // The day BST starts (2011-03-27, 01:00 GMT -> 02:00 BST).
  CHECK(London("2011-03-27 00:59:00").instant == At("2011-03-27T00:59:00Z"));
  CHECK(London("2011-03-27 02:00:00").instant == At("2011-03-27T01:00:00Z"));
  CHECK(London("2011-03-27 02:00:00").kind == LocalTimeKind::kUnique);
}

TEST_CASE("import: a skipped local time moves forward by the gap") {
  const ResolvedLocalTime t = London("2011-03-27 01:30:00");
  CHECK(t.kind == LocalTimeKind::kSkipped);
  CHECK(t.instant == At("2011-03-27T02:30:00+01:00"));
}

TEST_CASE("import: a repeated local time takes the earlier instant (BST)") {
  // 2011-10-30: 02:00 BST -> 01:00 GMT, so 01:30 happens at 00:30Z and again at 01:30Z.
  const ResolvedLocalTime t = London("2011-10-30 01:30:00");
  CHECK(t.kind == LocalTimeKind::kAmbiguous);
  CHECK(t.instant == At("2011-10-30T00:30:00Z"));
  CHECK(London("2011-10-30 02:00:00").instant == At("2011-10-30T02:00:00Z"));
}

TEST_CASE("import: customer ids lose a spreadsheet's '.0'; empty means a guest") {
  CHECK(NormalizeCustomerId("17850.0") == std::optional<std::string>("17850"));
  CHECK(NormalizeCustomerId(" 12 ") == std::optional<std::string>("12"));
  CHECK(NormalizeCustomerId("17850.5") == std::optional<std::string>("17850.5"));
  CHECK(NormalizeCustomerId("AB-1.0") == std::optional<std::string>("AB-1.0"));
  CHECK_FALSE(NormalizeCustomerId("").has_value());
}

TEST_CASE("import: lines become one order.created per order with an exact total") {
  auto zone = TimeZone::Get("Europe/London");
  REQUIRE(zone.ok());
  ImportSettings settings;
  settings.tenant = "retail";
  settings.currency = "GBP";
  settings.zone = *zone;
  settings.open_window = 2;
  OrderAssembler assembler(settings, *ResolveColumns(*ParseMapping(""), kUciHeader));
  const std::vector<CsvRecord> rows = {
      {"536365", "85123A", "WHITE HANGING HEART ", "6", "2010-12-01 08:26:00", "2.55", "17850.0",
       "United Kingdom"},
      {"536365", "71053", "WHITE METAL LANTERN", "6", "2010-12-01 08:26:00", "3.39", "17850.0",
       "United Kingdom"},
      {"C536379", "D", "Discount", "-1", "2010-12-01 09:41:00", "27.5", "14527.0",
       "United Kingdom"},
      {"550193", "PADS", "PADS TO MATCH", "1", "2011-06-15 09:27:00", "0.001", "", "France"},
      {"550193", "PADS", "PADS TO MATCH", "0", "2011-06-15 09:27:00", "0.001", "", "France"},
      {"550200", "X1", "x", "2", "2011-06-15 10:00:00", "1.25", "", "France"},
      {"550193", "22041", "RECORD FRAME 7\" SINGLE", "3", "2011-06-15 09:27:00", "1.25", "",
       "France"},
      {"A563186", "B", "Adjust bad debt", "1", "2011-08-12 14:51:00", "-11062.06", "",
       "United Kingdom"},
      {"550201", "X2", "y", "1", "2011-06-16 10:00:00", "2.00", "", "France"},
      {"550202", "X3", "z", "one", "2011-06-16 10:00:00", "2.00", "", "France"},
      {"550203", "X3", "z", "1", "2011-06-16 10:00:00", "2.00", "", "France"},
      {"550193", "LATE", "too late", "1", "2011-06-15 09:27:00", "9.99", "", "France"},
  };
  std::vector<ProducedEvent> events;
  for (size_t i = 0; i < rows.size(); ++i)
    assembler.AddRow(rows[i], static_cast<int64_t>(i) + 2, events);
  assembler.Finish(events);

  REQUIRE(events.size() == 5);  // 536365, 550193, 550200, 550201, 550203
  for (const ProducedEvent& e : events) {
    CHECK(e.routing_key == "order.created");
    Result<Event> decoded = DecodeEvent(e.body);
    CHECK_MESSAGE(decoded.ok(), (decoded.ok() ? std::string() : decoded.error()));
  }
  Result<JsonValue> first = JsonValue::Parse(events[0].body);
  REQUIRE(first.ok());
  CHECK(first->Find("id")->text() == "import-536365");
  CHECK(first->Find("source")->text() == "import");
  CHECK(first->Find("tenant")->text() == "retail");
  const JsonValue& data = *first->Find("data");
  CHECK(data.Find("customer_id")->text() == "17850");
  CHECK(data.Find("placed_at")->text() == "2010-12-01T08:26:00+00:00");
  CHECK(data.Find("total")->text() == "35.64");  // 6 * 2.55 + 6 * 3.39
  CHECK(data.Find("items")->items().size() == 2);
  CHECK(data.Find("items")->items()[0].Find("name")->text() == "WHITE HANGING HEART ");

  // 550193's third line came after another order, within the window: still one order.
  Result<JsonValue> second = JsonValue::Parse(events[1].body);
  REQUIRE(second.ok());
  const JsonValue& data2 = *second->Find("data");
  CHECK(data2.Find("order_id")->text() == "550193");
  CHECK(data2.Find("customer_id")->is_null());
  CHECK(data2.Find("placed_at")->text() == "2011-06-15T09:27:00+01:00");
  CHECK(data2.Find("total")->text() == "3.751");  // 1 * 0.001 + 3 * 1.25
  CHECK(data2.Find("items")->items()[0].Find("unit_price")->text() == "0.001");

  const ImportStats& stats = assembler.stats();
  CHECK(stats.lines == 12);
  CHECK(stats.orders == 5);
  CHECK(stats.lines_imported == 7);
  CHECK(stats.items == 6 + 6 + 1 + 3 + 2 + 1 + 1);
  // 35.64 + 3.751 + 2.50 + 2.00 + 2.00
  CHECK(stats.revenue == Money::FromUnits(458910));
  CHECK(stats.skipped_lines() == 5);
  CHECK(stats.skipped.at("cancellation invoice (order id C<digits>)").lines == 1);
  CHECK(stats.skipped.at("cancellation invoice (order id C<digits>)").first_line == 4);
  CHECK(stats.skipped.at("bad-debt adjustment (order id A<digits>)").lines == 1);
  CHECK(stats.skipped.at("quantity <= 0 in a sales invoice").lines == 1);
  CHECK(stats.skipped.at("malformed quantity (not an integer)").lines == 1);
  CHECK(stats.skipped.at("line of an order already written (its lines are not grouped together)")
            .first_line == 13);
}

TEST_CASE("import: the same lines give the same events (deterministic ids and bodies)") {
  auto zone = TimeZone::Get("Europe/London");
  REQUIRE(zone.ok());
  auto run = [&] {
    ImportSettings settings;
    settings.tenant = "retail";
    settings.currency = "EUR";
    settings.fx_rate = "0.86";
    settings.zone = *zone;
    OrderAssembler assembler(settings, *ResolveColumns(*ParseMapping(""), kUciHeader));
    std::vector<ProducedEvent> events;
    assembler.AddRow({"1", "P", "n", "2", "2011-01-01 10:00:00", "1.5", "7.0", "Spain"}, 2, events);
    assembler.Finish(events);
    REQUIRE(events.size() == 1);
    return events[0].body;
  };
  const std::string body = run();
  CHECK(body == run());
  Result<JsonValue> parsed = JsonValue::Parse(body);
  REQUIRE(parsed.ok());
  CHECK(parsed->Find("data")->Find("fx_rate")->text() == "0.86");
  CHECK(parsed->Find("data")->Find("currency")->text() == "EUR");
}
