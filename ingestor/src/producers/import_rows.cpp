#include "producers/import_rows.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace vecton::producers {
namespace {

constexpr std::array<std::string_view, kImportFieldCount> kFieldKeys = {
    "order_id", "product_id", "quantity",      "unit_price",  "placed_at",
    "sku",      "name",       "category_name", "customer_id", "country"};
constexpr int kRequiredFields = 5;  // the first five keys
constexpr size_t kMaxOrderIdLength = 128 - std::string_view("import-").size();

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> FieldFromKey(std::string_view key) {
  for (int i = 0; i < kImportFieldCount; ++i) {
    if (kFieldKeys[i] == key) return i;
  }
  return std::nullopt;
}

// Strict integer: optional '-', digits, within int32.
std::optional<int32_t> ParseQuantity(std::string_view text) {
  text = Trim(text);
  int32_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<int> TwoDigits(std::string_view s, size_t at) {
  if (at + 2 > s.size() || !AllDigits(s.substr(at, 2))) return std::nullopt;
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

}  // namespace

std::string_view ImportFieldKey(ImportField field) { return kFieldKeys[static_cast<int>(field)]; }

Result<ColumnMapping> ParseMapping(std::string_view text) {
  ColumnMapping mapping;
  // Defaults first (they are well formed), then the user's entries over them.
  for (int pass = 0; pass < 2; ++pass) {
    std::string_view rest = pass == 0 ? kDefaultMapping : text;
    std::set<std::string, std::less<>> given;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view entry = Trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (entry.empty()) continue;
      const size_t eq = entry.find('=');
      if (eq == std::string_view::npos) {
        return Error(fmt::format("--mapping entry '{}' has no '=' (expected field=Column)", entry));
      }
      const std::string_view key = Trim(entry.substr(0, eq));
      const std::string_view column = Trim(entry.substr(eq + 1));
      const std::optional<int> field = FieldFromKey(key);
      if (!field) {
        return Error(fmt::format("--mapping: unknown field '{}' (known: {})", key,
                                 fmt::join(kFieldKeys, ", ")));
      }
      if (pass == 1 && !given.insert(std::string(key)).second) {
        return Error(fmt::format("--mapping: field '{}' is given twice", key));
      }
      if (column.empty() && *field < kRequiredFields) {
        return Error(fmt::format("--mapping: required field '{}' cannot be dropped", key));
      }
      mapping.entries[*field] = {std::string(column), pass == 1};
    }
  }
  return mapping;
}

Result<ResolvedColumns> ResolveColumns(const ColumnMapping& mapping, const CsvRecord& header) {
  ResolvedColumns resolved;
  for (int f = 0; f < kImportFieldCount; ++f) {
    resolved.index[f] = -1;
    const ColumnMapping::Entry& entry = mapping.entries[f];
    if (entry.column.empty()) continue;
    for (size_t c = 0; c < header.size(); ++c) {
      std::string_view name = header[c];
      if (c == 0 && name.substr(0, 3) == "\xEF\xBB\xBF") name.remove_prefix(3);
      if (name == entry.column) {
        resolved.index[f] = static_cast<int>(c);
        break;
      }
    }
    if (resolved.index[f] < 0 && (f < kRequiredFields || entry.explicit_)) {
      return Error(fmt::format("column '{}' (mapped to {}) is not in the CSV header ({})",
                               entry.column, kFieldKeys[f], fmt::join(header, ",")));
    }
  }
  return resolved;
}

Result<NaiveLocalTime> ParseNaiveLocalTime(std::string_view text) {
  text = Trim(text);
  auto bad = [&] {
    return Error(fmt::format("'{}' is not a local time YYYY-MM-DD HH:MM[:SS]", text));
  };
  if (text.size() != 16 && text.size() != 19) return bad();
  Result<CivilDate> date = CivilDate::Parse(text.substr(0, 10));
  if (!date) return bad();
  if (text[10] != ' ' && text[10] != 'T') return bad();
  NaiveLocalTime t;
  t.date = *date;
  const auto h = TwoDigits(text, 11);
  const auto m = TwoDigits(text, 14);
  if (!h || !m || text[13] != ':' || *h > 23 || *m > 59) return bad();
  t.hour = *h;
  t.minute = *m;
  if (text.size() == 19) {
    const auto s = TwoDigits(text, 17);
    if (!s || text[16] != ':' || *s > 59) return bad();
    t.second = *s;
  }
  return t;
}

ResolvedLocalTime ResolveLocalTime(const TimeZone& zone, const NaiveLocalTime& local) {
  constexpr int64_t kDay = 86400;
  const int64_t wall =
      local.date.ToDays() * kDay + local.hour * 3600 + local.minute * 60 + local.second;
  const int before = zone.UtcOffsetSeconds(Timestamp::FromSeconds(wall - kDay));
  const int after = zone.UtcOffsetSeconds(Timestamp::FromSeconds(wall + kDay));
  auto reproduces = [&](int offset) {
    return zone.UtcOffsetSeconds(Timestamp::FromSeconds(wall - offset)) == offset;
  };
  const bool with_before = reproduces(before);
  const bool with_after = before != after && reproduces(after);
  if (with_before && with_after) {
    return {Timestamp::FromSeconds(wall - std::max(before, after)), LocalTimeKind::kAmbiguous};
  }
  if (with_before) return {Timestamp::FromSeconds(wall - before), LocalTimeKind::kUnique};
  if (with_after) return {Timestamp::FromSeconds(wall - after), LocalTimeKind::kUnique};
  return {Timestamp::FromSeconds(wall - before), LocalTimeKind::kSkipped};
}

std::optional<std::string> NormalizeCustomerId(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  // Spreadsheet exports write integer ids as floats: "17850.0".
  const size_t dot = text.find('.');
  if (dot != std::string_view::npos && AllDigits(text.substr(0, dot))) {
    const std::string_view fraction = text.substr(dot + 1);
    if (!fraction.empty() &&
        std::all_of(fraction.begin(), fraction.end(), [](char c) { return c == '0'; })) {
      text = text.substr(0, dot);
    }
  }
  return std::string(text);
}

int64_t ImportStats::skipped_lines() const {
  int64_t n = 0;
  for (const auto& [reason, count] : skipped) n += count.lines;
  return n;
}

OrderAssembler::OrderAssembler(ImportSettings settings, ResolvedColumns columns)
    : settings_(std::move(settings)), columns_(columns) {}

std::string_view OrderAssembler::Field(const CsvRecord& row, ImportField f) const {
  const int i = columns_.Of(f);
  return i >= 0 && static_cast<size_t>(i) < row.size() ? std::string_view(row[i])
                                                       : std::string_view();
}

void OrderAssembler::Skip(const std::string& reason, int64_t line) {
  SkipCount& count = stats_.skipped[reason];
  if (count.lines++ == 0) count.first_line = line;
}

void OrderAssembler::AddRow(const CsvRecord& row, int64_t line, std::vector<ProducedEvent>& out) {
  if (row.size() == 1 && row[0].empty()) return;  // blank line
  ++stats_.lines;
  for (int f = 0; f < kRequiredFields; ++f) {
    if (static_cast<size_t>(columns_.index[f]) >= row.size()) {
      Skip(fmt::format("too few fields (no {})", kFieldKeys[f]), line);
      return;
    }
  }

  // Paragraph 1: what kind of line it is. Cancellations and adjustments first, so that their
  // negative quantities are not reported as bad lines.
  const std::string_view order_id = Trim(Field(row, ImportField::kOrderId));
  if (order_id.empty()) return Skip("empty order id", line);
  if (AllDigits(order_id.substr(1))) {
    if (order_id.front() == 'C') return Skip("cancellation invoice (order id C<digits>)", line);
    if (order_id.front() == 'A') return Skip("bad-debt adjustment (order id A<digits>)", line);
  }
  if (order_id.size() > kMaxOrderIdLength) {
    return Skip(fmt::format("order id longer than {} characters", kMaxOrderIdLength), line);
  }

  // Paragraph 2: the line item.
  Item item;
  item.product_id = std::string(Trim(Field(row, ImportField::kProductId)));
  if (item.product_id.empty()) return Skip("empty product id", line);
  const std::optional<int32_t> quantity = ParseQuantity(Field(row, ImportField::kQuantity));
  if (!quantity) return Skip("malformed quantity (not an integer)", line);
  if (*quantity <= 0) return Skip("quantity <= 0 in a sales invoice", line);
  item.quantity = *quantity;
  Result<Money> price = Money::Parse(Trim(Field(row, ImportField::kUnitPrice)));
  if (!price) return Skip("malformed unit price (" + price.error() + ")", line);
  if (price->is_negative()) return Skip("negative unit price", line);
  item.unit_price = *price;
  item.sku = std::string(Trim(Field(row, ImportField::kSku)));
  item.name = std::string(Field(row, ImportField::kName));  // kept as written, spaces too
  item.category_name = std::string(Trim(Field(row, ImportField::kCategoryName)));

  // Paragraph 3: the order it belongs to. The newest open order is the usual hit.
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
    if (it->order_id == order_id) {
      it->items.push_back(std::move(item));
      return;
    }
  }
  if (written_.contains(order_id)) {
    return Skip("line of an order already written (its lines are not grouped together)", line);
  }
  Result<NaiveLocalTime> local = ParseNaiveLocalTime(Field(row, ImportField::kPlacedAt));
  if (!local) return Skip("malformed placed_at (expected YYYY-MM-DD HH:MM[:SS])", line);
  const ResolvedLocalTime placed = ResolveLocalTime(*settings_.zone, *local);
  if (placed.kind == LocalTimeKind::kAmbiguous) ++stats_.ambiguous_times;
  if (placed.kind == LocalTimeKind::kSkipped) ++stats_.skipped_times;

  OpenOrder order;
  order.order_id = std::string(order_id);
  order.customer_id = NormalizeCustomerId(Field(row, ImportField::kCustomerId));
  order.country = std::string(Trim(Field(row, ImportField::kCountry)));
  order.placed_at = FormatLocal(settings_.zone->ToLocal(placed.instant));
  order.items.push_back(std::move(item));
  open_.push_back(std::move(order));
  if (open_.size() > settings_.open_window) {
    Flush(open_.front(), out);
    open_.pop_front();
  }
}

void OrderAssembler::Finish(std::vector<ProducedEvent>& out) {
  for (OpenOrder& order : open_) Flush(order, out);
  open_.clear();
}

void OrderAssembler::Flush(OpenOrder& order, std::vector<ProducedEvent>& out) {
  written_.insert(order.order_id);
  CloudEventWriter event("import-" + order.order_id, settings_.source, "order.created",
                         order.placed_at, settings_.tenant);
  JsonWriter& data = event.data();
  data.Key("order_id").String(order.order_id);
  data.Key("customer_id");
  if (order.customer_id) {
    data.String(*order.customer_id);
  } else {
    data.Null();
  }
  data.Key("placed_at").String(order.placed_at);
  data.Key("status").String(settings_.status);
  data.Key("currency").String(settings_.currency);
  if (settings_.fx_rate) data.Key("fx_rate").String(*settings_.fx_rate);
  data.Key("items").BeginArray();
  Money total;
  for (const Item& item : order.items) {
    data.BeginObject().Key("product_id").String(item.product_id);
    if (!item.sku.empty()) data.Key("sku").String(item.sku);
    if (!item.name.empty()) data.Key("name").String(item.name);
    if (!item.category_name.empty()) data.Key("category_name").String(item.category_name);
    data.Key("quantity").Int(item.quantity);
    data.Key("unit_price").String(MoneyText(item.unit_price));
    data.EndObject();
    total += item.unit_price * item.quantity;
    stats_.items += item.quantity;
  }
  data.EndArray();
  data.Key("total").String(MoneyText(total));
  if (!order.country.empty()) data.Key("country").String(order.country);
  out.push_back(event.Finish());
  ++stats_.orders;
  stats_.lines_imported += static_cast<int64_t>(order.items.size());
  stats_.revenue += total;
}

}  // namespace vecton::producers
