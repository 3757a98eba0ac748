// PostgreSQL access of the API: a small pool of connections and the few queries the HTTP
// layer needs (token -> tenant, tenant settings, a report in a tenant's transaction).
//
// DESIGN
// The pool holds at most `pool_size` pqxx connections. A request borrows one, runs exactly one
// read-only transaction that first sets vecton.tenant (row-level security), and gives it back.
// A connection that reports itself broken is dropped and a new one is opened on the next
// borrow, so a PostgreSQL restart costs the requests in flight at that moment (503) and no
// more; a broken connection detected on the first statement is retried once on a fresh one,
// because that is the usual sign of a restart since the connection was last used.
// libpqxx exceptions never leave this folder: they become StorageUnavailable (503) or
// StorageError (500), see errors.h.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "custom/execute.h"
#include "errors.h"
#include "reports/report.h"
#include "vecton/result.h"

namespace vecton::api {

// The built-in reports the HTTP layer can run (report.h functions).
enum class ReportId {
  kDashboard,
  kSalesDashboard,
  kCustomersDashboard,
  kInventoryDashboard,
  kSales,
  kProducts,
  kCustomers,
  kInventory,
  kCampaigns,
};

// A saved custom report (saved_reports row).
struct SavedReport {
  std::string id;
  std::string name;
  std::string definition;  // canonical JSON (custom::DefinitionJson)
  std::string created_at;  // "2026-11-25T10:00:00Z"
};

struct TenantSettings {
  std::string id;
  std::string timezone;
  std::string currency;
  int low_stock_threshold = 10;
};

class Database {
 public:
  struct Options {
    std::string url;
    std::string schema = "analytics";
    int pool_size = 8;
    int statement_timeout_ms = 5000;
    std::chrono::milliseconds borrow_timeout{2000};
  };
  explicit Database(Options options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The tenant of a valid, unrevoked token given its hex SHA-256, or nullopt.
  // Throws StorageUnavailable / StorageError.
  std::optional<std::string> TokenTenant(const std::string& token_hash);

  // The tenants row, read with vecton.tenant = tenant (RLS); nullopt when absent.
  std::optional<TenantSettings> LoadTenant(const std::string& tenant);

  // Runs `report` in a read-only transaction as `req.tenant.id`, writing "data" into `out`.
  // Throws StorageUnavailable / StorageError.
  ReportOutput RunReport(ReportId report, const ReportRequest& req, JsonWriter& out);

  // Runs a validated custom report in a read-only transaction as `req.tenant.id`.
  custom::CustomResult RunCustomReport(const custom::Definition& definition,
                                       const ReportRequest& req);

  // Saved reports of `tenant`, each statement in a transaction with vecton.tenant set, so
  // row-level security keeps every tenant to its own rows. Save returns created_at.
  std::string SaveReport(const std::string& tenant, const std::string& id, const std::string& name,
                         const std::string& definition_json);
  std::vector<SavedReport> ListReports(const std::string& tenant);
  std::optional<SavedReport> LoadReport(const std::string& tenant, const std::string& id);
  bool DeleteReport(const std::string& tenant, const std::string& id);  // false: no such report

  // "SELECT 1" on a pooled connection: for /ready and the start-up check.
  Status Ping();

 private:
  std::unique_ptr<pqxx::connection> Borrow();
  void Return(std::unique_ptr<pqxx::connection> conn);
  std::unique_ptr<pqxx::connection> Open();
  // Runs fn(tx) in a read-only transaction with vecton.tenant set ("" = not set), retrying
  // once on a connection found broken at the first statement.
  void Read(const std::string& tenant, const std::function<void(pqxx::transaction_base&)>& fn,
            bool write = false);

  Options options_;
  std::string url_;  // options_.url with connect_timeout added
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;  // connections lent out or idle
};

// Token administration, run by `analytics-api token ...` with the owner's DATABASE_URL.
struct TokenInfo {
  std::string id;
  std::string name;
  std::string created_at;
  std::string revoked_at;  // "" when active
};
Status CreateToken(const std::string& url, const std::string& schema, const std::string& tenant,
                   const std::string& token_id, const std::string& token_hash,
                   const std::string& name);
Result<std::vector<TokenInfo>> ListTokens(const std::string& url, const std::string& schema,
                                          const std::string& tenant);
Status RevokeToken(const std::string& url, const std::string& schema, const std::string& tenant,
                   const std::string& token_id);

}  // namespace vecton::api
