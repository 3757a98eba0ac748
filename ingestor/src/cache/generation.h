// Tells the API's caches that a tenant's data changed: the only code of the ingestor that
// includes hiredis.
//
// After every commit that touched a tenant, its generation key `vecton:gen:<tenant>` is set
// to the committing transaction's id and `vecton:gen` is published with the tenant's name
// (API instances that keep answers in memory drop them on that message). Transaction ids are
// unique, so a value is never reused: not after a Redis restart, not with two ingestors
// whose commits reach Redis out of order.
//
// Redis being down must not stop ingestion: bumps that fail are kept (per tenant, the
// newest) and sent again by Flush on the next call, and the outage is logged once. A failed
// connection is tried again 2 s later at the earliest, so that a Redis that does not answer
// at all costs the caller one 0.5 s timeout per pause, not one per bump.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>

struct redisContext;

namespace vecton::cache {

class GenerationPublisher {
 public:
  explicit GenerationPublisher(std::string redis_url);
  ~GenerationPublisher();
  GenerationPublisher(const GenerationPublisher&) = delete;
  GenerationPublisher& operator=(const GenerationPublisher&) = delete;

  // Records the bump and tries to send everything pending. Returns false while Redis is
  // unreachable (the bumps stay pending).
  bool Bump(const std::set<std::string>& tenants, int64_t generation);
  // Sends what is pending; true when nothing is left.
  bool Flush();
  bool Ping();
  size_t pending() const { return pending_.size(); }

 private:
  bool EnsureConnected();
  void Disconnect();

  static constexpr std::chrono::seconds kRetryPause{2};

  std::string url_;
  redisContext* context_ = nullptr;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::map<std::string, int64_t> pending_;
  bool outage_logged_ = false;
};

}  // namespace vecton::cache
