#include "config.h"

#include <fmt/format.h>

#include <array>
#include <cctype>

namespace vecton::api {
namespace {

constexpr std::array kSettings = {
    Setting{"app_url", Setting::kUrl, "http://localhost:8014",
            "the API's base URL; the listen address (host and port) is derived from it"},
    Setting{"db_schema", Setting::kString, "analytics", "PostgreSQL schema holding the tables"},
    Setting{"cache_ttl", Setting::kInt, "15", "report cache duration in minutes (0 = no cache)", 0,
            1440},
    Setting{"database_url", Setting::kUrl, "postgresql:///analytics",
            "PostgreSQL URI; the token commands use it (owner role)"},
    Setting{"database_read_url", Setting::kUrl, "",
            "PostgreSQL URI the daemon reads from (a replica); empty = database_url"},
    Setting{"redis_url", Setting::kUrl, "redis://127.0.0.1:6379/0",
            "Redis URI of the report cache; empty = no cache"},
    Setting{"db_pool_size", Setting::kInt, "8", "PostgreSQL connections per instance", 1, 256},
    Setting{"db_statement_timeout_ms", Setting::kInt, "5000",
            "statement timeout of report queries, milliseconds", 100, 600000},
    Setting{"http_threads", Setting::kInt, "16", "HTTP worker threads", 1, 512},
    Setting{"log_level", Setting::kString, "info", "debug, info, warn or error"},
    Setting{"token_cache_seconds", Setting::kInt, "30",
            "how long a verified token is trusted without asking the database (revocation "
            "latency)",
            0, 3600},
    Setting{"hot_cache", Setting::kBool, "true",
            "keep hot answers in process memory while the Redis pub/sub link is up"},
    Setting{"hot_cache_mb", Setting::kInt, "64", "memory bound of the in-process cache, MiB", 1,
            4096},
};

// A schema name we are willing to quote into SET search_path: a plain identifier.
bool IsPlainIdentifier(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// "http://host:port/path" -> host, port. Only http is served directly (TLS ends at nginx).
Status ParseAppUrl(const std::string& url, std::string& host, int& port) {
  const std::string_view prefix = "http://";
  if (url.rfind(prefix, 0) != 0) {
    return Error(
        fmt::format("app_url: must start with http:// (TLS ends at the proxy), got '{}'", url));
  }
  std::string rest = url.substr(prefix.size());
  std::string authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string::npos) {
    return Error("app_url: must not contain user information");
  }
  port = 80;
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return Error("app_url: unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Error("app_url: malformed host");
      port_text = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (host.empty()) return Error(fmt::format("app_url: no host in '{}'", url));
  if (!port_text.empty()) {
    int p = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || p > 65535) {
        return Error(fmt::format("app_url: malformed port '{}'", port_text));
      }
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return Error(fmt::format("app_url: port {} out of range", p));
    port = p;
  }
  return OkStatus();
}

}  // namespace

std::span<const Setting> ApiSettings() { return kSettings; }

Result<ApiConfig> LoadApiConfig(const std::string& yaml_path) {
  Result<Config> loaded = Config::Load(ApiSettings(), yaml_path);
  if (!loaded) return Error(loaded.error());
  ApiConfig cfg;
  cfg.raw = std::move(*loaded);
  const Config& c = cfg.raw;

  cfg.app_url = c.Get("app_url");
  if (auto st = ParseAppUrl(cfg.app_url, cfg.listen_host, cfg.listen_port); !st) {
    return Error(st.error());
  }
  cfg.db_schema = c.Get("db_schema");
  if (!IsPlainIdentifier(cfg.db_schema)) {
    return Error(
        fmt::format("db_schema: must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*), "
                    "got '{}'",
                    cfg.db_schema));
  }
  cfg.cache_ttl_minutes = static_cast<int>(c.GetInt("cache_ttl"));
  cfg.database_url = c.Get("database_url");
  if (cfg.database_url.empty()) return Error("database_url: must be set");
  cfg.database_read_url = c.Get("database_read_url");
  if (cfg.database_read_url.empty()) cfg.database_read_url = cfg.database_url;
  for (const char* key : {"database_url", "database_read_url"}) {
    const std::string& v = c.Get(key);
    if (!v.empty() && v.rfind("postgresql://", 0) != 0 && v.rfind("postgres://", 0) != 0) {
      return Error(fmt::format("{}: must be a postgresql:// URI, got '{}'", key, CutPassword(v)));
    }
  }
  cfg.redis_url = c.Get("redis_url");
  if (!cfg.redis_url.empty() && cfg.redis_url.rfind("redis://", 0) != 0) {
    return Error(
        fmt::format("redis_url: must be a redis:// URI, got '{}'", CutPassword(cfg.redis_url)));
  }
  cfg.db_pool_size = static_cast<int>(c.GetInt("db_pool_size"));
  cfg.db_statement_timeout_ms = static_cast<int>(c.GetInt("db_statement_timeout_ms"));
  cfg.http_threads = static_cast<int>(c.GetInt("http_threads"));
  cfg.log_level = c.Get("log_level");
  if (cfg.log_level != "debug" && cfg.log_level != "info" && cfg.log_level != "warn" &&
      cfg.log_level != "error") {
    return Error(
        fmt::format("log_level: must be one of debug, info, warn, error, got '{}'", cfg.log_level));
  }
  cfg.token_cache_seconds = static_cast<int>(c.GetInt("token_cache_seconds"));
  cfg.hot_cache = c.GetBool("hot_cache");
  cfg.hot_cache_mb = static_cast<int>(c.GetInt("hot_cache_mb"));
  return cfg;
}

}  // namespace vecton::api
