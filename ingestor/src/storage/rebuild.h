// `analytics-ingestor rebuild`: recomputes a tenant's aggregates from its facts.
//
// Runs in one transaction holding the tenant's lock exclusively, so batches for that
// tenant wait and nobody reads a half-rebuilt state (readers see the old rows until commit).
// Orders go through the same OrderBatch and order_state.h rules as live ingestion, so a
// rebuild and incremental maintenance agree by construction; the tests check it. With a
// date range only the day-keyed sales tables inside it are recomputed (from every order with
// a cell in it); per-customer, per-campaign and inventory totals are always recomputed whole.
#pragma once

#include <optional>
#include <ostream>
#include <pqxx/pqxx>
#include <set>
#include <string>

#include "vecton/civil_time.h"
#include "vecton/result.h"

namespace vecton::storage {

struct RebuildOptions {
  std::string tenant;
  std::optional<CivilDate> from, to;  // inclusive local dates; both or neither
};

// Progress lines go to `progress`. Returns the tenants whose aggregates changed (this one,
// and those whose pending deltas it folded first: bump their cache generations), or an Error
// for an unknown tenant; throws pqxx exceptions on database failures (nothing is committed
// then).
Result<std::set<std::string>> Rebuild(pqxx::connection& conn, const RebuildOptions& options,
                                      std::ostream& progress);

}  // namespace vecton::storage
