#include "storage/aggregates.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "storage/pg_array.h"

namespace vecton::storage {
namespace {

std::string DayText(int64_t days) { return CivilDate::FromDays(days).ToString(); }

std::string MoneyText(Money m) { return m.ToString(4); }

// One column of a batch of rows: its name, its SQL type and its values.
struct Column {
  const char* name;
  const char* type;
  PgArray values;
};

// Adds a batch of rows to `table`: rows whose `key` exists get each of `additive` added to
// theirs, the others are inserted. `key` columns come first, then `fixed` ones (set on
// insert, never changed: e.g. an hour's day), then the additive ones.
void AddRows(pqxx::transaction_base& tx, const char* table, std::vector<Column> key,
             std::vector<Column> fixed, std::vector<Column> additive) {
  if (key.front().values.size() == 0) return;
  std::vector<std::string> names, arrays, params, conflict, set;
  auto add = [&](Column& c) {
    params.push_back(c.values.Take());
    names.emplace_back(c.name);
    arrays.push_back(fmt::format("${}::{}[]", params.size(), c.type));
  };
  for (Column& c : key) {
    add(c);
    conflict.emplace_back(c.name);
  }
  for (Column& c : fixed) add(c);
  for (Column& c : additive) {
    add(c);
    set.push_back(fmt::format("{0} = a.{0} + excluded.{0}", c.name));
  }
  tx.exec_params(fmt::format("INSERT INTO {} AS a ({}) SELECT * FROM unnest({}) "
                             "ON CONFLICT ({}) DO UPDATE SET {}",
                             table, fmt::join(names, ", "), fmt::join(arrays, ", "),
                             fmt::join(conflict, ", "), fmt::join(set, ", ")),
                 pqxx::prepare::make_dynamic_params(params));
}

// The additive columns of hourly_sales and daily_sales.
std::vector<Column> SalesColumns() {
  return {{"orders", "int8", {}},           {"revenue", "numeric", {}},
          {"items_sold", "int8", {}},       {"tax", "numeric", {}},
          {"shipping", "numeric", {}},      {"discounts", "numeric", {}},
          {"cancelled_orders", "int8", {}}, {"refunds", "numeric", {}}};
}

void AddSales(std::vector<Column>& c, const SalesCell& cell) {
  c[0].values.Add(cell.orders);
  c[1].values.Add(MoneyText(cell.revenue));
  c[2].values.Add(cell.items_sold);
  c[3].values.Add(MoneyText(cell.tax));
  c[4].values.Add(MoneyText(cell.shipping));
  c[5].values.Add(MoneyText(cell.discounts));
  c[6].values.Add(cell.cancelled_orders);
  c[7].values.Add(MoneyText(cell.refunds));
}

// The additive columns of hourly_category_sales and daily_category_sales.
std::vector<Column> CategoryColumns() {
  return {{"orders", "int8", {}},
          {"revenue", "numeric", {}},
          {"items_sold", "int8", {}},
          {"refunds", "numeric", {}}};
}

void AddCategory(std::vector<Column>& c, const CategoryCell& cell) {
  c[0].values.Add(cell.orders);
  c[1].values.Add(MoneyText(cell.revenue));
  c[2].values.Add(cell.items_sold);
  c[3].values.Add(MoneyText(cell.refunds));
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

void AggregateDelta::Write(pqxx::transaction_base& tx) const {
  // Sales, hourly and daily: the daily rows are the sums of their hours.
  std::map<std::tuple<std::string, int64_t>, SalesCell> daily;
  {
    std::vector<Column> key = {{"tenant_id", "text", {}}, {"hour_start", "timestamptz", {}}};
    std::vector<Column> fixed = {{"day", "date", {}}};
    std::vector<Column> values = SalesColumns();
    for (const auto& [k, value] : hourly_) {
      if (value.cell.IsZero()) continue;
      const auto& [t, h] = k;
      key[0].values.Add(t);
      key[1].values.Add(FormatUtc(Timestamp{h}));
      fixed[0].values.Add(value.day.ToString());
      AddSales(values, value.cell);
      daily[{t, value.day.ToDays()}].Add(value.cell, 1);
    }
    AddRows(tx, "hourly_sales", std::move(key), std::move(fixed), std::move(values));
  }
  {
    std::vector<Column> key = {{"tenant_id", "text", {}}, {"day", "date", {}}};
    std::vector<Column> values = SalesColumns();
    for (const auto& [k, cell] : daily) {
      if (cell.IsZero()) continue;
      key[0].values.Add(std::get<0>(k));
      key[1].values.Add(DayText(std::get<1>(k)));
      AddSales(values, cell);
    }
    AddRows(tx, "daily_sales", std::move(key), {}, std::move(values));
  }

  // Categories, hourly and daily.
  std::map<std::tuple<std::string, int64_t, int64_t>, CategoryCell> daily_categories;
  {
    std::vector<Column> key = {
        {"tenant_id", "text", {}}, {"hour_start", "timestamptz", {}}, {"category_id", "int8", {}}};
    std::vector<Column> fixed = {{"day", "date", {}}};
    std::vector<Column> values = CategoryColumns();
    for (const auto& [k, value] : categories_) {
      if (value.cell.IsZero()) continue;
      const auto& [t, h, c] = k;
      key[0].values.Add(t);
      key[1].values.Add(FormatUtc(Timestamp{h}));
      key[2].values.Add(c);
      fixed[0].values.Add(value.day.ToString());
      AddCategory(values, value.cell);
      daily_categories[{t, value.day.ToDays(), c}].Add(value.cell, 1);
    }
    AddRows(tx, "hourly_category_sales", std::move(key), std::move(fixed), std::move(values));
  }
  {
    std::vector<Column> key = {
        {"tenant_id", "text", {}}, {"day", "date", {}}, {"category_id", "int8", {}}};
    std::vector<Column> values = CategoryColumns();
    for (const auto& [k, cell] : daily_categories) {
      if (cell.IsZero()) continue;
      key[0].values.Add(std::get<0>(k));
      key[1].values.Add(DayText(std::get<1>(k)));
      key[2].values.Add(std::get<2>(k));
      AddCategory(values, cell);
    }
    AddRows(tx, "daily_category_sales", std::move(key), {}, std::move(values));
  }

  // Products per day.
  {
    std::vector<Column> key = {
        {"tenant_id", "text", {}}, {"day", "date", {}}, {"product_id", "text", {}}};
    std::vector<Column> values = {{"units_sold", "int8", {}},
                                  {"revenue", "numeric", {}},
                                  {"orders", "int8", {}},
                                  {"refunds", "numeric", {}}};
    for (const auto& [k, cell] : products_) {
      if (cell.IsZero()) continue;
      key[0].values.Add(std::get<0>(k));
      key[1].values.Add(DayText(std::get<1>(k)));
      key[2].values.Add(std::get<2>(k));
      values[0].values.Add(cell.units_sold);
      values[1].values.Add(MoneyText(cell.revenue));
      values[2].values.Add(cell.orders);
      values[3].values.Add(MoneyText(cell.refunds));
    }
    AddRows(tx, "product_metrics", std::move(key), {}, std::move(values));
  }

  // Customers per day.
  {
    std::vector<Column> key = {
        {"tenant_id", "text", {}}, {"customer_id", "text", {}}, {"day", "date", {}}};
    std::vector<Column> values = {{"orders", "int8", {}}, {"revenue", "numeric", {}}};
    for (const auto& [k, cell] : customer_days_) {
      if (cell.orders == 0 && cell.revenue.is_zero()) continue;
      key[0].values.Add(std::get<0>(k));
      key[1].values.Add(std::get<1>(k));
      key[2].values.Add(DayText(std::get<2>(k)));
      values[0].values.Add(cell.orders);
      values[1].values.Add(MoneyText(cell.revenue));
    }
    AddRows(tx, "customer_days", std::move(key), {}, std::move(values));
  }

  // Campaign attribution.
  {
    std::vector<Column> key = {{"tenant_id", "text", {}}, {"campaign_id", "text", {}}};
    std::vector<Column> values = {{"attributed_orders", "int8", {}},
                                  {"attributed_revenue", "numeric", {}}};
    for (const auto& [k, cell] : campaigns_) {
      if (cell.orders == 0 && cell.revenue.is_zero()) continue;
      key[0].values.Add(std::get<0>(k));
      key[1].values.Add(std::get<1>(k));
      values[0].values.Add(cell.orders);
      values[1].values.Add(MoneyText(cell.revenue));
    }
    AddRows(tx, "campaign_metrics", std::move(key), {}, std::move(values));
  }
}

}  // namespace vecton::storage
