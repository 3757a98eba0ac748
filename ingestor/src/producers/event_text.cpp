#include "producers/event_text.h"

#include <fmt/format.h>

#include <algorithm>

namespace vecton::producers {

CloudEventWriter::CloudEventWriter(std::string_view id, std::string_view source,
                                   std::string_view type, std::string_view time,
                                   std::string_view tenant)
    : type_(type) {
  writer_.BeginObject()
      .Key("specversion")
      .String("1.0")
      .Key("id")
      .String(id)
      .Key("source")
      .String(source)
      .Key("type")
      .String(type)
      .Key("time")
      .String(time)
      .Key("tenant")
      .String(tenant)
      .Key("datacontenttype")
      .String("application/json")
      .Key("data")
      .BeginObject();
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

Result<std::vector<CommandOption>> SplitCommandOptions(std::string_view command,
                                                       std::span<char*> args,
                                                       std::span<const std::string_view> flags) {
  std::vector<CommandOption> options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg.substr(0, 2) != "--" || arg.size() == 2) {
      return Error(fmt::format("{}: unexpected argument '{}' (see --help)", command, arg));
    }
    std::string_view name = arg.substr(2);
    const size_t eq = name.find('=');
    if (eq != std::string_view::npos) {
      options.emplace_back(std::string(name.substr(0, eq)), std::string(name.substr(eq + 1)));
      continue;
    }
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) {
      options.emplace_back(std::string(name), "");
      continue;
    }
    if (i + 1 >= args.size()) {
      return Error(fmt::format("{}: option '--{}' needs a value", command, name));
    }
    options.emplace_back(std::string(name), std::string(args[++i]));
  }
  return options;
}

bool IsCurrencyCode(std::string_view code) {
  return code.size() == 3 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace vecton::producers
