#include "cache/generation.h"

#include <hiredis/hiredis.h>

#include <cstdlib>
#include <regex>

#include "vecton/log.h"

namespace vecton::cache {
namespace {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string password;
};

// redis://[:password@]host[:port][/db]
RedisAddress ParseRedisUrl(const std::string& url) {
  static const std::regex kUrl(
      R"(^redis://(?:([^:@/]*):([^@/]*)@)?([^:/]+)(?::(\d+))?(?:/(\d+))?/?$)");
  RedisAddress a;
  std::smatch m;
  if (std::regex_match(url, m, kUrl)) {
    a.password = m[2];
    a.host = m[3];
    if (m[4].matched) a.port = std::atoi(m[4].str().c_str());
    if (m[5].matched) a.db = std::atoi(m[5].str().c_str());
  }
  return a;
}

}  // namespace

GenerationPublisher::GenerationPublisher(std::string redis_url) : url_(std::move(redis_url)) {}

GenerationPublisher::~GenerationPublisher() { Disconnect(); }

void GenerationPublisher::Disconnect() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

bool GenerationPublisher::EnsureConnected() {
  if (context_ != nullptr) return true;
  // A Redis that drops packets instead of refusing costs the whole timeout per attempt, on
  // the caller's thread: try again only after a pause.
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) return false;
  next_attempt_ = now + kRetryPause;
  RedisAddress a = ParseRedisUrl(url_);
  timeval timeout{0, 500'000};
  context_ = redisConnectWithTimeout(a.host.c_str(), a.port, timeout);
  if (context_ == nullptr || context_->err != 0) {
    Disconnect();
    return false;
  }
  redisSetTimeout(context_, timeout);
  auto command_ok = [this](redisReply* reply) {
    bool ok = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
    if (reply != nullptr) freeReplyObject(reply);
    return ok;
  };
  if (!a.password.empty() && !command_ok(static_cast<redisReply*>(
                                 redisCommand(context_, "AUTH %s", a.password.c_str())))) {
    Disconnect();
    return false;
  }
  if (a.db != 0 &&
      !command_ok(static_cast<redisReply*>(redisCommand(context_, "SELECT %d", a.db)))) {
    Disconnect();
    return false;
  }
  return true;
}

bool GenerationPublisher::Bump(const std::set<std::string>& tenants, int64_t generation) {
  for (const std::string& t : tenants) pending_[t] = generation;
  return Flush();
}

bool GenerationPublisher::Flush() {
  if (pending_.empty()) return true;
  if (!EnsureConnected()) {
    if (!outage_logged_) {
      Log(LogLevel::kWarn, "redis unreachable; cache generations will be sent when it is back",
          {{"pending", std::to_string(pending_.size())}});
      outage_logged_ = true;
    }
    return false;
  }
  // Pipelined: all commands, then all replies.
  for (const auto& [tenant, generation] : pending_) {
    std::string value = std::to_string(generation);
    redisAppendCommand(context_, "SET vecton:gen:%b %b", tenant.data(), tenant.size(), value.data(),
                       value.size());
    redisAppendCommand(context_, "PUBLISH vecton:gen %b", tenant.data(), tenant.size());
  }
  bool ok = true;
  for (size_t i = 0; i < pending_.size() * 2; ++i) {
    void* reply = nullptr;
    if (redisGetReply(context_, &reply) != REDIS_OK) {
      ok = false;
      break;
    }
    auto* r = static_cast<redisReply*>(reply);
    if (r->type == REDIS_REPLY_ERROR) ok = false;
    freeReplyObject(r);
  }
  if (!ok) {
    Disconnect();
    return false;
  }
  if (outage_logged_) {
    Log(LogLevel::kInfo, "redis reachable again; pending cache generations sent");
    outage_logged_ = false;
  }
  pending_.clear();
  return true;
}

bool GenerationPublisher::Ping() {
  if (!EnsureConnected()) return false;
  auto* reply = static_cast<redisReply*>(redisCommand(context_, "PING"));
  bool ok = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
  if (reply != nullptr) freeReplyObject(reply);
  if (!ok) Disconnect();
  return ok;
}

}  // namespace vecton::cache
