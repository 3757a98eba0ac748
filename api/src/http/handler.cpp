#include "http/handler.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "errors.h"
#include "http/csv.h"
#include "http/params.h"
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
  return {.range = true, .granularity = true, .category_id = true, .compare = true,
          .format = true};
}
ParamRules ProductsRules() {
  return {.range = true, .category_id = true, .paging = true, .format = true,
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
    response = ErrorResponse({ErrorKind::kUnavailable, "the database is unavailable, retry later", ""});
  } catch (const StorageError& e) {
    metrics_.CountDbError();
    Log(LogLevel::kError, "database error", {{"route", route}, {"error", e.what()}});
    response = ErrorResponse({ErrorKind::kInternal, "internal error", ""});
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "unexpected error", {{"route", route}, {"error", e.what()}});
    response = ErrorResponse({ErrorKind::kInternal, "internal error", ""});
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
  if (it == routes.end()) {
    bool export_path = request.path.starts_with("/api/reports/") &&
                       request.path.ends_with("/export");
    return ErrorResponse({ErrorKind::kNotFound,
                          export_path ? "unknown report" : "no such route: " + request.path.substr(0, 200), ""});
  }
  const Route& route = *it;
  route_label = DisplayRoute(route);
  if (request.method != "GET") {
    return ErrorResponse({ErrorKind::kMethodNotAllowed,
                          fmt::format("{} allows GET only", route_label), ""});
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
          .Key("status").String(pg ? "ready" : "unavailable")
          .Key("postgresql").String(pg ? "ok" : "unreachable")
          .Key("redis").String(redis)
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
  if (params.format == Format::kPdf) {
    // Seam for the PDF renderer (api.md "Custom reports"): not built yet.
    return ErrorResponse(ApiError::InvalidParameter("format", "format pdf is not supported yet"));
  }

  // 5. The answer, from the cache or computed.
  auto compute = [&]() -> CachedAnswer {
    JsonWriter w;
    w.BeginObject();
    w.Key("tenant").String(tenant.id);
    w.Key("currency").String(tenant.currency);
    w.Key("timezone").String(tenant.zone->name());
    w.Key("range").BeginObject()
        .Key("from").String(params.from_text)
        .Key("to").String(params.to_text)
        .Key("granularity").String(GranularityName(params.request.range.granularity))
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
    } else {
      answer.body = w.Take();
      answer.content_type = "application/json; charset=utf-8";
    }
    answer.etag = "\"" + Sha256Hex(answer.body).substr(0, 32) + "\"";
    return answer;
  };
  ReportCache::Lookup lookup =
      cache_.GetOrCompute(tenant.id, route.path + "?" + params.normalized, compute);
  const CachedAnswer& answer = *lookup.answer;
  cache_state = lookup.hit ? "hit" : "miss";

  int64_t max_age = std::max<int64_t>(0, answer.expires_at - static_cast<int64_t>(std::time(nullptr)));
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

}  // namespace vecton::api
