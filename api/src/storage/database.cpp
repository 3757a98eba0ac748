#include "storage/database.h"

#include <fmt/format.h>

#include <pqxx/pqxx>

namespace vecton::api {
namespace {

constexpr const char* kSetTenant = "vecton_set_tenant";
constexpr const char* kTokenTenant = "vecton_token_tenant";

std::string WithConnectTimeout(const std::string& url) {
  if (url.find("connect_timeout") != std::string::npos) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=2";
}

// Classifies a libpqxx exception: reachability (503) or anything else (500).
[[noreturn]] void Rethrow(const std::exception& e, bool unavailable) {
  if (unavailable) throw StorageUnavailable(e.what());
  throw StorageError(e.what());
}

}  // namespace

Database::Database(Options options)
    : options_(std::move(options)), url_(WithConnectTimeout(options_.url)) {}

Database::~Database() = default;

std::unique_ptr<pqxx::connection> Database::Open() {
  auto conn = std::make_unique<pqxx::connection>(url_);
  {
    pqxx::nontransaction setup(*conn);
    setup.exec("SET search_path TO " + conn->quote_name(options_.schema));
    setup.exec(fmt::format("SET statement_timeout = {}", options_.statement_timeout_ms));
    setup.exec("SET application_name = 'analytics-api'");
  }
  conn->prepare(kSetTenant, "SELECT set_config('vecton.tenant', $1, true)");
  conn->prepare(kTokenTenant, "SELECT token_tenant($1)");
  return conn;
}

std::unique_ptr<pqxx::connection> Database::Borrow() {
  {
    std::unique_lock lock(mutex_);
    bool ready = returned_.wait_for(lock, options_.borrow_timeout,
                                    [&] { return !idle_.empty() || open_ < options_.pool_size; });
    if (!ready) throw StorageUnavailable("no free database connection");
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;  // reserve the slot; opened outside the lock
  }
  try {
    return Open();
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mutex_);
      --open_;
    }
    returned_.notify_one();
    throw StorageUnavailable(fmt::format("cannot connect to PostgreSQL: {}", e.what()));
  }
}

void Database::Return(std::unique_ptr<pqxx::connection> conn) {
  {
    std::lock_guard lock(mutex_);
    if (conn && conn->is_open()) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  returned_.notify_one();
}

void Database::Read(const std::string& tenant,
                    const std::function<void(pqxx::transaction_base&)>& fn, bool write) {
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<pqxx::connection> conn = Borrow();
    bool started = false;  // past the first statement: no retry, the work may have run
    try {
      // Saved reports are the only writes; everything else reads.
      std::unique_ptr<pqxx::dbtransaction> owned;
      if (write) {
        owned = std::make_unique<pqxx::work>(*conn);
      } else {
        owned = std::make_unique<pqxx::read_transaction>(*conn);
      }
      pqxx::dbtransaction& tx = *owned;
      if (!tenant.empty()) tx.exec_prepared(kSetTenant, tenant);
      started = true;
      fn(tx);
      tx.commit();
      Return(std::move(conn));
      return;
    } catch (const pqxx::broken_connection& e) {
      conn.reset();
      Return(nullptr);
      if (!started && attempt == 0) continue;
      Rethrow(e, true);
    } catch (const pqxx::in_doubt_error& e) {
      conn.reset();
      Return(nullptr);
      Rethrow(e, true);
    } catch (const pqxx::sql_error& e) {
      // Some server errors mean "unavailable": connection exceptions, insufficient resources,
      // shutting down, and the statement timeout (57014: the database is overloaded).
      const std::string& state = e.sqlstate();
      bool timeout = state == "57014";
      bool unavailable = timeout || state.rfind("08", 0) == 0 || state.rfind("53", 0) == 0 ||
                         state.rfind("57P", 0) == 0;
      if (unavailable && !timeout) {
        conn.reset();
        Return(nullptr);
      } else {
        Return(std::move(conn));
      }
      Rethrow(e, unavailable);
    } catch (const pqxx::failure& e) {
      conn.reset();
      Return(nullptr);
      Rethrow(e, true);
    } catch (...) {
      // Not a database error (a bug in a report, bad_alloc): the connection is still good
      // unless it says otherwise.
      Return(std::move(conn));
      throw;
    }
  }
}

std::optional<std::string> Database::TokenTenant(const std::string& token_hash) {
  std::optional<std::string> tenant;
  Read("", [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared(kTokenTenant, token_hash);
    if (!r.empty() && !r[0][0].is_null()) tenant = r[0][0].c_str();
  });
  return tenant;
}

std::optional<TenantSettings> Database::LoadTenant(const std::string& tenant) {
  std::optional<TenantSettings> settings;
  Read(tenant, [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_params(
        "SELECT timezone, currency, low_stock_threshold FROM tenants WHERE tenant_id = $1", tenant);
    if (r.empty()) return;
    settings = TenantSettings{.id = tenant,
                              .timezone = r[0][0].c_str(),
                              .currency = r[0][1].c_str(),
                              .low_stock_threshold = r[0][2].as<int>()};
  });
  return settings;
}

ReportOutput Database::RunReport(ReportId report, const ReportRequest& req, JsonWriter& out) {
  ReportOutput output;
  Read(req.tenant.id, [&](pqxx::transaction_base& tx) {
    // A retry never happens after fn started, so `out` is written at most once.
    switch (report) {
      case ReportId::kDashboard:
        Dashboard(tx, req, out);
        break;
      case ReportId::kSalesDashboard:
        SalesDashboard(tx, req, out);
        break;
      case ReportId::kCustomersDashboard:
        CustomersDashboard(tx, req, out);
        break;
      case ReportId::kInventoryDashboard:
        InventoryDashboard(tx, req, out);
        break;
      case ReportId::kSales:
        output = SalesReport(tx, req, out);
        break;
      case ReportId::kProducts:
        output = ProductsReport(tx, req, out);
        break;
      case ReportId::kCustomers:
        output = CustomersReport(tx, req, out);
        break;
      case ReportId::kInventory:
        output = InventoryReport(tx, req, out);
        break;
      case ReportId::kCampaigns:
        output = CampaignsReport(tx, req, out);
        break;
    }
  });
  return output;
}

custom::CustomResult Database::RunCustomReport(const custom::Definition& definition,
                                               const ReportRequest& req) {
  custom::CustomResult result;
  Read(req.tenant.id,
       [&](pqxx::transaction_base& tx) { result = custom::RunCustomReport(tx, definition, req); });
  return result;
}

namespace {
constexpr const char* kCreatedAt =
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}  // namespace

std::string Database::SaveReport(const std::string& tenant, const std::string& id,
                                 const std::string& name, const std::string& definition_json) {
  std::string created_at;
  Read(
      tenant,
      [&](pqxx::transaction_base& tx) {
        created_at = tx.exec_params1(std::string("INSERT INTO saved_reports (tenant_id, report_id, "
                                                 "name, definition) VALUES ($1, $2, $3, $4::jsonb) "
                                                 "RETURNING ") +
                                         kCreatedAt,
                                     tenant, id, name, definition_json)[0]
                         .c_str();
      },
      true);
  return created_at;
}

std::vector<SavedReport> Database::ListReports(const std::string& tenant) {
  std::vector<SavedReport> reports;
  Read(tenant, [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_params(
        std::string("SELECT report_id, name, definition::text, ") + kCreatedAt +
            " FROM saved_reports WHERE tenant_id = $1 ORDER BY created_at, report_id",
        tenant);
    for (const auto& row : r) {
      reports.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str()});
    }
  });
  return reports;
}

std::optional<SavedReport> Database::LoadReport(const std::string& tenant, const std::string& id) {
  std::optional<SavedReport> report;
  Read(tenant, [&](pqxx::transaction_base& tx) {
    pqxx::result r =
        tx.exec_params(std::string("SELECT report_id, name, definition::text, ") + kCreatedAt +
                           " FROM saved_reports WHERE tenant_id = $1 AND report_id = $2",
                       tenant, id);
    if (!r.empty())
      report = SavedReport{r[0][0].c_str(), r[0][1].c_str(), r[0][2].c_str(), r[0][3].c_str()};
  });
  return report;
}

bool Database::DeleteReport(const std::string& tenant, const std::string& id) {
  bool deleted = false;
  Read(
      tenant,
      [&](pqxx::transaction_base& tx) {
        deleted = !tx.exec_params(
                         "DELETE FROM saved_reports WHERE tenant_id = $1 AND report_id = $2 "
                         "RETURNING report_id",
                         tenant, id)
                       .empty();
      },
      true);
  return deleted;
}

Status Database::Ping() {
  try {
    Read("", [](pqxx::transaction_base& tx) { tx.exec("SELECT 1"); });
    return OkStatus();
  } catch (const std::exception& e) {
    return Error(fmt::format("PostgreSQL: {}", e.what()));
  }
}

// ---- token administration (owner connection, one transaction per command) ----

namespace {

// Opens an owner connection with search_path and vecton.tenant set, and checks the tenant.
template <typename Fn>
Status AsOwner(const std::string& url, const std::string& schema, const std::string& tenant,
               Fn fn) {
  try {
    pqxx::connection conn(WithConnectTimeout(url));
    pqxx::work tx(conn);
    tx.exec("SET LOCAL search_path TO " + conn.quote_name(schema));
    tx.exec_params("SELECT set_config('vecton.tenant', $1, true)", tenant);
    if (tx.exec_params("SELECT 1 FROM tenants WHERE tenant_id = $1", tenant).empty()) {
      return Error(
          fmt::format("tenant '{}' does not exist (create it with "
                      "`analytics-ingestor tenant add {}`)",
                      tenant, tenant));
    }
    Status st = fn(tx);
    if (st) tx.commit();
    return st;
  } catch (const std::exception& e) {
    return Error(fmt::format("database: {}", e.what()));
  }
}

}  // namespace

Status CreateToken(const std::string& url, const std::string& schema, const std::string& tenant,
                   const std::string& token_id, const std::string& token_hash,
                   const std::string& name) {
  return AsOwner(url, schema, tenant, [&](pqxx::work& tx) -> Status {
    tx.exec_params(
        "INSERT INTO api_tokens (tenant_id, token_id, token_hash, name) VALUES ($1, $2, $3, $4)",
        tenant, token_id, token_hash,
        name.empty() ? std::optional<std::string>() : std::optional<std::string>(name));
    return OkStatus();
  });
}

Result<std::vector<TokenInfo>> ListTokens(const std::string& url, const std::string& schema,
                                          const std::string& tenant) {
  std::vector<TokenInfo> tokens;
  Status st = AsOwner(url, schema, tenant, [&](pqxx::work& tx) -> Status {
    pqxx::result r = tx.exec_params(
        "SELECT token_id, coalesce(name, ''), "
        "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "coalesce(to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
        "FROM api_tokens WHERE tenant_id = $1 ORDER BY created_at, token_id",
        tenant);
    for (const auto& row : r) {
      tokens.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str()});
    }
    return OkStatus();
  });
  if (!st) return Error(st.error());
  return tokens;
}

Status RevokeToken(const std::string& url, const std::string& schema, const std::string& tenant,
                   const std::string& token_id) {
  return AsOwner(url, schema, tenant, [&](pqxx::work& tx) -> Status {
    pqxx::result r = tx.exec_params(
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) "
        "WHERE tenant_id = $1 AND token_id = $2 RETURNING token_id",
        tenant, token_id);
    if (r.empty()) {
      return Error(fmt::format("tenant '{}' has no token with id '{}'", tenant, token_id));
    }
    return OkStatus();
  });
}

}  // namespace vecton::api
