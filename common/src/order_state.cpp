#include "vecton/order_state.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace vecton {
namespace {

// Splits `amount` over `weights` in proportion; the last non-zero weight takes the rounding
// remainder so the parts add up exactly. All-zero weights: nothing is attributed.
std::vector<Money> Apportion(Money amount, const std::vector<Money>& weights) {
  std::vector<Money> parts(weights.size());
  Money sum;
  for (Money w : weights) sum += w;
  if (sum.units() <= 0) return parts;
  size_t last = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!weights[i].is_zero()) last = i;
  }
  Money given;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (i == last) break;
    parts[i] = amount.Prorate(weights[i], sum);
    given += parts[i];
  }
  parts[last] = amount - given;
  return parts;
}

}  // namespace

OrderOutcome FoldStatus(const OrderFacts& order, std::vector<StatusChangeFacts> changes) {
  std::sort(changes.begin(), changes.end(), [](const auto& a, const auto& b) {
    return std::tie(a.changed_at, a.source, a.event_id) <
           std::tie(b.changed_at, b.source, b.event_id);
  });
  OrderOutcome out;
  out.status = changes.empty() ? order.initial_status : changes.back().status;
  out.cancelled = out.status == "cancelled";
  for (const StatusChangeFacts& c : changes) {
    if (c.status == "shipped" && !out.shipped_at) out.shipped_at = c.changed_at;
    if (c.status == "completed" && !out.completed_at) out.completed_at = c.changed_at;
    if (out.cancelled) continue;
    Money amount;
    if (c.refund_amount) {
      amount = c.refund_amount->Convert(order.fx_rate);
    } else if (c.status == "refunded") {
      amount = std::max(Money(), order.total - out.refunded_total);
    }
    if (amount.is_zero()) continue;
    out.refunds.push_back({c.changed_at, amount});
    out.refunded_total += amount;
  }
  return out;
}

void SalesCell::Add(const SalesCell& o, int sign) {
  orders += sign * o.orders;
  items_sold += sign * o.items_sold;
  cancelled_orders += sign * o.cancelled_orders;
  revenue += o.revenue * sign;
  tax += o.tax * sign;
  shipping += o.shipping * sign;
  discounts += o.discounts * sign;
  refunds += o.refunds * sign;
}

bool SalesCell::IsZero() const {
  return orders == 0 && items_sold == 0 && cancelled_orders == 0 && revenue.is_zero() &&
         tax.is_zero() && shipping.is_zero() && discounts.is_zero() && refunds.is_zero();
}

void CategoryCell::Add(const CategoryCell& o, int sign) {
  orders += sign * o.orders;
  items_sold += sign * o.items_sold;
  revenue += o.revenue * sign;
  refunds += o.refunds * sign;
}

bool CategoryCell::IsZero() const {
  return orders == 0 && items_sold == 0 && revenue.is_zero() && refunds.is_zero();
}

void ProductCell::Add(const ProductCell& o, int sign) {
  units_sold += sign * o.units_sold;
  orders += sign * o.orders;
  revenue += o.revenue * sign;
  refunds += o.refunds * sign;
}

bool ProductCell::IsZero() const {
  return units_sold == 0 && orders == 0 && revenue.is_zero() && refunds.is_zero();
}

OrderContribution Contribute(const OrderFacts& order, const OrderOutcome& outcome,
                             const TimeZone& zone) {
  OrderContribution out;
  const Timestamp placed_hour = zone.HourStart(order.placed_at);
  const CivilDate placed_day = zone.LocalDate(order.placed_at);

  if (outcome.cancelled) {
    SalesCell cell;
    cell.cancelled_orders = 1;
    out.hourly.push_back({placed_hour, placed_day, cell});
    return out;
  }

  // The order itself, in the hour it was placed.
  SalesCell placed;
  placed.orders = 1;
  placed.revenue = order.total;
  placed.tax = order.tax;
  placed.shipping = order.shipping;
  placed.discounts = order.discounts;
  for (const OrderLineFacts& line : order.lines) placed.items_sold += line.quantity;
  out.hourly.push_back({placed_hour, placed_day, placed});

  // Lines grouped by category and by product (an order may list a product twice).
  std::map<int64_t, CategoryCell> by_category;
  std::map<std::string, ProductCell> by_product;
  for (const OrderLineFacts& line : order.lines) {
    Money value = line.unit_price * line.quantity;
    CategoryCell& c = by_category[line.category_id];
    c.orders = 1;
    c.items_sold += line.quantity;
    c.revenue += value;
    ProductCell& p = by_product[line.product_id];
    p.orders = 1;
    p.units_sold += line.quantity;
    p.revenue += value;
  }
  for (const auto& [category_id, cell] : by_category) {
    out.categories.push_back({placed_hour, placed_day, category_id, cell});
  }
  for (const auto& [product_id, cell] : by_product) {
    out.products.push_back({placed_day, product_id, cell});
  }

  // Refunds, each in the hour of its changed_at, attributed to categories and products.
  std::vector<Money> category_weights, product_weights;
  for (const auto& [id, cell] : by_category) category_weights.push_back(cell.revenue);
  for (const auto& [id, cell] : by_product) product_weights.push_back(cell.revenue);
  for (const Refund& refund : outcome.refunds) {
    const Timestamp hour = zone.HourStart(refund.at);
    const CivilDate day = zone.LocalDate(refund.at);
    SalesCell cell;
    cell.refunds = refund.amount;
    out.hourly.push_back({hour, day, cell});

    std::vector<Money> parts = Apportion(refund.amount, category_weights);
    size_t i = 0;
    for (const auto& [category_id, unused] : by_category) {
      CategoryCell c;
      c.refunds = parts[i++];
      if (!c.IsZero()) out.categories.push_back({hour, day, category_id, c});
    }
    parts = Apportion(refund.amount, product_weights);
    i = 0;
    for (const auto& [product_id, unused] : by_product) {
      ProductCell p;
      p.refunds = parts[i++];
      if (!p.IsZero()) out.products.push_back({day, product_id, p});
    }
  }

  if (order.customer_id) {
    out.customer_day =
        OrderContribution::CustomerDay{*order.customer_id, placed_day, 1, order.total};
  }
  if (order.campaign_id) {
    out.campaign = OrderContribution::Campaign{*order.campaign_id, 1, order.total};
  }
  return out;
}

}  // namespace vecton
