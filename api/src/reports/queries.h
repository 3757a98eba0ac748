// Report queries shared between the reports and the dashboards. Private to api/src/reports.
//
// Every statement filters by the tenant twice: `tenant_id = $1` with the request's tenant (so
// the planner uses the tenant-first keys) and `tenant_id = current_setting('vecton.tenant')`
// (so a statement run in a transaction whose tenant was not set fails instead of reading
// across tenants, even for a role that row-level security does not restrict).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/series.h"

namespace vecton::api::reports {

// A whole-days range first..last (inclusive) in the tenant's zone.
Range DayRange(const TimeZone& zone, CivilDate first, CivilDate last, Granularity g);

// ---- sales (sales.cpp) -------------------------------------------------------------------

// Per bucket, the sales metrics of the range: from hourly_sales over [begin, end) for hourly
// buckets, else from daily_sales over first_day..last_day; from the *_category_sales tables
// when category_id is set (order-level metrics unknown then).
std::vector<SalesMetrics> ReadSalesSeries(pqxx::transaction_base& tx, const std::string& tenant,
                                          const Buckets& buckets, const Range& range,
                                          std::optional<int64_t> category_id);
SalesMetrics Sum(const std::vector<SalesMetrics>& series);

// Sales of the whole local days first..last plus the hours starting in [hours_begin,
// hours_end) (for a span that ends part way through today). Either part may be empty.
SalesMetrics ReadSalesSpan(pqxx::transaction_base& tx, const std::string& tenant,
                           std::optional<CivilDate> first, std::optional<CivilDate> last,
                           Timestamp hours_begin, Timestamp hours_end);

// A "to date" span of the dashboards and the same span of the period before it.
struct SpanSales {
  std::string name;        // "today", "week", "month", "year_to_date"
  CivilDate period_start;  // first day of the current period
  SalesMetrics current;
  SalesMetrics previous;
};
// today, week, month and year to date at req.now; see dashboard.cpp for the comparison spans.
std::vector<SpanSales> ReadSpanSales(pqxx::transaction_base& tx, const ReportRequest& req);

// ---- customers (customers.cpp) -----------------------------------------------------------

struct CustomerMetrics {
  int64_t new_customers = 0;
  int64_t returning_customers = 0;
  int64_t active_customers = 0;
  int64_t signups = 0;
};
// Totals over the range's days (hourly ranges: over its instants).
CustomerMetrics ReadCustomerTotals(pqxx::transaction_base& tx, const std::string& tenant,
                                   const Range& range, const TimeZone& zone);
std::vector<CustomerMetrics> ReadCustomerSeries(pqxx::transaction_base& tx,
                                                const std::string& tenant, const Buckets& buckets,
                                                const Range& range, const TimeZone& zone);
// Among customers whose first order is on or before `last`: share with >= 2 orders, and
// their average lifetime value (net revenue).
struct LoyaltyMetrics {
  std::optional<double> repeat_purchase_rate;
  Money average_ltv;
  int64_t customers = 0;
};
LoyaltyMetrics ReadLoyalty(pqxx::transaction_base& tx, const std::string& tenant, CivilDate last);
void WriteCustomerMembers(JsonWriter& out, const CustomerMetrics& m);

// ---- inventory (inventory.cpp) -----------------------------------------------------------

struct ProductStock {
  std::string product_id;
  std::optional<std::string> sku, name, category_name;
  std::optional<int64_t> category_id;
  std::optional<int64_t> stock_level;  // null: never reported
  std::string status;                  // in_stock, low_stock, out_of_stock
  std::optional<Money> unit_cost;
  int64_t units_sold_30d = 0;
  std::optional<double> days_of_cover;
  std::optional<CivilDate> last_sale_day;
};
// Every product of the tenant with its current stock, status and recent sales, by product_id.
std::vector<ProductStock> ReadProductStock(pqxx::transaction_base& tx, const ReportRequest& req);

struct StockSummary {
  int64_t in_stock = 0, low_stock = 0, out_of_stock = 0;
  int64_t stock_units = 0;
  Money stock_value;                  // products with level > 0 and a known unit cost
  int64_t products_without_cost = 0;  // level > 0 but unit cost unknown: not in stock_value
};
StockSummary Summarize(const std::vector<ProductStock>& products);
void WriteStockSummaryMembers(JsonWriter& out, const StockSummary& s);

}  // namespace vecton::api::reports
