// Query-string parsing and strict validation of the common parameters (api.md), turning a
// request into a ReportRequest. No I/O: unit-testable on its own.
//
// Rules: every parameter a route doesn't declare is a 400 naming it; a repeated parameter is
// a 400; values are validated exactly (no trimming, no case folding). '+' in a query is kept
// as '+' (RFC 3986), so an unencoded offset like from=2026-11-01T00:00:00+01:00 works.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "errors.h"
#include "reports/report.h"

namespace vecton::api {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits and percent-decodes "a=1&b=2". A malformed escape is a 400 naming the parameter.
ApiResult<QueryParams> ParseQueryString(std::string_view raw);

enum class Format { kJson, kCsv, kPdf };

// Which parameters a route accepts.
struct ParamRules {
  bool range = false;  // from, to
  bool granularity = false;
  bool category_id = false;
  bool compare = false;
  bool paging = false;        // limit, offset
  bool format = false;        // json|csv (or csv|pdf on export routes)
  bool export_route = false;  // format defaults to csv, allows pdf, rejects json
  const std::vector<std::string>* sort_keys = nullptr;  // sort accepted when set
};

struct ParsedParams {
  ReportRequest request;
  Format format = Format::kJson;
  std::string from_text;  // the range as written in the response ("2026-11-01" or date-time)
  std::string to_text;
  std::string normalized;  // the validated parameters with defaults resolved, sorted: cache key
};

// Validates `params` for a route and builds the request for `tenant` at instant `now`.
ApiResult<ParsedParams> ValidateParams(const QueryParams& params, const ParamRules& rules,
                                       const TenantInfo& tenant, Timestamp now);

std::string_view GranularityName(Granularity g);

// "2026-11-25T10:00:00Z" (whole seconds), for generated_at.
std::string FormatUtcSeconds(Timestamp t);

}  // namespace vecton::api
