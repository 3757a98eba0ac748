// The metric rules of order_state.h, with values worked out by hand.
#include "vecton/order_state.h"

#include <doctest/doctest.h>

namespace vecton {
namespace {

Money M(const char* text) { return *Money::Parse(text); }
Timestamp T(const char* text) { return *ParseRfc3339(text); }
const TimeZone& Budapest() { return **TimeZone::Get("Europe/Budapest"); }

OrderFacts TwoLineOrder() {
  OrderFacts o;
  o.order_id = "o1";
  o.customer_id = "c1";
  o.placed_at = T("2026-11-24T23:30:00Z");  // 00:30 on the 25th in Budapest
  o.total = M("30.00");
  o.tax = M("2.00");
  o.campaign_id = "spring";
  o.lines = {{"p1", 7, 2, M("10.00")}, {"p2", kNoCategory, 1, M("10.00")}};
  return o;
}

StatusChangeFacts Change(const char* at, const char* status,
                         std::optional<Money> refund = std::nullopt, const char* id = "e") {
  return {T(at), "webshop", id, status, refund};
}

}  // namespace

TEST_CASE("the current status is the one with the latest changed_at, whatever the arrival order") {
  OrderFacts o = TwoLineOrder();
  OrderOutcome out = FoldStatus(
      o, {Change("2026-11-26T10:00:00Z", "completed"), Change("2026-11-25T10:00:00Z", "shipped")});
  CHECK(out.status == "completed");
  CHECK(out.shipped_at == T("2026-11-25T10:00:00Z"));
  CHECK(out.completed_at == T("2026-11-26T10:00:00Z"));
  CHECK_FALSE(out.cancelled);
  CHECK(FoldStatus(o, {}).status == "pending");
}

TEST_CASE("a cancelled order counts only as cancelled in the hour it was placed") {
  OrderFacts o = TwoLineOrder();
  OrderOutcome out = FoldStatus(o, {Change("2026-11-25T09:00:00Z", "refunded", M("5")),
                                    Change("2026-11-25T10:00:00Z", "cancelled")});
  CHECK(out.cancelled);
  CHECK(out.refunds.empty());
  OrderContribution c = Contribute(o, out, Budapest());
  REQUIRE(c.hourly.size() == 1);
  CHECK(c.hourly[0].cell.cancelled_orders == 1);
  CHECK(c.hourly[0].cell.orders == 0);
  CHECK(c.hourly[0].cell.revenue.is_zero());
  CHECK(c.hourly[0].day == CivilDate{2026, 11, 25});
  CHECK(c.categories.empty());
  CHECK(c.products.empty());
  CHECK_FALSE(c.customer_day.has_value());
  CHECK_FALSE(c.campaign.has_value());
}

TEST_CASE("partial refunds add up and a refund without an amount refunds what is left") {
  OrderFacts o = TwoLineOrder();
  OrderOutcome out = FoldStatus(o, {Change("2026-11-27T10:00:00Z", "refunded", std::nullopt, "b"),
                                    Change("2026-11-26T10:00:00Z", "refunded", M("12.50"), "a")});
  REQUIRE(out.refunds.size() == 2);
  CHECK(out.refunds[0].amount == M("12.50"));
  CHECK(out.refunds[1].amount == M("17.50"));  // 30.00 - 12.50
  CHECK(out.refunded_total == M("30.00"));
  // A further amount-less refund finds nothing left.
  out = FoldStatus(o, {Change("2026-11-26T10:00:00Z", "refunded", std::nullopt, "a"),
                       Change("2026-11-27T10:00:00Z", "refunded", std::nullopt, "b")});
  REQUIRE(out.refunds.size() == 1);
  CHECK(out.refunded_total == M("30.00"));
}

TEST_CASE("refunds are converted with the order's fx rate") {
  OrderFacts o = TwoLineOrder();
  o.fx_rate = 4'005'000'000'000;  // 400.5
  OrderOutcome out = FoldStatus(o, {Change("2026-11-26T10:00:00Z", "refunded", M("1.25"))});
  CHECK(out.refunded_total == M("500.625"));  // 1.25 * 400.5
}

TEST_CASE(
    "an order contributes to its placement hour and day, categories, products, customer "
    "and campaign") {
  OrderFacts o = TwoLineOrder();
  OrderContribution c = Contribute(o, FoldStatus(o, {}), Budapest());
  REQUIRE(c.hourly.size() == 1);
  CHECK(c.hourly[0].hour_start == T("2026-11-24T23:00:00Z"));
  CHECK(c.hourly[0].cell.orders == 1);
  CHECK(c.hourly[0].cell.revenue == M("30.00"));
  CHECK(c.hourly[0].cell.items_sold == 3);
  CHECK(c.hourly[0].cell.tax == M("2.00"));
  REQUIRE(c.categories.size() == 2);  // -1 (none) and 7, in key order
  CHECK(c.categories[0].category_id == kNoCategory);
  CHECK(c.categories[0].cell.revenue == M("10.00"));
  CHECK(c.categories[1].category_id == 7);
  CHECK(c.categories[1].cell.revenue == M("20.00"));
  CHECK(c.categories[1].cell.items_sold == 2);
  REQUIRE(c.products.size() == 2);
  CHECK(c.products[0].product_id == "p1");
  CHECK(c.products[0].cell.units_sold == 2);
  REQUIRE(c.customer_day.has_value());
  CHECK(c.customer_day->day == CivilDate{2026, 11, 25});
  REQUIRE(c.campaign.has_value());
  CHECK(c.campaign->revenue == M("30.00"));
}

TEST_CASE("a refund is dated on its own hour and attributed to lines by value, exactly") {
  OrderFacts o = TwoLineOrder();
  o.lines = {{"p1", 1, 1, M("10.00")}, {"p2", 2, 1, M("10.00")}, {"p3", 3, 1, M("10.00")}};
  OrderOutcome out = FoldStatus(o, {Change("2026-11-26T10:15:00Z", "refunded", M("10.00"))});
  OrderContribution c = Contribute(o, out, Budapest());
  REQUIRE(c.hourly.size() == 2);
  CHECK(c.hourly[1].hour_start == T("2026-11-26T10:00:00Z"));
  CHECK(c.hourly[1].day == CivilDate{2026, 11, 26});
  CHECK(c.hourly[1].cell.refunds == M("10.00"));
  // 10.00 / 3 = 3.3333 for the first two lines; the last takes the rest, 3.3334.
  Money sum;
  std::vector<Money> parts;
  for (const auto& k : c.categories) {
    if (!k.cell.refunds.is_zero()) parts.push_back(k.cell.refunds);
    sum += k.cell.refunds;
  }
  REQUIRE(parts.size() == 3);
  CHECK(parts[0] == M("3.3333"));
  CHECK(parts[1] == M("3.3333"));
  CHECK(parts[2] == M("3.3334"));
  CHECK(sum == M("10.00"));
}

TEST_CASE("sales cells add and take out symmetrically") {
  SalesCell a;
  a.orders = 2;
  a.revenue = M("10.5");
  SalesCell b = a;
  b.Add(a, -1);
  CHECK(b.IsZero());
}

}  // namespace vecton
