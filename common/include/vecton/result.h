// Result<T>: a value or a precise, human-readable error.
//
// Expected failures (bad input, unknown tenant, a malformed config value) are values, not
// exceptions, so a caller can't forget them ([[nodiscard]]) and the reason travels intact to
// where it is reported: the `x-analytics-error` header of a dead letter, the `message` of an
// HTTP 400, the one line a command prints before it exits non-zero.
//
//   Result<Money> price = Money::Parse("4990.00");
//   if (!price) return Error("unit_price " + price.error());
//   Money m = *price;
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vecton {

// The error side of a Result: one line that says what is wrong and where.
struct Error {
  explicit Error(std::string text) : message(std::move(text)) {}
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // Precondition: !ok().
  const std::string& error() const { return std::get<1>(state_).message; }

 private:
  std::variant<T, Error> state_;
};

// For operations that return nothing but may fail.
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace vecton
