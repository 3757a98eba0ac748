// The ingest benchmarks' events: order.created bodies with 3 items, times spread over the 365
// days before 2026-11-01 (UTC), none cancelled, ~900 bytes. Header-only and plain string
// appends (no vecton::JsonWriter), so that bench_publish links nothing but rabbitmq-c, like
// the bare consumer it is paired with.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace bench {

inline constexpr int64_t kEpochEnd = 1'793'491'200;  // 2026-11-01T00:00:00Z
inline constexpr int64_t kSpanSeconds = 365 * 86400;

// A cheap deterministic generator (splitmix64) for varied but reproducible bodies.
inline uint64_t Next(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

inline std::string Rfc3339(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct OrderLine {
  uint64_t product;  // 0..499: category 1 + product % 8
  int64_t quantity;
  int64_t price;  // whole units
};

// An order.created body placed at `time` (RFC 3339), products "<prefix>p-N" named
// "<name> N", in HUF, channel web, country HU.
inline std::string OrderCreated(const std::string& tenant, const std::string& event_id,
                                const std::string& order_id, const std::string& customer_id,
                                const std::string& time, const std::string& prefix,
                                const std::string& name, const OrderLine (&lines)[3]) {
  std::string b;
  b.reserve(900);
  b += R"({"specversion":"1.0","id":")" + event_id +
       R"(","source":"webshop","type":"order.created","time":")" + time + R"(","tenant":")" +
       tenant + R"(","datacontenttype":"application/json","data":{"order_id":")" + order_id +
       R"(","customer_id":")" + customer_id + R"(","placed_at":")" + time +
       R"(","currency":"HUF","items":[)";
  int64_t total = 0;
  for (const OrderLine& line : lines) {
    total += line.quantity * line.price;
    if (&line != &lines[0]) b += ',';
    const std::string product = std::to_string(line.product);
    b += R"({"product_id":")" + prefix + "p-" + product + R"(","sku":"SKU-)" + product +
         R"(","name":")" + name + " " + product + R"(","category_id":)" +
         std::to_string(1 + line.product % 8) + R"(,"quantity":)" + std::to_string(line.quantity) +
         R"(,"unit_price":")" + std::to_string(line.price) + R"(.00"})";
  }
  b += R"(],"total":")" + std::to_string(total) + R"(.00","channel":"web","country":"HU"}})";
  return b;
}

// Event i of run `run` for `tenant`: id "bench-RUN-i", order "b-RUN-i", one of 50,000
// customers, 3 of 500 products, at a random second of the year.
inline std::string OrderBody(const std::string& tenant, const std::string& run, uint64_t i,
                             uint64_t& rng) {
  const std::string time = Rfc3339(kEpochEnd - 1 - static_cast<int64_t>(Next(rng) % kSpanSeconds));
  const std::string customer = "bc-" + std::to_string(Next(rng) % 50'000);
  OrderLine lines[3];
  for (OrderLine& line : lines) {
    line.product = Next(rng) % 500;
    line.quantity = 1 + static_cast<int64_t>(Next(rng) % 3);
    line.price = 990 + static_cast<int64_t>(Next(rng) % 20) * 500;
  }
  const std::string id = run + "-" + std::to_string(i);
  return OrderCreated(tenant, "bench-" + id, "b-" + id, customer, time, "b", "Bench product",
                      lines);
}

}  // namespace bench
