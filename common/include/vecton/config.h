// Configuration declared once, as a table.
//
// Each daemon lists its settings in one array of Setting (key, type, default, range, doc).
// Config::Load reads the optional YAML file (a flat mapping of those keys), then lets the
// environment override it (the key in upper case: database_url -> DATABASE_URL). An unknown
// key, a malformed value or an out-of-range number is an Error that names the key and where
// it came from. deploy/config/*.yaml documents every key; a test checks they agree.
//
//   static constexpr Setting kSettings[] = {
//     {"cache_ttl", Setting::kInt, "15", "report cache duration, minutes", 0, 1440},
//   };
//   Result<Config> cfg = Config::Load(kSettings, "/etc/vecton/api.yaml");
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "vecton/result.h"

namespace vecton {

struct Setting {
  enum Type { kString, kInt, kUrl, kBool };
  std::string_view key;
  Type type;
  std::string_view default_value;
  std::string_view doc;
  int64_t min = 0;          // for kInt
  int64_t max = INT64_MAX;  // for kInt
  bool secret = false;      // never printed, even with --check-config
};

class Config {
 public:
  // yaml_path empty: defaults and environment only. `getenv` is injectable for tests.
  static Result<Config> Load(std::span<const Setting> settings, const std::string& yaml_path,
                             const char* (*getenv)(const char*) = nullptr);

  const std::string& Get(std::string_view key) const;  // precondition: a declared key
  int64_t GetInt(std::string_view key) const;
  bool GetBool(std::string_view key) const;

  // One "key=value" line per setting, with URL passwords and secrets cut: for --check-config
  // and the start-up log line.
  std::string Describe() const;

 private:
  std::span<const Setting> settings_;
  std::map<std::string, std::string, std::less<>> values_;
};

// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db"; also cuts
// "password=..." in key/value connection strings. Anything that may hold a password goes
// through here before it reaches a log line.
std::string CutPassword(std::string_view dsn);

}  // namespace vecton
