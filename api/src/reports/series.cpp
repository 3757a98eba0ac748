#include "reports/series.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vecton::api::reports {

namespace {

constexpr int64_t kSecondsPerHour = 3600;

Bucket DayBucket(CivilDate start, CivilDate last) {
  return Bucket{start.ToDays(), start.ToString(), start, last};
}

// The last date of the bucket that starts at `start`.
CivilDate BucketLastDay(Granularity g, CivilDate start) {
  switch (g) {
    case Granularity::kWeekly:
      return start.AddDays(6);
    case Granularity::kMonthly:
      return start.AddMonths(1).AddDays(-1);
    default:
      return start;
  }
}

CivilDate NextBucketStart(Granularity g, CivilDate start) {
  switch (g) {
    case Granularity::kWeekly:
      return start.AddDays(7);
    case Granularity::kMonthly:
      return start.AddMonths(1);
    default:
      return start.AddDays(1);
  }
}

}  // namespace

CivilDate BucketStart(Granularity g, CivilDate d) {
  switch (g) {
    case Granularity::kWeekly:
      return d.WeekStart();
    case Granularity::kMonthly:
      return d.MonthStart();
    default:
      return d;
  }
}

Buckets Buckets::ForRange(const Range& range, const TimeZone& zone) {
  if (range.granularity == Granularity::kHourly) return Hours(range.begin, range.end, zone);
  Buckets b;
  b.granularity_ = range.granularity;
  for (CivilDate start = BucketStart(range.granularity, range.first_day); start <= range.last_day;
       start = NextBucketStart(range.granularity, start)) {
    b.buckets_.push_back(DayBucket(start, BucketLastDay(range.granularity, start)));
  }
  return b;
}

Buckets Buckets::Days(CivilDate first, CivilDate last) {
  Buckets b;
  b.granularity_ = Granularity::kDaily;
  for (CivilDate d = first; d <= last; d = d.AddDays(1)) b.buckets_.push_back(DayBucket(d, d));
  return b;
}

Buckets Buckets::Hours(Timestamp begin, Timestamp end, const TimeZone& zone) {
  Buckets b;
  b.granularity_ = Granularity::kHourly;
  Timestamp t = zone.HourStart(begin);
  if (t < begin) t = zone.HourStart(Timestamp::FromSeconds(t.seconds() + kSecondsPerHour));
  while (t < end) {
    LocalTime local = zone.ToLocal(t);
    b.buckets_.push_back(Bucket{t.seconds(), FormatLocal(local), local.date, local.date});
    // The next local hour starts at most one hour later, whatever the zone's offsets do.
    Timestamp next = zone.HourStart(Timestamp::FromSeconds(t.seconds() + kSecondsPerHour));
    if (next <= t) next = Timestamp::FromSeconds(t.seconds() + kSecondsPerHour);
    t = next;
  }
  return b;
}

std::optional<size_t> Buckets::IndexOfKey(int64_t key) const {
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), key,
                             [](const Bucket& b, int64_t k) { return b.key < k; });
  if (it == buckets_.end() || it->key != key) return std::nullopt;
  return static_cast<size_t>(it - buckets_.begin());
}

std::optional<size_t> Buckets::IndexOfDay(CivilDate d) const {
  return IndexOfKey(BucketStart(granularity_, d).ToDays());
}

std::string Buckets::TruncUnit() const {
  switch (granularity_) {
    case Granularity::kWeekly:
      return "week";
    case Granularity::kMonthly:
      return "month";
    default:
      return "day";
  }
}

Money ReadMoney(const pqxx::field& f) {
  if (f.is_null()) return Money();
  Result<Money> m = Money::Parse(f.c_str());
  if (!m) throw std::runtime_error("column " + std::string(f.name()) + ": " + m.error());
  return *m;
}

int64_t ReadInt(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int64_t>(); }

Money DivideToCents(Money amount, int64_t count) {
  if (count == 0) return Money();
  // Money has 4 fraction digits: one cent is 100 units.
  const int64_t divisor = count * 100;
  int64_t units = amount.units();
  const bool negative = (units < 0) != (divisor < 0);
  const int64_t a = units < 0 ? -units : units;
  const int64_t d = divisor < 0 ? -divisor : divisor;
  int64_t cents = a / d;
  if ((a % d) * 2 >= d) ++cents;
  return Money::FromUnits((negative ? -cents : cents) * 100);
}

std::optional<double> RelativeChange(double now, double before) {
  if (before == 0) return std::nullopt;
  return (now - before) / before;
}

std::optional<double> Ratio(double numerator, double denominator) {
  if (denominator == 0) return std::nullopt;
  return numerator / denominator;
}

void WriteRatio(JsonWriter& out, std::optional<double> r) {
  if (r && std::isfinite(*r)) {
    out.Double(*r);
  } else {
    out.Null();
  }
}

std::string RatioCell(std::optional<double> r) {
  if (!r || !std::isfinite(*r)) return "";
  JsonWriter w;
  w.Double(*r);
  return w.Take();
}

std::string MoneyCell(Money m) { return m.ToString(2); }

SalesMetrics& SalesMetrics::operator+=(const SalesMetrics& o) {
  orders += o.orders;
  revenue += o.revenue;
  refunds += o.refunds;
  items_sold += o.items_sold;
  tax += o.tax;
  shipping += o.shipping;
  discounts += o.discounts;
  cancelled_orders += o.cancelled_orders;
  order_level = order_level && o.order_level;
  return *this;
}

SalesMetrics ReadSalesMetrics(const pqxx::row& row, int first, bool order_level) {
  SalesMetrics m;
  m.orders = ReadInt(row[first]);
  m.revenue = ReadMoney(row[first + 1]);
  m.items_sold = ReadInt(row[first + 2]);
  m.order_level = order_level;
  if (order_level) {
    m.tax = ReadMoney(row[first + 3]);
    m.shipping = ReadMoney(row[first + 4]);
    m.discounts = ReadMoney(row[first + 5]);
    m.cancelled_orders = ReadInt(row[first + 6]);
  }
  m.refunds = ReadMoney(row[first + 7]);
  return m;
}

void WriteSalesMembers(JsonWriter& out, const SalesMetrics& m) {
  out.Key("orders").Int(m.orders);
  out.Key("revenue").Money(m.revenue);
  out.Key("refunds").Money(m.refunds);
  out.Key("net_revenue").Money(m.NetRevenue());
  out.Key("items_sold").Int(m.items_sold);
  out.Key("average_order_value").Money(m.AverageOrderValue());
  if (m.order_level) {
    out.Key("tax").Money(m.tax);
    out.Key("shipping").Money(m.shipping);
    out.Key("discounts").Money(m.discounts);
    out.Key("cancelled_orders").Int(m.cancelled_orders);
  } else {
    out.Key("tax").Null().Key("shipping").Null().Key("discounts").Null();
    out.Key("cancelled_orders").Null();
  }
}

namespace {
double AsDouble(Money m) { return static_cast<double>(m.units()); }
double AsDouble(int64_t n) { return static_cast<double>(n); }
}  // namespace

void WriteSalesChange(JsonWriter& out, const SalesMetrics& now, const SalesMetrics& before) {
  const bool order_level = now.order_level && before.order_level;
  auto change = [&](std::string_view key, double a, double b, bool known) {
    out.Key(key);
    WriteRatio(out, known ? RelativeChange(a, b) : std::nullopt);
  };
  out.BeginObject();
  change("orders", AsDouble(now.orders), AsDouble(before.orders), true);
  change("revenue", AsDouble(now.revenue), AsDouble(before.revenue), true);
  change("refunds", AsDouble(now.refunds), AsDouble(before.refunds), true);
  change("net_revenue", AsDouble(now.NetRevenue()), AsDouble(before.NetRevenue()), true);
  change("items_sold", AsDouble(now.items_sold), AsDouble(before.items_sold), true);
  change("average_order_value", AsDouble(now.AverageOrderValue()),
         AsDouble(before.AverageOrderValue()), true);
  change("tax", AsDouble(now.tax), AsDouble(before.tax), order_level);
  change("shipping", AsDouble(now.shipping), AsDouble(before.shipping), order_level);
  change("discounts", AsDouble(now.discounts), AsDouble(before.discounts), order_level);
  change("cancelled_orders", AsDouble(now.cancelled_orders), AsDouble(before.cancelled_orders),
         order_level);
  out.EndObject();
}

std::vector<std::string> SalesCsvHeader() {
  return {"orders", "revenue",  "refunds",   "net_revenue",     "items_sold", "average_order_value",
          "tax",    "shipping", "discounts", "cancelled_orders"};
}

std::vector<std::string> SalesCsvCells(const SalesMetrics& m) {
  std::vector<std::string> cells = {std::to_string(m.orders),     MoneyCell(m.revenue),
                                    MoneyCell(m.refunds),         MoneyCell(m.NetRevenue()),
                                    std::to_string(m.items_sold), MoneyCell(m.AverageOrderValue())};
  if (m.order_level) {
    cells.insert(cells.end(), {MoneyCell(m.tax), MoneyCell(m.shipping), MoneyCell(m.discounts),
                               std::to_string(m.cancelled_orders)});
  } else {
    cells.insert(cells.end(), {"", "", "", ""});
  }
  return cells;
}

void WriteRange(JsonWriter& out, const Range& range, const TimeZone& zone) {
  const bool whole_days = range.begin == zone.StartOfDay(range.first_day) &&
                          range.end == zone.StartOfDay(range.last_day.AddDays(1));
  out.BeginObject();
  if (whole_days) {
    out.Key("from").String(range.first_day.ToString());
    out.Key("to").String(range.last_day.ToString());
  } else {
    out.Key("from").String(FormatLocal(zone.ToLocal(range.begin)));
    out.Key("to").String(FormatLocal(zone.ToLocal(range.end)));
  }
  out.EndObject();
}

CivilDate Today(const ReportRequest& req) { return req.tenant.zone->LocalDate(req.now); }

std::string DateParam(CivilDate d) { return d.ToString(); }
std::string InstantParam(Timestamp t) { return FormatUtc(t); }

}  // namespace vecton::api::reports
