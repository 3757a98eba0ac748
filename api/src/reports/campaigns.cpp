// The campaigns report (/reports/campaigns): campaign_metrics holds each campaign's all-time
// numbers; the report lists the campaigns first sent within the range (a campaign belongs to
// the range of its first send), oldest first, paged.
#include <string>

#include "reports/queries.h"

namespace vecton::api {

ReportOutput CampaignsReport(pqxx::transaction_base& tx, const ReportRequest& req,
                             JsonWriter& out) {
  using namespace reports;  // NOLINT(google-build-using-namespace): the report's own helpers
  const std::string from = InstantParam(req.range.begin), to = InstantParam(req.range.end);
  constexpr std::string_view kInRange =
      " FROM campaign_metrics WHERE tenant_id = $1 AND tenant_id = current_setting('vecton.tenant')"
      " AND first_sent_at >= $2::timestamptz AND first_sent_at < $3::timestamptz";
  const int64_t total_count =
      tx.exec_params1("SELECT count(*)" + std::string(kInRange), req.tenant.id, from, to)[0]
          .as<int64_t>();
  pqxx::result rows = tx.exec_params(
      "SELECT campaign_id, name, channel, recipients, cost::text, opens, unique_opens,"
      " attributed_orders, attributed_revenue::text, floor(extract(epoch FROM "
      "first_sent_at))::bigint" +
          std::string(kInRange) + " ORDER BY first_sent_at, campaign_id LIMIT $4 OFFSET $5",
      req.tenant.id, from, to, req.limit, req.offset);

  ReportOutput output;
  output.csv.header = {
      "campaign_id", "name",         "channel",   "first_sent_at",     "recipients",         "cost",
      "opens",       "unique_opens", "open_rate", "attributed_orders", "attributed_revenue", "roi"};
  auto text = [](const pqxx::field& f) {
    return f.is_null() ? std::string() : f.as<std::string>();
  };
  out.BeginObject();
  out.Key("items").BeginArray();
  for (const pqxx::row& r : rows) {
    const int64_t recipients = r[3].as<int64_t>();
    const bool has_cost = !r[4].is_null();
    const Money cost = ReadMoney(r[4]);
    const int64_t unique_opens = r[6].as<int64_t>();
    const Money revenue = ReadMoney(r[8]);
    const std::optional<double> open_rate =
        Ratio(static_cast<double>(unique_opens), static_cast<double>(recipients));
    // roi is null when the cost is 0 or unknown.
    const std::optional<double> roi = has_cost
                                          ? Ratio(static_cast<double>((revenue - cost).units()),
                                                  static_cast<double>(cost.units()))
                                          : std::nullopt;
    const std::string sent_at =
        FormatLocal(req.tenant.zone->ToLocal(Timestamp::FromSeconds(r[9].as<int64_t>())));
    out.BeginObject();
    out.Key("campaign_id").String(r[0].c_str());
    out.Key("name");
    if (r[1].is_null())
      out.Null();
    else
      out.String(r[1].c_str());
    out.Key("channel");
    if (r[2].is_null())
      out.Null();
    else
      out.String(r[2].c_str());
    out.Key("first_sent_at").String(sent_at);
    out.Key("recipients").Int(recipients);
    out.Key("cost");
    if (has_cost)
      out.Money(cost);
    else
      out.Null();
    out.Key("opens").Int(r[5].as<int64_t>());
    out.Key("unique_opens").Int(unique_opens);
    out.Key("open_rate");
    WriteRatio(out, open_rate);
    out.Key("attributed_orders").Int(r[7].as<int64_t>());
    out.Key("attributed_revenue").Money(revenue);
    out.Key("roi");
    WriteRatio(out, roi);
    out.EndObject();
    output.csv.rows.push_back({text(r[0]), text(r[1]), text(r[2]), sent_at,
                               std::to_string(recipients), has_cost ? MoneyCell(cost) : "",
                               text(r[5]), std::to_string(unique_opens), RatioCell(open_rate),
                               text(r[7]), MoneyCell(revenue), RatioCell(roi)});
  }
  out.EndArray();
  out.Key("total_count").Int(total_count);
  out.EndObject();
  return output;
}

}  // namespace vecton::api
