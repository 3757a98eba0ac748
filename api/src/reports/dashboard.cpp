// The dashboards (/dashboard, /dashboard/sales, /dashboard/customers); the inventory dashboard
// is in inventory.cpp.
//
// DESIGN: "to date" spans and what they are compared with. At the request's clock, in the
// tenant's zone, a span is a period (today, this week from Monday, this month, this year) up to
// and including the current hour: its whole days before today come from daily_sales, today's
// hours from hourly_sales. It is compared with the same span of the previous period (yesterday,
// last week, last month, last year): as many whole days from that period's start as the current
// span has, then as much of the next day as has passed today, up to the end of the current
// hour. When the previous period is shorter (31 March vs February) the comparison is the whole
// previous period.
#include <string>

#include "reports/queries.h"

namespace vecton::api::reports {

namespace {
constexpr int64_t kSecondsPerHour = 3600;
constexpr int kTrendDays = 30;
constexpr int kTopProducts = 5;
}  // namespace

std::vector<SpanSales> ReadSpanSales(pqxx::transaction_base& tx, const ReportRequest& req) {
  const TimeZone& zone = *req.tenant.zone;
  const CivilDate today = Today(req);
  const Timestamp today_start = zone.StartOfDay(today);
  const Timestamp hour_end =
      Timestamp::FromSeconds(zone.HourStart(req.now).seconds() + kSecondsPerHour);
  const int64_t elapsed_today = hour_end.seconds() - today_start.seconds();

  struct Period {
    const char* name;
    CivilDate start, previous_start;
  };
  const CivilDate week = today.WeekStart(), month = today.MonthStart(), year{today.year, 1, 1};
  const Period periods[] = {{"today", today, today.AddDays(-1)},
                            {"week", week, week.AddDays(-7)},
                            {"month", month, month.AddMonths(-1)},
                            {"year_to_date", year, CivilDate{today.year - 1, 1, 1}}};
  std::vector<SpanSales> spans;
  for (const Period& p : periods) {
    SpanSales s;
    s.name = p.name;
    s.period_start = p.start;
    const std::optional<CivilDate> last_full_day =
        p.start < today ? std::optional(today.AddDays(-1)) : std::nullopt;
    s.current = ReadSalesSpan(tx, req.tenant.id, p.start, last_full_day, today_start, hour_end);

    const int64_t full_days = today.ToDays() - p.start.ToDays();
    const CivilDate partial_day = p.previous_start.AddDays(full_days);
    if (partial_day >= p.start) {
      s.previous = ReadSalesSpan(tx, req.tenant.id, p.previous_start, p.start.AddDays(-1),
                                 today_start, today_start);
    } else {
      const Timestamp partial_start = zone.StartOfDay(partial_day);
      const Timestamp partial_end =
          std::min(Timestamp::FromSeconds(partial_start.seconds() + elapsed_today),
                   zone.StartOfDay(partial_day.AddDays(1)));
      const std::optional<CivilDate> previous_last =
          full_days > 0 ? std::optional(partial_day.AddDays(-1)) : std::nullopt;
      s.previous = ReadSalesSpan(tx, req.tenant.id, p.previous_start, previous_last, partial_start,
                                 partial_end);
    }
    spans.push_back(std::move(s));
  }
  return spans;
}

namespace {

void WriteSeries(JsonWriter& out, const Buckets& buckets, const std::vector<SalesMetrics>& series) {
  out.BeginArray();
  for (size_t i = 0; i < buckets.size(); ++i) {
    out.BeginObject().Key("period").String(buckets[i].period);
    WriteSalesMembers(out, series[i]);
    out.EndObject();
  }
  out.EndArray();
}

void WriteTopProducts(pqxx::transaction_base& tx, const ReportRequest& req, CivilDate first,
                      CivilDate last, JsonWriter& out) {
  out.BeginArray();
  for (const pqxx::row& r : tx.exec_params(
           "WITH m AS (SELECT product_id, sum(revenue) AS revenue, sum(units_sold) AS units_sold,"
           " sum(orders) AS orders FROM product_metrics"
           " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
           " AND day BETWEEN $2::date AND $3::date GROUP BY product_id"
           " ORDER BY revenue DESC, product_id LIMIT $4)"
           " SELECT m.product_id, p.sku, p.name, m.revenue::text, m.units_sold, m.orders FROM m"
           " LEFT JOIN products p ON p.tenant_id = $1 AND p.product_id = m.product_id"
           " ORDER BY m.revenue DESC, m.product_id",
           req.tenant.id, DateParam(first), DateParam(last), kTopProducts)) {
    out.BeginObject();
    out.Key("product_id").String(r[0].c_str());
    out.Key("sku");
    if (r[1].is_null())
      out.Null();
    else
      out.String(r[1].c_str());
    out.Key("name");
    if (r[2].is_null())
      out.Null();
    else
      out.String(r[2].c_str());
    out.Key("revenue").Money(ReadMoney(r[3]));
    out.Key("units_sold").Int(ReadInt(r[4]));
    out.Key("orders").Int(ReadInt(r[5]));
    out.EndObject();
  }
  out.EndArray();
}

void WriteFulfillment(pqxx::transaction_base& tx, const ReportRequest& req, CivilDate first,
                      CivilDate last, JsonWriter& out) {
  const std::string tenant_filter =
      " FROM orders WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
      " AND day BETWEEN $2::date AND $3::date";
  pqxx::row r = tx.exec_params1(
      "SELECT count(*), count(shipped_at),"
      " avg(extract(epoch FROM shipped_at - placed_at))::float8 / 3600,"
      " (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM shipped_at - placed_at))"
      "  FILTER (WHERE shipped_at IS NOT NULL)) / 3600,"
      " count(completed_at), avg(extract(epoch FROM completed_at - placed_at))::float8 / 3600" +
          tenant_filter,
      req.tenant.id, DateParam(first), DateParam(last));
  auto opt = [](const pqxx::field& f) {
    return f.is_null() ? std::nullopt : std::optional(f.as<double>());
  };
  out.BeginObject();
  out.Key("orders").Int(r[0].as<int64_t>());
  out.Key("shipped_orders").Int(r[1].as<int64_t>());
  out.Key("average_hours_to_ship");
  WriteRatio(out, opt(r[2]));
  out.Key("median_hours_to_ship");
  WriteRatio(out, opt(r[3]));
  out.Key("completed_orders").Int(r[4].as<int64_t>());
  out.Key("average_hours_to_complete");
  WriteRatio(out, opt(r[5]));
  out.Key("orders_by_status").BeginObject();
  for (const pqxx::row& s : tx.exec_params(
           "SELECT status, count(*)" + tenant_filter + " GROUP BY status ORDER BY status",
           req.tenant.id, DateParam(first), DateParam(last))) {
    out.Key(s[0].c_str()).Int(s[1].as<int64_t>());
  }
  out.EndObject();
  out.EndObject();
}

}  // namespace

}  // namespace vecton::api::reports

namespace vecton::api {

void Dashboard(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out) {
  using namespace reports;  // NOLINT(google-build-using-namespace): the report's own helpers
  const TimeZone& zone = *req.tenant.zone;
  const CivilDate today = Today(req);
  const CivilDate month = today.MonthStart();

  out.BeginObject();
  out.Key("sales").BeginObject();
  for (const SpanSales& s : ReadSpanSales(tx, req)) {
    out.Key(s.name).BeginObject();
    out.Key("from").String(s.period_start.ToString());
    out.Key("revenue").Money(s.current.revenue);
    out.Key("orders").Int(s.current.orders);
    out.Key("average_order_value").Money(s.current.AverageOrderValue());
    out.Key("change").BeginObject();
    out.Key("revenue");
    WriteRatio(out, RelativeChange(static_cast<double>(s.current.revenue.units()),
                                   static_cast<double>(s.previous.revenue.units())));
    out.Key("orders");
    WriteRatio(out, RelativeChange(static_cast<double>(s.current.orders),
                                   static_cast<double>(s.previous.orders)));
    out.Key("average_order_value");
    WriteRatio(out, RelativeChange(static_cast<double>(s.current.AverageOrderValue().units()),
                                   static_cast<double>(s.previous.AverageOrderValue().units())));
    out.EndObject();
    out.EndObject();
  }
  out.EndObject();

  const Buckets trend = Buckets::Days(today.AddDays(1 - kTrendDays), today);
  const std::vector<SalesMetrics> trend_sales = ReadSalesSeries(
      tx, req.tenant.id, trend,
      DayRange(zone, today.AddDays(1 - kTrendDays), today, Granularity::kDaily), std::nullopt);
  out.Key("revenue_trend").BeginArray();
  for (size_t i = 0; i < trend.size(); ++i) {
    out.BeginObject().Key("period").String(trend[i].period);
    out.Key("revenue").Money(trend_sales[i].revenue);
    out.Key("orders").Int(trend_sales[i].orders);
    out.EndObject();
  }
  out.EndArray();

  out.Key("top_products");
  WriteTopProducts(tx, req, month, today, out);

  const CustomerMetrics customers_today = ReadCustomerTotals(
      tx, req.tenant.id, DayRange(zone, today, today, Granularity::kDaily), zone);
  const CustomerMetrics customers_month = ReadCustomerTotals(
      tx, req.tenant.id, DayRange(zone, month, today, Granularity::kDaily), zone);
  out.Key("customers").BeginObject();
  out.Key("new_today").Int(customers_today.new_customers);
  out.Key("new_this_month").Int(customers_month.new_customers);
  out.Key("signups_this_month").Int(customers_month.signups);
  out.EndObject();

  const StockSummary stock = Summarize(ReadProductStock(tx, req));
  out.Key("inventory").BeginObject();
  WriteStockSummaryMembers(out, stock);
  out.EndObject();
  out.EndObject();
}

void SalesDashboard(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out) {
  using namespace reports;  // NOLINT(google-build-using-namespace): the report's own helpers
  const TimeZone& zone = *req.tenant.zone;
  const CivilDate today = Today(req);
  const CivilDate month = today.MonthStart();

  out.BeginObject();
  out.Key("spans").BeginObject();
  for (const SpanSales& s : ReadSpanSales(tx, req)) {
    out.Key(s.name).BeginObject();
    out.Key("from").String(s.period_start.ToString());
    out.Key("totals").BeginObject();
    WriteSalesMembers(out, s.current);
    out.EndObject();
    out.Key("previous").BeginObject();
    WriteSalesMembers(out, s.previous);
    out.EndObject();
    out.Key("change");
    WriteSalesChange(out, s.current, s.previous);
    out.EndObject();
  }
  out.EndObject();

  const Range today_range = DayRange(zone, today, today, Granularity::kHourly);
  const Buckets hours = Buckets::ForRange(today_range, zone);
  out.Key("today_hourly");
  WriteSeries(out, hours, ReadSalesSeries(tx, req.tenant.id, hours, today_range, std::nullopt));

  const Range month_range = DayRange(zone, month, today, Granularity::kDaily);
  const Buckets days = Buckets::ForRange(month_range, zone);
  out.Key("month_daily");
  WriteSeries(out, days, ReadSalesSeries(tx, req.tenant.id, days, month_range, std::nullopt));

  out.Key("fulfillment");
  WriteFulfillment(tx, req, month, today, out);
  out.EndObject();
}

void CustomersDashboard(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out) {
  using namespace reports;  // NOLINT(google-build-using-namespace): the report's own helpers
  const TimeZone& zone = *req.tenant.zone;
  const CivilDate today = Today(req);
  const CivilDate trend_start = today.AddDays(1 - kTrendDays);

  out.BeginObject();
  const std::pair<const char*, CivilDate> spans[] = {
      {"today", today}, {"month", today.MonthStart()}, {"year", CivilDate{today.year, 1, 1}}};
  for (const auto& [name, start] : spans) {
    out.Key(name).BeginObject();
    WriteCustomerMembers(
        out, ReadCustomerTotals(tx, req.tenant.id,
                                DayRange(zone, start, today, Granularity::kDaily), zone));
    out.EndObject();
  }

  const Range trend_range = DayRange(zone, trend_start, today, Granularity::kDaily);
  const Buckets trend = Buckets::ForRange(trend_range, zone);
  const std::vector<CustomerMetrics> series =
      ReadCustomerSeries(tx, req.tenant.id, trend, trend_range, zone);
  out.Key("series").BeginArray();
  for (size_t i = 0; i < trend.size(); ++i) {
    out.BeginObject().Key("period").String(trend[i].period);
    WriteCustomerMembers(out, series[i]);
    out.EndObject();
  }
  out.EndArray();

  const LoyaltyMetrics loyalty = ReadLoyalty(tx, req.tenant.id, today);
  out.Key("repeat_purchase_rate");
  WriteRatio(out, loyalty.repeat_purchase_rate);
  out.Key("average_ltv").Money(loyalty.average_ltv);

  // Signups of the same 30 days as the series, by the source the CRM gave (null = none).
  out.Key("signups_by_source").BeginArray();
  for (const pqxx::row& r :
       tx.exec_params("SELECT source, count(*) FROM customers"
                      " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
                      " AND day BETWEEN $2::date AND $3::date GROUP BY source ORDER BY 2 DESC, 1",
                      req.tenant.id, DateParam(trend_start), DateParam(today))) {
    out.BeginObject().Key("source");
    if (r[0].is_null())
      out.Null();
    else
      out.String(r[0].c_str());
    out.Key("signups").Int(r[1].as<int64_t>());
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
}

}  // namespace vecton::api
