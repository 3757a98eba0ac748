#include "storage/locks.h"

#include <algorithm>

#include "storage/pg_array.h"

namespace vecton::storage {

// FNV-1a over the parts: a stable 64-bit advisory lock id for a (kind, tenant, key).
int64_t LockId(char kind, const std::string& tenant, const std::string& key) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;  // separator, so ("ab","c") and ("a","bc") differ
    h *= 1099511628211ULL;
  };
  mix(std::string_view(&kind, 1));
  mix(tenant);
  mix(key);
  return static_cast<int64_t>(h);
}

void LockAll(pqxx::transaction_base& tx, std::vector<int64_t> ids, bool shared) {
  if (ids.empty()) return;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  PgArray literal;
  for (int64_t id : ids) literal.Add(id);
  tx.exec_params(std::string("SELECT count(") +
                     (shared ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock") +
                     "(k)) FROM (SELECT k FROM unnest($1::int8[]) AS k ORDER BY k) AS s",
                 literal.Take());
}

}  // namespace vecton::storage
