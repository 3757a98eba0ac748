#include "producers/seed_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <random>
#include <vector>

namespace vecton::producers {

const SeedCategory kSeedCategories[6] = {
    {1, "Sapkák és sálak"}, {2, "Bőráruk"}, {3, "Konyha"},
    {4, "Otthon"},          {5, "Játékok"}, {6, "Papír és írószer"},
};

const SeedProduct kSeedProducts[40] = {
    {"p-101", "Kötött sapka", 1, 5990},    {"p-102", "Gyapjú sál", 1, 8990},
    {"p-103", "Téli kesztyű", 1, 6490},    {"p-104", "Baseball sapka", 1, 4490},
    {"p-105", "Kasmír sál", 1, 19990},     {"p-106", "Svájcisapka", 1, 7990},
    {"p-107", "Fülvédő", 1, 3990},         {"p-201", "Bőr pénztárca", 2, 14990},
    {"p-202", "Bőr öv", 2, 9990},          {"p-203", "Kártyatartó", 2, 5490},
    {"p-204", "Kulcstartó", 2, 2490},      {"p-205", "Bőr hátizsák", 2, 39990},
    {"p-206", "Útlevéltartó", 2, 6990},    {"p-207", "Laptoptáska", 2, 29990},
    {"p-301", "Kávésbögre", 3, 2990},      {"p-302", "Teáskanna", 3, 7490},
    {"p-303", "Vágódeszka", 3, 4990},      {"p-304", "Öntöttvas serpenyő", 3, 16990},
    {"p-305", "Fűszertartó", 3, 3490},     {"p-306", "Konyharuha", 3, 1990},
    {"p-307", "Salátástál", 3, 5990},      {"p-401", "Illatgyertya", 4, 3990},
    {"p-402", "Díszpárna", 4, 6990},       {"p-403", "Gyapjútakaró", 4, 18990},
    {"p-404", "Fali óra", 4, 12990},       {"p-405", "Képkeret", 4, 3490},
    {"p-406", "Virágcserép", 4, 2990},     {"p-501", "Fa építőkocka", 5, 8990},
    {"p-502", "Plüssmaci", 5, 5990},       {"p-503", "Kirakós játék (1000 db)", 5, 4990},
    {"p-504", "Társasjáték", 5, 11990},    {"p-505", "Színező könyv", 5, 2490},
    {"p-506", "Gumilabda", 5, 1990},       {"p-507", "Kisautó", 5, 3490},
    {"p-601", "Napló", 6, 4490},           {"p-602", "Töltőtoll", 6, 12990},
    {"p-603", "Határidőnapló", 6, 5990},   {"p-604", "Jegyzetfüzet", 6, 1990},
    {"p-605", "Képeslap csomag", 6, 2990}, {"p-606", "Ceruzakészlet", 6, 3990},
};

namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kHour = 3600;
constexpr int kLowStockThreshold = 10;
constexpr int kCampaignAttributionDays = 7;

// SplitMix64: a well-mixed hash of a few integers, the seed of every pure choice.
uint64_t Mix(uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  uint64_t z = a * 0x9E3779B97F4A7C15ULL ^ (b + 0xBF58476D1CE4E5B9ULL) * 0x94D049BB133111EBULL ^ c;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Our own draws over mt19937_64's raw output: the standard distributions are not specified
// bit for bit, and the seed must give the same history with any standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  int64_t Uniform(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(engine_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) { return Real() < p; }
  double Real() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  template <size_t N>
  int Weighted(const std::array<int, N>& weights) {
    int total = 0;
    for (int w : weights) total += w;
    int64_t r = Uniform(0, total - 1);
    for (size_t i = 0; i < N; ++i) {
      if (r < weights[i]) return static_cast<int>(i);
      r -= weights[i];
    }
    return static_cast<int>(N) - 1;
  }

 private:
  std::mt19937_64 engine_;
};

// Prices are listed in HUF; other currencies get a plausible local price.
bool IsZeroDecimal(const std::string& currency) {
  return currency == "JPY" || currency == "KRW" || currency == "ISK" || currency == "CLP" ||
         currency == "VND";
}

Money PriceIn(const std::string& currency, int64_t huf) {
  if (currency == "HUF") return Money::FromUnits(huf * Money::kScale);
  if (IsZeroDecimal(currency)) return Money::FromUnits((huf * 4 / 100) * 10 * Money::kScale);
  // About 400 HUF per unit, written as x.99.
  const int64_t whole = std::max<int64_t>(1, (huf + 200) / 400);
  return Money::FromUnits(whole * Money::kScale - 100);
}

// Rounds to the currency's minor unit (whole units for HUF and zero-decimal currencies).
Money RoundMinor(const std::string& currency, Money m) {
  const int64_t step = (currency == "HUF" || IsZeroDecimal(currency)) ? Money::kScale : 100;
  return Money::FromUnits((m.units() + step / 2) / step * step);
}

// Reporting-currency units per EUR, for the few orders paid in euros.
std::optional<std::string> EurRateTo(const std::string& currency) {
  if (currency == "HUF") return "395.50";
  if (currency == "GBP") return "0.8530";
  if (currency == "USD") return "1.0840";
  if (currency == "CZK") return "25.31";
  if (currency == "PLN") return "4.3120";
  if (currency == "RON") return "4.9740";
  return std::nullopt;
}

std::string DateKey(CivilDate d) { return fmt::format("{:04}{:02}{:02}", d.year, d.month, d.day); }
int64_t DayNumber(CivilDate d) { return d.ToDays(); }

// ---- pure cross-day facts ----------------------------------------------------------------

int SignupsOn(uint64_t seed, CivilDate d) {
  return 2 + static_cast<int>(Mix(seed, static_cast<uint64_t>(DayNumber(d)), 1) % 6);
}
std::string CustomerId(CivilDate d, int k) { return fmt::format("c{}-{}", DateKey(d), k); }

bool IsCampaignDay(uint64_t seed, CivilDate d) {
  return d.Weekday() == 2 || Mix(seed, static_cast<uint64_t>(DayNumber(d)), 2) % 17 == 0;
}
std::string CampaignId(CivilDate d) { return "cmp-" + DateKey(d); }

// The latest campaign sent on or before `d`, within the attribution window.
std::optional<CivilDate> RecentCampaign(uint64_t seed, CivilDate d) {
  for (int back = 0; back < kCampaignAttributionDays; ++back) {
    const CivilDate c = d.AddDays(-back);
    if (IsCampaignDay(seed, c)) return c;
  }
  return std::nullopt;
}

// A product's stock: a sawtooth from `capacity` down by `daily` units a day, restocked every
// `period` days (so some products run low or out before the delivery comes).
struct StockCurve {
  int64_t capacity, daily, period, phase;
};
StockCurve CurveOf(uint64_t seed, int product) {
  const uint64_t h = Mix(seed, static_cast<uint64_t>(product), 3);
  StockCurve c;
  c.capacity = 40 + static_cast<int64_t>(h % 90);
  c.period = 7 + static_cast<int64_t>((h >> 8) % 15);
  c.daily = std::max<int64_t>(1, c.capacity / c.period + static_cast<int64_t>((h >> 16) % 4) - 1);
  c.phase = static_cast<int64_t>((h >> 24) % static_cast<uint64_t>(c.period));
  return c;
}
int64_t DaysSinceRestock(const StockCurve& c, CivilDate d) {
  const int64_t n = DayNumber(d) + c.phase;
  return ((n % c.period) + c.period) % c.period;  // 0 = a restock day
}
int64_t LevelAtEndOf(const StockCurve& c, CivilDate d) {
  return std::max<int64_t>(0, c.capacity - c.daily * (DaysSinceRestock(c, d) + 1));
}

// ---- one day ------------------------------------------------------------------------------

class DayWriter {
 public:
  DayWriter(const SeedPlan& plan, CivilDate day, Timestamp now,
            const std::function<void(ProducedEvent&&)>& emit)
      : plan_(plan),
        day_(day),
        key_(DateKey(day)),
        now_(now),
        emit_(emit),
        start_(plan.zone->StartOfDay(day)),
        rng_(Mix(plan.seed, static_cast<uint64_t>(DayNumber(day)), 0xDA7)) {}

  void Run() {
    Signups();
    if (IsCampaignDay(plan_.seed, day_)) Campaign();
    Orders();
    Stock();
  }

 private:
  Timestamp At(int64_t seconds_into_day) const {
    return Timestamp{start_.micros + seconds_into_day * Timestamp::kMicrosPerSecond};
  }
  std::string Text(Timestamp t) const { return FormatLocal(plan_.zone->ToLocal(t)); }

  // Starts an event; every event takes a number, emitted or not, so ids stay stable.
  std::optional<CloudEventWriter> Begin(const char* source, const char* type, Timestamp t) {
    const int n = next_++;
    if (t > now_) return std::nullopt;
    return CloudEventWriter(fmt::format("seed-{}-{}-{}", plan_.tenant, key_, n), source, type,
                            Text(t), plan_.tenant);
  }
  void End(std::optional<CloudEventWriter>& e) { emit_(e->Finish()); }

  // A second of the day following the shop's rhythm: quiet nights, lunch and evening peaks.
  int64_t OrderSecond() {
    static constexpr std::array<int, 24> kHourWeights = {
        2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 11, 12, 13, 11, 10, 10, 11, 12, 14, 16, 17, 14, 9, 5};
    return rng_.Weighted(kHourWeights) * kHour + rng_.Uniform(0, kHour - 1);
  }

  std::optional<std::string> CampaignFor(CivilDate d) {
    std::optional<CivilDate> c = RecentCampaign(plan_.seed, d);
    return c ? std::optional<std::string>(CampaignId(*c)) : std::nullopt;
  }

  // A customer who signed up on an earlier day (possibly before the seeded range).
  std::string ReturningCustomer() {
    const CivilDate d = day_.AddDays(-rng_.Uniform(1, rng_.Chance(0.5) ? 30 : 180));
    return CustomerId(d, static_cast<int>(rng_.Uniform(0, SignupsOn(plan_.seed, d) - 1)));
  }

  void Signups() {
    const int n = SignupsOn(plan_.seed, day_);
    signup_seconds_.clear();
    for (int k = 0; k < n; ++k) {
      const int64_t second = OrderSecond();
      signup_seconds_.push_back(second);
      const int source = rng_.Weighted(std::array<int, 3>{60, 25, 15});
      std::optional<std::string> campaign = source == 1 ? CampaignFor(day_) : std::nullopt;
      static constexpr std::array<const char*, 6> kCountries = {"HU", "HU", "HU", "AT", "SK", "RO"};
      const char* country = kCountries[static_cast<size_t>(rng_.Uniform(0, 5))];
      auto e = Begin("crm", "customer.created", At(second));
      if (!e) continue;
      JsonWriter& d = e->data();
      d.Key("customer_id").String(CustomerId(day_, k));
      d.Key("created_at").String(Text(At(second)));
      d.Key("country").String(country);
      if (campaign) {
        d.Key("source").String("campaign").Key("campaign_id").String(*campaign);
      } else {
        d.Key("source").String(source == 2 ? "referral" : "organic");
      }
      End(e);
    }
  }

  void Campaign() {
    const bool newsletter = day_.Weekday() == 2;
    const int64_t recipients = rng_.Uniform(800, 2500);
    const Timestamp sent = At(9 * kHour + rng_.Uniform(0, 1800));
    const std::string id = CampaignId(day_);
    // About 3 HUF per e-mail, in the tenant's currency.
    const Money cost = RoundMinor(plan_.currency, PriceIn(plan_.currency, 3 * recipients));
    if (auto e = Begin("crm", "campaign.sent", sent)) {
      JsonWriter& d = e->data();
      d.Key("campaign_id").String(id);
      d.Key("name").String(newsletter ? fmt::format("Heti hírlevél {}", day_.ToString())
                                      : fmt::format("Villámakció {}", day_.ToString()));
      d.Key("channel").String("email");
      d.Key("sent_at").String(Text(sent));
      d.Key("recipients").Int(recipients);
      d.Key("cost").String(MoneyText(cost));
      d.Key("currency").String(plan_.currency);
      End(e);
    }
    // Opens over the next two days: 18-35% unique, some opened twice.
    const int64_t opens = recipients * rng_.Uniform(18, 35) / 100;
    for (int64_t i = 0; i < opens; ++i) {
      const std::string customer = ReturningCustomer();
      const int times = rng_.Chance(0.12) ? 2 : 1;
      for (int t = 0; t < times; ++t) {
        const int64_t delay =
            rng_.Chance(0.7) ? rng_.Uniform(60, 6 * kHour) : rng_.Uniform(6 * kHour, 48 * kHour);
        const Timestamp when{sent.micros + delay * Timestamp::kMicrosPerSecond};
        auto e = Begin("crm", "email.opened", when);
        if (!e) continue;
        JsonWriter& d = e->data();
        d.Key("campaign_id").String(id);
        d.Key("customer_id").String(customer);
        d.Key("opened_at").String(Text(when));
        d.Key("message_id").String(fmt::format("msg-{}-{}", id, i));
        End(e);
      }
    }
  }

  int OrderCount() {
    double mean = plan_.orders_per_day;
    const int weekday = day_.Weekday();
    if (weekday == 1) mean *= 1.15;  // Monday catch-up
    if (weekday >= 6) mean *= 0.8;   // quieter weekends
    if (RecentCampaign(plan_.seed, day_)) mean *= 1.1;
    // A slow upward trend: +20% a year (a pure function of the date, 1.0 on 2026-01-01).
    constexpr int64_t k20260101 = 20454;
    mean *= std::pow(1.2, static_cast<double>(DayNumber(day_) - k20260101) / 365.0);
    const double noise = 0.75 + 0.5 * rng_.Real();
    return std::max(0, static_cast<int>(std::lround(mean * noise)));
  }

  void Orders() {
    const int count = OrderCount();
    for (int i = 0; i < count; ++i) Order(i);
  }

  void Order(int index) {
    const int64_t second = OrderSecond();
    const Timestamp placed = At(second);
    const std::string order_id = fmt::format("S{}-{:04}", key_, index);

    // Who, where, how.
    std::optional<std::string> customer;
    const int who = rng_.Weighted(std::array<int, 3>{22, 38, 40});  // guest, new, returning
    if (who == 1) {
      for (size_t k = 0; k < signup_seconds_.size(); ++k) {
        if (signup_seconds_[k] < second && rng_.Chance(0.5)) {
          customer = CustomerId(day_, static_cast<int>(k));
          break;
        }
      }
    }
    if (!customer && who != 0) customer = ReturningCustomer();
    static constexpr std::array<const char*, 3> kChannels = {"web", "mobile", "pos"};
    const char* channel =
        kChannels[static_cast<size_t>(rng_.Weighted(std::array<int, 3>{55, 35, 10}))];
    const std::optional<std::string> eur_rate =
        plan_.currency != "EUR" && rng_.Chance(0.02) ? EurRateTo(plan_.currency) : std::nullopt;
    const std::string currency = eur_rate ? "EUR" : plan_.currency;
    std::optional<std::string> campaign = rng_.Chance(0.2) ? CampaignFor(day_) : std::nullopt;
    static constexpr std::array<const char*, 6> kCountries = {"HU", "HU", "HU", "HU", "AT", "SK"};
    const char* country = kCountries[static_cast<size_t>(rng_.Uniform(0, 5))];

    // What: 1-4 distinct products.
    const int n_items = 1 + rng_.Weighted(std::array<int, 4>{50, 30, 15, 5});
    std::vector<int> products;
    while (static_cast<int>(products.size()) < n_items) {
      const int p = static_cast<int>(rng_.Uniform(0, 39));
      if (std::find(products.begin(), products.end(), p) == products.end()) products.push_back(p);
    }
    struct Line {
      int product;
      int64_t quantity;
      Money price;
    };
    std::vector<Line> lines;
    Money subtotal;
    for (int p : products) {
      const int64_t quantity = 1 + rng_.Weighted(std::array<int, 3>{80, 15, 5});
      const Money price = PriceIn(currency, kSeedProducts[p].price_huf);
      lines.push_back({p, quantity, price});
      subtotal += price * quantity;
    }
    const Money discount =
        campaign ? RoundMinor(currency, subtotal.Prorate(Money::FromUnits(1), Money::FromUnits(10)))
                 : Money();
    const bool ships = std::string_view(channel) != "pos";
    const Money shipping =
        ships && subtotal < PriceIn(currency, 15000) ? PriceIn(currency, 1490) : Money();
    const Money total = subtotal - discount + shipping;
    const Money tax =
        RoundMinor(currency, total.Prorate(Money::FromUnits(27), Money::FromUnits(127)));

    if (auto e = Begin("webshop", "order.created", placed)) {
      JsonWriter& d = e->data();
      d.Key("order_id").String(order_id);
      d.Key("customer_id");
      if (customer) {
        d.String(*customer);
      } else {
        d.Null();
      }
      d.Key("placed_at").String(Text(placed));
      d.Key("status").String("pending");
      d.Key("currency").String(currency);
      if (eur_rate) d.Key("fx_rate").String(*eur_rate);
      d.Key("items").BeginArray();
      for (const Line& line : lines) {
        const SeedProduct& p = kSeedProducts[line.product];
        d.BeginObject()
            .Key("product_id")
            .String(p.id)
            .Key("sku")
            .String(fmt::format("SKU-{}", p.id + 2))
            .Key("name")
            .String(p.name)
            .Key("category_id")
            .Int(p.category_id)
            .Key("category_name")
            .String(kSeedCategories[p.category_id - 1].name)
            .Key("quantity")
            .Int(line.quantity)
            .Key("unit_price")
            .String(MoneyText(line.price))
            .EndObject();
      }
      d.EndArray();
      d.Key("discount_total").String(MoneyText(discount));
      d.Key("shipping_total").String(MoneyText(shipping));
      d.Key("tax_total").String(MoneyText(tax));
      d.Key("total").String(MoneyText(total));
      if (campaign) d.Key("campaign_id").String(*campaign);
      d.Key("channel").String(channel);
      d.Key("country").String(country);
      End(e);
    }
    Lifecycle(
        order_id, placed, ships,
        lines.size() > 1 ? std::optional<Money>(lines[0].price * lines[0].quantity) : std::nullopt);
  }

  void Status(const std::string& order_id, const char* status, const char* previous, Timestamp when,
              std::optional<Money> refund = std::nullopt) {
    auto e = Begin("webshop", "order.status_changed", when);
    if (!e) return;
    JsonWriter& d = e->data();
    d.Key("order_id").String(order_id);
    d.Key("status").String(status);
    d.Key("previous_status").String(previous);
    d.Key("changed_at").String(Text(when));
    if (refund) d.Key("refund_amount").String(MoneyText(*refund));
    End(e);
  }

  static Timestamp After(Timestamp t, int64_t seconds) {
    return Timestamp{t.micros + seconds * Timestamp::kMicrosPerSecond};
  }

  // processing -> shipped -> completed; ~3% cancelled; ~2% refunded later (in full, or one
  // line of a multi-line order).
  void Lifecycle(const std::string& order_id, Timestamp placed, bool ships,
                 std::optional<Money> first_line) {
    const double fate = rng_.Real();
    if (fate < 0.03) {
      Status(order_id, "cancelled", "pending", After(placed, rng_.Uniform(600, 6 * kHour)));
      return;
    }
    Timestamp completed;
    if (!ships) {  // point of sale: paid and taken home
      completed = After(placed, rng_.Uniform(30, 300));
      Status(order_id, "completed", "pending", completed);
    } else {
      const Timestamp processing = After(placed, rng_.Uniform(300, kHour));
      const Timestamp shipped = After(processing, rng_.Uniform(3 * kHour, 44 * kHour));
      completed = After(shipped, rng_.Uniform(20 * kHour, 96 * kHour));
      Status(order_id, "processing", "pending", processing);
      Status(order_id, "shipped", "processing", shipped);
      Status(order_id, "completed", "shipped", completed);
    }
    if (fate < 0.05) {
      const Timestamp refunded = After(completed, rng_.Uniform(1, 10) * kSecondsPerDay);
      const bool partial = first_line && rng_.Chance(0.5);
      Status(order_id, "refunded", "completed", refunded, partial ? first_line : std::nullopt);
    }
  }

  // The end-of-day stock level of every product, and the morning deliveries.
  void Stock() {
    for (int p = 0; p < 40; ++p) {
      const StockCurve c = CurveOf(plan_.seed, p);
      const SeedProduct& product = kSeedProducts[p];
      const int64_t level = LevelAtEndOf(c, day_);
      const int64_t previous = LevelAtEndOf(c, day_.AddDays(-1));
      if (DaysSinceRestock(c, day_) == 0) {
        const Timestamp received = At(7 * kHour + rng_.Uniform(0, 2 * kHour));
        const int64_t quantity = c.capacity - previous;
        if (auto e = Begin("warehouse", "stock.received", received); e && quantity >= 1) {
          JsonWriter& d = e->data();
          d.Key("product_id").String(product.id);
          d.Key("quantity").Int(quantity);
          d.Key("received_at").String(Text(received));
          d.Key("unit_cost")
              .String(MoneyText(RoundMinor(
                  plan_.currency, PriceIn(plan_.currency, product.price_huf)
                                      .Prorate(Money::FromUnits(45), Money::FromUnits(100)))));
          d.Key("currency").String(plan_.currency);
          d.Key("supplier_id").String(fmt::format("sup-{}", product.category_id));
          d.Key("stock_level").Int(c.capacity);
          d.Key("sku").String(fmt::format("SKU-{}", product.id + 2));
          d.Key("name").String(product.name);
          End(e);
        }
      }
      const Timestamp closing = At(22 * kHour + rng_.Uniform(0, 1800));
      auto e = Begin("webshop", "product.stock_changed", closing);
      if (!e) continue;
      JsonWriter& d = e->data();
      d.Key("product_id").String(product.id);
      d.Key("stock_level").Int(level);
      d.Key("changed_at").String(Text(closing));
      d.Key("delta").Int(level - previous);
      d.Key("reason").String(DaysSinceRestock(c, day_) == 0 ? "adjustment" : "order");
      d.Key("sku").String(fmt::format("SKU-{}", product.id + 2));
      d.Key("name").String(product.name);
      d.Key("category_id").Int(product.category_id);
      d.Key("category_name").String(kSeedCategories[product.category_id - 1].name);
      d.Key("low_stock_threshold").Int(kLowStockThreshold);
      End(e);
    }
  }

  const SeedPlan& plan_;
  CivilDate day_;
  std::string key_;
  Timestamp now_;
  const std::function<void(ProducedEvent&&)>& emit_;
  Timestamp start_;
  Rng rng_;
  int next_ = 0;
  std::vector<int64_t> signup_seconds_;
};

}  // namespace

void GenerateSeed(const SeedPlan& plan, Timestamp now,
                  const std::function<void(ProducedEvent&&)>& emit) {
  const CivilDate today = plan.zone->LocalDate(now);
  for (int back = plan.days - 1; back >= 0; --back) {
    DayWriter(plan, today.AddDays(-back), now, emit).Run();
  }
}

}  // namespace vecton::producers
