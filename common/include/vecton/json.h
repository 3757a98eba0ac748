// A small JSON reader and writer, made for exact money.
//
// Why our own: money arrives as JSON numbers too, and every general-purpose parser in reach
// turns them into doubles. JsonValue keeps a number's original text, so Money::Parse sees
// "0.1" and not 0.1000000000000000055. The reader is strict RFC 8259 (no comments, no
// trailing commas, valid UTF-8 only, no lone surrogates), bounded in nesting depth, and its
// errors say where ("invalid JSON at byte 17: expected ':'").
//
// JsonWriter appends to one string with commas and escaping handled for you:
//   JsonWriter w;
//   w.BeginObject().Key("revenue").Money(m).Key("orders").Int(3).EndObject();
//   std::string body = w.Take();
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vecton/money.h"
#include "vecton/result.h"

namespace vecton {

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  // Parses a whole document; trailing non-space is an error.
  static Result<JsonValue> Parse(std::string_view text, int max_depth = 64);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  bool bool_value() const { return bool_; }
  // For numbers: the literal as written ("4990.00", "-1e3"); for strings: the decoded text.
  const std::string& text() const { return text_; }
  // For numbers written as integers (no '.', no exponent) that fit in int64.
  std::optional<int64_t> AsInt64() const;

  const std::vector<JsonValue>& items() const { return items_; }
  // Object members in document order; a duplicate key keeps the last value.
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }
  // nullptr when absent (or when this is not an object).
  const JsonValue* Find(std::string_view key) const;

  static std::string_view KindName(Kind k);  // "null", "boolean", "number", ...

 private:
  friend class JsonParser;
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t n);
  JsonWriter& Bool(bool b);
  JsonWriter& Null();
  // Money as a JSON number rounded half away from zero to `digits` fraction digits.
  JsonWriter& Money(vecton::Money m, int digits = 2);
  // A ratio; NaN and infinities are written as null. Up to 6 significant decimals.
  JsonWriter& Double(double d);
  // A literal already in JSON form (a number's text, or a nested document).
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: no member written yet
  bool after_key_ = false;
};

// JSON string escaping of s (without the quotes), appended to out.
void AppendJsonEscaped(std::string& out, std::string_view s);

}  // namespace vecton
