// The inventory report (/reports/inventory), the inventory dashboard, and the stock reads the
// main dashboard shares.
//
// DESIGN
// The level of a product at the end of day D is its inventory_snapshots row with the greatest
// day <= D. For a range, the database returns each product's level *spans*: the last snapshot
// before the range (carried forward into it) and every snapshot inside it, each with the first
// day it holds (clamped to the range) and the day the next snapshot replaces it. One pass over
// the spans gives each product's average daily level and, through a difference array, the
// total units held at the end of every day. Days before a product's first snapshot hold 0, and
// a negative level (a backorder) holds 0 units: it is stock owed, not stock held.
//
// Choices made here:
// - Only products whose stock level was ever reported are listed.
// - Hourly granularity makes no sense for end-of-day snapshots: the series is then daily.
// - Weekly and monthly points give the level at the end of the bucket's last day in the range
//   and the units received in the bucket.
// - days_of_cover of a product with level <= 0 is 0; null without sales in the last 30 days.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "reports/queries.h"

namespace vecton::api::reports {

namespace {
constexpr int kCoverDays = 30;      // days_of_cover looks at the last 30 days of sales
constexpr int kDeadStockDays = 90;  // dead stock: no sale in 90 days
constexpr double kOverstockDays = 180;

std::optional<std::string> OptText(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return std::string(f.c_str());
}

void WriteOptString(JsonWriter& out, const std::optional<std::string>& s) {
  if (s)
    out.String(*s);
  else
    out.Null();
}
}  // namespace

std::vector<ProductStock> ReadProductStock(pqxx::transaction_base& tx, const ReportRequest& req) {
  const CivilDate today = Today(req);
  pqxx::result rows = tx.exec_params(
      "WITH s AS (SELECT product_id, sum(units_sold) FILTER (WHERE day >= $3::date) AS units,"
      " max(day) FILTER (WHERE units_sold > 0) AS last_sale FROM product_metrics"
      " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
      " AND day BETWEEN $2::date AND $4::date GROUP BY product_id)"
      " SELECT p.product_id, p.sku, p.name, p.category_id, p.category_name, p.stock_level,"
      " coalesce(p.low_stock_threshold, $5::integer), p.unit_cost::text, s.units, s.last_sale::text"
      " FROM products p LEFT JOIN s ON s.product_id = p.product_id"
      " WHERE p.tenant_id = $1 AND p.tenant_id = current_setting('vecton.tenant')"
      " AND p.stock_level IS NOT NULL ORDER BY p.product_id",
      req.tenant.id, DateParam(today.AddDays(1 - kDeadStockDays)),
      DateParam(today.AddDays(1 - kCoverDays)), DateParam(today), req.tenant.low_stock_threshold);
  std::vector<ProductStock> products;
  products.reserve(rows.size());
  for (const pqxx::row& r : rows) {
    ProductStock p;
    p.product_id = r[0].c_str();
    p.sku = OptText(r[1]);
    p.name = OptText(r[2]);
    if (!r[3].is_null()) p.category_id = r[3].as<int64_t>();
    p.category_name = OptText(r[4]);
    const int64_t level = r[5].as<int64_t>();
    const int64_t threshold = r[6].as<int64_t>();
    p.stock_level = level;
    p.status = level <= 0 ? "out_of_stock" : level <= threshold ? "low_stock" : "in_stock";
    if (!r[7].is_null()) p.unit_cost = ReadMoney(r[7]);
    p.units_sold_30d = ReadInt(r[8]);
    if (p.units_sold_30d > 0) {
      p.days_of_cover = level <= 0 ? 0.0
                                   : static_cast<double>(level) * kCoverDays /
                                         static_cast<double>(p.units_sold_30d);
    }
    if (!r[9].is_null()) p.last_sale_day = *CivilDate::Parse(r[9].c_str());
    products.push_back(std::move(p));
  }
  return products;
}

StockSummary Summarize(const std::vector<ProductStock>& products) {
  StockSummary s;
  for (const ProductStock& p : products) {
    if (p.status == "out_of_stock")
      ++s.out_of_stock;
    else if (p.status == "low_stock")
      ++s.low_stock;
    else
      ++s.in_stock;
    const int64_t level = p.stock_level.value_or(0);
    if (level <= 0) continue;
    s.stock_units += level;
    if (p.unit_cost) {
      s.stock_value += *p.unit_cost * level;
    } else {
      ++s.products_without_cost;
    }
  }
  return s;
}

void WriteStockSummaryMembers(JsonWriter& out, const StockSummary& s) {
  out.Key("in_stock").Int(s.in_stock);
  out.Key("low_stock").Int(s.low_stock);
  out.Key("out_of_stock").Int(s.out_of_stock);
  out.Key("stock_units").Int(s.stock_units);
  out.Key("stock_value").Money(s.stock_value);
  out.Key("products_without_cost").Int(s.products_without_cost);
}

namespace {

// Per product over the range's days: sum of daily levels, units sold, units received.
struct RangeStock {
  int64_t level_days = 0;  // sum over the range's days of the end-of-day level (>= 0)
  int64_t units_sold = 0;
  int64_t received_units = 0;
  Money received_cost;
};

struct InventoryRange {
  std::map<std::string, RangeStock> products;
  std::vector<int64_t> units_per_day;     // total units held at the end of each day
  std::vector<int64_t> received_per_day;  // units received that day
  Money received_cost;
};

// `only`: when set, the products to count (a category filter); the others are skipped.
InventoryRange ReadInventoryRange(pqxx::transaction_base& tx, const std::string& tenant,
                                  CivilDate first, CivilDate last,
                                  const std::set<std::string>* only) {
  auto skip = [only](const pqxx::field& product) {
    return only != nullptr && !only->contains(product.c_str());
  };
  InventoryRange out;
  const int64_t first_days = first.ToDays();
  const size_t days = static_cast<size_t>(last.ToDays() - first_days + 1);
  out.units_per_day.assign(days, 0);
  out.received_per_day.assign(days, 0);
  const std::string from = DateParam(first), to = DateParam(last);

  std::vector<int64_t> delta(days + 1, 0);
  for (const pqxx::row& r :
       tx.exec_params("WITH s AS (SELECT product_id, day, stock_level FROM inventory_snapshots"
                      " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
                      " AND day BETWEEN $2::date AND $3::date"
                      " UNION ALL SELECT p.product_id, b.day, b.stock_level FROM products p"
                      " CROSS JOIN LATERAL (SELECT i.day, i.stock_level FROM inventory_snapshots i"
                      " WHERE i.tenant_id = $1 AND i.product_id = p.product_id AND i.day < $2::date"
                      " ORDER BY i.day DESC LIMIT 1) b"
                      " WHERE p.tenant_id = $1 AND p.tenant_id = current_setting('vecton.tenant'))"
                      " SELECT product_id, greatest(day, $2::date) - $2::date,"
                      " coalesce(lead(day) OVER (PARTITION BY product_id ORDER BY day), $3::date + "
                      "1) - $2::date,"
                      " greatest(stock_level, 0) FROM s",
                      tenant, from, to)) {
    const int64_t d0 = r[1].as<int64_t>(), d1 = r[2].as<int64_t>(), level = r[3].as<int64_t>();
    if (d1 <= d0 || skip(r[0])) continue;
    out.products[r[0].c_str()].level_days += level * (d1 - d0);
    delta[static_cast<size_t>(d0)] += level;
    delta[static_cast<size_t>(d1)] -= level;
  }
  int64_t running = 0;
  for (size_t i = 0; i < days; ++i) out.units_per_day[i] = running += delta[i];

  for (const pqxx::row& r :
       tx.exec_params("SELECT product_id, sum(units_sold) FROM product_metrics"
                      " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
                      " AND day BETWEEN $2::date AND $3::date GROUP BY product_id",
                      tenant, from, to)) {
    if (skip(r[0])) continue;
    out.products[r[0].c_str()].units_sold = ReadInt(r[1]);
  }
  for (const pqxx::row& r :
       tx.exec_params("SELECT product_id, day - $2::date, received_units, received_cost::text FROM "
                      "daily_receipts"
                      " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
                      " AND day BETWEEN $2::date AND $3::date",
                      tenant, from, to)) {
    if (skip(r[0])) continue;
    RangeStock& p = out.products[r[0].c_str()];
    const int64_t units = ReadInt(r[2]);
    const Money cost = ReadMoney(r[3]);
    p.received_units += units;
    p.received_cost += cost;
    out.received_per_day[static_cast<size_t>(r[1].as<int64_t>())] += units;
    out.received_cost += cost;
  }
  return out;
}

void WriteStockList(JsonWriter& out, const std::vector<const ProductStock*>& list, int limit) {
  out.BeginObject();
  out.Key("items").BeginArray();
  for (size_t i = 0; i < list.size() && i < static_cast<size_t>(limit); ++i) {
    const ProductStock& p = *list[i];
    out.BeginObject();
    out.Key("product_id").String(p.product_id);
    out.Key("sku");
    WriteOptString(out, p.sku);
    out.Key("name");
    WriteOptString(out, p.name);
    out.Key("stock_level").Int(p.stock_level.value_or(0));
    out.Key("status").String(p.status);
    out.Key("days_of_cover");
    WriteRatio(out, p.days_of_cover);
    out.Key("last_sale_day");
    if (p.last_sale_day)
      out.String(p.last_sale_day->ToString());
    else
      out.Null();
    out.EndObject();
  }
  out.EndArray();
  out.Key("total_count").Int(static_cast<int64_t>(list.size()));
  out.EndObject();
}

}  // namespace

}  // namespace vecton::api::reports

namespace vecton::api {

ReportOutput InventoryReport(pqxx::transaction_base& tx, const ReportRequest& req,
                             JsonWriter& out) {
  using namespace reports;  // NOLINT(google-build-using-namespace): the report's own helpers
  std::vector<ProductStock> products = ReadProductStock(tx, req);
  // category_id restricts everything (list, totals, series) to the category's products.
  std::optional<std::set<std::string>> only;
  if (req.category_id) {
    only.emplace();
    for (const pqxx::row& r :
         tx.exec_params("SELECT product_id FROM products WHERE tenant_id = $1"
                        " AND tenant_id = current_setting('vecton.tenant') AND category_id = $2",
                        req.tenant.id, *req.category_id)) {
      only->insert(r[0].c_str());
    }
    std::erase_if(products, [&](const ProductStock& p) { return !only->contains(p.product_id); });
  }
  const StockSummary summary = Summarize(products);
  const CivilDate first = req.range.first_day, last = req.range.last_day;
  const InventoryRange range =
      ReadInventoryRange(tx, req.tenant.id, first, last, only ? &*only : nullptr);
  const double days = static_cast<double>(last.ToDays() - first.ToDays() + 1);

  Range series_range = req.range;
  if (series_range.granularity == Granularity::kHourly)
    series_range.granularity = Granularity::kDaily;
  const Buckets buckets = Buckets::ForRange(series_range, *req.tenant.zone);

  ReportOutput output;
  output.csv.header = {"product_id",    "sku",           "name",       "stock_level",
                       "status",        "days_of_cover", "units_sold", "average_stock",
                       "turnover_rate", "received_units"};
  int64_t units_sold = 0, received_units = 0;
  for (const auto& [id, p] : range.products) {
    units_sold += p.units_sold;
    received_units += p.received_units;
  }

  out.BeginObject();
  out.Key("totals").BeginObject();
  out.Key("products").Int(static_cast<int64_t>(products.size()));
  WriteStockSummaryMembers(out, summary);
  out.Key("units_sold").Int(units_sold);
  out.Key("received_units").Int(received_units);
  out.Key("received_cost").Money(range.received_cost);
  out.EndObject();

  out.Key("items").BeginArray();
  const size_t begin = std::min(products.size(), static_cast<size_t>(req.offset));
  const size_t end = std::min(products.size(), begin + static_cast<size_t>(req.limit));
  for (size_t i = begin; i < end; ++i) {
    const ProductStock& p = products[i];
    auto it = range.products.find(p.product_id);
    const RangeStock stock = it == range.products.end() ? RangeStock{} : it->second;
    const double average_stock = static_cast<double>(stock.level_days) / days;
    const std::optional<double> turnover =
        Ratio(static_cast<double>(stock.units_sold), average_stock);
    out.BeginObject();
    out.Key("product_id").String(p.product_id);
    out.Key("sku");
    WriteOptString(out, p.sku);
    out.Key("name");
    WriteOptString(out, p.name);
    out.Key("stock_level").Int(p.stock_level.value_or(0));
    out.Key("status").String(p.status);
    out.Key("days_of_cover");
    WriteRatio(out, p.days_of_cover);
    out.Key("units_sold").Int(stock.units_sold);
    out.Key("average_stock").Double(average_stock);
    out.Key("turnover_rate");
    WriteRatio(out, turnover);
    out.Key("received_units").Int(stock.received_units);
    out.EndObject();
    output.csv.rows.push_back({p.product_id, p.sku.value_or(""), p.name.value_or(""),
                               std::to_string(p.stock_level.value_or(0)), p.status,
                               RatioCell(p.days_of_cover), std::to_string(stock.units_sold),
                               RatioCell(average_stock), RatioCell(turnover),
                               std::to_string(stock.received_units)});
  }
  out.EndArray();
  out.Key("total_count").Int(static_cast<int64_t>(products.size()));

  out.Key("series").BeginArray();
  for (const Bucket& b : buckets.all()) {
    const int64_t d0 = std::max(b.first_day, first).ToDays() - first.ToDays();
    const int64_t d1 = std::min(b.last_day, last).ToDays() - first.ToDays();
    int64_t received = 0;
    for (int64_t d = d0; d <= d1; ++d) received += range.received_per_day[static_cast<size_t>(d)];
    out.BeginObject().Key("period").String(b.period);
    out.Key("stock_units").Int(range.units_per_day[static_cast<size_t>(d1)]);
    out.Key("received_units").Int(received);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  return output;
}

void InventoryDashboard(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out) {
  using namespace reports;  // NOLINT(google-build-using-namespace): the report's own helpers
  const std::vector<ProductStock> products = ReadProductStock(tx, req);
  const StockSummary summary = Summarize(products);
  std::vector<const ProductStock*> low, out_of_stock, overstock, dead;
  for (const ProductStock& p : products) {
    if (p.status == "low_stock") low.push_back(&p);
    if (p.status == "out_of_stock") out_of_stock.push_back(&p);
    if (p.days_of_cover && *p.days_of_cover > kOverstockDays) overstock.push_back(&p);
    // ReadProductStock looks back kDeadStockDays days for the last sale.
    if (p.stock_level.value_or(0) > 0 && !p.last_sale_day) dead.push_back(&p);
  }
  // The most urgent first: lowest levels, longest cover.
  auto by_level = [](const ProductStock* a, const ProductStock* b) {
    return std::pair(a->stock_level, a->product_id) < std::pair(b->stock_level, b->product_id);
  };
  std::sort(low.begin(), low.end(), by_level);
  std::sort(out_of_stock.begin(), out_of_stock.end(), by_level);
  std::sort(overstock.begin(), overstock.end(), [](const ProductStock* a, const ProductStock* b) {
    return std::pair(-*a->days_of_cover, a->product_id) <
           std::pair(-*b->days_of_cover, b->product_id);
  });

  out.BeginObject();
  out.Key("counts").BeginObject();
  WriteStockSummaryMembers(out, summary);
  out.EndObject();
  out.Key("stock_value").Money(summary.stock_value);
  out.Key("low_stock");
  WriteStockList(out, low, req.limit);
  out.Key("out_of_stock");
  WriteStockList(out, out_of_stock, req.limit);
  out.Key("overstock");
  WriteStockList(out, overstock, req.limit);
  out.Key("dead_stock");
  WriteStockList(out, dead, req.limit);

  out.Key("recent_receipts").BeginArray();
  for (const pqxx::row& r :
       tx.exec_params("SELECT r.product_id, p.sku, p.name, r.quantity, floor(extract(epoch FROM "
                      "r.received_at))::bigint,"
                      " r.cost::text, r.supplier_id FROM stock_receipts r LEFT JOIN products p"
                      " ON p.tenant_id = $1 AND p.product_id = r.product_id"
                      " WHERE r.tenant_id = $1 AND r.tenant_id = current_setting('vecton.tenant')"
                      " ORDER BY r.received_at DESC, r.event_id LIMIT $2",
                      req.tenant.id, req.limit)) {
    out.BeginObject();
    out.Key("product_id").String(r[0].c_str());
    out.Key("sku");
    WriteOptString(out, OptText(r[1]));
    out.Key("name");
    WriteOptString(out, OptText(r[2]));
    out.Key("quantity").Int(r[3].as<int64_t>());
    out.Key("received_at")
        .String(FormatLocal(req.tenant.zone->ToLocal(Timestamp::FromSeconds(r[4].as<int64_t>()))));
    out.Key("cost");
    if (r[5].is_null())
      out.Null();
    else
      out.Money(ReadMoney(r[5]));
    out.Key("supplier_id");
    WriteOptString(out, OptText(r[6]));
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
}

}  // namespace vecton::api
