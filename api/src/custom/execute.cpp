#include "custom/execute.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "reports/series.h"

namespace vecton::api::custom {
namespace {

constexpr std::string_view kPeriodKey =
    "(date_trunc($4, {}::timestamp)::date - DATE '1970-01-01')::bigint";
constexpr std::string_view kNullKey = "\x01";  // the merge key of a NULL dimension value

const MetricDef& Metric(const SourceDef& src, const std::string& name) {
  for (const MetricDef& m : src.metrics) {
    if (m.name == name) return m;
  }
  throw std::logic_error("custom report: unknown metric " + name);
}

const DimensionDef& Dimension(const SourceDef& src, const std::string& name) {
  for (const DimensionDef& d : src.dimensions) {
    if (d.name == name) return d;
  }
  throw std::logic_error("custom report: unknown dimension " + name);
}

template <typename V>
const V* Lookup(const std::vector<std::pair<std::string, V>>& items, const std::string& key) {
  for (const auto& [k, v] : items) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool Fits(const TableDef& t, const Definition& d, const std::vector<std::string>& bases) {
  for (const std::string& m : bases) {
    if (!Lookup(t.metrics, m)) return false;
  }
  for (const std::string& dim : d.dimensions) {
    if (dim == "period" ? t.day_col.empty() : !Lookup(t.dimensions, dim)) return false;
  }
  for (const Filter& f : d.filters) {
    if (!Lookup(t.fields, f.field)) return false;
  }
  return true;
}

// The base (summed) metrics a metric needs.
std::vector<std::string> Bases(const SourceDef& src, const std::string& metric) {
  const MetricDef& m = Metric(src, metric);
  return m.derived_from.empty() ? std::vector<std::string>{metric} : m.derived_from;
}

FieldType TypeOf(const SourceDef& src, const std::string& field) {
  for (const FieldDef& f : src.fields) {
    if (f.name == field) return f.type;
  }
  return FieldType::kString;
}

// One query over one table: the base metrics `metrics`, grouped by the definition's dimensions
// (none for the totals). Every value is a bind parameter.
struct Query {
  std::string sql;
  std::vector<std::string> params;
};

Query BuildQuery(const SourceDef& src, const TableDef& t, const Definition& d,
                 const std::vector<std::string>& metrics, bool grouped, const ReportRequest& req,
                 const std::string& trunc_unit) {
  Query q;
  q.params.push_back(req.tenant.id);
  std::vector<std::string> select, group;
  const bool period = grouped && std::find(d.dimensions.begin(), d.dimensions.end(), "period") !=
                                     d.dimensions.end();
  std::string where =
      fmt::format("{0} = $1 AND {0} = current_setting('vecton.tenant')", t.tenant_col);
  if (!t.day_col.empty()) {
    where += fmt::format(" AND {} BETWEEN $2::date AND $3::date", t.day_col);
    q.params.push_back(reports::DateParam(req.range.first_day));
    q.params.push_back(reports::DateParam(req.range.last_day));
    // $4 is the bucket unit, present whenever the table has days, so numbering stays fixed.
    q.params.push_back(trunc_unit);
    if (!period) where += " AND $4::text IS NOT NULL";
  } else if (!t.instant_col.empty()) {
    where += fmt::format(" AND {0} >= $2::timestamptz AND {0} < $3::timestamptz", t.instant_col);
    q.params.push_back(reports::InstantParam(req.range.begin));
    q.params.push_back(reports::InstantParam(req.range.end));
  }
  if (!t.where.empty()) where += " AND " + t.where;
  for (const Filter& f : d.filters) {
    const std::string& expr = *Lookup(t.fields, f.field);
    const std::string cast = TypeOf(src, f.field) == FieldType::kInteger ? "::bigint" : "::text";
    auto param = [&](const std::string& v) {
      q.params.push_back(v);
      return fmt::format("${}{}", q.params.size(), cast);
    };
    auto list = [&] {
      std::string out;
      for (const std::string& v : f.values) out += (out.empty() ? "" : ", ") + param(v);
      return out;
    };
    std::string cond;
    switch (f.op) {
      case Op::kEquals:
        cond = fmt::format("{} = {}", expr, param(f.values[0]));
        break;
      case Op::kNotEquals:
        cond = fmt::format("{} IS DISTINCT FROM {}", expr, param(f.values[0]));
        break;
      case Op::kIn:
        cond = fmt::format("{} IN ({})", expr, list());
        break;
      case Op::kNotIn:
        cond = fmt::format("({0} IS NULL OR {0} NOT IN ({1}))", expr, list());
        break;
      case Op::kGt:
        cond = fmt::format("{} > {}", expr, param(f.values[0]));
        break;
      case Op::kGte:
        cond = fmt::format("{} >= {}", expr, param(f.values[0]));
        break;
      case Op::kLt:
        cond = fmt::format("{} < {}", expr, param(f.values[0]));
        break;
      case Op::kLte:
        cond = fmt::format("{} <= {}", expr, param(f.values[0]));
        break;
      // strpos, not LIKE: the value's % and _ are not patterns.
      case Op::kContains:
        cond = fmt::format("strpos(lower({}), lower({})) > 0", expr, param(f.values[0]));
        break;
    }
    where += " AND " + cond;
  }
  if (grouped) {
    for (const std::string& dim : d.dimensions) {
      if (dim == "period") {
        std::string key = fmt::format(fmt::runtime(kPeriodKey), t.day_col);
        select.push_back(key + "::text");
        group.push_back(key);
        continue;
      }
      const std::vector<std::string>& exprs = *Lookup(t.dimensions, dim);
      group.push_back(exprs[0]);
      for (size_t i = 1; i < exprs.size(); ++i) select.push_back("(" + exprs[i] + ")::text");
    }
  }
  for (const std::string& m : metrics) select.push_back("(" + *Lookup(t.metrics, m) + ")::text");
  q.sql = "SELECT ";
  for (size_t i = 0; i < select.size(); ++i) q.sql += (i ? ", " : "") + select[i];
  q.sql += " FROM " + t.from + " WHERE " + where;
  if (!group.empty()) {
    q.sql += " GROUP BY ";
    for (size_t i = 0; i < group.size(); ++i) q.sql += (i ? ", " : "") + group[i];
  }
  return q;
}

Cell ReadCell(const pqxx::field& f, CellKind kind) {
  Cell c;
  if (f.is_null()) {
    c.null = kind == CellKind::kText || kind == CellKind::kInteger;
    return c;  // a sum over no rows is 0
  }
  switch (kind) {
    case CellKind::kText:
      c.text = f.c_str();
      break;
    case CellKind::kInteger:
      c.integer = reports::ReadInt(f);
      break;
    case CellKind::kMoney:
      c.money = reports::ReadMoney(f);
      break;
    case CellKind::kRatio:
      c.ratio = f.as<double>();
      break;
  }
  return c;
}

CellKind KindOf(MetricType t) {
  switch (t) {
    case MetricType::kCount:
      return CellKind::kInteger;
    case MetricType::kMoney:
      return CellKind::kMoney;
    case MetricType::kRatio:
      return CellKind::kRatio;
  }
  return CellKind::kInteger;
}

// The value of `metric` from the summed bases.
Cell Derive(const SourceDef& src, const std::string& metric,
            const std::map<std::string, Cell>& base) {
  const MetricDef& m = Metric(src, metric);
  auto get = [&](const std::string& n) {
    auto it = base.find(n);
    return it == base.end() ? Cell{} : it->second;
  };
  if (m.derived_from.empty()) return get(metric);
  Cell c;
  if (metric == "net_revenue") {
    c.money = get("revenue").money - get("refunds").money;
  } else if (metric == "average_order_value") {
    c.money = reports::DivideToCents(get("revenue").money, get("orders").integer);
  } else if (metric == "open_rate") {
    auto r = reports::Ratio(static_cast<double>(get("unique_opens").integer),
                            static_cast<double>(get("recipients").integer));
    c.null = !r;
    c.ratio = r.value_or(0);
  } else if (metric == "roi") {
    const Money cost = get("cost").money;
    auto r = reports::Ratio(static_cast<double>((get("attributed_revenue").money - cost).units()),
                            static_cast<double>(cost.units()));
    c.null = !r;
    c.ratio = r.value_or(0);
  }
  return c;
}

int Compare(const Column& col, const Cell& a, const Cell& b) {
  if (a.null != b.null) return a.null ? 1 : -1;  // nulls last
  switch (col.kind) {
    case CellKind::kText:
      return a.text.compare(b.text);
    case CellKind::kInteger:
      return a.integer < b.integer ? -1 : a.integer > b.integer;
    case CellKind::kMoney:
      return a.money.units() < b.money.units() ? -1 : a.money.units() > b.money.units();
    case CellKind::kRatio:
      return a.ratio < b.ratio ? -1 : a.ratio > b.ratio;
  }
  return 0;
}

}  // namespace

CustomResult RunCustomReport(pqxx::transaction_base& tx, const Definition& d,
                             const ReportRequest& req) {
  const SourceDef& src = *FindSource(d.source);
  const reports::Buckets buckets = reports::Buckets::ForRange(req.range, *req.tenant.zone);
  const std::string unit = buckets.TruncUnit();

  // 1. Which table answers which base metrics.
  std::vector<std::pair<const TableDef*, std::vector<std::string>>> plan;
  for (const std::string& metric : d.metrics) {
    const std::vector<std::string> bases = Bases(src, metric);
    const TableDef* table = nullptr;
    for (const TableDef& t : src.tables) {
      if (Fits(t, d, bases)) {
        table = &t;
        break;
      }
    }
    if (!table) throw std::logic_error("custom report: no table for validated metric " + metric);
    auto it =
        std::find_if(plan.begin(), plan.end(), [&](const auto& p) { return p.first == table; });
    if (it == plan.end()) {
      plan.push_back({table, {}});
      it = plan.end() - 1;
    }
    for (const std::string& b : bases) {
      if (std::find(it->second.begin(), it->second.end(), b) == it->second.end())
        it->second.push_back(b);
    }
  }
  auto base_kind = [&](const std::string& b) { return KindOf(Metric(src, b).type); };

  // 2. Columns: each dimension's columns, then the metrics.
  CustomResult result;
  size_t dim_columns = 0;
  for (const std::string& dim : d.dimensions) {
    for (const std::string& c : Dimension(src, dim).columns) {
      result.columns.push_back(
          {c, c == "category_id" ? CellKind::kInteger : CellKind::kText, false});
      ++dim_columns;
    }
  }
  for (const std::string& m : d.metrics) {
    result.columns.push_back({m, KindOf(Metric(src, m).type), true});
  }

  // 3. Rows, merged by their dimension keys; labels from the first table that has them.
  struct Merged {
    std::vector<Cell> dims;
    std::vector<int64_t> period_keys;
    std::map<std::string, Cell> base;
  };
  std::map<std::vector<std::string>, Merged> merged;
  result.series = d.dimensions.size() == 1 && d.dimensions[0] == "period";
  if (result.series) {
    for (size_t i = 0; i < buckets.size(); ++i) {
      Merged& m = merged[{fmt::format("{:012}", buckets[i].key + 1'000'000'000)}];
      Cell period;
      period.text = buckets[i].period;
      m.dims = {period};
    }
  }
  for (const auto& [table, metrics] : plan) {
    Query q = BuildQuery(src, *table, d, metrics, true, req, unit);
    pqxx::result rows = tx.exec_params(q.sql, pqxx::prepare::make_dynamic_params(q.params));
    for (const pqxx::row& row : rows) {
      std::vector<std::string> key;
      std::vector<Cell> dims;
      int col = 0;
      bool outside = false;
      size_t out_col = 0;
      for (const std::string& dim : d.dimensions) {
        if (dim == "period") {
          const int64_t k = row[col++].as<int64_t>();
          auto i = buckets.IndexOfKey(k);
          if (!i) outside = true;
          Cell c;
          c.text = i ? buckets[*i].period : "";
          key.push_back(fmt::format("{:012}", k + 1'000'000'000));
          dims.push_back(c);
          ++out_col;
          continue;
        }
        const size_t n = Dimension(src, dim).columns.size();
        for (size_t j = 0; j < n; ++j, ++col, ++out_col) {
          Cell c = ReadCell(row[col], result.columns[out_col].kind);
          if (j == 0) key.push_back(c.null ? std::string(kNullKey) : std::string(row[col].c_str()));
          dims.push_back(std::move(c));
        }
      }
      if (outside) continue;
      Merged& m = merged[key];
      if (m.dims.empty()) m.dims = std::move(dims);
      for (const std::string& b : metrics) m.base[b] = ReadCell(row[col++], base_kind(b));
    }
  }
  for (auto& [key, m] : merged) {
    std::vector<Cell> row = m.dims;
    for (const std::string& metric : d.metrics) row.push_back(Derive(src, metric, m.base));
    result.rows.push_back(std::move(row));
  }
  (void)dim_columns;

  // 4. Sort (the map already ordered rows by their dimension keys), limit.
  if (!d.sort.empty()) {
    const bool desc = d.sort[0] == '-';
    const std::string name = desc ? d.sort.substr(1) : d.sort;
    size_t index = 0;
    size_t pos = 0;
    for (const std::string& dim : d.dimensions) {
      if (dim == name) index = pos;
      pos += Dimension(src, dim).columns.size();
    }
    for (size_t i = 0; i < d.metrics.size(); ++i) {
      if (d.metrics[i] == name) index = pos + i;
    }
    const Column& column = result.columns[index];
    std::stable_sort(result.rows.begin(), result.rows.end(), [&](const auto& a, const auto& b) {
      int c = Compare(column, a[index], b[index]);
      return desc ? c > 0 : c < 0;
    });
  }
  result.total_rows = static_cast<int64_t>(result.rows.size());
  if (result.rows.size() > static_cast<size_t>(d.limit)) result.rows.resize(d.limit);

  // 5. Totals: the same queries over the whole range, ungrouped.
  std::map<std::string, Cell> totals;
  for (const auto& [table, metrics] : plan) {
    Query q = BuildQuery(src, *table, d, metrics, false, req, unit);
    pqxx::row row = tx.exec_params1(q.sql, pqxx::prepare::make_dynamic_params(q.params));
    for (size_t i = 0; i < metrics.size(); ++i)
      totals[metrics[i]] = ReadCell(row[static_cast<int>(i)], base_kind(metrics[i]));
  }
  for (const std::string& metric : d.metrics) result.totals.push_back(Derive(src, metric, totals));
  return result;
}

std::string CellText(const Column& column, const Cell& cell) {
  if (cell.null) return "";
  switch (column.kind) {
    case CellKind::kText:
      return cell.text;
    case CellKind::kInteger:
      return std::to_string(cell.integer);
    case CellKind::kMoney:
      return reports::MoneyCell(cell.money);
    case CellKind::kRatio:
      return reports::RatioCell(cell.ratio);
  }
  return "";
}

namespace {
void WriteCell(JsonWriter& out, const Column& column, const Cell& cell) {
  if (cell.null) {
    out.Null();
    return;
  }
  switch (column.kind) {
    case CellKind::kText:
      out.String(cell.text);
      break;
    case CellKind::kInteger:
      out.Int(cell.integer);
      break;
    case CellKind::kMoney:
      out.Money(cell.money);
      break;
    case CellKind::kRatio:
      out.Double(cell.ratio);
      break;
  }
}
std::string_view KindName(CellKind k) {
  switch (k) {
    case CellKind::kText:
      return "string";
    case CellKind::kInteger:
      return "integer";
    case CellKind::kMoney:
      return "money";
    case CellKind::kRatio:
      return "ratio";
  }
  return "string";
}
}  // namespace

void WriteCustomData(JsonWriter& out, const Definition& d, const CustomResult& r) {
  out.BeginObject();
  out.Key("columns").BeginArray();
  for (const Column& c : r.columns) {
    out.BeginObject()
        .Key("name")
        .String(c.name)
        .Key("type")
        .String(KindName(c.kind))
        .Key("metric")
        .Bool(c.is_metric)
        .EndObject();
  }
  out.EndArray();
  out.Key("totals").BeginObject();
  const size_t first_metric = r.columns.size() - d.metrics.size();
  for (size_t i = 0; i < d.metrics.size(); ++i) {
    out.Key(d.metrics[i]);
    WriteCell(out, r.columns[first_metric + i], r.totals[i]);
  }
  out.EndObject();
  out.Key("rows").BeginArray();
  for (const auto& row : r.rows) {
    out.BeginObject();
    for (size_t i = 0; i < r.columns.size(); ++i) {
      out.Key(r.columns[i].name);
      WriteCell(out, r.columns[i], row[i]);
    }
    out.EndObject();
  }
  out.EndArray();
  out.Key("total_rows").Int(r.total_rows);
  out.EndObject();
}

CsvTable CustomCsv(const CustomResult& r) {
  CsvTable t;
  for (const Column& c : r.columns) t.header.push_back(c.name);
  for (const auto& row : r.rows) {
    std::vector<std::string> cells;
    for (size_t i = 0; i < r.columns.size(); ++i) cells.push_back(CellText(r.columns[i], row[i]));
    t.rows.push_back(std::move(cells));
  }
  return t;
}

}  // namespace vecton::api::custom
