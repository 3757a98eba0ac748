// The orders of one batch: what is stored of them, what the batch adds, and the change to
// the aggregates in between (see the DESIGN of ingest.h, steps 4-5).
//
//   OrderBatch batch(tx, tenants, OrderBatch::Mode::kIngest);
//   batch.AddCreated(event, order_created, fx_rate);  // and AddStatusChange(...)
//   CustomerIncrements added;
//   batch.Apply(&delta, &customers, &added);           // writes orders, items, changes
//   delta.Write(tx); RecomputeCustomers(tx, customers); added.Write(tx, customers);
//
// In kRebuild mode the batch is given stored order ids only (AddStored), nothing is taken
// out of the aggregates, every order's full contribution is added, and the derived order
// columns (status, cancelled, shipped_at, refunded_total, ...) are recomputed.
#pragma once

#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/aggregates.h"
#include "storage/tenants.h"
#include "vecton/event.h"
#include "vecton/order_state.h"

namespace vecton::storage {

using TenantKey = std::pair<std::string, std::string>;  // (tenant, id)

// The customer_metrics change of customers whose batch brought only orders that were not
// stored before. Their row (a pure function of their orders) can then be updated by adding
// the new orders to it — counts and sums added, first and last order by least/greatest —
// instead of being recomputed from every order of the customer, which grows with the
// customer's history. Customers with a stored order in the batch are recomputed instead.
class CustomerIncrements {
 public:
  void Add(const std::string& tenant, const OrderFacts& order, const OrderOutcome& outcome,
           CivilDate day);
  // Every customer added, for locking.
  void Keys(std::set<TenantKey>* keys) const;
  // Upserts the rows, leaving out the customers in `recomputed` (their recompute already
  // counts the new orders).
  void Write(pqxx::transaction_base& tx, const std::set<TenantKey>& recomputed) const;

 private:
  struct Cell {
    std::optional<Timestamp> first, last;
    CivilDate first_day;
    int64_t orders = 0;
    Money revenue, refunds;
  };
  std::map<TenantKey, Cell> cells_;
};

class OrderBatch {
 public:
  enum class Mode { kIngest, kRebuild };

  OrderBatch(pqxx::transaction_base& tx, const std::map<std::string, TenantSettings>& tenants,
             Mode mode = Mode::kIngest);

  // `event` and `order` must outlive Apply.
  void AddCreated(const Event& event, const OrderCreated& order, int64_t fx_rate);
  void AddStatusChange(const Event& event, const OrderStatusChanged& change);
  void AddStored(const std::string& tenant, const std::string& order_id);

  // Loads the stored state of the batch's orders, writes the orders' new state and adds
  // (after - before) to `delta`; `customers` receives every customer whose totals may have
  // changed — except, when `added` is given, the customers of orders not stored before,
  // whose new orders go to `added` (a customer may be in both: then recompute it).
  void Apply(AggregateDelta* delta, std::set<TenantKey>* customers,
             CustomerIncrements* added = nullptr);

 private:
  struct Created {
    const Event* event;
    const OrderCreated* order;
    int64_t fx_rate;
  };
  struct Stored {
    OrderFacts facts;
    std::string source, event_id;
  };
  struct Pending {
    std::optional<Created> created;  // the winner among the batch's order.created
    std::vector<std::pair<const Event*, const OrderStatusChanged*>> new_changes;
    std::optional<Stored> stored;
    std::vector<StatusChangeFacts> stored_changes;
  };

  void LoadStored();

  pqxx::transaction_base& tx_;
  const std::map<std::string, TenantSettings>& tenants_;
  Mode mode_;
  std::map<TenantKey, Pending> orders_;
};

// Recomputes customer_metrics (first order, orders, revenue, refunds, LTV) of `customers`
// from their orders.
void RecomputeCustomers(pqxx::transaction_base& tx, const std::set<TenantKey>& customers);

// Recomputes campaign_metrics' send and open columns of `campaigns` from their facts.
void RecomputeCampaigns(pqxx::transaction_base& tx, const std::set<TenantKey>& campaigns);

}  // namespace vecton::storage
