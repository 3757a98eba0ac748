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

  PgArray& Add(std::string_view value) {
    Separate();
    text_ += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
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
