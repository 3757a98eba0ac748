#include "cache/report_cache.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <sys/socket.h>

#include <charconv>
#include <ctime>

#include "vecton/log.h"

namespace vecton::api {
namespace {

constexpr int kConnectTimeoutMs = 50;
constexpr int kCommandTimeoutMs = 500;
constexpr int kMaxBackoffMs = 5000;

// KEYS[1] = generation key; ARGV[1] = "vecton:cache:<tenant>:", ARGV[2] = ":<route>?<query>".
// Returns {generation, entry or nil}: one round trip for both reads.
constexpr const char* kLookupScript =
    "local g = redis.call('GET', KEYS[1]) or '0' "
    "return {g, redis.call('GET', ARGV[1] .. g .. ARGV[2])}";

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

Reply Command(redisContext* ctx, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(args.size()), argv.data(), lens.data())));
}

// "v1\n<etag>\n<content type>\n<disposition>\n<expires_at>\n<body>"
std::string Serialize(const CachedAnswer& a) {
  return fmt::format("v1\n{}\n{}\n{}\n{}\n", a.etag, a.content_type, a.content_disposition,
                     a.expires_at) +
         a.body;
}

std::shared_ptr<const CachedAnswer> Deserialize(std::string_view s) {
  auto answer = std::make_shared<CachedAnswer>();
  std::string_view fields[5];
  for (auto& f : fields) {
    size_t nl = s.find('\n');
    if (nl == std::string_view::npos) return nullptr;
    f = s.substr(0, nl);
    s.remove_prefix(nl + 1);
  }
  if (fields[0] != "v1") return nullptr;
  answer->etag = fields[1];
  answer->content_type = fields[2];
  answer->content_disposition = fields[3];
  auto [p, ec] =
      std::from_chars(fields[4].data(), fields[4].data() + fields[4].size(), answer->expires_at);
  if (ec != std::errc()) return nullptr;
  answer->body = s;
  return answer;
}

size_t Footprint(const std::string& key, const CachedAnswer& a) {
  return key.size() + a.body.size() + a.etag.size() + a.content_type.size() +
         a.content_disposition.size() + 128;
}

}  // namespace

ReportCache::ReportCache(Options options) : options_(std::move(options)) {
  // redis://[user[:password]@]host[:port][/db]
  std::string_view url = options_.redis_url;
  if (url.rfind("redis://", 0) == 0) {
    url.remove_prefix(8);
    std::string_view authority = url.substr(0, url.find('/'));
    std::string_view path = url.size() > authority.size() ? url.substr(authority.size() + 1) : "";
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      auto colon = userinfo.find(':');
      password_ = colon == std::string_view::npos ? std::string(userinfo)
                                                  : std::string(userinfo.substr(colon + 1));
      authority.remove_prefix(at + 1);
    }
    auto colon = authority.rfind(':');
    host_ = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      std::string_view port = authority.substr(colon + 1);
      std::from_chars(port.data(), port.data() + port.size(), port_);
    }
    if (!path.empty()) std::from_chars(path.data(), path.data() + path.size(), db_);
  }
  if (configured() && options_.hot && options_.ttl_seconds > 0) {
    subscriber_ = std::thread([this] { SubscribeLoop(); });
  }
}

ReportCache::~ReportCache() {
  stopping_ = true;
  {
    std::lock_guard lock(sub_mutex_);
    if (sub_fd_ >= 0) ::shutdown(sub_fd_, SHUT_RDWR);  // wakes the blocking read
  }
  sub_wake_.notify_all();
  if (subscriber_.joinable()) subscriber_.join();
  for (redisContext* ctx : idle_) redisFree(ctx);
}

redisContext* ReportCache::Connect(int timeout_ms) {
  timeval tv{0, timeout_ms * 1000};
  redisContext* ctx = redisConnectWithTimeout(host_.c_str(), port_, tv);
  if (ctx == nullptr) return nullptr;
  if (ctx->err) {
    redisFree(ctx);
    return nullptr;
  }
  timeval cmd{0, kCommandTimeoutMs * 1000};
  redisSetTimeout(ctx, cmd);
  auto ok = [&](Reply r) { return r && r->type != REDIS_REPLY_ERROR; };
  if ((!password_.empty() && !ok(Command(ctx, {"AUTH", password_}))) ||
      (db_ != 0 && !ok(Command(ctx, {"SELECT", std::to_string(db_)})))) {
    redisFree(ctx);
    return nullptr;
  }
  return ctx;
}

void ReportCache::MarkDown(const char* what) {
  ++errors_;
  int backoff = backoff_ms_.load();
  next_attempt_ns_ = NowNs() + int64_t{backoff} * 1'000'000;
  backoff_ms_ = std::min(backoff * 2, kMaxBackoffMs);
  if (!down_.exchange(true)) {
    Log(LogLevel::kWarn, "redis unreachable, answering from PostgreSQL until it is back",
        {{"what", what}, {"redis", host_ + ":" + std::to_string(port_)}});
    // Connections from before the outage are suspect.
    std::lock_guard lock(pool_mutex_);
    for (redisContext* ctx : idle_) redisFree(ctx);
    idle_.clear();
  }
}

void ReportCache::MarkUp() {
  backoff_ms_ = 100;
  if (down_.exchange(false)) Log(LogLevel::kInfo, "redis reachable again");
}

redisContext* ReportCache::Take() {
  if (!configured()) return nullptr;
  if (down_.load()) {
    // One request at a time probes, and only after the backoff.
    if (NowNs() < next_attempt_ns_.load() || probing_.exchange(true)) {
      ++bypassed_;
      return nullptr;
    }
    redisContext* ctx = Connect(kConnectTimeoutMs);
    probing_ = false;
    if (ctx == nullptr) {
      MarkDown("connect");
      ++bypassed_;
      return nullptr;
    }
    MarkUp();
    return ctx;
  }
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_.empty()) {
      redisContext* ctx = idle_.back();
      idle_.pop_back();
      return ctx;
    }
  }
  redisContext* ctx = Connect(kConnectTimeoutMs);
  if (ctx == nullptr) {
    MarkDown("connect");
    ++bypassed_;
  }
  return ctx;
}

void ReportCache::Give(redisContext* ctx, bool healthy) {
  if (ctx == nullptr) return;
  if (!healthy || ctx->err) {
    redisFree(ctx);
    return;
  }
  std::lock_guard lock(pool_mutex_);
  if (idle_.size() < static_cast<size_t>(options_.pool_size)) {
    idle_.push_back(ctx);
    return;
  }
  redisFree(ctx);
}

void ReportCache::ForgetTenant(const std::string& tenant) {
  // Caller holds hot_mutex_.
  generation_.erase(tenant);
  ++epoch_[tenant];
  if (auto it = hot_.find(tenant); it != hot_.end()) {
    for (const auto& [k, a] : it->second) hot_bytes_ -= Footprint(k, *a);
    hot_.erase(it);
  }
}

void ReportCache::SubscribeLoop() {
  int backoff_ms = 100;
  while (!stopping_) {
    redisContext* ctx = Connect(1000);
    if (ctx != nullptr) {
      redisSetTimeout(ctx, timeval{0, 0});  // block until a message (or shutdown)
      Reply r = Command(ctx, {"SUBSCRIBE", "vecton:gen"});
      if (r && r->type == REDIS_REPLY_ARRAY) {
        {
          std::lock_guard lock(sub_mutex_);
          sub_fd_ = ctx->fd;
        }
        {
          // Bumps may have been missed while unsubscribed: start from nothing.
          std::lock_guard lock(hot_mutex_);
          generation_.clear();
          hot_.clear();
          hot_bytes_ = 0;
          subscribed_ = true;
        }
        backoff_ms = 100;
        while (!stopping_) {
          void* raw = nullptr;
          if (redisGetReply(ctx, &raw) != REDIS_OK) break;
          Reply msg(static_cast<redisReply*>(raw));
          if (msg && msg->type == REDIS_REPLY_ARRAY && msg->elements == 3 &&
              msg->element[2]->type == REDIS_REPLY_STRING) {
            std::string tenant(msg->element[2]->str, msg->element[2]->len);
            std::lock_guard lock(hot_mutex_);
            ForgetTenant(tenant);
          }
        }
        {
          std::lock_guard lock(hot_mutex_);
          subscribed_ = false;
          generation_.clear();
          hot_.clear();
          hot_bytes_ = 0;
        }
        std::lock_guard lock(sub_mutex_);
        sub_fd_ = -1;
      }
      redisFree(ctx);
    }
    if (stopping_) break;
    std::unique_lock lock(sub_mutex_);
    sub_wake_.wait_for(lock, std::chrono::milliseconds(backoff_ms),
                       [&] { return stopping_.load(); });
    backoff_ms = std::min(backoff_ms * 2, kMaxBackoffMs);
  }
}

ReportCache::Lookup ReportCache::GetOrCompute(const std::string& tenant, const std::string& key,
                                              const std::function<CachedAnswer()>& compute) {
  if (options_.ttl_seconds <= 0) {
    ++misses_;
    ++computed_;
    return {std::make_shared<const CachedAnswer>(compute()), false};
  }
  const int64_t now = UnixNow();

  // 1. A hot copy under the generation we know (only while subscribed).
  bool gen_known = false;
  int64_t generation = 0;
  uint64_t epoch = 0;
  bool was_subscribed = false;
  if (options_.hot) {
    std::lock_guard lock(hot_mutex_);
    was_subscribed = subscribed_.load();
    epoch = epoch_[tenant];
    if (was_subscribed) {
      if (auto g = generation_.find(tenant); g != generation_.end()) {
        gen_known = true;
        generation = g->second;
        if (auto t = hot_.find(tenant); t != hot_.end()) {
          auto a = t->second.find(std::to_string(generation) + ":" + key);
          if (a != t->second.end() && a->second->expires_at > now) {
            ++hits_;
            ++hot_hits_;
            return {a->second, true};
          }
        }
      }
    }
  }

  // 2. Redis: the generation and the entry in one round trip.
  bool redis_ok = false;
  if (redisContext* ctx = Take()) {
    Reply r = Command(ctx, {"EVAL", kLookupScript, "1", "vecton:gen:" + tenant,
                            "vecton:cache:" + tenant + ":", ":" + key});
    bool healthy = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                   r->element[0]->type == REDIS_REPLY_STRING;
    if (healthy) {
      redis_ok = true;
      std::string_view g(r->element[0]->str, r->element[0]->len);
      int64_t read_generation = 0;
      std::from_chars(g.data(), g.data() + g.size(), read_generation);
      generation = read_generation;
      gen_known = true;
      std::shared_ptr<const CachedAnswer> answer;
      if (r->element[1]->type == REDIS_REPLY_STRING) {
        answer = Deserialize(std::string_view(r->element[1]->str, r->element[1]->len));
      }
      Give(ctx, true);
      if (options_.hot) {
        std::lock_guard lock(hot_mutex_);
        // Remember the generation only if no bump was announced while we read it.
        if (was_subscribed && subscribed_.load() && epoch_[tenant] == epoch) {
          generation_[tenant] = generation;
        }
      }
      if (answer && answer->expires_at > now) {
        ++hits_;
        StoreHot(tenant, std::to_string(generation) + ":" + key, generation, answer);
        return {answer, true};
      }
    } else {
      MarkDown(r && r->type == REDIS_REPLY_ERROR ? r->str : "command");
      Give(ctx, false);
    }
  }

  // 3. Compute, once per instance per key.
  std::string full_key = std::to_string(generation) + ":" + key;
  std::string flight_key = tenant + "\n" + (redis_ok || gen_known ? full_key : "?:" + key);
  std::promise<std::shared_ptr<const CachedAnswer>> promise;
  std::shared_future<std::shared_ptr<const CachedAnswer>> future;
  bool leader = false;
  {
    std::lock_guard lock(flight_mutex_);
    auto it = flights_.find(flight_key);
    if (it == flights_.end()) {
      future = promise.get_future().share();
      flights_.emplace(flight_key, future);
      leader = true;
    } else {
      future = it->second;
    }
  }
  ++misses_;
  if (!leader) return {future.get(), false};
  ++computed_;

  std::shared_ptr<const CachedAnswer> answer;
  try {
    CachedAnswer computed = compute();
    computed.expires_at = now + options_.ttl_seconds;
    answer = std::make_shared<const CachedAnswer>(std::move(computed));
    promise.set_value(answer);
  } catch (...) {
    promise.set_exception(std::current_exception());
    std::lock_guard lock(flight_mutex_);
    flights_.erase(flight_key);
    throw;
  }
  {
    std::lock_guard lock(flight_mutex_);
    flights_.erase(flight_key);
  }

  // 4. Store: in Redis under the generation read before computing (a bump meanwhile makes it
  // unreachable, never wrong), and hot when that generation is the one we know.
  if (redis_ok) {
    if (redisContext* ctx = Take()) {
      Reply r = Command(ctx, {"SET", "vecton:cache:" + tenant + ":" + full_key, Serialize(*answer),
                              "EX", std::to_string(options_.ttl_seconds)});
      bool healthy = r && r->type == REDIS_REPLY_STATUS;
      if (!healthy) MarkDown("set");
      Give(ctx, healthy);
    }
  }
  if (redis_ok) StoreHot(tenant, full_key, generation, answer);
  return {answer, false};
}

void ReportCache::StoreHot(const std::string& tenant, const std::string& full_key,
                           int64_t generation, const std::shared_ptr<const CachedAnswer>& answer) {
  if (!options_.hot) return;
  std::lock_guard lock(hot_mutex_);
  auto g = generation_.find(tenant);
  if (!subscribed_.load() || g == generation_.end() || g->second != generation) return;
  size_t size = Footprint(full_key, *answer);
  if (hot_bytes_ + size > options_.hot_max_bytes) {
    hot_.clear();  // crude but bounded; hot answers refill from Redis
    hot_bytes_ = 0;
  }
  auto [it, inserted] = hot_[tenant].emplace(full_key, answer);
  if (inserted) hot_bytes_ += size;
}

bool ReportCache::Ping() {
  redisContext* ctx = Take();
  if (ctx == nullptr) return false;
  Reply r = Command(ctx, {"PING"});
  bool healthy = r && r->type == REDIS_REPLY_STATUS;
  if (!healthy) MarkDown("ping");
  Give(ctx, healthy);
  return healthy;
}

CacheStats ReportCache::stats() const {
  return {hits_.load(),     hot_hits_.load(), misses_.load(),
          computed_.load(), errors_.load(),   bypassed_.load()};
}

}  // namespace vecton::api
