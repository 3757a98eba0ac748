// The interface between the HTTP layer (api/src/http, which parses and validates requests,
// authenticates, caches) and the reports (api/src/reports, which turn a validated request
// into numbers read from the aggregate tables).
//
// A report function receives a read-only database transaction in which row-level security is
// already set to the request's tenant (SET LOCAL vecton.tenant), the tenant's settings and
// the validated parameters. It writes the value of the response's "data" member and, for
// list and series reports, the rows of its CSV export. Bad input never reaches it: the HTTP
// layer rejects it first. Infrastructure errors (pqxx exceptions) propagate to the
// dispatcher, which answers 503.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "vecton/civil_time.h"
#include "vecton/json.h"

namespace vecton::api {

enum class Granularity { kHourly, kDaily, kWeekly, kMonthly };
enum class Compare { kPreviousPeriod, kPreviousYear };

struct TenantInfo {
  std::string id;
  std::string currency;
  std::shared_ptr<const TimeZone> zone;
  int low_stock_threshold = 10;
};

// A tenant-local range. `begin`..`end` is the half-open instant range [begin, end);
// first_day..last_day are the local dates it touches (inclusive), which is what the daily
// aggregate tables are keyed by. A date `to` is inclusive: to=2026-11-30 ends at the start
// of 2026-12-01 in the tenant's zone.
struct Range {
  Timestamp begin, end;
  CivilDate first_day, last_day;
  Granularity granularity = Granularity::kDaily;
};

struct ReportRequest {
  TenantInfo tenant;
  Range range;
  std::optional<Range> compare_range;  // set when compare=... was given
  std::optional<int64_t> category_id;
  int limit = 10;
  int offset = 0;
  std::string sort;  // validated against the report's allowed keys; "" = the default
  Timestamp now;     // the request's clock, for "today", "this month", ...
};

// Rows for CSV export: a header and rows of cells, already formatted (money with 2 digits).
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

struct ReportOutput {
  CsvTable csv;  // empty for reports without a CSV form (dashboards)
};

// Every built-in report: writes the value of "data" (an object) into `out`.
ReportOutput SalesReport(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out);
ReportOutput ProductsReport(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out);
ReportOutput CustomersReport(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out);
ReportOutput InventoryReport(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out);
ReportOutput CampaignsReport(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out);
void Dashboard(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out);
void SalesDashboard(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out);
void CustomersDashboard(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out);
void InventoryDashboard(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out);

// The sort keys each list report accepts (without the '-' for descending), for validation.
const std::vector<std::string>& ProductSortKeys();

}  // namespace vecton::api
