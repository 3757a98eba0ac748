#include "errors.h"

#include "vecton/json.h"

namespace vecton::api {

int HttpStatus(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidParameter:
      return 400;
    case ErrorKind::kUnauthorized:
      return 401;
    case ErrorKind::kForbidden:
      return 403;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kMethodNotAllowed:
      return 405;
    case ErrorKind::kPayloadTooLarge:
      return 413;
    case ErrorKind::kUnavailable:
      return 503;
    case ErrorKind::kInternal:
      return 500;
  }
  return 500;
}

std::string_view ErrorCode(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidParameter:
      return "invalid_parameter";
    case ErrorKind::kUnauthorized:
      return "unauthorized";
    case ErrorKind::kForbidden:
      return "forbidden";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorKind::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorKind::kUnavailable:
      return "unavailable";
    case ErrorKind::kInternal:
      return "internal_error";
  }
  return "internal_error";
}

std::string ErrorBody(const ApiError& error) {
  JsonWriter w;
  w.BeginObject().Key("error").BeginObject();
  w.Key("code").String(ErrorCode(error.kind));
  w.Key("message").String(error.message);
  if (!error.parameter.empty()) w.Key("parameter").String(error.parameter);
  w.EndObject().EndObject();
  return w.Take();
}

}  // namespace vecton::api
