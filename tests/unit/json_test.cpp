#include "vecton/json.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using vecton::JsonValue;
using vecton::JsonWriter;
using vecton::Money;

namespace {

std::string ParseError(std::string_view text, int max_depth = 64) {
  auto v = JsonValue::Parse(text, max_depth);
  REQUIRE_MESSAGE(!v.ok(), text);
  return v.error();
}

JsonValue ParseOk(std::string_view text, int max_depth = 64) {
  auto v = JsonValue::Parse(text, max_depth);
  REQUIRE_MESSAGE(v.ok(), (v.ok() ? std::string() : v.error()));
  return *std::move(v);
}

std::string Nested(int levels) {
  return std::string(static_cast<size_t>(levels), '[') +
         std::string(static_cast<size_t>(levels), ']');
}

}  // namespace

TEST_CASE("json parses a document with every kind of value") {
  const JsonValue v = ParseOk(
      R"( {"s": "hi", "n": -12.50, "t": true, "f": false, "z": null, "a": [1, [], {}], "o": {"k": "v"}} )");
  REQUIRE(v.is_object());
  REQUIRE(v.members().size() == 7);
  CHECK(v.members()[0].first == "s");
  CHECK(v.Find("s")->text() == "hi");
  CHECK(v.Find("n")->is_number());
  CHECK(v.Find("n")->text() == "-12.50");
  CHECK(v.Find("t")->bool_value());
  CHECK(v.Find("f")->is_bool());
  CHECK_FALSE(v.Find("f")->bool_value());
  CHECK(v.Find("z")->is_null());
  REQUIRE(v.Find("a")->items().size() == 3);
  CHECK(v.Find("a")->items()[1].is_array());
  CHECK(v.Find("a")->items()[2].is_object());
  CHECK(v.Find("o")->Find("k")->text() == "v");
  CHECK(v.Find("missing") == nullptr);
  CHECK(v.Find("s")->Find("s") == nullptr);
}

TEST_CASE("json scalars are documents too") {
  CHECK(ParseOk("0").text() == "0");
  CHECK(ParseOk("\"x\"").text() == "x");
  CHECK(ParseOk("null").is_null());
  CHECK(ParseOk(" true\n").bool_value());
}

TEST_CASE("json numbers keep their literal text") {
  CHECK(ParseOk("0.1").text() == "0.1");
  CHECK(ParseOk("4990.00").text() == "4990.00");
  CHECK(ParseOk("-1e3").text() == "-1e3");
  CHECK(ParseOk("1E+400").text() == "1E+400");
  CHECK(ParseOk("123456789012345678901234567890").text() == "123456789012345678901234567890");
  CHECK(ParseOk("-0").text() == "-0");
}

TEST_CASE("json integers convert to int64 only when written as integers that fit") {
  CHECK(ParseOk("42").AsInt64() == 42);
  CHECK(ParseOk("-9223372036854775808").AsInt64() == std::numeric_limits<int64_t>::min());
  CHECK(ParseOk("9223372036854775807").AsInt64() == std::numeric_limits<int64_t>::max());
  CHECK_FALSE(ParseOk("9223372036854775808").AsInt64().has_value());
  CHECK_FALSE(ParseOk("1.0").AsInt64().has_value());
  CHECK_FALSE(ParseOk("1e2").AsInt64().has_value());
  CHECK_FALSE(ParseOk("\"1\"").AsInt64().has_value());
}

TEST_CASE("json strings decode escapes and surrogate pairs") {
  CHECK(ParseOk(R"("a\"b\\c\/d\b\f\n\r\t")").text() == "a\"b\\c/d\b\f\n\r\t");
  CHECK(ParseOk(R"("\u00e9")").text() == "\xC3\xA9");
  CHECK(ParseOk(R"("\u20AC")").text() == "\xE2\x82\xAC");
  CHECK(ParseOk(R"("\ud83d\ude00")").text() == "\xF0\x9F\x98\x80");  // U+1F600
  CHECK(ParseOk(R"("\u0000")").text() == std::string(1, '\0'));
}

TEST_CASE("json accepts valid UTF-8 of every length, up to U+10FFFF") {
  CHECK(ParseOk("\"\xC2\x80\"").text() == "\xC2\x80");
  CHECK(ParseOk("\"\xE0\xA0\x80\"").text() == "\xE0\xA0\x80");
  CHECK(ParseOk("\"\xED\x9F\xBF\"").text() == "\xED\x9F\xBF");  // U+D7FF, just below surrogates
  CHECK(ParseOk("\"\xF0\x90\x80\x80\"").text() == "\xF0\x90\x80\x80");
  CHECK(ParseOk("\"\xF4\x8F\xBF\xBF\"").text() == "\xF4\x8F\xBF\xBF");  // U+10FFFF
}

TEST_CASE("json rejects invalid UTF-8 with the byte offset of the bad sequence") {
  CHECK(ParseError("\"\xC0\xAF\"") ==
        "invalid JSON at byte 1: invalid UTF-8 in a string");  // overlong '/'
  CHECK(ParseError("\"ab\xE0\x80\xAF\"") == "invalid JSON at byte 3: invalid UTF-8 in a string");
  CHECK(ParseError("\"\xF0\x80\x80\xAF\"").find("invalid UTF-8") != std::string::npos);  // overlong
  CHECK(ParseError("\"\xED\xA0\x80\"").find("invalid UTF-8") != std::string::npos);      // U+D800
  CHECK(ParseError("\"\xF4\x90\x80\x80\"").find("invalid UTF-8") !=
        std::string::npos);  // > U+10FFFF
  CHECK(ParseError("\"\xF5\x80\x80\x80\"").find("invalid UTF-8") != std::string::npos);
  CHECK(ParseError("\"\xFF\"").find("invalid UTF-8") != std::string::npos);
  CHECK(ParseError("\"\x80\"").find("invalid UTF-8") != std::string::npos);  // lone continuation
  CHECK(ParseError("\"\xC3\"").find("invalid UTF-8") != std::string::npos);  // truncated
  CHECK(ParseError("\"\xE2\x82\"").find("invalid UTF-8") != std::string::npos);
  CHECK(ParseError("\"\xE2\x28\xA1\"").find("invalid UTF-8") != std::string::npos);
}

TEST_CASE("json rejects lone and mismatched surrogate escapes") {
  CHECK(ParseError(R"("\ud800")") == "invalid JSON at byte 1: lone high surrogate in \\u escape");
  CHECK(ParseError(R"("x\udc00")") == "invalid JSON at byte 2: lone low surrogate in \\u escape");
  CHECK(ParseError(R"("\ud800\u0041")").find("not followed by a low surrogate") !=
        std::string::npos);
  CHECK(ParseError(R"("\ud800\ud800")").find("not followed by a low surrogate") !=
        std::string::npos);
  CHECK(ParseError(R"("\ud800x")").find("lone high surrogate") != std::string::npos);
  CHECK(ParseError(R"("\u12")").find("4 hex digits") != std::string::npos);
  CHECK(ParseError(R"("\u12G4")").find("4 hex digits") != std::string::npos);
}

TEST_CASE("json errors say where and what, for every kind of mistake") {
  CHECK(ParseError("") == "invalid JSON at byte 0: unexpected end of input, expected a value");
  CHECK(ParseError("   ") == "invalid JSON at byte 3: unexpected end of input, expected a value");
  CHECK(ParseError(R"({"a" 1})") == "invalid JSON at byte 5: expected ':' after a member name");
  CHECK(ParseError(R"({"a":1,})") ==
        "invalid JSON at byte 7: expected a member name in double quotes");
  CHECK(ParseError("[1,]") == "invalid JSON at byte 3: expected a value");
  CHECK(ParseError("[1 2]") ==
        "invalid JSON at byte 3: expected ',' or ']' after an array element");
  CHECK(ParseError(R"({"a":1 "b":2})") ==
        "invalid JSON at byte 7: expected ',' or '}' after an object member");
  CHECK(ParseError("{a:1}") == "invalid JSON at byte 1: expected a member name in double quotes");
  CHECK(ParseError("[1") == "invalid JSON at byte 2: unexpected end of input, expected ',' or ']'");
  CHECK(ParseError("{\"a\":1") ==
        "invalid JSON at byte 6: unexpected end of input, expected ',' or '}'");
  CHECK(ParseError("{} x") == "invalid JSON at byte 3: unexpected data after the document");
  CHECK(ParseError("{}{}") == "invalid JSON at byte 2: unexpected data after the document");
  CHECK(ParseError("\"abc") == "invalid JSON at byte 0: unterminated string");
  CHECK(ParseError("\"a\nb\"") ==
        "invalid JSON at byte 2: control character in a string (escape it)");
  CHECK(ParseError(R"("\x")") == "invalid JSON at byte 1: invalid escape sequence");
  CHECK(ParseError("tru") == "invalid JSON at byte 0: expected a value");
  CHECK(ParseError("nul") == "invalid JSON at byte 0: expected a value");
  CHECK(ParseError("True") == "invalid JSON at byte 0: expected a value");
  CHECK(ParseError("// c\n{}") == "invalid JSON at byte 0: expected a value");
  CHECK(ParseError("'a'") == "invalid JSON at byte 0: expected a value");
}

TEST_CASE("json numbers follow the RFC 8259 grammar") {
  CHECK(ParseError("01") == "invalid JSON at byte 1: a number must not have leading zeros");
  CHECK(ParseError("-") == "invalid JSON at byte 1: expected a digit");
  CHECK(ParseError("+1") == "invalid JSON at byte 0: expected a value");
  CHECK(ParseError(".5") == "invalid JSON at byte 0: expected a value");
  CHECK(ParseError("1.") == "invalid JSON at byte 2: expected a digit after the decimal point");
  CHECK(ParseError("1e") == "invalid JSON at byte 2: expected a digit in the exponent");
  CHECK(ParseError("1e+") == "invalid JSON at byte 3: expected a digit in the exponent");
  CHECK(ParseError("NaN") == "invalid JSON at byte 0: expected a value");
  CHECK(ParseError("Infinity") == "invalid JSON at byte 0: expected a value");
  CHECK(ParseError("0x10") == "invalid JSON at byte 1: unexpected data after the document");
}

TEST_CASE("json nesting is bounded by the depth limit") {
  CHECK(ParseOk(Nested(64)).is_array());
  CHECK(ParseError(Nested(65)) == "invalid JSON at byte 64: nesting deeper than 64 levels");
  CHECK(ParseOk(R"({"a":{"b":1}})", 2).is_object());
  CHECK(ParseError(R"({"a":{"b":{}}})", 2) ==
        "invalid JSON at byte 10: nesting deeper than 2 levels");
  // A hostile document far deeper than any stack would allow fails cleanly.
  CHECK(ParseError(std::string(1'000'000, '[')).find("nesting deeper") != std::string::npos);
}

TEST_CASE("json objects keep the last value of a duplicate key, in first position") {
  const JsonValue v = ParseOk(R"({"a":1,"b":2,"a":3})");
  REQUIRE(v.members().size() == 2);
  CHECK(v.members()[0].first == "a");
  CHECK(v.members()[0].second.text() == "3");
  CHECK(v.Find("a")->text() == "3");

  // The same in an object large enough to use the hash index.
  std::string big = "{";
  for (int k = 0; k < 40; ++k) big += "\"k" + std::to_string(k) + "\":" + std::to_string(k) + ",";
  big += "\"k7\":\"again\",\"k39\":\"last\"}";
  const JsonValue b = ParseOk(big);
  CHECK(b.members().size() == 40);
  CHECK(b.Find("k7")->text() == "again");
  CHECK(b.Find("k39")->text() == "last");
  CHECK(b.Find("k38")->text() == "38");
}

TEST_CASE("json containers hold every member and element, also nested and repeated") {
  const JsonValue v = ParseOk(R"({"a":{"x":1},"b":[[],[1,{"c":[2,3,4,5,6]}]],"a":{"y":[1,2]}})");
  REQUIRE(v.members().size() == 2);
  CHECK(v.members()[0].first == "a");
  CHECK(v.Find("a")->Find("x") == nullptr);
  REQUIRE(v.Find("a")->Find("y") != nullptr);
  CHECK(v.Find("a")->Find("y")->items().size() == 2);
  const JsonValue& b = *v.Find("b");
  REQUIRE(b.items().size() == 2);
  CHECK(b.items()[0].items().empty());
  REQUIRE(b.items()[1].items().size() == 2);
  CHECK(b.items()[1].items()[1].Find("c")->items().size() == 5);
  CHECK(b.items()[1].items()[1].Find("c")->items()[4].text() == "6");
  // An error inside a repeated key's value names its own byte.
  CHECK(ParseError(R"({"a":1,"a":tru})") == "invalid JSON at byte 11: expected a value");
  CHECK(ParseError(R"({"a":1,"b":[1,})") == "invalid JSON at byte 14: expected a value");
}

TEST_CASE("json kind names are the ones used in error reasons") {
  CHECK(JsonValue::KindName(JsonValue::Kind::kNull) == "null");
  CHECK(JsonValue::KindName(JsonValue::Kind::kBool) == "boolean");
  CHECK(JsonValue::KindName(JsonValue::Kind::kNumber) == "number");
  CHECK(JsonValue::KindName(JsonValue::Kind::kString) == "string");
  CHECK(JsonValue::KindName(JsonValue::Kind::kArray) == "array");
  CHECK(JsonValue::KindName(JsonValue::Kind::kObject) == "object");
}

TEST_CASE("json writer places commas and colons by itself") {
  JsonWriter w;
  w.BeginObject()
      .Key("a")
      .Int(1)
      .Key("b")
      .BeginArray()
      .Int(1)
      .Null()
      .Bool(true)
      .BeginObject()
      .EndObject()
      .BeginArray()
      .EndArray()
      .EndArray()
      .Key("c")
      .BeginObject()
      .Key("d")
      .String("x")
      .Key("e")
      .Bool(false)
      .EndObject()
      .Key("f")
      .Raw("[1,2]")
      .EndObject();
  CHECK(w.str() == R"({"a":1,"b":[1,null,true,{},[]],"c":{"d":"x","e":false},"f":[1,2]})");
  CHECK(ParseOk(w.str()).is_object());
  CHECK(w.Take() == R"({"a":1,"b":[1,null,true,{},[]],"c":{"d":"x","e":false},"f":[1,2]})");
}

TEST_CASE("json writer escapes quotes, backslashes and control characters") {
  static constexpr char kRaw[] = "q\" b\\ n\n t\t r\r nul\x00 bell\x07 esc\x1f";
  const std::string raw(kRaw, sizeof kRaw - 1);
  JsonWriter w;
  w.BeginObject().Key("k\"ey").String(raw).EndObject();
  CHECK(w.str() == R"({"k\"ey":"q\" b\\ n\n t\t r\r nul\u0000 bell\u0007 esc\u001f"})");
  CHECK(ParseOk(w.str()).Find("k\"ey")->text() == raw);
}

TEST_CASE("json writer passes valid UTF-8 through and replaces invalid bytes") {
  std::string out;
  vecton::AppendJsonEscaped(out, "caf\xC3\xA9 \xF0\x9F\x98\x80");
  CHECK(out == "caf\xC3\xA9 \xF0\x9F\x98\x80");
  out.clear();
  vecton::AppendJsonEscaped(out,
                            "a\xFF"
                            "b\xC0\xAF"
                            "c\xE2\x82");
  CHECK(out == "a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd");
}

TEST_CASE("json writer writes money rounded half away from zero") {
  JsonWriter w;
  w.BeginArray()
      .Money(*Money::Parse("2.345"))
      .Money(*Money::Parse("-2.345"))
      .Money(*Money::Parse("-0.001"))
      .Money(*Money::Parse("12.3456"), 4)
      .Money(*Money::Parse("7"), 0)
      .EndArray();
  CHECK(w.str() == "[2.35,-2.35,0.00,12.3456,7]");
}

TEST_CASE("json writer writes doubles with 6 significant digits and never -0 or NaN") {
  JsonWriter w;
  w.BeginArray()
      .Double(0.5)
      .Double(1.0 / 3.0)
      .Double(2.0 / 3.0)
      .Double(-0.0)
      .Double(std::nan(""))
      .Double(std::numeric_limits<double>::infinity())
      .Double(-std::numeric_limits<double>::infinity())
      .Double(1234567.0)
      .Double(-1.25)
      .EndArray();
  CHECK(w.str() == "[0.5,0.333333,0.666667,0,null,null,null,1.23457e+06,-1.25]");
  CHECK(ParseOk(w.str()).items().size() == 9);
}
