// The report cache: Redis shared by all instances, plus an optional in-process hot copy.
//
// DESIGN
// Keys follow the ingestor's generation scheme: `vecton:gen:<tenant>` is set to the committing
// transaction's id (unique, never reused), then `vecton:gen` is published, after every commit
// that touched the tenant (ingestor/src/cache/generation.h), and an answer is stored
// under `vecton:cache:<tenant>:<generation>:<route>?<normalized query>` with EX = the TTL. A
// lookup reads the generation and the entry in ONE round trip (a tiny Lua script), so an answer
// is never older than the tenant's last commit.
//
// Hot copies: while a SUBSCRIBE to `vecton:gen` is up, this process learns of every bump, so
// it may remember each tenant's generation and keep answers in memory keyed by it: a hot hit
// costs no round trip at all. A bump message forgets the tenant's generation and its answers;
// a generation read from Redis is only remembered if no bump arrived while it was being read
// (a per-tenant epoch); when the subscription drops, everything hot is forgotten and lookups
// go back to Redis until it is re-established (messages may have been missed meanwhile).
//
// Redis down: lookups bypass it and compute (the caller reads PostgreSQL); the outage is
// logged once and counted. Reconnection is tried by one request at a time, with a 50 ms
// connect timeout and exponential backoff (100 ms .. 5 s) between attempts, so requests never
// wait on a dead Redis for long.
//
// Concurrent misses on the same key compute once per instance (single flight); the others
// wait for that result (or its exception).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct redisContext;

namespace vecton::api {

// What is cached: enough to answer without recomputing.
struct CachedAnswer {
  std::string body;
  std::string content_type;
  std::string content_disposition;  // "" for JSON
  std::string etag;                 // strong, quoted
  int64_t expires_at = 0;           // Unix seconds; for Cache-Control max-age
};

struct CacheStats {
  uint64_t hits = 0;      // Redis or hot
  uint64_t hot_hits = 0;  // of which in-process
  uint64_t misses = 0;
  uint64_t computed = 0;  // answers actually computed: misses minus those that joined a flight
  uint64_t errors = 0;    // failed Redis commands / connection attempts
  uint64_t bypassed = 0;  // lookups that skipped Redis during an outage
};

class ReportCache {
 public:
  struct Options {
    std::string redis_url;  // "" = no Redis (every lookup computes)
    int ttl_seconds = 900;  // 0 = no caching
    bool hot = true;
    size_t hot_max_bytes = 64u << 20;
    int pool_size = 16;
  };
  explicit ReportCache(Options options);
  ~ReportCache();
  ReportCache(const ReportCache&) = delete;
  ReportCache& operator=(const ReportCache&) = delete;

  struct Lookup {
    std::shared_ptr<const CachedAnswer> answer;
    bool hit = false;
  };
  // The answer for (tenant, key) where key = "<route>?<normalized query>"; on a miss runs
  // `compute` (once per instance for concurrent identical misses) and stores its result.
  // Exceptions from compute propagate to every waiter. `compute` must set body, content
  // type, etag; expires_at is set here.
  Lookup GetOrCompute(const std::string& tenant, const std::string& key,
                      const std::function<CachedAnswer()>& compute);

  // PING on a pooled connection (for /ready); false when down or not configured.
  bool Ping();
  bool configured() const { return !host_.empty(); }
  bool subscribed() const { return subscribed_.load(); }
  CacheStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  redisContext* Connect(int timeout_ms);  // nullptr on failure
  redisContext* Take();                   // nullptr when down / backing off
  void Give(redisContext* ctx, bool healthy);
  void MarkDown(const char* what);
  void MarkUp();
  void SubscribeLoop();
  void ForgetTenant(const std::string& tenant);
  // Keeps `answer` in memory if `generation` is still the tenant's known generation.
  void StoreHot(const std::string& tenant, const std::string& full_key, int64_t generation,
                const std::shared_ptr<const CachedAnswer>& answer);

  Options options_;
  std::string host_;
  int port_ = 6379;
  int db_ = 0;
  std::string password_;

  // Connection pool and outage state.
  std::mutex pool_mutex_;
  std::vector<redisContext*> idle_;
  std::atomic<bool> down_{false};
  std::atomic<bool> probing_{false};
  std::atomic<int64_t> next_attempt_ns_{0};
  std::atomic<int> backoff_ms_{100};

  // Hot copies (see DESIGN).
  std::mutex hot_mutex_;
  std::atomic<bool> subscribed_{false};
  std::unordered_map<std::string, int64_t> generation_;  // tenant -> known generation
  std::unordered_map<std::string, uint64_t> epoch_;      // tenant -> bumps seen
  std::unordered_map<std::string,
                     std::unordered_map<std::string, std::shared_ptr<const CachedAnswer>>>
      hot_;  // tenant -> "<gen>:<key>" -> answer
  size_t hot_bytes_ = 0;

  // Single flight.
  std::mutex flight_mutex_;
  std::unordered_map<std::string, std::shared_future<std::shared_ptr<const CachedAnswer>>> flights_;

  // Subscriber thread.
  std::atomic<bool> stopping_{false};
  std::mutex sub_mutex_;
  std::condition_variable sub_wake_;
  int sub_fd_ = -1;
  std::thread subscriber_;

  std::atomic<uint64_t> hits_{0}, hot_hits_{0}, misses_{0}, computed_{0}, errors_{0}, bypassed_{0};
};

}  // namespace vecton::api
