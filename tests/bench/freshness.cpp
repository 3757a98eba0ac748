// The freshness benchmark's load and probe (freshness_bench.sh): how long an event takes from
// publish to visible in /dashboard under a steady publish rate.
//
//   bench_freshness AMQP_URL EXCHANGE LOAD_TENANT PROBE_TENANT API_URL TOKEN RATE SECONDS
//                   [PROBE_EVERY]
//
// DESIGN
// A publisher thread sends order.created events (3 items, placed now) at a steady RATE per
// second for SECONDS: every 10 ms it publishes what is due since the start, so the rate holds
// on average without bursts larger than one tick. Every PROBE_EVERY-th event (default 100) is
// a probe: an order for PROBE_TENANT, a tenant that receives nothing else, so the k-th probe
// is visible exactly when the probe tenant's /dashboard shows k more orders today than it did
// before the run. The others go to LOAD_TENANT. The publish instant of a probe is taken just
// before its basic.publish.
// A poller thread GETs API_URL/api/dashboard with TOKEN (the probe tenant's) every 10 ms and
// reads data.sales.today.orders; when it reads n, every probe k <= n not seen before was
// visible by the instant the response arrived, and its latency is that instant minus its
// publish instant (an upper bound: it includes up to one poll period and the request).
// After the load the poller keeps going until every probe is seen or 30 s pass.
// Prints one JSON line: {"published":N,"publish_rate":R,"probes":P,"seen":S,"p50_ms":..,
// "p90_ms":..,"p99_ms":..,"max_ms":..,"polls":..,"poll_errors":..}. Exit status 1 for an
// error, 2 for bad arguments. The probe tenant's time zone must be UTC (today = UTC date).
#include <cpprest/http_client.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "bench_amqp.h"
#include "bench_orders.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTick = std::chrono::milliseconds(10);
constexpr auto kPollPeriod = std::chrono::milliseconds(10);
constexpr auto kDrainTimeout = std::chrono::seconds(30);

std::string Body(const std::string& tenant, const std::string& run, uint64_t i) {
  const std::string id = run + "-" + std::to_string(i);
  bench::OrderLine lines[3];
  for (uint64_t k = 0; k < 3; ++k) {
    lines[k] = {(i * 7 + k * 13) % 500, 1 + static_cast<int64_t>((i + k) % 3),
                990 + static_cast<int64_t>((i * 31 + k) % 20) * 500};
  }
  return bench::OrderCreated(tenant, "fresh-" + id, "f-" + id, "fc-" + std::to_string(i % 5000),
                             bench::Rfc3339(std::time(nullptr)), "f", "Fresh product", lines);
}

// data.sales.today.orders of a /dashboard answer, or -1.
int64_t TodayOrders(web::http::client::http_client& client, const std::string& token) {
  web::http::http_request request(web::http::methods::GET);
  request.set_request_uri("/api/dashboard");
  request.headers().add("Authorization", "Bearer " + token);
  try {
    web::http::http_response response = client.request(request).get();
    if (response.status_code() != 200) return -1;
    const web::json::value body = response.extract_json(true).get();
    return body.at("data").at("sales").at("today").at("orders").as_number().to_int64();
  } catch (const std::exception&) {
    return -1;
  }
}

double Percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 9 && argc != 10) {
    std::fprintf(stderr,
                 "usage: bench_freshness AMQP_URL EXCHANGE LOAD_TENANT PROBE_TENANT API_URL TOKEN "
                 "RATE SECONDS [PROBE_EVERY]\n");
    return 2;
  }
  const std::string exchange = argv[2];
  const std::string load_tenant = argv[3];
  const std::string probe_tenant = argv[4];
  const std::string api_url = argv[5];
  const std::string token = argv[6];
  const double rate = std::strtod(argv[7], nullptr);
  const double seconds = std::strtod(argv[8], nullptr);
  const uint64_t probe_every = argc == 10 ? std::strtoull(argv[9], nullptr, 10) : 100;
  if (rate <= 0 || seconds <= 0 || probe_every == 0) {
    std::fprintf(stderr, "bench_freshness: RATE, SECONDS and PROBE_EVERY must be positive\n");
    return 2;
  }
  const uint64_t total = static_cast<uint64_t>(rate * seconds);
  const uint64_t probes = total / probe_every;
  const std::string run = std::to_string(std::time(nullptr));

  web::http::client::http_client_config config;
  config.set_timeout(std::chrono::seconds(5));
  web::http::client::http_client client(api_url, config);
  const int64_t before = TodayOrders(client, token);
  if (before < 0) bench::Die("cannot read the probe tenant's /api/dashboard at " + api_url);

  // Publish instants of the probes, nanoseconds since `start`; 0 until published.
  std::vector<std::atomic<int64_t>> published_at(probes + 1);
  std::atomic<bool> publishing_done{false};
  const Clock::time_point start = Clock::now();
  auto since_start = [&] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  };

  double publish_seconds = 0;
  std::thread publisher([&] {
    amqp_connection_state_t conn = bench::Connect(argv[1]);
    amqp_basic_properties_t props;
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    props.delivery_mode = 2;
    props.content_type = amqp_cstring_bytes("application/cloudevents+json");
    const amqp_bytes_t exchange_bytes = amqp_cstring_bytes(exchange.c_str());
    const amqp_bytes_t routing_key = amqp_cstring_bytes("order.created");
    uint64_t sent = 0;
    Clock::time_point next = start;
    while (sent < total) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const uint64_t due = std::min<uint64_t>(total, static_cast<uint64_t>(elapsed * rate) + 1);
      for (; sent < due; ++sent) {
        const uint64_t i = sent + 1;
        const bool probe = i % probe_every == 0;
        const std::string body = Body(probe ? probe_tenant : load_tenant, run, i);
        if (probe) published_at[i / probe_every] = since_start();
        amqp_bytes_t bytes{body.size(), const_cast<char*>(body.data())};
        if (const int rc =
                amqp_basic_publish(conn, 1, exchange_bytes, routing_key, 0, 0, &props, bytes);
            rc != AMQP_STATUS_OK) {
          bench::Die(std::string("publish: ") + amqp_error_string2(rc));
        }
      }
      next += kTick;
      std::this_thread::sleep_until(next);
    }
    publish_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
    publishing_done = true;
  });

  std::vector<double> latencies_ms;
  uint64_t seen = 0, polls = 0, poll_errors = 0;
  Clock::time_point drain_deadline = Clock::time_point::max();
  Clock::time_point next_poll = Clock::now();
  while (seen < probes) {
    if (publishing_done && drain_deadline == Clock::time_point::max()) {
      drain_deadline = Clock::now() + kDrainTimeout;
    }
    if (Clock::now() > drain_deadline) break;
    const int64_t orders = TodayOrders(client, token);
    const int64_t arrived = since_start();
    ++polls;
    if (orders < 0) {
      ++poll_errors;
    } else {
      const uint64_t visible =
          std::min<uint64_t>(probes, static_cast<uint64_t>(std::max<int64_t>(0, orders - before)));
      for (; seen < visible; ++seen) {
        const int64_t at = published_at[seen + 1].load();
        if (at == 0) bench::Die("the dashboard shows more orders than probes published");
        latencies_ms.push_back(static_cast<double>(arrived - at) / 1e6);
      }
    }
    next_poll += kPollPeriod;
    if (next_poll < Clock::now()) next_poll = Clock::now();
    std::this_thread::sleep_until(next_poll);
  }
  publisher.join();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf(
      "{\"published\":%llu,\"publish_rate\":%.0f,\"probes\":%llu,\"seen\":%llu,\"p50_ms\":%.1f,"
      "\"p90_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f,\"polls\":%llu,\"poll_errors\":%llu}\n",
      static_cast<unsigned long long>(total), static_cast<double>(total) / publish_seconds,
      static_cast<unsigned long long>(probes), static_cast<unsigned long long>(seen),
      Percentile(latencies_ms, 0.50), Percentile(latencies_ms, 0.90),
      Percentile(latencies_ms, 0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back(),
      static_cast<unsigned long long>(polls), static_cast<unsigned long long>(poll_errors));
  return seen == probes ? 0 : 1;
}
