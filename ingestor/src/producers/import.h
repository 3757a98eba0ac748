// `analytics-ingestor import`: historical backfill from a CSV of order lines, published as
// order.created events through RabbitMQ (the running ingestor stores them like live events).
// The rules (grouping, skipped lines, time zones, ids) are in docs/import.md and
// producers/import_rows.h.
#pragma once

#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "amqp/broker.h"
#include "producers/import_rows.h"
#include "vecton/result.h"

namespace vecton::producers {

struct ImportOptions {
  bool help = false;                   // --help: print ImportHelp() and exit 0
  std::string tenant;                  // --tenant (required)
  std::string orders_path;             // --orders FILE.csv or FILE.csv.gz (required)
  std::string mapping;                 // --mapping, over kDefaultMapping
  std::string timezone;                // --timezone; empty: main fills in the tenant's zone
  std::string currency;                // --currency of the file; empty: main fills in the tenant's
  std::optional<std::string> fx_rate;  // --fx-rate: tenant currency per 1 file currency
  std::string source = "import";       // --source: CloudEvents source (part of the dedup key)
  bool dry_run = false;                // --dry-run: read and build the events, publish nothing
  size_t chunk = 1000;                 // events per confirmed publish
  amqp::Topology topology;             // main sets the configured names
};

// Parses the arguments after "import". Errors are one line naming the option.
Result<ImportOptions> ParseImportArgs(std::span<char*> args);
std::string_view ImportHelp();

// Runs the import: reads the file, publishes every order (unless dry_run; then broker may be
// null), prints progress to `progress` every ~5 s and the summary (orders, lines, skipped
// lines by reason, revenue) to `out`. Returns the process exit code: 0, or 1 after printing
// one error line to `progress` (unreadable file, bad header, timezone, broker failure).
// Preconditions: timezone and currency are set (main fills in the tenant's when not given).
int RunImport(const ImportOptions& options, amqp::Broker* broker, std::ostream& out,
              std::ostream& progress);

}  // namespace vecton::producers
