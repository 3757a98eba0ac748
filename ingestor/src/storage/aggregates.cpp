#include "storage/aggregates.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>
#include <stdexcept>
#include <vector>

#include "storage/locks.h"
#include "storage/pg_array.h"

namespace vecton::storage {
namespace {

std::string DayText(int64_t days) { return CivilDate::FromDays(days).ToString(); }

std::string MoneyText(Money m) { return m.ToString(4); }

struct ColumnSpec {
  const char* name;
  const char* type;  // of PostgreSQL
};

// An aggregate table as the deltas see it: a row whose `key` exists gets each `additive`
// column added to its own, other rows are inserted; `fixed` columns (an hour's day) are set
// on insert and never change. Every key starts with tenant_id.
struct TableSpec {
  const char* table;
  std::vector<ColumnSpec> key, fixed, additive;

  std::vector<ColumnSpec> Columns() const {
    std::vector<ColumnSpec> all = key;
    all.insert(all.end(), fixed.begin(), fixed.end());
    all.insert(all.end(), additive.begin(), additive.end());
    return all;
  }
};

const std::vector<ColumnSpec> kSalesValues = {
    {"orders", "int8"},           {"revenue", "numeric"},  {"items_sold", "int8"},
    {"tax", "numeric"},           {"shipping", "numeric"}, {"discounts", "numeric"},
    {"cancelled_orders", "int8"}, {"refunds", "numeric"}};
const std::vector<ColumnSpec> kCategoryValues = {
    {"orders", "int8"}, {"revenue", "numeric"}, {"items_sold", "int8"}, {"refunds", "numeric"}};

const TableSpec kHourlySales = {"hourly_sales",
                                {{"tenant_id", "text"}, {"hour_start", "timestamptz"}},
                                {{"day", "date"}},
                                kSalesValues};
const TableSpec kDailySales = {
    "daily_sales", {{"tenant_id", "text"}, {"day", "date"}}, {}, kSalesValues};
const TableSpec kHourlyCategories = {
    "hourly_category_sales",
    {{"tenant_id", "text"}, {"hour_start", "timestamptz"}, {"category_id", "int8"}},
    {{"day", "date"}},
    kCategoryValues};
const TableSpec kDailyCategories = {
    "daily_category_sales",
    {{"tenant_id", "text"}, {"day", "date"}, {"category_id", "int8"}},
    {},
    kCategoryValues};
const TableSpec kProducts = {
    "product_metrics",
    {{"tenant_id", "text"}, {"day", "date"}, {"product_id", "text"}},
    {},
    {{"units_sold", "int8"}, {"revenue", "numeric"}, {"orders", "int8"}, {"refunds", "numeric"}}};
const TableSpec kCustomerDays = {"customer_days",
                                 {{"tenant_id", "text"}, {"customer_id", "text"}, {"day", "date"}},
                                 {},
                                 {{"orders", "int8"}, {"revenue", "numeric"}}};
const TableSpec kCampaigns = {"campaign_metrics",
                              {{"tenant_id", "text"}, {"campaign_id", "text"}},
                              {},
                              {{"attributed_orders", "int8"}, {"attributed_revenue", "numeric"}}};

const TableSpec* const kTables[] = {&kHourlySales,     &kDailySales, &kHourlyCategories,
                                    &kDailyCategories, &kProducts,   &kCustomerDays,
                                    &kCampaigns};

// INSERT INTO the spec's table the rows of `from` (a FROM clause, maybe with a WHERE, whose
// columns are named as the table's) summed per key, adding to the rows that exist. Rows are
// written in key order, text by bytes whatever the database's collation: the order in which
// the ingest transactions lock rows too (campaign_metrics), so the two cannot deadlock.
std::string UpsertSql(const TableSpec& spec, const std::string& from) {
  std::vector<std::string> names, select, keys, set;
  std::vector<std::string> order;  // byte order for text, as the C++ maps and sets sort
  for (const ColumnSpec& c : spec.key) {
    names.emplace_back(c.name);
    keys.push_back(fmt::format("u.{}", c.name));
    select.push_back(keys.back());
    order.push_back(std::string_view(c.type) == "text" ? keys.back() + " COLLATE \"C\""
                                                       : keys.back());
  }
  for (const ColumnSpec& c : spec.fixed) {
    names.emplace_back(c.name);
    select.push_back(fmt::format("min(u.{})", c.name));
  }
  for (const ColumnSpec& c : spec.additive) {
    names.emplace_back(c.name);
    select.push_back(fmt::format("sum(u.{})", c.name));
    set.push_back(fmt::format("{0} = a.{0} + excluded.{0}", c.name));
  }
  std::vector<std::string> conflict(names.begin(), names.begin() + spec.key.size());
  return fmt::format(
      "INSERT INTO {} AS a ({}) SELECT {} FROM {} GROUP BY {} ORDER BY {} "
      "ON CONFLICT ({}) DO UPDATE SET {}",
      spec.table, fmt::join(names, ", "), fmt::join(select, ", "), from, fmt::join(keys, ", "),
      fmt::join(order, ", "), fmt::join(conflict, ", "), fmt::join(set, ", "));
}

// unnest() of one array per column of the spec, named as the table's columns; `array(i)` is
// the SQL text of the i-th array.
template <typename ArrayExpression>
std::string UnnestSql(const TableSpec& spec, ArrayExpression array) {
  std::vector<std::string> arrays, names;
  const std::vector<ColumnSpec> columns = spec.Columns();
  for (size_t i = 0; i < columns.size(); ++i) {
    arrays.push_back(fmt::format("{}::{}[]", array(i), columns[i].type));
    names.emplace_back(columns[i].name);
  }
  return fmt::format("unnest({}) AS u({})", fmt::join(arrays, ", "), fmt::join(names, ", "));
}

}  // namespace

// Delta rows for one table: one array literal per column of its spec.
struct TableRows {
  explicit TableRows(const TableSpec& s) : spec(&s), columns(s.Columns().size()) {}

  // Appends a row: the tenant, then the other columns in the spec's order.
  template <typename... Value>
  void Add(const std::string& tenant, const Value&... values) {
    if (sizeof...(values) + 1 != columns.size()) {
      throw std::logic_error(std::string("wrong number of columns for ") + spec->table);
    }
    tenants.insert(tenant);
    size_t i = 0;
    columns[i++].Add(tenant);
    (columns[i++].Add(values), ...);
  }

  const TableSpec* spec;
  std::vector<PgArray> columns;
  std::set<std::string> tenants;
};

namespace {

template <typename... Key>
void AddSales(TableRows& rows, const SalesCell& c, const Key&... key) {
  rows.Add(key..., c.orders, MoneyText(c.revenue), c.items_sold, MoneyText(c.tax),
           MoneyText(c.shipping), MoneyText(c.discounts), c.cancelled_orders, MoneyText(c.refunds));
}

template <typename... Key>
void AddCategory(TableRows& rows, const CategoryCell& c, const Key&... key) {
  rows.Add(key..., c.orders, MoneyText(c.revenue), c.items_sold, MoneyText(c.refunds));
}

}  // namespace

void AggregateDelta::RestrictToDays(CivilDate from, CivilDate to) {
  days_ = {from.ToDays(), to.ToDays()};
}

void AggregateDelta::Add(const std::string& tenant, const OrderContribution& c, int sign) {
  auto in_range = [this](const CivilDate& d) {
    if (!days_) return true;
    const int64_t n = d.ToDays();
    return n >= days_->first && n <= days_->second;
  };
  for (const auto& h : c.hourly) {
    if (!in_range(h.day)) continue;
    HourCell& cell = hourly_[{tenant, h.hour_start.micros}];
    cell.day = h.day;
    cell.cell.Add(h.cell, sign);
  }
  for (const auto& k : c.categories) {
    if (!in_range(k.day)) continue;
    CategoryHourCell& cell = categories_[{tenant, k.hour_start.micros, k.category_id}];
    cell.day = k.day;
    cell.cell.Add(k.cell, sign);
  }
  for (const auto& p : c.products) {
    if (!in_range(p.day)) continue;
    products_[{tenant, p.day.ToDays(), p.product_id}].Add(p.cell, sign);
  }
  if (c.customer_day && in_range(c.customer_day->day)) {
    CustomerDayCell& cell =
        customer_days_[{tenant, c.customer_day->customer_id, c.customer_day->day.ToDays()}];
    cell.orders += sign * c.customer_day->orders;
    cell.revenue += c.customer_day->revenue * sign;
  }
  if (c.campaign && !skip_campaigns_) {
    CampaignCell& cell = campaigns_[{tenant, c.campaign->campaign_id}];
    cell.orders += sign * c.campaign->orders;
    cell.revenue += c.campaign->revenue * sign;
  }
}

bool AggregateDelta::empty() const {
  return hourly_.empty() && categories_.empty() && products_.empty() && customer_days_.empty() &&
         campaigns_.empty();
}

std::vector<TableRows> AggregateDelta::Rows() const {
  TableRows hourly(kHourlySales), daily(kDailySales), hourly_categories(kHourlyCategories),
      daily_categories(kDailyCategories), products(kProducts), customer_days(kCustomerDays),
      campaigns(kCampaigns);
  // The daily rows are the sums of their hours.
  std::map<std::tuple<std::string, int64_t>, SalesCell> days;
  for (const auto& [k, value] : hourly_) {
    if (value.cell.IsZero()) continue;
    const auto& [t, h] = k;
    AddSales(hourly, value.cell, t, FormatUtc(Timestamp{h}), value.day.ToString());
    days[{t, value.day.ToDays()}].Add(value.cell, 1);
  }
  for (const auto& [k, cell] : days) {
    if (!cell.IsZero()) AddSales(daily, cell, std::get<0>(k), DayText(std::get<1>(k)));
  }
  std::map<std::tuple<std::string, int64_t, int64_t>, CategoryCell> category_days;
  for (const auto& [k, value] : categories_) {
    if (value.cell.IsZero()) continue;
    const auto& [t, h, c] = k;
    AddCategory(hourly_categories, value.cell, t, FormatUtc(Timestamp{h}), c, value.day.ToString());
    category_days[{t, value.day.ToDays(), c}].Add(value.cell, 1);
  }
  for (const auto& [k, cell] : category_days) {
    if (cell.IsZero()) continue;
    AddCategory(daily_categories, cell, std::get<0>(k), DayText(std::get<1>(k)), std::get<2>(k));
  }
  for (const auto& [k, cell] : products_) {
    if (cell.IsZero()) continue;
    products.Add(std::get<0>(k), DayText(std::get<1>(k)), std::get<2>(k), cell.units_sold,
                 MoneyText(cell.revenue), cell.orders, MoneyText(cell.refunds));
  }
  for (const auto& [k, cell] : customer_days_) {
    if (cell.orders == 0 && cell.revenue.is_zero()) continue;
    customer_days.Add(std::get<0>(k), std::get<1>(k), DayText(std::get<2>(k)), cell.orders,
                      MoneyText(cell.revenue));
  }
  for (const auto& [k, cell] : campaigns_) {
    if (cell.orders == 0 && cell.revenue.is_zero()) continue;
    campaigns.Add(std::get<0>(k), std::get<1>(k), cell.orders, MoneyText(cell.revenue));
  }
  std::vector<TableRows> rows;
  for (TableRows* r : {&hourly, &daily, &hourly_categories, &daily_categories, &products,
                       &customer_days, &campaigns}) {
    if (!r->tenants.empty()) rows.push_back(std::move(*r));
  }
  return rows;
}

void AggregateDelta::Write(pqxx::transaction_base& tx) const {
  for (TableRows& rows : Rows()) {
    std::vector<std::string> params;
    for (PgArray& column : rows.columns) params.push_back(column.Take());
    const std::string from =
        UnnestSql(*rows.spec, [](size_t i) { return fmt::format("${}", i + 1); });
    tx.exec_params(UpsertSql(*rows.spec, from), pqxx::prepare::make_dynamic_params(params));
  }
}

void AggregateDelta::Stage(pqxx::transaction_base& tx) const {
  for (TableRows& rows : Rows()) {
    PgArray tenants, columns;
    for (const std::string& t : rows.tenants) tenants.Add(t);
    for (PgArray& column : rows.columns) columns.Add(column.Take());
    tx.exec_params(
        "INSERT INTO aggregate_pending (target, tenants, columns) "
        "VALUES ($1, $2::text[], $3::text[])",
        std::string(rows.spec->table), tenants.Take(), columns.Take());
  }
}

std::set<std::string> FoldPending(pqxx::transaction_base& tx, int64_t max_rows) {
  static const std::string kFold = [] {
    // One statement: the deleted rows feed one upsert per table (data-modifying WITH
    // queries all run to completion), and their tenants are the result.
    std::string sql =
        "WITH p AS (DELETE FROM aggregate_pending "
        "WHERE seq - (SELECT min(seq) FROM aggregate_pending) < $1 "
        "RETURNING target, tenants, columns)";
    size_t n = 0;
    for (const TableSpec* spec : kTables) {
      const std::string from =
          "p, " + UnnestSql(*spec, [](size_t i) { return fmt::format("(p.columns[{}])", i + 1); }) +
          fmt::format(" WHERE p.target = '{}'", spec->table);
      sql += fmt::format(", w{} AS ({})", n++, UpsertSql(*spec, from));
    }
    return sql + " SELECT DISTINCT t FROM p, unnest(p.tenants) AS t";
  }();
  LockAll(tx, {LockId('f', "", "")}, /*shared=*/false);
  // Sums over many batches: room to hash them in memory.
  tx.exec("SET LOCAL work_mem = '256MB'");
  std::set<std::string> tenants;
  for (const auto& row : tx.exec_params(kFold, max_rows)) tenants.insert(row[0].c_str());
  return tenants;
}

Folded FoldOnce(pqxx::connection& conn) {
  pqxx::work tx(conn);
  Folded folded;
  folded.tenants = FoldPending(tx, kFoldRows);
  if (!folded.tenants.empty()) {
    folded.generation = tx.exec("SELECT txid_current()")[0][0].as<int64_t>();
  }
  tx.commit();
  return folded;
}

}  // namespace vecton::storage
