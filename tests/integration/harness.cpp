#include "harness.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

namespace vecton::testing {

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string SetSearchPath(pqxx::connection& conn, const std::string& schema) {
  return "SET search_path TO " + conn.quote_name(schema);
}

}  // namespace

std::string DatabaseUrl() {
  const char* url = std::getenv("DATABASE_URL");
  REQUIRE_MESSAGE(url != nullptr,
                  "DATABASE_URL is not set: run the integration tests through scripts/test.sh, "
                  "or export DATABASE_URL=postgresql://... for a PostgreSQL of your own");
  return url;
}

const std::string& MigratedSchema() {
  static std::once_flag once;
  static std::string schema;
  std::call_once(once, [] {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const std::string name =
        "test_" + std::to_string(getpid()) + "_" +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
    pqxx::connection conn(DatabaseUrl());
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(VECTON_SOURCE_DIR "/sql")) {
      if (entry.path().extension() == ".sql") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    pqxx::work tx(conn);
    tx.exec0("CREATE SCHEMA " + conn.quote_name(name));
    tx.exec0(SetSearchPath(conn, name));
    for (const auto& file : files) tx.exec(ReadFile(file));
    tx.commit();
    schema = name;
  });
  return schema;
}

std::unique_ptr<pqxx::connection> ConnectToTestSchema() {
  const std::string& schema = MigratedSchema();
  auto conn = std::make_unique<pqxx::connection>(DatabaseUrl());
  pqxx::nontransaction tx(*conn);
  tx.exec0(SetSearchPath(*conn, schema));
  return conn;
}

std::string UniqueTenant(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

void CreateTenant(pqxx::connection& conn, const std::string& tenant, const std::string& timezone,
                  const std::string& currency, int low_stock_threshold) {
  pqxx::work tx(conn);
  tx.exec_params0(
      "INSERT INTO tenants (tenant_id, timezone, currency, low_stock_threshold) VALUES ($1, $2, "
      "$3, $4)",
      tenant, timezone, currency, low_stock_threshold);
  tx.commit();
}

void ExecAsOwner(pqxx::connection& conn, const std::string& sql) {
  pqxx::work tx(conn);
  tx.exec(sql);
  tx.commit();
}

std::unique_ptr<pqxx::work> BeginApiTransaction(pqxx::connection& conn, const std::string& tenant) {
  auto tx = std::make_unique<pqxx::work>(conn);
  tx->exec0("SET LOCAL ROLE analytics_api");
  tx->exec_params("SELECT set_config('vecton.tenant', $1, true)", tenant);
  return tx;
}

}  // namespace vecton::testing
