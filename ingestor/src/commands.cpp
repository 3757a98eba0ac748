#include "commands.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <set>

#include "amqp/broker.h"
#include "cache/generation.h"
#include "producers/event_text.h"
#include "producers/import.h"
#include "producers/seed.h"
#include "service.h"
#include "settings.h"
#include "storage/aggregates.h"
#include "storage/database.h"
#include "storage/ingest.h"
#include "storage/migrations.h"
#include "storage/rebuild.h"
#include "storage/tenants.h"
#include "vecton/log.h"

namespace vecton::ingestor {
namespace {

constexpr std::string_view kUsage = R"(usage: analytics-ingestor [--config FILE] COMMAND [ARGS]

Consumes the platform's events from RabbitMQ into PostgreSQL and keeps the aggregates current.

commands:
  serve                      run the daemon (the default command)
  migrate                    apply the schema migrations of sql/
  tenant add|set|list        manage tenants (time zone, currency)
  rebuild --tenant NAME      recompute a tenant's aggregates from its facts
  replay --from first|TIME   ingest the replay stream again (idempotent)
  dead-letters list|requeue|purge
                             inspect and retry events that could not be ingested
  seed                       publish realistic synthetic history through RabbitMQ
  import                     publish a CSV of order lines as events

options:
  --config FILE              YAML configuration (see deploy/config/ingestor.yaml);
                             environment variables override it
  --check-config             validate the configuration, print it and exit
  --help                     this text; COMMAND --help for a command's
)";

using Options = std::map<std::string, std::string>;

// Splits "--name value" options after the command; unknown ones are an error naming them.
Result<Options> ParseOptions(std::string_view command, std::span<char*> args,
                             std::initializer_list<std::string_view> allowed,
                             std::initializer_list<std::string_view> flags = {}) {
  std::vector<std::string_view> flag_list(flags);
  auto split = producers::SplitCommandOptions(command, args, flag_list);
  if (!split) return Error(split.error());
  Options out;
  for (auto& [name, value] : *split) {
    bool known = name == "help";
    for (std::string_view a : allowed) known = known || a == name;
    for (std::string_view f : flags) known = known || f == name;
    if (!known) return Error(std::string(command) + ": unknown option '--" + name + "'");
    out[name] = value;
  }
  return out;
}

int Fail(const std::string& message) {
  std::cerr << "analytics-ingestor: " << message << "\n";
  return 2;
}

std::unique_ptr<pqxx::connection> ConnectOrExplain(const Config& config) {
  try {
    return storage::Connect(config.Get("database_url"), config.Get("db_schema"));
  } catch (const std::exception& e) {
    std::cerr << "analytics-ingestor: cannot connect to PostgreSQL at "
              << CutPassword(config.Get("database_url")) << ": " << e.what() << "\n";
    return nullptr;
  }
}

std::unique_ptr<amqp::Broker> BrokerOrExplain(const Config& config) {
  auto broker = amqp::Broker::Connect(config.Get("amqp_url"));
  if (!broker) {
    std::cerr << "analytics-ingestor: " << broker.error() << "\n";
    return nullptr;
  }
  if (Status st = (*broker)->DeclareTopology(TopologyFrom(config)); !st) {
    std::cerr << "analytics-ingestor: " << st.error() << "\n";
    return nullptr;
  }
  return std::move(*broker);
}

// Tells the API caches that a command changed `tenants`' numbers, as the daemon does after
// each batch: a fresh transaction id is a generation no cached answer was stored under.
void BumpGenerations(const Config& config, pqxx::connection& conn,
                     const std::set<std::string>& tenants, int64_t generation = 0) {
  if (tenants.empty()) return;
  if (generation == 0) {
    pqxx::work tx(conn);
    generation = tx.exec("SELECT txid_current()")[0][0].as<int64_t>();
    tx.commit();
  }
  cache::GenerationPublisher publisher(config.Get("redis_url"));
  if (!publisher.Bump(tenants, generation)) {
    std::cerr << "analytics-ingestor: warning: Redis unreachable; cached API answers for "
              << "these tenants may be served until they expire (cache_ttl)\n";
  }
}

// ---------------------------------------------------------------------------------------

int Migrate(const Config& config) {
  auto conn = ConnectOrExplain(config);
  if (!conn) return 1;
  try {
    storage::Migrate(*conn, config.Get("db_schema"), std::cout);
  } catch (const std::exception& e) {
    return Fail(std::string("migrate failed: ") + e.what());
  }
  return 0;
}

constexpr std::string_view kTenantUsage = R"(usage:
  analytics-ingestor tenant add NAME [--timezone TZ] [--currency CUR] [--low-stock-threshold N]
  analytics-ingestor tenant set NAME [--timezone TZ] [--currency CUR] [--low-stock-threshold N]
  analytics-ingestor tenant list

A tenant's time zone (IANA name, e.g. Europe/Budapest) sets its report buckets; its currency
(ISO 4217) is the one it reports in. Changing the time zone rebuilds the tenant's aggregates.
)";

int Tenant(const Config& config, std::span<char*> args) {
  if (args.empty() || std::string_view(args[0]) == "--help") {
    std::cout << kTenantUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string action = args[0];
  if (action == "list") {
    auto conn = ConnectOrExplain(config);
    if (!conn) return 1;
    pqxx::read_transaction tx(*conn);
    std::cout << "tenant\ttimezone\tcurrency\tlow_stock_threshold\n";
    for (const auto& r : tx.exec("SELECT tenant_id, timezone, currency, low_stock_threshold "
                                 "FROM tenants ORDER BY tenant_id")) {
      std::cout << r[0].c_str() << "\t" << r[1].c_str() << "\t" << r[2].c_str() << "\t"
                << r[3].c_str() << "\n";
    }
    return 0;
  }
  if ((action != "add" && action != "set") || args.size() < 2 || args[1][0] == '-') {
    std::cerr << kTenantUsage;
    return 2;
  }
  const std::string name = args[1];
  auto options = ParseOptions("tenant " + action, args.subspan(2),
                              {"timezone", "currency", "low-stock-threshold"});
  if (!options) return Fail(options.error());
  if (options->count("help")) {
    std::cout << kTenantUsage;
    return 0;
  }
  if (Status st = storage::ValidateTenantName(name); !st) return Fail(st.error());
  std::optional<std::string> timezone, currency;
  std::optional<int> threshold;
  if (auto it = options->find("timezone"); it != options->end()) {
    if (auto zone = TimeZone::Get(it->second); !zone) return Fail("--timezone: " + zone.error());
    timezone = it->second;
  }
  if (auto it = options->find("currency"); it != options->end()) {
    if (Status st = storage::ValidateCurrency(it->second); !st) return Fail("--" + st.error());
    currency = it->second;
  }
  if (auto it = options->find("low-stock-threshold"); it != options->end()) {
    try {
      threshold = std::stoi(it->second);
    } catch (const std::exception&) {
      return Fail("--low-stock-threshold must be an integer, got '" + it->second + "'");
    }
  }
  auto conn = ConnectOrExplain(config);
  if (!conn) return 1;
  bool rebuild = false;
  {
    pqxx::work tx(*conn);
    auto existing = tx.exec_params("SELECT timezone FROM tenants WHERE tenant_id = $1", name);
    if (action == "add") {
      if (!existing.empty()) return Fail("tenant '" + name + "' already exists (use tenant set)");
      tx.exec_params(
          "INSERT INTO tenants (tenant_id, timezone, currency, low_stock_threshold) "
          "VALUES ($1, $2, $3, $4)",
          name, timezone.value_or(config.Get("default_timezone")),
          currency.value_or(config.Get("default_currency")),
          threshold.value_or(static_cast<int>(config.GetInt("low_stock_threshold"))));
    } else {
      if (existing.empty()) return Fail("unknown tenant '" + name + "' (use tenant add)");
      rebuild = timezone && *timezone != existing[0][0].c_str();
      tx.exec_params(
          "UPDATE tenants SET timezone = coalesce($2, timezone), "
          "currency = coalesce($3, currency), "
          "low_stock_threshold = coalesce($4, low_stock_threshold) WHERE tenant_id = $1",
          name, timezone, currency, threshold);
    }
    tx.commit();
  }
  std::cout << "tenant " << name << " " << (action == "add" ? "added" : "updated") << "\n";
  if (rebuild) {
    std::cout << "time zone changed: rebuilding the aggregates in the new zone\n";
    auto changed = storage::Rebuild(*conn, {name, std::nullopt, std::nullopt}, std::cout);
    if (!changed) return Fail(changed.error());
    BumpGenerations(config, *conn, *changed);
  } else if (action == "set") {
    BumpGenerations(config, *conn, {name});
  }
  return 0;
}

// Adds the pending aggregate deltas to the aggregates, as the daemon's fold thread does: a
// few folds at most, which is more than a batch stages, because a running daemon may keep
// staging more (and folds them itself).
constexpr int kFoldsPerBatch = 4;
Status FoldStaged(const Config& config, pqxx::connection& conn) {
  try {
    for (int folds = 0; folds < kFoldsPerBatch; ++folds) {
      const storage::Folded f = storage::FoldOnce(conn);
      if (f.tenants.empty()) break;
      BumpGenerations(config, conn, f.tenants, f.generation);
    }
  } catch (const std::exception& e) {
    return Error(std::string("adding the pending aggregate deltas: ") + e.what());
  }
  return OkStatus();
}

constexpr std::string_view kRebuildUsage =
    R"(usage: analytics-ingestor rebuild --tenant NAME [--from DATE --to DATE]

Recomputes the tenant's aggregates from its facts (orders, status changes, stock, ...), in one
transaction. With --from/--to (tenant-local dates, inclusive) only the day-keyed sales tables
of that range are recomputed; per-customer, campaign and inventory totals always are.
)";

int RebuildCommand(const Config& config, std::span<char*> args) {
  auto options = ParseOptions("rebuild", args, {"tenant", "from", "to"});
  if (!options) return Fail(options.error());
  if (options->count("help")) {
    std::cout << kRebuildUsage;
    return 0;
  }
  if (!options->count("tenant")) return Fail("rebuild: --tenant is required");
  storage::RebuildOptions rebuild;
  rebuild.tenant = options->at("tenant");
  if (options->count("from") != options->count("to")) {
    return Fail("rebuild: --from and --to go together");
  }
  if (options->count("from")) {
    auto from = CivilDate::Parse(options->at("from"));
    if (!from) return Fail("rebuild: --from " + from.error());
    auto to = CivilDate::Parse(options->at("to"));
    if (!to) return Fail("rebuild: --to " + to.error());
    if (*to < *from) return Fail("rebuild: --from is after --to");
    rebuild.from = *from;
    rebuild.to = *to;
  }
  auto conn = ConnectOrExplain(config);
  if (!conn) return 1;
  try {
    auto changed = storage::Rebuild(*conn, rebuild, std::cerr);
    if (!changed) return Fail(changed.error());
    BumpGenerations(config, *conn, *changed);
  } catch (const std::exception& e) {
    return Fail(std::string("rebuild failed: ") + e.what());
  }
  return 0;
}

constexpr std::string_view kReplayUsage =
    R"(usage: analytics-ingestor replay --from first|TIME [--idle-seconds N]

Reads the replay stream from its beginning ("first") or from TIME (RFC 3339) and ingests every
event again. Events already stored are recognised and change nothing, so replay is safe to run
at any time, also while the daemon runs. Stops when the stream has had nothing new for
--idle-seconds (default 3).
)";

int Replay(const Config& config, std::span<char*> args) {
  auto options = ParseOptions("replay", args, {"from", "idle-seconds"});
  if (!options) return Fail(options.error());
  if (options->count("help")) {
    std::cout << kReplayUsage;
    return 0;
  }
  if (!options->count("from")) return Fail("replay: --from is required (first or a time)");
  std::string offset = options->at("from");
  if (offset != "first") {
    auto t = ParseRfc3339(offset);
    if (!t) return Fail("replay: --from " + t.error());
  }
  int idle_seconds = 3;
  if (options->count("idle-seconds")) idle_seconds = std::atoi(options->at("idle-seconds").c_str());

  auto conn = ConnectOrExplain(config);
  if (!conn) return 1;
  auto broker = BrokerOrExplain(config);
  if (!broker) return 1;
  const amqp::Topology topology = TopologyFrom(config);
  if (Status st = broker->Consume(topology.stream, 2000, offset); !st) return Fail(st.error());

  const storage::IngestSettings settings = IngestSettingsFrom(config);
  size_t read = 0, ingested = 0, duplicates = 0, invalid = 0;
  auto last_message = std::chrono::steady_clock::now();
  auto last_progress = last_message;
  while (std::chrono::steady_clock::now() - last_message < std::chrono::seconds(idle_seconds)) {
    auto batch = broker->NextBatch(static_cast<size_t>(config.GetInt("batch_size")),
                                   std::chrono::milliseconds(500), std::chrono::milliseconds(20));
    if (!batch) return Fail("replay: " + batch.error());
    if (batch->empty()) continue;
    last_message = std::chrono::steady_clock::now();
    std::vector<std::string_view> bodies;
    for (const auto& m : *batch) bodies.push_back(m.body);
    storage::BatchResult result;
    try {
      result = storage::IngestBatch(*conn, bodies, settings);
    } catch (const std::exception& e) {
      return Fail(std::string("replay: batch not stored: ") + e.what());
    }
    BumpGenerations(config, *conn, result.touched_tenants, result.generation);
    // The daemon folds the staged aggregate deltas on its own; replay may run without it.
    if (Status st = FoldStaged(config, *conn); !st) return Fail("replay: " + st.error());
    if (Status st = broker->Ack(batch->back().delivery_tag, true); !st) return Fail(st.error());
    read += batch->size();
    ingested += result.ingested;
    duplicates += result.duplicates;
    invalid += result.rejected.size();
    if (last_message - last_progress > std::chrono::seconds(2)) {
      std::cerr << "replay: " << read << " read, " << ingested << " new, " << duplicates
                << " already stored\n";
      last_progress = last_message;
    }
  }
  std::cout << "replay done: " << read << " events read, " << ingested << " new, " << duplicates
            << " already stored, " << invalid << " invalid (skipped; they were dead-lettered "
            << "when first consumed)\n";
  return 0;
}

constexpr std::string_view kDeadLettersUsage = R"(usage:
  analytics-ingestor dead-letters list [--limit N]     show dead letters with their reason
  analytics-ingestor dead-letters requeue [--limit N]  publish them again to the exchange
  analytics-ingestor dead-letters purge                delete them all

Every event that could not be ingested is kept in the dead-letter queue with its reason in
the header x-analytics-error. Fix the cause (e.g. the tenant's currency), then requeue.
)";

int DeadLetters(const Config& config, std::span<char*> args) {
  if (args.empty() || std::string_view(args[0]) == "--help") {
    std::cout << kDeadLettersUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string action = args[0];
  auto options = ParseOptions("dead-letters " + action, args.subspan(1), {"limit"});
  if (!options) return Fail(options.error());
  if (options->count("help")) {
    std::cout << kDeadLettersUsage;
    return 0;
  }
  if (action != "list" && action != "requeue" && action != "purge") {
    std::cerr << kDeadLettersUsage;
    return 2;
  }
  size_t limit = SIZE_MAX;
  if (options->count("limit")) limit = std::stoul(options->at("limit"));
  auto broker = BrokerOrExplain(config);
  if (!broker) return 1;
  const amqp::Topology topology = TopologyFrom(config);
  if (action == "purge") {
    auto depth = broker->QueueDepth(topology.dead_letter_queue);
    if (Status st = broker->PurgeQueue(topology.dead_letter_queue); !st) return Fail(st.error());
    std::cout << "purged " << (depth ? *depth : 0) << " dead letters\n";
    return 0;
  }
  // list: take each message and give it back at the end (requeue=true keeps the order);
  // requeue: publish to the producers' exchange (confirmed), then acknowledge.
  auto depth = broker->QueueDepth(topology.dead_letter_queue);
  if (!depth) return Fail(depth.error());
  size_t n = std::min<size_t>(*depth, limit);
  std::vector<uint64_t> taken;
  size_t requeued = 0;
  for (size_t i = 0; i < n; ++i) {
    auto message = broker->Get(topology.dead_letter_queue);
    if (!message) return Fail(message.error());
    if (!*message) break;
    const amqp::Message& m = **message;
    auto reason = m.headers.find("x-analytics-error");
    std::string routing_key = m.routing_key;
    if (auto original = m.headers.find("x-original-routing-key"); original != m.headers.end()) {
      routing_key = original->second;
    }
    if (action == "list") {
      std::cout << routing_key << "\t"
                << (reason != m.headers.end() ? reason->second
                                              : "(dead-lettered by RabbitMQ: delivery limit)")
                << "\t" << m.body.substr(0, 200) << "\n";
      taken.push_back(m.delivery_tag);
      continue;
    }
    amqp::OutgoingMessage out{topology.exchange, routing_key, m.body, {}};
    if (Status st = broker->PublishConfirmed({out}); !st) return Fail(st.error());
    if (Status st = broker->Ack(m.delivery_tag, false); !st) return Fail(st.error());
    ++requeued;
  }
  for (uint64_t tag : taken) {
    if (Status st = broker->Reject(tag, /*requeue=*/true); !st) return Fail(st.error());
  }
  if (action == "list") {
    std::cout << taken.size() << " of " << *depth << " dead letters shown\n";
  } else {
    std::cout << "requeued " << requeued << " dead letters\n";
  }
  return 0;
}

// The tenant's zone and currency fill in what `seed` and `import` were not told.
Result<std::pair<std::string, std::string>> TenantZoneAndCurrency(const Config& config,
                                                                  const std::string& tenant) {
  auto conn = ConnectOrExplain(config);
  if (!conn) return Error("no database");
  pqxx::read_transaction tx(*conn);
  auto row = tx.exec_params("SELECT timezone, currency FROM tenants WHERE tenant_id = $1", tenant);
  if (row.empty()) {
    return std::pair(config.Get("default_timezone"), config.Get("default_currency"));
  }
  return std::pair(std::string(row[0][0].c_str()), std::string(row[0][1].c_str()));
}

int Import(const Config& config, std::span<char*> args) {
  auto options = producers::ParseImportArgs(args);
  if (!options) return Fail(options.error());
  if (options->help) {
    std::cout << producers::ImportHelp();
    return 0;
  }
  options->topology = TopologyFrom(config);
  if (options->timezone.empty() || options->currency.empty()) {
    auto tenant = TenantZoneAndCurrency(config, options->tenant);
    if (!tenant) return 1;
    if (options->timezone.empty()) options->timezone = tenant->first;
    if (options->currency.empty()) options->currency = tenant->second;
  }
  std::unique_ptr<amqp::Broker> broker;
  if (!options->dry_run) {
    broker = BrokerOrExplain(config);
    if (!broker) return 1;
  }
  return producers::RunImport(*options, broker.get(), std::cout, std::cerr);
}

// Seeds the tenant in its own zone and currency unless --timezone/--currency say otherwise.
int Seed(const Config& config, std::span<char*> args) {
  auto options = producers::ParseSeedArgs(args);
  if (!options) return Fail(options.error());
  if (options->help) {
    std::cout << producers::SeedHelp();
    return 0;
  }
  options->topology = TopologyFrom(config);
  auto given = [&](std::string_view name) {
    return std::any_of(args.begin(), args.end(),
                       [&](const char* a) { return std::string_view(a).rfind(name, 0) == 0; });
  };
  auto tenant = TenantZoneAndCurrency(config, options->tenant);
  if (!tenant) return 1;
  if (!given("--timezone")) options->timezone = tenant->first;
  if (!given("--currency")) options->currency = tenant->second;
  std::unique_ptr<amqp::Broker> broker;
  if (!options->dry_run) {
    broker = BrokerOrExplain(config);
    if (!broker) return 1;
  }
  return producers::RunSeed(*options, broker.get(), std::cerr);
}

}  // namespace

int RunCommand(int argc, char** argv) {
  std::span<char*> args(argv + 1, static_cast<size_t>(argc - 1));
  std::string config_path;
  bool check_config = false;
  // Global options come before the command.
  while (!args.empty() && args[0][0] == '-') {
    std::string_view a = args[0];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--check-config") {
      check_config = true;
      args = args.subspan(1);
    } else if (a == "--config" && args.size() >= 2) {
      config_path = args[1];
      args = args.subspan(2);
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = std::string(a.substr(9));
      args = args.subspan(1);
    } else {
      std::cerr << "analytics-ingestor: unknown option '" << a << "'\n" << kUsage;
      return 2;
    }
  }
  auto config = Config::Load(Settings(), config_path);
  if (!config) return Fail(config.error());
  if (!SetLogLevel(config->Get("log_level"))) {
    return Fail("log_level must be one of debug, info, warn, error");
  }
  if (!config->Get("log_file").empty() && !SetLogFile(config->Get("log_file"))) {
    return Fail("log_file: cannot open " + config->Get("log_file"));
  }
  if (auto zone = TimeZone::Get(config->Get("default_timezone")); !zone) {
    return Fail("default_timezone: " + zone.error());
  }
  if (Status st = storage::ValidateCurrency(config->Get("default_currency")); !st) {
    return Fail("default_" + st.error());
  }
  if (check_config) {
    std::cout << config->Describe();
    return 0;
  }

  const std::string command = args.empty() ? "serve" : args[0];
  std::span<char*> rest = args.empty() ? args : args.subspan(1);
  if (command == "serve") {
    if (!rest.empty() && std::string_view(rest[0]) == "--help") {
      std::cout << "usage: analytics-ingestor [--config FILE] serve\n\nRuns the daemon; see "
                   "docs/operations.md.\n";
      return 0;
    }
    return Serve(*config);
  }
  if (command == "migrate") {
    if (!rest.empty()) {
      std::cout << "usage: analytics-ingestor migrate\n\nApplies the schema migrations.\n";
      return std::string_view(rest[0]) == "--help" ? 0 : 2;
    }
    return Migrate(*config);
  }
  if (command == "tenant") return Tenant(*config, rest);
  if (command == "rebuild") return RebuildCommand(*config, rest);
  if (command == "replay") return Replay(*config, rest);
  if (command == "dead-letters") return DeadLetters(*config, rest);
  if (command == "import") return Import(*config, rest);
  if (command == "seed") return Seed(*config, rest);
  std::cerr << "analytics-ingestor: unknown command '" << command << "'\n" << kUsage;
  return 2;
}

}  // namespace vecton::ingestor
