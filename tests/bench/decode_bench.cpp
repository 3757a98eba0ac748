// The ingestor's per-event CPU work, in process and without servers: decoding an order.created
// body and building the text PostgreSQL receives for it.
//
//   bench_decode [COUNT] [ROUNDS]     (defaults 20000 and 5)
//
// COUNT bodies shaped like bench_publish's (3 items, ~900 bytes, times spread over a year) are
// generated up front. Each round then times, over all of them:
//   decode  DecodeEvent
//   text    the per-event strings the storage layer builds for a new order (FormatUtc of the
//           event and order times, the Europe/Budapest local day and hour start, the totals'
//           and unit prices' Money::ToString(4)), escaped into COPY text with the bodies
// in batches of 2,000 (the default batch_size), and prints the fastest round as ns/event, one JSON
// line:
//   {"events":20000,"decode_ns":..., "text_ns":..., "total_ns":...}
// The fastest round, not the mean, because the machine is shared: other work only ever adds.
// Run it under `perf record -g` to see where the time goes.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_orders.h"
#include "storage/pg_array.h"
#include "vecton/civil_time.h"
#include "vecton/event.h"

namespace {

constexpr size_t kBatchSize = 2000;  // the ingestor's default batch_size

// What IngestBatch and the order store build for a batch of new orders: the event_log COPY
// rows (bodies included), and the COPY text of each order's computed fields and of its lines.
// Returns the rows built.
size_t BuildText(const std::vector<vecton::Event>& events, const std::string* bodies,
                 const vecton::TimeZone& zone) {
  vecton::storage::CopyRows<6> log;
  vecton::storage::CopyRows<9> orders;
  vecton::storage::CopyRows<3> lines;
  for (size_t i = 0; i < events.size(); ++i) {
    const vecton::Event& e = events[i];
    const auto& o = std::get<vecton::OrderCreated>(e.data);
    log.Add({e.tenant, e.source, e.id, vecton::EventTypeName(e.type), vecton::FormatUtc(e.time),
             bodies[i]});
    orders.Add({o.order_id, o.customer_id, vecton::FormatUtc(o.placed_at),
                zone.LocalDate(o.placed_at).ToString(),
                vecton::FormatUtc(zone.HourStart(o.placed_at)), o.total.ToString(4),
                o.discount_total.ToString(4), o.shipping_total.ToString(4),
                o.tax_total.ToString(4)});
    for (const vecton::OrderItem& item : o.items) {
      lines.Add(
          {item.product_id, static_cast<int64_t>(item.quantity), item.unit_price.ToString(4)});
    }
  }
  return log.size() + orders.size() + lines.size();
}

double NsPerEvent(std::chrono::steady_clock::duration d, size_t n) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) /
         static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 20'000;
  const long rounds = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 5;
  if (count <= 0 || rounds <= 0) {
    std::fprintf(stderr, "usage: %s [COUNT] [ROUNDS]\n", argv[0]);
    return 2;
  }
  auto zone = vecton::TimeZone::Get("Europe/Budapest");
  if (!zone) {
    std::fprintf(stderr, "%s\n", zone.error().c_str());
    return 1;
  }

  uint64_t rng = 0xBE0C4;
  std::vector<std::string> bodies;
  for (long i = 1; i <= count; ++i)
    bodies.push_back(bench::OrderBody("bench", "1790000000", static_cast<uint64_t>(i), rng));

  using Clock = std::chrono::steady_clock;
  Clock::duration best_decode = Clock::duration::max(), best_text = Clock::duration::max();
  size_t sink = 0;  // keeps the optimizer from dropping the work
  for (long round = 0; round < rounds; ++round) {
    Clock::duration decode{}, text{};
    for (size_t begin = 0; begin < bodies.size(); begin += kBatchSize) {
      const size_t end = std::min(bodies.size(), begin + kBatchSize);
      std::vector<vecton::Event> events;
      events.reserve(end - begin);
      const auto t0 = Clock::now();
      for (size_t i = begin; i < end; ++i) {
        auto event = vecton::DecodeEvent(bodies[i]);
        if (!event) {
          std::fprintf(stderr, "decode failed: %s\n", event.error().c_str());
          return 1;
        }
        events.push_back(std::move(*event));
      }
      const auto t1 = Clock::now();
      sink += BuildText(events, bodies.data() + begin, **zone);
      const auto t2 = Clock::now();
      decode += t1 - t0;
      text += t2 - t1;
    }
    best_decode = std::min(best_decode, decode);
    best_text = std::min(best_text, text);
  }

  const auto n = static_cast<size_t>(count);
  std::printf(
      "{\"events\":%ld,\"decode_ns\":%.0f,\"text_ns\":%.0f,\"total_ns\":%.0f,\"sink\":%zu}\n",
      count, NsPerEvent(best_decode, n), NsPerEvent(best_text, n),
      NsPerEvent(best_decode + best_text, n), sink);
  return 0;
}
