#include "producers/import.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <chrono>
#include <ostream>

#include "producers/csv.h"
#include "producers/publisher.h"

namespace vecton::producers {

std::string_view ImportHelp() {
  return R"(usage: analytics-ingestor import --tenant NAME --orders FILE.csv[.gz] [options]

Publishes one order.created per order of a CSV of order lines (one row per line item) to the
producers' exchange; the running ingestor stores them. Event ids are "import-<order_id>", so
importing the same file again changes nothing. See docs/import.md for every rule.

options:
  --tenant NAME        the tenant (required)
  --orders FILE        CSV (RFC 4180, UTF-8, header row); a name ending in .gz is decompressed
  --mapping LIST       field=Column,... over the default
                       order_id=InvoiceNo,product_id=StockCode,sku=StockCode,name=Description,
                       quantity=Quantity,placed_at=InvoiceDate,unit_price=UnitPrice,
                       customer_id=CustomerID,country=Country
                       fields: order_id product_id quantity unit_price placed_at (required),
                       sku name category_name customer_id country ("field=" drops one)
  --timezone TZ        zone of the naive placed_at times (default: the tenant's)
  --currency CUR       currency of the file's prices (default: the tenant's)
  --fx-rate RATE       tenant-currency units per 1 file-currency unit (needed when they differ)
  --source NAME        CloudEvents source of the events (default: import)
  --dry-run            read and build the events, publish nothing (prints the same summary)
  --help               this text

Skipped and counted: cancellation invoices (order id C<digits>), bad-debt adjustments
(A<digits>), lines with quantity <= 0 or a negative price, malformed lines.
)";
}

Result<ImportOptions> ParseImportArgs(std::span<char*> args) {
  static constexpr std::string_view kFlags[] = {"help", "dry-run"};
  Result<std::vector<CommandOption>> split = SplitCommandOptions("import", args, kFlags);
  if (!split) return Error(split.error());
  ImportOptions options;
  for (const auto& [name, value] : *split) {
    if (name == "help") {
      options.help = true;
    } else if (name == "dry-run") {
      options.dry_run = true;
    } else if (name == "tenant") {
      options.tenant = value;
    } else if (name == "orders") {
      options.orders_path = value;
    } else if (name == "mapping") {
      options.mapping = value;
    } else if (name == "timezone") {
      options.timezone = value;
    } else if (name == "currency") {
      options.currency = value;
    } else if (name == "fx-rate") {
      int64_t units = 0;
      if (Result<Money> r = Money::ParseRate(value, &units); !r || units <= 0) {
        return Error(fmt::format("import: --fx-rate '{}' is not a positive decimal", value));
      }
      options.fx_rate = value;
    } else if (name == "source") {
      if (value.empty() || value.size() > 128) {
        return Error("import: --source must be 1..128 characters");
      }
      options.source = value;
    } else {
      return Error(fmt::format("import: unknown option '--{}' (see --help)", name));
    }
  }
  if (options.help) return options;
  if (options.tenant.empty()) return Error("import: --tenant is required");
  if (!IsValidTenantName(options.tenant)) {
    return Error(
        fmt::format("import: --tenant '{}' is not a DNS label (a-z, 0-9, '-')", options.tenant));
  }
  if (options.orders_path.empty()) return Error("import: --orders FILE is required");
  if (!options.currency.empty() && !IsCurrencyCode(options.currency)) {
    return Error(
        fmt::format("import: --currency '{}' is not an ISO 4217 code like GBP", options.currency));
  }
  if (Result<ColumnMapping> m = ParseMapping(options.mapping); !m) {
    return Error("import: " + m.error());
  }
  return options;
}

int RunImport(const ImportOptions& options, amqp::Broker* broker, std::ostream& out,
              std::ostream& progress) {
  auto fail = [&](std::string_view message) {
    fmt::print(progress, "import: {}\n", message);
    return 1;
  };
  if (options.timezone.empty() || options.currency.empty()) {
    return fail("timezone and currency must be set (the tenant's by default)");
  }
  if (!options.dry_run && broker == nullptr) return fail("no broker to publish to");
  Result<std::shared_ptr<const TimeZone>> zone = TimeZone::Get(options.timezone);
  if (!zone) return fail(fmt::format("--timezone '{}': {}", options.timezone, zone.error()));
  Result<ColumnMapping> mapping = ParseMapping(options.mapping);
  if (!mapping) return fail(mapping.error());
  Result<std::unique_ptr<CsvFileReader>> reader = CsvFileReader::Open(options.orders_path);
  if (!reader) return fail(reader.error());

  Result<std::optional<CsvRecord>> header = (*reader)->Next();
  if (!header) return fail(header.error());
  if (!*header) return fail(options.orders_path + " is empty (no header row)");
  Result<ResolvedColumns> columns = ResolveColumns(*mapping, **header);
  if (!columns) return fail(options.orders_path + ": " + columns.error());

  ImportSettings settings;
  settings.tenant = options.tenant;
  settings.source = options.source;
  settings.currency = options.currency;
  settings.fx_rate = options.fx_rate;
  settings.zone = *zone;
  OrderAssembler assembler(std::move(settings), *columns);

  ChunkPublisher publisher(options.dry_run ? nullptr : broker, options.topology, options.chunk);
  if (Status s = publisher.Start(); !s) return fail(s.error());
  ProgressMeter meter(progress, "import");
  std::vector<ProducedEvent> events;
  while (true) {
    Result<std::optional<CsvRecord>> row = (*reader)->Next();
    if (!row) return fail(row.error());
    if (!*row) break;
    assembler.AddRow(**row, (*reader)->record_line(), events);
    if (!events.empty()) {
      if (Status s = publisher.Add(events); !s) return fail(s.error());
      events.clear();
    }
    meter.Tick(
        [&] {
          return fmt::format("{} lines read, {} orders {}", assembler.stats().lines,
                             publisher.published(), options.dry_run ? "built" : "published");
        },
        publisher.published());
  }
  assembler.Finish(events);
  if (Status s = publisher.Add(events); !s) return fail(s.error());
  if (Status s = publisher.Flush(); !s) return fail(s.error());

  const ImportStats& stats = assembler.stats();
  fmt::print(out, "import {}{} for tenant {} ({} {}):\n", options.orders_path,
             options.dry_run ? " (dry run, nothing published)" : "", options.tenant,
             options.currency, options.timezone);
  fmt::print(out, "  orders {}: {}\n", options.dry_run ? "built" : "published", stats.orders);
  fmt::print(out, "  lines read: {}, imported: {}, skipped: {}\n", stats.lines,
             stats.lines_imported, stats.skipped_lines());
  for (const auto& [reason, count] : stats.skipped) {
    fmt::print(out, "    skipped {:>7}  {} (first on line {})\n", count.lines, reason,
               count.first_line);
  }
  fmt::print(out, "  items sold: {}\n", stats.items);
  fmt::print(out, "  revenue: {} {}\n", MoneyText(stats.revenue), options.currency);
  if (stats.ambiguous_times + stats.skipped_times > 0) {
    fmt::print(out,
               "  orders in a repeated local hour: {} (earlier instant taken), in a skipped "
               "hour: {} (moved forward)\n",
               stats.ambiguous_times, stats.skipped_times);
  }
  fmt::print(out, "  took {:.1f} s\n", meter.elapsed_seconds());
  return 0;
}

}  // namespace vecton::producers
