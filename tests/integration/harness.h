// Helpers for integration tests against a real PostgreSQL (DATABASE_URL).
//
// DESIGN
// Each test process migrates sql/*.sql once into a schema of its own (test_<pid>_<time>), so
// concurrent test runs and other engineers' data never meet; each test then makes a fresh
// tenant (UniqueTenant) instead of truncating tables. Connections made here are the owner's
// (superuser in the throwaway cluster): they write rows as the ingestor would. Code under test
// that must see row-level security runs in a transaction begun with BeginApiTransaction, which
// switches to the analytics_api role and sets the tenant, as the API does.
#pragma once

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

namespace vecton::testing {

// DATABASE_URL; fails the current test with a hint when it is unset.
std::string DatabaseUrl();

// The schema this process migrated sql/*.sql into (once, on first call).
const std::string& MigratedSchema();

// A new connection with search_path set to MigratedSchema().
std::unique_ptr<pqxx::connection> ConnectToTestSchema();

// A tenant id no other test (in this or another process) uses: "<prefix>-<pid>-<n>".
std::string UniqueTenant(std::string_view prefix);

// Inserts the tenant row (as `analytics-ingestor tenant add` would).
void CreateTenant(pqxx::connection& conn, const std::string& tenant, const std::string& timezone,
                  const std::string& currency = "HUF", int low_stock_threshold = 10);

// Runs statements as the owner in their own committed transaction.
void ExecAsOwner(pqxx::connection& conn, const std::string& sql);

// Starts a transaction like the API's: SET LOCAL ROLE analytics_api (row-level security on)
// and set_config('vecton.tenant', tenant, true).
std::unique_ptr<pqxx::work> BeginApiTransaction(pqxx::connection& conn, const std::string& tenant);

}  // namespace vecton::testing
