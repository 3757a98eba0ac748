#include "storage/pg_array.h"

#include <doctest/doctest.h>

#include <limits>

using vecton::storage::PgArray;

TEST_CASE("a PostgreSQL array literal quotes a text only when array_in would misread it") {
  PgArray a;
  a.Add(std::string_view("plain")).Add(std::string_view("")).Add(std::string_view("a\"b\\c"));
  a.Add(std::string_view("\"\"\\\\"));
  CHECK(a.size() == 4);
  CHECK(a.Take() == R"({plain,"","a\"b\\c","\"\"\\\\"})");
}

TEST_CASE("a PostgreSQL array literal quotes NULL in any case, whitespace and structure") {
  auto literal = [](std::string_view text) {
    PgArray a;
    a.Add(text);
    return a.Take();
  };
  CHECK(literal("NULL") == R"({"NULL"})");
  CHECK(literal("null") == R"({"null"})");
  CHECK(literal("nUlL") == R"({"nUlL"})");
  CHECK(literal("NULLS") == "{NULLS}");
  CHECK(literal("nul") == "{nul}");
  CHECK(literal(" lead") == R"({" lead"})");
  CHECK(literal("trail ") == R"({"trail "})");
  CHECK(literal("in side") == R"({"in side"})");
  CHECK(literal("a\tb") == "{\"a\tb\"}");
  CHECK(literal("a\nb") == "{\"a\nb\"}");
  CHECK(literal("a\rb") == "{\"a\rb\"}");
  CHECK(literal("\v") == "{\"\v\"}");
  CHECK(literal("\f") == "{\"\f\"}");
  CHECK(literal("{") == R"({"{"})");
  CHECK(literal("}") == R"({"}"})");
  CHECK(literal("a,b") == R"({"a,b"})");
  CHECK(literal("{1,2}") == R"({"{1,2}"})");
  CHECK(literal("\\") == R"({"\\"})");
  CHECK(literal("\"") == R"({"\""})");
  // Bytes beyond ASCII are never whitespace or structure to array_in.
  CHECK(literal("Gábor") == "{Gábor}");
  CHECK(literal("€ 5") == R"({"€ 5"})");
  CHECK(literal("2026-11-25T03:00:00Z") == "{2026-11-25T03:00:00Z}");
  CHECK(literal("-12.5000") == "{-12.5000}");
  CHECK(literal("[1:2]") == "{[1:2]}");
}

TEST_CASE("an empty PostgreSQL array literal is {}") { CHECK(PgArray().Take() == "{}"); }

TEST_CASE("a PostgreSQL array literal writes integers in decimal and absent values as NULL") {
  PgArray a;
  a.Add(int64_t{0}).Add(int64_t{-42}).Add(std::numeric_limits<int64_t>::min());
  a.Add(std::numeric_limits<int64_t>::max()).AddNull();
  a.Add(std::optional<int64_t>()).Add(std::optional<int64_t>(7));
  a.Add(std::optional<std::string>("x")).Add(std::optional<std::string>());
  CHECK(a.Take() == "{0,-42,-9223372036854775808,9223372036854775807,NULL,NULL,7,x,NULL}");
}

TEST_CASE("a PostgreSQL array literal keeps long text, non-ASCII bytes and JSON bodies intact") {
  std::string body = R"({"specversion":"1.0","data":{"name":"Gábor \"G\" \\ Kovács"}})";
  std::string expected = "\"";
  for (const char c : body) {
    if (c == '"' || c == '\\') expected += '\\';
    expected += c;
  }
  expected += '"';
  std::string long_text(5000, 'x');
  long_text[1234] = '"';

  PgArray a;
  for (int k = 0; k < 100; ++k) a.Add(std::string_view(body));
  a.Add(std::string_view(long_text));
  std::string want = "{";
  for (int k = 0; k < 100; ++k) want += expected + ",";
  want += "\"" + long_text.substr(0, 1234) + "\\\"" + long_text.substr(1235) + "\"}";
  CHECK(a.Take() == want);
}
