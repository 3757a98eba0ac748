#include "auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace vecton::api {

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(sha256) failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

namespace {

std::string RandomBytes(int n) {
  std::string bytes(static_cast<size_t>(n), '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), n) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return bytes;
}

std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3f];
  return out;
}

bool IsIpAddress(std::string_view host) {
  if (host.find(':') != std::string_view::npos || (!host.empty() && host[0] == '[')) return true;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

ApiError Unauthorized(std::string message) {
  return {ErrorKind::kUnauthorized, std::move(message), ""};
}

}  // namespace

NewToken GenerateToken() {
  std::string id_bytes = RandomBytes(6);
  std::string id;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : id_bytes) {
    id += kHex[c >> 4];
    id += kHex[c & 0xf];
  }
  return {.token = "vat_" + Base64Url(RandomBytes(32)), .id = "tok_" + id};
}

std::string TenantFromHost(std::string_view host) {
  if (host.empty() || host[0] == '[') return "";            // IPv6 literal
  std::string_view name = host.substr(0, host.rfind(':'));  // npos: no port, whole host
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string lower = Lower(name);
  if (IsIpAddress(lower)) return "";
  if (lower == "localhost" || lower.ends_with(".localhost")) return "";
  if (std::count(lower.begin(), lower.end(), '.') < 2) return "";
  return lower.substr(0, lower.find('.'));
}

ApiResult<TenantInfo> Authenticator::Authenticate(std::string_view authorization,
                                                  std::string_view x_tenant,
                                                  std::string_view host) {
  // 1. The bearer token.
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      Lower(authorization.substr(0, kScheme.size())) != kScheme) {
    return Unauthorized("an Authorization: Bearer token is required");
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty() || token.size() > 512) return Unauthorized("malformed bearer token");
  std::string hash = Sha256Hex(token);

  // 2. token -> tenant, cached.
  auto now = Clock::now();
  std::string tenant;
  {
    std::lock_guard lock(mutex_);
    if (auto it = tokens_.find(hash); it != tokens_.end() && it->second.expires > now) {
      tenant = it->second.value;
    }
  }
  if (tenant.empty()) {
    std::optional<std::string> found = db_.TokenTenant(hash);
    if (!found) return Unauthorized("unknown or revoked token");
    tenant = *found;
    std::lock_guard lock(mutex_);
    if (tokens_.size() > 100000) tokens_.clear();  // bound memory under token spraying
    tokens_[hash] = {tenant, now + ttl_};
  }

  // 3. The tenant the request names, if any, must be the token's.
  if (!x_tenant.empty() && x_tenant != tenant) {
    return ApiError{ErrorKind::kForbidden, "X-Tenant does not match the token's tenant", ""};
  }
  if (std::string from_host = TenantFromHost(host); !from_host.empty() && from_host != tenant) {
    return ApiError{ErrorKind::kForbidden, "the host's tenant does not match the token's tenant",
                    ""};
  }

  // 4. The tenant's settings, cached.
  {
    std::lock_guard lock(mutex_);
    if (auto it = tenants_.find(tenant); it != tenants_.end() && it->second.expires > now) {
      return it->second.value;
    }
  }
  std::optional<TenantSettings> settings = db_.LoadTenant(tenant);
  if (!settings) return Unauthorized("the token's tenant no longer exists");
  Result<std::shared_ptr<const TimeZone>> zone = TimeZone::Get(settings->timezone);
  if (!zone) {
    return ApiError{ErrorKind::kInternal,
                    "the tenant's time zone '" + settings->timezone + "' is unknown", ""};
  }
  TenantInfo info{.id = tenant,
                  .currency = settings->currency,
                  .zone = *zone,
                  .low_stock_threshold = settings->low_stock_threshold};
  std::lock_guard lock(mutex_);
  tenants_[tenant] = {info, now + ttl_};
  return info;
}

}  // namespace vecton::api
