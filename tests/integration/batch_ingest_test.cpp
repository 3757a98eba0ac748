// The storage layer of ingestion against a real PostgreSQL, without the broker: the array
// literals as PostgreSQL reads them back, and IngestBatch's event_log and product paths.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "harness.h"
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

}  // namespace vecton::testing
