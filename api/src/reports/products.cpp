// The products report (/reports/products): per product sales over the range's days from
// product_metrics, with the product's dimension attributes, sorted and paged in the database.
//
// Only products with sales activity (a product_metrics row) in the range are listed. The sort
// key picks one of a fixed set of ORDER BY clauses; request text never reaches the SQL.
#include <map>
#include <string>

#include "reports/queries.h"

namespace vecton::api {

const std::vector<std::string>& ProductSortKeys() {
  static const std::vector<std::string> kKeys = {"revenue", "units_sold", "orders",
                                                 "refunds", "name",       "product_id"};
  return kKeys;
}

namespace {

constexpr std::string_view kDefaultSort = "-revenue";

// The ORDER BY clause of a validated sort key; product_id breaks ties so that pages are stable.
// Columns are qualified: the select list's money columns are text of the same names.
std::string OrderBy(std::string_view sort) {
  if (sort.empty()) sort = kDefaultSort;
  const bool descending = sort.front() == '-';
  if (descending) sort.remove_prefix(1);
  static const std::map<std::string_view, std::string_view> kColumns = {
      {"revenue", "f.revenue"}, {"units_sold", "f.units_sold"},
      {"orders", "f.orders"},   {"refunds", "f.refunds"},
      {"name", "f.name"},       {"product_id", "f.product_id"}};
  auto it = kColumns.find(sort);
  if (it == kColumns.end()) it = kColumns.find("revenue");  // the HTTP layer validated it
  std::string clause = " ORDER BY ";
  clause += it->second;
  clause += descending ? " DESC NULLS LAST" : " ASC NULLS LAST";
  if (it->first != "product_id") clause += ", f.product_id";
  return clause;
}

constexpr std::string_view kProductSales =
    "WITH m AS (SELECT product_id, sum(units_sold) AS units_sold, sum(revenue) AS revenue,"
    " sum(orders) AS orders, sum(refunds) AS refunds FROM product_metrics"
    " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
    " AND day BETWEEN $2::date AND $3::date GROUP BY product_id),"
    " f AS (SELECT m.*, p.sku, p.name, p.category_id, p.category_name FROM m"
    " LEFT JOIN products p ON p.tenant_id = $1 AND p.product_id = m.product_id"
    " WHERE NOT $4::boolean OR p.category_id = $5::bigint) ";

}  // namespace

ReportOutput ProductsReport(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out) {
  using namespace reports;  // NOLINT(google-build-using-namespace): the report's own helpers
  const std::string from = DateParam(req.range.first_day);
  const std::string to = DateParam(req.range.last_day);
  const bool has_category = req.category_id.has_value();
  const int64_t category = req.category_id.value_or(0);

  std::string count_query(kProductSales);
  count_query += "SELECT count(*) FROM f";
  const int64_t total_count =
      tx.exec_params1(count_query, req.tenant.id, from, to, has_category, category)[0]
          .as<int64_t>();

  std::string page_query(kProductSales);
  page_query +=
      "SELECT product_id, sku, name, category_id, category_name, units_sold, revenue::text,"
      " orders, refunds::text FROM f";
  page_query += OrderBy(req.sort);
  page_query += " LIMIT $6 OFFSET $7";
  pqxx::result rows = tx.exec_params(page_query, req.tenant.id, from, to, has_category, category,
                                     req.limit, req.offset);

  ReportOutput output;
  output.csv.header = {"product_id", "sku",     "name",   "category_id", "category",
                       "units_sold", "revenue", "orders", "refunds"};
  auto text = [](const pqxx::field& f) {
    return f.is_null() ? std::string() : f.as<std::string>();
  };
  out.BeginObject();
  out.Key("items").BeginArray();
  for (const pqxx::row& row : rows) {
    const Money revenue = ReadMoney(row[6]);
    const Money refunds = ReadMoney(row[8]);
    out.BeginObject();
    out.Key("product_id").String(row[0].c_str());
    out.Key("sku");
    if (row[1].is_null())
      out.Null();
    else
      out.String(row[1].c_str());
    out.Key("name");
    if (row[2].is_null())
      out.Null();
    else
      out.String(row[2].c_str());
    out.Key("category");
    if (row[4].is_null())
      out.Null();
    else
      out.String(row[4].c_str());
    out.Key("category_id");
    if (row[3].is_null())
      out.Null();
    else
      out.Int(row[3].as<int64_t>());
    out.Key("units_sold").Int(ReadInt(row[5]));
    out.Key("revenue").Money(revenue);
    out.Key("orders").Int(ReadInt(row[7]));
    out.Key("refunds").Money(refunds);
    out.EndObject();
    output.csv.rows.push_back({text(row[0]), text(row[1]), text(row[2]), text(row[3]), text(row[4]),
                               std::to_string(ReadInt(row[5])), MoneyCell(revenue),
                               std::to_string(ReadInt(row[7])), MoneyCell(refunds)});
  }
  out.EndArray();
  out.Key("total_count").Int(total_count);
  out.EndObject();
  return output;
}

}  // namespace vecton::api
