// Money: an exact decimal amount with 4 fraction digits, held as a 64-bit count of 1/10000.
//
// Amounts arrive as decimal strings ("4990.00") or JSON numbers and are parsed digit by digit,
// never through binary floating point. Sums are exact. Rounding happens in two places only:
// converting with an fx rate (Money::Convert, to 4 digits) and writing a response
// (ToString(2)), both half away from zero. The range, +-922 trillion units, holds any
// realistic sum of any currency, including HUF and JPY; arithmetic that would overflow is a
// programming error guarded by the parsers' limits (at most 15 integer digits).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vecton/result.h"

namespace vecton {

class Money {
 public:
  static constexpr int kScaleDigits = 4;
  static constexpr int64_t kScale = 10000;
  static constexpr int64_t kRateScale = 10'000'000'000;  // fx rates are held in 1e-10 units

  constexpr Money() = default;
  static constexpr Money FromUnits(int64_t ten_thousandths) { return Money(ten_thousandths); }

  // Parses "123", "-4.5", "4990.0000", "1e3"-free decimal text. At most 4 fraction digits and
  // 15 integer digits; no exponent, no leading '+', no spaces. The error names the problem
  // ("has more than 4 fraction digits"), the caller prefixes the field.
  static Result<Money> Parse(std::string_view text);

  // this * rate, where rate is a decimal string of at most 10 fraction digits, rounded half
  // away from zero to 4 fraction digits. Used for fx conversion into the reporting currency.
  static Result<Money> ParseRate(std::string_view text, int64_t* rate_units);  // 1e-10 units
  Money Convert(int64_t rate_units) const;

  // this * share_numerator / share_denominator, rounded half away from zero; denominator > 0.
  Money Prorate(Money numerator, Money denominator) const;

  constexpr int64_t units() const { return units_; }
  constexpr bool is_zero() const { return units_ == 0; }
  constexpr bool is_negative() const { return units_ < 0; }

  // Decimal text with exactly `digits` fraction digits (0..4), rounded half away from zero.
  std::string ToString(int digits = 4) const;

  constexpr Money operator+(Money o) const { return Money(units_ + o.units_); }
  constexpr Money operator-(Money o) const { return Money(units_ - o.units_); }
  constexpr Money operator-() const { return Money(-units_); }
  constexpr Money operator*(int64_t n) const { return Money(units_ * n); }
  Money& operator+=(Money o) {
    units_ += o.units_;
    return *this;
  }
  Money& operator-=(Money o) {
    units_ -= o.units_;
    return *this;
  }
  constexpr auto operator<=>(const Money&) const = default;

 private:
  constexpr explicit Money(int64_t units) : units_(units) {}
  int64_t units_ = 0;
};

}  // namespace vecton
