// Builds PostgreSQL array literals ("{"a","b",NULL}") so that a whole batch of rows travels
// as a handful of parameters: INSERT ... SELECT * FROM unnest($1::text[], $2::int8[], ...).
// One statement per table per batch instead of one per row, and still no SQL is ever built
// from event data: the data only ever travels as parameters.
//
// CopyRows is the other way in, for rows that are known to be new (no ON CONFLICT needed):
// COPY ... FROM STDIN with the text built here, which PostgreSQL inserts in multi-row
// batches, cheaper per row than INSERT ... SELECT FROM unnest.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>
#include <string>
#include <string_view>
#include <vector>

namespace vecton::storage {

class PgArray {
 public:
  PgArray() : text_("{") {}

  // Text goes in bare when PostgreSQL's array parser reads it back unchanged, else in
  // double quotes with '"' and '\\' escaped: most of a batch's values (ids, times, amounts)
  // then cost neither quotes here nor unquoting there, and a literal nested in another one
  // (AggregateDelta::Stage) has far fewer characters to escape again.
  PgArray& Add(std::string_view value) {
    Separate();
    if (!NeedsQuotes(value)) {
      text_.append(value);
      return *this;
    }
    text_ += '"';
    size_t start = 0;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '"' || value[i] == '\\') {
        text_.append(value.data() + start, i - start);
        text_ += '\\';
        start = i;
      }
    }
    text_.append(value.data() + start, value.size() - start);
    text_ += '"';
    return *this;
  }
  PgArray& Add(int64_t value) {
    Separate();
    text_ += std::to_string(value);
    return *this;
  }
  PgArray& AddNull() {
    Separate();
    text_ += "NULL";
    return *this;
  }
  template <typename T>
  PgArray& Add(const std::optional<T>& value) {
    return value ? Add(*value) : AddNull();
  }

  size_t size() const { return size_; }
  // The literal; the builder may not be used afterwards.
  std::string Take() {
    text_ += '}';
    return std::move(text_);
  }

 private:
  void Separate() {
    if (size_++ > 0) text_ += ',';
  }
  // Whether array_in would read `value` bare as something else: empty (an error), NULL in
  // any case (a null), or with whitespace (trimmed at the ends), '"' or '\\' (quoting), or
  // '{', '}' and ',' (structure) anywhere.
  static bool NeedsQuotes(std::string_view value) {
    if (value.empty()) return true;
    if (value.size() == 4 && (value[0] | 0x20) == 'n' && (value[1] | 0x20) == 'u' &&
        (value[2] | 0x20) == 'l' && (value[3] | 0x20) == 'l') {
      return true;
    }
    for (const char c : value) {
      switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case '\v':
        case '\f':
        case '"':
        case '\\':
        case '{':
        case '}':
        case ',':
          return true;
        default:
          break;
      }
    }
    return false;
  }
  std::string text_;
  size_t size_ = 0;
};

// One field of a COPY row: text, or NULL.
struct CopyField {
  std::optional<std::string> text;
  CopyField() = default;
  CopyField(std::string value) : text(std::move(value)) {}         // NOLINT: implicit on purpose
  CopyField(std::string_view value) : text(std::string(value)) {}  // NOLINT
  CopyField(const char* value) : text(std::string(value)) {}       // NOLINT
  CopyField(int64_t value) : text(std::to_string(value)) {}        // NOLINT
  template <typename T>
  CopyField(const std::optional<T>& value) {  // NOLINT
    if (value) *this = CopyField(*value);
  }
};

// Rows of N fields for one COPY statement, kept as the COPY text itself (tab-separated, one
// line a row, \N for NULL; backslash, tab, newline and carriage return escaped), written as
// rows are added.
template <size_t N>
class CopyRows {
 public:
  using Row = std::array<CopyField, N>;
  void Add(const Row& row) {
    for (size_t i = 0; i < N; ++i) {
      if (i > 0) text_ += '\t';
      AppendField(row[i]);
    }
    text_ += '\n';
    ++size_;
  }
  size_t size() const { return size_; }
  // COPY table (columns) FROM STDIN with every row; nothing when there are none.
  void Write(pqxx::transaction_base& tx, const std::string& table,
             const std::array<const char*, N>& columns) const {
    if (size_ == 0) return;
      // libpqxx 6.4 deprecates tablewriter for stream_to, but stream_to converts and escapes
      // field by field, character by character (a quarter of the ingestor's CPU in perf), and
      // only tablewriter takes text that is escaped already. The whole batch goes as one
      // line: PostgreSQL's COPY reads a stream, not messages.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    pqxx::tablewriter writer(tx, table, columns.begin(), columns.end());
#pragma GCC diagnostic pop
    writer.write_raw_line(text_);
    writer.complete();
  }

 private:
  void AppendField(const CopyField& field) {
    if (!field.text) {
      text_ += "\\N";
      return;
    }
    const std::string& value = *field.text;
    size_t run = 0;  // start of the characters not appended yet
    for (size_t i = 0; i < value.size(); ++i) {
      char escaped;
      switch (value[i]) {
        case '\\':
          escaped = '\\';
          break;
        case '\t':
          escaped = 't';
          break;
        case '\n':
          escaped = 'n';
          break;
        case '\r':
          escaped = 'r';
          break;
        default:
          continue;
      }
      text_.append(value, run, i - run);
      text_ += '\\';
      text_ += escaped;
      run = i + 1;
    }
    text_.append(value, run, std::string::npos);
  }

  std::string text_;
  size_t size_ = 0;
};

}  // namespace vecton::storage
