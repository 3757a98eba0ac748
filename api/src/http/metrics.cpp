#include "http/metrics.h"

#include <fmt/format.h>

namespace vecton::api {

void Metrics::ObserveRequest(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  Series& s = series_[{route, status}];
  ++s.count;
  s.sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++s.buckets[i];
      break;
    }
  }
}

std::string Metrics::Render(const CacheStats& cache, bool redis_subscribed) const {
  std::string out;
  out += "# HELP vecton_api_requests_total HTTP requests by route pattern and status.\n";
  out += "# TYPE vecton_api_requests_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, s] : series_) {
    out += fmt::format("vecton_api_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first,
                       key.second, s.count);
  }
  out += "# HELP vecton_api_request_duration_seconds HTTP request latency.\n";
  out += "# TYPE vecton_api_request_duration_seconds histogram\n";
  for (const auto& [key, s] : series_) {
    std::string labels = fmt::format("route=\"{}\",status=\"{}\"", key.first, key.second);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += s.buckets[i];
      out += fmt::format("vecton_api_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                         kBuckets[i], cumulative);
    }
    out += fmt::format("vecton_api_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                       s.count);
    out += fmt::format("vecton_api_request_duration_seconds_sum{{{}}} {:.6f}\n", labels, s.sum);
    out += fmt::format("vecton_api_request_duration_seconds_count{{{}}} {}\n", labels, s.count);
  }
  auto counter = [&](const char* name, const char* help, uint64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
  };
  counter("vecton_api_cache_hits_total", "Report answers served from the cache.", cache.hits);
  counter("vecton_api_cache_hot_hits_total", "Cache hits served from process memory.",
          cache.hot_hits);
  counter("vecton_api_cache_misses_total", "Report answers not found in the cache.", cache.misses);
  counter("vecton_api_reports_computed_total",
          "Report answers computed (concurrent identical misses compute once).", cache.computed);
  counter("vecton_api_cache_errors_total", "Failed Redis commands and connection attempts.",
          cache.errors);
  counter("vecton_api_cache_bypassed_total", "Lookups that skipped Redis during an outage.",
          cache.bypassed);
  counter("vecton_api_db_errors_total", "Requests that failed on the database.", db_errors_.load());
  out += "# HELP vecton_api_cache_subscribed Whether the generation pub/sub link is up.\n";
  out += "# TYPE vecton_api_cache_subscribed gauge\n";
  out += fmt::format("vecton_api_cache_subscribed {}\n", redis_subscribed ? 1 : 0);
  return out;
}

}  // namespace vecton::api
