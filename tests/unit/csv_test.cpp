#include "producers/csv.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

using vecton::producers::CsvParser;
using vecton::producers::CsvRecord;

// Parses `text` fed in chunks of `chunk` bytes (to cross every state at a chunk boundary).
std::vector<CsvRecord> ParseAll(std::string_view text, size_t chunk = 1 << 20) {
  CsvParser parser;
  std::vector<CsvRecord> out;
  for (size_t i = 0; i < text.size(); i += chunk) {
    REQUIRE(parser.Feed(text.substr(i, chunk), out).ok());
  }
  REQUIRE(parser.Finish(out).ok());
  return out;
}

}  // namespace

TEST_CASE("csv: plain fields split on commas, records on line feeds") {
  const auto records = ParseAll("a,b,c\n1,2,3\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0] == CsvRecord{"a", "b", "c"});
  CHECK(records[1] == CsvRecord{"1", "2", "3"});
}

TEST_CASE("csv: quoted fields keep commas, doubled quotes and line breaks") {
  const std::string text =
      "536381,\"AIRLINE LOUNGE,METAL SIGN\",2\n"
      "536477,\"RECORD FRAME 7\"\" SINGLE SIZE \",48\n"
      "1,\"two\nlines\",3\n";
  for (size_t chunk : {1, 2, 3, 7, 1000}) {
    CAPTURE(chunk);
    const auto records = ParseAll(text, chunk);
    REQUIRE(records.size() == 3);
    CHECK(records[0] == CsvRecord{"536381", "AIRLINE LOUNGE,METAL SIGN", "2"});
    CHECK(records[1] == CsvRecord{"536477", "RECORD FRAME 7\" SINGLE SIZE ", "48"});
    CHECK(records[2] == CsvRecord{"1", "two\nlines", "3"});
  }
}

TEST_CASE("csv: CRLF line ends are not part of the last field") {
  for (size_t chunk : {1, 4, 100}) {
    const auto records = ParseAll("a,\"b\"\r\nc,d\r\n", chunk);
    REQUIRE(records.size() == 2);
    CHECK(records[0] == CsvRecord{"a", "b"});
    CHECK(records[1] == CsvRecord{"c", "d"});
  }
}

TEST_CASE("csv: empty fields, an empty quoted field and a missing final line break") {
  const auto records = ParseAll(",x,,\"\"\nlast,row");
  REQUIRE(records.size() == 2);
  CHECK(records[0] == CsvRecord{"", "x", "", ""});
  CHECK(records[1] == CsvRecord{"last", "row"});
}

TEST_CASE("csv: UTF-8 passes through byte for byte") {
  const auto records =
      ParseAll("K\xC3\xB6t\xC3\xB6tt sapka,B\xC5\x91r p\xC3\xA9nzt\xC3\xA1rca\n", 3);
  REQUIRE(records.size() == 1);
  CHECK(records[0][0] == "K\xC3\xB6t\xC3\xB6tt sapka");
  CHECK(records[0][1] == "B\xC5\x91r p\xC3\xA9nzt\xC3\xA1rca");
}

TEST_CASE("csv: a quote inside an unquoted field is data") {
  const auto records = ParseAll("7\" FRAME,1\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0] == CsvRecord{"7\" FRAME", "1"});
}

TEST_CASE("csv: text after a closing quote is an error naming the line") {
  CsvParser parser;
  std::vector<CsvRecord> out;
  REQUIRE(parser.Feed("ok,row\n", out).ok());
  const auto status = parser.Feed("\"bad\"x,1\n", out);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().find("line 2") != std::string::npos);
}

TEST_CASE("csv: a quoted field left open at the end of the input is an error") {
  CsvParser parser;
  std::vector<CsvRecord> out;
  REQUIRE(parser.Feed("a\n\"never closed,\n\n", out).ok());
  const auto status = parser.Finish(out);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().find("line 2") != std::string::npos);
  CHECK(status.error().find("not closed") != std::string::npos);
}

TEST_CASE("csv: each record reports the physical line it began on") {
  CsvParser parser;
  std::vector<CsvRecord> out;
  std::vector<int64_t> lines;
  REQUIRE(parser.Feed("h\n\"a\nb\",c\r\nd\n", out, &lines).ok());
  REQUIRE(parser.Finish(out, &lines).ok());
  REQUIRE(out.size() == 3);
  CHECK(lines == std::vector<int64_t>{1, 2, 4});
}
