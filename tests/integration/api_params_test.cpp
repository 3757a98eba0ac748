// The API's parameter rules and CSV cells, without servers (linked from vecton_api).
// Expected instants are worked out by hand from the Europe/Budapest rules: CET (+01:00) in
// winter, CEST (+02:00) from the last Sunday of March to the last Sunday of October.
#include <doctest/doctest.h>

#include "http/csv.h"
#include "http/params.h"

using namespace vecton;
using namespace vecton::api;

namespace {

TenantInfo Budapest() {
  auto zone = TimeZone::Get("Europe/Budapest");
  REQUIRE(zone.ok());
  return {.id = "acme", .currency = "HUF", .zone = *zone};
}

Timestamp At(const char* rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  REQUIRE(t.ok());
  return *t;
}

ParsedParams Parse(const char* query, const ParamRules& rules, Timestamp now = Timestamp{0}) {
  if (now.micros == 0) now = At("2026-11-25T10:00:00Z");
  auto params = ParseQueryString(query);
  REQUIRE(std::holds_alternative<QueryParams>(params));
  auto parsed = ValidateParams(std::get<QueryParams>(params), rules, Budapest(), now);
  if (auto* e = std::get_if<ApiError>(&parsed)) FAIL(e->message);
  return std::get<ParsedParams>(parsed);
}

const ParamRules kSales{
    .range = true, .granularity = true, .category_id = true, .compare = true, .format = true};

}  // namespace

TEST_CASE("the default range is the last 30 local days up to today") {
  ParsedParams p = Parse("", kSales);
  CHECK(p.from_text == "2026-10-27");
  CHECK(p.to_text == "2026-11-25");
  CHECK(p.request.range.begin == At("2026-10-26T23:00:00Z"));
  CHECK(p.request.range.end == At("2026-11-25T23:00:00Z"));
  CHECK(p.request.range.first_day == CivilDate{2026, 10, 27});
  CHECK(p.request.range.last_day == CivilDate{2026, 11, 25});
}

TEST_CASE("a date range covers whole local days, the spring-forward day has 23 hours") {
  ParsedParams p = Parse("from=2026-03-29&to=2026-03-29&granularity=hourly", kSales);
  CHECK(p.request.range.begin == At("2026-03-28T23:00:00Z"));
  CHECK(p.request.range.end == At("2026-03-29T22:00:00Z"));
  CHECK(p.request.range.granularity == Granularity::kHourly);
}

TEST_CASE("an unencoded '+' offset in a date-time is kept") {
  ParsedParams p = Parse("from=2026-11-01T06:00:00+01:00&to=2026-11-01T12:00:00Z", kSales);
  CHECK(p.request.range.begin == At("2026-11-01T05:00:00Z"));
  CHECK(p.request.range.end == At("2026-11-01T12:00:00Z"));
  CHECK(p.from_text == "2026-11-01T06:00:00+01:00");
}

TEST_CASE("previous_period is the same number of days immediately before") {
  ParsedParams p = Parse("from=2026-11-01&to=2026-11-07&compare=previous_period", kSales);
  REQUIRE(p.request.compare_range.has_value());
  CHECK(p.request.compare_range->first_day == CivilDate{2026, 10, 25});
  CHECK(p.request.compare_range->last_day == CivilDate{2026, 10, 31});
  CHECK(p.request.compare_range->begin == At("2026-10-24T22:00:00Z"));  // still CEST
  CHECK(p.request.compare_range->end == At("2026-10-31T23:00:00Z"));
}

TEST_CASE("previous_period of a date-time range is the same length before it") {
  ParsedParams p =
      Parse("from=2026-11-01T06:00:00Z&to=2026-11-01T12:00:00Z&compare=previous_period", kSales);
  REQUIRE(p.request.compare_range.has_value());
  CHECK(p.request.compare_range->begin == At("2026-11-01T00:00:00Z"));
  CHECK(p.request.compare_range->end == At("2026-11-01T06:00:00Z"));
}

TEST_CASE("previous_year is the same dates a year earlier, Feb 29 clamped") {
  ParsedParams p = Parse("from=2024-02-29&to=2024-03-01&compare=previous_year", kSales);
  REQUIRE(p.request.compare_range.has_value());
  CHECK(p.request.compare_range->first_day == CivilDate{2023, 2, 28});
  CHECK(p.request.compare_range->last_day == CivilDate{2023, 3, 1});
}

TEST_CASE("the cache key is the validated parameters with defaults, in name order") {
  ParsedParams a = Parse("to=2026-11-07&from=2026-11-01&granularity=weekly", kSales);
  ParsedParams b = Parse("granularity=weekly&from=2026-11-01&to=2026-11-07&format=json", kSales);
  CHECK(a.normalized == "format=json&from=2026-11-01&granularity=weekly&to=2026-11-07");
  CHECK(a.normalized == b.normalized);
}

TEST_CASE("a 31-day hourly range is allowed and a 32-day one is not") {
  Parse("from=2026-10-01&to=2026-10-31&granularity=hourly", kSales);
  auto params = ParseQueryString("from=2026-10-01&to=2026-11-01&granularity=hourly");
  auto parsed =
      ValidateParams(std::get<QueryParams>(params), kSales, Budapest(), At("2026-11-25T10:00:00Z"));
  REQUIRE(std::holds_alternative<ApiError>(parsed));
  CHECK(std::get<ApiError>(parsed).parameter == "granularity");
}

TEST_CASE("CSV cells: formulas are defused, numbers are not, specials are quoted") {
  CHECK(CsvCell("=SUM(A1:A9)") == "'=SUM(A1:A9)");
  CHECK(CsvCell("+36 1 234") == "'+36 1 234");
  CHECK(CsvCell("@cmd") == "'@cmd");
  CHECK(CsvCell("-x") == "'-x");
  CHECK(CsvCell("-12.50") == "-12.50");
  CHECK(CsvCell("plain") == "plain");
  CHECK(CsvCell("a,b") == "\"a,b\"");
  CHECK(CsvCell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvCell("=1,2") == "\"'=1,2\"");
  CsvTable t{{"period", "revenue"}, {{"2026-11-01", "10.00"}}};
  CHECK(CsvBody(t) == "period,revenue\r\n2026-11-01,10.00\r\n");
}
