// Reading CSV files (RFC 4180) record by record, plain or gzip-compressed.
//
// DESIGN
// CsvParser is a push parser: Feed() it bytes in any chunking and it returns the records
// completed so far, so the same code serves a file, a `gzip -dc` pipe and a test string. The
// grammar is RFC 4180 with the usual real-world tolerance, chosen so that nothing is guessed:
//   - records end at LF or CRLF (a lone CR inside a quoted field is data);
//   - a field that starts with '"' is quoted: commas, line breaks and doubled quotes ("")
//     inside it are data; after the closing quote only a comma or the end of the record may
//     follow, anything else is an error naming the line;
//   - a '"' inside an unquoted field is kept as data (common in exports, harmless);
//   - bytes are passed through unchanged (UTF-8 is the producer's business; the JSON writer
//     replaces invalid sequences with U+FFFD);
//   - an empty line is a record with one empty field (callers skip it);
//   - a quoted field still open at the end of the input is an error.
// CsvFileReader adds the I/O: it reads `path`, or, for a name ending in ".gz", the output of
// `gzip -dc` (spawned without a shell, the file on its stdin), in 1 MiB chunks. A pipe from
// gzip keeps zlib out of the build and decompresses on the second core.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vecton/result.h"

namespace vecton::producers {

using CsvRecord = std::vector<std::string>;

class CsvParser {
 public:
  // Parses `bytes` and appends every record completed by them to `out` (and, if given, the
  // 1-based physical line each began on to `first_lines`). An error names the line where the
  // record that failed began; the parser is then unusable.
  Status Feed(std::string_view bytes, std::vector<CsvRecord>& out,
              std::vector<int64_t>* first_lines = nullptr);
  // Ends the input: a last record without a line break is appended; an open quote is an error.
  Status Finish(std::vector<CsvRecord>& out, std::vector<int64_t>* first_lines = nullptr);

  // Physical lines consumed so far (a quoted line break counts).
  int64_t lines() const { return line_; }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kAfterCr };
  void EndField();
  void EndRecord(std::vector<CsvRecord>& out);

  State state_ = State::kFieldStart;
  std::string field_;
  CsvRecord record_;
  bool record_started_ = false;
  int64_t line_ = 0;               // lines completed
  int64_t record_first_line_ = 1;  // where the current record began
  bool failed_ = false;
  std::vector<int64_t>* first_lines_ = nullptr;  // during Feed/Finish
};

// Reads a whole CSV file record by record (see the DESIGN note for ".gz").
class CsvFileReader {
 public:
  static Result<std::unique_ptr<CsvFileReader>> Open(const std::string& path);
  ~CsvFileReader();
  CsvFileReader(const CsvFileReader&) = delete;
  CsvFileReader& operator=(const CsvFileReader&) = delete;

  // The next record, or nullopt at the end of the file. Errors name the file and line; a
  // failing `gzip -dc` (corrupt or truncated archive) is reported with its exit status.
  Result<std::optional<CsvRecord>> Next();

  // The 1-based physical line on which the record last returned by Next() began.
  int64_t record_line() const { return record_line_; }
  // Bytes of decompressed input consumed so far (for progress).
  int64_t bytes_read() const { return bytes_read_; }
  int64_t lines() const { return parser_.lines(); }

 private:
  CsvFileReader() = default;
  Status Close();

  std::string path_;
  FILE* file_ = nullptr;
  int child_pid_ = -1;  // the gzip process, when reading a ".gz"
  CsvParser parser_;
  std::vector<CsvRecord> pending_;
  std::vector<int64_t> pending_lines_;
  int64_t record_line_ = 0;
  size_t next_pending_ = 0;
  bool eof_ = false;
  int64_t bytes_read_ = 0;
  std::vector<char> buffer_;
};

}  // namespace vecton::producers
