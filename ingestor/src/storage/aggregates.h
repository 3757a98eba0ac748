// Accumulates order contributions and writes them to the aggregate tables in one statement
// per table. The ingestor adds (after - before) for the orders a batch changed; rebuild adds
// every order's contribution into emptied tables. Rows are written in key order, so two
// ingestors updating the same rows lock them in the same order and cannot deadlock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <tuple>
#include <utility>

#include "vecton/order_state.h"

namespace vecton::storage {

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

  std::map<HourKey, HourCell> hourly_;
  std::map<CategoryKey, CategoryHourCell> categories_;
  std::map<ProductKey, ProductCell> products_;
  std::map<CustomerDayKey, CustomerDayCell> customer_days_;
  std::map<CampaignKey, CampaignCell> campaigns_;
  std::optional<std::pair<int64_t, int64_t>> days_;  // inclusive, days since epoch
  bool skip_campaigns_ = false;
};

}  // namespace vecton::storage
