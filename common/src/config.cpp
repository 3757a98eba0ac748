#include "vecton/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace vecton {
namespace {

std::string EnvName(std::string_view key) {
  std::string name(key);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

// Checks one value against its declaration; `origin` says where it came from.
Status Validate(const Setting& s, const std::string& value, std::string_view origin) {
  switch (s.type) {
    case Setting::kString:
      return OkStatus();
    case Setting::kBool:
      if (value == "true" || value == "false") return OkStatus();
      return Error(fmt::format("{} ({}): must be true or false, got '{}'", s.key, origin, value));
    case Setting::kUrl:
      if (value.find("://") != std::string::npos || value.empty()) return OkStatus();
      return Error(fmt::format("{} ({}): must be a URL like scheme://host, got '{}'", s.key, origin,
                               CutPassword(value)));
    case Setting::kInt: {
      char* end = nullptr;
      errno = 0;
      long long n = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || errno == ERANGE) {
        return Error(fmt::format("{} ({}): must be an integer, got '{}'", s.key, origin, value));
      }
      if (n < s.min || n > s.max) {
        return Error(fmt::format("{} ({}): must be between {} and {}, got {}", s.key, origin, s.min,
                                 s.max, n));
      }
      return OkStatus();
    }
  }
  return OkStatus();
}

}  // namespace

Result<Config> Config::Load(std::span<const Setting> settings, const std::string& yaml_path,
                            const char* (*getenv)(const char*)) {
  Config config;
  config.settings_ = settings;
  for (const Setting& s : settings)
    config.values_[std::string(s.key)] = std::string(s.default_value);

  auto declared = [&](std::string_view key) {
    return std::find_if(settings.begin(), settings.end(),
                        [&](const Setting& s) { return s.key == key; });
  };

  // 1. The YAML file: a flat mapping of declared keys.
  if (!yaml_path.empty()) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(yaml_path);
    } catch (const YAML::Exception& e) {
      return Error(fmt::format("config file {}: {}", yaml_path, e.what()));
    }
    if (root && !root.IsNull()) {
      if (!root.IsMap())
        return Error(fmt::format("config file {}: must be a mapping of keys", yaml_path));
      for (const auto& entry : root) {
        std::string key = entry.first.as<std::string>();
        auto it = declared(key);
        if (it == settings.end()) {
          return Error(fmt::format("config file {}: unknown key '{}'", yaml_path, key));
        }
        if (!entry.second.IsScalar()) {
          return Error(fmt::format("{} ({}): must be a single value", key, yaml_path));
        }
        std::string value = entry.second.as<std::string>();
        if (auto st = Validate(*it, value, yaml_path); !st) return Error(st.error());
        config.values_[key] = value;
      }
    }
  }

  // 2. The environment overrides the file.
  for (const Setting& s : settings) {
    std::string env = EnvName(s.key);
    const char* value = getenv ? getenv(env.c_str()) : std::getenv(env.c_str());
    if (value == nullptr) continue;
    if (auto st = Validate(s, value, "environment " + env); !st) return Error(st.error());
    config.values_[std::string(s.key)] = value;
  }
  return config;
}

const std::string& Config::Get(std::string_view key) const { return values_.find(key)->second; }

int64_t Config::GetInt(std::string_view key) const { return std::stoll(Get(key)); }

bool Config::GetBool(std::string_view key) const { return Get(key) == "true"; }

std::string Config::Describe() const {
  std::string out;
  for (const Setting& s : settings_) {
    const std::string& v = Get(s.key);
    out += fmt::format("{}={}\n", s.key, s.secret ? "***" : CutPassword(v));
  }
  return out;
}

std::string CutPassword(std::string_view dsn) {
  std::string out(dsn);
  // URI form: scheme://user:password@host
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    auto at = out.find('@', scheme + 3);
    auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // Key/value form: password=secret
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    size_t start = pos + 9;
    size_t end = out.find_first_of(" &", start);
    out.replace(start, (end == std::string::npos ? out.size() : end) - start, "***");
  }
  return out;
}

}  // namespace vecton
