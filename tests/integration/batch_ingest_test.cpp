// The storage layer of ingestion against a real PostgreSQL, without the broker: the array
// literals as PostgreSQL reads them back, and IngestBatch's event_log and product paths.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "harness.h"
#include "storage/ingest.h"
#include "storage/pg_array.h"

namespace vecton::testing {
namespace {

using storage::PgArray;

// Texts whose array literal needs quotes, or looks as if it might.
const std::vector<std::string> kTrickyTexts = {
    "",        "NULL",        "null",      "NuLl",
    "NULLS",   "xNULL",       " lead",     "trail ",
    "in side", "tab\there",   "new\nline", "cr\rret",
    "\v",      "\f",          "\"",        "a\"b",
    "\\",      "back\\slash", "\\\"",      "{",
    "}",       "{a,b}",       ",",         "a,b",
    "[1:2]",   "=",           "'q'",       "Gábor",
    "€100",    "日本",        "-0.5000",   "2026-11-25T03:00:00Z",
    "plain"};

// The elements of the text[] literal as PostgreSQL reads them, NULL as "<null>".
std::vector<std::string> ReadBack(pqxx::connection& conn, const std::string& literal) {
  pqxx::work tx(conn);
  std::vector<std::string> out;
  for (const auto& row : tx.exec_params(
           "SELECT coalesce(x, '<null>') FROM unnest($1::text[]) WITH ORDINALITY AS u(x, n) "
           "ORDER BY n",
           literal)) {
    out.emplace_back(row[0].c_str());
  }
  return out;
}

// An order.created CloudEvent of `tenant` with one item of `product` named `name`.
std::string OrderEvent(const std::string& tenant, const std::string& id, const std::string& name) {
  return R"({"specversion":"1.0","id":")" + id +
         R"(","source":"webshop","type":"order.created","time":"2026-10-20T10:00:00Z",)"
         R"("tenant":")" +
         tenant + R"(","datacontenttype":"application/json","data":{"order_id":"o-)" + id +
         R"(","customer_id":"c-)" + id +
         R"(","currency":"EUR","total":"10.00","items":[{"product_id":"p1","sku":"SKU-1",)"
         R"("name":")" +
         name + R"(","category_id":3,"quantity":1,"unit_price":"10.00"}]}})";
}

storage::BatchResult Ingest(pqxx::connection& conn, const std::vector<std::string>& bodies) {
  std::vector<std::string_view> views(bodies.begin(), bodies.end());
  return storage::IngestBatch(conn, views, storage::IngestSettings{});
}

std::string Query(pqxx::connection& conn, const std::string& sql, const std::string& tenant) {
  pqxx::work tx(conn);
  return tx.exec_params1(sql, tenant)[0].c_str();
}

}  // namespace

TEST_CASE("PostgreSQL reads back every text of an array literal as it was added") {
  auto conn = ConnectToTestSchema();
  PgArray a;
  for (const std::string& t : kTrickyTexts) a.Add(std::string_view(t));
  a.AddNull();
  std::vector<std::string> want = kTrickyTexts;
  want.emplace_back("<null>");
  CHECK(ReadBack(*conn, a.Take()) == want);
}

TEST_CASE("an array literal nested in another one reads back whole, as the staged deltas do") {
  auto conn = ConnectToTestSchema();
  PgArray inner;
  for (const std::string& t : kTrickyTexts) inner.Add(std::string_view(t));
  inner.AddNull().Add(int64_t{-7});
  const std::string inner_literal = inner.Take();
  PgArray outer;
  outer.Add(std::string_view(inner_literal)).Add(std::string_view("{}"));
  pqxx::work tx(*conn);
  pqxx::result rows = tx.exec_params(
      "SELECT (($1::text[])[1])::text[] = $2::text[], cardinality((($1::text[])[2])::text[])",
      outer.Take(), inner_literal);
  CHECK(rows[0][0].as<bool>());
  CHECK(rows[0][1].as<int>() == 0);
}

TEST_CASE("COPY rows read back as they were added: every text, NULL and empty apart") {
  auto conn = ConnectToTestSchema();
  std::vector<std::string> texts = kTrickyTexts;
  texts.insert(texts.end(), {"\\N", "a\tb\\tc", "end\\", "\n", "two\n\nlines"});
  storage::CopyRows<3> rows;
  int64_t n = 0;
  for (const std::string& t : texts) rows.Add({++n, t, storage::CopyField()});
  rows.Add({++n, storage::CopyField(), ""});
  pqxx::work tx(*conn);
  tx.exec("CREATE TEMP TABLE copy_probe (n int8, a text, b text)");
  rows.Write(tx, "copy_probe", {"n", "a", "b"});
  std::vector<std::string> got;
  for (const auto& r : tx.exec("SELECT coalesce(a, '<null>'), coalesce(b, '<null>') "
                               "FROM copy_probe ORDER BY n")) {
    got.push_back(std::string(r[0].c_str()) + "|" + r[1].c_str());
  }
  std::vector<std::string> want;
  for (const std::string& t : texts) want.push_back(t + "|<null>");
  want.emplace_back("<null>|");
  CHECK(got == want);
}

TEST_CASE("a batch with a copy of a stored event stores the others and counts the copy once") {
  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("dup");
  CreateTenant(*conn, t, "UTC", "EUR");

  storage::BatchResult first =
      Ingest(*conn, {OrderEvent(t, "e1", "Pen"), OrderEvent(t, "e2", "Pen")});
  CHECK(first.ingested == 2);
  CHECK(first.duplicates == 0);

  // e1 is stored: the batch's COPY into event_log fails and the fallback sorts it out.
  storage::BatchResult second = Ingest(
      *conn, {OrderEvent(t, "e3", "Pen"), OrderEvent(t, "e1", "Pen"), OrderEvent(t, "e4", "Pen")});
  CHECK(second.ingested == 2);
  CHECK(second.duplicates == 1);
  CHECK(second.rejected.empty());
  CHECK(Query(*conn, "SELECT count(*) FROM event_log WHERE tenant_id = $1", t) == "4");
  CHECK(Query(*conn,
              "SELECT string_agg(order_id, ',' ORDER BY order_id) FROM orders "
              "WHERE tenant_id = $1",
              t) == "o-e1,o-e2,o-e3,o-e4");
  CHECK(Query(*conn, "SELECT count(*) FROM order_items WHERE tenant_id = $1", t) == "4");

  // Only copies: nothing changes.
  storage::BatchResult third =
      Ingest(*conn, {OrderEvent(t, "e2", "Pen"), OrderEvent(t, "e4", "Pen")});
  CHECK(third.ingested == 0);
  CHECK(third.duplicates == 2);
  CHECK(third.touched_tenants.empty());
  CHECK(Query(*conn, "SELECT count(*) FROM event_log WHERE tenant_id = $1", t) == "4");
  CHECK(Query(*conn, "SELECT count(*) FROM orders WHERE tenant_id = $1", t) == "4");
}

TEST_CASE("a product's row is rewritten only when a batch changes its attributes") {
  auto conn = ConnectToTestSchema();
  const std::string t = UniqueTenant("attrs");
  CreateTenant(*conn, t, "UTC", "EUR");
  const std::string version =
      "SELECT xmin::text FROM products WHERE tenant_id = $1 AND product_id = 'p1'";
  const std::string attributes =
      "SELECT concat_ws('|', sku, name, category_id) FROM products "
      "WHERE tenant_id = $1 AND product_id = 'p1'";

  Ingest(*conn, {OrderEvent(t, "e1", "Pen")});
  CHECK(Query(*conn, attributes, t) == "SKU-1|Pen|3");
  const std::string stored = Query(*conn, version, t);

  Ingest(*conn, {OrderEvent(t, "e2", "Pen")});
  CHECK(Query(*conn, version, t) == stored);
  CHECK(Query(*conn, attributes, t) == "SKU-1|Pen|3");

  Ingest(*conn, {OrderEvent(t, "e3", "Fountain pen")});
  CHECK(Query(*conn, version, t) != stored);
  CHECK(Query(*conn, attributes, t) == "SKU-1|Fountain pen|3");
}

}  // namespace vecton::testing
