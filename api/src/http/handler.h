// The API's request handling, independent of the HTTP library: routing, authentication,
// parameter validation, caching, the response envelope, CSV, errors, metrics and the request
// log. server.cpp adapts cpprestsdk requests to HttpRequest and back.
//
// DESIGN
// Handle() runs on an HTTP worker thread and may block (database, Redis). Every failure ends
// here: ApiError values become their status (errors.h), StorageUnavailable a 503 with
// Retry-After, anything else a logged 500. Routes are a table (kRoutes in handler.cpp): a
// fixed path, the report it runs (storage/database.h ReportId -> report.h function), the
// parameters it accepts and its CSV name. To add a report: add a ReportId, a case in
// Database::RunReport, and a row in kRoutes.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "auth.h"
#include "cache/report_cache.h"
#include "http/metrics.h"
#include "storage/database.h"

namespace vecton::api {

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // "/api/reports/sales" (percent-encoded as received)
  std::string query;   // raw, without '?'
  // Header lookups are by lower-case name.
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t content_length = -1;  // -1: unknown (no Content-Length)
  std::string body;             // read for POST only, at most kMaxBodyBytes
  const std::string* Header(std::string_view lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The largest request body accepted (413 above it).
inline constexpr int64_t kMaxBodyBytes = 1 << 20;

class Handler {
 public:
  Handler(Database& db, ReportCache& cache, Authenticator& auth, Metrics& metrics)
      : db_(db), cache_(cache), auth_(auth), metrics_(metrics) {}

  HttpResponse Handle(const HttpRequest& request);

 private:
  HttpResponse Dispatch(const HttpRequest& request, std::string& route, std::string& tenant,
                        std::string& cache_state);
  // The custom report routes (/reports/catalog, /reports, /reports/{id}[/export]) after
  // authentication; see handler.cpp.
  HttpResponse DispatchCustom(const HttpRequest& request, int kind, const std::string& report_id,
                              const TenantInfo& tenant, std::string& cache_state);
  Database& db_;
  ReportCache& cache_;
  Authenticator& auth_;
  Metrics& metrics_;
};

}  // namespace vecton::api
