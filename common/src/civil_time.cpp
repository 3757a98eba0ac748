// DESIGN: instants are Unix microseconds; calendar arithmetic uses Howard Hinnant's
// days_from_civil / civil_from_days (proleptic Gregorian, exact for any int year).
//
// A TimeZone is loaded once per name from a TZif file (RFC 8536): the 64-bit v2+ section when
// present, else the v1 section. The loader keeps only offset changes (abbreviation or isdst
// flips that leave the UTC offset alone are merged away), so a lookup is one binary search.
// Instants after the file's last transition (slim files stop early; fat files at 2037) follow
// the POSIX TZ footer, parsed at load into a PosixTz and evaluated per call from at most six
// candidate transitions (the years around the instant), which is cheap enough for the
// ingestor's ~200k lookups/s without precomputing tables.
//
// Zones are immutable after construction and shared by pointer; the process-wide cache is a
// map behind a mutex, filled on first use of a name.
#include "vecton/civil_time.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>

namespace vecton {
namespace {

constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kMicrosPerDay = kSecondsPerDay * Timestamp::kMicrosPerSecond;
constexpr int64_t kAlways = std::numeric_limits<int64_t>::min();
constexpr char kRfc3339Hint[] = "must be RFC 3339 with an offset, e.g. 2026-11-25T09:14:03Z";

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsLeapYear(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int DaysInMonth(int64_t y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[static_cast<size_t>(m - 1)];
}

// Hinnant's days_from_civil: days since 1970-01-01 of y-m-d (m 1..12, d 1..31).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                    // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

// Hinnant's civil_from_days, the inverse of DaysFromCivil.
CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;                                       // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0)), m, d};
}

// 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday).
int WeekdayFromDays(int64_t z) { return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at text[*pos]; false if any is not a digit.
bool ReadDigits(std::string_view text, size_t* pos, size_t n, int* out) {
  if (*pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// The ingestor formats a few dates and instants per event (FormatUtc, CivilDate::ToString);
// through fmt::format they were a fifth of bench_decode's time, so the common case is written
// digit by digit. HasFixedWidth says when that is exactly what "{:04}-{:02}-{:02}" writes
// (no sign, no wider field); other dates keep going through fmt.
bool HasFixedWidth(const CivilDate& d) {
  return d.year >= 0 && d.year <= 9999 && d.month >= 0 && d.month <= 99 && d.day >= 0 &&
         d.day <= 99;
}

// Writes 0 <= value < 10^width as exactly `width` digits at p; returns the end.
char* WriteDigits(char* p, int64_t value, int width) {
  for (int k = width - 1; k >= 0; --k) {
    p[k] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

// "2026-11-25" (10 bytes) at p for a date with HasFixedWidth; returns the end.
char* WriteDate(char* p, const CivilDate& d) {
  p = WriteDigits(p, d.year, 4);
  *p++ = '-';
  p = WriteDigits(p, d.month, 2);
  *p++ = '-';
  return WriteDigits(p, d.day, 2);
}

// "+01:00", "-05:30". RFC 3339 has no offset seconds: a historical LMT offset such as
// +01:16:20 is written truncated, "+01:16".
std::string FormatOffset(int offset_seconds) {
  const char sign = offset_seconds < 0 ? '-' : '+';
  const int abs = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  return fmt::format("{}{:02}:{:02}", sign, abs / 3600, abs / 60 % 60);
}

// ---- TZif (RFC 8536) -------------------------------------------------------------------

// Big-endian reads over a byte buffer; every read is bounds-checked by the caller's Need().
class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}
  bool Need(uint64_t n) const { return n <= data_.size() - pos_; }
  void Skip(size_t n) { pos_ += n; }
  uint8_t U8() { return static_cast<uint8_t>(data_[pos_++]); }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | U8();
    return v;
  }
  int32_t I32() { return static_cast<int32_t>(U32()); }
  int64_t I64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | U8();
    return static_cast<int64_t>(v);
  }
  std::string_view Rest() const { return data_.substr(pos_); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;  // 0, '2', '3', '4'
  uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
  // Size of the data block that follows, for `time_size`-byte times.
  uint64_t DataSize(uint64_t time_size) const {
    return timecnt * time_size + timecnt + typecnt * 6ULL + charcnt + leapcnt * (time_size + 4) +
           isstdcnt + isutcnt;
  }
};

Result<TzifHeader> ReadTzifHeader(ByteReader* r) {
  if (!r->Need(44)) return Error("truncated header");
  const std::string_view magic = r->Rest().substr(0, 4);
  if (magic != "TZif") return Error("not a TZif file");
  r->Skip(4);
  TzifHeader h;
  h.version = static_cast<char>(r->U8());
  r->Skip(15);
  h.isutcnt = r->U32();
  h.isstdcnt = r->U32();
  h.leapcnt = r->U32();
  h.timecnt = r->U32();
  h.typecnt = r->U32();
  h.charcnt = r->U32();
  if (h.typecnt == 0) return Error("no local time types");
  if ((h.isutcnt != 0 && h.isutcnt != h.typecnt) || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)) {
    return Error("inconsistent counts");
  }
  return h;
}

struct TzifData {
  std::vector<TimeZone::Transition> transitions;
  int initial_offset = 0;
  std::string footer;
};

// Reads one data block; `time_size` is 4 (v1) or 8 (v2+).
Result<TzifData> ReadTzifData(ByteReader* r, const TzifHeader& h, int time_size) {
  if (!r->Need(h.DataSize(static_cast<uint64_t>(time_size)))) return Error("truncated data");
  std::vector<int64_t> times(h.timecnt);
  for (auto& t : times) t = time_size == 8 ? r->I64() : r->I32();
  std::vector<uint8_t> type_of(h.timecnt);
  for (auto& idx : type_of) {
    idx = r->U8();
    if (idx >= h.typecnt) return Error("transition type index out of range");
  }
  TzifData data;
  std::vector<int> offsets(h.typecnt);
  for (size_t i = 0; i < offsets.size(); ++i) {
    const int32_t utoff = r->I32();
    r->Skip(2);  // isdst, desigidx: only the offset matters for bucketing
    // RFC 8536: -2^31 is invalid; anything past a day is not a real zone either.
    if (utoff < -25 * 3600 || utoff > 26 * 3600) return Error("UTC offset out of range");
    offsets[i] = utoff;
    // RFC 8536 3.2: type 0 applies before the first transition.
    if (i == 0) data.initial_offset = utoff;
  }
  // Leap-second records and the std/ut indicators are ignored: Unix time has no leap seconds
  // and the indicators only matter for POSIX TZ strings without rules.
  r->Skip(h.charcnt + h.leapcnt * static_cast<uint64_t>(time_size + 4) + h.isstdcnt + h.isutcnt);

  data.transitions.reserve(times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    if (i > 0 && times[i] <= times[i - 1]) return Error("transitions out of order");
    data.transitions.push_back({times[i], offsets[type_of[i]]});
  }
  return data;
}

Result<TzifData> ParseTzif(std::string_view bytes) {
  ByteReader r(bytes);
  auto v1 = ReadTzifHeader(&r);
  if (!v1) return Error(v1.error());
  if (v1->version == 0) return ReadTzifData(&r, *v1, 4);

  // v2+: skip the legacy 32-bit block, then read the 64-bit one and the footer.
  if (!r.Need(v1->DataSize(4))) return Error("truncated v1 data");
  r.Skip(v1->DataSize(4));
  auto v2 = ReadTzifHeader(&r);
  if (!v2) return Error(v2.error());
  auto data = ReadTzifData(&r, *v2, 8);
  if (!data) return data;
  const std::string_view rest = r.Rest();
  if (rest.size() < 2 || rest[0] != '\n') return Error("missing footer");
  const size_t end = rest.find('\n', 1);
  if (end == std::string_view::npos) return Error("unterminated footer");
  data->footer = std::string(rest.substr(1, end - 1));
  return data;
}

// ---- Zone names and the cache ------------------------------------------------------------

Status ValidateZoneName(std::string_view name) {
  if (name.empty()) return Error("time zone name is empty");
  if (name.size() > 64) return Error("time zone name is longer than 64 characters");
  if (name.front() == '/') {
    return Error(fmt::format("time zone '{}' must not start with '/'", name));
  }
  if (name.find("..") != std::string_view::npos) {
    return Error(fmt::format("time zone '{}' must not contain '..'", name));
  }
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_' ||
                    c == '+' || c == '-' || c == '/';
    if (!ok) {
      return Error(fmt::format("time zone '{}' has a character outside [A-Za-z0-9_+-/]", name));
    }
  }
  return OkStatus();
}

bool ReadSmallFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return false;
  *out = std::move(buf).str();
  return true;
}

}  // namespace

// ---- Instants ---------------------------------------------------------------------------

Result<Timestamp> ParseRfc3339(std::string_view text) {
  const auto malformed = [&] { return Error(fmt::format("{} (got '{}')", kRfc3339Hint, text)); };
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return malformed();
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return malformed();
  ++pos;
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second)) {
    return malformed();
  }
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (++digits > 9) {
        return Error(fmt::format("{}; at most 9 fraction digits (got '{}')", kRfc3339Hint, text));
      }
      if (digits <= 6) micros = micros * 10 + (text[pos] - '0');
      ++pos;
    }
    if (digits == 0) return malformed();
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  if (pos >= text.size()) {
    return Error(fmt::format("{}; the offset is missing (got '{}')", kRfc3339Hint, text));
  }
  int offset_seconds = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!ReadDigits(text, &pos, 2, &oh) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &om)) {
      return malformed();
    }
    if (oh > 23 || om > 59) {
      return Error(fmt::format("has an offset beyond +-23:59 (got '{}')", text));
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return malformed();
  }
  if (pos != text.size()) return malformed();

  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return Error(
        fmt::format("has an impossible date {:04}-{:02}-{:02} (got '{}')", year, month, day, text));
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return Error(fmt::format("has an impossible time of day {:02}:{:02}:{:02} (got '{}')", hour,
                             minute, second, text));
  }
  const int64_t seconds = DaysFromCivil(year, month, day) * kSecondsPerDay + int64_t{hour} * 3600 +
                          int64_t{minute} * 60 + second - offset_seconds;
  return Timestamp{seconds * Timestamp::kMicrosPerSecond + micros};
}

std::string FormatUtc(Timestamp t) {
  const int64_t days = FloorDiv(t.micros, kMicrosPerDay);
  const int64_t of_day = t.micros - days * kMicrosPerDay;
  const CivilDate d = CivilFromDays(days);
  const int64_t secs = of_day / Timestamp::kMicrosPerSecond;
  if (!HasFixedWidth(d)) {
    return fmt::format("{}T{:02}:{:02}:{:02}.{:06}Z", d.ToString(), secs / 3600, secs / 60 % 60,
                       secs % 60, of_day % Timestamp::kMicrosPerSecond);
  }
  char text[27];  // "2026-11-25T09:14:03.120000Z"
  char* p = WriteDate(text, d);
  *p++ = 'T';
  p = WriteDigits(p, secs / 3600, 2);
  *p++ = ':';
  p = WriteDigits(p, secs / 60 % 60, 2);
  *p++ = ':';
  p = WriteDigits(p, secs % 60, 2);
  *p++ = '.';
  p = WriteDigits(p, of_day % Timestamp::kMicrosPerSecond, 6);
  *p++ = 'Z';
  return std::string(text, p);
}

// ---- Calendar dates ---------------------------------------------------------------------

CivilDate CivilDate::FromDays(int64_t days_since_epoch) { return CivilFromDays(days_since_epoch); }

int64_t CivilDate::ToDays() const { return DaysFromCivil(year, month, day); }

int CivilDate::Weekday() const {
  const int wd = WeekdayFromDays(ToDays());
  return wd == 0 ? 7 : wd;
}

CivilDate CivilDate::WeekStart() const { return AddDays(1 - Weekday()); }

CivilDate CivilDate::AddMonths(int n) const {
  const int64_t total = int64_t{year} * 12 + (month - 1) + n;
  const int64_t y = FloorDiv(total, 12);
  const int m = static_cast<int>(total - y * 12) + 1;
  return {static_cast<int>(y), m, std::min(day, DaysInMonth(y, m))};
}

std::string CivilDate::ToString() const {
  if (!HasFixedWidth(*this)) return fmt::format("{:04}-{:02}-{:02}", year, month, day);
  char text[10];
  return std::string(text, WriteDate(text, *this));
}

Result<CivilDate> CivilDate::Parse(std::string_view text) {
  size_t pos = 0;
  CivilDate d;
  if (!ReadDigits(text, &pos, 4, &d.year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &d.month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &d.day) || pos != text.size()) {
    return Error(fmt::format("must be a date YYYY-MM-DD, e.g. 2026-11-25 (got '{}')", text));
  }
  if (d.month < 1 || d.month > 12) {
    return Error(fmt::format("has month {:02}, not 01..12 (got '{}')", d.month, text));
  }
  if (d.day < 1 || d.day > DaysInMonth(d.year, d.month)) {
    return Error(fmt::format("is not a date: {:04}-{:02} has {} days (got '{}')", d.year, d.month,
                             DaysInMonth(d.year, d.month), text));
  }
  return d;
}

std::string FormatLocal(const LocalTime& t) {
  return fmt::format("{}T{:02}:{:02}:{:02}{}", t.date.ToString(), t.hour, t.minute, t.second,
                     FormatOffset(t.utc_offset_seconds));
}

// ---- POSIX TZ footer --------------------------------------------------------------------

namespace {

// A cursor over a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3").
class PosixCursor {
 public:
  explicit PosixCursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ == s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // "<+0530>" or three-plus letters.
  bool Name() {
    if (Consume('<')) {
      const size_t end = s_.find('>', pos_);
      if (end == std::string_view::npos || end == pos_) return false;
      pos_ = end + 1;
      return true;
    }
    const size_t begin = pos_;
    while (!AtEnd() && ((Peek() >= 'A' && Peek() <= 'Z') || (Peek() >= 'a' && Peek() <= 'z'))) {
      ++pos_;
    }
    return pos_ - begin >= 3;
  }
  bool Number(int max, int* out) {
    const size_t begin = pos_;
    int v = 0;
    while (!AtEnd() && IsDigit(Peek())) {
      v = v * 10 + (s_[pos_++] - '0');
      if (v > max) return false;
    }
    *out = v;
    return pos_ > begin;
  }
  // [+-]hh[:mm[:ss]] with hh <= max_hours, as signed seconds.
  bool HoursMinutesSeconds(int max_hours, int* out) {
    int sign = 1;
    if (Consume('-')) {
      sign = -1;
    } else {
      Consume('+');
    }
    int h = 0, m = 0, sec = 0;
    if (!Number(max_hours, &h)) return false;
    if (Consume(':')) {
      if (!Number(59, &m)) return false;
      if (Consume(':') && !Number(59, &sec)) return false;
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

bool TimeZone::ParsePosixTz(std::string_view text, PosixTz* out) {
  PosixTz tz;
  PosixCursor c(text);
  int west = 0;
  if (!c.Name() || !c.HoursMinutesSeconds(24, &west)) return false;
  tz.std_offset = -west;
  tz.present = true;
  if (c.AtEnd()) {
    *out = tz;
    return true;
  }
  if (!c.Name()) return false;
  tz.has_dst = true;
  tz.dst_offset = tz.std_offset + 3600;
  if (c.Peek() != ',' && !c.AtEnd()) {
    if (!c.HoursMinutesSeconds(24, &west)) return false;
    tz.dst_offset = -west;
  }
  const auto rule = [&c](RuleDate* r) {
    if (!c.Consume(',')) return false;
    if (c.Consume('M')) {
      r->kind = RuleDate::Kind::kMonthWeekDay;
      if (!c.Number(12, &r->month) || r->month < 1 || !c.Consume('.') || !c.Number(5, &r->week) ||
          r->week < 1 || !c.Consume('.') || !c.Number(6, &r->weekday)) {
        return false;
      }
    } else if (c.Consume('J')) {
      r->kind = RuleDate::Kind::kJulianNoLeap;
      if (!c.Number(365, &r->day) || r->day < 1) return false;
    } else {
      r->kind = RuleDate::Kind::kZeroBasedDay;
      if (!c.Number(365, &r->day)) return false;
    }
    r->time = 2 * 3600;
    return !c.Consume('/') || c.HoursMinutesSeconds(167, &r->time);
  };
  if (c.AtEnd()) {
    // No rules: POSIX leaves it to the implementation; tzcode uses the US rules.
    tz.dst_start = {RuleDate::Kind::kMonthWeekDay, 0, 3, 2, 0, 2 * 3600};
    tz.dst_end = {RuleDate::Kind::kMonthWeekDay, 0, 11, 1, 0, 2 * 3600};
  } else if (!rule(&tz.dst_start) || !rule(&tz.dst_end) || !c.AtEnd()) {
    return false;
  }
  if (tz.dst_offset == tz.std_offset) tz.has_dst = false;  // no change, no transitions
  *out = tz;
  return true;
}

namespace {

// A template only so that it can take TimeZone's private RuleDate without naming it.
// Seconds since the epoch of the local date-and-time a rule names in `year` (as a local
// wall-clock value; the caller subtracts the offset in effect before the transition).
template <typename RuleDate>
int64_t RuleLocalSeconds(const RuleDate& r, int64_t year) {
  const int64_t jan1 = DaysFromCivil(year, 1, 1);
  int64_t days = 0;
  switch (r.kind) {
    case RuleDate::Kind::kJulianNoLeap:
      days = jan1 + r.day - 1 + (IsLeapYear(year) && r.day >= 60 ? 1 : 0);
      break;
    case RuleDate::Kind::kZeroBasedDay:
      days = jan1 + r.day;
      break;
    case RuleDate::Kind::kMonthWeekDay: {
      const int64_t first = DaysFromCivil(year, r.month, 1);
      int64_t dom = 1 + (r.weekday - WeekdayFromDays(first) + 7) % 7 + (r.week - 1) * 7;
      const int len = DaysInMonth(year, r.month);
      while (dom > len) dom -= 7;  // week 5 = the last such weekday
      days = first + dom - 1;
      break;
    }
  }
  return days * kSecondsPerDay + r.time;
}

}  // namespace

// ---- TimeZone ---------------------------------------------------------------------------

TimeZone::TimeZone(std::string name, std::vector<Transition> transitions, int initial_offset,
                   std::string_view posix_footer)
    : name_(std::move(name)), initial_offset_(initial_offset) {
  table_end_ = transitions.empty() ? kAlways : transitions.back().at;
  int current = initial_offset;
  for (const Transition& t : transitions) {
    if (t.offset == current) continue;
    transitions_.push_back(t);
    current = t.offset;
  }
  if (!ParsePosixTz(posix_footer, &footer_)) footer_ = PosixTz{};
}

TimeZone::OffsetSince TimeZone::LookupFooter(int64_t s, int64_t floor_since) const {
  if (!footer_.has_dst) return {footer_.std_offset, floor_since};
  // The transitions of the years around s, latest at or before s wins. Ties (all-year DST:
  // one year's end is the next year's start) resolve to DST, which is sorted after.
  struct Candidate {
    int64_t at;
    bool dst;
  };
  std::array<Candidate, 6> candidates{};
  const int64_t year = CivilFromDays(FloorDiv(s + footer_.std_offset, kSecondsPerDay)).year;
  size_t n = 0;
  for (int64_t y = year - 1; y <= year + 1; ++y) {
    candidates[n++] = {RuleLocalSeconds(footer_.dst_start, y) - footer_.std_offset, true};
    candidates[n++] = {RuleLocalSeconds(footer_.dst_end, y) - footer_.dst_offset, false};
  }
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    if (c.at > s) continue;
    if (best == nullptr || c.at > best->at || (c.at == best->at && c.dst)) best = &c;
  }
  if (best == nullptr) return {footer_.std_offset, floor_since};  // unreachable for sane rules
  return {best->dst ? footer_.dst_offset : footer_.std_offset, std::max(best->at, floor_since)};
}

TimeZone::OffsetSince TimeZone::Lookup(int64_t s) const {
  if (footer_.present && s > table_end_) {
    return LookupFooter(s, transitions_.empty() ? kAlways : transitions_.back().at);
  }
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), s,
                                   [](int64_t v, const Transition& t) { return v < t.at; });
  if (it == transitions_.begin()) return {initial_offset_, kAlways};
  return {std::prev(it)->offset, std::prev(it)->at};
}

int TimeZone::UtcOffsetSeconds(Timestamp t) const { return Lookup(t.seconds()).offset; }

LocalTime TimeZone::ToLocal(Timestamp t) const {
  LocalTime lt;
  lt.utc_offset_seconds = UtcOffsetSeconds(t);
  const int64_t local = t.micros + int64_t{lt.utc_offset_seconds} * Timestamp::kMicrosPerSecond;
  const int64_t days = FloorDiv(local, kMicrosPerDay);
  const int64_t of_day = local - days * kMicrosPerDay;
  const int64_t secs = of_day / Timestamp::kMicrosPerSecond;
  lt.date = CivilFromDays(days);
  lt.hour = static_cast<int>(secs / 3600);
  lt.minute = static_cast<int>(secs / 60 % 60);
  lt.second = static_cast<int>(secs % 60);
  lt.micros_of_second = of_day % Timestamp::kMicrosPerSecond;
  return lt;
}

// The local hour's start under the offset in effect at t, unless the offset took effect later
// than that (a zone whose change is not a whole hour, e.g. Lord Howe's 30-minute DST): then the
// hour began at the change, so that HourStart(t) <= t and hour buckets never overlap.
Timestamp TimeZone::HourStart(Timestamp t) const {
  const int64_t s = t.seconds();
  const OffsetSince os = Lookup(s);
  const int64_t start = FloorDiv(s + os.offset, 3600) * 3600 - os.offset;
  return Timestamp::FromSeconds(std::max(start, os.since));
}

// Walks the offset changes within a window around local midnight (wide enough for any offset),
// takes the earliest instant whose local time is midnight (the first of two at a fall-back),
// and if none exists (midnight is skipped by a spring-forward) the change that skipped it.
Timestamp TimeZone::StartOfDay(CivilDate d) const {
  const int64_t midnight = d.ToDays() * kSecondsPerDay;
  constexpr int64_t kWindow = int64_t{27} * 3600;
  struct Segment {
    int64_t begin;  // inclusive
    int64_t end;    // exclusive
    int offset;
  };
  std::array<Segment, 16> segments{};
  size_t n = 0;
  int64_t end = std::numeric_limits<int64_t>::max();
  int64_t probe = midnight + kWindow;
  while (n < segments.size()) {
    const OffsetSince os = Lookup(probe);
    segments[n++] = {os.since, end, os.offset};
    if (os.since <= midnight - kWindow) break;
    end = os.since;
    probe = os.since - 1;
  }
  int64_t best = std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < n; ++i) {
    const int64_t candidate = midnight - segments[i].offset;
    if (candidate >= segments[i].begin && candidate < segments[i].end) {
      best = std::min(best, candidate);
    }
  }
  if (best != std::numeric_limits<int64_t>::max()) return Timestamp::FromSeconds(best);
  // segments[i] follows segments[i + 1]: a gap swallows midnight at segments[i].begin.
  for (size_t i = 0; i + 1 < n; ++i) {
    const int64_t change = segments[i].begin;
    if (change + segments[i + 1].offset <= midnight && change + segments[i].offset > midnight) {
      return Timestamp::FromSeconds(change);
    }
  }
  return Timestamp::FromSeconds(midnight - Lookup(midnight).offset);
}

Result<std::shared_ptr<const TimeZone>> TimeZone::Get(std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  if (Status valid = ValidateZoneName(name); !valid) return Error(valid.error());
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache.find(name); it != cache.end()) return it->second;
  }

  // Loaded outside the lock: a slow disk must not stall lookups of cached zones. Two threads
  // may load the same zone at once; the first to insert wins and both get its pointer.
  const char* tzdir = std::getenv("TZDIR");
  const std::string dir = tzdir != nullptr && *tzdir != '\0' ? tzdir : "/usr/share/zoneinfo";
  std::string bytes;
  std::shared_ptr<const TimeZone> zone;
  // A directory ("Europe") opens but reads nothing: that is an unknown zone, not a bad file.
  if (ReadSmallFile(dir + "/" + std::string(name), &bytes) && !bytes.empty()) {
    auto data = ParseTzif(bytes);
    if (!data) {
      return Error(fmt::format("time zone '{}': {} is not a valid TZif file ({})", name,
                               dir + "/" + std::string(name), data.error()));
    }
    PosixTz footer;
    if (!data->footer.empty() && !ParsePosixTz(data->footer, &footer)) {
      return Error(
          fmt::format("time zone '{}': unsupported POSIX TZ footer '{}'", name, data->footer));
    }
    zone = std::make_shared<const TimeZone>(std::string(name), std::move(data->transitions),
                                            data->initial_offset, data->footer);
  } else if (name == "UTC" || name == "Etc/UTC") {
    // Minimal containers may ship without tzdata; UTC needs no file.
    zone = std::make_shared<const TimeZone>(std::string(name), std::vector<Transition>{}, 0, "");
  } else {
    return Error(fmt::format("unknown time zone '{}'", name));
  }

  std::lock_guard<std::mutex> lock(mu);
  return cache.emplace(std::string(name), std::move(zone)).first->second;
}

}  // namespace vecton
