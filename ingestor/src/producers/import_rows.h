// The pure part of `analytics-ingestor import`: CSV order lines -> order.created events.
//
// DESIGN
// A CSV of order lines (one row per line item, e.g. the UCI "Online Retail" export) becomes one
// `order.created` per order. Three pieces, all free of I/O so they are unit-tested:
//   - ParseMapping / ResolveColumns: which CSV column feeds which order field (--mapping);
//   - ResolveLocalTime: a naive local timestamp ("2011-06-01 12:05:00") in the file's zone ->
//     an instant, with a stated rule for the hour that repeats and the hour that is skipped;
//   - OrderAssembler: groups the lines of an order, skips what is not a sale (with a counted
//     reason) and writes the event with id "import-<order_id>", so importing twice changes
//     nothing (the ingestor deduplicates on (tenant, source, id)).
// Lines are grouped by order id within a window of recently seen orders, not the whole file:
// memory stays flat for any file size, and an export where an order's lines are interleaved
// with a few other orders (the UCI file has one) still yields whole orders. A line whose order
// was already written is skipped and counted, never published as a second, partial order.
// Amounts are vecton::Money end to end; a total is the exact sum of quantity * unit_price.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "producers/csv.h"
#include "producers/event_text.h"
#include "vecton/civil_time.h"
#include "vecton/money.h"
#include "vecton/result.h"

namespace vecton::producers {

// The order fields a CSV column can feed.
enum class ImportField {
  kOrderId,    // required
  kProductId,  // required
  kQuantity,   // required: integer
  kUnitPrice,  // required: decimal, at most 4 fraction digits
  kPlacedAt,   // required: naive local time "YYYY-MM-DD HH:MM[:SS]" (or with 'T')
  kSku,
  kName,
  kCategoryName,
  kCustomerId,  // empty = guest; "17850.0" -> "17850"
  kCountry,
};
inline constexpr int kImportFieldCount = 10;

// The mapping key of a field ("order_id", "product_id", ...).
std::string_view ImportFieldKey(ImportField field);

// The default mapping: the UCI "Online Retail" columns.
inline constexpr std::string_view kDefaultMapping =
    "order_id=InvoiceNo,product_id=StockCode,sku=StockCode,name=Description,"
    "quantity=Quantity,placed_at=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID,"
    "country=Country";

struct ColumnMapping {
  struct Entry {
    std::string column;      // CSV header name; empty = field not imported
    bool explicit_ = false;  // given in --mapping (must then exist in the header)
  };
  std::array<Entry, kImportFieldCount> entries;
};

// Parses "field=Column,field=Column" over the defaults: a given entry replaces the default of
// its field, "field=" drops an optional field. Errors name the bad entry: an unknown key (with
// the list of known ones), a missing '=', a key given twice, or a required field emptied.
Result<ColumnMapping> ParseMapping(std::string_view text);

// Column index per field, -1 = not imported.
struct ResolvedColumns {
  std::array<int, kImportFieldCount> index{};
  int Of(ImportField f) const { return index[static_cast<int>(f)]; }
};

// Finds the mapped columns in the header row (exact, case-sensitive names; a UTF-8 BOM on the
// first is ignored). A required or explicitly mapped column that is missing is an error naming
// the field and the column; a default optional column that is missing is simply not imported.
Result<ResolvedColumns> ResolveColumns(const ColumnMapping& mapping, const CsvRecord& header);

// A naive local reading "YYYY-MM-DD HH:MM:SS" / "YYYY-MM-DD HH:MM" / with 'T' instead of ' '.
struct NaiveLocalTime {
  CivilDate date;
  int hour = 0, minute = 0, second = 0;
};
Result<NaiveLocalTime> ParseNaiveLocalTime(std::string_view text);

// How a local reading maps to instants in a zone.
enum class LocalTimeKind {
  kUnique,     // exactly one instant
  kAmbiguous,  // the repeated hour when clocks go back: the EARLIER instant is taken
  kSkipped,    // the hour skipped when clocks go forward: read with the offset in force
               // before the jump, i.e. moved forward by the gap (01:30 -> 02:30 BST in London)
};
struct ResolvedLocalTime {
  Timestamp instant;
  LocalTimeKind kind = LocalTimeKind::kUnique;
};
// Looks up the offsets in force a day before and a day after the reading (two lookups that
// bracket any single transition) and keeps those that reproduce the reading.
ResolvedLocalTime ResolveLocalTime(const TimeZone& zone, const NaiveLocalTime& local);

// "17850.0" -> "17850", "  C-1 " -> "C-1", "" -> nullopt (guest).
std::optional<std::string> NormalizeCustomerId(std::string_view text);

struct ImportSettings {
  std::string tenant;
  std::string source = "import";
  std::string currency;                // ISO 4217 of the file's amounts
  std::optional<std::string> fx_rate;  // when `currency` is not the tenant's
  std::string status = "completed";    // historical orders are done
  std::shared_ptr<const TimeZone> zone;
  size_t open_window = 64;  // orders kept open for interleaved lines
};

// Why a line was not imported; the text is what the summary prints.
struct SkipCount {
  int64_t lines = 0;
  int64_t first_line = 0;  // 1-based physical line of the first such line
};

struct ImportStats {
  int64_t lines = 0;  // data rows read (header excluded, blank lines excluded)
  int64_t lines_imported = 0;
  int64_t orders = 0;                              // order.created events written
  int64_t items = 0;                               // sum of quantities of the imported lines
  Money revenue;                                   // sum of the orders' totals, file currency
  int64_t ambiguous_times = 0, skipped_times = 0;  // orders placed in a DST overlap / gap
  std::map<std::string, SkipCount> skipped;        // reason -> count
  int64_t skipped_lines() const;
};

class OrderAssembler {
 public:
  // Precondition: settings.zone is set.
  OrderAssembler(ImportSettings settings, ResolvedColumns columns);

  // Takes one data row (`line`: its 1-based physical line, for the summary); appends the
  // events of orders completed so far to `out`. Blank rows are ignored.
  void AddRow(const CsvRecord& row, int64_t line, std::vector<ProducedEvent>& out);
  // Writes the orders still open.
  void Finish(std::vector<ProducedEvent>& out);

  const ImportStats& stats() const { return stats_; }

 private:
  struct Item {
    std::string product_id, sku, name, category_name;
    int32_t quantity = 0;
    Money unit_price;
  };
  struct OpenOrder {
    std::string order_id;
    std::optional<std::string> customer_id;
    std::string country;
    std::string placed_at;  // RFC 3339 with the zone's offset
    std::vector<Item> items;
  };

  void Skip(const std::string& reason, int64_t line);
  void Flush(OpenOrder& order, std::vector<ProducedEvent>& out);
  std::string_view Field(const CsvRecord& row, ImportField f) const;

  ImportSettings settings_;
  ResolvedColumns columns_;
  ImportStats stats_;
  std::deque<OpenOrder> open_;                  // oldest first
  std::set<std::string, std::less<>> written_;  // orders already written
};

}  // namespace vecton::producers
