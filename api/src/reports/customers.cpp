// The customers report (/reports/customers) and the customer reads the dashboards share.
//
// DESIGN
// new_customers come from customer_metrics.first_order_day, signups from customers.day,
// active and returning customers from customer_days joined to customer_metrics: distinct
// counts cannot be added across days, so the database groups by bucket (date_trunc to the
// bucket's start) and counts there. Hourly buckets have no per-customer hourly aggregate; they
// read the orders facts of the (at most 31-day) range, keyed by the order's hour_start.
//
// Choices the definitions leave open, made here:
// - returning_customers of a bucket: active in it, first order before the bucket's start.
// - repeat_purchase_rate and average_ltv are over customers whose first order is on or before
//   the range's last day (all time up to the range end); top_customers likewise, by LTV.
// - cohorts: customers whose first order falls in the range, by first-order month;
//   retention[k] = share of them with an order in month cohort+k, for every month up to the
//   range's last month, counting orders up to the range's last day.
#include <map>
#include <string>

#include "reports/queries.h"

namespace vecton::api::reports {

namespace {

// Bucket start of a date column: the trunc of $4 for series, the range start $2 for totals.
std::string StartOf(std::string_view column, bool series) {
  if (!series) return "$2::date";
  return "date_trunc($4, " + std::string(column) + "::timestamp)::date";
}
std::string KeyOf(std::string_view column, bool series) {
  return "(" + StartOf(column, series) + " - DATE '1970-01-01')::bigint";
}

// Fetches rows for a query whose $4 is the date_trunc unit only in series mode.
pqxx::result Exec(pqxx::transaction_base& tx, const std::string& q, const std::string& tenant,
                  CivilDate first, CivilDate last, const std::optional<std::string>& unit) {
  return unit ? tx.exec_params(q, tenant, DateParam(first), DateParam(last), *unit)
              : tx.exec_params(q, tenant, DateParam(first), DateParam(last));
}

// Day-keyed customer metrics, per bucket start key (series) or under key of $2 (totals).
std::map<int64_t, CustomerMetrics> ReadByDays(pqxx::transaction_base& tx, const std::string& tenant,
                                              CivilDate first, CivilDate last,
                                              const std::optional<std::string>& unit) {
  const bool series = unit.has_value();
  std::map<int64_t, CustomerMetrics> out;
  const std::string tenant_filter =
      "tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')";

  std::string q = "SELECT " + KeyOf("first_order_day", series) +
                  ", count(*) FROM customer_metrics WHERE " + tenant_filter +
                  " AND first_order_day BETWEEN $2::date AND $3::date GROUP BY 1";
  for (const pqxx::row& r : Exec(tx, q, tenant, first, last, unit)) {
    out[r[0].as<int64_t>()].new_customers = r[1].as<int64_t>();
  }
  q = "SELECT " + KeyOf("day", series) + ", count(*) FROM customers WHERE " + tenant_filter +
      " AND day BETWEEN $2::date AND $3::date GROUP BY 1";
  for (const pqxx::row& r : Exec(tx, q, tenant, first, last, unit)) {
    out[r[0].as<int64_t>()].signups = r[1].as<int64_t>();
  }
  q = "SELECT " + KeyOf("d.day", series) +
      ", count(DISTINCT d.customer_id), count(DISTINCT d.customer_id) FILTER (WHERE"
      " m.first_order_day < " +
      StartOf("d.day", series) +
      ") FROM customer_days d LEFT JOIN customer_metrics m ON m.tenant_id = $1"
      " AND m.customer_id = d.customer_id WHERE d.tenant_id = $1"
      " AND d.tenant_id = current_setting('vecton.tenant') AND d.day BETWEEN $2::date AND $3::date"
      " AND d.orders > 0 GROUP BY 1";
  for (const pqxx::row& r : Exec(tx, q, tenant, first, last, unit)) {
    CustomerMetrics& m = out[r[0].as<int64_t>()];
    m.active_customers = r[1].as<int64_t>();
    m.returning_customers = r[2].as<int64_t>();
  }
  return out;
}

// Hour-keyed customer metrics over [begin, end): per local hour start (Unix seconds) when
// `series`, else everything under key 0.
std::map<int64_t, CustomerMetrics> ReadByHours(pqxx::transaction_base& tx,
                                               const std::string& tenant, const TimeZone& zone,
                                               Timestamp begin, Timestamp end, bool series) {
  std::map<int64_t, CustomerMetrics> out;
  auto key = [&](int64_t seconds) {
    return series ? zone.HourStart(Timestamp::FromSeconds(seconds)).seconds() : 0;
  };
  const std::string b = InstantParam(begin), e = InstantParam(end);
  for (const pqxx::row& r : tx.exec_params(
           "SELECT floor(extract(epoch FROM first_order_at))::bigint FROM customer_metrics"
           " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
           " AND first_order_at >= $2::timestamptz AND first_order_at < $3::timestamptz",
           tenant, b, e)) {
    ++out[key(r[0].as<int64_t>())].new_customers;
  }
  for (const pqxx::row& r :
       tx.exec_params("SELECT floor(extract(epoch FROM created_at))::bigint FROM customers"
                      " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
                      " AND created_at >= $2::timestamptz AND created_at < $3::timestamptz",
                      tenant, b, e)) {
    ++out[key(r[0].as<int64_t>())].signups;
  }
  const std::string bucket_start = series ? "o.hour_start" : "$2::timestamptz";
  const std::string q =
      "SELECT " + (series ? std::string("floor(extract(epoch FROM o.hour_start))::bigint") : "0") +
      ", count(DISTINCT o.customer_id), count(DISTINCT o.customer_id) FILTER (WHERE"
      " m.first_order_at < " +
      bucket_start +
      ") FROM orders o LEFT JOIN customer_metrics m ON m.tenant_id = $1"
      " AND m.customer_id = o.customer_id WHERE o.tenant_id = $1"
      " AND o.tenant_id = current_setting('vecton.tenant') AND o.placed_at >= $2::timestamptz"
      " AND o.placed_at < $3::timestamptz AND NOT o.cancelled AND o.customer_id IS NOT NULL"
      " GROUP BY 1";
  for (const pqxx::row& r : tx.exec_params(q, tenant, b, e)) {
    CustomerMetrics& m = out[r[0].as<int64_t>()];
    m.active_customers = r[1].as<int64_t>();
    m.returning_customers = r[2].as<int64_t>();
  }
  return out;
}

}  // namespace

CustomerMetrics ReadCustomerTotals(pqxx::transaction_base& tx, const std::string& tenant,
                                   const Range& range, const TimeZone& zone) {
  if (range.granularity == Granularity::kHourly) {
    auto rows = ReadByHours(tx, tenant, zone, range.begin, range.end, false);
    return rows.empty() ? CustomerMetrics{} : rows.begin()->second;
  }
  auto rows = ReadByDays(tx, tenant, range.first_day, range.last_day, std::nullopt);
  return rows.empty() ? CustomerMetrics{} : rows.begin()->second;
}

std::vector<CustomerMetrics> ReadCustomerSeries(pqxx::transaction_base& tx,
                                                const std::string& tenant, const Buckets& buckets,
                                                const Range& range, const TimeZone& zone) {
  std::vector<CustomerMetrics> series(buckets.size());
  const auto rows =
      buckets.granularity() == Granularity::kHourly
          ? ReadByHours(tx, tenant, zone, range.begin, range.end, true)
          : ReadByDays(tx, tenant, range.first_day, range.last_day, buckets.TruncUnit());
  for (const auto& [key, m] : rows) {
    if (auto i = buckets.IndexOfKey(key)) series[*i] = m;
  }
  return series;
}

LoyaltyMetrics ReadLoyalty(pqxx::transaction_base& tx, const std::string& tenant, CivilDate last) {
  pqxx::row r = tx.exec_params1(
      "SELECT count(*) FILTER (WHERE orders >= 2), count(*), sum(net_revenue)::text"
      " FROM customer_metrics WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
      " AND orders >= 1 AND first_order_day <= $2::date",
      tenant, DateParam(last));
  LoyaltyMetrics m;
  m.customers = r[1].as<int64_t>();
  m.repeat_purchase_rate =
      Ratio(static_cast<double>(r[0].as<int64_t>()), static_cast<double>(m.customers));
  m.average_ltv = DivideToCents(ReadMoney(r[2]), m.customers);
  return m;
}

void WriteCustomerMembers(JsonWriter& out, const CustomerMetrics& m) {
  out.Key("new_customers").Int(m.new_customers);
  out.Key("returning_customers").Int(m.returning_customers);
  out.Key("active_customers").Int(m.active_customers);
  out.Key("signups").Int(m.signups);
}

namespace {

void WriteTopCustomers(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out) {
  pqxx::result rows = tx.exec_params(
      "SELECT customer_id, orders, revenue::text, refunds::text, net_revenue::text,"
      " first_order_day::text, floor(extract(epoch FROM last_order_at))::bigint FROM "
      "customer_metrics"
      " WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant') AND orders >= 1"
      " AND first_order_day <= $2::date"
      " ORDER BY customer_metrics.net_revenue DESC, customer_id LIMIT $3",
      req.tenant.id, DateParam(req.range.last_day), req.limit);
  out.BeginArray();
  for (const pqxx::row& r : rows) {
    out.BeginObject();
    out.Key("customer_id").String(r[0].c_str());
    out.Key("orders").Int(r[1].as<int64_t>());
    out.Key("revenue").Money(ReadMoney(r[2]));
    out.Key("refunds").Money(ReadMoney(r[3]));
    out.Key("lifetime_value").Money(ReadMoney(r[4]));
    out.Key("first_order_day").String(r[5].c_str());
    out.Key("last_order_at");
    if (r[6].is_null()) {
      out.Null();
    } else {
      out.String(FormatLocal(req.tenant.zone->ToLocal(Timestamp::FromSeconds(r[6].as<int64_t>()))));
    }
    out.EndObject();
  }
  out.EndArray();
}

// Months since year 0, for cohort arithmetic.
int64_t MonthIndex(CivilDate d) { return int64_t{d.year} * 12 + (d.month - 1); }

void WriteCohorts(pqxx::transaction_base& tx, const ReportRequest& req, JsonWriter& out) {
  const std::string first = DateParam(req.range.first_day), last = DateParam(req.range.last_day);
  constexpr std::string_view kCohorts =
      "WITH c AS (SELECT customer_id, date_trunc('month', first_order_day::timestamp)::date AS "
      "cohort"
      " FROM customer_metrics WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
      " AND first_order_day BETWEEN $2::date AND $3::date) ";
  std::map<int64_t, int64_t> sizes;  // cohort month index -> customers
  for (const pqxx::row& r :
       tx.exec_params(std::string(kCohorts) + "SELECT cohort::text, count(*) FROM c GROUP BY 1",
                      req.tenant.id, first, last)) {
    sizes[MonthIndex(*CivilDate::Parse(r[0].c_str()))] = r[1].as<int64_t>();
  }
  std::map<std::pair<int64_t, int64_t>, int64_t> active;  // (cohort, month) -> customers
  for (const pqxx::row& r : tx.exec_params(
           std::string(kCohorts) +
               "SELECT c.cohort::text, date_trunc('month', d.day::timestamp)::date::text,"
               " count(DISTINCT d.customer_id) FROM c JOIN customer_days d ON d.tenant_id = $1"
               " AND d.customer_id = c.customer_id AND d.day >= c.cohort AND d.day <= $3::date"
               " AND d.orders > 0 GROUP BY 1, 2",
           req.tenant.id, first, last)) {
    active[{MonthIndex(*CivilDate::Parse(r[0].c_str())),
            MonthIndex(*CivilDate::Parse(r[1].c_str()))}] = r[2].as<int64_t>();
  }
  const int64_t last_month = MonthIndex(req.range.last_day);
  out.BeginArray();
  for (const auto& [cohort, customers] : sizes) {
    const CivilDate start{static_cast<int>(cohort / 12), static_cast<int>(cohort % 12) + 1, 1};
    out.BeginObject();
    out.Key("cohort").String(start.ToString().substr(0, 7));
    out.Key("customers").Int(customers);
    out.Key("retention").BeginArray();
    for (int64_t month = cohort; month <= last_month; ++month) {
      auto it = active.find({cohort, month});
      const int64_t n = it == active.end() ? 0 : it->second;
      WriteRatio(out, Ratio(static_cast<double>(n), static_cast<double>(customers)));
    }
    out.EndArray();
    out.EndObject();
  }
  out.EndArray();
}

}  // namespace

}  // namespace vecton::api::reports

namespace vecton::api {

ReportOutput CustomersReport(pqxx::transaction_base& tx, const ReportRequest& req,
                             JsonWriter& out) {
  using namespace reports;  // NOLINT(google-build-using-namespace): the report's own helpers
  const TimeZone& zone = *req.tenant.zone;
  const Buckets buckets = Buckets::ForRange(req.range, zone);
  const std::vector<CustomerMetrics> series =
      ReadCustomerSeries(tx, req.tenant.id, buckets, req.range, zone);
  const CustomerMetrics totals = ReadCustomerTotals(tx, req.tenant.id, req.range, zone);
  const LoyaltyMetrics loyalty = ReadLoyalty(tx, req.tenant.id, req.range.last_day);

  ReportOutput output;
  output.csv.header = {"period", "new_customers", "returning_customers", "active_customers",
                       "signups"};
  out.BeginObject();
  out.Key("totals").BeginObject();
  WriteCustomerMembers(out, totals);
  out.Key("average_ltv").Money(loyalty.average_ltv);
  out.Key("repeat_purchase_rate");
  WriteRatio(out, loyalty.repeat_purchase_rate);
  out.EndObject();
  out.Key("series").BeginArray();
  for (size_t i = 0; i < buckets.size(); ++i) {
    const CustomerMetrics& m = series[i];
    out.BeginObject().Key("period").String(buckets[i].period);
    WriteCustomerMembers(out, m);
    out.EndObject();
    output.csv.rows.push_back({buckets[i].period, std::to_string(m.new_customers),
                               std::to_string(m.returning_customers),
                               std::to_string(m.active_customers), std::to_string(m.signups)});
  }
  out.EndArray();
  out.Key("top_customers");
  WriteTopCustomers(tx, req, out);
  out.Key("cohorts");
  WriteCohorts(tx, req, out);
  out.EndObject();
  return output;
}

}  // namespace vecton::api
