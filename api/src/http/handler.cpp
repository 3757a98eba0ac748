#include "http/handler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <random>

#include "custom/definition.h"
#include "custom/execute.h"
#include "errors.h"
#include "http/csv.h"
#include "http/params.h"
#include "pdf/pdf.h"
#include "vecton/json.h"
#include "vecton/log.h"

namespace vecton::api {
namespace {

enum class RouteKind { kReport, kHealth, kReady, kMetrics };

struct Route {
  std::string path;
  RouteKind kind = RouteKind::kReport;
  ReportId report = ReportId::kDashboard;
  ParamRules rules;
  std::string csv_name;  // "" = no CSV form
  bool needs_auth = true;
};

// Parameters of the list/series reports (api.md "Endpoints").
ParamRules SalesRules() {
  return {.range = true, .granularity = true, .category_id = true, .compare = true, .format = true};
}
ParamRules ProductsRules() {
  return {.range = true,
          .category_id = true,
          .paging = true,
          .format = true,
          .sort_keys = &ProductSortKeys()};
}
ParamRules CustomersRules() {
  return {.range = true, .granularity = true, .paging = true, .format = true};
}
ParamRules InventoryRules() {
  return {.range = true, .category_id = true, .paging = true, .format = true};
}
ParamRules CampaignsRules() { return {.range = true, .paging = true, .format = true}; }

const std::vector<Route>& Routes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> r = {
        {"/api/health", RouteKind::kHealth, {}, {}, "", false},
        {"/api/ready", RouteKind::kReady, {}, {}, "", false},
        {"/api/metrics", RouteKind::kMetrics, {}, {}, "", false},
        {"/api/dashboard", RouteKind::kReport, ReportId::kDashboard, {}, ""},
        {"/api/dashboard/sales", RouteKind::kReport, ReportId::kSalesDashboard, {}, ""},
        {"/api/dashboard/customers", RouteKind::kReport, ReportId::kCustomersDashboard, {}, ""},
        {"/api/dashboard/inventory", RouteKind::kReport, ReportId::kInventoryDashboard, {}, ""},
        {"/api/reports/sales", RouteKind::kReport, ReportId::kSales, SalesRules(), "sales"},
        {"/api/reports/products", RouteKind::kReport, ReportId::kProducts, ProductsRules(),
         "products"},
        {"/api/reports/customers", RouteKind::kReport, ReportId::kCustomers, CustomersRules(),
         "customers"},
        {"/api/reports/inventory", RouteKind::kReport, ReportId::kInventory, InventoryRules(),
         "inventory"},
        {"/api/reports/campaigns", RouteKind::kReport, ReportId::kCampaigns, CampaignsRules(),
         "campaigns"},
    };
    // /api/reports/{name}/export for the built-ins: the report's parameters, csv by default.
    std::vector<Route> exports;
    for (const Route& route : r) {
      if (route.csv_name.empty()) continue;
      Route e = route;
      e.path = route.path + "/export";
      e.rules.export_route = true;
      e.rules.format = true;
      exports.push_back(e);
    }
    r.insert(r.end(), exports.begin(), exports.end());
    return r;
  }();
  return routes;
}

Timestamp Now() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

HttpResponse Json(int status, std::string body) {
  return {status, {{"Content-Type", "application/json; charset=utf-8"}}, std::move(body)};
}

HttpResponse ErrorResponse(const ApiError& error) {
  HttpResponse r = Json(HttpStatus(error.kind), ErrorBody(error));
  if (error.kind == ErrorKind::kUnauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (error.kind == ErrorKind::kMethodNotAllowed) r.headers.emplace_back("Allow", "GET");
  if (error.kind == ErrorKind::kUnavailable) r.headers.emplace_back("Retry-After", "5");
  return r;
}

// RFC 9110 If-None-Match: "*" or a list of entity tags, weak comparison.
bool EtagMatches(const std::string& header, const std::string& etag) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view tag(header.data() + pos,
                         (comma == std::string::npos ? header.size() : comma) - pos);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
}

std::string DisplayRoute(const Route& route) {
  if (route.path.ends_with("/export")) return "/api/reports/{name}/export";
  return route.path;
}

// ---- custom reports ------------------------------------------------------------------------

enum CustomRoute { kNoCustom = 0, kCatalog, kReportList, kSavedReport, kSavedExport };

// Saved report ids: "rep_" and 12 lower-case hex digits.
bool IsReportId(std::string_view s) {
  if (s.size() != 16 || !s.starts_with("rep_")) return false;
  return std::all_of(s.begin() + 4, s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

CustomRoute MatchCustom(const std::string& path, std::string& id) {
  if (path == "/api/reports/catalog") return kCatalog;
  if (path == "/api/reports") return kReportList;
  constexpr std::string_view kPrefix = "/api/reports/";
  if (!path.starts_with(kPrefix)) return kNoCustom;
  std::string_view rest = std::string_view(path).substr(kPrefix.size());
  bool export_route = rest.ends_with("/export");
  if (export_route) rest.remove_suffix(7);
  if (!IsReportId(rest)) return kNoCustom;
  id = rest;
  return export_route ? kSavedExport : kSavedReport;
}

std::string_view CustomLabel(CustomRoute r) {
  switch (r) {
    case kCatalog:
      return "/api/reports/catalog";
    case kReportList:
      return "/api/reports";
    case kSavedReport:
      return "/api/reports/{id}";
    case kSavedExport:
      return "/api/reports/{id}/export";
    case kNoCustom:
      break;
  }
  return "unmatched";
}

std::string NewReportId() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("rep_{:012x}", rng() & 0xFFFFFFFFFFFFULL);
}

HttpResponse MethodNotAllowed(std::string_view label, std::string_view allow) {
  HttpResponse r = Json(405, ErrorBody({ErrorKind::kMethodNotAllowed,
                                        fmt::format("{} allows {} only", label, allow), ""}));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

// The envelope's members before "data".
void WriteEnvelopeHead(JsonWriter& w, const TenantInfo& tenant, const ParsedParams* params,
                       Granularity granularity) {
  w.Key("tenant").String(tenant.id);
  w.Key("currency").String(tenant.currency);
  w.Key("timezone").String(tenant.zone->name());
  if (params) {
    w.Key("range")
        .BeginObject()
        .Key("from")
        .String(params->from_text)
        .Key("to")
        .String(params->to_text)
        .Key("granularity")
        .String(GranularityName(granularity))
        .EndObject();
  }
  w.Key("generated_at").String(FormatUtcSeconds(Now()));
}

bool IsNumberCell(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

std::string RangeText(const ParsedParams& params, Granularity g) {
  return fmt::format("{} – {} ({})", params.from_text, params.to_text, GranularityName(g));
}

// A PDF of a built-in report from its CSV rows and the "totals" of its JSON answer.
std::string BuiltInPdf(const std::string& title, const TenantInfo& tenant,
                       const ParsedParams& params, const CsvTable& csv, const std::string& json) {
  pdf::PdfReport r;
  r.title = title;
  r.tenant = tenant.id + " (" + tenant.currency + ", " + tenant.zone->name() + ")";
  r.range = RangeText(params, params.request.range.granularity);
  r.generated_at = FormatUtcSeconds(Now());
  r.header = csv.header;
  r.rows = csv.rows;
  if (Result<JsonValue> doc = JsonValue::Parse(json)) {
    if (const JsonValue* data = doc->Find("data")) {
      if (const JsonValue* totals = data->Find("totals")) {
        for (const auto& [k, v] : totals->members()) {
          if (v.is_number() || v.is_string()) r.totals.emplace_back(k, v.text());
          if (v.is_null()) r.totals.emplace_back(k, "–");
        }
      }
      if (const JsonValue* count = data->Find("total_count"); count && count->is_number()) {
        r.totals.emplace_back("total_count", count->text());
      }
    }
  }
  const size_t n = csv.header.size();
  r.numeric.assign(n, false);
  for (size_t c = 0; c < n; ++c) {
    bool any = false, all = true;
    for (const auto& row : csv.rows) {
      if (c >= row.size() || row[c].empty()) continue;
      any = true;
      all = all && IsNumberCell(row[c]);
    }
    r.numeric[c] = any && all && csv.header[c] != "category_id";
  }
  // Chart: revenue-like column over periods (line) or over the first rows (bars).
  size_t value = n;
  for (const char* preferred :
       {"revenue", "attributed_revenue", "new_customers", "stock_level", "recipients"}) {
    for (size_t c = 0; c < n && value == n; ++c) {
      if (csv.header[c] == preferred && r.numeric[c]) value = c;
    }
  }
  for (size_t c = 0; c < n && value == n; ++c) {
    if (r.numeric[c]) value = c;
  }
  if (value < n && !csv.rows.empty()) {
    const bool series = csv.header[0] == "period";
    size_t label = 0;
    for (size_t c = 0; c < n; ++c) {
      if (csv.header[c] == "name") label = c;
    }
    r.chart = series ? pdf::ChartKind::kLine : pdf::ChartKind::kBar;
    r.chart_title = csv.header[value] + (series ? " by period" : " (first rows)");
    for (size_t i = 0; i < csv.rows.size() && (series || i < 25); ++i) {
      r.chart_labels.push_back(csv.rows[i][label]);
      r.chart_values.push_back(
          IsNumberCell(csv.rows[i][value]) ? std::strtod(csv.rows[i][value].c_str(), nullptr) : 0);
    }
  }
  return pdf::RenderPdf(r);
}

// A PDF of a custom report run.
std::string CustomPdf(const custom::Definition& d, const TenantInfo& tenant,
                      const ParsedParams& params, const custom::CustomResult& result) {
  pdf::PdfReport r;
  r.title = d.name;
  r.tenant = tenant.id + " (" + tenant.currency + ", " + tenant.zone->name() + ")";
  r.range = RangeText(params, d.granularity);
  r.generated_at = FormatUtcSeconds(Now());
  const size_t first_metric = result.columns.size() - d.metrics.size();
  for (size_t i = 0; i < d.metrics.size(); ++i) {
    std::string v = custom::CellText(result.columns[first_metric + i], result.totals[i]);
    r.totals.emplace_back(d.metrics[i], v.empty() ? "–" : v);
  }
  for (const custom::Column& c : result.columns) {
    r.header.push_back(c.name);
    r.numeric.push_back(c.kind != custom::CellKind::kText);
  }
  r.numeric[0] = r.numeric[0] && result.columns[0].is_metric;
  r.rows = custom::CustomCsv(result).rows;
  if (first_metric > 0 && !result.rows.empty()) {
    // The label of a row: its dimension columns' labels (name over id where both exist).
    r.chart = result.series ? pdf::ChartKind::kLine : pdf::ChartKind::kBar;
    r.chart_title =
        d.metrics[0] +
        (result.series ? " by " + std::string(GranularityName(d.granularity)) + " period" : "");
    for (size_t i = 0; i < result.rows.size() && (result.series || i < 25); ++i) {
      std::string label;
      for (size_t c = 0; c < first_metric; ++c) {
        const std::string& name = result.columns[c].name;
        if (name == "category_id" || name == "product_id" || name == "campaign_id") continue;
        std::string t = r.rows[i][c];
        if (!t.empty()) label += (label.empty() ? "" : " / ") + t;
      }
      if (label.empty()) label = r.rows[i][0].empty() ? "(none)" : r.rows[i][0];
      r.chart_labels.push_back(label);
      const custom::Cell& v = result.rows[i][first_metric];
      const custom::CellKind k = result.columns[first_metric].kind;
      r.chart_values.push_back(k == custom::CellKind::kMoney
                                   ? static_cast<double>(v.money.units()) / 1e4
                               : k == custom::CellKind::kRatio ? v.ratio
                                                               : static_cast<double>(v.integer));
    }
  }
  return pdf::RenderPdf(r);
}

// The response for a cached answer: ETag / If-None-Match, Cache-Control, X-Cache.
HttpResponse FromCache(const HttpRequest& request, const ReportCache::Lookup& lookup,
                       std::string& cache_state) {
  const CachedAnswer& answer = *lookup.answer;
  cache_state = lookup.hit ? "hit" : "miss";
  int64_t max_age =
      std::max<int64_t>(0, answer.expires_at - static_cast<int64_t>(std::time(nullptr)));
  HttpResponse r;
  r.headers = {{"ETag", answer.etag},
               {"Cache-Control", fmt::format("private, max-age={}", max_age)},
               {"X-Cache", cache_state},
               {"Vary", "Authorization, X-Tenant"}};
  const std::string* inm = request.Header("if-none-match");
  if (inm && EtagMatches(*inm, answer.etag)) {
    r.status = 304;
    return r;
  }
  r.headers.emplace_back("Content-Type", answer.content_type);
  if (!answer.content_disposition.empty()) {
    r.headers.emplace_back("Content-Disposition", answer.content_disposition);
  }
  r.body = answer.body;
  return r;
}

std::string FileSlug(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (ok)
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "report" : out.substr(0, 60);
}

}  // namespace

const std::string* HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

HttpResponse Handler::Handle(const HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  std::string route = "unmatched", tenant, cache_state;
  HttpResponse response;
  try {
    response = Dispatch(request, route, tenant, cache_state);
  } catch (const StorageUnavailable& e) {
    metrics_.CountDbError();
    Log(LogLevel::kWarn, "database unavailable", {{"route", route}, {"error", e.what()}});
    response =
        ErrorResponse({ErrorKind::kUnavailable, "the database is unavailable, retry later", ""});
  } catch (const StorageError& e) {
    metrics_.CountDbError();
    Log(LogLevel::kError, "database error", {{"route", route}, {"error", e.what()}});
    response = ErrorResponse({ErrorKind::kInternal, "internal error", ""});
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "unexpected error", {{"route", route}, {"error", e.what()}});
    response = ErrorResponse({ErrorKind::kInternal, "internal error", ""});
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.ObserveRequest(route, response.status, seconds);
  if (route != "/api/metrics" && route != "/api/health") {
    std::string status = std::to_string(response.status);
    std::string duration = fmt::format("{:.2f}", seconds * 1000);
    Log(response.status >= 500 ? LogLevel::kWarn : LogLevel::kInfo, "request",
        {{"method", request.method},
         {"route", route},
         {"status", status},
         {"duration_ms", duration},
         {"tenant", tenant},
         {"cache", cache_state}});
  }
  return response;
}

HttpResponse Handler::Dispatch(const HttpRequest& request, std::string& route_label,
                               std::string& tenant_id, std::string& cache_state) {
  // 1. Size, route, method.
  if (request.content_length > kMaxBodyBytes) {
    return ErrorResponse({ErrorKind::kPayloadTooLarge,
                          fmt::format("request body larger than {} bytes", kMaxBodyBytes), ""});
  }
  const auto& routes = Routes();
  auto it = std::find_if(routes.begin(), routes.end(),
                         [&](const Route& r) { return r.path == request.path; });
  std::string report_id;
  const CustomRoute custom_route =
      it == routes.end() ? MatchCustom(request.path, report_id) : kNoCustom;
  if (custom_route != kNoCustom) {
    route_label = CustomLabel(custom_route);
    const bool allowed = request.method == "GET" ||
                         (custom_route == kReportList && request.method == "POST") ||
                         (custom_route == kSavedReport && request.method == "DELETE");
    if (!allowed) {
      return MethodNotAllowed(route_label, custom_route == kReportList    ? "GET, POST"
                                           : custom_route == kSavedReport ? "GET, DELETE"
                                                                          : "GET");
    }
    auto header = [&](std::string_view name) -> std::string_view {
      const std::string* v = request.Header(name);
      return v ? std::string_view(*v) : std::string_view();
    };
    ApiResult<TenantInfo> who =
        auth_.Authenticate(header("authorization"), header("x-tenant"), header("host"));
    if (auto* e = std::get_if<ApiError>(&who)) return ErrorResponse(*e);
    tenant_id = std::get<TenantInfo>(who).id;
    return DispatchCustom(request, custom_route, report_id, std::get<TenantInfo>(who), cache_state);
  }
  if (it == routes.end()) {
    bool export_path =
        request.path.starts_with("/api/reports/") && request.path.ends_with("/export");
    return ErrorResponse(
        {ErrorKind::kNotFound,
         export_path ? "unknown report" : "no such route: " + request.path.substr(0, 200), ""});
  }
  const Route& route = *it;
  route_label = DisplayRoute(route);
  if (request.method != "GET") {
    return ErrorResponse(
        {ErrorKind::kMethodNotAllowed, fmt::format("{} allows GET only", route_label), ""});
  }

  // 2. Routes without a tenant.
  switch (route.kind) {
    case RouteKind::kHealth:
      return Json(200, R"({"status":"ok"})");
    case RouteKind::kMetrics:
      return {200,
              {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
              metrics_.Render(cache_.stats(), cache_.subscribed())};
    case RouteKind::kReady: {
      Status pg = db_.Ping();
      if (!pg) Log(LogLevel::kWarn, "not ready", {{"error", pg.error()}});
      std::string redis =
          !cache_.configured() ? "not_configured" : (cache_.Ping() ? "ok" : "unreachable");
      JsonWriter w;
      w.BeginObject()
          .Key("status")
          .String(pg ? "ready" : "unavailable")
          .Key("postgresql")
          .String(pg ? "ok" : "unreachable")
          .Key("redis")
          .String(redis)
          .EndObject();
      HttpResponse r = Json(pg ? 200 : 503, w.Take());
      if (!pg) r.headers.emplace_back("Retry-After", "5");
      return r;
    }
    case RouteKind::kReport:
      break;
  }

  // 3. Who is asking.
  auto header = [&](std::string_view name) -> std::string_view {
    const std::string* v = request.Header(name);
    return v ? std::string_view(*v) : std::string_view();
  };
  ApiResult<TenantInfo> who =
      auth_.Authenticate(header("authorization"), header("x-tenant"), header("host"));
  if (auto* e = std::get_if<ApiError>(&who)) return ErrorResponse(*e);
  const TenantInfo& tenant = std::get<TenantInfo>(who);
  tenant_id = tenant.id;

  // 4. What is asked.
  ApiResult<QueryParams> query = ParseQueryString(request.query);
  if (auto* e = std::get_if<ApiError>(&query)) return ErrorResponse(*e);
  ApiResult<ParsedParams> parsed =
      ValidateParams(std::get<QueryParams>(query), route.rules, tenant, Now());
  if (auto* e = std::get_if<ApiError>(&parsed)) return ErrorResponse(*e);
  const ParsedParams& params = std::get<ParsedParams>(parsed);

  // 5. The answer, from the cache or computed.
  auto compute = [&]() -> CachedAnswer {
    JsonWriter w;
    w.BeginObject();
    w.Key("tenant").String(tenant.id);
    w.Key("currency").String(tenant.currency);
    w.Key("timezone").String(tenant.zone->name());
    w.Key("range")
        .BeginObject()
        .Key("from")
        .String(params.from_text)
        .Key("to")
        .String(params.to_text)
        .Key("granularity")
        .String(GranularityName(params.request.range.granularity))
        .EndObject();
    w.Key("generated_at").String(FormatUtcSeconds(Now()));
    w.Key("data");
    ReportOutput output = db_.RunReport(route.report, params.request, w);
    w.EndObject();
    CachedAnswer answer;
    if (params.format == Format::kCsv) {
      answer.body = CsvBody(output.csv);
      answer.content_type = "text/csv; charset=utf-8";
      answer.content_disposition = fmt::format(
          "attachment; filename=\"{}-{}_{}.csv\"", route.csv_name,
          params.request.range.first_day.ToString(), params.request.range.last_day.ToString());
    } else if (params.format == Format::kPdf) {
      std::string title = route.csv_name;
      if (!title.empty()) title[0] = static_cast<char>(title[0] - 'a' + 'A');
      answer.body = BuiltInPdf(title + " report", tenant, params, output.csv, w.str());
      answer.content_type = "application/pdf";
      answer.content_disposition = fmt::format(
          "attachment; filename=\"{}-{}_{}.pdf\"", route.csv_name,
          params.request.range.first_day.ToString(), params.request.range.last_day.ToString());
    } else {
      answer.body = w.Take();
      answer.content_type = "application/json; charset=utf-8";
    }
    answer.etag = "\"" + Sha256Hex(answer.body).substr(0, 32) + "\"";
    return answer;
  };
  ReportCache::Lookup lookup =
      cache_.GetOrCompute(tenant.id, route.path + "?" + params.normalized, compute);
  return FromCache(request, lookup, cache_state);
}

// DESIGN (custom reports)
// The catalogue is static; POST /reports validates the definition (custom/definition.h) and
// stores its canonical JSON; GET /reports/{id} loads it (so a deleted report is a 404 at once,
// whatever is cached), resolves its range in the tenant's zone unless from/to are given, and
// answers through the report cache under a key made of the id, a hash of the definition and
// the normalized parameters, so a run is cached and invalidated like the built-in reports.
HttpResponse Handler::DispatchCustom(const HttpRequest& request, int kind,
                                     const std::string& report_id, const TenantInfo& tenant,
                                     std::string& cache_state) {
  ApiResult<QueryParams> query = ParseQueryString(request.query);
  if (auto* e = std::get_if<ApiError>(&query)) return ErrorResponse(*e);
  const QueryParams& given = std::get<QueryParams>(query);

  if (kind == kCatalog || (kind == kReportList && request.method != "POST") ||
      (kind == kSavedReport && request.method == "DELETE")) {
    if (!given.empty()) {
      return ErrorResponse(
          ApiError::InvalidParameter(given[0].first.substr(0, 64),
                                     fmt::format("unknown parameter '{}' (this route takes none)",
                                                 given[0].first.substr(0, 64))));
    }
  }
  if (kind == kCatalog) {
    JsonWriter w;
    w.BeginObject();
    w.Key("tenant").String(tenant.id);
    w.Key("data");
    custom::WriteCatalog(w);
    w.EndObject();
    return Json(200, w.Take());
  }
  if (kind == kReportList && request.method == "POST") {
    ApiResult<custom::Definition> parsed = custom::ParseDefinition(request.body);
    if (auto* e = std::get_if<ApiError>(&parsed)) return ErrorResponse(*e);
    const custom::Definition& d = std::get<custom::Definition>(parsed);
    const std::string id = NewReportId();
    const std::string definition = custom::DefinitionJson(d);
    const std::string created_at = db_.SaveReport(tenant.id, id, d.name, definition);
    JsonWriter w;
    w.BeginObject()
        .Key("id")
        .String(id)
        .Key("name")
        .String(d.name)
        .Key("created_at")
        .String(created_at)
        .Key("definition")
        .Raw(definition)
        .EndObject();
    HttpResponse r = Json(201, w.Take());
    r.headers.emplace_back("Location", "/api/reports/" + id);
    return r;
  }
  if (kind == kReportList) {
    std::vector<SavedReport> reports = db_.ListReports(tenant.id);
    JsonWriter w;
    w.BeginObject();
    w.Key("tenant").String(tenant.id);
    w.Key("data").BeginObject().Key("items").BeginArray();
    for (const SavedReport& r : reports) {
      w.BeginObject()
          .Key("id")
          .String(r.id)
          .Key("name")
          .String(r.name)
          .Key("created_at")
          .String(r.created_at)
          .Key("definition")
          .Raw(r.definition)
          .EndObject();
    }
    w.EndArray().Key("total_count").Int(static_cast<int64_t>(reports.size())).EndObject();
    w.EndObject();
    return Json(200, w.Take());
  }
  if (request.method == "DELETE") {
    if (!db_.DeleteReport(tenant.id, report_id)) {
      return ErrorResponse({ErrorKind::kNotFound, "unknown report", ""});
    }
    return {204, {}, ""};
  }

  // A run or an export of a saved report.
  std::optional<SavedReport> saved = db_.LoadReport(tenant.id, report_id);
  if (!saved) return ErrorResponse({ErrorKind::kNotFound, "unknown report", ""});
  ApiResult<custom::Definition> parsed = custom::ParseDefinition(saved->definition);
  if (auto* e = std::get_if<ApiError>(&parsed)) {
    // Stored definitions were validated when saved; one that no longer is (the catalogue
    // changed) is reported as such, not as the client's fault.
    Log(LogLevel::kWarn, "saved report no longer valid",
        {{"report", report_id}, {"error", e->message}});
    return ErrorResponse({ErrorKind::kInvalidParameter,
                          "the saved report is no longer valid: " + e->message, "definition"});
  }
  const custom::Definition& d = std::get<custom::Definition>(parsed);
  QueryParams params_in = given;
  const bool range_given = std::any_of(given.begin(), given.end(), [](const auto& p) {
    return p.first == "from" || p.first == "to";
  });
  const Timestamp now = Now();
  if (!range_given) {
    CivilDate first = d.range.from, last = d.range.to;
    if (!d.range.relative.empty()) {
      auto resolved = custom::ResolveRelativeRange(d.range.relative, tenant.zone->LocalDate(now));
      first = resolved->first;
      last = resolved->second;
    }
    params_in.emplace_back("from", first.ToString());
    params_in.emplace_back("to", last.ToString());
  }
  ParamRules rules{.range = true, .format = true, .export_route = kind == kSavedExport};
  ApiResult<ParsedParams> validated = ValidateParams(params_in, rules, tenant, now);
  if (auto* e = std::get_if<ApiError>(&validated)) return ErrorResponse(*e);
  ParsedParams params = std::get<ParsedParams>(validated);
  params.request.range.granularity = d.granularity;

  auto compute = [&]() -> CachedAnswer {
    custom::CustomResult result = db_.RunCustomReport(d, params.request);
    CachedAnswer answer;
    const std::string file =
        fmt::format("{}-{}_{}", FileSlug(d.name), params.request.range.first_day.ToString(),
                    params.request.range.last_day.ToString());
    if (params.format == Format::kCsv) {
      answer.body = CsvBody(custom::CustomCsv(result));
      answer.content_type = "text/csv; charset=utf-8";
      answer.content_disposition = fmt::format("attachment; filename=\"{}.csv\"", file);
    } else if (params.format == Format::kPdf) {
      answer.body = CustomPdf(d, tenant, params, result);
      answer.content_type = "application/pdf";
      answer.content_disposition = fmt::format("attachment; filename=\"{}.pdf\"", file);
    } else {
      JsonWriter w;
      w.BeginObject();
      WriteEnvelopeHead(w, tenant, &params, d.granularity);
      w.Key("report")
          .BeginObject()
          .Key("id")
          .String(saved->id)
          .Key("name")
          .String(d.name)
          .Key("definition")
          .Raw(custom::DefinitionJson(d))
          .EndObject();
      w.Key("data");
      custom::WriteCustomData(w, d, result);
      w.EndObject();
      answer.body = w.Take();
      answer.content_type = "application/json; charset=utf-8";
    }
    answer.etag = "\"" + Sha256Hex(answer.body).substr(0, 32) + "\"";
    return answer;
  };
  const std::string key =
      fmt::format("/api/reports/{}?{}&definition={}", report_id, params.normalized,
                  Sha256Hex(saved->definition).substr(0, 16));
  return FromCache(request, cache_.GetOrCompute(tenant.id, key, compute), cache_state);
}

}  // namespace vecton::api
