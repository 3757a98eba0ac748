#include "producers/seed.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <charconv>
#include <chrono>
#include <map>
#include <ostream>

#include "producers/publisher.h"
#include "producers/seed_data.h"

namespace vecton::producers {
namespace {

template <typename T>
Result<T> ParseNumber(std::string_view option, std::string_view text, T min, T max) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return Error(
        fmt::format("seed: --{} '{}' must be an integer in {}..{}", option, text, min, max));
  }
  return value;
}

}  // namespace

std::string_view SeedHelp() {
  return R"(usage: analytics-ingestor seed [--tenant demo] [--days 90] [options]

Publishes realistic synthetic history (all seven event types) for a tenant to the producers'
exchange, up to the current time; the running ingestor stores it. Event ids are stable
("seed-<tenant>-<yyyymmdd>-<n>"), so running it again only adds what is new.

options:
  --tenant NAME          the tenant (default: demo)
  --days N               days of history, the last one today (default: 90)
  --seed N               random seed (default: 42)
  --orders-per-day N     average orders a day (default: 40)
  --currency CUR         the tenant's reporting currency (default: the tenant's, else HUF)
  --timezone TZ          the tenant's zone, for a shop's daily rhythm (default: the tenant's)
  --dry-run              generate the events, publish nothing
  --help                 this text
)";
}

Result<SeedOptions> ParseSeedArgs(std::span<char*> args) {
  static constexpr std::string_view kFlags[] = {"help", "dry-run"};
  Result<std::vector<CommandOption>> split = SplitCommandOptions("seed", args, kFlags);
  if (!split) return Error(split.error());
  SeedOptions options;
  for (const auto& [name, value] : *split) {
    if (name == "help") {
      options.help = true;
    } else if (name == "dry-run") {
      options.dry_run = true;
    } else if (name == "tenant") {
      if (!IsValidTenantName(value)) {
        return Error(fmt::format("seed: --tenant '{}' is not a DNS label (a-z, 0-9, '-')", value));
      }
      options.tenant = value;
    } else if (name == "days") {
      Result<int> n = ParseNumber<int>(name, value, 1, 3650);
      if (!n) return Error(n.error());
      options.days = *n;
    } else if (name == "seed") {
      Result<uint64_t> n = ParseNumber<uint64_t>(name, value, 0, UINT64_MAX);
      if (!n) return Error(n.error());
      options.seed = *n;
    } else if (name == "orders-per-day") {
      Result<int> n = ParseNumber<int>(name, value, 0, 100000);
      if (!n) return Error(n.error());
      options.orders_per_day = *n;
    } else if (name == "currency") {
      if (!IsCurrencyCode(value)) {
        return Error(fmt::format("seed: --currency '{}' is not an ISO 4217 code like HUF", value));
      }
      options.currency = value;
    } else if (name == "timezone") {
      options.timezone = value;
    } else {
      return Error(fmt::format("seed: unknown option '--{}' (see --help)", name));
    }
  }
  return options;
}

int RunSeed(const SeedOptions& options, amqp::Broker* broker, std::ostream& progress) {
  auto fail = [&](std::string_view message) {
    fmt::print(progress, "seed: {}\n", message);
    return 1;
  };
  if (!options.dry_run && broker == nullptr) return fail("no broker to publish to");
  Result<std::shared_ptr<const TimeZone>> zone = TimeZone::Get(options.timezone);
  if (!zone) return fail(fmt::format("--timezone '{}': {}", options.timezone, zone.error()));

  SeedPlan plan;
  plan.tenant = options.tenant;
  plan.days = options.days;
  plan.seed = options.seed;
  plan.orders_per_day = options.orders_per_day;
  plan.currency = options.currency;
  plan.zone = *zone;
  const Timestamp now =
      options.now.value_or(Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count()});

  ChunkPublisher publisher(options.dry_run ? nullptr : broker, options.topology, options.chunk);
  if (Status s = publisher.Start(); !s) return fail(s.error());
  ProgressMeter meter(progress, "seed");
  std::map<std::string, int64_t> by_type;
  std::vector<ProducedEvent> batch;
  std::optional<std::string> error;
  GenerateSeed(plan, now, [&](ProducedEvent&& event) {
    if (error) return;
    ++by_type[event.routing_key];
    batch.push_back(std::move(event));
    if (batch.size() < options.chunk) return;
    if (Status s = publisher.Add(batch); !s) error = s.error();
    batch.clear();
    meter.Tick([&] { return fmt::format("{} events published", publisher.published()); },
               publisher.published());
  });
  if (error) return fail(*error);
  if (Status s = publisher.Add(batch); !s) return fail(s.error());
  if (Status s = publisher.Flush(); !s) return fail(s.error());

  std::string counts;
  for (const auto& [type, n] : by_type) counts += fmt::format(" {}={}", type, n);
  fmt::print(progress, "seed: {} events {} for tenant {} ({} days, {}, {}) in {:.1f} s:{}\n",
             publisher.published(), options.dry_run ? "generated (dry run)" : "published",
             options.tenant, options.days, options.currency, options.timezone,
             meter.elapsed_seconds(), counts);
  return 0;
}

}  // namespace vecton::producers
