// Expected values are worked out by hand in the comments (weekdays counted from known anchors:
// 1970-01-01 was a Thursday, 2026-01-01 a Thursday, 2026-03-01 a Sunday), never produced by
// the code under test. Zone tests read the system's tzdata (/usr/share/zoneinfo).
#include "vecton/civil_time.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace vecton {
namespace {

constexpr int64_t kHour = 3600;

// Parses a known-good RFC 3339 literal (the tests' way to write instants readably).
Timestamp At(std::string_view text) {
  auto t = ParseRfc3339(text);
  REQUIRE_MESSAGE(t.ok(), std::string(text));
  return *t;
}

std::shared_ptr<const TimeZone> Zone(std::string_view name) {
  auto zone = TimeZone::Get(name);
  REQUIRE_MESSAGE(zone.ok(), std::string(name));
  return *zone;
}

CivilDate Date(int y, int m, int d) { return CivilDate{y, m, d}; }

}  // namespace

TEST_SUITE_BEGIN("civil_time");

// ---- RFC 3339 ----------------------------------------------------------------------------

TEST_CASE("RFC 3339 instants with Z or an offset parse to Unix microseconds") {
  // 1970-01-01T00:00:00Z is the epoch; 2000-01-01 is day 10957 (30 years, 7 leap days).
  CHECK(ParseRfc3339("1970-01-01T00:00:00Z")->micros == 0);
  CHECK(ParseRfc3339("2000-01-01T00:00:00Z")->micros == 10957LL * 86400 * 1'000'000);
  // 2026-01-01 is day 20454 (56 years * 365 + 14 leap days: 1972..2024).
  const int64_t jan1_2026 = 20454LL * 86400;
  CHECK(ParseRfc3339("2026-01-01T00:00:00Z")->seconds() == jan1_2026);
  // +01:00 means the wall clock is an hour ahead of UTC: 01:00+01:00 == 00:00Z.
  CHECK(ParseRfc3339("2026-01-01T01:00:00+01:00")->seconds() == jan1_2026);
  CHECK(ParseRfc3339("2025-12-31T18:30:00-05:30")->seconds() == jan1_2026);
  // Lower-case separators are allowed by RFC 3339.
  CHECK(ParseRfc3339("2026-01-01t00:00:00z")->seconds() == jan1_2026);
  // -00:00 ("offset unknown") is UTC.
  CHECK(ParseRfc3339("2026-01-01T00:00:00-00:00")->seconds() == jan1_2026);
}

TEST_CASE("RFC 3339 fractions keep microseconds and truncate the rest") {
  const int64_t base = At("2026-11-25T09:14:03Z").micros;
  CHECK(At("2026-11-25T09:14:03.1Z").micros == base + 100'000);
  CHECK(At("2026-11-25T09:14:03.120Z").micros == base + 120'000);
  CHECK(At("2026-11-25T09:14:03.123456Z").micros == base + 123'456);
  CHECK(At("2026-11-25T09:14:03.123456789Z").micros == base + 123'456);  // truncated, not rounded
  CHECK(At("2026-11-25T09:14:03.999999999Z").micros == base + 999'999);
}

TEST_CASE("RFC 3339 rejects missing offsets, impossible dates and times, and junk") {
  for (const char* bad : {
           "2026-11-25T09:14:03",              // no offset
           "2026-11-25 09:14:03Z",             // space instead of T
           "2026-11-25T09:14Z",                // no seconds
           "2026-11-25",                       // date only
           "2026-02-30T00:00:00Z",             // February has no 30th
           "2026-02-29T00:00:00Z",             // 2026 is not a leap year
           "1900-02-29T00:00:00Z",             // 1900 is not a leap year (divisible by 100)
           "2026-13-01T00:00:00Z",             // month 13
           "2026-00-10T00:00:00Z",             // month 0
           "2026-04-31T00:00:00Z",             // April has 30 days
           "2026-11-25T24:00:00Z",             // hour 24
           "2026-11-25T09:60:00Z",             // minute 60
           "2026-11-25T09:14:60Z",             // leap second: not accepted
           "2026-11-25T09:14:03+24:00",        // offset beyond 23:59
           "2026-11-25T09:14:03+01:60",        // offset minutes 60
           "2026-11-25T09:14:03+0100",         // offset without colon
           "2026-11-25T09:14:03.Z",            // empty fraction
           "2026-11-25T09:14:03.1234567891Z",  // 10 fraction digits
           "2026-11-25T09:14:03Z ",            // trailing space
           " 2026-11-25T09:14:03Z",            // leading space
           "26-11-25T09:14:03Z",               // two-digit year
           "2026-1-25T09:14:03Z",              // one-digit month
           "",
       }) {
    CAPTURE(bad);
    CHECK_FALSE(ParseRfc3339(bad).ok());
  }
  CHECK(ParseRfc3339("2028-02-29T12:00:00Z").ok());  // 2028 is a leap year
  CHECK(ParseRfc3339("2000-02-29T12:00:00Z").ok());  // 2000 is (divisible by 400)
}

TEST_CASE("RFC 3339 errors say what form is expected") {
  const auto missing = ParseRfc3339("2026-11-25T09:14:03");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().find("must be RFC 3339 with an offset, e.g. 2026-11-25T09:14:03Z") !=
        std::string::npos);
  CHECK(missing.error().find("2026-11-25T09:14:03'") != std::string::npos);
  const auto impossible = ParseRfc3339("2026-02-30T00:00:00Z");
  REQUIRE_FALSE(impossible.ok());
  CHECK(impossible.error().find("2026-02-30") != std::string::npos);
}

TEST_CASE("UTC instants are formatted with six fraction digits") {
  CHECK(FormatUtc(At("2026-11-25T09:14:03.12Z")) == "2026-11-25T09:14:03.120000Z");
  CHECK(FormatUtc(Timestamp{0}) == "1970-01-01T00:00:00.000000Z");
  // One microsecond before the epoch: floor, not truncation toward zero.
  CHECK(FormatUtc(Timestamp{-1}) == "1969-12-31T23:59:59.999999Z");
  CHECK(FormatUtc(At("2026-01-01T01:00:00+01:00")) == "2026-01-01T00:00:00.000000Z");
}

TEST_CASE("UTC instants at the edges of the four-digit years keep their sign and width") {
  // Year 0000 minus an hour is year -1; PostgreSQL accepts neither, but nothing is truncated.
  CHECK(FormatUtc(At("0000-01-01T00:30:00+01:00")) == "-001-12-31T23:30:00.000000Z");
  CHECK(FormatUtc(At("0000-01-01T00:00:00Z")) == "0000-01-01T00:00:00.000000Z");
  CHECK(FormatUtc(At("9999-12-31T23:59:59.999999Z")) == "9999-12-31T23:59:59.999999Z");
  CHECK(FormatUtc(At("9999-12-31T23:30:00-01:00")) == "10000-01-01T00:30:00.000000Z");
  CHECK(FormatUtc(At("0042-03-04T05:06:07.000089Z")) == "0042-03-04T05:06:07.000089Z");
}

TEST_CASE("UTC instants are formatted as the fmt pattern writes them, over many years") {
  // The digit-by-digit writer against the pattern it replaced, from year 1 to 9999.
  uint64_t state = 12345;
  for (int k = 0; k < 20'000; ++k) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const int64_t micros =
        static_cast<int64_t>(state % 315'537'897'600'000'000ULL) - int64_t{62'135'596'800'000'000};
    const int64_t days =
        micros >= 0 ? micros / 86'400'000'000 : -((-micros + 86'400'000'000 - 1) / 86'400'000'000);
    const int64_t of_day = micros - days * 86'400'000'000;
    const int64_t secs = of_day / 1'000'000;
    const std::string expected =
        fmt::format("{}T{:02}:{:02}:{:02}.{:06}Z", CivilDate::FromDays(days).ToString(),
                    secs / 3600, secs / 60 % 60, secs % 60, of_day % 1'000'000);
    const CivilDate d = CivilDate::FromDays(days);
    REQUIRE(CivilDate::FromDays(days).ToString() ==
            fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day));
    REQUIRE(FormatUtc(Timestamp{micros}) == expected);
  }
}

// ---- Calendar dates --------------------------------------------------------------------

TEST_CASE("civil dates convert to and from days since the epoch") {
  CHECK(Date(1970, 1, 1).ToDays() == 0);
  CHECK(Date(1969, 12, 31).ToDays() == -1);
  CHECK(Date(2000, 3, 1).ToDays() == 11017);  // 10957 + 31 (Jan) + 29 (Feb 2000)
  CHECK(Date(2026, 1, 1).ToDays() == 20454);
  CHECK(CivilDate::FromDays(20454) == Date(2026, 1, 1));
  CHECK(CivilDate::FromDays(11016) == Date(2000, 2, 29));
  CHECK(CivilDate::FromDays(-1) == Date(1969, 12, 31));
  CHECK(CivilDate::FromDays(-719468) == Date(0, 3, 1));  // the algorithm's own anchor
  // Round trip across four centuries, including every leap-day rule.
  for (int64_t d = -146097; d <= int64_t{2} * 146097; d += 37) {
    CHECK_MESSAGE(CivilDate::FromDays(d).ToDays() == d, d);
  }
}

TEST_CASE("weekdays are ISO: Monday is 1 and Sunday is 7") {
  CHECK(Date(1970, 1, 1).Weekday() == 4);    // a Thursday
  CHECK(Date(2026, 11, 25).Weekday() == 3);  // a Wednesday
  CHECK(Date(2026, 11, 29).Weekday() == 7);  // the following Sunday
  CHECK(Date(2026, 11, 30).Weekday() == 1);  // and Monday
  CHECK(Date(1969, 12, 28).Weekday() == 7);  // before the epoch: a Sunday
}

TEST_CASE("weeks start on Monday") {
  CHECK(Date(2026, 11, 25).WeekStart() == Date(2026, 11, 23));  // Wednesday -> Monday
  CHECK(Date(2026, 11, 23).WeekStart() == Date(2026, 11, 23));  // a Monday is its own start
  CHECK(Date(2026, 11, 29).WeekStart() == Date(2026, 11, 23));  // Sunday -> previous Monday
  // 2027-01-01 is a Friday; its week began in 2026.
  CHECK(Date(2027, 1, 1).Weekday() == 5);
  CHECK(Date(2027, 1, 1).WeekStart() == Date(2026, 12, 28));
  CHECK(Date(2026, 3, 1).WeekStart() == Date(2026, 2, 23));  // Sunday across a month end
}

TEST_CASE("stepping by months clamps the day to the target month") {
  CHECK(Date(2026, 1, 31).AddMonths(1) == Date(2026, 2, 28));
  CHECK(Date(2028, 1, 31).AddMonths(1) == Date(2028, 2, 29));  // leap year
  CHECK(Date(2026, 3, 31).AddMonths(-1) == Date(2026, 2, 28));
  CHECK(Date(2026, 12, 15).AddMonths(1) == Date(2027, 1, 15));
  CHECK(Date(2026, 1, 15).AddMonths(-1) == Date(2025, 12, 15));
  CHECK(Date(2026, 5, 31).AddMonths(-13) == Date(2025, 4, 30));
  CHECK(Date(2026, 11, 25).AddMonths(0) == Date(2026, 11, 25));
  CHECK(Date(2026, 11, 25).AddMonths(24) == Date(2028, 11, 25));
  CHECK(Date(2026, 11, 25).MonthStart() == Date(2026, 11, 1));
  CHECK(Date(2026, 11, 25).AddDays(7) == Date(2026, 12, 2));
}

TEST_CASE("dates parse strictly as YYYY-MM-DD with leap years checked") {
  CHECK(*CivilDate::Parse("2026-11-25") == Date(2026, 11, 25));
  CHECK(CivilDate::Parse("2028-02-29").ok());
  CHECK(CivilDate::Parse("2000-02-29").ok());
  CHECK_FALSE(CivilDate::Parse("2026-02-29").ok());
  CHECK_FALSE(CivilDate::Parse("1900-02-29").ok());
  CHECK_FALSE(CivilDate::Parse("2026-11-31").ok());
  CHECK_FALSE(CivilDate::Parse("2026-13-01").ok());
  CHECK_FALSE(CivilDate::Parse("2026-00-01").ok());
  CHECK_FALSE(CivilDate::Parse("2026-11-00").ok());
  CHECK_FALSE(CivilDate::Parse("2026-1-25").ok());
  CHECK_FALSE(CivilDate::Parse("2026/11/25").ok());
  CHECK_FALSE(CivilDate::Parse("2026-11-25T00:00:00Z").ok());
  CHECK_FALSE(CivilDate::Parse("").ok());
  const auto bad = CivilDate::Parse("2026-02-29");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().find("28 days") != std::string::npos);
  CHECK(Date(2026, 3, 9).ToString() == "2026-03-09");
  CHECK(Date(7, 1, 2).ToString() == "0007-01-02");
  CHECK(Date(-1, 12, 31).ToString() == "-001-12-31");
  CHECK(Date(12026, 3, 9).ToString() == "12026-03-09");
  CHECK(Date(2026, 123, 9).ToString() == "2026-123-09");
}

TEST_CASE("local times are written with a +HH:MM offset and no fraction") {
  LocalTime t;
  t.date = Date(2026, 3, 29);
  t.hour = 3;
  t.utc_offset_seconds = 2 * 3600;
  t.micros_of_second = 500'000;
  CHECK(FormatLocal(t) == "2026-03-29T03:00:00+02:00");
  t.utc_offset_seconds = 0;
  CHECK(FormatLocal(t) == "2026-03-29T03:00:00+00:00");
  t.utc_offset_seconds = -(3 * 3600 + 30 * 60);
  CHECK(FormatLocal(t) == "2026-03-29T03:00:00-03:30");
  t.utc_offset_seconds = 5 * 3600 + 45 * 60;  // Nepal
  CHECK(FormatLocal(t) == "2026-03-29T03:00:00+05:45");
}

// ---- Zones from tzdata -------------------------------------------------------------------

TEST_CASE("zone names that could escape the zoneinfo directory are rejected") {
  for (const char* bad :
       {"../etc/passwd", "Europe/../../etc/passwd", "/etc/passwd", "", "Europe/Buda pest",
        "Europe\\Budapest", "Europe/Budapest;rm", "Europe/Budap.est"}) {
    CAPTURE(bad);
    CHECK_FALSE(TimeZone::Get(bad).ok());
  }
  CHECK_FALSE(TimeZone::Get(std::string(65, 'A')).ok());
  const auto unknown = TimeZone::Get("Mars/Olympus_Mons");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error() == "unknown time zone 'Mars/Olympus_Mons'");
  CHECK(TimeZone::Get("Europe").error() == "unknown time zone 'Europe'");  // a directory
}

TEST_CASE("zones are cached: the same name yields the same object, also across threads") {
  const auto first = Zone("Europe/Budapest");
  CHECK(first->name() == "Europe/Budapest");
  std::vector<const TimeZone*> seen(4, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] {
      auto z = TimeZone::Get(i % 2 == 0 ? "Europe/Budapest" : "America/Chicago");
      if (z.ok()) seen[i] = z->get();
    });
  }
  for (auto& t : threads) t.join();
  CHECK(seen[0] == first.get());
  CHECK(seen[2] == first.get());
  REQUIRE(seen[1] != nullptr);
  CHECK(seen[1] == seen[3]);
}

TEST_CASE("UTC has offset zero at all times") {
  for (const char* name : {"UTC", "Etc/UTC"}) {
    const auto utc = Zone(name);
    CHECK(utc->UtcOffsetSeconds(At("2026-06-01T12:00:00Z")) == 0);
    CHECK(utc->UtcOffsetSeconds(At("1950-01-01T00:00:00Z")) == 0);
    CHECK(utc->UtcOffsetSeconds(At("2090-01-01T00:00:00Z")) == 0);
    CHECK(utc->StartOfDay(Date(2026, 11, 25)) == At("2026-11-25T00:00:00Z"));
    CHECK(utc->HourStart(At("2026-11-25T09:14:03.5Z")) == At("2026-11-25T09:00:00Z"));
    CHECK(FormatLocal(utc->ToLocal(At("2026-11-25T09:00:00Z"))) == "2026-11-25T09:00:00+00:00");
  }
}

TEST_CASE("Budapest's spring-forward day has 23 hours and its fall-back day 25") {
  const auto bud = Zone("Europe/Budapest");
  // EU rule: last Sunday of March/October at 01:00Z. March 2026: the 1st is a Sunday, so the
  // Sundays are 1, 8, 15, 22, 29. October 1st is a Thursday (214 days after March 1st,
  // 214 % 7 = 4), so its Sundays are 4, 11, 18, 25.
  // Local midnight of 03-29 is still CET (+1): 03-28T23:00Z; of 03-30 CEST (+2): 03-29T22:00Z.
  CHECK(bud->StartOfDay(Date(2026, 3, 29)) == At("2026-03-28T23:00:00Z"));
  CHECK(bud->StartOfDay(Date(2026, 3, 30)) == At("2026-03-29T22:00:00Z"));
  CHECK(bud->StartOfDay(Date(2026, 3, 30)).micros - bud->StartOfDay(Date(2026, 3, 29)).micros ==
        23 * kHour * 1'000'000);
  CHECK(bud->StartOfDay(Date(2026, 10, 25)) == At("2026-10-24T22:00:00Z"));
  CHECK(bud->StartOfDay(Date(2026, 10, 26)) == At("2026-10-25T23:00:00Z"));
  CHECK(bud->StartOfDay(Date(2026, 10, 26)).micros - bud->StartOfDay(Date(2026, 10, 25)).micros ==
        25 * kHour * 1'000'000);
  // The offset flips exactly at 01:00Z.
  CHECK(bud->UtcOffsetSeconds(At("2026-03-29T00:59:59Z")) == 3600);
  CHECK(bud->UtcOffsetSeconds(At("2026-03-29T01:00:00Z")) == 7200);
  CHECK(bud->UtcOffsetSeconds(At("2026-10-25T00:59:59Z")) == 7200);
  CHECK(bud->UtcOffsetSeconds(At("2026-10-25T01:00:00Z")) == 3600);
}

TEST_CASE("an instant late on the UTC day can fall on the next local date") {
  const auto bud = Zone("Europe/Budapest");
  // 23:30Z on 03-28 is 00:30 CET on 03-29.
  const LocalTime lt = bud->ToLocal(At("2026-03-28T23:30:00Z"));
  CHECK(lt.date == Date(2026, 3, 29));
  CHECK(lt.hour == 0);
  CHECK(lt.minute == 30);
  CHECK(lt.utc_offset_seconds == 3600);
  CHECK(bud->LocalDate(At("2026-03-28T22:59:59Z")) == Date(2026, 3, 28));
}

TEST_CASE("hour starts across Budapest's DST changes") {
  const auto bud = Zone("Europe/Budapest");
  const auto hour_of = [&](std::string_view t) {
    return FormatLocal(bud->ToLocal(bud->HourStart(At(t))));
  };
  // Spring: 01:59:59 CET is followed by 03:00:00 CEST.
  CHECK(hour_of("2026-03-29T00:59:59Z") == "2026-03-29T01:00:00+01:00");
  CHECK(bud->HourStart(At("2026-03-29T00:59:59Z")) == At("2026-03-29T00:00:00Z"));
  CHECK(hour_of("2026-03-29T01:00:00Z") == "2026-03-29T03:00:00+02:00");
  CHECK(hour_of("2026-03-29T01:30:00Z") == "2026-03-29T03:00:00+02:00");
  CHECK(bud->HourStart(At("2026-03-29T01:30:00Z")) == At("2026-03-29T01:00:00Z"));
  // Autumn: the local hour 02:00 happens twice, once in CEST and once in CET.
  CHECK(hour_of("2026-10-25T00:30:00Z") == "2026-10-25T02:00:00+02:00");
  CHECK(bud->HourStart(At("2026-10-25T00:30:00Z")) == At("2026-10-25T00:00:00Z"));
  CHECK(hour_of("2026-10-25T01:30:00Z") == "2026-10-25T02:00:00+01:00");
  CHECK(bud->HourStart(At("2026-10-25T01:30:00Z")) == At("2026-10-25T01:00:00Z"));
  // An exact hour start maps to itself; sub-second precision is dropped.
  CHECK(bud->HourStart(At("2026-11-25T09:00:00Z")) == At("2026-11-25T09:00:00Z"));
  CHECK(bud->HourStart(At("2026-11-25T09:59:59.999999Z")) == At("2026-11-25T09:00:00Z"));
}

TEST_CASE("Budapest far in the future follows the footer rule") {
  const auto bud = Zone("Europe/Budapest");
  // 2045 is past the 2037 end of a fat TZif table.
  CHECK(bud->UtcOffsetSeconds(At("2045-07-01T12:00:00Z")) == 7200);
  CHECK(bud->UtcOffsetSeconds(At("2045-01-15T12:00:00Z")) == 3600);
  CHECK(FormatLocal(bud->ToLocal(At("2045-07-01T12:00:00Z"))) == "2045-07-01T14:00:00+02:00");
  // 2045-03-01: 19 years and 5 leap days after 2026-03-01 (a Sunday): 6940 days, 6940 % 7 = 3,
  // a Wednesday. Its Sundays: 5, 12, 19, 26, so DST starts 2045-03-26T01:00Z.
  CHECK(bud->UtcOffsetSeconds(At("2045-03-26T00:59:59Z")) == 3600);
  CHECK(bud->UtcOffsetSeconds(At("2045-03-26T01:00:00Z")) == 7200);
  CHECK(bud->StartOfDay(Date(2045, 3, 27)).micros - bud->StartOfDay(Date(2045, 3, 26)).micros ==
        23 * kHour * 1'000'000);
  CHECK(bud->HourStart(At("2045-03-26T01:20:00Z")) == At("2045-03-26T01:00:00Z"));
}

TEST_CASE("Kolkata's half-hour offset: hours start at :30 UTC") {
  const auto ist = Zone("Asia/Kolkata");
  CHECK(ist->UtcOffsetSeconds(At("2026-11-25T00:00:00Z")) == 5 * 3600 + 1800);
  // 10:47 IST is 05:17Z; its hour began at 10:00 IST = 04:30Z.
  CHECK(ist->HourStart(At("2026-11-25T05:17:00Z")) == At("2026-11-25T04:30:00Z"));
  // 18:45Z on 11-24 is 00:15 IST on 11-25; that hour began at 00:00 IST = 18:30Z.
  CHECK(ist->LocalDate(At("2026-11-24T18:45:00Z")) == Date(2026, 11, 25));
  CHECK(ist->LocalDate(At("2026-11-24T18:29:59Z")) == Date(2026, 11, 24));
  CHECK(ist->HourStart(At("2026-11-24T18:45:00Z")) == At("2026-11-24T18:30:00Z"));
  CHECK(FormatLocal(ist->ToLocal(At("2026-11-24T18:30:00Z"))) == "2026-11-25T00:00:00+05:30");
  CHECK(ist->StartOfDay(Date(2026, 11, 25)) == At("2026-11-24T18:30:00Z"));
  CHECK(ist->UtcOffsetSeconds(At("2050-06-01T00:00:00Z")) == 5 * 3600 + 1800);
}

TEST_CASE("New York switches on the second Sunday of March and the first of November") {
  const auto ny = Zone("America/New_York");
  // March 2026 Sundays: 1, 8 -> DST from 2026-03-08 02:00 EST = 07:00Z.
  // November 1st 2026 is a Sunday (Oct 1st Thursday + 31 days) -> back at 02:00 EDT = 06:00Z.
  CHECK(ny->UtcOffsetSeconds(At("2026-01-15T12:00:00Z")) == -5 * 3600);
  CHECK(ny->UtcOffsetSeconds(At("2026-07-01T12:00:00Z")) == -4 * 3600);
  CHECK(ny->UtcOffsetSeconds(At("2026-03-08T06:59:59Z")) == -5 * 3600);
  CHECK(ny->UtcOffsetSeconds(At("2026-03-08T07:00:00Z")) == -4 * 3600);
  CHECK(ny->UtcOffsetSeconds(At("2026-11-01T05:59:59Z")) == -4 * 3600);
  CHECK(ny->UtcOffsetSeconds(At("2026-11-01T06:00:00Z")) == -5 * 3600);
  CHECK(ny->StartOfDay(Date(2026, 3, 8)) == At("2026-03-08T05:00:00Z"));
  CHECK(ny->StartOfDay(Date(2026, 3, 9)) == At("2026-03-09T04:00:00Z"));
  CHECK(ny->StartOfDay(Date(2026, 11, 2)) == At("2026-11-02T05:00:00Z"));
  // 23:30 EST on 01-15 is 04:30Z on 01-16.
  CHECK(ny->LocalDate(At("2026-01-16T04:30:00Z")) == Date(2026, 1, 15));
  CHECK(FormatLocal(ny->ToLocal(ny->HourStart(At("2026-03-08T07:10:00Z")))) ==
        "2026-03-08T03:00:00-04:00");
  // Far future (footer): 2050-07-01 is summer time.
  CHECK(ny->UtcOffsetSeconds(At("2050-07-01T12:00:00Z")) == -4 * 3600);
}

TEST_CASE("Lord Howe's 30-minute DST shift: the skipped half hour starts no hour") {
  const auto lh = Zone("Australia/Lord_Howe");
  // Standard +10:30, DST +11:00 from the first Sunday of October at 02:00 (-> 02:30).
  // October 4th 2026 is that Sunday; 02:00 +10:30 is 2026-10-03T15:30Z.
  CHECK(lh->UtcOffsetSeconds(At("2026-10-03T15:29:59Z")) == 10 * 3600 + 1800);
  CHECK(lh->UtcOffsetSeconds(At("2026-10-03T15:30:00Z")) == 11 * 3600);
  // 02:45 +11 is 15:45Z; local 02:00..02:30 never happened, so that hour began at 02:30.
  CHECK(lh->HourStart(At("2026-10-03T15:45:00Z")) == At("2026-10-03T15:30:00Z"));
  CHECK(FormatLocal(lh->ToLocal(At("2026-10-03T15:30:00Z"))) == "2026-10-04T02:30:00+11:00");
  // The next hour, 03:00 +11, is 16:00Z.
  CHECK(lh->HourStart(At("2026-10-03T16:10:00Z")) == At("2026-10-03T16:00:00Z"));
}

// ---- POSIX TZ footers, exercised directly ----------------------------------------------

TEST_CASE("footer rules: Jn skips February 29th, n counts it") {
  // DST (+2) from day J60 / 59 at 02:00 local standard time (+1), i.e. 01:00Z, until J300/299.
  const TimeZone julian("Test/J", {}, 3600, "AAA-1BBB,J60,J300");
  const TimeZone zero_based("Test/n", {}, 3600, "AAA-1BBB,59,299");
  // 2026 (not leap): J60 = day 59 zero-based = March 1st.
  CHECK(julian.UtcOffsetSeconds(At("2026-03-01T00:59:59Z")) == 3600);
  CHECK(julian.UtcOffsetSeconds(At("2026-03-01T01:00:00Z")) == 7200);
  CHECK(zero_based.UtcOffsetSeconds(At("2026-03-01T01:00:00Z")) == 7200);
  // 2028 (leap): J60 is still March 1st; zero-based 59 is February 29th.
  CHECK(julian.UtcOffsetSeconds(At("2028-02-29T12:00:00Z")) == 3600);
  CHECK(julian.UtcOffsetSeconds(At("2028-03-01T01:00:00Z")) == 7200);
  CHECK(zero_based.UtcOffsetSeconds(At("2028-02-29T00:59:59Z")) == 3600);
  CHECK(zero_based.UtcOffsetSeconds(At("2028-02-29T01:00:00Z")) == 7200);
  // End: J300 in 2026 = October 27th (Jan..Sep = 273 days, +27); at 02:00 BBB (+2) = 00:00Z.
  CHECK(julian.UtcOffsetSeconds(At("2026-10-26T23:59:59Z")) == 7200);
  CHECK(julian.UtcOffsetSeconds(At("2026-10-27T00:00:00Z")) == 3600);
}

TEST_CASE("footer rules: transition times past 24h and below zero") {
  // Israel: Thursday of the 4th week of March at 26:00, i.e. Friday 02:00. March 2026
  // Thursdays: 5, 12, 19, 26 -> Friday 2026-03-27 02:00 +2 = 00:00Z. End: last Sunday of
  // October (25th) 02:00 +3 = 2026-10-24T23:00Z.
  const TimeZone israel("Test/Israel", {}, 7200, "IST-2IDT,M3.4.4/26,M10.5.0");
  CHECK(israel.UtcOffsetSeconds(At("2026-03-26T23:59:59Z")) == 7200);
  CHECK(israel.UtcOffsetSeconds(At("2026-03-27T00:00:00Z")) == 10800);
  CHECK(israel.UtcOffsetSeconds(At("2026-10-24T22:59:59Z")) == 10800);
  CHECK(israel.UtcOffsetSeconds(At("2026-10-24T23:00:00Z")) == 7200);
  // Nuuk (-2, DST -1): last Sunday of March at -01:00 local (Saturday 23:00 -2 = 01:00Z Sunday
  // the 29th) until last Sunday of October at 00:00 -1 = 01:00Z on the 25th.
  const TimeZone nuuk("Test/Nuuk", {}, -7200, "<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  CHECK(nuuk.UtcOffsetSeconds(At("2026-03-29T00:59:59Z")) == -7200);
  CHECK(nuuk.UtcOffsetSeconds(At("2026-03-29T01:00:00Z")) == -3600);
  CHECK(nuuk.UtcOffsetSeconds(At("2026-10-25T00:59:59Z")) == -3600);
  CHECK(nuuk.UtcOffsetSeconds(At("2026-10-25T01:00:00Z")) == -7200);
}

TEST_CASE("footer rules: fixed offsets and all-year DST") {
  const TimeZone fixed("Test/Fixed", {}, 0, "<+0530>-5:30");
  CHECK(fixed.UtcOffsetSeconds(At("2026-06-01T00:00:00Z")) == 5 * 3600 + 1800);
  // DST from Jan 1st 00:00 to Dec 31st 25:00 DST, which is the next Jan 1st 00:00 standard:
  // always DST (the form zic writes for permanent DST).
  const TimeZone always("Test/Always", {}, -5 * 3600, "EST5EDT4,0/0,J365/25");
  CHECK(always.UtcOffsetSeconds(At("2026-01-01T05:00:00Z")) == -4 * 3600);
  CHECK(always.UtcOffsetSeconds(At("2026-07-01T00:00:00Z")) == -4 * 3600);
  CHECK(always.UtcOffsetSeconds(At("2026-12-31T23:00:00Z")) == -4 * 3600);
}

TEST_CASE("a southern zone whose DST starts at midnight: the day starts after the gap") {
  // Santiago-like: -4, DST -3 from the first Saturday of September at 24:00 (Sunday 00:00
  // becomes 01:00) until the first Saturday of April at 24:00 DST (Sunday 00:00 -> Sat 23:00).
  // September 1st 2026 is a Tuesday (184 days after Sunday March 1st, 184 % 7 = 2), so the
  // first Saturday is the 5th: the gap is at 2026-09-06T04:00Z. April 1st 2026 is a Wednesday,
  // first Saturday the 4th: DST ends 2026-04-05T00:00-03:00 = 03:00Z.
  const TimeZone chile("Test/Chile", {}, -4 * 3600, "<-04>4<-03>,M9.1.6/24,M4.1.6/24");
  CHECK(chile.UtcOffsetSeconds(At("2026-09-06T03:59:59Z")) == -4 * 3600);
  CHECK(chile.UtcOffsetSeconds(At("2026-09-06T04:00:00Z")) == -3 * 3600);
  // Local 2026-09-06 00:00 never happens; the day starts at 01:00 -03 = 04:00Z.
  CHECK(chile.StartOfDay(Date(2026, 9, 6)) == At("2026-09-06T04:00:00Z"));
  CHECK(FormatLocal(chile.ToLocal(chile.StartOfDay(Date(2026, 9, 6)))) ==
        "2026-09-06T01:00:00-03:00");
  CHECK(chile.StartOfDay(Date(2026, 9, 5)) == At("2026-09-05T04:00:00Z"));
  // April 4th starts at 00:00 -03 (03:00Z); April 5th's midnight is reached only at -04
  // (04:00Z), since at 03:00Z the clock went back to 23:00 on the 4th: a 25-hour day.
  CHECK(chile.StartOfDay(Date(2026, 4, 4)) == At("2026-04-04T03:00:00Z"));
  CHECK(chile.StartOfDay(Date(2026, 4, 5)) == At("2026-04-05T04:00:00Z"));
  CHECK(chile.LocalDate(At("2026-04-05T03:30:00Z")) == Date(2026, 4, 4));
}

TEST_CASE("a fall-back just after midnight: the day starts at the first of its two midnights") {
  // DST (+3) ends on the last Sunday of October (the 25th) at 01:00 +3 = 10-24T22:00Z, when
  // the clock goes back to 00:00 +2: local 00:00..01:00 happens twice. The first midnight is
  // 00:00 +3 = 10-24T21:00Z; the second, 00:00 +2 = 22:00Z, is not the day's start.
  const TimeZone zone("Test/Repeat", {}, 7200, "EET-2EEST,M3.5.0/0,M10.5.0/1");
  CHECK(zone.StartOfDay(Date(2026, 10, 25)) == At("2026-10-24T21:00:00Z"));
  CHECK(zone.StartOfDay(Date(2026, 10, 26)) == At("2026-10-25T22:00:00Z"));  // a 25-hour day
  // Spring: the last Sunday of March (29th) at 00:00 +2 = 03-28T22:00Z jumps to 01:00 +3, so
  // that day starts at 01:00 +3, the same instant.
  CHECK(zone.StartOfDay(Date(2026, 3, 29)) == At("2026-03-28T22:00:00Z"));
  CHECK(FormatLocal(zone.ToLocal(At("2026-03-28T22:00:00Z"))) == "2026-03-29T01:00:00+03:00");
  CHECK(zone.StartOfDay(Date(2026, 3, 30)) == At("2026-03-29T21:00:00Z"));
}

TEST_CASE("a fall-back at 24:00: the next day's midnight happens once, in standard time") {
  // DST (+3) ends on Sunday the 25th at 24:00 +3 = 10-25T21:00Z, when the clock reads 23:00 +2
  // on the 25th. So 10-26 00:00 never happens at +3, only at +2 = 10-25T22:00Z.
  const TimeZone zone("Test/Beirut", {}, 7200, "EET-2EEST,M3.5.0/0,M10.5.0/24");
  CHECK(zone.StartOfDay(Date(2026, 10, 26)) == At("2026-10-25T22:00:00Z"));
  CHECK(zone.StartOfDay(Date(2026, 10, 25)) == At("2026-10-24T21:00:00Z"));  // a 25-hour day
}

// ---- TZif files --------------------------------------------------------------------------

namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

// A v1 TZif: +1 (type 0) until 1e9 (2001-09-09T01:46:40Z), +2 until 1.1e9, then +1 again.
std::string V1Zone() {
  std::string f = "TZif";
  f.push_back('\0');
  f.append(15, '\0');
  for (uint32_t count : {0u, 0u, 0u, 2u, 2u, 8u}) PutU32(&f, count);  // ut std leap time type char
  PutU32(&f, 1'000'000'000);
  PutU32(&f, 1'100'000'000);
  f.push_back('\1');
  f.push_back('\0');
  PutU32(&f, 3600);
  f.push_back('\0');
  f.push_back('\0');
  PutU32(&f, 7200);
  f.push_back('\1');
  f.push_back('\4');
  f.append("AAA\0BBB\0", 8);
  return f;
}

// Points TZDIR at a scratch directory for the test's lifetime.
class ScratchTzdir {
 public:
  ScratchTzdir() : dir_(std::filesystem::temp_directory_path() / "vecton_civil_time_test") {
    std::filesystem::create_directories(dir_ / "Test");
    const char* old = std::getenv("TZDIR");
    had_old_ = old != nullptr;
    if (had_old_) old_ = old;
    setenv("TZDIR", dir_.c_str(), 1);
  }
  ~ScratchTzdir() {
    if (had_old_) {
      setenv("TZDIR", old_.c_str(), 1);
    } else {
      unsetenv("TZDIR");
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Write(const std::string& name, const std::string& bytes) const {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }

 private:
  std::filesystem::path dir_;
  bool had_old_ = false;
  std::string old_;
};

}  // namespace

TEST_CASE("v1-only TZif files are read with their 32-bit transitions") {
  ScratchTzdir tzdir;
  tzdir.Write("Test/V1", V1Zone());
  const auto zone = Zone("Test/V1");
  CHECK(zone->UtcOffsetSeconds(Timestamp::FromSeconds(999'999'999)) == 3600);
  CHECK(zone->UtcOffsetSeconds(Timestamp::FromSeconds(1'000'000'000)) == 7200);
  CHECK(zone->UtcOffsetSeconds(Timestamp::FromSeconds(1'099'999'999)) == 7200);
  CHECK(zone->UtcOffsetSeconds(Timestamp::FromSeconds(1'100'000'000)) == 3600);
  CHECK(zone->UtcOffsetSeconds(Timestamp::FromSeconds(2'000'000'000)) == 3600);
}

TEST_CASE("malformed TZif files are errors, not zones") {
  ScratchTzdir tzdir;
  tzdir.Write("Test/Text", "this is not a zone\n");
  const std::string v1 = V1Zone();
  tzdir.Write("Test/Truncated", v1.substr(0, v1.size() - 5));
  std::string bad_index = v1;
  bad_index[44 + 8] = '\7';  // first transition's type index: only 2 types exist
  tzdir.Write("Test/BadIndex", bad_index);
  for (const char* name : {"Test/Text", "Test/Truncated", "Test/BadIndex"}) {
    CAPTURE(name);
    const auto zone = TimeZone::Get(name);
    REQUIRE_FALSE(zone.ok());
    CHECK(zone.error().find(name) != std::string::npos);
  }
}

TEST_SUITE_END();

}  // namespace vecton
