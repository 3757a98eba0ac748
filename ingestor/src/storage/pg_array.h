// Builds PostgreSQL array literals ("{"a","b",NULL}") so that a whole batch of rows travels
// as a handful of parameters: INSERT ... SELECT * FROM unnest($1::text[], $2::int8[], ...).
// One statement per table per batch instead of one per row, and still no SQL is ever built
// from event data: the data only ever travels as parameters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace vecton::storage
