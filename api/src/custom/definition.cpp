#include "custom/definition.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

// The catalogue below is written with designated initializers that leave optional members
// (joins, fixed conditions) at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace vecton::api::custom {
namespace {

constexpr size_t kMaxListValues = 1000;
constexpr size_t kMaxStringBytes = 200;
constexpr int kMaxLimit = 1000;

// The label of a category is the one its products carry (there is no category table); any
// one product will do. `key` is a grouped column of the table.
std::string CategoryName(const std::string& key) {
  return "(SELECT cp.category_name FROM products cp WHERE cp.tenant_id = current_setting("
         "'vecton.tenant') AND cp.category_id = " +
         key + " AND cp.category_name IS NOT NULL LIMIT 1)";
}

std::vector<SourceDef> BuildSources() {
  std::vector<SourceDef> s;

  // ---- sales ----
  {
    SourceDef src{.name = "sales", .description = "orders, revenue and refunds by local day"};
    src.metrics = {
        {"orders", MetricType::kCount, "orders placed (not cancelled)", {}},
        {"revenue",
         MetricType::kMoney,
         "order totals; under a category, the category's line values",
         {}},
        {"items_sold", MetricType::kCount, "units in those orders", {}},
        {"refunds", MetricType::kMoney, "refunds dated in the range", {}},
        {"net_revenue", MetricType::kMoney, "revenue - refunds", {"revenue", "refunds"}},
        {"average_order_value", MetricType::kMoney, "revenue / orders", {"revenue", "orders"}},
        {"tax", MetricType::kMoney, "tax of the orders (order level)", {}},
        {"shipping", MetricType::kMoney, "shipping of the orders (order level)", {}},
        {"discounts", MetricType::kMoney, "discounts of the orders (order level)", {}},
        {"cancelled_orders",
         MetricType::kCount,
         "orders placed in the range and now cancelled",
         {}},
    };
    src.dimensions = {
        {"period", "the time bucket (granularity)", {"period"}},
        {"category", "product category", {"category_id", "category_name"}},
        {"channel", "sales channel of the order (web, app, ...)", {"channel"}},
        {"country", "shipping country of the order", {"country"}},
    };
    src.fields = {
        {"category_id", FieldType::kInteger, "product category"},
        {"channel", FieldType::kString, "sales channel of the order"},
        {"country", FieldType::kString, "country of the order"},
    };
    src.tables = {
        {.from = "daily_sales s",
         .tenant_col = "s.tenant_id",
         .day_col = "s.day",
         .metrics = {{"orders", "sum(s.orders)"},
                     {"revenue", "sum(s.revenue)"},
                     {"items_sold", "sum(s.items_sold)"},
                     {"refunds", "sum(s.refunds)"},
                     {"tax", "sum(s.tax)"},
                     {"shipping", "sum(s.shipping)"},
                     {"discounts", "sum(s.discounts)"},
                     {"cancelled_orders", "sum(s.cancelled_orders)"}},
         .note = "aggregate daily_sales"},
        {.from = "daily_category_sales s",
         .tenant_col = "s.tenant_id",
         .day_col = "s.day",
         .metrics = {{"orders", "sum(s.orders)"},
                     {"revenue", "sum(s.revenue)"},
                     {"items_sold", "sum(s.items_sold)"},
                     {"refunds", "sum(s.refunds)"}},
         .dimensions = {{"category",
                         {"s.category_id", "nullif(s.category_id, -1)",
                          CategoryName("s.category_id")}}},
         .fields = {{"category_id", "nullif(s.category_id, -1)"}},
         .note = "aggregate daily_category_sales"},
        {.from = "orders o",
         .tenant_col = "o.tenant_id",
         .day_col = "o.day",
         .where = "NOT o.cancelled",
         .metrics = {{"orders", "count(*)"},
                     {"revenue", "sum(o.total)"},
                     {"items_sold", "sum(o.items_sold)"},
                     {"tax", "sum(o.tax_total)"},
                     {"shipping", "sum(o.shipping_total)"},
                     {"discounts", "sum(o.discount_total)"}},
         .dimensions = {{"channel", {"o.channel", "o.channel"}},
                        {"country", {"o.country", "o.country"}}},
         .fields = {{"channel", "o.channel"}, {"country", "o.country"}},
         .note = "fact table orders (channel and country are not in the aggregates)"},
        {.from =
             "orders o JOIN order_items i ON i.tenant_id = o.tenant_id AND i.order_id = o.order_id",
         .tenant_col = "o.tenant_id",
         .day_col = "o.day",
         .where = "NOT o.cancelled",
         .metrics = {{"orders", "count(DISTINCT o.order_id)"},
                     {"revenue", "sum(i.quantity * i.unit_price)"},
                     {"items_sold", "sum(i.quantity)"}},
         .dimensions = {{"category",
                         {"i.category_id", "i.category_id", CategoryName("i.category_id")}},
                        {"channel", {"o.channel", "o.channel"}},
                        {"country", {"o.country", "o.country"}}},
         .fields = {{"category_id", "i.category_id"},
                    {"channel", "o.channel"},
                    {"country", "o.country"}},
         .note = "fact tables orders and order_items (category by channel or country)"},
    };
    s.push_back(std::move(src));
  }

  // ---- products ----
  {
    SourceDef src{.name = "products", .description = "sales per product and day"};
    src.metrics = {
        {"units_sold", MetricType::kCount, "units sold", {}},
        {"revenue", MetricType::kMoney, "line values", {}},
        {"orders", MetricType::kCount, "orders containing the product (summed over days)", {}},
        {"refunds", MetricType::kMoney, "refunds attributed to the product", {}},
        {"net_revenue", MetricType::kMoney, "revenue - refunds", {"revenue", "refunds"}},
    };
    src.dimensions = {
        {"period", "the time bucket (granularity)", {"period"}},
        {"product", "product", {"product_id", "sku", "name"}},
        {"category", "product category", {"category_id", "category_name"}},
    };
    src.fields = {
        {"product_id", FieldType::kString, "product id"},
        {"sku", FieldType::kString, "SKU"},
        {"name", FieldType::kString, "product name"},
        {"category_id", FieldType::kInteger, "product category"},
    };
    src.tables = {
        {.from = "product_metrics m LEFT JOIN products p ON p.tenant_id = m.tenant_id AND "
                 "p.product_id = m.product_id",
         .tenant_col = "m.tenant_id",
         .day_col = "m.day",
         .metrics = {{"units_sold", "sum(m.units_sold)"},
                     {"revenue", "sum(m.revenue)"},
                     {"orders", "sum(m.orders)"},
                     {"refunds", "sum(m.refunds)"}},
         .dimensions = {{"product", {"m.product_id", "m.product_id", "min(p.sku)", "min(p.name)"}},
                        {"category", {"p.category_id", "p.category_id", "min(p.category_name)"}}},
         .fields = {{"product_id", "m.product_id"},
                    {"sku", "p.sku"},
                    {"name", "p.name"},
                    {"category_id", "p.category_id"}},
         .note = "aggregate product_metrics"},
    };
    s.push_back(std::move(src));
  }

  // ---- customers ----
  {
    SourceDef src{.name = "customers", .description = "active, new and signed-up customers"};
    src.metrics = {
        {"active_customers", MetricType::kCount, "customers with an order in the bucket", {}},
        {"orders", MetricType::kCount, "their orders", {}},
        {"revenue", MetricType::kMoney, "their order totals", {}},
        {"new_customers", MetricType::kCount, "customers whose first order is in the bucket", {}},
        {"signups", MetricType::kCount, "customers created in the bucket", {}},
    };
    src.dimensions = {
        {"period", "the time bucket (granularity)", {"period"}},
        {"country", "the customer's country", {"country"}},
        {"signup_source", "where the customer signed up", {"signup_source"}},
    };
    src.fields = {
        {"country", FieldType::kString, "the customer's country"},
        {"signup_source", FieldType::kString, "where the customer signed up"},
    };
    const std::vector<std::pair<std::string, std::vector<std::string>>> dims = {
        {"country", {"c.country", "c.country"}}, {"signup_source", {"c.source", "c.source"}}};
    const std::vector<std::pair<std::string, std::string>> fields = {{"country", "c.country"},
                                                                     {"signup_source", "c.source"}};
    src.tables = {
        {.from = "customer_days d LEFT JOIN customers c ON c.tenant_id = d.tenant_id AND "
                 "c.customer_id = d.customer_id",
         .tenant_col = "d.tenant_id",
         .day_col = "d.day",
         .metrics = {{"active_customers", "count(DISTINCT d.customer_id)"},
                     {"orders", "sum(d.orders)"},
                     {"revenue", "sum(d.revenue)"}},
         .dimensions = dims,
         .fields = fields,
         .note = "aggregate customer_days"},
        {.from = "customer_metrics m LEFT JOIN customers c ON c.tenant_id = m.tenant_id AND "
                 "c.customer_id = m.customer_id",
         .tenant_col = "m.tenant_id",
         .day_col = "m.first_order_day",
         .metrics = {{"new_customers", "count(*)"}},
         .dimensions = dims,
         .fields = fields,
         .note = "aggregate customer_metrics"},
        {.from = "customers c",
         .tenant_col = "c.tenant_id",
         .day_col = "c.day",
         .metrics = {{"signups", "count(*)"}},
         .dimensions = dims,
         .fields = fields,
         .note = "customers (one row per signup)"},
    };
    s.push_back(std::move(src));
  }

  // ---- inventory ----
  {
    SourceDef src{.name = "inventory", .description = "current stock and received goods"};
    src.metrics = {
        {"products", MetricType::kCount, "products (current stock; the range does not apply)", {}},
        {"stock_units", MetricType::kCount, "units in stock now (the range does not apply)", {}},
        {"stock_value", MetricType::kMoney, "units in stock x unit cost, where known", {}},
        {"received_units", MetricType::kCount, "units received in the range", {}},
        {"received_cost", MetricType::kMoney, "cost of the units received in the range", {}},
    };
    src.dimensions = {
        {"period", "the time bucket (received goods only)", {"period"}},
        {"product", "product", {"product_id", "sku", "name"}},
        {"category", "product category", {"category_id", "category_name"}},
    };
    src.fields = {
        {"product_id", FieldType::kString, "product id"},
        {"sku", FieldType::kString, "SKU"},
        {"name", FieldType::kString, "product name"},
        {"category_id", FieldType::kInteger, "product category"},
        {"stock_level", FieldType::kInteger, "current stock level (current stock only)"},
    };
    const std::vector<std::pair<std::string, std::vector<std::string>>> dims = {
        {"product", {"p.product_id", "p.product_id", "min(p.sku)", "min(p.name)"}},
        {"category", {"p.category_id", "p.category_id", "min(p.category_name)"}}};
    src.tables = {
        {.from = "products p",
         .tenant_col = "p.tenant_id",
         .metrics = {{"products", "count(*)"},
                     {"stock_units", "sum(greatest(coalesce(p.stock_level, 0), 0))"},
                     {"stock_value",
                      "sum(CASE WHEN p.stock_level > 0 THEN p.stock_level * "
                      "p.unit_cost END)"}},
         .dimensions = dims,
         .fields = {{"product_id", "p.product_id"},
                    {"sku", "p.sku"},
                    {"name", "p.name"},
                    {"category_id", "p.category_id"},
                    {"stock_level", "p.stock_level"}},
         .note = "products (the current level of each product)"},
        {.from = "daily_receipts r LEFT JOIN products p ON p.tenant_id = r.tenant_id AND "
                 "p.product_id = r.product_id",
         .tenant_col = "r.tenant_id",
         .day_col = "r.day",
         .metrics = {{"received_units", "sum(r.received_units)"},
                     {"received_cost", "sum(r.received_cost)"}},
         .dimensions = {{"product", {"r.product_id", "r.product_id", "min(p.sku)", "min(p.name)"}},
                        {"category", {"p.category_id", "p.category_id", "min(p.category_name)"}}},
         .fields = {{"product_id", "r.product_id"},
                    {"sku", "p.sku"},
                    {"name", "p.name"},
                    {"category_id", "p.category_id"}},
         .note = "aggregate daily_receipts"},
    };
    s.push_back(std::move(src));
  }

  // ---- campaigns ----
  {
    SourceDef src{.name = "campaigns",
                  .description = "campaigns first sent in the range, with all-time results"};
    src.metrics = {
        {"recipients", MetricType::kCount, "recipients", {}},
        {"cost", MetricType::kMoney, "cost", {}},
        {"opens", MetricType::kCount, "opens", {}},
        {"unique_opens", MetricType::kCount, "distinct customers who opened", {}},
        {"attributed_orders", MetricType::kCount, "orders attributed to the campaign", {}},
        {"attributed_revenue", MetricType::kMoney, "their revenue", {}},
        {"open_rate",
         MetricType::kRatio,
         "unique_opens / recipients",
         {"unique_opens", "recipients"}},
        {"roi",
         MetricType::kRatio,
         "(attributed_revenue - cost) / cost",
         {"attributed_revenue", "cost"}},
    };
    src.dimensions = {
        {"campaign", "campaign", {"campaign_id", "campaign_name"}},
        {"channel", "campaign channel (email, sms, ...)", {"channel"}},
    };
    src.fields = {
        {"campaign_id", FieldType::kString, "campaign id"},
        {"name", FieldType::kString, "campaign name"},
        {"channel", FieldType::kString, "campaign channel"},
    };
    src.tables = {
        {.from = "campaign_metrics c",
         .tenant_col = "c.tenant_id",
         .instant_col = "c.first_sent_at",
         .metrics = {{"recipients", "sum(c.recipients)"},
                     {"cost", "sum(c.cost)"},
                     {"opens", "sum(c.opens)"},
                     {"unique_opens", "sum(c.unique_opens)"},
                     {"attributed_orders", "sum(c.attributed_orders)"},
                     {"attributed_revenue", "sum(c.attributed_revenue)"}},
         .dimensions = {{"campaign", {"c.campaign_id", "c.campaign_id", "min(c.name)"}},
                        {"channel", {"c.channel", "c.channel"}}},
         .fields = {{"campaign_id", "c.campaign_id"}, {"name", "c.name"}, {"channel", "c.channel"}},
         .note = "aggregate campaign_metrics"},
    };
    s.push_back(std::move(src));
  }
  return s;
}

template <typename T>
std::string Names(const std::vector<T>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i.name;
  return out;
}
std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

ApiError Invalid(std::string where, std::string message) {
  return ApiError::InvalidParameter(std::move(where), std::move(message));
}

struct OpInfo {
  Op op;
  std::string_view name;
  bool integer, string, list;
};
constexpr OpInfo kOps[] = {
    {Op::kEquals, "equals", true, true, false},
    {Op::kNotEquals, "not_equals", true, true, false},
    {Op::kIn, "in", true, true, true},
    {Op::kNotIn, "not_in", true, true, true},
    {Op::kGt, "gt", true, false, false},
    {Op::kGte, "gte", true, false, false},
    {Op::kLt, "lt", true, false, false},
    {Op::kLte, "lte", true, false, false},
    {Op::kContains, "contains", false, true, false},
};

std::string OpsFor(FieldType t) {
  std::string out;
  for (const OpInfo& o : kOps) {
    if (t == FieldType::kInteger ? o.integer : o.string) {
      out += (out.empty() ? "" : ", ") + std::string(o.name);
    }
  }
  return out;
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A scalar filter value of the field's type, as text.
ApiResult<std::string> FilterValue(const JsonValue& v, FieldType type, const std::string& where) {
  if (type == FieldType::kInteger) {
    std::optional<int64_t> n = v.is_number() ? v.AsInt64() : std::nullopt;
    if (!n) {
      return Invalid(where, fmt::format("{} must be an integer, got {}", where,
                                        v.is_number() ? v.text() : JsonValue::KindName(v.kind())));
    }
    return std::to_string(*n);
  }
  if (!v.is_string()) {
    return Invalid(
        where, fmt::format("{} must be a string, got {}", where, JsonValue::KindName(v.kind())));
  }
  if (v.text().empty() || v.text().size() > kMaxStringBytes) {
    return Invalid(where, fmt::format("{} must be 1 to {} bytes", where, kMaxStringBytes));
  }
  return v.text();
}

// Does `table` carry metric (directly or through what it derives from)?
bool Carries(const SourceDef& src, const TableDef& table, const std::string& metric) {
  auto has = [&](const std::string& m) {
    return std::any_of(table.metrics.begin(), table.metrics.end(),
                       [&](const auto& p) { return p.first == m; });
  };
  for (const MetricDef& def : src.metrics) {
    if (def.name != metric) continue;
    if (def.derived_from.empty()) return has(metric);
    return std::all_of(def.derived_from.begin(), def.derived_from.end(), has);
  }
  return false;
}

bool Supports(const TableDef& table, const Definition& d) {
  for (const std::string& dim : d.dimensions) {
    if (dim == "period") {
      if (table.day_col.empty()) return false;
      continue;
    }
    if (std::none_of(table.dimensions.begin(), table.dimensions.end(),
                     [&](const auto& p) { return p.first == dim; })) {
      return false;
    }
  }
  for (const Filter& f : d.filters) {
    if (std::none_of(table.fields.begin(), table.fields.end(),
                     [&](const auto& p) { return p.first == f.field; })) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<SourceDef>& Sources() {
  static const std::vector<SourceDef> sources = BuildSources();
  return sources;
}

const SourceDef* FindSource(std::string_view name) {
  for (const SourceDef& s : Sources()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string_view OpName(Op op) {
  for (const OpInfo& o : kOps) {
    if (o.op == op) return o.name;
  }
  return "equals";
}

const std::vector<std::string>& RelativeRangeNames() {
  static const std::vector<std::string> names = {
      "today",      "yesterday",      "last_7_days",  "last_30_days", "last_90_days", "this_week",
      "this_month", "previous_month", "this_quarter", "this_year",    "previous_year"};
  return names;
}

std::optional<std::pair<CivilDate, CivilDate>> ResolveRelativeRange(std::string_view name,
                                                                    CivilDate today) {
  const CivilDate month_start{today.year, today.month, 1};
  if (name == "today") return std::pair{today, today};
  if (name == "yesterday") return std::pair{today.AddDays(-1), today.AddDays(-1)};
  if (name == "last_7_days") return std::pair{today.AddDays(-6), today};
  if (name == "last_30_days") return std::pair{today.AddDays(-29), today};
  if (name == "last_90_days") return std::pair{today.AddDays(-89), today};
  if (name == "this_week") {
    return std::pair{today.WeekStart(), today};  // weeks start on Monday, as the buckets
  }
  if (name == "this_month") return std::pair{month_start, today};
  if (name == "previous_month")
    return std::pair{month_start.AddMonths(-1), month_start.AddDays(-1)};
  if (name == "this_quarter") {
    const CivilDate q{today.year, (today.month - 1) / 3 * 3 + 1, 1};
    return std::pair{q, today};
  }
  if (name == "this_year") return std::pair{CivilDate{today.year, 1, 1}, today};
  if (name == "previous_year") {
    return std::pair{CivilDate{today.year - 1, 1, 1}, CivilDate{today.year - 1, 12, 31}};
  }
  return std::nullopt;
}

ApiResult<Definition> ParseDefinition(std::string_view text) {
  Result<JsonValue> json = JsonValue::Parse(text, 16);
  if (!json) return Invalid("body", "the body must be a JSON object: " + json.error());
  return ParseDefinition(*json);
}

ApiResult<Definition> ParseDefinition(const JsonValue& json) {
  if (!json.is_object()) return Invalid("body", "the body must be a JSON object");
  static const std::vector<std::string> kMembers = {"name",       "source",  "metrics",
                                                    "dimensions", "filters", "granularity",
                                                    "range",      "sort",    "limit"};
  for (const auto& [key, value] : json.members()) {
    if (!Contains(kMembers, key)) {
      return Invalid(key.substr(0, 64), fmt::format("unknown member '{}' (allowed: {})",
                                                    key.substr(0, 64), Join(kMembers)));
    }
  }
  Definition d;

  // name, source
  const JsonValue* name = json.Find("name");
  if (!name || !name->is_string() || name->text().empty() || name->text().size() > 200) {
    return Invalid("name", "name must be a string of 1 to 200 bytes");
  }
  d.name = name->text();
  const JsonValue* source = json.Find("source");
  const std::string all_sources = Names(Sources());
  if (!source || !source->is_string()) {
    return Invalid("source", "source must be one of " + all_sources);
  }
  const SourceDef* src = FindSource(source->text());
  if (!src) {
    return Invalid("source", fmt::format("unknown source '{}' (allowed: {})",
                                         source->text().substr(0, 64), all_sources));
  }
  d.source = src->name;

  // metrics, dimensions: lists of known names, no duplicates.
  auto names = [&](const char* member, const auto& defs, bool required,
                   std::vector<std::string>& out) -> std::optional<ApiError> {
    const JsonValue* v = json.Find(member);
    if (!v) {
      if (required)
        return Invalid(member, fmt::format("{} is required (allowed: {})", member, Names(defs)));
      return std::nullopt;
    }
    if (!v->is_array() || (required && v->items().empty()) || v->items().size() > 20) {
      return Invalid(member, fmt::format("{} must be a list of 1 to 20 names (allowed: {})", member,
                                         Names(defs)));
    }
    for (size_t i = 0; i < v->items().size(); ++i) {
      const JsonValue& item = v->items()[i];
      const std::string where = fmt::format("{}[{}]", member, i);
      bool known = item.is_string() && std::any_of(defs.begin(), defs.end(), [&](const auto& def) {
                     return def.name == item.text();
                   });
      if (!known) {
        return Invalid(where,
                       fmt::format("unknown {} '{}' for source {} (allowed: {})",
                                   std::string(member).substr(0, std::string(member).size() - 1),
                                   item.is_string() ? item.text().substr(0, 64) : "?", src->name,
                                   Names(defs)));
      }
      if (Contains(out, item.text())) {
        return Invalid(where, fmt::format("{} '{}' is listed twice", member, item.text()));
      }
      out.push_back(item.text());
    }
    return std::nullopt;
  };
  if (auto e = names("metrics", src->metrics, true, d.metrics)) return *e;
  if (auto e = names("dimensions", src->dimensions, false, d.dimensions)) return *e;

  // filters
  if (const JsonValue* filters = json.Find("filters")) {
    if (!filters->is_array() || filters->items().size() > 20) {
      return Invalid("filters", "filters must be a list of at most 20 {field, op, value} objects");
    }
    for (size_t i = 0; i < filters->items().size(); ++i) {
      const JsonValue& f = filters->items()[i];
      const std::string where = fmt::format("filters[{}]", i);
      if (!f.is_object()) return Invalid(where, where + " must be an object {field, op, value}");
      for (const auto& [key, value] : f.members()) {
        if (key != "field" && key != "op" && key != "value") {
          return Invalid(
              where, fmt::format("{} has an unknown member '{}' (allowed: field, op, value)", where,
                                 key.substr(0, 64)));
        }
      }
      const JsonValue* field = f.Find("field");
      const FieldDef* def = nullptr;
      if (field && field->is_string()) {
        for (const FieldDef& fd : src->fields) {
          if (fd.name == field->text()) def = &fd;
        }
      }
      if (!def) {
        return Invalid(where + ".field",
                       fmt::format("unknown filter field '{}' for source {} (allowed: {})",
                                   field && field->is_string() ? field->text().substr(0, 64) : "?",
                                   src->name, Names(src->fields)));
      }
      Filter filter;
      filter.field = def->name;
      const JsonValue* op = f.Find("op");
      const OpInfo* info = nullptr;
      for (const OpInfo& o : kOps) {
        if (op && op->is_string() && op->text() == o.name) info = &o;
      }
      const std::string allowed_ops = OpsFor(def->type);
      if (!info) {
        return Invalid(where + ".op",
                       fmt::format("unknown operator '{}' (allowed for {}: {})",
                                   op && op->is_string() ? op->text().substr(0, 64) : "?",
                                   def->name, allowed_ops));
      }
      if (!(def->type == FieldType::kInteger ? info->integer : info->string)) {
        return Invalid(
            where + ".op",
            fmt::format("operator {} does not apply to {} (a {}; allowed: {})", info->name,
                        def->name, def->type == FieldType::kInteger ? "integer" : "string",
                        allowed_ops));
      }
      filter.op = info->op;
      const JsonValue* value = f.Find("value");
      const std::string vwhere = where + ".value";
      if (!value) return Invalid(vwhere, vwhere + " is required");
      if (info->list) {
        if (!value->is_array() || value->items().empty() ||
            value->items().size() > kMaxListValues) {
          return Invalid(
              vwhere, fmt::format("{} takes a list of 1 to {} values", info->name, kMaxListValues));
        }
        for (size_t k = 0; k < value->items().size(); ++k) {
          auto v = FilterValue(value->items()[k], def->type, fmt::format("{}[{}]", vwhere, k));
          if (auto* e = std::get_if<ApiError>(&v)) return *e;
          filter.values.push_back(std::get<std::string>(v));
        }
      } else {
        if (value->is_array()) {
          return Invalid(
              vwhere, fmt::format("{} takes one value, not a list (use in / not_in)", info->name));
        }
        auto v = FilterValue(*value, def->type, vwhere);
        if (auto* e = std::get_if<ApiError>(&v)) return *e;
        filter.values.push_back(std::get<std::string>(v));
      }
      d.filters.push_back(std::move(filter));
    }
  }

  // granularity: daily or coarser (the aggregates behind custom reports are daily).
  if (const JsonValue* g = json.Find("granularity")) {
    const std::string t = g->is_string() ? g->text() : "";
    if (t == "daily")
      d.granularity = Granularity::kDaily;
    else if (t == "weekly")
      d.granularity = Granularity::kWeekly;
    else if (t == "monthly")
      d.granularity = Granularity::kMonthly;
    else
      return Invalid("granularity", "granularity must be one of daily, weekly, monthly");
  }

  // range: a relative name or {"from", "to"} dates; default last_30_days.
  d.range.relative = "last_30_days";
  if (const JsonValue* r = json.Find("range")) {
    const std::string allowed = Join(RelativeRangeNames()) + ", or {\"from\": date, \"to\": date}";
    if (r->is_string()) {
      if (!Contains(RelativeRangeNames(), r->text())) {
        return Invalid("range", fmt::format("unknown range '{}' (allowed: {})",
                                            r->text().substr(0, 64), allowed));
      }
      d.range.relative = r->text();
    } else if (r->is_object()) {
      const JsonValue* from = r->Find("from");
      const JsonValue* to = r->Find("to");
      if (r->members().size() != 2 || !from || !to || !from->is_string() || !to->is_string()) {
        return Invalid(
            "range", "range must be {\"from\": \"2026-11-01\", \"to\": \"2026-11-30\"} or one of " +
                         Join(RelativeRangeNames()));
      }
      Result<CivilDate> f = CivilDate::Parse(from->text());
      Result<CivilDate> t = CivilDate::Parse(to->text());
      if (!f) return Invalid("range.from", "range.from must be a date (2026-11-01): " + f.error());
      if (!t) return Invalid("range.to", "range.to must be a date (2026-11-30): " + t.error());
      if (*t < *f) return Invalid("range.from", "range.from must not be after range.to");
      if (t->ToDays() - f->ToDays() >= 3660)
        return Invalid("range", "the range may span at most 3660 days");
      d.range.relative.clear();
      d.range.from = *f;
      d.range.to = *t;
    } else {
      return Invalid("range", "range must be one of " + allowed);
    }
  }

  // sort: a requested metric or dimension, '-' for descending.
  if (const JsonValue* s = json.Find("sort")) {
    std::string key = s->is_string() ? s->text() : "";
    std::string bare = !key.empty() && key[0] == '-' ? key.substr(1) : key;
    if (!Contains(d.metrics, bare) && !Contains(d.dimensions, bare)) {
      return Invalid(
          "sort",
          fmt::format("sort must be one of the report's metrics or dimensions "
                      "({}), '-' prefix for descending",
                      Join(d.metrics) + (d.dimensions.empty() ? "" : ", " + Join(d.dimensions))));
    }
    d.sort = key;
  }
  if (const JsonValue* l = json.Find("limit")) {
    std::optional<int64_t> n = l->is_number() ? l->AsInt64() : std::nullopt;
    if (!n || *n < 1 || *n > kMaxLimit) {
      return Invalid("limit", fmt::format("limit must be an integer from 1 to {}", kMaxLimit));
    }
    d.limit = static_cast<int>(*n);
  }

  // Combinations: every metric needs a table that also carries every dimension and filter.
  for (size_t i = 0; i < d.metrics.size(); ++i) {
    bool ok = std::any_of(src->tables.begin(), src->tables.end(), [&](const TableDef& t) {
      return Carries(*src, t, d.metrics[i]) && Supports(t, d);
    });
    if (ok) continue;
    // Say what this metric could be combined with.
    std::set<std::string> dims, fields;
    for (const TableDef& t : src->tables) {
      if (!Carries(*src, t, d.metrics[i])) continue;
      if (!t.day_col.empty()) dims.insert("period");
      for (const auto& [n, e] : t.dimensions) dims.insert(n);
      for (const auto& [n, e] : t.fields) fields.insert(n);
    }
    auto list = [](const std::set<std::string>& s) {
      std::string out;
      for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
      return out.empty() ? std::string("none") : out;
    };
    return Invalid(fmt::format("metrics[{}]", i),
                   fmt::format(
                       "impossible combination: metric {} of source {} cannot be combined "
                       "with dimensions [{}] and filter fields [{}] (with {}, dimensions "
                       "allowed: {}; filter fields allowed: {}; not every pair of them)",
                       d.metrics[i], src->name, Join(d.dimensions),
                       [&] {
                         std::vector<std::string> f;
                         for (const auto& x : d.filters) f.push_back(x.field);
                         return Join(f);
                       }(),
                       d.metrics[i], list(dims), list(fields)));
  }
  return d;
}

std::string DefinitionJson(const Definition& d) {
  JsonWriter w;
  w.BeginObject();
  w.Key("name").String(d.name);
  w.Key("source").String(d.source);
  w.Key("metrics").BeginArray();
  for (const auto& m : d.metrics) w.String(m);
  w.EndArray();
  w.Key("dimensions").BeginArray();
  for (const auto& m : d.dimensions) w.String(m);
  w.EndArray();
  w.Key("filters").BeginArray();
  const SourceDef* src = FindSource(d.source);
  for (const Filter& f : d.filters) {
    bool integer = false;
    for (const FieldDef& fd : src->fields) {
      if (fd.name == f.field) integer = fd.type == FieldType::kInteger;
    }
    w.BeginObject().Key("field").String(f.field).Key("op").String(OpName(f.op)).Key("value");
    auto value = [&](const std::string& v) {
      if (integer)
        w.Raw(v);
      else
        w.String(v);
    };
    if (f.op == Op::kIn || f.op == Op::kNotIn) {
      w.BeginArray();
      for (const auto& v : f.values) value(v);
      w.EndArray();
    } else {
      value(f.values.front());
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("granularity")
      .String(d.granularity == Granularity::kWeekly    ? "weekly"
              : d.granularity == Granularity::kMonthly ? "monthly"
                                                       : "daily");
  w.Key("range");
  if (d.range.relative.empty()) {
    w.BeginObject()
        .Key("from")
        .String(d.range.from.ToString())
        .Key("to")
        .String(d.range.to.ToString())
        .EndObject();
  } else {
    w.String(d.range.relative);
  }
  if (!d.sort.empty()) w.Key("sort").String(d.sort);
  w.Key("limit").Int(d.limit);
  w.EndObject();
  return w.Take();
}

void WriteCatalog(JsonWriter& out) {
  out.BeginObject();
  out.Key("sources").BeginArray();
  for (const SourceDef& src : Sources()) {
    out.BeginObject();
    out.Key("name").String(src.name);
    out.Key("description").String(src.description);
    out.Key("metrics").BeginArray();
    for (const MetricDef& m : src.metrics) {
      out.BeginObject().Key("name").String(m.name).Key("type").String(
          m.type == MetricType::kCount   ? "integer"
          : m.type == MetricType::kMoney ? "money"
                                         : "ratio");
      out.Key("description").String(m.description).EndObject();
    }
    out.EndArray();
    out.Key("dimensions").BeginArray();
    for (const DimensionDef& dim : src.dimensions) {
      out.BeginObject().Key("name").String(dim.name).Key("description").String(dim.description);
      out.Key("columns").BeginArray();
      for (const auto& c : dim.columns) out.String(c);
      out.EndArray().EndObject();
    }
    out.EndArray();
    out.Key("fields").BeginArray();
    for (const FieldDef& f : src.fields) {
      out.BeginObject()
          .Key("name")
          .String(f.name)
          .Key("type")
          .String(f.type == FieldType::kInteger ? "integer" : "string")
          .Key("description")
          .String(f.description);
      out.Key("operators").BeginArray();
      for (const OpInfo& o : kOps) {
        if (f.type == FieldType::kInteger ? o.integer : o.string) out.String(o.name);
      }
      out.EndArray().EndObject();
    }
    out.EndArray();
    // Which metrics combine with which dimensions and fields: one entry per table.
    out.Key("combinations").BeginArray();
    for (const TableDef& t : src.tables) {
      out.BeginObject();
      out.Key("table").String(t.note);
      out.Key("metrics").BeginArray();
      for (const MetricDef& m : src.metrics) {
        if (Carries(src, t, m.name)) out.String(m.name);
      }
      out.EndArray();
      out.Key("dimensions").BeginArray();
      if (!t.day_col.empty()) out.String("period");
      for (const auto& [n, e] : t.dimensions) out.String(n);
      out.EndArray();
      out.Key("fields").BeginArray();
      for (const auto& [n, e] : t.fields) out.String(n);
      out.EndArray();
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
  }
  out.EndArray();
  out.Key("operators").BeginArray();
  for (const OpInfo& o : kOps) {
    out.BeginObject().Key("name").String(o.name).Key("types").BeginArray();
    if (o.integer) out.String("integer");
    if (o.string) out.String("string");
    out.EndArray().Key("value").String(o.list ? "list" : "single").EndObject();
  }
  out.EndArray();
  out.Key("ranges").BeginArray();
  for (const auto& r : RelativeRangeNames()) out.String(r);
  out.EndArray();
  out.Key("granularities")
      .BeginArray()
      .String("daily")
      .String("weekly")
      .String("monthly")
      .EndArray();
  out.EndObject();
}

}  // namespace vecton::api::custom
