// The API's error kinds and the one place that maps them to HTTP status codes and to the
// error body {"error":{"code","message","parameter"}}.
//
// Expected failures travel as ApiError values (bad input, bad token, unknown route). The
// infrastructure exceptions below are thrown by storage/ and caught only by the HTTP
// dispatcher, which turns them into 503 (database unreachable) or 500 (a bug).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace vecton::api {

enum class ErrorKind {
  kInvalidParameter,  // 400
  kUnauthorized,      // 401, with WWW-Authenticate: Bearer
  kForbidden,         // 403
  kNotFound,          // 404
  kMethodNotAllowed,  // 405, with Allow
  kPayloadTooLarge,   // 413
  kUnavailable,       // 503, with Retry-After
  kInternal,          // 500
};

struct ApiError {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
  std::string parameter;  // the offending query parameter, "" when none

  static ApiError InvalidParameter(std::string parameter, std::string message) {
    return {ErrorKind::kInvalidParameter, std::move(message), std::move(parameter)};
  }
};

// A value or the ApiError that answers the request instead.
template <typename T>
using ApiResult = std::variant<T, ApiError>;

int HttpStatus(ErrorKind kind);
std::string_view ErrorCode(ErrorKind kind);  // "invalid_parameter", "unauthorized", ...
// {"error":{"code":...,"message":...,"parameter":...}}; "parameter" only when set.
std::string ErrorBody(const ApiError& error);

// Thrown by storage/ when PostgreSQL can't be reached or drops the connection: 503.
class StorageUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by storage/ for a database error that is not about reachability (a bug): 500.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vecton::api
