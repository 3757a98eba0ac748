// Faults under load: the real analytics-ingestor consumes a generated history that a thread
// publishes in small confirmed chunks while the test kills the ingestor, restarts PostgreSQL
// or RabbitMQ, stops Redis, runs two ingestors, or publishes everything twice and replays.
// Each case ends with every event in the event log exactly once and daily_sales equal to the
// independent model (model.h) of the events published. Lifecycle cases check the signals:
// SIGTERM drains, a second SIGTERM exits at once, SIGHUP reopens the log file.
//
// DESIGN
// A batch is held "mid-flight" deterministically by holding the tenant's advisory lock
// exclusively (as a rebuild does): the ingestor's transaction then waits inside its batch,
// visible in pg_locks as an ungranted advisory lock. The servers are restarted with
// scripts/servers.sh (VECTON_SERVERS_SH, VECTON_STATE_DIR from the state dir's env file).
// The publisher counts only confirmed chunks as published; a chunk whose confirm was lost is
// published again after reconnecting (at least once), and the event log makes it exactly once.
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "harness.h"
#include "ingest_harness.h"
#include "model.h"
#include "storage/locks.h"

namespace vecton::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Events = std::vector<std::pair<std::string, std::string>>;

// Runs `scripts/servers.sh COMMAND STATE_DIR`; true on success.
bool Servers(const std::string& command) {
  const char* script = std::getenv("VECTON_SERVERS_SH");
  const char* state = std::getenv("VECTON_STATE_DIR");
  REQUIRE_MESSAGE((script != nullptr && state != nullptr),
                  "VECTON_SERVERS_SH and VECTON_STATE_DIR are not set: source the state dir's env");
  const std::string line = std::string("bash '") + script + "' " + command + " '" + state +
                           "' >>/tmp/vecton-fault-servers.log 2>&1";
  return std::system(line.c_str()) == 0;
}

// Stops a server ("pg", "redis") and starts it again with Start(), or on destruction when the
// test failed before, so that the later tests find it running.
class StoppedServer {
 public:
  explicit StoppedServer(std::string name) : name_(std::move(name)) {
    REQUIRE(Servers(name_ + "-stop"));
    stopped_ = true;
  }
  ~StoppedServer() {
    if (stopped_) Servers(name_ + "-start");
  }
  StoppedServer(const StoppedServer&) = delete;
  StoppedServer& operator=(const StoppedServer&) = delete;
  bool Start() {
    stopped_ = false;
    return Servers(name_ + "-start");
  }

 private:
  std::string name_;
  bool stopped_ = false;
};

size_t DistinctEvents(const std::string& tenant) {
  auto conn = ConnectToTestSchema();
  pqxx::nontransaction tx(*conn);
  return tx
      .exec_params1(
          "SELECT count(DISTINCT (source, event_id)) FROM event_log "
          "WHERE tenant_id = $1",
          tenant)[0]
      .as<size_t>();
}

// Sessions waiting for an advisory lock: an ingestor's batch held by HoldTenant.
int WaitingForLocks() {
  return std::stoi(
      QueryValue("SELECT count(*) FROM pg_locks "
                 "WHERE locktype = 'advisory' AND NOT granted"));
}

// Holds the tenant's lock exclusively until Release (or destruction).
class HoldTenant {
 public:
  explicit HoldTenant(const std::string& tenant) : conn_(ConnectToTestSchema()) {
    tx_ = std::make_unique<pqxx::work>(*conn_);
    tx_->exec_params("SELECT pg_advisory_xact_lock($1)", storage::LockId('t', tenant, ""));
  }
  void Release() {
    if (tx_) tx_->commit();
    tx_.reset();
  }

 private:
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
};

// Publishes `events` from a thread in chunks, pausing between them; survives a broker
// restart by reconnecting and publishing the unconfirmed chunk again.
class LoadPublisher {
 public:
  LoadPublisher(Events events, size_t chunk, milliseconds pause)
      : events_(std::move(events)), chunk_(chunk), pause_(pause) {
    thread_ = std::thread([this] { Run(); });
  }
  ~LoadPublisher() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  size_t confirmed() const { return confirmed_; }
  size_t total() const { return events_.size(); }
  int reconnects() const { return reconnects_; }
  const std::string& last_error() const { return last_error_; }
  // Waits until every event is confirmed or `deadline` passes.
  bool Finish(milliseconds deadline) {
    const bool done = WaitFor([&] { return confirmed_ == events_.size(); }, deadline);
    stop_ = true;
    thread_.join();
    return done;
  }

 private:
  void Run() {
    std::unique_ptr<amqp::Broker> broker;
    size_t next = 0;
    while (next < events_.size() && !stop_) {
      if (!broker) {
        auto connected = amqp::Broker::Connect(AmqpUrl());
        Status st = connected ? (*connected)->DeclareTopology(TestTopology())
                              : Status(Error(connected.error()));
        if (!st) {
          last_error_ = st.error();
          std::this_thread::sleep_for(milliseconds(200));
          continue;
        }
        broker = std::move(*connected);
      }
      const size_t end = std::min(events_.size(), next + chunk_);
      std::vector<amqp::OutgoingMessage> out;
      for (size_t i = next; i < end; ++i) {
        out.push_back({TestTopology().exchange, events_[i].first, events_[i].second, {}});
      }
      if (Status st = broker->PublishConfirmed(out); !st) {
        // Confirm lost or refused: maybe stored, maybe not; publish the chunk again.
        last_error_ = st.error();
        broker.reset();
        ++reconnects_;
        continue;
      }
      next = end;
      confirmed_ = next;
      std::this_thread::sleep_for(pause_);
    }
  }

  const Events events_;
  const size_t chunk_;
  const milliseconds pause_;
  std::atomic<size_t> confirmed_{0};
  std::atomic<int> reconnects_{0};
  std::atomic<bool> stop_{false};
  std::string last_error_;
  std::thread thread_;
};

// ~200 orders (~700 events) of a fresh UTC/EUR tenant, published over ~4 s.
struct Case {
  std::string tenant;
  History history;

  explicit Case(const std::string& prefix, uint32_t seed, int orders = 200)
      : tenant(UniqueTenant(prefix)) {
    auto conn = ConnectToTestSchema();
    CreateTenant(*conn, tenant, "UTC", "EUR");
    history = GenerateHistory(tenant, orders, seed);
  }
  std::unique_ptr<LoadPublisher> Load(Events events) const {
    return std::make_unique<LoadPublisher>(std::move(events), 20, milliseconds(100));
  }
  std::unique_ptr<LoadPublisher> Load() const { return Load(history.events); }

  // Every event stored exactly once and the days equal to the model.
  void CheckConverged(milliseconds deadline = seconds(60)) const {
    const auto n = static_cast<int64_t>(history.events.size());
    WaitForEvents(tenant, n, deadline);
    CHECK(EventCount(tenant) == n);
    CHECK(static_cast<int64_t>(DistinctEvents(tenant)) == n);
    const auto expected = ExpectedDays(history.orders);
    WaitFor([&] { return ActualDays(tenant) == expected; }, seconds(10));
    CHECK(ActualDays(tenant) == expected);
  }
};

void RequireFinished(LoadPublisher& load, milliseconds deadline) {
  const bool done = load.Finish(deadline);
  REQUIRE_MESSAGE(done, "published " << load.confirmed() << " of " << load.total()
                                     << "; last error: " << load.last_error());
}

void WaitForConfirmed(const LoadPublisher& load, size_t n) {
  REQUIRE_MESSAGE(WaitFor([&] { return load.confirmed() >= n; }, seconds(60)),
                  "the publisher is stuck at " << load.confirmed() << "; " << load.last_error());
}

// The generation the ingestor set in Redis for `tenant` (0 when absent or unreachable).
int64_t RedisGeneration(const std::string& tenant) {
  const char* url = std::getenv("REDIS_URL");
  REQUIRE(url != nullptr);
  const std::string u = url;  // redis://host:port/db
  const size_t host_at = u.find("://") + 3;
  const size_t colon = u.find(':', host_at);
  const size_t slash = u.find('/', colon);
  const std::string host = u.substr(host_at, colon - host_at);
  const int port = std::stoi(u.substr(colon + 1, slash - colon - 1));
  const int db = slash == std::string::npos ? 0 : std::atoi(u.c_str() + slash + 1);
  timeval timeout{1, 0};
  redisContext* c = redisConnectWithTimeout(host.c_str(), port, timeout);
  int64_t value = 0;
  if (c != nullptr && c->err == 0) {
    if (auto* r = static_cast<redisReply*>(redisCommand(c, "SELECT %d", db))) freeReplyObject(r);
    if (auto* r = static_cast<redisReply*>(redisCommand(c, "GET vecton:gen:%s", tenant.c_str()))) {
      if (r->type == REDIS_REPLY_STRING) value = std::atoll(r->str);
      freeReplyObject(r);
    }
  }
  if (c != nullptr) redisFree(c);
  return value;
}

// The transaction id of the latest commit that stored an event of `tenant`.
int64_t LastCommit(const std::string& tenant) {
  return std::stoll(QueryValue("SELECT max(xmin::text::bigint) FROM event_log WHERE tenant_id = '" +
                               tenant + "'"));
}

}  // namespace

TEST_SUITE("faults under load") {
  TEST_CASE("kill -9 of the ingestor mid-batch loses nothing and counts nothing twice") {
    Case c("kill", 101);
    auto ingestor = std::make_unique<IngestorProcess>(std::vector<std::string>{"BATCH_SIZE=50"});
    auto load = c.Load();
    // A crash at a random point of the load...
    WaitForConfirmed(*load, load->total() / 4);
    ingestor->Kill();
    ingestor = std::make_unique<IngestorProcess>(std::vector<std::string>{"BATCH_SIZE=50"});
    // ... and one inside an open batch transaction (held at the tenant lock).
    WaitForConfirmed(*load, load->total() / 2);
    HoldTenant hold(c.tenant);
    REQUIRE(WaitFor([] { return WaitingForLocks() > 0; }, seconds(20)));
    ingestor->Kill();
    hold.Release();
    ingestor = std::make_unique<IngestorProcess>(std::vector<std::string>{"BATCH_SIZE=50"});
    RequireFinished(*load, seconds(60));
    c.CheckConverged();
    CHECK(ingestor->Stop() == 0);
  }

  TEST_CASE("a PostgreSQL restart during load delays ingestion and loses nothing") {
    Case c("pg", 202);
    IngestorProcess ingestor({"BATCH_SIZE=50"});
    auto load = c.Load();
    WaitForConfirmed(*load, load->total() / 3);
    StoppedServer pg("pg");
    // Publishing goes on while the database is down: the ingestor holds its batch.
    const size_t at_stop = load->confirmed();
    WaitForConfirmed(*load, std::min(load->total(), at_stop + 100));
    REQUIRE(pg.Start());
    RequireFinished(*load, seconds(60));
    c.CheckConverged();
    CHECK(ingestor.Stop() == 0);
  }

  TEST_CASE("a RabbitMQ restart during load: publisher and ingestor reconnect, nothing lost") {
    Case c("rabbit", 303);
    IngestorProcess ingestor({"BATCH_SIZE=50"});
    auto load = c.Load();
    WaitForConfirmed(*load, load->total() / 3);
    REQUIRE(Servers("rabbit-restart"));
    RequireFinished(*load, seconds(120));
    CHECK(load->reconnects() > 0);
    c.CheckConverged(seconds(90));
    CHECK(ingestor.Stop() == 0);
  }

  TEST_CASE("with Redis stopped the ingestor keeps ingesting and sets the generation once back") {
    Case c("redis", 404);
    IngestorProcess ingestor({"BATCH_SIZE=50"});
    auto load = c.Load();
    WaitForConfirmed(*load, load->total() / 4);
    StoppedServer redis("redis");
    // Everything published after the stop is ingested while Redis is still down.
    RequireFinished(*load, seconds(60));
    c.CheckConverged();
    CHECK(RedisGeneration(c.tenant) == 0);  // still down
    REQUIRE(redis.Start());
    // Redis came back empty (no persistence): the generation must be set again, at least as
    // new as the last commit, without any new event arriving.
    const int64_t last = LastCommit(c.tenant);
    const bool fresh = WaitFor([&] { return RedisGeneration(c.tenant) >= last; }, seconds(15));
    const int64_t generation = RedisGeneration(c.tenant);
    CHECK_MESSAGE(fresh, "vecton:gen is " << generation << ", last commit " << last);
    CHECK(ingestor.Stop() == 0);
  }

  TEST_CASE("two ingestors consuming at once keep the aggregates exact") {
    Case c("two", 505);
    IngestorProcess first({"BATCH_SIZE=20", "PREFETCH=40"});
    IngestorProcess second({"BATCH_SIZE=20", "PREFETCH=40"});
    auto load = c.Load();
    RequireFinished(*load, seconds(60));
    c.CheckConverged();
    CHECK(first.Stop() == 0);
    CHECK(second.Stop() == 0);
  }

  TEST_CASE("a history published twice, shuffled, then replayed is counted once") {
    Case c("twice", 606);
    Events events = c.history.events;
    events.insert(events.end(), c.history.events.begin(), c.history.events.end());
    std::mt19937 rng(606);
    std::shuffle(events.begin(), events.end(), rng);
    IngestorProcess ingestor({"BATCH_SIZE=37"});
    auto load = c.Load(std::move(events));
    RequireFinished(*load, seconds(60));
    c.CheckConverged();
    std::string output;
    CHECK(RunIngestorCommand({"replay", "--from", "first", "--idle-seconds", "2"}, &output) == 0);
    INFO(output);
    c.CheckConverged(seconds(5));
    CHECK(ingestor.Stop() == 0);
  }

}  // TEST_SUITE

TEST_SUITE("ingestor lifecycle") {
  namespace {

  // `n` customer.created events of `tenant`, published and confirmed before any ingestor runs.
  size_t PublishBacklog(const std::string& tenant, size_t n) {
    Events events;
    events.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      events.emplace_back(
          "customer.created",
          CloudEvent("customer.created", "b" + std::to_string(i), tenant, "2026-11-20T10:00:00Z",
                     R"({"customer_id":"k)" + std::to_string(i) + "\"}"));
    }
    EventPublisher pub;
    pub.Publish(events);
    return n;
  }

  int64_t WorkQueueDepth() {
    EventPublisher probe;
    auto depth = probe.broker().QueueDepth(TestTopology().queue);
    REQUIRE(depth.ok());
    return static_cast<int64_t>(*depth);
  }

  }  // namespace

  TEST_CASE("SIGTERM mid-batch commits the batch, acks it and exits 0; the rest stays queued") {
    const std::string t = UniqueTenant("term");
    auto conn = ConnectToTestSchema();
    CreateTenant(*conn, t, "UTC", "EUR");
    const auto total = static_cast<int64_t>(PublishBacklog(t, 20000));
    HoldTenant hold(t);
    IngestorProcess ingestor({"BATCH_SIZE=1000"});
    REQUIRE(WaitFor([] { return WaitingForLocks() > 0; }, seconds(20)));
    ingestor.Signal(SIGTERM);
    // Draining: the batch in hand is finished, not abandoned.
    CHECK(ingestor.Wait(milliseconds(500)) == -1);
    hold.Release();
    CHECK(ingestor.Wait(seconds(10)) == 0);
    const int64_t stored = EventCount(t);
    CHECK(stored > 0);
    CHECK(stored < total);
    // Nothing lost, nothing both stored and still queued (the batch was acked).
    WaitFor([&] { return EventCount(t) + WorkQueueDepth() == total; }, seconds(5));
    CHECK(EventCount(t) + WorkQueueDepth() == total);
    IngestorProcess again;
    CHECK(WaitFor([&] { return EventCount(t) == total; }, seconds(60)));
    CHECK(again.Stop() == 0);
  }

  TEST_CASE("a second SIGTERM exits at once; the abandoned batch is delivered again") {
    const std::string t = UniqueTenant("term2");
    auto conn = ConnectToTestSchema();
    CreateTenant(*conn, t, "UTC", "EUR");
    const auto total = static_cast<int64_t>(PublishBacklog(t, 3000));
    HoldTenant hold(t);
    IngestorProcess ingestor({"BATCH_SIZE=1000"});
    REQUIRE(WaitFor([] { return WaitingForLocks() > 0; }, seconds(20)));
    ingestor.Signal(SIGTERM);
    CHECK(ingestor.Wait(milliseconds(300)) == -1);
    ingestor.Signal(SIGTERM);
    const auto sent = std::chrono::steady_clock::now();
    const int status = ingestor.Wait(seconds(2));
    CHECK(status != -1);
    CHECK(status != 0);  // not a clean drain: it left at once
    CHECK(std::chrono::steady_clock::now() - sent < seconds(1));
    hold.Release();
    IngestorProcess again;
    CHECK(WaitFor([&] { return EventCount(t) == total; }, seconds(30)));
    CHECK(EventCount(t) == total);
    CHECK(again.Stop() == 0);
  }

  TEST_CASE("SIGHUP reopens LOG_FILE: after the file is moved a new one gets the new lines") {
    namespace fs = std::filesystem;
    const fs::path log =
        fs::temp_directory_path() / ("vecton-hup-" + std::to_string(getpid()) + ".log");
    const fs::path moved = fs::path(log.string() + ".1");
    fs::remove(log);
    fs::remove(moved);
    auto read = [](const fs::path& p) {
      std::ifstream in(p);
      std::stringstream s;
      s << in.rdbuf();
      return s.str();
    };
    const std::string t = UniqueTenant("hup");
    IngestorProcess ingestor({"LOG_FILE=" + log.string(), "LOG_LEVEL=debug"});
    REQUIRE(WaitFor([&] { return read(log).find("consuming") != std::string::npos; }, seconds(10)));
    fs::rename(log, moved);
    ingestor.Signal(SIGHUP);
    REQUIRE(WaitFor([&] { return fs::exists(log); }, seconds(5)));
    EventPublisher pub;
    pub.Publish("customer.created", CloudEvent("customer.created", "h1", t, "2026-11-20T10:00:00Z",
                                               R"({"customer_id":"a"})"));
    CHECK(WaitFor([&] { return read(log).find("batch committed") != std::string::npos; },
                  seconds(10)));
    CHECK(read(moved).find("batch committed") == std::string::npos);
    CHECK(ingestor.Stop() == 0);
    fs::remove(log);
    fs::remove(moved);
  }

}  // TEST_SUITE

}  // namespace vecton::testing
