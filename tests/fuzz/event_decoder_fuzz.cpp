// libFuzzer target: DecodeEvent must never crash, hang or read out of bounds on any body.
//
// Besides decoding, it checks two invariants on the same input, so the fuzzer also hunts for
// logic errors in the pieces the decoder is built from:
//   - a JSON document that parses can be written back (JsonWriter) and parses again to the
//     same strings and number literals;
//   - Money text that parses is written back (ToString(4)) to text that parses to the same amount.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vecton/event.h"
#include "vecton/json.h"
#include "vecton/money.h"

namespace {

void Write(const vecton::JsonValue& v, vecton::JsonWriter& w) {
  using Kind = vecton::JsonValue::Kind;
  switch (v.kind()) {
    case Kind::kNull:
      w.Null();
      break;
    case Kind::kBool:
      w.Bool(v.bool_value());
      break;
    case Kind::kNumber:
      w.Raw(v.text());
      break;
    case Kind::kString:
      w.String(v.text());
      break;
    case Kind::kArray:
      w.BeginArray();
      for (const auto& item : v.items()) Write(item, w);
      w.EndArray();
      break;
    case Kind::kObject:
      w.BeginObject();
      for (const auto& [key, value] : v.members()) {
        w.Key(key);
        Write(value, w);
      }
      w.EndObject();
      break;
  }
}

bool Same(const vecton::JsonValue& a, const vecton::JsonValue& b) {
  if (a.kind() != b.kind() || a.text() != b.text() || a.bool_value() != b.bool_value())
    return false;
  if (a.items().size() != b.items().size() || a.members().size() != b.members().size())
    return false;
  for (size_t k = 0; k < a.items().size(); ++k) {
    if (!Same(a.items()[k], b.items()[k])) return false;
  }
  for (size_t k = 0; k < a.members().size(); ++k) {
    if (a.members()[k].first != b.members()[k].first) return false;
    if (!Same(a.members()[k].second, b.members()[k].second)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto event = vecton::DecodeEvent(body);
  if (!event.ok() && (event.error().empty() || event.error().find('\n') != std::string::npos)) {
    std::abort();  // a reason must be one non-empty line
  }

  auto doc = vecton::JsonValue::Parse(body, 32);
  if (doc.ok()) {
    vecton::JsonWriter w;
    Write(*doc, w);
    auto again = vecton::JsonValue::Parse(w.str(), 32);
    if (!again.ok() || !Same(*doc, *again)) std::abort();
  }

  auto money = vecton::Money::Parse(body);
  if (money.ok()) {
    auto again = vecton::Money::Parse(money->ToString(4));
    if (!again.ok() || *again != *money) std::abort();
  }
  return 0;
}
