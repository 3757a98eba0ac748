#include "storage/tenants.h"

#include <regex>

#include "storage/pg_array.h"

namespace vecton::storage {

Status ValidateTenantName(const std::string& name) {
  static const std::regex kLabel("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
  if (!std::regex_match(name, kLabel)) {
    return Error("tenant must be a DNS label (a-z, 0-9, '-', at most 63 characters), got '" +
                 name.substr(0, 64) + "'");
  }
  return OkStatus();
}

Status ValidateCurrency(const std::string& currency) {
  static const std::regex kCode("^[A-Z]{3}$");
  if (!std::regex_match(currency, kCode)) {
    return Error("currency must be an ISO 4217 code of 3 upper-case letters, got '" +
                 currency.substr(0, 16) + "'");
  }
  return OkStatus();
}

Result<std::map<std::string, TenantSettings>> EnsureTenants(pqxx::transaction_base& tx,
                                                            const std::set<std::string>& ids,
                                                            const TenantDefaults& defaults,
                                                            std::vector<std::string>* registered) {
  std::map<std::string, TenantSettings> out;
  if (ids.empty()) return out;
  PgArray names;
  for (const std::string& id : ids) names.Add(id);
  const std::string names_literal = names.Take();
  pqxx::result inserted = tx.exec_params(
      "INSERT INTO tenants (tenant_id, timezone, currency, low_stock_threshold) "
      "SELECT t, $2, $3, $4 FROM unnest($1::text[]) AS t ORDER BY t "
      "ON CONFLICT (tenant_id) DO NOTHING RETURNING tenant_id",
      names_literal, defaults.timezone, defaults.currency, defaults.low_stock_threshold);
  for (const auto& row : inserted) registered->push_back(row[0].c_str());

  pqxx::result rows = tx.exec_params(
      "SELECT tenant_id, timezone, currency, low_stock_threshold FROM tenants "
      "WHERE tenant_id = ANY($1::text[])",
      names_literal);
  for (const auto& row : rows) {
    TenantSettings t;
    t.id = row[0].c_str();
    auto zone = TimeZone::Get(row[1].c_str());
    if (!zone) return Error("tenant " + t.id + ": " + zone.error());
    t.zone = *zone;
    t.currency = row[2].c_str();
    t.low_stock_threshold = row[3].as<int>();
    out.emplace(t.id, std::move(t));
  }
  return out;
}

}  // namespace vecton::storage
