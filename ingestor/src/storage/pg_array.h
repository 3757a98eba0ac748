// Builds PostgreSQL array literals ("{"a","b",NULL}") so that a whole batch of rows travels
// as a handful of parameters: INSERT ... SELECT * FROM unnest($1::text[], $2::int8[], ...).
// One statement per table per batch instead of one per row, and still no SQL is ever built
// from event data: the data only ever travels as parameters.
//
// CopyRows is the other way in, for rows that are known to be new (no ON CONFLICT needed):
// COPY ... FROM STDIN through pqxx::stream_to, which PostgreSQL inserts in multi-row
// batches, cheaper per row than INSERT ... SELECT FROM unnest.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
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

// One field of a COPY row: text, or NULL (libpqxx 6.4 has no traits for std::optional).
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

// Rows of N fields for one COPY statement.
template <size_t N>
class CopyRows {
 public:
  using Row = std::array<CopyField, N>;
  void Add(Row row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size(); }
  // COPY table (columns) FROM STDIN with every row; nothing when there are none.
  void Write(pqxx::transaction_base& tx, const std::string& table,
             const std::array<const char*, N>& columns) const {
    if (rows_.empty()) return;
    pqxx::stream_to stream(tx, table, std::vector<std::string>(columns.begin(), columns.end()));
    for (const Row& row : rows_) stream << row;
    stream.complete();
  }

 private:
  std::vector<Row> rows_;
};

}  // namespace vecton::storage

namespace pqxx {
template <>
struct string_traits<vecton::storage::CopyField> {
  static constexpr const char* name() noexcept { return "vecton::storage::CopyField"; }
  static constexpr bool has_null() noexcept { return true; }
  static bool is_null(const vecton::storage::CopyField& f) { return !f.text; }
  static vecton::storage::CopyField null() { return {}; }
  static void from_string(const char text[], vecton::storage::CopyField& f) {
    f.text = std::string(text);
  }
  static std::string to_string(const vecton::storage::CopyField& f) {
    return f.text ? *f.text : std::string();
  }
};
}  // namespace pqxx
