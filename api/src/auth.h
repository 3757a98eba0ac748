// Who is asking: bearer token -> tenant, checked against the tenant the request names.
//
// DESIGN
// The database stores only the hex SHA-256 of each token; token_tenant() resolves a hash to
// its tenant. Answers are cached in process for `cache_seconds` (default 30 s) so a busy
// client costs no database round trip per request; the price is that a revoked token keeps
// working on an instance for at most that long (documented revocation latency). Unknown
// tokens are not cached, so a newly created token works at once. Tenant settings (zone,
// currency, low-stock threshold) are cached the same way.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "errors.h"
#include "reports/report.h"
#include "storage/database.h"

namespace vecton::api {

// Lower-case hex SHA-256 of `data` (OpenSSL EVP).
std::string Sha256Hex(std::string_view data);

// A fresh token: "vat_" + base64url of 32 random bytes, and a short random id for listing.
struct NewToken {
  std::string token;
  std::string id;
};
NewToken GenerateToken();

// The tenant named by Host "{tenant}.<domain>": only when Host (port stripped) has at least
// three labels and is neither an IP address nor a localhost name; "" otherwise.
std::string TenantFromHost(std::string_view host);

class Authenticator {
 public:
  Authenticator(Database& db, int cache_seconds) : db_(db), ttl_(cache_seconds) {}

  // 401 for a missing/malformed/unknown token, 403 when X-Tenant or Host names another
  // tenant. Throws StorageUnavailable when the database can't answer.
  ApiResult<TenantInfo> Authenticate(std::string_view authorization, std::string_view x_tenant,
                                     std::string_view host);

 private:
  using Clock = std::chrono::steady_clock;
  template <typename V>
  struct Entry {
    V value;
    Clock::time_point expires;
  };
  Database& db_;
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry<std::string>> tokens_;  // hash -> tenant
  std::unordered_map<std::string, Entry<TenantInfo>> tenants_;  // id -> settings
};

}  // namespace vecton::api
