// The sales report (/reports/sales) and the sales reads the dashboards share.
//
// DESIGN
// Sales are answered from the aggregates only, never from orders: daily_sales (one row per
// tenant-local day, so 365 rows for a year) or hourly_sales, and the *_category_sales tables
// under a category filter or for by_category. The database sums each bucket (numeric sums are
// exact) and returns the bucket's key; Buckets places the rows and zero-fills the rest. Totals
// are the sum of the buckets, so totals and series always agree.
#include <string>

#include "reports/queries.h"

namespace vecton::api::reports {

namespace {

// The bucket key of a row: see series.h. $4 is the date_trunc unit.
constexpr std::string_view kDayKey =
    "(date_trunc($4, day::timestamp)::date - DATE '1970-01-01')::bigint";
constexpr std::string_view kHourKey = "extract(epoch FROM hour_start)::bigint";

std::string SeriesQuery(bool hourly, bool category) {
  std::string q = "SELECT ";
  q += hourly ? kHourKey : kDayKey;
  q += ", ";
  q += category ? kCategorySalesSums : kSalesSums;
  q += " FROM ";
  q += hourly ? (category ? "hourly_category_sales" : "hourly_sales")
              : (category ? "daily_category_sales" : "daily_sales");
  q += " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant') AND ";
  q += hourly ? "hour_start >= $2::timestamptz AND hour_start < $3::timestamptz"
              : "day BETWEEN $2::date AND $3::date";
  if (category) q += hourly ? " AND category_id = $4" : " AND category_id = $5";
  q += " GROUP BY 1";
  return q;
}

}  // namespace

Range DayRange(const TimeZone& zone, CivilDate first, CivilDate last, Granularity g) {
  return Range{zone.StartOfDay(first), zone.StartOfDay(last.AddDays(1)), first, last, g};
}

std::vector<SalesMetrics> ReadSalesSeries(pqxx::transaction_base& tx, const std::string& tenant,
                                          const Buckets& buckets, const Range& range,
                                          std::optional<int64_t> category_id) {
  const bool hourly = buckets.granularity() == Granularity::kHourly;
  const bool category = category_id.has_value();
  const std::string query = SeriesQuery(hourly, category);
  const std::string from = hourly ? InstantParam(range.begin) : DateParam(range.first_day);
  const std::string to = hourly ? InstantParam(range.end) : DateParam(range.last_day);
  // The hourly query has no date_trunc unit: its category is $4.
  pqxx::result rows;
  if (hourly) {
    rows = category ? tx.exec_params(query, tenant, from, to, *category_id)
                    : tx.exec_params(query, tenant, from, to);
  } else {
    rows = category ? tx.exec_params(query, tenant, from, to, buckets.TruncUnit(), *category_id)
                    : tx.exec_params(query, tenant, from, to, buckets.TruncUnit());
  }
  std::vector<SalesMetrics> series(buckets.size());
  for (SalesMetrics& m : series) m.order_level = !category;
  for (const pqxx::row& row : rows) {
    if (auto i = buckets.IndexOfKey(row[0].as<int64_t>())) {
      series[*i] += ReadSalesMetrics(row, 1, !category);
    }
  }
  return series;
}

SalesMetrics Sum(const std::vector<SalesMetrics>& series) {
  SalesMetrics total;
  if (!series.empty()) total.order_level = series.front().order_level;
  for (const SalesMetrics& m : series) total += m;
  return total;
}

SalesMetrics ReadSalesSpan(pqxx::transaction_base& tx, const std::string& tenant,
                           std::optional<CivilDate> first, std::optional<CivilDate> last,
                           Timestamp hours_begin, Timestamp hours_end) {
  // An empty day part is an inverted date range; an empty hour part an empty instant range.
  const CivilDate d0 = first.value_or(CivilDate{2000, 1, 2});
  const CivilDate d1 = last.value_or(CivilDate{2000, 1, 1});
  std::string q = "SELECT ";
  q += kSalesSums;
  q += " FROM (SELECT orders, revenue, items_sold, tax, shipping, discounts, cancelled_orders, "
       "refunds"
       " FROM daily_sales WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
       " AND day BETWEEN $2::date AND $3::date"
       " UNION ALL SELECT orders, revenue, items_sold, tax, shipping, discounts, cancelled_orders, "
       "refunds"
       " FROM hourly_sales WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
       " AND hour_start >= $4::timestamptz AND hour_start < $5::timestamptz) s";
  pqxx::row row = tx.exec_params1(q, tenant, DateParam(d0), DateParam(d1),
                                  InstantParam(hours_begin), InstantParam(hours_end));
  return ReadSalesMetrics(row, 0, true);
}

namespace {

void WriteByCategory(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out) {
  const bool hourly = req.range.granularity == Granularity::kHourly;
  std::string q =
      "WITH s AS (SELECT category_id, sum(orders) AS orders, sum(revenue) AS revenue,"
      " sum(items_sold) AS items_sold, sum(refunds) AS refunds FROM ";
  q += hourly ? "hourly_category_sales" : "daily_category_sales";
  q += " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant') AND ";
  q += hourly ? "hour_start >= $2::timestamptz AND hour_start < $3::timestamptz"
              : "day BETWEEN $2::date AND $3::date";
  // A category's name is the one its products carry (there is no category table); any one
  // product of the category will do, so the lookup stops at the first instead of grouping
  // every product of the tenant.
  q += " AND (NOT $4::boolean OR category_id = $5::bigint) GROUP BY category_id)"
       " SELECT s.category_id, n.category_name, s.orders, s.revenue::text, s.items_sold,"
       " s.refunds::text FROM s LEFT JOIN LATERAL (SELECT p.category_name FROM products p"
       " WHERE p.tenant_id = $1 AND p.tenant_id = current_setting('vecton.tenant')"
       " AND p.category_id = s.category_id AND p.category_name IS NOT NULL LIMIT 1) n ON true"
       " ORDER BY s.revenue DESC, s.category_id";
  const std::string from = hourly ? InstantParam(req.range.begin) : DateParam(req.range.first_day);
  const std::string to = hourly ? InstantParam(req.range.end) : DateParam(req.range.last_day);
  pqxx::result rows = tx.exec_params(q, req.tenant.id, from, to, req.category_id.has_value(),
                                     req.category_id.value_or(0));
  out.BeginArray();
  for (const pqxx::row& row : rows) {
    const int64_t category_id = row[0].as<int64_t>();
    const Money revenue = ReadMoney(row[3]);
    const Money refunds = ReadMoney(row[5]);
    out.BeginObject();
    // -1 is the aggregates' "no category"; the response says so with null.
    out.Key("category_id");
    if (category_id == -1)
      out.Null();
    else
      out.Int(category_id);
    out.Key("category_name");
    if (row[1].is_null())
      out.Null();
    else
      out.String(row[1].c_str());
    out.Key("orders").Int(ReadInt(row[2]));
    out.Key("revenue").Money(revenue);
    out.Key("items_sold").Int(ReadInt(row[4]));
    out.Key("refunds").Money(refunds);
    out.Key("net_revenue").Money(revenue - refunds);
    out.EndObject();
  }
  out.EndArray();
}

}  // namespace

}  // namespace vecton::api::reports

namespace vecton::api {

ReportOutput SalesReport(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out) {
  using namespace reports;  // NOLINT(google-build-using-namespace): the report's own helpers
  const TimeZone& zone = *req.tenant.zone;
  const Buckets buckets = Buckets::ForRange(req.range, zone);
  const std::vector<SalesMetrics> series =
      ReadSalesSeries(tx, req.tenant.id, buckets, req.range, req.category_id);
  const SalesMetrics totals = Sum(series);

  ReportOutput output;
  output.csv.header = {"period"};
  for (std::string& h : SalesCsvHeader()) output.csv.header.push_back(std::move(h));

  out.BeginObject();
  out.Key("totals").BeginObject();
  WriteSalesMembers(out, totals);
  out.EndObject();
  out.Key("series").BeginArray();
  for (size_t i = 0; i < buckets.size(); ++i) {
    out.BeginObject().Key("period").String(buckets[i].period);
    WriteSalesMembers(out, series[i]);
    out.EndObject();
    std::vector<std::string> row = {buckets[i].period};
    for (std::string& c : SalesCsvCells(series[i])) row.push_back(std::move(c));
    output.csv.rows.push_back(std::move(row));
  }
  out.EndArray();
  out.Key("by_category");
  WriteByCategory(tx, req, out);
  if (req.compare_range) {
    const Buckets compare_buckets = Buckets::ForRange(*req.compare_range, zone);
    const SalesMetrics before = Sum(
        ReadSalesSeries(tx, req.tenant.id, compare_buckets, *req.compare_range, req.category_id));
    out.Key("compare").BeginObject();
    out.Key("range");
    WriteRange(out, *req.compare_range, zone);
    out.Key("totals").BeginObject();
    WriteSalesMembers(out, before);
    out.EndObject();
    out.Key("change");
    WriteSalesChange(out, totals, before);
    out.EndObject();
  }
  out.EndObject();
  return output;
}

}  // namespace vecton::api
