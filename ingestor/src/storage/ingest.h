// Ingesting one batch of messages: decode, validate, store the facts and the aggregate deltas,
// all in one PostgreSQL transaction.
//
// DESIGN
// A batch is a few thousand messages taken from the work queue. Everything they change is
// committed together, and only then are they acknowledged (by the caller), so a crash at
// any point either loses the whole transaction (the broker redelivers the batch) or keeps
// it (the redelivered copies are duplicates and change nothing).
//
// Within the transaction, in this order:
//  1. Decode every message; an invalid one is rejected with its reason (the caller
//     dead-letters it). A second copy of an event within the batch is a duplicate.
//  2. Register unknown tenants; take each tenant's lock in shared mode (rebuild takes it
//     exclusively). Reject orders in a foreign currency without fx_rate.
//  3. Store the events in event_log: events already there are duplicates and are skipped
//     from here on. This is the whole of deduplication. The batch goes in by COPY in a
//     subtransaction; only when that hits a stored key (a unique violation) is it rolled back
//     and replaced by INSERT ... ON CONFLICT DO NOTHING RETURNING, which tells them apart.
//  4. Lock the orders, customers and campaigns the batch touches (advisory locks, in key
//     order), so a second ingestor working on the same orders waits instead of computing
//     from a stale picture.
//  5. Orders: load what is stored of the touched orders, fold in the new order.created and
//     order.status_changed events, and stage (contribution after - contribution before) in
//     aggregate_pending (order_state.h; sql/004), which the fold adds to the aggregates. Status
//     changes for orders not seen yet are only stored; the order's arrival applies them. A
//     customer's totals are recomputed from their orders when one of them was stored before; a
//     customer whose batch brought only new orders has them added to the stored totals
//     (CustomerIncrements in order_store.h).
//  6. The other event types: facts plus their aggregates; per-campaign totals are
//     recomputed from the facts for the keys touched.
//  7. txid_current() becomes the cache generation of every touched tenant: unique, so an API
//     answer cached under an older generation is never taken for a newer one.
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "storage/tenants.h"
#include "vecton/event.h"

namespace vecton::storage {

struct IngestSettings {
  TenantDefaults tenant_defaults;
  DecodeLimits limits;
};

struct Rejection {
  size_t index;        // position in the batch
  std::string reason;  // one line, for x-analytics-error
};

struct BatchResult {
  std::vector<Rejection> rejected;
  std::vector<std::string> registered_tenants;
  std::set<std::string> touched_tenants;
  int64_t generation = 0;  // the transaction id; valid when touched_tenants is not empty
  size_t ingested = 0;
  size_t duplicates = 0;
};

// Runs the whole batch in one transaction on `conn` and commits it. Throws pqxx exceptions
// for database failures; nothing is committed then. IsTransient (database.h) tells whether
// to retry the same batch later or to isolate the message that causes it.
BatchResult IngestBatch(pqxx::connection& conn, const std::vector<std::string_view>& bodies,
                        const IngestSettings& settings);

}  // namespace vecton::storage
