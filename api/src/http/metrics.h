// Prometheus metrics of one instance: request counts and latency histograms by route and
// status, cache outcomes, database errors. Route labels are route patterns (never raw paths),
// so label cardinality stays bounded.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "cache/report_cache.h"

namespace vecton::api {

class Metrics {
 public:
  void ObserveRequest(const std::string& route, int status, double seconds);
  void CountDbError() { ++db_errors_; }
  // The text exposition format (version 0.0.4).
  std::string Render(const CacheStats& cache, bool redis_subscribed) const;

  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   5.0};

 private:
  struct Series {
    uint64_t count = 0;
    double sum = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, Series> series_;
  std::atomic<uint64_t> db_errors_{0};
};

}  // namespace vecton::api
