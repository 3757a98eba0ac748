// DESIGN: a recursive-descent parser over one string_view, building JsonValue trees in place
// (children are moved, never copied). Strings are scanned in runs: plain bytes are appended in
// one block and only escapes and non-ASCII bytes take the slow path, where UTF-8 is validated
// per RFC 3629 (no overlongs, no UTF-8-encoded surrogates, nothing above U+10FFFF). Recursion
// is bounded by max_depth, so hostile input cannot exhaust the stack. Every error names the
// 0-based byte offset where it was detected.
#include "vecton/json.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <unordered_map>

namespace vecton {

class JsonParser {
 public:
  JsonParser(std::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  Result<JsonValue> ParseDocument() {
    JsonValue root;
    SkipSpace();
    if (!ParseValue(root, 0)) return Error(std::move(error_));
    SkipSpace();
    if (pos_ != text_.size()) {
      Fail("unexpected data after the document");
      return Error(std::move(error_));
    }
    return root;
  }

 private:
  bool Fail(std::string_view what) {
    if (error_.empty()) error_ = fmt::format("invalid JSON at byte {}: {}", pos_, what);
    return false;
  }
  bool FailAt(size_t at, std::string_view what) {
    pos_ = at;
    return Fail(what);
  }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool Expect(char c, std::string_view what) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return Fail(what);
  }

  bool ParseValue(JsonValue& out, int depth) {
    if (pos_ >= text_.size()) return Fail("unexpected end of input, expected a value");
    switch (text_[pos_]) {
      case '{':
        return ParseObject(out, depth + 1);
      case '[':
        return ParseArray(out, depth + 1);
      case '"':
        out.kind_ = JsonValue::Kind::kString;
        return ParseString(out.text_);
      case 't':
        return ParseLiteral("true", out, JsonValue::Kind::kBool, true);
      case 'f':
        return ParseLiteral("false", out, JsonValue::Kind::kBool, false);
      case 'n':
        return ParseLiteral("null", out, JsonValue::Kind::kNull, false);
      default:
        if (text_[pos_] == '-' || (text_[pos_] >= '0' && text_[pos_] <= '9'))
          return ParseNumber(out);
        return Fail("expected a value");
    }
  }

  bool ParseLiteral(std::string_view word, JsonValue& out, JsonValue::Kind kind, bool b) {
    if (text_.substr(pos_, word.size()) != word) return Fail("expected a value");
    pos_ += word.size();
    out.kind_ = kind;
    out.bool_ = b;
    return true;
  }

  bool ParseObject(JsonValue& out, int depth) {
    if (depth > max_depth_) return Fail(fmt::format("nesting deeper than {} levels", max_depth_));
    out.kind_ = JsonValue::Kind::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    auto& members = out.members_;
    // Objects are usually small: duplicates are found by a linear scan until one grows large,
    // then through a hash index (owning its keys, as the members' strings move on growth).
    std::unordered_map<std::string, size_t> index;
    constexpr size_t kLinearLimit = 16;
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        return Fail(pos_ >= text_.size() ? "unexpected end of input, expected a member name"
                                         : "expected a member name in double quotes");
      }
      std::string key;
      if (!ParseString(key)) return false;
      SkipSpace();
      if (!Expect(':', "expected ':' after a member name")) return false;
      SkipSpace();

      size_t existing = members.size();
      if (members.size() < kLinearLimit) {
        for (size_t k = 0; k < members.size(); ++k) {
          if (members[k].first == key) existing = k;
        }
      } else {
        if (index.empty()) {
          for (size_t k = 0; k < members.size(); ++k) index.emplace(members[k].first, k);
        }
        if (auto it = index.find(key); it != index.end()) existing = it->second;
      }
      if (existing < members.size()) {
        JsonValue value;
        if (!ParseValue(value, depth)) return false;
        members[existing].second = std::move(value);  // RFC 8259 leaves it open: last one wins
      } else {
        if (!index.empty()) index.emplace(key, members.size());
        // Most objects here are events' (6 to 9 members): room for 8 at once instead of
        // growing through 1, 2, 4 and 8, and each value parsed in place instead of moved.
        if (members.empty()) members.reserve(8);
        members.emplace_back(std::move(key), JsonValue());
        if (!ParseValue(members.back().second, depth)) return false;
      }

      SkipSpace();
      if (pos_ >= text_.size()) return Fail("unexpected end of input, expected ',' or '}'");
      if (text_[pos_] == ',') {
        ++pos_;
        SkipSpace();
        continue;
      }
      if (text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or '}' after an object member");
    }
  }

  bool ParseArray(JsonValue& out, int depth) {
    if (depth > max_depth_) return Fail(fmt::format("nesting deeper than {} levels", max_depth_));
    out.kind_ = JsonValue::Kind::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    out.items_.reserve(4);  // an order's items are usually few: skips the growth through 1 and 2
    while (true) {
      out.items_.emplace_back();
      if (!ParseValue(out.items_.back(), depth)) return false;
      SkipSpace();
      if (pos_ >= text_.size()) return Fail("unexpected end of input, expected ',' or ']'");
      if (text_[pos_] == ',') {
        ++pos_;
        SkipSpace();
        continue;
      }
      if (text_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or ']' after an array element");
    }
  }

  // RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, kept as written.
  bool ParseNumber(JsonValue& out) {
    const size_t start = pos_;
    auto digit = [&] { return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; };
    if (text_[pos_] == '-') ++pos_;
    if (!digit()) return Fail("expected a digit");
    if (text_[pos_] == '0') {
      ++pos_;
      if (digit()) return Fail("a number must not have leading zeros");
    } else {
      while (digit()) ++pos_;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digit()) return Fail("expected a digit after the decimal point");
      while (digit()) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digit()) return Fail("expected a digit in the exponent");
      while (digit()) ++pos_;
    }
    out.kind_ = JsonValue::Kind::kNumber;
    out.text_.assign(text_.data() + start, pos_ - start);
    return true;
  }

  // Reads 4 hex digits at pos_ (after "\u").
  bool ParseHex4(uint32_t& cp) {
    if (text_.size() - pos_ < 4) return Fail("expected 4 hex digits after \\u");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text_[pos_];
      uint32_t v = 0;
      if (c >= '0' && c <= '9') {
        v = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail("expected 4 hex digits after \\u");
      }
      cp = cp * 16 + v;
      ++pos_;
    }
    return true;
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // An escape sequence starting at the backslash at pos_.
  bool ParseEscape(std::string& out) {
    const size_t start = pos_;
    ++pos_;
    if (pos_ >= text_.size()) return Fail("unexpected end of input in an escape sequence");
    const char c = text_[pos_++];
    switch (c) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return FailAt(start, "invalid escape sequence");
    }
    uint32_t cp = 0;
    if (!ParseHex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return FailAt(start, "lone low surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") return FailAt(start, "lone high surrogate in \\u escape");
      pos_ += 2;
      uint32_t low = 0;
      if (!ParseHex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        return FailAt(start, "high surrogate not followed by a low surrogate in \\u escape");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, cp);
    return true;
  }

  // One UTF-8 sequence starting at pos_ (a byte >= 0x80), validated per RFC 3629 table 3-7.
  bool ParseUtf8(std::string& out) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text_[i]); };
    const unsigned char b0 = byte(pos_);
    int len;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;  // overlong
      if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;  // overlong
      if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return Fail("invalid UTF-8 in a string");
    }
    if (text_.size() - pos_ < static_cast<size_t>(len)) return Fail("invalid UTF-8 in a string");
    const unsigned char b1 = byte(pos_ + 1);
    if (b1 < lo || b1 > hi) return Fail("invalid UTF-8 in a string");
    for (int k = 2; k < len; ++k) {
      const unsigned char b = byte(pos_ + static_cast<size_t>(k));
      if (b < 0x80 || b > 0xBF) return Fail("invalid UTF-8 in a string");
    }
    out.append(text_.data() + pos_, static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return true;
  }

  // A string starting at the '"' at pos_; its decoded text is appended to out.
  bool ParseString(std::string& out) {
    const size_t open = pos_;
    ++pos_;
    while (true) {
      // The fast path: a run of plain printable ASCII.
      const size_t run = pos_;
      while (pos_ < text_.size()) {
        const auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      out.append(text_.data() + run, pos_ - run);
      if (pos_ >= text_.size()) return FailAt(open, "unterminated string");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!ParseEscape(out)) return false;
      } else if (c < 0x20) {
        return Fail("control character in a string (escape it)");
      } else if (!ParseUtf8(out)) {
        return false;
      }
    }
  }

  std::string_view text_;
  int max_depth_;
  size_t pos_ = 0;
  std::string error_;
};

Result<JsonValue> JsonValue::Parse(std::string_view text, int max_depth) {
  return JsonParser(text, max_depth).ParseDocument();
}

std::optional<int64_t> JsonValue::AsInt64() const {
  if (kind_ != Kind::kNumber) return std::nullopt;
  if (text_.find_first_of(".eE") != std::string::npos) return std::nullopt;
  int64_t v = 0;
  const char* end = text_.data() + text_.size();
  auto [ptr, ec] = std::from_chars(text_.data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (const auto& [name, value] : members_) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string_view JsonValue::KindName(Kind k) {
  switch (k) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "boolean";
    case Kind::kNumber:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return "array";
    case Kind::kObject:
      return "object";
  }
  return "unknown";
}

// ---- Writer ----

namespace {

// Length of the valid UTF-8 sequence at s[i] (a byte >= 0x80), or 0 when it is invalid.
size_t ValidUtf8Length(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return len;
}

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < s.size()) {
    const size_t run = i;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++i;
    }
    out.append(s.data() + run, i - run);
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Invalid UTF-8 (only possible from outside the parser) becomes U+FFFD so that the
      // output is always valid JSON.
      if (const size_t len = ValidUtf8Length(s, i); len > 0) {
        out.append(s.data() + i, len);
        i += len;
      } else {
        out += "\\ufffd";
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
    ++i;
  }
}

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_ += '}';
  if (!first_.empty()) first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_ += ']';
  if (!first_.empty()) first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  Separate();
  out_ += '"';
  AppendJsonEscaped(out_, key);
  out_ += "\":";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  Separate();
  out_ += '"';
  AppendJsonEscaped(out_, s);
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t n) {
  Separate();
  fmt::format_to(std::back_inserter(out_), "{}", n);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool b) {
  Separate();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  Separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Money(vecton::Money m, int digits) {
  Separate();
  out_ += m.ToString(digits);
  return *this;
}

JsonWriter& JsonWriter::Double(double d) {
  Separate();
  if (!std::isfinite(d)) {
    out_ += "null";
    return *this;
  }
  std::string text = fmt::format("{:.6g}", d);
  // Negative zero, and tiny negatives that the format rounds to it, are written as 0.
  if (text == "-0") text = "0";
  out_ += text;
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separate();
  out_ += json;
  return *this;
}

}  // namespace vecton
