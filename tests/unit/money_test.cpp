#include "vecton/money.h"

#include <doctest/doctest.h>

#include <limits>

using vecton::Money;

namespace {

int64_t Units(std::string_view text) {
  auto m = Money::Parse(text);
  REQUIRE_MESSAGE(m.ok(), text);
  return m->units();
}

std::string ParseError(std::string_view text) {
  auto m = Money::Parse(text);
  REQUIRE_MESSAGE(!m.ok(), text);
  return m.error();
}

}  // namespace

TEST_CASE("money parses plain decimal text exactly into ten-thousandths") {
  CHECK(Units("0") == 0);
  CHECK(Units("-0") == 0);
  CHECK(Units("4990.00") == 49'900'000);
  CHECK(Units("4990") == 49'900'000);
  CHECK(Units("0.1") == 1000);
  CHECK(Units("0.0001") == 1);
  CHECK(Units("-4.5") == -45'000);
  CHECK(Units("12.3456") == 123'456);
  CHECK(Units("007.50") == 75'000);
  CHECK(Units("123456789012345") == 1'234'567'890'123'450'000);
}

TEST_CASE("money accepts 15 integer digits while the units fit in 64 bits") {
  CHECK(Units("922337203685477.5807") == std::numeric_limits<int64_t>::max());
  CHECK(Units("-922337203685477.5807") == -std::numeric_limits<int64_t>::max());
  CHECK(ParseError("922337203685477.5808") == "is too large");
  CHECK(ParseError("999999999999999.9999") == "is too large");
}

TEST_CASE("money rejects anything but strict decimal text, naming the problem") {
  CHECK(ParseError("") == "is empty");
  CHECK(ParseError("1.23456") == "has more than 4 fraction digits");
  CHECK(ParseError("1234567890123456") == "has more than 15 integer digits");
  CHECK(ParseError("+1") == "must not have a leading '+'");
  CHECK(ParseError("1e3").find("exponent") != std::string::npos);
  CHECK(ParseError("1.5E-2").find("exponent") != std::string::npos);
  CHECK(ParseError(" 1").find("not a decimal number") != std::string::npos);
  CHECK(ParseError("1 ").find("not a decimal number") != std::string::npos);
  CHECK(ParseError("1.").find("after '.'") != std::string::npos);
  CHECK(ParseError(".5").find("not a decimal number") != std::string::npos);
  CHECK(ParseError("-").find("not a decimal number") != std::string::npos);
  CHECK(ParseError("1,5").find("not a decimal number") != std::string::npos);
  CHECK(ParseError("--1").find("not a decimal number") != std::string::npos);
  CHECK(ParseError("NaN").find("not a decimal number") != std::string::npos);
}

TEST_CASE("money is written rounded half away from zero for both signs") {
  CHECK(Money::Parse("2.345")->ToString(2) == "2.35");
  CHECK(Money::Parse("-2.345")->ToString(2) == "-2.35");
  CHECK(Money::Parse("2.3449")->ToString(2) == "2.34");
  CHECK(Money::Parse("-2.3449")->ToString(2) == "-2.34");
  CHECK(Money::Parse("0.005")->ToString(2) == "0.01");
  CHECK(Money::Parse("-0.005")->ToString(2) == "-0.01");
  CHECK(Money::Parse("0.5")->ToString(0) == "1");
  CHECK(Money::Parse("-0.5")->ToString(0) == "-1");
  CHECK(Money::Parse("9.9999")->ToString(2) == "10.00");
  CHECK(Money::Parse("1.23")->ToString() == "1.2300");
  CHECK(Money::Parse("1.2345")->ToString(3) == "1.235");
  CHECK(Money::Parse("4990")->ToString(2) == "4990.00");
}

TEST_CASE("money that rounds to zero is written without a minus sign") {
  CHECK(Money::Parse("-0.004")->ToString(2) == "0.00");
  CHECK(Money::Parse("-0.0001")->ToString(0) == "0");
  CHECK(Money().ToString(2) == "0.00");
  CHECK(Money().ToString(4) == "0.0000");
  CHECK(Money::Parse("-0.0001")->ToString(4) == "-0.0001");
  CHECK(Money::Parse("-12.3456")->ToString(1) == "-12.3");
  CHECK(Money::Parse("-12.35")->ToString(1) == "-12.4");
  CHECK(Money::Parse("0.0500")->ToString(1) == "0.1");
  CHECK(Money::Parse("0.0001")->ToString(3) == "0.000");
  CHECK(Money::Parse("0.0005")->ToString(3) == "0.001");
  CHECK(Money::Parse("100")->ToString(0) == "100");
  CHECK(Money::Parse("1.5")->ToString(7) == "1.5000");
  CHECK(Money::Parse("1.5")->ToString(-1) == "2");
}

TEST_CASE("money at the edges of the 64-bit range is written correctly") {
  CHECK(Money::FromUnits(std::numeric_limits<int64_t>::max()).ToString(4) ==
        "922337203685477.5807");
  CHECK(Money::FromUnits(std::numeric_limits<int64_t>::min()).ToString(4) ==
        "-922337203685477.5808");
}

TEST_CASE("fx rates parse with up to 10 fraction digits and must be positive") {
  int64_t rate = 0;
  REQUIRE(Money::ParseRate("385.1234567891", &rate).ok());
  CHECK(rate == 3'851'234'567'891);
  REQUIRE(Money::ParseRate("0.0000000001", &rate).ok());
  CHECK(rate == 1);
  REQUIRE(Money::ParseRate("1", &rate).ok());
  CHECK(rate == 10'000'000'000);
  CHECK(Money::ParseRate("1.00000000001", &rate).error() == "has more than 10 fraction digits");
  CHECK(Money::ParseRate("0", &rate).error() == "must be greater than 0");
  CHECK(Money::ParseRate("0.0000", &rate).error() == "must be greater than 0");
  CHECK(Money::ParseRate("-1.5", &rate).error() == "must be greater than 0");
  CHECK(!Money::ParseRate("1e2", &rate).ok());
  CHECK(!Money::ParseRate("123456789", &rate).ok());
}

TEST_CASE("converting with an fx rate rounds half away from zero to 4 digits") {
  int64_t rate = 0;
  // 10.00 EUR at 385.12 HUF/EUR = 3851.2000 HUF.
  REQUIRE(Money::ParseRate("385.12", &rate).ok());
  CHECK(Money::Parse("10.00")->Convert(rate).units() == 38'512'000);
  // 0.0001 * 0.5 = 0.00005 -> 0.0001 (half away from zero); negative mirrors it.
  REQUIRE(Money::ParseRate("0.5", &rate).ok());
  CHECK(Money::Parse("0.0001")->Convert(rate).units() == 1);
  CHECK(Money::Parse("-0.0001")->Convert(rate).units() == -1);
  // 1.0000 * 0.33333 = 0.33333 -> 0.3333.
  REQUIRE(Money::ParseRate("0.33333", &rate).ok());
  CHECK(Money::Parse("1")->Convert(rate).units() == 3333);
  // A large amount times a large rate needs a 128-bit intermediate: 1e12 * 400.1234567891.
  REQUIRE(Money::ParseRate("400.1234567891", &rate).ok());
  CHECK(Money::Parse("1000000000000")->Convert(rate).ToString(4) == "400123456789100.0000");
  // 12.3456 * 1.00005 = 12.34621728 -> 12.3462.
  REQUIRE(Money::ParseRate("1.00005", &rate).ok());
  CHECK(Money::Parse("12.3456")->Convert(rate).units() == 123'462);
}

TEST_CASE("prorating shares an amount by a ratio, rounding half away from zero") {
  const Money total = *Money::Parse("100.00");
  // 100 * 1/3 = 33.3333...
  CHECK(total.Prorate(*Money::Parse("1"), *Money::Parse("3")).units() == 333'333);
  // 100 * 2/3 = 66.6666... -> 66.6667
  CHECK(total.Prorate(*Money::Parse("2"), *Money::Parse("3")).units() == 666'667);
  // 0.0001 * 1/2 = 0.00005 -> 0.0001; and its negative.
  CHECK(Money::FromUnits(1).Prorate(*Money::Parse("1"), *Money::Parse("2")).units() == 1);
  CHECK(Money::FromUnits(-1).Prorate(*Money::Parse("1"), *Money::Parse("2")).units() == -1);
  // Big factors: 900 billion * 900 billion / 900 billion overflows 64 bits in between.
  const Money big = *Money::Parse("900000000000");
  CHECK(big.Prorate(big, big) == big);
  CHECK(total.Prorate(Money(), *Money::Parse("3")).is_zero());
}
