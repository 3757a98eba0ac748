// Running a validated custom report (definition.h) in a tenant's read-only transaction.
//
// DESIGN
// Each metric is answered by the first table of its source (aggregates before facts) that
// also carries every requested dimension and filter field; metrics of the same table share one
// query. Every query is a fixed text assembled only from the catalogue's expressions; the
// tenant, the range, the bucket unit and every filter value are bind parameters. The rows of
// the tables are merged by their dimension keys; the totals are the same queries without
// GROUP BY (so distinct counts such as active_customers are right in the totals too). A
// report whose only dimension is `period` gets one row per bucket, zero-filled, like the
// built-in series.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "custom/definition.h"
#include "reports/report.h"
#include "vecton/money.h"

namespace vecton::api::custom {

enum class CellKind { kText, kInteger, kMoney, kRatio };

struct Cell {
  bool null = false;
  int64_t integer = 0;
  Money money;
  double ratio = 0;
  std::string text;
};

struct Column {
  std::string name;
  CellKind kind = CellKind::kText;
  bool is_metric = false;
};

struct CustomResult {
  std::vector<Column> columns;          // dimension columns, then metrics
  std::vector<std::vector<Cell>> rows;  // sorted, at most definition.limit
  int64_t total_rows = 0;               // before the limit
  std::vector<Cell> totals;             // one per metric, in definition order
  bool series = false;                  // the only dimension is period (zero-filled)
};

CustomResult RunCustomReport(pqxx::transaction_base& tx, const Definition& definition,
                             const ReportRequest& req);

// Writes the "data" object of a run: columns, rows (objects), totals, total_rows.
void WriteCustomData(JsonWriter& out, const Definition& definition, const CustomResult& result);
// The same rows as CSV cells (money with 2 digits, ratios as numbers, null as "").
CsvTable CustomCsv(const CustomResult& result);
std::string CellText(const Column& column, const Cell& cell);

}  // namespace vecton::api::custom
