// DESIGN: decoding is one pass over the parsed JSON tree. A FieldReader reads the members of
// one object ("data", "data.items[2]", or the envelope) and records the first problem it meets
// as the one-line reason; later reads after a failure are cheap no-ops returning defaults, so
// the per-type decoders read like a list of the contract's fields instead of a ladder of
// early returns. Every quoted piece of input is escaped and cut to kMaxQuotedBytes, so a
// reason stays one bounded line whatever a producer sends.
#include "vecton/event.h"

#include <fmt/format.h>

#include <array>
#include <limits>

#include "vecton/json.h"

namespace vecton {
namespace {

constexpr size_t kMaxQuotedBytes = 60;
constexpr size_t kMaxIdChars = 128;

// The largest amount one event may carry, in currency units, also after multiplying by a
// quantity or an fx rate: 100 billion (a very large B2B order even in IDR or VND). With at
// most 5,000 events a batch (batch_size), no sum the ingestor builds can leave Money's range
// (+-922 trillion), so amounts are never wrapped or clamped.
__extension__ typedef __int128 Int128;  // products of two 64-bit amounts, see CheckAmount
constexpr Int128 kMaxAmountUnits = static_cast<Int128>(100'000'000'000) * Money::kScale;

constexpr std::array<std::string_view, kEventTypeCount> kTypeNames = {
    "order.created",    "order.status_changed", "product.stock_changed", "stock.received",
    "customer.created", "campaign.sent",        "email.opened",
};

// 'text', escaped to one line and cut to at most about kMaxQuotedBytes of output (whole
// characters and whole escapes only), so a reason stays short whatever it quotes.
std::string Quote(std::string_view text) {
  std::string out = "'";
  std::string piece;
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 1;
    while (i + len < text.size() && (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80)
      ++len;
    piece.clear();
    AppendJsonEscaped(piece, text.substr(i, len));
    if (out.size() - 1 + piece.size() > kMaxQuotedBytes) {
      out += "...";
      break;
    }
    out += piece;
    i += len;
  }
  out += '\'';
  return out;
}

// A number's literal, cut like Quote's text but unquoted.
std::string NumberText(std::string_view text) {
  if (text.size() <= kMaxQuotedBytes) return std::string(text);
  return std::string(text.substr(0, kMaxQuotedBytes)) + "...";
}

// How a value is described after "got": strings quoted, numbers as written, others by kind.
std::string Describe(const JsonValue& v) {
  if (v.is_string()) return Quote(v.text());
  if (v.is_number()) return NumberText(v.text());
  return std::string(JsonValue::KindName(v.kind()));
}

// Code points, not bytes: the contract's "1..128 chars".
size_t CountChars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// PostgreSQL's text type can't hold U+0000, so no stored string may contain it.
bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return alnum(s.front()) && alnum(s.back());
}

bool IsCurrencyCode(std::string_view s) {
  if (s.size() != 3) return false;
  for (char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// Reads the members of one JSON object; the first problem becomes *error.
class FieldReader {
 public:
  // `scope` opens the reason ("envelope", "order.created"); `path` names the object ("data",
  // "data.items", or "" for the envelope itself), followed by "[index]" when it is an array
  // element. The index is formatted only into a reason: formatting each item's path up front
  // cost a fmt::format per item of every order.
  static constexpr size_t kNoIndex = static_cast<size_t>(-1);
  FieldReader(std::string* error, std::string_view scope, std::string_view path,
              const JsonValue& obj, size_t index = kNoIndex)
      : error_(error), scope_(scope), path_(path), index_(index), obj_(obj) {}

  bool failed() const { return !error_->empty(); }

  void Fail(std::string_view key, std::string_view problem) {
    if (failed()) return;
    if (path_.empty()) {
      *error_ = fmt::format("{}: {} {}", scope_, key, problem);
    } else if (index_ == kNoIndex) {
      *error_ = fmt::format("{}: {}.{} {}", scope_, path_, key, problem);
    } else {
      *error_ = fmt::format("{}: {}[{}].{} {}", scope_, path_, index_, key, problem);
    }
  }

  // The member, or nullptr when it is absent or null (null means "not given").
  const JsonValue* Get(std::string_view key) {
    const JsonValue* v = Find(key);
    return (v == nullptr || v->is_null()) ? nullptr : v;
  }

  const JsonValue* Required(std::string_view key) {
    if (failed()) return nullptr;
    const JsonValue* v = Get(key);
    if (v == nullptr) Fail(key, "is required");
    return v;
  }

  // Identifiers: strings of 1..128 characters.
  std::optional<std::string> OptionalId(std::string_view key) {
    const JsonValue* v = failed() ? nullptr : Get(key);
    return v == nullptr ? std::nullopt : CheckId(key, *v);
  }
  std::string RequiredId(std::string_view key) {
    const JsonValue* v = Required(key);
    return v == nullptr ? std::string() : CheckId(key, *v).value_or(std::string());
  }

  // Free text: any string.
  std::optional<std::string> OptionalText(std::string_view key) {
    const JsonValue* v = failed() ? nullptr : Get(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
      Fail(key, fmt::format("must be a string, got {}", JsonValue::KindName(v->kind())));
      return std::nullopt;
    }
    if (HasNul(v->text())) {
      Fail(key, "must not contain NUL characters (\\u0000)");
      return std::nullopt;
    }
    return v->text();
  }
  // Required free text must also be non-empty.
  std::string RequiredText(std::string_view key) {
    const JsonValue* v = Required(key);
    if (v == nullptr) return {};
    if (!v->is_string() || v->text().empty()) {
      Fail(key, fmt::format("must be a non-empty string, got {}", Describe(*v)));
      return {};
    }
    if (HasNul(v->text())) {
      Fail(key, "must not contain NUL characters (\\u0000)");
      return {};
    }
    return v->text();
  }

  std::optional<std::string> OptionalCurrency(std::string_view key) {
    const JsonValue* v = failed() ? nullptr : Get(key);
    return v == nullptr ? std::nullopt : CheckCurrency(key, *v);
  }
  std::string RequiredCurrency(std::string_view key) {
    const JsonValue* v = Required(key);
    return v == nullptr ? std::string() : CheckCurrency(key, *v).value_or(std::string());
  }

  Timestamp RequiredTime(std::string_view key) {
    const JsonValue* v = Required(key);
    return v == nullptr ? Timestamp{} : CheckTime(key, *v).value_or(Timestamp{});
  }
  Timestamp OptionalTime(std::string_view key, Timestamp fallback) {
    const JsonValue* v = failed() ? nullptr : Get(key);
    return v == nullptr ? fallback : CheckTime(key, *v).value_or(fallback);
  }

  // Integers in [min, max]; `expect` is the rule as said in a reason ("must be a positive
  // integer").
  struct IntRule {
    std::string_view expect;
    int64_t min = std::numeric_limits<int64_t>::min();
    int64_t max = std::numeric_limits<int64_t>::max();
  };
  int64_t RequiredInt(std::string_view key, const IntRule& rule) {
    const JsonValue* v = Required(key);
    return v == nullptr ? 0 : CheckInt(key, *v, rule).value_or(0);
  }
  std::optional<int64_t> OptionalInt(std::string_view key, const IntRule& rule) {
    const JsonValue* v = failed() ? nullptr : Get(key);
    return v == nullptr ? std::nullopt : CheckInt(key, *v, rule);
  }

  // Amounts: a decimal string or a JSON number (its literal text), >= 0, or > 0 if `positive`.
  Money RequiredMoney(std::string_view key) {
    const JsonValue* v = Required(key);
    return v == nullptr ? Money() : CheckMoney(key, *v, false).value_or(Money());
  }
  Money MoneyOrZero(std::string_view key) { return OptionalMoney(key, false).value_or(Money()); }
  std::optional<Money> OptionalMoney(std::string_view key, bool positive) {
    const JsonValue* v = failed() ? nullptr : Get(key);
    return v == nullptr ? std::nullopt : CheckMoney(key, *v, positive);
  }

  std::optional<FxRate> OptionalRate(std::string_view key) {
    const JsonValue* v = failed() ? nullptr : Get(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string() && !v->is_number()) {
      Fail(key, fmt::format("must be a decimal rate (a string or a number), got {}",
                            JsonValue::KindName(v->kind())));
      return std::nullopt;
    }
    FxRate rate;
    auto parsed = Money::ParseRate(v->text(), &rate.units);
    if (!parsed) {
      Fail(key, fmt::format("{}, got {}", parsed.error(), Quote(v->text())));
      return std::nullopt;
    }
    rate.text = v->text();
    return rate;
  }

  // Fails when `amount` x `quantity` (converted with `fx` when given) exceeds kMaxAmountUnits.
  void CheckAmount(std::string_view key, Money amount, int64_t quantity,
                   const std::optional<FxRate>& fx) {
    if (failed()) return;
    Int128 value = static_cast<Int128>(amount.units()) * quantity;
    if (value > kMaxAmountUnits || value < -kMaxAmountUnits) {
      Fail(key, quantity == 1 ? std::string("exceeds the largest supported amount, 100000000000")
                              : fmt::format("times quantity {} exceeds the largest supported "
                                            "amount, 100000000000",
                                            quantity));
      return;
    }
    if (fx && (value * fx->units / Money::kRateScale > kMaxAmountUnits)) {
      Fail(key, fmt::format("converted with fx_rate {} exceeds the largest supported amount, "
                            "100000000000",
                            fx->text));
    }
  }

 private:
  std::optional<std::string> CheckId(std::string_view key, const JsonValue& v) {
    if (!v.is_string()) {
      Fail(key, fmt::format("must be a string of 1..128 characters, got {}",
                            JsonValue::KindName(v.kind())));
      return std::nullopt;
    }
    const size_t chars = CountChars(v.text());
    if (chars == 0 || chars > kMaxIdChars) {
      Fail(key, fmt::format("must be a string of 1..128 characters, got {} characters", chars));
      return std::nullopt;
    }
    if (HasNul(v.text())) {
      Fail(key, "must not contain NUL characters (\\u0000)");
      return std::nullopt;
    }
    return v.text();
  }

  std::optional<std::string> CheckCurrency(std::string_view key, const JsonValue& v) {
    if (!v.is_string() || !IsCurrencyCode(v.text())) {
      Fail(key,
           fmt::format("must be an ISO 4217 code of 3 upper-case letters, got {}", Describe(v)));
      return std::nullopt;
    }
    return v.text();
  }

  std::optional<Timestamp> CheckTime(std::string_view key, const JsonValue& v) {
    if (!v.is_string()) {
      Fail(key, fmt::format("must be an RFC 3339 time string with an offset, got {}",
                            JsonValue::KindName(v.kind())));
      return std::nullopt;
    }
    auto t = ParseRfc3339(v.text());
    if (!t) {
      Fail(key, fmt::format("must be an RFC 3339 time with an offset "
                            "(like 2026-11-25T09:14:03Z), got {}",
                            Quote(v.text())));
      return std::nullopt;
    }
    return *t;
  }

  std::optional<int64_t> CheckInt(std::string_view key, const JsonValue& v, const IntRule& rule) {
    if (!v.is_number()) {
      Fail(key, fmt::format("{}, got {}", rule.expect, JsonValue::KindName(v.kind())));
      return std::nullopt;
    }
    const std::optional<int64_t> n = v.AsInt64();
    if (!n) {
      const bool is_integer_literal = v.text().find_first_of(".eE") == std::string::npos;
      Fail(key, is_integer_literal ? fmt::format("{} (got {}, out of the 64-bit range)",
                                                 rule.expect, NumberText(v.text()))
                                   : fmt::format("{} (got {})", rule.expect, NumberText(v.text())));
      return std::nullopt;
    }
    if (*n < rule.min) {
      Fail(key, fmt::format("{} (got {})", rule.expect, *n));
      return std::nullopt;
    }
    if (*n > rule.max) {
      Fail(key, fmt::format("{} of at most {} (got {})", rule.expect, rule.max, *n));
      return std::nullopt;
    }
    return n;
  }

  std::optional<Money> CheckMoney(std::string_view key, const JsonValue& v, bool positive) {
    if (!v.is_string() && !v.is_number()) {
      Fail(key, fmt::format("must be a decimal amount (a string or a number), got {}",
                            JsonValue::KindName(v.kind())));
      return std::nullopt;
    }
    auto m = Money::Parse(v.text());
    if (!m) {
      Fail(key, fmt::format("{}, got {}", m.error(), Quote(v.text())));
      return std::nullopt;
    }
    if (positive && (m->is_negative() || m->is_zero())) {
      Fail(key, fmt::format("must be greater than 0, got {}", Quote(v.text())));
      return std::nullopt;
    }
    if (m->is_negative()) {
      Fail(key, fmt::format("must not be negative, got {}", Quote(v.text())));
      return std::nullopt;
    }
    return *m;
  }

  // JsonValue::Find, starting after the member found last and wrapping around. Producers
  // mostly send the members in the contract's order, which is the order they are read in,
  // so a present member is usually the first one compared: this halves the key comparisons
  // of a bench order.created (about 215 -> 105; the absent optional members still scan all).
  const JsonValue* Find(std::string_view key) {
    const auto& members = obj_.members();
    for (size_t step = 0; step < members.size(); ++step) {
      size_t k = next_ + step;  // next_ <= size, so one subtraction wraps it
      if (k >= members.size()) k -= members.size();
      if (members[k].first == key) {
        next_ = k + 1;
        return &members[k].second;
      }
    }
    return nullptr;
  }

  std::string* error_;
  std::string_view scope_;
  std::string_view path_;
  size_t index_;
  const JsonValue& obj_;
  size_t next_ = 0;  // where Find starts
};

const FieldReader::IntRule kQuantityRule{"must be a positive integer", 1,
                                         std::numeric_limits<int32_t>::max()};
const FieldReader::IntRule kCountRule{"must be a non-negative integer", 0};
const FieldReader::IntRule kIntegerRule{"must be an integer"};

// ---- One decoder per type: the contract's field list, in its order. ----

OrderCreated DecodeOrderCreated(FieldReader& r, Timestamp time, std::string* error,
                                const DecodeLimits& limits) {
  OrderCreated o;
  o.order_id = r.RequiredId("order_id");
  o.customer_id = r.OptionalId("customer_id");
  o.placed_at = r.OptionalTime("placed_at", time);
  if (auto status = r.OptionalText("status"); status && !status->empty()) o.status = *status;
  o.currency = r.RequiredCurrency("currency");
  o.fx_rate = r.OptionalRate("fx_rate");

  if (const JsonValue* items = r.Required("items")) {
    if (!items->is_array() || items->items().empty()) {
      r.Fail("items", fmt::format("must be a non-empty array, got {}",
                                  items->is_array() ? "an empty array"
                                                    : JsonValue::KindName(items->kind())));
    } else if (items->items().size() > limits.max_items) {
      r.Fail("items", fmt::format("has {} elements, over the limit of {}", items->items().size(),
                                  limits.max_items));
    } else {
      o.items.reserve(items->items().size());
      for (size_t k = 0; k < items->items().size() && !r.failed(); ++k) {
        const JsonValue& item = items->items()[k];
        if (!item.is_object()) {
          r.Fail(fmt::format("items[{}]", k),
                 fmt::format("must be an object, got {}", JsonValue::KindName(item.kind())));
          break;
        }
        FieldReader ir(error, EventTypeName(EventType::kOrderCreated), "data.items", item, k);
        OrderItem& it = o.items.emplace_back();
        it.product_id = ir.RequiredId("product_id");
        it.sku = ir.OptionalText("sku");
        it.name = ir.OptionalText("name");
        it.category_id = ir.OptionalInt("category_id", kIntegerRule);
        it.category_name = ir.OptionalText("category_name");
        it.quantity = static_cast<int32_t>(ir.RequiredInt("quantity", kQuantityRule));
        it.unit_price = ir.RequiredMoney("unit_price");
        ir.CheckAmount("unit_price", it.unit_price, it.quantity, o.fx_rate);
      }
    }
  }

  o.discount_total = r.MoneyOrZero("discount_total");
  o.shipping_total = r.MoneyOrZero("shipping_total");
  o.tax_total = r.MoneyOrZero("tax_total");
  o.total = r.RequiredMoney("total");
  r.CheckAmount("total", o.total, 1, o.fx_rate);
  r.CheckAmount("discount_total", o.discount_total, 1, o.fx_rate);
  r.CheckAmount("shipping_total", o.shipping_total, 1, o.fx_rate);
  r.CheckAmount("tax_total", o.tax_total, 1, o.fx_rate);
  o.campaign_id = r.OptionalId("campaign_id");
  o.channel = r.OptionalText("channel");
  o.country = r.OptionalText("country");
  return o;
}

OrderStatusChanged DecodeOrderStatusChanged(FieldReader& r, Timestamp time) {
  OrderStatusChanged s;
  s.order_id = r.RequiredId("order_id");
  s.status = r.RequiredText("status");
  s.previous_status = r.OptionalText("previous_status");
  s.changed_at = r.OptionalTime("changed_at", time);
  s.refund_amount = r.OptionalMoney("refund_amount", /*positive=*/true);
  if (s.refund_amount) r.CheckAmount("refund_amount", *s.refund_amount, 1, std::nullopt);
  return s;
}

ProductStockChanged DecodeProductStockChanged(FieldReader& r, Timestamp time) {
  ProductStockChanged p;
  p.product_id = r.RequiredId("product_id");
  p.stock_level = r.RequiredInt("stock_level", kIntegerRule);
  p.changed_at = r.OptionalTime("changed_at", time);
  p.delta = r.OptionalInt("delta", kIntegerRule);
  p.reason = r.OptionalText("reason");
  p.sku = r.OptionalText("sku");
  p.name = r.OptionalText("name");
  p.category_id = r.OptionalInt("category_id", kIntegerRule);
  p.category_name = r.OptionalText("category_name");
  p.low_stock_threshold = r.OptionalInt("low_stock_threshold", kIntegerRule);
  return p;
}

StockReceived DecodeStockReceived(FieldReader& r, Timestamp time) {
  StockReceived s;
  s.product_id = r.RequiredId("product_id");
  s.quantity = r.RequiredInt("quantity", kQuantityRule);
  s.received_at = r.OptionalTime("received_at", time);
  s.unit_cost = r.OptionalMoney("unit_cost", false);
  s.currency = r.OptionalCurrency("currency");
  s.fx_rate = r.OptionalRate("fx_rate");
  if (s.unit_cost) r.CheckAmount("unit_cost", *s.unit_cost, s.quantity, s.fx_rate);
  s.supplier_id = r.OptionalId("supplier_id");
  s.stock_level = r.OptionalInt("stock_level", kIntegerRule);
  s.sku = r.OptionalText("sku");
  s.name = r.OptionalText("name");
  return s;
}

// Names, e-mails and any other personal data a CRM may send are never read.
CustomerCreated DecodeCustomerCreated(FieldReader& r, Timestamp time) {
  CustomerCreated c;
  c.customer_id = r.RequiredId("customer_id");
  c.created_at = r.OptionalTime("created_at", time);
  c.country = r.OptionalText("country");
  c.source = r.OptionalText("source");
  c.campaign_id = r.OptionalId("campaign_id");
  return c;
}

CampaignSent DecodeCampaignSent(FieldReader& r, Timestamp time) {
  CampaignSent c;
  c.campaign_id = r.RequiredId("campaign_id");
  c.name = r.OptionalText("name");
  c.channel = r.OptionalText("channel");
  c.sent_at = r.OptionalTime("sent_at", time);
  c.recipients = r.RequiredInt("recipients", kCountRule);
  c.cost = r.OptionalMoney("cost", false);
  c.currency = r.OptionalCurrency("currency");
  c.fx_rate = r.OptionalRate("fx_rate");
  if (c.cost) r.CheckAmount("cost", *c.cost, 1, c.fx_rate);
  return c;
}

EmailOpened DecodeEmailOpened(FieldReader& r, Timestamp time) {
  EmailOpened e;
  e.campaign_id = r.RequiredId("campaign_id");
  e.customer_id = r.RequiredId("customer_id");
  e.opened_at = r.OptionalTime("opened_at", time);
  e.message_id = r.OptionalId("message_id");
  return e;
}

}  // namespace

std::string_view EventTypeName(EventType type) {
  const auto k = static_cast<size_t>(type);
  return k < kTypeNames.size() ? kTypeNames[k] : std::string_view("unknown");
}

std::optional<EventType> EventTypeFromName(std::string_view name) {
  for (size_t k = 0; k < kTypeNames.size(); ++k) {
    if (kTypeNames[k] == name) return static_cast<EventType>(k);
  }
  return std::nullopt;
}

Result<Event> DecodeEvent(std::string_view body, const DecodeLimits& limits) {
  if (body.size() > limits.max_body_bytes) {
    return Error(fmt::format("message body is {} bytes, over the limit of {}", body.size(),
                             limits.max_body_bytes));
  }
  auto doc = JsonValue::Parse(body, limits.max_depth);
  if (!doc) return Error(doc.error());
  if (!doc->is_object()) {
    return Error(fmt::format("envelope: the message must be a JSON object, got {}",
                             JsonValue::KindName(doc->kind())));
  }

  // ---- Envelope ----
  std::string error;
  FieldReader env(&error, "envelope", "", *doc);
  Event event;
  if (const JsonValue* v = env.Required("specversion"); v != nullptr) {
    if (!v->is_string() || v->text() != "1.0") {
      env.Fail("specversion", fmt::format("must be \"1.0\", got {}", Describe(*v)));
    }
  }
  event.id = env.RequiredId("id");
  event.source = env.RequiredId("source");
  if (const JsonValue* v = env.Required("type"); v != nullptr) {
    std::optional<EventType> type;
    if (v->is_string()) type = EventTypeFromName(v->text());
    if (type) {
      event.type = *type;
    } else {
      env.Fail("type",
               fmt::format("must be one of {}, got {}", fmt::join(kTypeNames, ", "), Describe(*v)));
    }
  }
  event.time = env.RequiredTime("time");
  if (const JsonValue* v = env.Required("tenant"); v != nullptr) {
    if (v->is_string() && IsDnsLabel(v->text())) {
      event.tenant = v->text();
    } else {
      env.Fail("tenant", fmt::format("must be a DNS label (a-z, 0-9, '-'), got {}", Describe(*v)));
    }
  }
  const JsonValue* data = env.Required("data");
  if (data != nullptr && !data->is_object()) {
    env.Fail("data", fmt::format("must be an object, got {}", JsonValue::KindName(data->kind())));
  }
  if (!error.empty()) return Error(std::move(error));

  // ---- Data ----
  FieldReader r(&error, EventTypeName(event.type), "data", *data);
  switch (event.type) {
    case EventType::kOrderCreated:
      event.data = DecodeOrderCreated(r, event.time, &error, limits);
      break;
    case EventType::kOrderStatusChanged:
      event.data = DecodeOrderStatusChanged(r, event.time);
      break;
    case EventType::kProductStockChanged:
      event.data = DecodeProductStockChanged(r, event.time);
      break;
    case EventType::kStockReceived:
      event.data = DecodeStockReceived(r, event.time);
      break;
    case EventType::kCustomerCreated:
      event.data = DecodeCustomerCreated(r, event.time);
      break;
    case EventType::kCampaignSent:
      event.data = DecodeCampaignSent(r, event.time);
      break;
    case EventType::kEmailOpened:
      event.data = DecodeEmailOpened(r, event.time);
      break;
  }
  if (!error.empty()) return Error(std::move(error));
  return event;
}

}  // namespace vecton
