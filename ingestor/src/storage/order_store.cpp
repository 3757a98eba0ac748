#include "storage/order_store.h"

#include <array>
#include <tuple>

#include "storage/pg_array.h"

namespace vecton::storage {
namespace {

// Timestamps travel out of PostgreSQL as exact microsecond counts.
constexpr const char* kEpochUs = "(extract(epoch FROM {}) * 1000000)::int8";

std::string EpochUs(const std::string& column) {
  std::string s = kEpochUs;
  return s.replace(s.find("{}"), 2, column);
}

Money ParseStoredMoney(const pqxx::field& f) {
  if (f.is_null()) return Money();
  Result<Money> m = Money::Parse(f.c_str());
  if (!m) throw std::runtime_error("stored amount '" + std::string(f.c_str()) + "': " + m.error());
  return *m;
}

std::optional<std::string> OptionalText(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return std::string(f.c_str());
}

OrderFacts FactsFromEvent(const OrderCreated& o, int64_t rate) {
  OrderFacts f;
  f.order_id = o.order_id;
  f.customer_id = o.customer_id;
  f.placed_at = o.placed_at;
  f.initial_status = o.status;
  f.fx_rate = rate;
  f.total = o.total.Convert(rate);
  f.tax = o.tax_total.Convert(rate);
  f.shipping = o.shipping_total.Convert(rate);
  f.discounts = o.discount_total.Convert(rate);
  f.campaign_id = o.campaign_id;
  for (const OrderItem& item : o.items) {
    f.lines.push_back({item.product_id, item.category_id.value_or(kNoCategory), item.quantity,
                       item.unit_price.Convert(rate)});
  }
  return f;
}

std::optional<std::string> OptionalTime(const std::optional<Timestamp>& t) {
  if (!t) return std::nullopt;
  return FormatUtc(*t);
}

// Rows for the orders table, collected over a batch and written in one statement each.
struct OrderRows {
  PgArray tenant, order, customer, placed, day, hour, initial_status, status, currency, fx, total,
      discount, shipping, tax, items, refunded, cancelled, campaign, channel, country, shipped,
      completed, source, event;
  void Add(const std::string& t, const OrderFacts& f, const OrderOutcome& out, const TimeZone& zone,
           const Event& e, const OrderCreated& o) {
    tenant.Add(t);
    order.Add(f.order_id);
    customer.Add(f.customer_id);
    placed.Add(FormatUtc(f.placed_at));
    day.Add(zone.LocalDate(f.placed_at).ToString());
    hour.Add(FormatUtc(zone.HourStart(f.placed_at)));
    initial_status.Add(f.initial_status);
    status.Add(out.status);
    currency.Add(o.currency);
    fx.Add(o.fx_rate ? std::optional(o.fx_rate->text) : std::nullopt);
    total.Add(f.total.ToString(4));
    discount.Add(f.discounts.ToString(4));
    shipping.Add(f.shipping.ToString(4));
    tax.Add(f.tax.ToString(4));
    int64_t n = 0;
    for (const auto& line : f.lines) n += line.quantity;
    items.Add(n);
    refunded.Add(out.refunded_total.ToString(4));
    cancelled.Add(out.cancelled ? "true" : "false");
    campaign.Add(f.campaign_id);
    channel.Add(o.channel);
    country.Add(o.country);
    shipped.Add(OptionalTime(out.shipped_at));
    completed.Add(OptionalTime(out.completed_at));
    source.Add(e.source);
    event.Add(e.id);
  }
  void Write(pqxx::transaction_base& tx) {
    if (tenant.size() == 0) return;
    tx.exec_params(
        "INSERT INTO orders AS o (tenant_id, order_id, customer_id, placed_at, day, hour_start, "
        "initial_status, status, currency, fx_rate, total, discount_total, shipping_total, "
        "tax_total, items_sold, refunded_total, cancelled, campaign_id, channel, country, "
        "shipped_at, completed_at, source, event_id) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::date[], "
        "$6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::numeric[], $11::numeric[], "
        "$12::numeric[], $13::numeric[], $14::numeric[], $15::int4[], $16::numeric[], "
        "$17::bool[], $18::text[], $19::text[], $20::text[], $21::timestamptz[], "
        "$22::timestamptz[], $23::text[], $24::text[]) "
        "ON CONFLICT (tenant_id, order_id) DO UPDATE SET "
        "customer_id = excluded.customer_id, placed_at = excluded.placed_at, day = excluded.day, "
        "hour_start = excluded.hour_start, initial_status = excluded.initial_status, "
        "status = excluded.status, currency = excluded.currency, fx_rate = excluded.fx_rate, "
        "total = excluded.total, discount_total = excluded.discount_total, "
        "shipping_total = excluded.shipping_total, tax_total = excluded.tax_total, "
        "items_sold = excluded.items_sold, refunded_total = excluded.refunded_total, "
        "cancelled = excluded.cancelled, campaign_id = excluded.campaign_id, "
        "channel = excluded.channel, country = excluded.country, "
        "shipped_at = excluded.shipped_at, completed_at = excluded.completed_at, "
        "source = excluded.source, event_id = excluded.event_id",
        tenant.Take(), order.Take(), customer.Take(), placed.Take(), day.Take(), hour.Take(),
        initial_status.Take(), status.Take(), currency.Take(), fx.Take(), total.Take(),
        discount.Take(), shipping.Take(), tax.Take(), items.Take(), refunded.Take(),
        cancelled.Take(), campaign.Take(), channel.Take(), country.Take(), shipped.Take(),
        completed.Take(), source.Take(), event.Take());
  }
};

// Orders not stored before, for COPY: the batch holds their advisory locks, so nobody else
// can insert them before this transaction ends, and a plain insert cannot conflict.
constexpr std::array<const char*, 24> kOrderColumns = {
    "tenant_id",      "order_id",  "customer_id", "placed_at",      "day",       "hour_start",
    "initial_status", "status",    "currency",    "fx_rate",        "total",     "discount_total",
    "shipping_total", "tax_total", "items_sold",  "refunded_total", "cancelled", "campaign_id",
    "channel",        "country",   "shipped_at",  "completed_at",   "source",    "event_id"};

CopyRows<24>::Row NewOrderRow(const std::string& t, const OrderFacts& f, const OrderOutcome& out,
                              const TimeZone& zone, const Event& e, const OrderCreated& o) {
  int64_t items = 0;
  for (const auto& line : f.lines) items += line.quantity;
  return {t,
          f.order_id,
          f.customer_id,
          FormatUtc(f.placed_at),
          zone.LocalDate(f.placed_at).ToString(),
          FormatUtc(zone.HourStart(f.placed_at)),
          f.initial_status,
          out.status,
          o.currency,
          o.fx_rate ? CopyField(o.fx_rate->text) : CopyField(),
          f.total.ToString(4),
          f.discounts.ToString(4),
          f.shipping.ToString(4),
          f.tax.ToString(4),
          items,
          out.refunded_total.ToString(4),
          out.cancelled ? "true" : "false",
          f.campaign_id,
          o.channel,
          o.country,
          OptionalTime(out.shipped_at),
          OptionalTime(out.completed_at),
          e.source,
          e.id};
}

constexpr std::array<const char*, 10> kItemColumns = {
    "tenant_id", "order_id",    "line_no",       "product_id", "sku",
    "name",      "category_id", "category_name", "quantity",   "unit_price"};

// The derived columns of orders whose facts stayed but whose status changes did not.
struct StateRows {
  PgArray tenant, order, status, cancelled, shipped, completed, refunded;
  void Add(const std::string& t, const std::string& order_id, const OrderOutcome& out) {
    tenant.Add(t);
    order.Add(order_id);
    status.Add(out.status);
    cancelled.Add(out.cancelled ? "true" : "false");
    shipped.Add(OptionalTime(out.shipped_at));
    completed.Add(OptionalTime(out.completed_at));
    refunded.Add(out.refunded_total.ToString(4));
  }
  void Write(pqxx::transaction_base& tx) {
    if (tenant.size() == 0) return;
    tx.exec_params(
        "UPDATE orders AS o SET status = u.status, cancelled = u.cancelled, "
        "shipped_at = u.shipped_at, completed_at = u.completed_at, "
        "refunded_total = u.refunded_total "
        "FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::timestamptz[], "
        "$6::timestamptz[], $7::numeric[]) "
        "AS u(tenant_id, order_id, status, cancelled, shipped_at, completed_at, refunded_total) "
        "WHERE o.tenant_id = u.tenant_id AND o.order_id = u.order_id",
        tenant.Take(), order.Take(), status.Take(), cancelled.Take(), shipped.Take(),
        completed.Take(), refunded.Take());
  }
};

bool Wins(const OrderCreated& candidate, const Event& e, const Timestamp& placed_at,
          const std::string& source, const std::string& event_id) {
  return std::tie(candidate.placed_at, e.source, e.id) > std::tie(placed_at, source, event_id);
}

}  // namespace

OrderBatch::OrderBatch(pqxx::transaction_base& tx,
                       const std::map<std::string, TenantSettings>& tenants, Mode mode)
    : tx_(tx), tenants_(tenants), mode_(mode) {}

void OrderBatch::AddCreated(const Event& event, const OrderCreated& order, int64_t fx_rate) {
  Pending& p = orders_[{event.tenant, order.order_id}];
  if (!p.created || Wins(order, event, p.created->order->placed_at, p.created->event->source,
                         p.created->event->id)) {
    p.created = Created{&event, &order, fx_rate};
  }
}

void OrderBatch::AddStatusChange(const Event& event, const OrderStatusChanged& change) {
  orders_[{event.tenant, change.order_id}].new_changes.push_back({&event, &change});
}

void OrderBatch::AddStored(const std::string& tenant, const std::string& order_id) {
  orders_[{tenant, order_id}];
}

void OrderBatch::LoadStored() {
  PgArray tenant_keys, order_keys;
  for (const auto& [key, p] : orders_) {
    tenant_keys.Add(key.first);
    order_keys.Add(key.second);
  }
  const std::string tenants = tenant_keys.Take();
  const std::string ids = order_keys.Take();

  pqxx::result rows = tx_.exec_params(
      "SELECT o.tenant_id, o.order_id, o.customer_id, " + EpochUs("o.placed_at") +
          ", o.initial_status, coalesce((o.fx_rate * 10000000000)::int8, 10000000000), "
          "o.total::text, o.tax_total::text, o.shipping_total::text, o.discount_total::text, "
          "o.campaign_id, o.source, o.event_id "
          "FROM unnest($1::text[], $2::text[]) AS k(t, o) "
          "JOIN orders o ON o.tenant_id = k.t AND o.order_id = k.o",
      tenants, ids);
  for (const auto& r : rows) {
    Stored s;
    s.facts.order_id = r[1].c_str();
    s.facts.customer_id = OptionalText(r[2]);
    s.facts.placed_at = Timestamp{r[3].as<int64_t>()};
    s.facts.initial_status = r[4].c_str();
    s.facts.fx_rate = r[5].as<int64_t>();
    s.facts.total = ParseStoredMoney(r[6]);
    s.facts.tax = ParseStoredMoney(r[7]);
    s.facts.shipping = ParseStoredMoney(r[8]);
    s.facts.discounts = ParseStoredMoney(r[9]);
    s.facts.campaign_id = OptionalText(r[10]);
    s.source = r[11].c_str();
    s.event_id = r[12].c_str();
    orders_.at({r[0].c_str(), s.facts.order_id}).stored = std::move(s);
  }
  if (!rows.empty()) {
    pqxx::result items = tx_.exec_params(
        "SELECT i.tenant_id, i.order_id, i.product_id, coalesce(i.category_id, -1), i.quantity, "
        "i.unit_price::text "
        "FROM unnest($1::text[], $2::text[]) AS k(t, o) "
        "JOIN order_items i ON i.tenant_id = k.t AND i.order_id = k.o "
        "ORDER BY i.tenant_id, i.order_id, i.line_no",
        tenants, ids);
    for (const auto& r : items) {
      Pending& p = orders_.at({r[0].c_str(), r[1].c_str()});
      p.stored->facts.lines.push_back(
          {r[2].c_str(), r[3].as<int64_t>(), r[4].as<int64_t>(), ParseStoredMoney(r[5])});
    }
  }
  pqxx::result changes =
      tx_.exec_params("SELECT c.tenant_id, c.order_id, " + EpochUs("c.changed_at") +
                          ", c.source, c.event_id, c.status, c.refund_amount::text "
                          "FROM unnest($1::text[], $2::text[]) AS k(t, o) "
                          "JOIN order_status_changes c ON c.tenant_id = k.t AND c.order_id = k.o",
                      tenants, ids);
  for (const auto& r : changes) {
    Pending& p = orders_.at({r[0].c_str(), r[1].c_str()});
    std::optional<Money> refund;
    if (!r[6].is_null()) refund = ParseStoredMoney(r[6]);
    p.stored_changes.push_back(
        {Timestamp{r[2].as<int64_t>()}, r[3].c_str(), r[4].c_str(), r[5].c_str(), refund});
  }
}

void OrderBatch::Apply(AggregateDelta* delta, std::set<TenantKey>* customers,
                       CustomerIncrements* added) {
  if (orders_.empty()) return;
  LoadStored();

  OrderRows order_rows;  // replacing a stored order
  CopyRows<24> new_orders;
  StateRows state_rows;
  PgArray replaced_tenant, replaced_order;  // orders whose items are rewritten
  CopyRows<10> lines;  // of new and replaced orders alike (the replaced ones are deleted first)
  PgArray change_tenant, change_order, change_at, change_source, change_event, change_status,
      change_previous, change_refund;

  for (auto& [key, p] : orders_) {
    const std::string& tenant = key.first;
    const TimeZone& zone = *tenants_.at(tenant).zone;

    for (const auto& [event, change] : p.new_changes) {
      change_tenant.Add(tenant);
      change_order.Add(change->order_id);
      change_at.Add(FormatUtc(change->changed_at));
      change_source.Add(event->source);
      change_event.Add(event->id);
      change_status.Add(change->status);
      change_previous.Add(change->previous_status);
      change_refund.Add(change->refund_amount ? std::optional(change->refund_amount->ToString(4))
                                              : std::nullopt);
    }

    if (p.stored && mode_ == Mode::kIngest) {
      OrderOutcome before = FoldStatus(p.stored->facts, p.stored_changes);
      delta->Add(tenant, Contribute(p.stored->facts, before, zone), -1);
      if (p.stored->facts.customer_id) customers->insert({tenant, *p.stored->facts.customer_id});
    }

    const bool replace = p.created && (!p.stored || Wins(*p.created->order, *p.created->event,
                                                         p.stored->facts.placed_at,
                                                         p.stored->source, p.stored->event_id));
    std::optional<OrderFacts> after;
    if (replace) {
      after = FactsFromEvent(*p.created->order, p.created->fx_rate);
    } else if (p.stored) {
      after = p.stored->facts;
    }
    if (!after) continue;  // a status change for an order not seen yet: kept for later

    std::vector<StatusChangeFacts> changes = p.stored_changes;
    for (const auto& [event, change] : p.new_changes) {
      changes.push_back(
          {change->changed_at, event->source, event->id, change->status, change->refund_amount});
    }
    OrderOutcome outcome = FoldStatus(*after, std::move(changes));
    delta->Add(tenant, Contribute(*after, outcome, zone), +1);
    if (after->customer_id) {
      if (added != nullptr && !p.stored) {
        added->Add(tenant, *after, outcome, zone.LocalDate(after->placed_at));
      } else {
        customers->insert({tenant, *after->customer_id});
      }
    }

    if (!replace) {
      state_rows.Add(tenant, after->order_id, outcome);
      continue;
    }
    if (p.stored) {
      order_rows.Add(tenant, *after, outcome, zone, *p.created->event, *p.created->order);
      replaced_tenant.Add(tenant);
      replaced_order.Add(after->order_id);
    } else {
      new_orders.Add(
          NewOrderRow(tenant, *after, outcome, zone, *p.created->event, *p.created->order));
    }
    int64_t n = 0;
    for (const OrderItem& item : p.created->order->items) {
      lines.Add({tenant, after->order_id, ++n, item.product_id, item.sku, item.name,
                 item.category_id, item.category_name, int64_t{item.quantity},
                 item.unit_price.Convert(p.created->fx_rate).ToString(4)});
    }
  }

  order_rows.Write(tx_);
  new_orders.Write(tx_, "orders", kOrderColumns);
  state_rows.Write(tx_);
  if (replaced_tenant.size() > 0) {
    tx_.exec_params(
        "DELETE FROM order_items i USING unnest($1::text[], $2::text[]) AS k(t, o) "
        "WHERE i.tenant_id = k.t AND i.order_id = k.o",
        replaced_tenant.Take(), replaced_order.Take());
  }
  lines.Write(tx_, "order_items", kItemColumns);
  if (change_tenant.size() > 0) {
    tx_.exec_params(
        "INSERT INTO order_status_changes (tenant_id, order_id, changed_at, source, event_id, "
        "status, previous_status, refund_amount) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], "
        "$6::text[], $7::text[], $8::numeric[]) ON CONFLICT DO NOTHING",
        change_tenant.Take(), change_order.Take(), change_at.Take(), change_source.Take(),
        change_event.Take(), change_status.Take(), change_previous.Take(), change_refund.Take());
  }
}

void CustomerIncrements::Add(const std::string& tenant, const OrderFacts& order,
                             const OrderOutcome& outcome, CivilDate day) {
  Cell& cell = cells_[{tenant, *order.customer_id}];
  // A cancelled order counts for nothing, but its customer still gets a row (as a recompute
  // over only cancelled orders gives one, with zeros).
  if (outcome.cancelled) return;
  if (!cell.first || order.placed_at < *cell.first) {
    cell.first = order.placed_at;
    cell.first_day = day;
  }
  if (!cell.last || order.placed_at > *cell.last) cell.last = order.placed_at;
  ++cell.orders;
  cell.revenue += order.total;
  cell.refunds += outcome.refunded_total;
}

void CustomerIncrements::Keys(std::set<TenantKey>* keys) const {
  for (const auto& [key, cell] : cells_) keys->insert(key);
}

void CustomerIncrements::Write(pqxx::transaction_base& tx,
                               const std::set<TenantKey>& recomputed) const {
  PgArray tenant, customer, first, first_day, last, orders, revenue, refunds, net;
  for (const auto& [key, cell] : cells_) {
    if (recomputed.count(key)) continue;
    tenant.Add(key.first);
    customer.Add(key.second);
    first.Add(OptionalTime(cell.first));
    first_day.Add(cell.first ? std::optional(cell.first_day.ToString()) : std::nullopt);
    last.Add(OptionalTime(cell.last));
    orders.Add(cell.orders);
    revenue.Add(cell.revenue.ToString(4));
    refunds.Add(cell.refunds.ToString(4));
    net.Add((cell.revenue - cell.refunds).ToString(4));
  }
  if (tenant.size() == 0) return;
  // least/greatest skip NULLs; the first day follows the first order (equal instants have
  // the same local day, so ties don't matter).
  tx.exec_params(
      "INSERT INTO customer_metrics AS m (tenant_id, customer_id, first_order_at, "
      "first_order_day, last_order_at, orders, revenue, refunds, net_revenue) "
      "SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::date[], "
      "$5::timestamptz[], $6::int8[], $7::numeric[], $8::numeric[], $9::numeric[]) "
      "ON CONFLICT (tenant_id, customer_id) DO UPDATE SET "
      "first_order_day = CASE WHEN m.first_order_at IS NULL OR "
      "  excluded.first_order_at < m.first_order_at THEN excluded.first_order_day "
      "  ELSE m.first_order_day END, "
      "first_order_at = least(m.first_order_at, excluded.first_order_at), "
      "last_order_at = greatest(m.last_order_at, excluded.last_order_at), "
      "orders = m.orders + excluded.orders, revenue = m.revenue + excluded.revenue, "
      "refunds = m.refunds + excluded.refunds, "
      "net_revenue = m.net_revenue + excluded.net_revenue",
      tenant.Take(), customer.Take(), first.Take(), first_day.Take(), last.Take(), orders.Take(),
      revenue.Take(), refunds.Take(), net.Take());
}

void RecomputeCustomers(pqxx::transaction_base& tx, const std::set<TenantKey>& customers) {
  if (customers.empty()) return;
  PgArray tenant, customer;
  for (const auto& [t, c] : customers) {
    tenant.Add(t);
    customer.Add(c);
  }
  tx.exec_params(
      "INSERT INTO customer_metrics AS m (tenant_id, customer_id, first_order_at, "
      "first_order_day, last_order_at, orders, revenue, refunds, net_revenue) "
      "SELECT k.t, k.c, min(o.placed_at), (array_agg(o.day ORDER BY o.placed_at))[1], "
      "max(o.placed_at), count(o.order_id), coalesce(sum(o.total), 0), "
      "coalesce(sum(o.refunded_total), 0), coalesce(sum(o.total - o.refunded_total), 0) "
      "FROM unnest($1::text[], $2::text[]) AS k(t, c) "
      "LEFT JOIN orders o ON o.tenant_id = k.t AND o.customer_id = k.c AND NOT o.cancelled "
      "GROUP BY k.t, k.c ORDER BY k.t, k.c "
      "ON CONFLICT (tenant_id, customer_id) DO UPDATE SET "
      "first_order_at = excluded.first_order_at, first_order_day = excluded.first_order_day, "
      "last_order_at = excluded.last_order_at, orders = excluded.orders, "
      "revenue = excluded.revenue, refunds = excluded.refunds, "
      "net_revenue = excluded.net_revenue",
      tenant.Take(), customer.Take());
}

void RecomputeCampaigns(pqxx::transaction_base& tx,
                        const std::set<std::pair<std::string, std::string>>& campaigns) {
  if (campaigns.empty()) return;
  PgArray tenant, campaign;
  for (const auto& [t, c] : campaigns) {
    tenant.Add(t);
    campaign.Add(c);
  }
  tx.exec_params(
      "INSERT INTO campaign_metrics AS m (tenant_id, campaign_id, name, channel, first_sent_at, "
      "recipients, cost, opens, unique_opens) "
      "SELECT k.t, k.c, s.name, s.channel, s.first_sent_at, coalesce(s.recipients, 0), s.cost, "
      "o.opens, o.unique_opens "
      "FROM unnest($1::text[], $2::text[]) AS k(t, c) "
      "CROSS JOIN LATERAL (SELECT "
      "  (array_agg(name ORDER BY sent_at DESC) FILTER (WHERE name IS NOT NULL))[1] AS name, "
      "  (array_agg(channel ORDER BY sent_at DESC) FILTER (WHERE channel IS NOT NULL))[1] "
      "    AS channel, "
      "  min(sent_at) AS first_sent_at, sum(recipients) AS recipients, sum(cost) AS cost "
      "  FROM campaign_sends WHERE tenant_id = k.t AND campaign_id = k.c) AS s "
      "CROSS JOIN LATERAL (SELECT count(*) AS opens, count(DISTINCT customer_id) AS unique_opens "
      "  FROM email_opens WHERE tenant_id = k.t AND campaign_id = k.c) AS o "
      "ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET "
      "name = excluded.name, channel = excluded.channel, first_sent_at = excluded.first_sent_at, "
      "recipients = excluded.recipients, cost = excluded.cost, opens = excluded.opens, "
      "unique_opens = excluded.unique_opens",
      tenant.Take(), campaign.Take());
}

}  // namespace vecton::storage
