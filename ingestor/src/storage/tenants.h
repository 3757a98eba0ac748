// Tenants: their reporting time zone and currency, registered on first sight.
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "vecton/civil_time.h"
#include "vecton/result.h"

namespace vecton::storage {

struct TenantSettings {
  std::string id;
  std::string currency;
  std::shared_ptr<const TimeZone> zone;
  int low_stock_threshold = 10;
};

// What an unknown tenant gets when its first event arrives (configuration).
struct TenantDefaults {
  std::string timezone = "UTC";
  std::string currency = "EUR";
  int low_stock_threshold = 10;
};

// Loads the settings of `ids`, registering the unknown ones with `defaults` first. The names
// of newly registered tenants are appended to `registered`. A tenant whose stored time zone
// can't be loaded is an Error: its buckets would be wrong.
Result<std::map<std::string, TenantSettings>> EnsureTenants(pqxx::transaction_base& tx,
                                                            const std::set<std::string>& ids,
                                                            const TenantDefaults& defaults,
                                                            std::vector<std::string>* registered);

// Validation shared by the tenant commands.
Status ValidateTenantName(const std::string& name);
Status ValidateCurrency(const std::string& currency);

}  // namespace vecton::storage
