#include "http/params.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

namespace vecton::api {
namespace {

constexpr int64_t kMicrosPerDay = 86'400LL * Timestamp::kMicrosPerSecond;
constexpr int kMaxRangeDays = 3660;  // ten years of daily points is the most we'll compute
constexpr int kMaxHourlyDays = 31;
const CivilDate kMinDate{1970, 1, 1};
const CivilDate kMaxDate{2199, 12, 31};

// A parameter name fit for an error message: printable ASCII, at most 64 characters.
std::string Printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

ApiError Invalid(std::string_view parameter, std::string message) {
  return ApiError::InvalidParameter(Printable(parameter), std::move(message));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// Strict decimal integer: optional '-', digits only, fits int64.
std::optional<int64_t> ParseInt(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  if (s[0] == '+') return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (s.size() > 1 && (s[0] == '0' || (s[0] == '-' && s[1] == '0'))) return std::nullopt;
  return value;
}

// One end of the range as written: a local date or an instant.
struct Bound {
  bool is_date = false;
  CivilDate date;
  Timestamp instant;
};

ApiResult<Bound> ParseBound(std::string_view name, const std::string& value, const TimeZone& zone) {
  Bound b;
  std::string problem;
  if (value.size() == 10) {
    Result<CivilDate> d = CivilDate::Parse(value);
    if (d) {
      b.is_date = true;
      b.date = *d;
    } else {
      problem = d.error();
    }
  } else {
    Result<Timestamp> t = ParseRfc3339(value);
    if (t) {
      b.instant = *t;
      b.date = zone.LocalDate(*t);
    } else {
      problem = t.error();
    }
  }
  if (!problem.empty()) {
    return Invalid(name, fmt::format("{} must be a date (2026-11-01) or a date-time with offset "
                                     "(2026-11-01T00:00:00+01:00): {}",
                                     name, problem));
  }
  if (b.date < kMinDate || b.date > kMaxDate) {
    return Invalid(name, fmt::format("{} must be between {} and {}", name, kMinDate.ToString(),
                                     kMaxDate.ToString()));
  }
  return b;
}

Range MakeRange(const TimeZone& zone, Timestamp begin, Timestamp end, Granularity g) {
  return Range{.begin = begin,
               .end = end,
               .first_day = zone.LocalDate(begin),
               .last_day = zone.LocalDate(Timestamp{end.micros - 1}),
               .granularity = g};
}

// The same local wall-clock reading `months` months away (day clamped).
Timestamp ShiftMonths(const TimeZone& zone, Timestamp t, int months) {
  CivilDate d = zone.LocalDate(t);
  int64_t into_day = t.micros - zone.StartOfDay(d).micros;
  return Timestamp{zone.StartOfDay(d.AddMonths(months)).micros + into_day};
}

}  // namespace

std::string_view GranularityName(Granularity g) {
  switch (g) {
    case Granularity::kHourly:
      return "hourly";
    case Granularity::kDaily:
      return "daily";
    case Granularity::kWeekly:
      return "weekly";
    case Granularity::kMonthly:
      return "monthly";
  }
  return "daily";
}

std::string FormatUtcSeconds(Timestamp t) {
  int64_t s = t.seconds();
  int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  int64_t sod = s - days * 86400;
  CivilDate d = CivilDate::FromDays(days);
  return fmt::format("{}T{:02}:{:02}:{:02}Z", d.ToString(), sod / 3600, sod / 60 % 60, sod % 60);
}

ApiResult<QueryParams> ParseQueryString(std::string_view raw) {
  QueryParams params;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t amp = raw.find('&', pos);
    std::string_view part = raw.substr(pos, amp == std::string_view::npos ? raw.npos : amp - pos);
    pos = amp == std::string_view::npos ? raw.size() + 1 : amp + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view raw_key = part.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    std::optional<std::string> key = PercentDecode(raw_key);
    if (!key) return Invalid(raw_key, "malformed percent-encoding in a parameter name");
    std::optional<std::string> value = PercentDecode(raw_value);
    if (!value)
      return Invalid(*key, fmt::format("malformed percent-encoding in {}", Printable(*key)));
    params.emplace_back(std::move(*key), std::move(*value));
  }
  return params;
}

ApiResult<ParsedParams> ValidateParams(const QueryParams& params, const ParamRules& rules,
                                       const TenantInfo& tenant, Timestamp now) {
  // 1. Every name must be declared for the route, and given once.
  std::set<std::string> allowed;
  if (rules.range) allowed.insert({"from", "to"});
  if (rules.granularity) allowed.insert("granularity");
  if (rules.category_id) allowed.insert("category_id");
  if (rules.compare) allowed.insert("compare");
  if (rules.paging) allowed.insert({"limit", "offset"});
  if (rules.format) allowed.insert("format");
  if (rules.sort_keys) allowed.insert("sort");
  std::map<std::string, std::string> given;
  for (const auto& [key, value] : params) {
    if (!allowed.contains(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return Invalid(key, fmt::format("unknown parameter '{}'{}", Printable(key),
                                      list.empty() ? std::string(" (this route takes none)")
                                                   : " (allowed: " + list + ")"));
    }
    if (!given.emplace(key, value).second) {
      return Invalid(key, fmt::format("parameter '{}' is given more than once", key));
    }
  }
  auto get = [&](const char* key) -> const std::string* {
    auto it = given.find(key);
    return it == given.end() ? nullptr : &it->second;
  };

  ParsedParams out;
  ReportRequest& req = out.request;
  req.tenant = tenant;
  req.now = now;
  const TimeZone& zone = *tenant.zone;
  std::map<std::string, std::string> normalized;

  // 2. granularity (needed to check the range).
  Granularity g = Granularity::kDaily;
  if (const std::string* v = get("granularity")) {
    if (*v == "hourly") {
      g = Granularity::kHourly;
    } else if (*v == "daily") {
      g = Granularity::kDaily;
    } else if (*v == "weekly") {
      g = Granularity::kWeekly;
    } else if (*v == "monthly") {
      g = Granularity::kMonthly;
    } else {
      return Invalid("granularity", "granularity must be one of hourly, daily, weekly, monthly");
    }
  }
  if (rules.granularity) normalized["granularity"] = GranularityName(g);

  // 3. The range: tenant-local; a date `to` is inclusive; default the last 30 days.
  CivilDate today = zone.LocalDate(now);
  Bound from, to;
  bool from_given = false, to_given = false;
  if (const std::string* v = get("from")) {
    auto b = ParseBound("from", *v, zone);
    if (auto* e = std::get_if<ApiError>(&b)) return *e;
    from = std::get<Bound>(b);
    from_given = true;
  }
  if (const std::string* v = get("to")) {
    auto b = ParseBound("to", *v, zone);
    if (auto* e = std::get_if<ApiError>(&b)) return *e;
    to = std::get<Bound>(b);
    to_given = true;
  }
  if (!to_given) {
    to.is_date = true;
    to.date = today;
  }
  if (!from_given) {
    from.is_date = true;
    // The last day the range touches, minus 29: 30 days in all.
    CivilDate last = to.is_date ? to.date : zone.LocalDate(Timestamp{to.instant.micros - 1});
    from.date = last.AddDays(-29);
  }
  Timestamp begin = from.is_date ? zone.StartOfDay(from.date) : from.instant;
  Timestamp end = to.is_date ? zone.StartOfDay(to.date.AddDays(1)) : to.instant;
  if (begin >= end) {
    return Invalid("from", fmt::format("from ({}) must be before to ({})",
                                       from_given ? *get("from") : from.date.ToString(),
                                       to_given ? *get("to") : to.date.ToString()));
  }
  req.range = MakeRange(zone, begin, end, g);
  int64_t days = req.range.last_day.ToDays() - req.range.first_day.ToDays() + 1;
  if (days > kMaxRangeDays) {
    return Invalid("from",
                   fmt::format("the range may span at most {} days, got {}", kMaxRangeDays, days));
  }
  if (g == Granularity::kHourly && days > kMaxHourlyDays) {
    return Invalid("granularity", fmt::format("hourly granularity allows at most {} days, the "
                                              "range spans {}",
                                              kMaxHourlyDays, days));
  }
  auto text = [&](const Bound& b, Timestamp t) {
    return b.is_date ? b.date.ToString() : FormatLocal(zone.ToLocal(t));
  };
  out.from_text = text(from, begin);
  out.to_text = text(to, end);
  normalized["from"] = out.from_text;
  normalized["to"] = out.to_text;

  // 4. compare.
  if (const std::string* v = get("compare")) {
    if (*v == "previous_period") {
      if (from.is_date && to.is_date) {
        int64_t n = days;
        req.compare_range =
            MakeRange(zone, zone.StartOfDay(req.range.first_day.AddDays(-n)), begin, g);
      } else {
        req.compare_range =
            MakeRange(zone, Timestamp{begin.micros - (end.micros - begin.micros)}, begin, g);
      }
    } else if (*v == "previous_year") {
      if (from.is_date && to.is_date) {
        req.compare_range =
            MakeRange(zone, zone.StartOfDay(req.range.first_day.AddMonths(-12)),
                      zone.StartOfDay(req.range.last_day.AddMonths(-12).AddDays(1)), g);
      } else {
        req.compare_range =
            MakeRange(zone, ShiftMonths(zone, begin, -12), ShiftMonths(zone, end, -12), g);
      }
    } else {
      return Invalid("compare", "compare must be one of previous_period, previous_year");
    }
    normalized["compare"] = *v;
  }

  // 5. category_id.
  if (const std::string* v = get("category_id")) {
    std::optional<int64_t> id = ParseInt(*v);
    if (!id) return Invalid("category_id", "category_id must be an integer");
    req.category_id = *id;
    normalized["category_id"] = std::to_string(*id);
  }

  // 6. limit, offset.
  if (rules.paging) {
    if (const std::string* v = get("limit")) {
      std::optional<int64_t> n = ParseInt(*v);
      if (!n || *n < 1 || *n > 1000) {
        return Invalid("limit", "limit must be an integer from 1 to 1000");
      }
      req.limit = static_cast<int>(*n);
    }
    if (const std::string* v = get("offset")) {
      std::optional<int64_t> n = ParseInt(*v);
      if (!n || *n < 0 || *n > 1'000'000'000) {
        return Invalid("offset", "offset must be an integer from 0 to 1000000000");
      }
      req.offset = static_cast<int>(*n);
    }
    normalized["limit"] = std::to_string(req.limit);
    normalized["offset"] = std::to_string(req.offset);
  }

  // 7. sort.
  if (rules.sort_keys) {
    if (const std::string* v = get("sort")) {
      std::string_view key = *v;
      if (!key.empty() && key[0] == '-') key.remove_prefix(1);
      const auto& keys = *rules.sort_keys;
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        std::string list;
        for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
        return Invalid("sort",
                       fmt::format("sort must be one of {} (prefix '-' for descending)", list));
      }
      req.sort = *v;
    }
    normalized["sort"] = req.sort;
  }

  // 8. format.
  out.format = rules.export_route ? Format::kCsv : Format::kJson;
  if (const std::string* v = get("format")) {
    if (*v == "csv") {
      out.format = Format::kCsv;
    } else if (*v == "json" && !rules.export_route) {
      out.format = Format::kJson;
    } else if (*v == "pdf" && rules.export_route) {
      out.format = Format::kPdf;
    } else if (rules.export_route) {
      return Invalid("format", "format must be csv or pdf");
    } else if (*v == "pdf") {
      return Invalid("format", "format pdf is only available on /reports/{id}/export");
    } else {
      return Invalid("format", "format must be json or csv");
    }
  }
  normalized["format"] = out.format == Format::kJson  ? "json"
                         : out.format == Format::kCsv ? "csv"
                                                      : "pdf";

  for (const auto& [k, v] : normalized) {
    if (!out.normalized.empty()) out.normalized += '&';
    out.normalized += k + '=' + v;
  }
  return out;
}

}  // namespace vecton::api
