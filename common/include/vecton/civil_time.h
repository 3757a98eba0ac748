// Instants, calendar dates and tenant time zones.
//
// An instant is a Timestamp (microseconds since the Unix epoch, UTC: PostgreSQL's timestamptz
// resolution). Reports are bucketed by the tenant's calendar: a TimeZone (IANA name, read from
// the system's TZif files, DST included) maps an instant to the tenant-local date and hour,
// and a local date back to the instant its day starts. Weeks start on Monday.
//
// gcc 12's libstdc++ has no std::chrono time zone database, so this is our own small reader
// of TZif (RFC 8536) files and their POSIX-TZ footer (for instants past the last transition).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vecton/result.h"

namespace vecton {

struct Timestamp {
  int64_t micros = 0;  // since 1970-01-01T00:00:00Z
  static constexpr int64_t kMicrosPerSecond = 1'000'000;
  static constexpr Timestamp FromSeconds(int64_t s) { return {s * kMicrosPerSecond}; }
  constexpr int64_t seconds() const {  // floor
    return micros >= 0 ? micros / kMicrosPerSecond
                       : -((-micros + kMicrosPerSecond - 1) / kMicrosPerSecond);
  }
  constexpr auto operator<=>(const Timestamp&) const = default;
};

// Parses RFC 3339 with a mandatory offset: "2026-11-25T09:14:03.120Z", "...+01:00".
// Fractions beyond microseconds are truncated. Rejects missing offsets, impossible dates
// (2026-02-30), hours > 23, offsets beyond +-23:59.
Result<Timestamp> ParseRfc3339(std::string_view text);

// "2026-11-25T09:14:03.120000Z": the form PostgreSQL accepts for timestamptz input.
std::string FormatUtc(Timestamp t);

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  static CivilDate FromDays(int64_t days_since_epoch);
  int64_t ToDays() const;  // days since 1970-01-01
  int Weekday() const;     // 1 = Monday .. 7 = Sunday (ISO 8601)
  CivilDate AddDays(int64_t n) const { return FromDays(ToDays() + n); }
  CivilDate WeekStart() const;  // the Monday on or before this date
  CivilDate MonthStart() const { return {year, month, 1}; }
  CivilDate AddMonths(int n) const;  // day clamped to the target month's length
  std::string ToString() const;      // "2026-11-25"
  static Result<CivilDate> Parse(std::string_view text);  // strict "YYYY-MM-DD"
  auto operator<=>(const CivilDate&) const = default;
};

// A wall-clock reading in some zone.
struct LocalTime {
  CivilDate date;
  int hour = 0, minute = 0, second = 0;
  int64_t micros_of_second = 0;
  int utc_offset_seconds = 0;
};

// "2026-03-29T03:00:00+02:00": how hourly periods are written.
std::string FormatLocal(const LocalTime& t);

class TimeZone {
 public:
  // The zone for an IANA name ("Europe/Budapest", "Asia/Kolkata", "UTC"), read once from
  // $TZDIR or /usr/share/zoneinfo and cached for the life of the process (thread-safe).
  // Names with "..", a leading '/', or anything but [A-Za-z0-9_+-/] are rejected.
  static Result<std::shared_ptr<const TimeZone>> Get(std::string_view name);

  const std::string& name() const { return name_; }
  int UtcOffsetSeconds(Timestamp t) const;
  LocalTime ToLocal(Timestamp t) const;
  CivilDate LocalDate(Timestamp t) const { return ToLocal(t).date; }
  // The instant at which the local hour containing t began.
  Timestamp HourStart(Timestamp t) const;
  // The first instant of the local day `d` (local midnight, or the first instant after a gap).
  Timestamp StartOfDay(CivilDate d) const;

  struct Transition {
    int64_t at;  // Unix seconds
    int offset;  // UTC offset in effect from `at`
  };
  // Public for the loader and tests; not part of the contract. `transitions` ascending;
  // `initial_offset` applies before the first; `posix_footer` (e.g. "CET-1CEST,M3.5.0,M10.5.0/3",
  // may be empty) after the last. A footer that does not parse is ignored (the loader rejects
  // such files before they get here).
  TimeZone(std::string name, std::vector<Transition> transitions, int initial_offset,
           std::string_view posix_footer);

 private:
  // The day and local time of one POSIX TZ rule: "Jn" (1..365, Feb 29 never counted),
  // "n" (0..365, Feb 29 counted) or "Mm.w.d" (week 5 = last), "/time" of day.
  struct RuleDate {
    enum class Kind { kJulianNoLeap, kZeroBasedDay, kMonthWeekDay };
    Kind kind = Kind::kMonthWeekDay;
    int day = 0;                           // Jn, n
    int month = 0, week = 0, weekday = 0;  // Mm.w.d, weekday 0 = Sunday
    int time = 2 * 3600;  // seconds after local midnight; RFC 8536 allows -167h..167h
  };
  // The footer, parsed once at load. Offsets are east-positive (POSIX text is west-positive).
  struct PosixTz {
    bool present = false;
    int std_offset = 0;
    bool has_dst = false;
    int dst_offset = 0;
    RuleDate dst_start, dst_end;  // transitions into DST (read in std time) and out of it
  };
  // The offset in effect at an instant and the instant it took effect (INT64_MIN if always).
  struct OffsetSince {
    int offset;
    int64_t since;
  };
  static bool ParsePosixTz(std::string_view text, PosixTz* out);
  OffsetSince Lookup(int64_t unix_seconds) const;
  OffsetSince LookupFooter(int64_t unix_seconds, int64_t floor_since) const;

  std::string name_;
  std::vector<Transition> transitions_;  // offset changes only (merged), ascending
  int initial_offset_ = 0;
  // The file's last transition (INT64_MIN if none): the footer rules the instants after it.
  int64_t table_end_ = 0;
  PosixTz footer_;
};

}  // namespace vecton
