// `analytics-ingestor import` end to end: the real command publishes a CSV through a real
// RabbitMQ, the real ingestor stores it, and the aggregates are compared with totals this file
// computes itself from the same CSV.
//
// DESIGN
// The reference model below is deliberately small and shares no code with the importer: its
// own RFC 4180 splitter, its own decimal parser (integers in 1/10000, since prices have up to 3
// fraction digits and the database keeps 4), and the documented rules written out plainly
// (C<digits>/A<digits> invoices and quantity <= 0 lines skipped, lines grouped by invoice over
// the whole file, an order's day and customer from its first imported line). The tenant is in
// Europe/London, so an order's day is the date part of its local InvoiceDate as written. Its
// totals for the UCI file are also pinned to literals from an independent Python computation
// (csv + decimal) so that a mistake shared by this model and the importer cannot pass.
#include <doctest/doctest.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness.h"
#include "ingest_harness.h"

namespace vecton::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string Q(const std::string& s) { return "'" + s + "'"; }

const std::string kOnlineRetail =
    VECTON_SOURCE_DIR "/../shared/data/online-retail/online_retail.csv.gz";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --- The reference model -------------------------------------------------------------------

// Reads CSV records from a stream: a record continues over line ends inside quotes.
class RecordReader {
 public:
  explicit RecordReader(FILE* in) : in_(in) {}

  // The next record's fields, or nullopt at the end of input.
  std::optional<std::vector<std::string>> Next() {
    std::string record;
    bool in_quotes = false, any = false;
    int c;
    while ((c = std::fgetc(in_)) != EOF) {
      any = true;
      if (c == '"') in_quotes = !in_quotes;  // "" toggles twice: parity is what matters
      if (c == '\n' && !in_quotes) break;
      record.push_back(static_cast<char>(c));
    }
    if (!any) return std::nullopt;
    if (!record.empty() && record.back() == '\r') record.pop_back();
    return Split(record);
  }

  // RFC 4180 fields: a quoted field may hold commas and "" for a quote; a quote inside an
  // unquoted field is an ordinary character.
  static std::vector<std::string> Split(const std::string& record) {
    std::vector<std::string> fields(1);
    size_t i = 0;
    bool field_start = true;
    while (i < record.size()) {
      const char c = record[i];
      if (field_start && c == '"') {
        ++i;
        while (i < record.size()) {
          if (record[i] == '"' && i + 1 < record.size() && record[i + 1] == '"') {
            fields.back().push_back('"');
            i += 2;
          } else if (record[i] == '"') {
            ++i;
            break;
          } else {
            fields.back().push_back(record[i++]);
          }
        }
        field_start = false;
        continue;
      }
      if (c == ',') {
        fields.emplace_back();
        field_start = true;
      } else {
        fields.back().push_back(c);
        field_start = false;
      }
      ++i;
    }
    return fields;
  }

 private:
  FILE* in_;
};

// "2.55" -> 25500, "0.001" -> 10, "-3" -> -30000 (1/10000 units); nullopt for anything but
// an optional '-', digits and at most one '.' followed by at most 4 digits.
std::optional<int64_t> ParseTenThousandths(const std::string& text) {
  size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++i;
  if (i == text.size()) return std::nullopt;
  int64_t whole = 0, fraction = 0;
  int fraction_digits = 0;
  bool seen_dot = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else if (c >= '0' && c <= '9') {
      if (seen_dot) {
        fraction = fraction * 10 + (c - '0');
        ++fraction_digits;
      } else {
        whole = whole * 10 + (c - '0');
      }
    } else {
      return std::nullopt;
    }
  }
  if (fraction_digits > 4) return std::nullopt;
  for (int d = fraction_digits; d < 4; ++d) fraction *= 10;
  const int64_t value = whole * 10000 + fraction;
  return negative ? -value : value;
}

int64_t TenThousandths(const std::string& text) {
  const std::optional<int64_t> value = ParseTenThousandths(text);
  REQUIRE_MESSAGE(value.has_value(),
                  "not a decimal with at most 4 fraction digits: '" << text << "'");
  return *value;
}

// 106556224840 -> "10655622.4840", the form of a numeric(20,4) column.
std::string Numeric4(int64_t ten_thousandths) {
  const bool negative = ten_thousandths < 0;
  const int64_t v = negative ? -ten_thousandths : ten_thousandths;
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, "%04lld", static_cast<long long>(v % 10000));
  return (negative ? "-" : "") + std::to_string(v / 10000) + "." + fraction;
}

struct Totals {
  int64_t orders = 0;
  int64_t revenue = 0;  // 1/10000
  int64_t items = 0;
  bool operator==(const Totals&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Totals& t) {
  return os << t.orders << " orders, " << Numeric4(t.revenue) << ", " << t.items << " items";
}

struct ModelOrder {
  std::string local_time;  // "YYYY-MM-DD HH:MM[:SS]" of the first imported line
  std::string customer;    // "" = guest
  int64_t revenue = 0;
  int64_t items = 0;
};

struct Model {
  int64_t lines = 0, imported_lines = 0, cancellation_lines = 0, adjustment_lines = 0,
          non_positive_lines = 0;
  std::map<std::string, ModelOrder> orders;  // by order id

  Totals Total() const {
    Totals t;
    for (const auto& [id, o] : orders) {
      ++t.orders;
      t.revenue += o.revenue;
      t.items += o.items;
    }
    return t;
  }
  std::map<std::string, Totals> ByDay() const {
    std::map<std::string, Totals> days;
    for (const auto& [id, o] : orders) {
      Totals& d = days[o.local_time.substr(0, 10)];
      ++d.orders;
      d.revenue += o.revenue;
      d.items += o.items;
    }
    return days;
  }
  std::set<std::string> Customers() const {
    std::set<std::string> customers;
    for (const auto& [id, o] : orders) {
      if (!o.customer.empty()) customers.insert(o.customer);
    }
    return customers;
  }
};

bool DigitsOnly(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::optional<int64_t> ParseInteger(const std::string& text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Applies the documented rules to a CSV whose columns are found by the given header names.
Model BuildModel(FILE* in, const std::string& order_col, const std::string& quantity_col,
                 const std::string& time_col, const std::string& price_col,
                 const std::string& customer_col) {
  RecordReader reader(in);
  const auto header = reader.Next();
  REQUIRE(header.has_value());
  auto column = [&](const std::string& name) {
    for (size_t i = 0; i < header->size(); ++i) {
      if ((*header)[i] == name) return i;
    }
    FAIL("no column " << name);
    return size_t{0};
  };
  const size_t order_i = column(order_col), quantity_i = column(quantity_col),
               time_i = column(time_col), price_i = column(price_col),
               customer_i = column(customer_col);
  // A malformed record is remembered (the first one) and asserted once after the loop: half a
  // million assertions would only bury the one that matters.
  Model model;
  std::string first_problem;
  auto problem = [&](const std::string& what) {
    if (first_problem.empty()) {
      first_problem = "record " + std::to_string(model.lines + 1) + ": " + what;
    }
  };
  while (auto row = reader.Next()) {
    if (row->size() == 1 && (*row)[0].empty()) continue;  // blank line
    ++model.lines;
    if (row->size() != header->size()) {
      problem(std::to_string(row->size()) + " fields");
      continue;
    }
    const std::string& id = (*row)[order_i];
    if (!id.empty() && (id[0] == 'C' || id[0] == 'A') && DigitsOnly(id.substr(1))) {
      ++(id[0] == 'C' ? model.cancellation_lines : model.adjustment_lines);
      continue;
    }
    const std::optional<int64_t> quantity = ParseInteger((*row)[quantity_i]);
    if (!quantity) {
      problem("quantity '" + (*row)[quantity_i] + "'");
      continue;
    }
    if (*quantity <= 0) {
      ++model.non_positive_lines;
      continue;
    }
    const std::optional<int64_t> price = ParseTenThousandths((*row)[price_i]);
    if (!price || *price < 0) {
      problem("unit price '" + (*row)[price_i] + "'");
      continue;
    }
    ++model.imported_lines;
    auto [it, is_new] = model.orders.try_emplace(id);
    ModelOrder& order = it->second;
    if (is_new) {
      order.local_time = (*row)[time_i];
      std::string customer = (*row)[customer_i];
      if (customer.size() > 2 && customer.ends_with(".0")) customer.resize(customer.size() - 2);
      order.customer = customer;
    }
    order.revenue += *quantity * *price;
    order.items += *quantity;
  }
  CHECK_MESSAGE(first_problem.empty(), first_problem);
  return model;
}

// --- Reading the database ------------------------------------------------------------------

std::map<std::string, Totals> DailySalesOf(const std::string& tenant) {
  auto conn = ConnectToTestSchema();
  pqxx::nontransaction tx(*conn);
  std::map<std::string, Totals> days;
  for (const auto& row : tx.exec("SELECT day::text, orders, revenue::text, items_sold "
                                 "FROM daily_sales WHERE tenant_id = " +
                                 Q(tenant))) {
    days[row[0].c_str()] = {row[1].as<int64_t>(), TenThousandths(row[2].c_str()),
                            row[3].as<int64_t>()};
  }
  return days;
}

Totals TotalsOf(const std::string& tenant) {
  Totals t;
  for (const auto& [day, d] : DailySalesOf(tenant)) {
    t.orders += d.orders;
    t.revenue += d.revenue;
    t.items += d.items;
  }
  return t;
}

// The value after "label" on a line of the import's output ("" when absent).
std::string SummaryValue(const std::string& output, const std::string& label) {
  const size_t at = output.find(label);
  if (at == std::string::npos) return "";
  const size_t start = at + label.size();
  return output.substr(start, output.find_first_of(" ,\n", start) - start);
}

std::string WriteTempFile(const std::string& content) {
  char path[] = "/tmp/vecton-import-test-XXXXXX.csv";
  const int fd = mkstemps(path, 4);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

TEST_CASE("the Online Retail import gives the totals computed independently from the CSV") {
  const auto test_start = Clock::now();
  FILE* gunzip = popen(("gzip -dc '" + kOnlineRetail + "'").c_str(), "r");
  REQUIRE_MESSAGE(gunzip != nullptr, "cannot run gzip -dc " << kOnlineRetail);
  const Model model =
      BuildModel(gunzip, "InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID");
  REQUIRE(pclose(gunzip) == 0);
  const Totals expected = model.Total();
  const std::map<std::string, Totals> expected_days = model.ByDay();
  const std::set<std::string> customers = model.Customers();
  const double model_seconds = SecondsSince(test_start);

  // The model agrees with the data set's README and an independent Python computation.
  CHECK(model.lines == 541909);
  CHECK(model.cancellation_lines == 9288);
  CHECK(model.adjustment_lines == 3);
  CHECK(model.non_positive_lines == 1336);
  CHECK(model.imported_lines == 531282);
  CHECK(expected == Totals{20725, TenThousandths("10655622.484"), 5660978});
  CHECK(customers.size() == 4339);
  // 2010-12-07: winter (GMT); 2011-03-27 and 2011-10-30: the days the clocks change;
  // 2011-07-15: summer (BST); 2011-12-09: the last day of the file.
  CHECK(expected_days.at("2010-12-07") == Totals{85, TenThousandths("99618.20"), 25365});
  CHECK(expected_days.at("2011-03-27") == Totals{32, TenThousandths("9241.35"), 4530});
  CHECK(expected_days.at("2011-07-15") == Totals{45, TenThousandths("14836.43"), 7405});
  CHECK(expected_days.at("2011-10-30") == Totals{96, TenThousandths("34571.23"), 20068});
  CHECK(expected_days.at("2011-12-09") == Totals{44, TenThousandths("200920.60"), 93979});

  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("retail");
  CreateTenant(*conn, t, "Europe/London", "GBP");
  IngestorProcess ingestor;

  const auto import_start = Clock::now();
  std::string output;
  const int rc = RunIngestorCommand({"import", "--tenant", t, "--orders", kOnlineRetail}, &output);
  const double import_seconds = SecondsSince(import_start);
  REQUIRE_MESSAGE(rc == 0, output);
  WaitForEvents(t, expected.orders, std::chrono::minutes(6));
  const double stored_seconds = SecondsSince(import_start);

  // The summary (tenant's zone and currency filled in from the tenant row).
  CHECK(output.find("(GBP Europe/London)") != std::string::npos);
  CHECK(SummaryValue(output, "orders published: ") == std::to_string(expected.orders));
  CHECK(SummaryValue(output, "lines read: ") == std::to_string(model.lines));
  CHECK(SummaryValue(output, "imported: ") == std::to_string(model.imported_lines));
  CHECK(SummaryValue(output, "items sold: ") == std::to_string(expected.items));
  CHECK(TenThousandths(SummaryValue(output, "revenue: ")) == expected.revenue);
  CHECK(output.find("revenue: 10655622.484 GBP") != std::string::npos);

  // Exactly the orders, nothing more (no partial second order of an interleaved invoice).
  CHECK(EventCount(t) == expected.orders);
  CHECK(QueryValue("SELECT count(*) FROM orders WHERE tenant_id = " + Q(t)) ==
        std::to_string(expected.orders));
  CHECK(TotalsOf(t) == expected);

  const std::map<std::string, Totals> days = DailySalesOf(t);
  for (const char* day : {"2010-12-07", "2011-03-27", "2011-07-15", "2011-10-30", "2011-12-09"}) {
    CAPTURE(day);
    CHECK(days.at(day) == expected_days.at(day));
  }
  // Every London day, not only the few above.
  CHECK(days.size() == expected_days.size());
  int64_t days_differing = 0;
  for (const auto& [day, totals] : expected_days) {
    auto it = days.find(day);
    if (it == days.end() || it->second != totals) ++days_differing;
  }
  CHECK(days_differing == 0);

  // The hour buckets are London hours as instants: 10:00 BST on 2011-07-15 began at 09:00Z,
  // 10:00 GMT on 2010-12-07 at 10:00Z.
  auto hour_orders = [&](const std::string& local_prefix) {
    int64_t n = 0;
    for (const auto& [id, o] : model.orders) n += o.local_time.starts_with(local_prefix);
    return std::to_string(n);
  };
  CHECK(QueryValue("SELECT orders FROM hourly_sales WHERE tenant_id = " + Q(t) +
                   " AND hour_start = '2011-07-15T09:00:00Z'") == hour_orders("2011-07-15 10"));
  CHECK(QueryValue("SELECT orders FROM hourly_sales WHERE tenant_id = " + Q(t) +
                   " AND hour_start = '2010-12-07T10:00:00Z'") == hour_orders("2010-12-07 10"));

  // Customers with at least one order; guests have no row.
  CHECK(QueryValue("SELECT count(*) FROM customer_metrics WHERE tenant_id = " + Q(t)) ==
        std::to_string(customers.size()));
  // The one line this test prints: where its time goes (it is a large share of the suite).
  MESSAGE("Online Retail: model " << model_seconds << " s, import command " << import_seconds
                                  << " s, all " << expected.orders << " orders stored after "
                                  << stored_seconds << " s, whole test " << SecondsSince(test_start)
                                  << " s");
}

TEST_CASE("a CSV with its own column names imports through --mapping as computed by hand") {
  // Quoted commas and doubled quotes in names, a non-ASCII name, a guest (empty Buyer), a
  // cancellation invoice, a line with quantity 0, a free item, CRLF line ends, and an order at
  // 00:30 BST, which is the previous day in UTC but the 1st of July in London.
  const std::string csv =
      "Ref,Item,Title,Qty,When,Price,Buyer,Land,Group\r\n"
      "1001,P-1,\"Mug, large\",2,2011-07-01 00:30,3.125,42.0,United Kingdom,Kitchen\r\n"
      "1001,P-2,\"Say \"\"hi\"\" card\",1,2011-07-01 00:30,0.5,42.0,United Kingdom,Cards\r\n"
      "1002,P-3,Crème brûlée dish,3,2011-07-01T10:00:00,1.999,,France,Kitchen\r\n"
      "C1003,P-1,\"Mug, large\",-1,2011-07-01 11:00,3.125,42.0,United Kingdom,Kitchen\r\n"
      "1004,P-1,\"Mug, large\",0,2011-07-02 09:00,3.125,43,United Kingdom,Kitchen\r\n"
      "1004,P-4,\"Tea, 50 bags\",4,2011-07-02 09:00,2.25,43,United Kingdom,Drinks\r\n"
      "1005,P-5,Freebie,1,2010-12-24 18:00:00,0,42,United Kingdom,\r\n";
  const std::string path = WriteTempFile(csv);
  const std::string mapping =
      "order_id=Ref,product_id=Item,sku=,name=Title,quantity=Qty,placed_at=When,"
      "unit_price=Price,customer_id=Buyer,country=Land,category_name=Group";

  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("mapped");
  CreateTenant(*conn, t, "Europe/London", "GBP");
  IngestorProcess ingestor;
  std::string output;
  REQUIRE(RunIngestorCommand({"import", "--tenant", t, "--orders", path, "--mapping", mapping},
                             &output) == 0);
  WaitForEvents(t, 4, std::chrono::seconds(30));

  // 1001: 2 x 3.125 + 1 x 0.5 = 6.75 (3 items); 1002: 3 x 1.999 = 5.997 (3 items);
  // 1004: 4 x 2.25 = 9.00 (4 items, its quantity-0 line skipped); 1005: 1 x 0 = 0 (1 item).
  CAPTURE(output);
  CHECK(SummaryValue(output, "orders published: ") == "4");
  CHECK(SummaryValue(output, "lines read: ") == "7");
  CHECK(SummaryValue(output, "imported: ") == "5");
  CHECK(SummaryValue(output, "skipped: ") == "2");
  CHECK(
      output.find("skipped       1  cancellation invoice (order id C<digits>) (first on line 5)") !=
      std::string::npos);
  CHECK(output.find("skipped       1  quantity <= 0 in a sales invoice (first on line 6)") !=
        std::string::npos);
  CHECK(SummaryValue(output, "items sold: ") == "11");
  CHECK(SummaryValue(output, "revenue: ") == "21.747");

  auto day = [&](const std::string& d) {
    return QueryValue(
        "SELECT concat_ws('|', orders, revenue, items_sold) FROM daily_sales "
        "WHERE tenant_id = " +
        Q(t) + " AND day = " + Q(d));
  };
  CHECK(day("2011-06-30") == "");
  CHECK(day("2011-07-01") == "2|12.7470|6");  // 6.75 + 5.997
  CHECK(day("2011-07-02") == "1|9.0000|4");
  CHECK(day("2010-12-24") == "1|0.0000|1");
  // 00:30 BST on 1 July is 23:30Z on 30 June.
  CHECK(QueryValue("SELECT concat_ws('|', orders, revenue) FROM hourly_sales WHERE tenant_id = " +
                   Q(t) + " AND hour_start = '2011-06-30T23:00:00Z'") == "1|6.7500");
  CHECK(QueryValue("SELECT placed_at AT TIME ZONE 'UTC' FROM orders WHERE tenant_id = " + Q(t) +
                   " AND order_id = '1001'") == "2011-06-30 23:30:00");
  CHECK(QueryValue("SELECT string_agg(concat_ws('|', customer_id, orders, revenue, "
                   "first_order_day), ',' ORDER BY customer_id) FROM customer_metrics "
                   "WHERE tenant_id = " +
                   Q(t)) == "42|2|6.7500|2010-12-24,43|1|9.0000|2011-07-02");
  CHECK(QueryValue("SELECT coalesce(customer_id, 'guest') || '|' || country FROM orders "
                   "WHERE tenant_id = " +
                   Q(t) + " AND order_id = '1002'") == "guest|France");

  // The names arrive as written: quoted comma, doubled quote, non-ASCII.
  auto item_name = [&](const std::string& order, int index) {
    return QueryValue("SELECT body->'data'->'items'->" + std::to_string(index) +
                      "->>'name' FROM event_log WHERE tenant_id = " + Q(t) +
                      " AND event_id = 'import-" + order + "'");
  };
  CHECK(item_name("1001", 0) == "Mug, large");
  CHECK(item_name("1001", 1) == "Say \"hi\" card");
  CHECK(item_name("1002", 0) == "Crème brûlée dish");
  CHECK(QueryValue("SELECT body->'data'->'items'->0->>'category_name' FROM event_log WHERE "
                   "tenant_id = " +
                   Q(t) + " AND event_id = 'import-1004'") == "Drinks");
  CHECK(QueryValue("SELECT count(*) FROM event_log WHERE tenant_id = " + Q(t) +
                   " AND event_id LIKE '%1003%'") == "0");

  SUBCASE("importing the same file again changes nothing") {
    REQUIRE(RunIngestorCommand({"import", "--tenant", t, "--orders", path, "--mapping", mapping},
                               &output) == 0);
    CHECK(SummaryValue(output, "orders published: ") == "4");
    // A marker published after the second import is stored after it: once the marker is in,
    // the re-published orders have been consumed (and deduplicated).
    EventPublisher publisher;
    publisher.Publish("order.created",
                      CloudEvent("order.created", "marker", t, "2011-08-01T12:00:00+01:00",
                                 R"({"order_id":"M1","currency":"GBP","status":"completed",
                                     "items":[{"product_id":"P-9","quantity":1,
                                               "unit_price":"1.00"}],"total":"1.00"})"));
    WaitForEvents(t, 5, std::chrono::seconds(30));
    CHECK(EventCount(t) == 5);
    CHECK(QueryValue("SELECT count(*) FROM orders WHERE tenant_id = " + Q(t)) == "5");
    CHECK(day("2011-07-01") == "2|12.7470|6");
    CHECK(day("2011-07-02") == "1|9.0000|4");
    CHECK(QueryValue("SELECT sum(revenue) FROM daily_sales WHERE tenant_id = " + Q(t)) ==
          "22.7470");  // 21.747 + the marker's 1.00
  }
  std::remove(path.c_str());
}

}  // namespace vecton::testing
