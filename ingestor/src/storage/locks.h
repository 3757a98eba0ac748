// Advisory locks that keep concurrent writers (two ingestors, an ingestor and a rebuild)
// from computing deltas from a stale picture. Ids are stable 64-bit hashes of
// (kind, tenant, key); kinds: 't' tenant, 'o' order, 'c' customer, 'm' campaign, 'f' the fold of
// pending aggregates (tenant and key empty). A batch takes its tenants' locks shared and a rebuild
// takes its tenant's exclusively. All locks are transaction-scoped and taken in id order.
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace vecton::storage {

int64_t LockId(char kind, const std::string& tenant, const std::string& key);

// Takes all `ids` (duplicates allowed) in ascending order; waits for each.
void LockAll(pqxx::transaction_base& tx, std::vector<int64_t> ids, bool shared);

}  // namespace vecton::storage
