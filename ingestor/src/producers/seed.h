// `analytics-ingestor seed`: publishes realistic synthetic history through RabbitMQ (the
// running ingestor stores it). What is generated, and why re-running is harmless:
// producers/seed_data.h.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "amqp/broker.h"
#include "vecton/civil_time.h"
#include "vecton/result.h"

namespace vecton::producers {

struct SeedOptions {
  bool help = false;                         // --help: print SeedHelp() and exit 0
  std::string tenant = "demo";               // --tenant
  int days = 90;                             // --days (1..3650), the last one today
  uint64_t seed = 42;                        // --seed
  int orders_per_day = 40;                   // --orders-per-day (0..100000)
  std::string currency = "HUF";              // --currency; main passes the tenant's
  std::string timezone = "Europe/Budapest";  // --timezone; main passes the tenant's
  bool dry_run = false;                      // --dry-run: generate, publish nothing
  size_t chunk = 1000;                       // events per confirmed publish
  std::optional<Timestamp> now;              // for tests; default: the clock
  amqp::Topology topology;                   // main sets the configured names
};

// Parses the arguments after "seed". Errors are one line naming the option.
Result<SeedOptions> ParseSeedArgs(std::span<char*> args);
std::string_view SeedHelp();

// Generates and publishes (unless dry_run; then broker may be null) the history, with
// progress on `progress` every ~5 s and a one-line summary at the end. Returns the exit code:
// 0, or 1 after one error line on `progress`.
int RunSeed(const SeedOptions& options, amqp::Broker* broker, std::ostream& progress);

}  // namespace vecton::producers
