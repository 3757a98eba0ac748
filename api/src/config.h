// The analytics-api's settings, declared once as a table (see vecton/config.h), and the
// derived values the daemon needs (listen address, read URL).
//
// Every key is documented in deploy/config/api.yaml; the environment overrides the file
// (DATABASE_URL overrides database_url, ...).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "vecton/config.h"
#include "vecton/result.h"

namespace vecton::api {

// The declared settings of analytics-api.
std::span<const Setting> ApiSettings();

// The validated configuration, with derived values resolved.
struct ApiConfig {
  Config raw;               // for Describe() (passwords cut)
  std::string app_url;      // as configured
  std::string listen_host;  // from app_url
  int listen_port = 8014;   // from app_url (default 80/443 by scheme)
  std::string db_schema;
  int cache_ttl_minutes = 15;  // 0 = no caching
  std::string database_url;
  std::string database_read_url;  // = database_url when not set
  std::string redis_url;          // "" = no Redis
  int db_pool_size = 8;
  int db_statement_timeout_ms = 5000;
  int http_threads = 16;
  std::string log_level = "info";  // debug, info, warn, error
  int token_cache_seconds = 30;    // how long a token -> tenant answer is trusted in process
  bool hot_cache = true;           // in-process copies, valid while the pub/sub link is up
  int hot_cache_mb = 64;
};

// Loads the YAML file (optional) and the environment, validates every value, and derives the
// rest. An error is one line naming the key and its origin.
Result<ApiConfig> LoadApiConfig(const std::string& yaml_path);

}  // namespace vecton::api
