// Accumulates order contributions and writes them to the aggregate tables in one statement
// per table. The ingestor adds (after - before) for the orders a batch changed and stages
// them in aggregate_pending (sql/004), from where FoldPending adds them to the tables; rebuild
// adds every order's contribution into emptied tables directly. Rows are written in key
// order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "vecton/order_state.h"

namespace vecton::storage {

struct TableRows;

class AggregateDelta {
 public:
  // sign +1 adds the contribution, -1 takes it out.
  void Add(const std::string& tenant, const OrderContribution& c, int sign);
  bool empty() const;
  // For rebuilds: keep only cells whose local day is in [from, to] ...
  void RestrictToDays(CivilDate from, CivilDate to);
  // ... and leave campaign attribution out (a rebuild recomputes it whole from the orders).
  void SkipCampaigns() { skip_campaigns_ = true; }
  // Adds the accumulated deltas to hourly_sales, daily_sales, the category tables,
  // product_metrics, customer_days and campaign_metrics' attribution columns.
  void Write(pqxx::transaction_base& tx) const;
  // Appends them to aggregate_pending instead, one row per table, for FoldPending to add:
  // an ingest transaction then neither waits for nor locks any aggregate row.
  void Stage(pqxx::transaction_base& tx) const;

 private:
  using HourKey = std::tuple<std::string, int64_t>;                      // tenant, hour (us)
  using CategoryKey = std::tuple<std::string, int64_t, int64_t>;         // tenant, hour, category
  using ProductKey = std::tuple<std::string, int64_t, std::string>;      // tenant, day, product
  using CustomerDayKey = std::tuple<std::string, std::string, int64_t>;  // tenant, customer, day
  using CampaignKey = std::tuple<std::string, std::string>;

  struct HourCell {
    CivilDate day;
    SalesCell cell;
  };
  struct CategoryHourCell {
    CivilDate day;
    CategoryCell cell;
  };
  struct CustomerDayCell {
    int64_t orders = 0;
    Money revenue;
  };
  struct CampaignCell {
    int64_t orders = 0;
    Money revenue;
  };

  // Every table's non-zero rows; the daily ones are the sums of the hours.
  std::vector<TableRows> Rows() const;

  std::map<HourKey, HourCell> hourly_;
  std::map<CategoryKey, CategoryHourCell> categories_;
  std::map<ProductKey, ProductCell> products_;
  std::map<CustomerDayKey, CustomerDayCell> customer_days_;
  std::map<CampaignKey, CampaignCell> campaigns_;
  std::optional<std::pair<int64_t, int64_t>> days_;  // inclusive, days since epoch
  bool skip_campaigns_ = false;
};

// Adds the deltas of up to `max_rows` aggregate_pending rows committed so far to their
// tables and deletes them, under an advisory lock that one folding transaction holds at a
// time (it waits for it). Returns the tenants whose aggregates changed; none when nothing
// was pending. Commit, then bump their cache generations.
std::set<std::string> FoldPending(pqxx::transaction_base& tx, int64_t max_rows);

// What one folding transaction changed: the tenants and the commit's transaction id, their
// new cache generation.
struct Folded {
  std::set<std::string> tenants;
  int64_t generation = 0;
};

// Pending rows one fold takes at most: some 50 batches' deltas, summed in memory (the
// statement's work_mem) and written in a transaction of a few seconds at most.
inline constexpr int64_t kFoldRows = 350;

// FoldPending(kFoldRows) in a transaction of its own on `conn`, committed.
Folded FoldOnce(pqxx::connection& conn);

}  // namespace vecton::storage
