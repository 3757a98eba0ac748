#include "producers/event_text.h"

namespace vecton::producers {

CloudEventWriter::CloudEventWriter(std::string_view id, std::string_view source,
                                   std::string_view type, std::string_view time,
                                   std::string_view tenant)
    : type_(type) {
  writer_.BeginObject()
      .Key("specversion").String("1.0")
      .Key("id").String(id)
      .Key("source").String(source)
      .Key("type").String(type)
      .Key("time").String(time)
      .Key("tenant").String(tenant)
      .Key("datacontenttype").String("application/json")
      .Key("data").BeginObject();
}

ProducedEvent CloudEventWriter::Finish() {
  writer_.EndObject().EndObject();
  return ProducedEvent{std::move(type_), writer_.Take()};
}

std::string MoneyText(Money m) {
  std::string text = m.ToString(4);  // exact: Money holds 4 fraction digits
  const size_t dot = text.find('.');
  while (text.size() > dot + 3 && text.back() == '0') text.pop_back();
  return text;
}

bool IsValidTenantName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name) {
    if (!alnum(c) && c != '-') return false;
  }
  return alnum(name.front()) && alnum(name.back());
}

}  // namespace vecton::producers
