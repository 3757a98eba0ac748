// Writing CloudEvents (shared/spec/events.md) as the webshop, warehouse and CRM would: the
// common part of `seed` and `import`.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vecton/json.h"
#include "vecton/money.h"
#include "vecton/result.h"

namespace vecton::producers {

// One message ready to publish to the producers' exchange.
struct ProducedEvent {
  std::string routing_key;  // = the event type
  std::string body;         // CloudEvents structured JSON
};

// Writes the envelope and opens `data`; the caller adds data members through data() and
// calls Finish() once.
//   CloudEventWriter e("seed-demo-1", "crm", "customer.created", time, "demo");
//   e.data().Key("customer_id").String("c-1");
//   ProducedEvent ev = e.Finish();
class CloudEventWriter {
 public:
  CloudEventWriter(std::string_view id, std::string_view source, std::string_view type,
                   std::string_view time, std::string_view tenant);
  JsonWriter& data() { return writer_; }
  ProducedEvent Finish();

 private:
  std::string type_;
  JsonWriter writer_;
};

// Exact decimal text of an amount, as a JSON string member should carry it: at least 2 and
// at most 4 fraction digits, trailing zeros beyond 2 trimmed ("2.55", "0.001", "4990.00").
std::string MoneyText(Money m);

// True for a DNS label: ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ (the contract's tenant rule).
bool IsValidTenantName(std::string_view name);

// Command-line options "--name value" / "--name=value" / "--flag" (for names in `flags`),
// in order. `command` prefixes errors: "import: option '--orders' needs a value".
using CommandOption = std::pair<std::string, std::string>;  // ("orders", "x.csv")
Result<std::vector<CommandOption>> SplitCommandOptions(std::string_view command,
                                                       std::span<char*> args,
                                                       std::span<const std::string_view> flags);

// True for an ISO 4217-shaped code: three upper-case ASCII letters.
bool IsCurrencyCode(std::string_view code);

}  // namespace vecton::producers
