// The reference configurations and the configuration docs agree with the settings tables.
//
// deploy/config/ingestor.yaml and deploy/config/api.yaml are the documented reference files
// (house style: "the reference YAML comments every key"), and docs/configuration.md lists
// every key with its environment variable and default. Each of the three is written by hand,
// so these tests hold them to the one declaration that the daemons actually load:
// vecton::ingestor::Settings() (ingestor/src/settings.cpp) and vecton::api::ApiSettings()
// (api/src/config.cpp). No servers: only files and the tables.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config.h"    // api/src: vecton::api::ApiSettings
#include "settings.h"  // ingestor/src: vecton::ingestor::Settings
#include "vecton/config.h"

namespace {

const std::string kSourceDir = VECTON_SOURCE_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The file's top-level keys in the order written.
std::vector<std::string> YamlKeys(const std::string& path) {
  std::vector<std::string> keys;
  YAML::Node root = YAML::LoadFile(path);
  REQUIRE(root.IsMap());
  for (const auto& entry : root) keys.push_back(entry.first.as<std::string>());
  return keys;
}

std::vector<std::string> TableKeys(std::span<const vecton::Setting> settings) {
  std::vector<std::string> keys;
  for (const vecton::Setting& s : settings) keys.emplace_back(s.key);
  return keys;
}

std::string Upper(std::string_view key) {
  std::string out(key);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// No environment at all, so the test sees the file alone whatever the shell exported.
const char* NoEnvironment(const char*) { return nullptr; }

// The keys of `path` are those of `settings`, in the same order, each value is the declared
// default, each key has a comment right above it, and Config::Load accepts the file.
void CheckReferenceFile(const std::string& path, std::span<const vecton::Setting> settings) {
  CAPTURE(path);
  CHECK(YamlKeys(path) == TableKeys(settings));

  YAML::Node root = YAML::LoadFile(path);
  for (const vecton::Setting& s : settings) {
    CAPTURE(s.key);
    YAML::Node value = root[std::string(s.key)];
    REQUIRE(value.IsDefined());
    CHECK(value.as<std::string>() == std::string(s.default_value));
  }

  // Documented: the line before each "key:" line is a comment.
  std::istringstream lines(ReadFile(path));
  std::string line, previous;
  int keys_seen = 0;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != '#' && line.find(':') != std::string::npos) {
      ++keys_seen;
      CHECK_MESSAGE(previous.rfind("# ", 0) == 0, "no comment above '" << line << "'");
    }
    previous = line;
  }
  CHECK(keys_seen == static_cast<int>(settings.size()));

  vecton::Result<vecton::Config> loaded = vecton::Config::Load(settings, path, NoEnvironment);
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? std::string() : loaded.error()));
  for (const vecton::Setting& s : settings) {
    CHECK(loaded->Get(s.key) == std::string(s.default_value));
  }
}

}  // namespace

TEST_CASE("deploy/config/ingestor.yaml lists exactly the ingestor's settings, at their defaults") {
  CheckReferenceFile(kSourceDir + "/deploy/config/ingestor.yaml", vecton::ingestor::Settings());
}

TEST_CASE("deploy/config/api.yaml lists exactly the API's settings, at their defaults") {
  CheckReferenceFile(kSourceDir + "/deploy/config/api.yaml", vecton::api::ApiSettings());
}

TEST_CASE("a reference file with one extra key is refused, naming the key") {
  const std::string path = "/tmp/vecton-config-reference-" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream out(path);
    out << ReadFile(kSourceDir + "/deploy/config/ingestor.yaml") << "\nqueue_name: typo\n";
  }
  vecton::Result<vecton::Config> loaded =
      vecton::Config::Load(vecton::ingestor::Settings(), path, NoEnvironment);
  std::remove(path.c_str());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error() == "config file " + path + ": unknown key 'queue_name'");
}

TEST_CASE("docs/configuration.md has a row with the env var and default of every key") {
  const std::string doc = ReadFile(kSourceDir + "/docs/configuration.md");
  auto check_rows = [&](std::span<const vecton::Setting> settings) {
    for (const vecton::Setting& s : settings) {
      // | `key` | `ENV_VAR` | `default` | ...   (an empty default is written as "")
      const std::string default_text =
          s.default_value.empty() ? std::string("\"\"") : std::string(s.default_value);
      const std::string row =
          "| `" + std::string(s.key) + "` | `" + Upper(s.key) + "` | `" + default_text + "` |";
      CAPTURE(row);
      CHECK(doc.find(row) != std::string::npos);
    }
  };
  check_rows(vecton::ingestor::Settings());
  check_rows(vecton::api::ApiSettings());
}
