// Shaping helpers shared by every report: time buckets, the sales metric set, relative changes,
// exact money reads from PostgreSQL, and CSV cells. Private to api/src/reports.
//
// DESIGN
// A report reads aggregate rows keyed by a local date (daily tables) or an instant (hourly
// tables) and folds each row into the bucket that contains it; Buckets enumerates every bucket
// of the range up front, so the series comes out zero-filled and in order whatever rows exist.
// A bucket's key is its start: days since the epoch of its first local date (daily, weekly,
// monthly) or Unix seconds of its first instant (hourly). SQL that must group in the database
// (distinct counts) returns those same keys.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "reports/report.h"
#include "vecton/civil_time.h"
#include "vecton/json.h"
#include "vecton/money.h"

namespace vecton::api::reports {

struct Bucket {
  int64_t key = 0;      // see DESIGN
  std::string period;   // "2026-11-02" or, hourly, "2026-10-25T02:00:00+02:00"
  CivilDate first_day;  // the local dates the bucket covers (hourly: the hour's date twice)
  CivilDate last_day;
};

class Buckets {
 public:
  // Every bucket of the range at its granularity, in the tenant's zone. Weekly buckets start on
  // Monday and monthly buckets on the 1st, so the first (partial) bucket may start before
  // first_day; it is still labelled by its start. Hourly buckets are the local hours whose
  // start lies in [begin, end) (25 on a day when DST ends, 23 when it begins).
  static Buckets ForRange(const Range& range, const TimeZone& zone);
  // One bucket per date first..last.
  static Buckets Days(CivilDate first, CivilDate last);
  // The local hours starting in [begin, end).
  static Buckets Hours(Timestamp begin, Timestamp end, const TimeZone& zone);

  Granularity granularity() const { return granularity_; }
  size_t size() const { return buckets_.size(); }
  const Bucket& operator[](size_t i) const { return buckets_[i]; }
  const std::vector<Bucket>& all() const { return buckets_; }

  // The bucket with this key, if any (rows outside the range are ignored by callers).
  std::optional<size_t> IndexOfKey(int64_t key) const;
  // Daily and coarser: the bucket containing local date d.
  std::optional<size_t> IndexOfDay(CivilDate d) const;
  // The PostgreSQL date_trunc unit of a daily-or-coarser granularity: "day", "week", "month".
  std::string TruncUnit() const;

 private:
  Granularity granularity_ = Granularity::kDaily;
  std::vector<Bucket> buckets_;
};

// The start of the bucket of granularity g (daily or coarser) containing d.
CivilDate BucketStart(Granularity g, CivilDate d);

// ---- money and numbers ------------------------------------------------------------------

// A numeric column selected as text (`revenue::text`); NULL reads as 0. numeric(20,4) sums
// always fit Money's 4 digits, so a parse failure is a broken invariant and throws.
Money ReadMoney(const pqxx::field& f);
int64_t ReadInt(const pqxx::field& f);  // NULL reads as 0

// amount / count rounded half away from zero to whole cents (so that writing with 2 digits
// rounds only once); 0 when count is 0.
Money DivideToCents(Money amount, int64_t count);

// (now - before) / before; nullopt when before is 0.
std::optional<double> RelativeChange(double now, double before);
std::optional<double> Ratio(double numerator, double denominator);  // nullopt when denominator 0
void WriteRatio(JsonWriter& out, std::optional<double> r);
std::string RatioCell(std::optional<double> r);  // "" for null
std::string MoneyCell(Money m);                  // 2 fraction digits

// ---- the sales metric set ---------------------------------------------------------------

// The sales metrics of events.md for one bucket or span. Under a category filter the
// order-level fields (tax, shipping, discounts, cancelled_orders) are unknown: order_level is
// false and they are written as null.
struct SalesMetrics {
  int64_t orders = 0;
  Money revenue;
  Money refunds;
  int64_t items_sold = 0;
  Money tax;
  Money shipping;
  Money discounts;
  int64_t cancelled_orders = 0;
  bool order_level = true;

  Money NetRevenue() const { return revenue - refunds; }
  Money AverageOrderValue() const { return DivideToCents(revenue, orders); }
  SalesMetrics& operator+=(const SalesMetrics& o);
};

// The select list matching ReadSalesMetrics, for a table with every sales column
// (daily_sales, hourly_sales) or for a category table (order-level columns NULL). Columns are
// summed, so the list is used with GROUP BY or over a whole range.
inline constexpr std::string_view kSalesSums =
    "sum(orders), sum(revenue)::text, sum(items_sold), sum(tax)::text, sum(shipping)::text, "
    "sum(discounts)::text, sum(cancelled_orders), sum(refunds)::text";
inline constexpr std::string_view kCategorySalesSums =
    "sum(orders), sum(revenue)::text, sum(items_sold), NULL, NULL, NULL, NULL, "
    "sum(refunds)::text";
// Reads the 8 columns above starting at column `first`.
SalesMetrics ReadSalesMetrics(const pqxx::row& row, int first, bool order_level);

// Writes the metrics as members of the currently open object.
void WriteSalesMembers(JsonWriter& out, const SalesMetrics& m);
// Writes {"metric": relative change, ...} for every sales metric (null when the old value is 0
// or, for order-level metrics, unknown).
void WriteSalesChange(JsonWriter& out, const SalesMetrics& now, const SalesMetrics& before);
std::vector<std::string> SalesCsvHeader();  // without the leading "period"
std::vector<std::string> SalesCsvCells(const SalesMetrics& m);

// ---- ranges -----------------------------------------------------------------------------

// Writes {"from": ..., "to": ...}: dates when the range is whole local days, else local
// date-times with offset (to = the exclusive end instant).
void WriteRange(JsonWriter& out, const Range& range, const TimeZone& zone);

// The tenant's local "today" at the request's clock.
CivilDate Today(const ReportRequest& req);

// The SQL parameter form of a date ("2026-11-25", cast with ::date) and an instant (::timestamptz).
std::string DateParam(CivilDate d);
std::string InstantParam(Timestamp t);

}  // namespace vecton::api::reports
