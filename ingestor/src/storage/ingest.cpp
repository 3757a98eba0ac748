#include "storage/ingest.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "storage/aggregates.h"
#include "storage/locks.h"
#include "storage/order_store.h"
#include "storage/pg_array.h"

namespace vecton::storage {
namespace {

using EventKey = std::tuple<std::string, std::string, std::string>;  // tenant, source, id

struct Candidate {
  size_t index;
  Event event;
  std::string_view body;
  int64_t fx_rate = kFxRateOne;  // into the tenant's currency, for types with money
};

// The rate that converts `currency` into the tenant's, or the reason the event can't be taken.
Result<int64_t> ReportingRate(std::string_view type, const std::optional<std::string>& currency,
                              const std::optional<FxRate>& fx, const std::string& tenant_currency) {
  if (!currency || *currency == tenant_currency) return kFxRateOne;
  if (fx) return fx->units;
  return Error(std::string(type) + ": data.currency " + *currency +
               " differs from the tenant's reporting currency " + tenant_currency +
               " and data.fx_rate is missing");
}

Result<int64_t> RateFor(const Event& e, const std::string& tenant_currency) {
  std::string_view type = EventTypeName(e.type);
  if (const auto* o = std::get_if<OrderCreated>(&e.data)) {
    return ReportingRate(type, o->currency, o->fx_rate, tenant_currency);
  }
  if (const auto* r = std::get_if<StockReceived>(&e.data)) {
    return ReportingRate(type, r->currency, r->fx_rate, tenant_currency);
  }
  if (const auto* c = std::get_if<CampaignSent>(&e.data)) {
    return ReportingRate(type, c->currency, c->fx_rate, tenant_currency);
  }
  return kFxRateOne;
}

std::string MoneyText(Money m) { return m.ToString(4); }

// ---------------------------------------------------------------------------------------
// event_log: which events are new.

constexpr std::array<const char*, 6> kEventLogColumns = {"tenant_id", "source",     "event_id",
                                                         "type",      "event_time", "body"};

// Inserts the events that event_log does not hold yet; element i of the result tells whether
// events[i] was one of them (else it is a duplicate). Most batches hold no duplicate, so the
// whole batch first goes in by COPY in a subtransaction: a third less server time than
// INSERT ... SELECT FROM unnest(json[]) ... ON CONFLICT, which parses the array and checks and
// stakes out each key before inserting it. When a key is taken (a redelivery, or another
// ingestor's copy that committed first) the COPY fails with a unique violation and is rolled
// back, and INSERT ... ON CONFLICT DO NOTHING RETURNING tells the new events from the stored
// ones, as it always did: such a batch pays for both.
std::vector<bool> StoreEvents(pqxx::work& tx, const std::vector<Candidate>& events) {
  if (events.empty()) return {};
  try {
    CopyRows<6> rows;
    for (const Candidate& c : events) {
      rows.Add({c.event.tenant, c.event.source, c.event.id, EventTypeName(c.event.type),
                FormatUtc(c.event.time), c.body});
    }
    pqxx::subtransaction copy(tx, "event_log_copy");
    rows.Write(copy, "event_log", kEventLogColumns);
    copy.commit();
    return std::vector<bool>(events.size(), true);
  } catch (const pqxx::unique_violation&) {
    // The subtransaction rolled back to its savepoint: the transaction goes on.
  }
  PgArray tenant, source, id, type, time, body;
  for (const Candidate& c : events) {
    tenant.Add(c.event.tenant);
    source.Add(c.event.source);
    id.Add(c.event.id);
    type.Add(EventTypeName(c.event.type));
    time.Add(FormatUtc(c.event.time));
    body.Add(c.body);
  }
  pqxx::result rows = tx.exec_params(
      "INSERT INTO event_log (tenant_id, source, event_id, type, event_time, body) "
      "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
      "$5::timestamptz[], $6::json[]) "
      "ON CONFLICT DO NOTHING RETURNING tenant_id, source, event_id",
      tenant.Take(), source.Take(), id.Take(), type.Take(), time.Take(), body.Take());
  std::set<EventKey> inserted;
  for (const auto& row : rows) inserted.insert({row[0].c_str(), row[1].c_str(), row[2].c_str()});
  std::vector<bool> fresh;
  fresh.reserve(events.size());
  for (const Candidate& c : events) {
    fresh.push_back(inserted.count({c.event.tenant, c.event.source, c.event.id}) > 0);
  }
  return fresh;
}

// ---------------------------------------------------------------------------------------
// Stock: product.stock_changed and stock.received with a known level.

struct LevelObservation {
  std::string tenant, product_id, source, event_id, reason;
  Timestamp at;
  int64_t level = 0;
  std::optional<int64_t> delta;
};

bool Later(const LevelObservation& a, const LevelObservation& b) {
  return std::tie(a.at, a.source, a.event_id) > std::tie(b.at, b.source, b.event_id);
}

struct ProductAttributes {
  std::optional<std::string> sku, name, category_name;
  std::optional<int64_t> category_id, low_stock_threshold;
  void Merge(const ProductAttributes& o) {
    if (o.sku) sku = o.sku;
    if (o.name) name = o.name;
    if (o.category_name) category_name = o.category_name;
    if (o.category_id) category_id = o.category_id;
    if (o.low_stock_threshold) low_stock_threshold = o.low_stock_threshold;
  }
};

// Sets the attributes the batch gives (the last one given for each product), creating
// products not seen before. Most batches repeat what their products' rows already say, and
// rewriting a row with its own values still costs a new row version, its index entries and a
// row lock (ON CONFLICT DO UPDATE ... WHERE locks the rows it leaves alone, too): so the rows
// are compared first, and only the products that are new or whose attributes change are
// written. (A product that another ingestor changes between the comparison and the write is
// left with its value: as if this batch had come first.)
void UpsertProductAttributes(
    pqxx::transaction_base& tx,
    const std::map<std::pair<std::string, std::string>, ProductAttributes>& products) {
  if (products.empty()) return;
  PgArray tenant, product, sku, name, category_id, category_name, threshold;
  for (const auto& [key, a] : products) {
    tenant.Add(key.first);
    product.Add(key.second);
    sku.Add(a.sku);
    name.Add(a.name);
    category_id.Add(a.category_id);
    category_name.Add(a.category_name);
    threshold.Add(a.low_stock_threshold);
  }
  tx.exec_params(
      "INSERT INTO products AS p (tenant_id, product_id, sku, name, category_id, category_name, "
      "low_stock_threshold) "
      "SELECT u.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], "
      "$6::text[], $7::int4[]) "
      "AS u(tenant_id, product_id, sku, name, category_id, category_name, threshold) "
      "LEFT JOIN products s ON s.tenant_id = u.tenant_id AND s.product_id = u.product_id "
      "WHERE s.product_id IS NULL OR coalesce(u.sku, s.sku) IS DISTINCT FROM s.sku "
      "OR coalesce(u.name, s.name) IS DISTINCT FROM s.name "
      "OR coalesce(u.category_id, s.category_id) IS DISTINCT FROM s.category_id "
      "OR coalesce(u.category_name, s.category_name) IS DISTINCT FROM s.category_name "
      "OR coalesce(u.threshold, s.low_stock_threshold) IS DISTINCT FROM s.low_stock_threshold "
      // Rows locked in key order, as every writer does (the join may reorder them).
      "ORDER BY u.tenant_id COLLATE \"C\", u.product_id COLLATE \"C\" "
      "ON CONFLICT (tenant_id, product_id) DO UPDATE SET "
      "sku = coalesce(excluded.sku, p.sku), name = coalesce(excluded.name, p.name), "
      "category_id = coalesce(excluded.category_id, p.category_id), "
      "category_name = coalesce(excluded.category_name, p.category_name), "
      "low_stock_threshold = coalesce(excluded.low_stock_threshold, p.low_stock_threshold)",
      tenant.Take(), product.Take(), sku.Take(), name.Take(), category_id.Take(),
      category_name.Take(), threshold.Take());
}

void ApplyLevels(pqxx::transaction_base& tx, const std::vector<LevelObservation>& levels,
                 const std::map<std::string, TenantSettings>& tenants) {
  if (levels.empty()) return;
  // Facts.
  {
    PgArray tenant, product, at, source, event, level, delta, reason;
    for (const auto& o : levels) {
      tenant.Add(o.tenant);
      product.Add(o.product_id);
      at.Add(FormatUtc(o.at));
      source.Add(o.source);
      event.Add(o.event_id);
      level.Add(o.level);
      delta.Add(o.delta);
      reason.Add(o.reason);
    }
    tx.exec_params(
        "INSERT INTO stock_changes (tenant_id, product_id, changed_at, source, event_id, "
        "stock_level, delta, reason) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], "
        "$6::int4[], $7::int4[], $8::text[]) ON CONFLICT DO NOTHING",
        tenant.Take(), product.Take(), at.Take(), source.Take(), event.Take(), level.Take(),
        delta.Take(), reason.Take());
  }
  // The latest level per product, and per product and local day.
  std::map<std::pair<std::string, std::string>, const LevelObservation*> current;
  std::map<std::tuple<std::string, int64_t, std::string>, const LevelObservation*> daily;
  for (const auto& o : levels) {
    auto& c = current[{o.tenant, o.product_id}];
    if (c == nullptr || Later(o, *c)) c = &o;
    const int64_t day = tenants.at(o.tenant).zone->LocalDate(o.at).ToDays();
    auto& d = daily[{o.tenant, day, o.product_id}];
    if (d == nullptr || Later(o, *d)) d = &o;
  }
  // The latest observation wins; equal times go to the greater (source, event_id), as in a
  // rebuild, so the stored level never depends on the order events arrived in.
  {
    PgArray tenant, product, level, at, source, event;
    for (const auto& [key, o] : current) {
      tenant.Add(key.first);
      product.Add(key.second);
      level.Add(o->level);
      at.Add(FormatUtc(o->at));
      source.Add(o->source);
      event.Add(o->event_id);
    }
    tx.exec_params(
        "INSERT INTO products AS p (tenant_id, product_id, stock_level, stock_changed_at, "
        "stock_source, stock_event_id) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::timestamptz[], "
        "$5::text[], $6::text[]) "
        "ON CONFLICT (tenant_id, product_id) DO UPDATE SET "
        "stock_level = excluded.stock_level, stock_changed_at = excluded.stock_changed_at, "
        "stock_source = excluded.stock_source, stock_event_id = excluded.stock_event_id "
        "WHERE p.stock_changed_at IS NULL OR (excluded.stock_changed_at, excluded.stock_source, "
        "excluded.stock_event_id) > (p.stock_changed_at, p.stock_source, p.stock_event_id)",
        tenant.Take(), product.Take(), level.Take(), at.Take(), source.Take(), event.Take());
  }
  {
    PgArray tenant, day, product, level, at, source, event;
    for (const auto& [key, o] : daily) {
      tenant.Add(std::get<0>(key));
      day.Add(CivilDate::FromDays(std::get<1>(key)).ToString());
      product.Add(std::get<2>(key));
      level.Add(o->level);
      at.Add(FormatUtc(o->at));
      source.Add(o->source);
      event.Add(o->event_id);
    }
    tx.exec_params(
        "INSERT INTO inventory_snapshots AS s (tenant_id, day, product_id, stock_level, "
        "changed_at, source, event_id) "
        "SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::int4[], $5::timestamptz[], "
        "$6::text[], $7::text[]) "
        "ON CONFLICT (tenant_id, day, product_id) DO UPDATE SET "
        "stock_level = excluded.stock_level, changed_at = excluded.changed_at, "
        "source = excluded.source, event_id = excluded.event_id "
        "WHERE (excluded.changed_at, excluded.source, excluded.event_id) > "
        "(s.changed_at, s.source, s.event_id)",
        tenant.Take(), day.Take(), product.Take(), level.Take(), at.Take(), source.Take(),
        event.Take());
  }
}

// ---------------------------------------------------------------------------------------
// stock.received: receipts, their daily sums, and each product's latest unit cost.

void ApplyReceipts(pqxx::transaction_base& tx, const std::vector<const Candidate*>& receipts,
                   const std::map<std::string, TenantSettings>& tenants) {
  if (receipts.empty()) return;
  struct DayCell {
    int64_t units = 0;
    Money cost;
  };
  std::map<std::tuple<std::string, int64_t, std::string>, DayCell> daily;
  std::set<std::pair<std::string, std::string>> products;
  PgArray tenant, source, event, product, at, day, quantity, unit_cost, cost, supplier, level;
  for (const Candidate* c : receipts) {
    const auto& r = std::get<StockReceived>(c->event.data);
    const CivilDate d = tenants.at(c->event.tenant).zone->LocalDate(r.received_at);
    std::optional<Money> converted;
    std::optional<Money> line_cost;
    if (r.unit_cost) {
      converted = r.unit_cost->Convert(c->fx_rate);
      line_cost = *converted * r.quantity;
    }
    tenant.Add(c->event.tenant);
    source.Add(c->event.source);
    event.Add(c->event.id);
    product.Add(r.product_id);
    at.Add(FormatUtc(r.received_at));
    day.Add(d.ToString());
    quantity.Add(r.quantity);
    unit_cost.Add(converted ? std::optional(MoneyText(*converted)) : std::nullopt);
    cost.Add(line_cost ? std::optional(MoneyText(*line_cost)) : std::nullopt);
    supplier.Add(r.supplier_id);
    level.Add(r.stock_level);
    DayCell& cell = daily[{c->event.tenant, d.ToDays(), r.product_id}];
    cell.units += r.quantity;
    if (line_cost) cell.cost += *line_cost;
    products.insert({c->event.tenant, r.product_id});
  }
  tx.exec_params(
      "INSERT INTO stock_receipts (tenant_id, source, event_id, product_id, received_at, day, "
      "quantity, unit_cost, cost, supplier_id, stock_level) "
      "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], "
      "$6::date[], $7::int4[], $8::numeric[], $9::numeric[], $10::text[], $11::int4[]) "
      "ON CONFLICT DO NOTHING",
      tenant.Take(), source.Take(), event.Take(), product.Take(), at.Take(), day.Take(),
      quantity.Take(), unit_cost.Take(), cost.Take(), supplier.Take(), level.Take());

  PgArray dt, dd, dp, du, dc;
  for (const auto& [key, cell] : daily) {
    dt.Add(std::get<0>(key));
    dd.Add(CivilDate::FromDays(std::get<1>(key)).ToString());
    dp.Add(std::get<2>(key));
    du.Add(cell.units);
    dc.Add(MoneyText(cell.cost));
  }
  tx.exec_params(
      "INSERT INTO daily_receipts AS a (tenant_id, day, product_id, received_units, "
      "received_cost) "
      "SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::int8[], $5::numeric[]) "
      "ON CONFLICT (tenant_id, day, product_id) DO UPDATE SET "
      "received_units = a.received_units + excluded.received_units, "
      "received_cost = a.received_cost + excluded.received_cost",
      dt.Take(), dd.Take(), dp.Take(), du.Take(), dc.Take());

  PgArray pt, pp;
  for (const auto& [t, p] : products) {
    pt.Add(t);
    pp.Add(p);
  }
  tx.exec_params(
      "INSERT INTO products AS p (tenant_id, product_id, unit_cost) "
      "SELECT k.t, k.p, (SELECT r.unit_cost FROM stock_receipts r "
      "  WHERE r.tenant_id = k.t AND r.product_id = k.p AND r.unit_cost IS NOT NULL "
      "  ORDER BY r.received_at DESC, r.source DESC, r.event_id DESC LIMIT 1) "
      "FROM unnest($1::text[], $2::text[]) AS k(t, p) "
      "ON CONFLICT (tenant_id, product_id) DO UPDATE SET "
      "unit_cost = coalesce(excluded.unit_cost, p.unit_cost)",
      pt.Take(), pp.Take());
}

// ---------------------------------------------------------------------------------------
// customer.created: one signup per customer, the earliest event's.

void ApplySignups(pqxx::transaction_base& tx, const std::vector<const Candidate*>& signups,
                  const std::map<std::string, TenantSettings>& tenants) {
  if (signups.empty()) return;
  std::map<std::pair<std::string, std::string>, const Candidate*> earliest;
  for (const Candidate* c : signups) {
    const auto& s = std::get<CustomerCreated>(c->event.data);
    auto& e = earliest[{c->event.tenant, s.customer_id}];
    if (e == nullptr || s.created_at < std::get<CustomerCreated>(e->event.data).created_at) e = c;
  }
  PgArray tenant, customer, at, day, country, source, campaign;
  for (const auto& [key, c] : earliest) {
    const auto& s = std::get<CustomerCreated>(c->event.data);
    tenant.Add(key.first);
    customer.Add(key.second);
    at.Add(FormatUtc(s.created_at));
    day.Add(tenants.at(key.first).zone->LocalDate(s.created_at).ToString());
    country.Add(s.country);
    source.Add(s.source);
    campaign.Add(s.campaign_id);
  }
  tx.exec_params(
      "INSERT INTO customers AS c (tenant_id, customer_id, created_at, day, country, source, "
      "campaign_id) "
      "SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::date[], $5::text[], "
      "$6::text[], $7::text[]) "
      "ON CONFLICT (tenant_id, customer_id) DO UPDATE SET "
      "created_at = excluded.created_at, day = excluded.day, country = excluded.country, "
      "source = excluded.source, campaign_id = excluded.campaign_id "
      "WHERE excluded.created_at < c.created_at",
      tenant.Take(), customer.Take(), at.Take(), day.Take(), country.Take(), source.Take(),
      campaign.Take());
}

// ---------------------------------------------------------------------------------------
// campaign.sent and email.opened: facts, then each touched campaign recomputed from them.

void ApplyCampaignFacts(pqxx::transaction_base& tx, const std::vector<const Candidate*>& sends,
                        const std::vector<const Candidate*>& opens) {
  if (!sends.empty()) {
    PgArray tenant, source, event, campaign, name, channel, at, recipients, cost;
    for (const Candidate* c : sends) {
      const auto& s = std::get<CampaignSent>(c->event.data);
      tenant.Add(c->event.tenant);
      source.Add(c->event.source);
      event.Add(c->event.id);
      campaign.Add(s.campaign_id);
      name.Add(s.name);
      channel.Add(s.channel);
      at.Add(FormatUtc(s.sent_at));
      recipients.Add(s.recipients);
      cost.Add(s.cost ? std::optional(MoneyText(s.cost->Convert(c->fx_rate))) : std::nullopt);
    }
    tx.exec_params(
        "INSERT INTO campaign_sends (tenant_id, source, event_id, campaign_id, name, channel, "
        "sent_at, recipients, cost) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
        "$6::text[], $7::timestamptz[], $8::int8[], $9::numeric[]) ON CONFLICT DO NOTHING",
        tenant.Take(), source.Take(), event.Take(), campaign.Take(), name.Take(), channel.Take(),
        at.Take(), recipients.Take(), cost.Take());
  }
  if (!opens.empty()) {
    PgArray tenant, source, event, campaign, customer, at;
    for (const Candidate* c : opens) {
      const auto& o = std::get<EmailOpened>(c->event.data);
      tenant.Add(c->event.tenant);
      source.Add(c->event.source);
      event.Add(c->event.id);
      campaign.Add(o.campaign_id);
      customer.Add(o.customer_id);
      at.Add(FormatUtc(o.opened_at));
    }
    tx.exec_params(
        "INSERT INTO email_opens (tenant_id, source, event_id, campaign_id, customer_id, "
        "opened_at) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
        "$6::timestamptz[]) ON CONFLICT DO NOTHING",
        tenant.Take(), source.Take(), event.Take(), campaign.Take(), customer.Take(), at.Take());
  }
}

}  // namespace

BatchResult IngestBatch(pqxx::connection& conn, const std::vector<std::string_view>& bodies,
                        const IngestSettings& settings) {
  BatchResult result;

  // 1. Decode; drop second copies within the batch.
  std::vector<Candidate> candidates;
  candidates.reserve(bodies.size());
  {
    std::set<EventKey> seen;
    for (size_t i = 0; i < bodies.size(); ++i) {
      Result<Event> event = DecodeEvent(bodies[i], settings.limits);
      if (!event) {
        result.rejected.push_back({i, event.error()});
        continue;
      }
      if (!seen.insert({event->tenant, event->source, event->id}).second) {
        ++result.duplicates;
        continue;
      }
      candidates.push_back({i, std::move(*event), bodies[i]});
    }
  }
  if (candidates.empty()) return result;

  pqxx::work tx(conn);

  // 2. Tenants, their locks, and the currency rule.
  std::set<std::string> tenant_ids;
  for (const Candidate& c : candidates) tenant_ids.insert(c.event.tenant);
  auto tenants =
      EnsureTenants(tx, tenant_ids, settings.tenant_defaults, &result.registered_tenants);
  if (!tenants) throw std::runtime_error(tenants.error());
  {
    std::vector<int64_t> locks;
    for (const std::string& t : tenant_ids) locks.push_back(LockId('t', t, ""));
    LockAll(tx, locks, /*shared=*/true);
  }
  std::vector<Candidate> valid;
  valid.reserve(candidates.size());
  for (Candidate& c : candidates) {
    Result<int64_t> rate = RateFor(c.event, tenants->at(c.event.tenant).currency);
    if (!rate) {
      result.rejected.push_back({c.index, rate.error()});
      continue;
    }
    c.fx_rate = *rate;
    valid.push_back(std::move(c));
  }

  // 3. The event log decides what is new.
  const std::vector<bool> fresh = StoreEvents(tx, valid);
  std::vector<const Candidate*> orders, receipts, signups, sends, opens;
  std::vector<LevelObservation> levels;
  std::map<std::pair<std::string, std::string>, ProductAttributes> product_attributes;
  std::set<std::pair<std::string, std::string>> campaigns;
  for (size_t i = 0; i < valid.size(); ++i) {
    const Candidate& c = valid[i];
    if (!fresh[i]) {
      ++result.duplicates;
      continue;
    }
    ++result.ingested;
    result.touched_tenants.insert(c.event.tenant);
    const std::string& t = c.event.tenant;
    std::visit(
        [&](const auto& d) {
          using T = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<T, OrderCreated> || std::is_same_v<T, OrderStatusChanged>) {
            orders.push_back(&c);
          } else if constexpr (std::is_same_v<T, ProductStockChanged>) {
            levels.push_back({t, d.product_id, c.event.source, c.event.id, d.reason.value_or(""),
                              d.changed_at, d.stock_level, d.delta});
            ProductAttributes a{d.sku, d.name, d.category_name, d.category_id,
                                d.low_stock_threshold};
            product_attributes[{t, d.product_id}].Merge(a);
          } else if constexpr (std::is_same_v<T, StockReceived>) {
            receipts.push_back(&c);
            if (d.stock_level) {
              levels.push_back({t, d.product_id, c.event.source, c.event.id, "received",
                                d.received_at, *d.stock_level, d.quantity});
            }
            ProductAttributes a{d.sku, d.name, std::nullopt, std::nullopt, std::nullopt};
            product_attributes[{t, d.product_id}].Merge(a);
          } else if constexpr (std::is_same_v<T, CustomerCreated>) {
            signups.push_back(&c);
          } else if constexpr (std::is_same_v<T, CampaignSent>) {
            sends.push_back(&c);
            campaigns.insert({t, d.campaign_id});
          } else if constexpr (std::is_same_v<T, EmailOpened>) {
            opens.push_back(&c);
            campaigns.insert({t, d.campaign_id});
          }
        },
        c.event.data);
  }

  // 4.-5. Orders and everything derived from them.
  if (!orders.empty()) {
    std::vector<int64_t> locks;
    for (const Candidate* c : orders) {
      const std::string& order_id = std::holds_alternative<OrderCreated>(c->event.data)
                                        ? std::get<OrderCreated>(c->event.data).order_id
                                        : std::get<OrderStatusChanged>(c->event.data).order_id;
      locks.push_back(LockId('o', c->event.tenant, order_id));
    }
    LockAll(tx, locks, /*shared=*/false);
    OrderBatch batch(tx, *tenants);
    for (const Candidate* c : orders) {
      if (const auto* o = std::get_if<OrderCreated>(&c->event.data)) {
        batch.AddCreated(c->event, *o, c->fx_rate);
        for (const OrderItem& item : o->items) {
          ProductAttributes a{item.sku, item.name, item.category_name, item.category_id,
                              std::nullopt};
          product_attributes[{c->event.tenant, item.product_id}].Merge(a);
        }
      } else {
        batch.AddStatusChange(c->event, std::get<OrderStatusChanged>(c->event.data));
      }
    }
    AggregateDelta delta;
    std::set<std::pair<std::string, std::string>> customers;
    CustomerIncrements added;
    batch.Apply(&delta, &customers, &added);
    std::set<std::pair<std::string, std::string>> locked = customers;
    added.Keys(&locked);
    std::vector<int64_t> customer_locks;
    for (const auto& [t, c] : locked) customer_locks.push_back(LockId('c', t, c));
    LockAll(tx, customer_locks, /*shared=*/false);
    delta.Stage(tx);
    RecomputeCustomers(tx, customers);
    added.Write(tx, customers);
  }

  // 6. The other event types.
  UpsertProductAttributes(tx, product_attributes);
  ApplyLevels(tx, levels, *tenants);
  ApplyReceipts(tx, receipts, *tenants);
  ApplySignups(tx, signups, *tenants);
  {
    std::vector<int64_t> locks;
    for (const auto& [t, c] : campaigns) locks.push_back(LockId('m', t, c));
    LockAll(tx, locks, /*shared=*/false);
  }
  ApplyCampaignFacts(tx, sends, opens);
  if (!sends.empty() || !opens.empty()) {
    std::set<std::pair<std::string, std::string>> recompute;
    for (const Candidate* c : sends) {
      recompute.insert({c->event.tenant, std::get<CampaignSent>(c->event.data).campaign_id});
    }
    for (const Candidate* c : opens) {
      recompute.insert({c->event.tenant, std::get<EmailOpened>(c->event.data).campaign_id});
    }
    RecomputeCampaigns(tx, recompute);
  }

  // 7. The generation the cache will know this commit by.
  if (!result.touched_tenants.empty()) {
    result.generation = tx.exec("SELECT txid_current()")[0][0].as<int64_t>();
  }
  tx.commit();
  return result;
}

}  // namespace vecton::storage
