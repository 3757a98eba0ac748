// DESIGN: amounts are parsed digit by digit into an int64 of 1/10000, never through a double.
// Products (fx conversion, proration) go through __int128 so that an intermediate of two
// int64 factors cannot overflow; only the final quotient is rounded, half away from zero, and
// a quotient beyond int64 saturates instead of wrapping (no realistic amount gets there).
#include "vecton/money.h"

#include <charconv>
#include <iterator>
#include <limits>

namespace vecton {
namespace {

// __extension__ keeps -Wpedantic quiet about the (gcc and clang) 128-bit integer types.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

constexpr int kMaxIntegerDigits = 15;
constexpr int kMaxRateFractionDigits = 10;
constexpr int kMaxRateIntegerDigits = 8;  // 99,999,999 units per unit: keeps 1e-10 units in int64
constexpr int64_t kRateScale = 10'000'000'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The parsed form of strict decimal text: sign, integer digits and fraction digits.
struct Decimal {
  bool negative = false;
  std::string_view integer;   // leading zeros removed (may become empty for "0")
  std::string_view fraction;  // as written
};

// Splits `text` per the grammar -?[0-9]+(\.[0-9]+)? and names the first problem found.
Result<Decimal> SplitDecimal(std::string_view text) {
  if (text.empty()) return Error("is empty");
  Decimal d;
  size_t i = 0;
  if (text[0] == '-') {
    d.negative = true;
    i = 1;
  } else if (text[0] == '+') {
    return Error("must not have a leading '+'");
  }
  const size_t int_begin = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == int_begin) return Error("is not a decimal number (expected a digit)");
  d.integer = text.substr(int_begin, i - int_begin);
  if (i < text.size() && text[i] == '.') {
    const size_t frac_begin = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == frac_begin) return Error("is not a decimal number (expected a digit after '.')");
    d.fraction = text.substr(frac_begin, i - frac_begin);
  }
  if (i < text.size()) {
    if (text[i] == 'e' || text[i] == 'E') {
      return Error("has an exponent; write it as plain decimal text");
    }
    return Error("is not a decimal number (unexpected character after the digits)");
  }
  while (!d.integer.empty() && d.integer.front() == '0') d.integer.remove_prefix(1);
  return d;
}

// Accumulates the integer digits and `scale_digits` fraction digits (zero padded) into an
// unsigned magnitude; the caller has bounded the digit counts so this cannot overflow.
UInt128 Magnitude(const Decimal& d, int scale_digits) {
  UInt128 v = 0;
  for (char c : d.integer) v = v * 10 + static_cast<unsigned>(c - '0');
  for (int k = 0; k < scale_digits; ++k) {
    const unsigned digit =
        static_cast<size_t>(k) < d.fraction.size() ? static_cast<unsigned>(d.fraction[k] - '0') : 0;
    v = v * 10 + digit;
  }
  return v;
}

// n / d rounded half away from zero; d != 0. The result saturates at the int64 range.
int64_t DivideRounded(Int128 n, Int128 d) {
  if (d < 0) {
    n = -n;
    d = -d;
  }
  Int128 q = n / d;
  const Int128 r = n % d;  // same sign as n
  const Int128 abs_r = r < 0 ? -r : r;
  if (abs_r * 2 >= d) q += (n < 0) ? -1 : 1;
  if (q > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (q < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(q);
}

}  // namespace

Result<Money> Money::Parse(std::string_view text) {
  auto d = SplitDecimal(text);
  if (!d) return Error(d.error());
  if (d->fraction.size() > static_cast<size_t>(kScaleDigits)) {
    return Error("has more than 4 fraction digits");
  }
  if (d->integer.size() > static_cast<size_t>(kMaxIntegerDigits)) {
    return Error("has more than 15 integer digits");
  }
  const UInt128 magnitude = Magnitude(*d, kScaleDigits);
  // 15 integer digits can still exceed int64 units (999999999999999.9999 > 9.22e18).
  if (magnitude > static_cast<UInt128>(std::numeric_limits<int64_t>::max())) {
    return Error("is too large");
  }
  const auto units = static_cast<int64_t>(magnitude);
  return Money(d->negative ? -units : units);
}

Result<Money> Money::ParseRate(std::string_view text, int64_t* rate_units) {
  auto d = SplitDecimal(text);
  if (!d) return Error(d.error());
  if (d->fraction.size() > static_cast<size_t>(kMaxRateFractionDigits)) {
    return Error("has more than 10 fraction digits");
  }
  if (d->integer.size() > static_cast<size_t>(kMaxRateIntegerDigits)) {
    return Error("has more than 8 integer digits");
  }
  const auto units = static_cast<int64_t>(Magnitude(*d, kMaxRateFractionDigits));
  if (d->negative || units == 0) return Error("must be greater than 0");
  if (rate_units != nullptr) *rate_units = units;
  return Money(DivideRounded(units, kRateScale / kScale));
}

Money Money::Convert(int64_t rate_units) const {
  return Money(DivideRounded(static_cast<Int128>(units_) * rate_units, kRateScale));
}

Money Money::Prorate(Money numerator, Money denominator) const {
  if (denominator.units_ == 0) return Money();  // precondition violated: nothing to share
  return Money(DivideRounded(static_cast<Int128>(units_) * numerator.units_, denominator.units_));
}

std::string Money::ToString(int digits) const {
  if (digits < 0) digits = 0;
  if (digits > kScaleDigits) digits = kScaleDigits;
  int64_t divisor = 1;
  for (int k = digits; k < kScaleDigits; ++k) divisor *= 10;
  // In int64, not DivideRounded's __int128: this runs several times per ingested event, and
  // a divisor of at least 1 cannot overflow (the quotient is no larger than units_).
  int64_t rounded = units_ / divisor;  // in units of 10^-digits
  const int64_t remainder = units_ % divisor;
  if (remainder != 0 && (remainder < 0 ? -remainder : remainder) * 2 >= divisor) {
    rounded += units_ < 0 ? -1 : 1;
  }
  // Magnitude in unsigned so that INT64_MIN has one too.
  const uint64_t magnitude =
      rounded < 0 ? 0 - static_cast<uint64_t>(rounded) : static_cast<uint64_t>(rounded);
  uint64_t frac_scale = 1;
  for (int k = 0; k < digits; ++k) frac_scale *= 10;

  // Written into one buffer rather than joined from std::to_string pieces (several strings
  // per call): "-9223372036854775808" is 20 characters, plus '.' and 4 digits at most.
  char text[32];
  char* p = text;
  if (rounded < 0) *p++ = '-';  // a value that rounds to zero is written without a sign
  p = std::to_chars(p, std::end(text), magnitude / frac_scale).ptr;
  if (digits > 0) {
    *p++ = '.';
    uint64_t fraction = magnitude % frac_scale;
    for (int k = digits - 1; k >= 0; --k) {
      p[k] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    p += digits;
  }
  return std::string(text, p);
}

}  // namespace vecton
