// Custom reports (api.md "Custom reports"): the catalogue of what a report may ask for, the
// validation of a definition against it, and relative ranges. No I/O.
//
// DESIGN
// The catalogue is data, not code paths: every source is a list of "tables" (an aggregate or,
// for dimensions no aggregate carries, a fact table), and each table says which metrics it
// can sum, which dimensions it can group by and which fields it can filter on, each as a fixed
// SQL expression written here. A definition is valid when, for each metric it asks for, some
// table of its source carries that metric together with every requested dimension and filter
// field; execute.cpp then runs one query per table needed and merges the rows by dimension.
// User input only ever selects among these fixed expressions and becomes bind parameters, so
// no SQL is built from user text. When no table fits, the 400 says which combination is
// impossible and what would be allowed instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "errors.h"
#include "reports/report.h"
#include "vecton/civil_time.h"
#include "vecton/json.h"

namespace vecton::api::custom {

enum class FieldType { kInteger, kString };
enum class MetricType { kCount, kMoney, kRatio };

// Filter operators (api.md): every operator applies to integers except contains; strings take
// equals, not_equals, in, not_in and contains (case-insensitive).
enum class Op { kEquals, kNotEquals, kIn, kNotIn, kGt, kGte, kLt, kLte, kContains };

struct Filter {
  std::string field;
  Op op = Op::kEquals;
  // One value, or the list for in/not_in; integers as decimal text.
  std::vector<std::string> values;
};

// The range of a definition: a relative name resolved at run time in the tenant's zone, or
// fixed local dates (inclusive).
struct RangeSpec {
  std::string relative;  // "last_30_days", ...; "" when fixed
  CivilDate from, to;
};

struct Definition {
  std::string name;
  std::string source;
  std::vector<std::string> metrics;
  std::vector<std::string> dimensions;
  std::vector<Filter> filters;
  Granularity granularity = Granularity::kDaily;
  RangeSpec range;
  std::string sort;  // "" = by the dimensions; "-revenue" = descending
  int limit = 100;
};

// Parses and validates a JSON definition against the catalogue. Every error is a 400 naming
// the offending member ("metrics[1]", "filters[0].op") and listing the allowed values.
ApiResult<Definition> ParseDefinition(const JsonValue& json);
ApiResult<Definition> ParseDefinition(std::string_view text);

// The canonical JSON of a valid definition (stored in saved_reports.definition and returned).
std::string DefinitionJson(const Definition& d);

// Writes the catalogue (GET /reports/catalog "data").
void WriteCatalog(JsonWriter& out);

// The names of the relative ranges, in the catalogue's order.
const std::vector<std::string>& RelativeRangeNames();
// first..last local dates of a relative range at local date `today`; nullopt for an unknown name.
// "this_*" ranges end today; "previous_*" and "last_N_days" are whole periods ("last_7_days"
// is the 7 days ending today).
std::optional<std::pair<CivilDate, CivilDate>> ResolveRelativeRange(std::string_view name,
                                                                    CivilDate today);

std::string_view OpName(Op op);

// ---- the catalogue, for execute.cpp --------------------------------------------------------

// A SQL expression over the table's aliases, fixed here (never user text).
struct MetricDef {
  std::string name;
  MetricType type = MetricType::kCount;
  std::string description;
  // Derived metrics are computed from others after summing (net_revenue = revenue - refunds).
  std::vector<std::string> derived_from;
};
struct DimensionDef {
  std::string name;
  std::string description;
  // Output columns of the dimension: the first is its key ("category_id"), the rest labels.
  std::vector<std::string> columns;
};
struct FieldDef {
  std::string name;
  FieldType type = FieldType::kString;
  std::string description;
};
struct TableDef {
  std::string from;         // "daily_sales s" (and joins); aliases used by the expressions
  std::string tenant_col;   // "s.tenant_id"
  std::string day_col;      // "s.day" (a local date), or "" when the table has no time axis
  std::string instant_col;  // "c.first_sent_at": range by instants instead of days, no period
  std::string where;        // extra fixed condition ("NOT o.cancelled"), or ""
  std::vector<std::pair<std::string, std::string>> metrics;  // name -> aggregate expression
  std::vector<std::pair<std::string, std::vector<std::string>>> dimensions;  // name -> column exprs
  std::vector<std::pair<std::string, std::string>> fields;  // name -> column expression
  std::string note;  // why this table exists, for docs and errors ("fact table: ...")
};
struct SourceDef {
  std::string name;
  std::string description;
  std::vector<MetricDef> metrics;
  std::vector<DimensionDef> dimensions;
  std::vector<FieldDef> fields;
  std::vector<TableDef> tables;  // in order of preference (aggregates first)
  bool has_time = true;          // false: a snapshot (period and ranges do not apply)
};

const std::vector<SourceDef>& Sources();
const SourceDef* FindSource(std::string_view name);

}  // namespace vecton::api::custom
