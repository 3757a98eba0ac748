#include "storage/aggregates.h"

#include "storage/pg_array.h"

namespace vecton::storage {
namespace {

std::string DayText(int64_t days) { return CivilDate::FromDays(days).ToString(); }

std::string MoneyText(Money m) { return m.ToString(4); }

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
    PgArray tenant, hour, day, orders, revenue, items, tax, shipping, discounts, cancelled, refunds;
    for (const auto& [key, value] : hourly_) {
      if (value.cell.IsZero()) continue;
      const auto& [t, h] = key;
      tenant.Add(t);
      hour.Add(FormatUtc(Timestamp{h}));
      day.Add(value.day.ToString());
      orders.Add(value.cell.orders);
      revenue.Add(MoneyText(value.cell.revenue));
      items.Add(value.cell.items_sold);
      tax.Add(MoneyText(value.cell.tax));
      shipping.Add(MoneyText(value.cell.shipping));
      discounts.Add(MoneyText(value.cell.discounts));
      cancelled.Add(value.cell.cancelled_orders);
      refunds.Add(MoneyText(value.cell.refunds));
      daily[{t, value.day.ToDays()}].Add(value.cell, 1);
    }
    if (tenant.size() > 0) {
      tx.exec_params(
          "INSERT INTO hourly_sales AS a (tenant_id, hour_start, day, orders, revenue, "
          "items_sold, tax, shipping, discounts, cancelled_orders, refunds) "
          "SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::date[], $4::int8[], "
          "$5::numeric[], $6::int8[], $7::numeric[], $8::numeric[], $9::numeric[], $10::int8[], "
          "$11::numeric[]) "
          "ON CONFLICT (tenant_id, hour_start) DO UPDATE SET "
          "orders = a.orders + excluded.orders, revenue = a.revenue + excluded.revenue, "
          "items_sold = a.items_sold + excluded.items_sold, tax = a.tax + excluded.tax, "
          "shipping = a.shipping + excluded.shipping, "
          "discounts = a.discounts + excluded.discounts, "
          "cancelled_orders = a.cancelled_orders + excluded.cancelled_orders, "
          "refunds = a.refunds + excluded.refunds",
          tenant.Take(), hour.Take(), day.Take(), orders.Take(), revenue.Take(), items.Take(),
          tax.Take(), shipping.Take(), discounts.Take(), cancelled.Take(), refunds.Take());
    }
  }
  {
    PgArray tenant, day, orders, revenue, items, tax, shipping, discounts, cancelled, refunds;
    for (const auto& [key, cell] : daily) {
      if (cell.IsZero()) continue;
      tenant.Add(std::get<0>(key));
      day.Add(DayText(std::get<1>(key)));
      orders.Add(cell.orders);
      revenue.Add(MoneyText(cell.revenue));
      items.Add(cell.items_sold);
      tax.Add(MoneyText(cell.tax));
      shipping.Add(MoneyText(cell.shipping));
      discounts.Add(MoneyText(cell.discounts));
      cancelled.Add(cell.cancelled_orders);
      refunds.Add(MoneyText(cell.refunds));
    }
    if (tenant.size() > 0) {
      tx.exec_params(
          "INSERT INTO daily_sales AS a (tenant_id, day, orders, revenue, items_sold, tax, "
          "shipping, discounts, cancelled_orders, refunds) "
          "SELECT * FROM unnest($1::text[], $2::date[], $3::int8[], $4::numeric[], $5::int8[], "
          "$6::numeric[], $7::numeric[], $8::numeric[], $9::int8[], $10::numeric[]) "
          "ON CONFLICT (tenant_id, day) DO UPDATE SET "
          "orders = a.orders + excluded.orders, revenue = a.revenue + excluded.revenue, "
          "items_sold = a.items_sold + excluded.items_sold, tax = a.tax + excluded.tax, "
          "shipping = a.shipping + excluded.shipping, "
          "discounts = a.discounts + excluded.discounts, "
          "cancelled_orders = a.cancelled_orders + excluded.cancelled_orders, "
          "refunds = a.refunds + excluded.refunds",
          tenant.Take(), day.Take(), orders.Take(), revenue.Take(), items.Take(), tax.Take(),
          shipping.Take(), discounts.Take(), cancelled.Take(), refunds.Take());
    }
  }

  // Categories, hourly and daily.
  std::map<std::tuple<std::string, int64_t, int64_t>, CategoryCell> daily_categories;
  {
    PgArray tenant, hour, category, day, orders, revenue, items, refunds;
    for (const auto& [key, value] : categories_) {
      if (value.cell.IsZero()) continue;
      const auto& [t, h, c] = key;
      tenant.Add(t);
      hour.Add(FormatUtc(Timestamp{h}));
      category.Add(c);
      day.Add(value.day.ToString());
      orders.Add(value.cell.orders);
      revenue.Add(MoneyText(value.cell.revenue));
      items.Add(value.cell.items_sold);
      refunds.Add(MoneyText(value.cell.refunds));
      daily_categories[{t, value.day.ToDays(), c}].Add(value.cell, 1);
    }
    if (tenant.size() > 0) {
      tx.exec_params(
          "INSERT INTO hourly_category_sales AS a (tenant_id, hour_start, category_id, day, "
          "orders, revenue, items_sold, refunds) "
          "SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int8[], $4::date[], "
          "$5::int8[], $6::numeric[], $7::int8[], $8::numeric[]) "
          "ON CONFLICT (tenant_id, hour_start, category_id) DO UPDATE SET "
          "orders = a.orders + excluded.orders, revenue = a.revenue + excluded.revenue, "
          "items_sold = a.items_sold + excluded.items_sold, refunds = a.refunds + excluded.refunds",
          tenant.Take(), hour.Take(), category.Take(), day.Take(), orders.Take(), revenue.Take(),
          items.Take(), refunds.Take());
    }
  }
  {
    PgArray tenant, day, category, orders, revenue, items, refunds;
    for (const auto& [key, cell] : daily_categories) {
      if (cell.IsZero()) continue;
      tenant.Add(std::get<0>(key));
      day.Add(DayText(std::get<1>(key)));
      category.Add(std::get<2>(key));
      orders.Add(cell.orders);
      revenue.Add(MoneyText(cell.revenue));
      items.Add(cell.items_sold);
      refunds.Add(MoneyText(cell.refunds));
    }
    if (tenant.size() > 0) {
      tx.exec_params(
          "INSERT INTO daily_category_sales AS a (tenant_id, day, category_id, orders, revenue, "
          "items_sold, refunds) "
          "SELECT * FROM unnest($1::text[], $2::date[], $3::int8[], $4::int8[], $5::numeric[], "
          "$6::int8[], $7::numeric[]) "
          "ON CONFLICT (tenant_id, day, category_id) DO UPDATE SET "
          "orders = a.orders + excluded.orders, revenue = a.revenue + excluded.revenue, "
          "items_sold = a.items_sold + excluded.items_sold, refunds = a.refunds + excluded.refunds",
          tenant.Take(), day.Take(), category.Take(), orders.Take(), revenue.Take(), items.Take(),
          refunds.Take());
    }
  }

  // Products per day.
  {
    PgArray tenant, day, product, units, revenue, orders, refunds;
    for (const auto& [key, cell] : products_) {
      if (cell.IsZero()) continue;
      tenant.Add(std::get<0>(key));
      day.Add(DayText(std::get<1>(key)));
      product.Add(std::get<2>(key));
      units.Add(cell.units_sold);
      revenue.Add(MoneyText(cell.revenue));
      orders.Add(cell.orders);
      refunds.Add(MoneyText(cell.refunds));
    }
    if (tenant.size() > 0) {
      tx.exec_params(
          "INSERT INTO product_metrics AS a (tenant_id, day, product_id, units_sold, revenue, "
          "orders, refunds) "
          "SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::int8[], $5::numeric[], "
          "$6::int8[], $7::numeric[]) "
          "ON CONFLICT (tenant_id, day, product_id) DO UPDATE SET "
          "units_sold = a.units_sold + excluded.units_sold, revenue = a.revenue + excluded.revenue, "
          "orders = a.orders + excluded.orders, refunds = a.refunds + excluded.refunds",
          tenant.Take(), day.Take(), product.Take(), units.Take(), revenue.Take(), orders.Take(),
          refunds.Take());
    }
  }

  // Customers per day.
  {
    PgArray tenant, customer, day, orders, revenue;
    for (const auto& [key, cell] : customer_days_) {
      if (cell.orders == 0 && cell.revenue.is_zero()) continue;
      tenant.Add(std::get<0>(key));
      customer.Add(std::get<1>(key));
      day.Add(DayText(std::get<2>(key)));
      orders.Add(cell.orders);
      revenue.Add(MoneyText(cell.revenue));
    }
    if (tenant.size() > 0) {
      tx.exec_params(
          "INSERT INTO customer_days AS a (tenant_id, customer_id, day, orders, revenue) "
          "SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::int8[], $5::numeric[]) "
          "ON CONFLICT (tenant_id, customer_id, day) DO UPDATE SET "
          "orders = a.orders + excluded.orders, revenue = a.revenue + excluded.revenue",
          tenant.Take(), customer.Take(), day.Take(), orders.Take(), revenue.Take());
    }
  }

  // Campaign attribution.
  {
    PgArray tenant, campaign, orders, revenue;
    for (const auto& [key, cell] : campaigns_) {
      if (cell.orders == 0 && cell.revenue.is_zero()) continue;
      tenant.Add(std::get<0>(key));
      campaign.Add(std::get<1>(key));
      orders.Add(cell.orders);
      revenue.Add(MoneyText(cell.revenue));
    }
    if (tenant.size() > 0) {
      tx.exec_params(
          "INSERT INTO campaign_metrics AS a (tenant_id, campaign_id, attributed_orders, "
          "attributed_revenue) "
          "SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::numeric[]) "
          "ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET "
          "attributed_orders = a.attributed_orders + excluded.attributed_orders, "
          "attributed_revenue = a.attributed_revenue + excluded.attributed_revenue",
          tenant.Take(), campaign.Take(), orders.Take(), revenue.Take());
    }
  }
}

}  // namespace vecton::storage
