#include "service.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "amqp/broker.h"
#include "cache/generation.h"
#include "fold_worker.h"
#include "settings.h"
#include "storage/database.h"
#include "storage/ingest.h"
#include "vecton/log.h"

namespace vecton::ingestor {
namespace {

std::atomic<int> g_stop_signals{0};
std::atomic<bool> g_reopen_log{false};

void OnStop(int) {
  if (g_stop_signals.fetch_add(1) >= 1) _exit(1);  // the second signal: at once
}
void OnHangup(int) { g_reopen_log = true; }

void InstallSignals() {
  struct sigaction stop {};
  stop.sa_handler = OnStop;
  sigaction(SIGTERM, &stop, nullptr);
  sigaction(SIGINT, &stop, nullptr);
  struct sigaction hup {};
  hup.sa_handler = OnHangup;
  sigaction(SIGHUP, &hup, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool Stopping() { return g_stop_signals.load() > 0; }

// Sleeps up to `d`, waking early when a stop was requested.
void Pause(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!Stopping() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

class Consumer {
 public:
  explicit Consumer(const Config& config)
      : config_(config),
        topology_(TopologyFrom(config)),
        ingest_(IngestSettingsFrom(config)),
        generations_(config.Get("redis_url")) {}

  int Run() {
    // At start an unreachable database or broker is reported, not waited out: one line on
    // stderr and exit 1 (systemd's Restart=on-failure tries again). Once running, the loop
    // reconnects by itself.
    if (!EnsureDatabase() || !EnsureBroker()) {
      std::string line = last_error_;
      std::replace_if(
          line.begin(), line.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
      std::fprintf(stderr, "analytics-ingestor: cannot start: %s\n", line.c_str());
      return 1;
    }
    folder_ = std::make_unique<FoldWorker>(config_);
    bool ready_sent = false;
    while (!Stopping()) {
      if (g_reopen_log.exchange(false)) ReopenLog();
      if (!EnsureDatabase() || !EnsureBroker()) {
        Pause(backoff_);
        backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
        continue;
      }
      backoff_ = std::chrono::milliseconds(200);
      if (!ready_sent && generations_.Ping()) {
        sd_notify(0, "READY=1");
        Log(LogLevel::kInfo, "ingestor ready", {{"queue", topology_.queue}});
        ready_sent = true;
      }
      const auto receive_start = std::chrono::steady_clock::now();
      auto batch = broker_->NextBatch(static_cast<size_t>(config_.GetInt("batch_size")),
                                      std::chrono::milliseconds(500),
                                      std::chrono::milliseconds(config_.GetInt("batch_linger_ms")));
      if (!batch) {
        DropBroker(batch.error());
        continue;
      }
      if (batch->empty()) {
        generations_.Flush();
        continue;
      }
      receive_time_ = std::chrono::steady_clock::now() - receive_start;
      Process(*batch);
    }
    sd_notify(0, "STOPPING=1");
    folder_->Stop();
    Log(LogLevel::kInfo, "ingestor stopped");
    return 0;
  }

 private:
  bool EnsureDatabase() {
    if (db_ && db_->is_open()) return true;
    try {
      db_ = storage::Connect(config_.Get("database_url"), config_.Get("db_schema"));
      Log(LogLevel::kInfo, "connected to postgresql",
          {{"url", CutPassword(config_.Get("database_url"))}});
      return true;
    } catch (const std::exception& e) {
      last_error_ = "PostgreSQL at " + CutPassword(config_.Get("database_url")) + ": " + e.what();
      Log(LogLevel::kWarn, "postgresql unreachable", {{"error", e.what()}});
      db_.reset();
      return false;
    }
  }

  bool EnsureBroker() {
    if (broker_) return true;
    auto broker = amqp::Broker::Connect(config_.Get("amqp_url"));
    Status st = broker ? (*broker)->DeclareTopology(topology_) : Status(Error(broker.error()));
    if (st) {
      st = (*broker)->Consume(topology_.queue, static_cast<uint16_t>(config_.GetInt("prefetch")));
    }
    if (!st) {
      last_error_ = "RabbitMQ: " + st.error();
      Log(LogLevel::kWarn, "rabbitmq unreachable", {{"error", st.error()}});
      return false;
    }
    broker_ = std::move(*broker);
    Log(LogLevel::kInfo, "consuming",
        {{"queue", topology_.queue}, {"url", CutPassword(config_.Get("amqp_url"))}});
    return true;
  }

  void DropBroker(const std::string& why) {
    Log(LogLevel::kWarn, "rabbitmq connection lost; the unacknowledged batch will be redelivered",
        {{"error", why}});
    broker_.reset();
  }

  // Ingests the batch, retrying while the database is away; returns the rejections, or
  // nullopt when a stop was requested before the batch could be stored.
  std::optional<storage::BatchResult> IngestWithRetry(const std::vector<std::string_view>& bodies) {
    while (true) {
      try {
        return storage::IngestBatch(*db_, bodies, ingest_);
      } catch (const std::exception& e) {
        if (!storage::IsTransient(e)) throw;
        Log(LogLevel::kWarn, "batch not stored; retrying", {{"error", e.what()}});
        db_.reset();
        while (!EnsureDatabase()) {
          if (Stopping()) return std::nullopt;
          Pause(backoff_);
          backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
        }
      }
    }
  }

  // The database refused the batch for its data: find the message(s) responsible.
  std::optional<storage::BatchResult> IngestOneByOne(const std::vector<std::string_view>& bodies) {
    storage::BatchResult total;
    for (size_t i = 0; i < bodies.size(); ++i) {
      std::optional<storage::BatchResult> one;
      try {
        one = IngestWithRetry({bodies[i]});
      } catch (const std::exception& e) {
        total.rejected.push_back({i, std::string("the database refused the event: ") + e.what()});
        continue;
      }
      if (!one) return std::nullopt;
      for (auto& r : one->rejected) total.rejected.push_back({i, r.reason});
      total.touched_tenants.insert(one->touched_tenants.begin(), one->touched_tenants.end());
      total.registered_tenants.insert(total.registered_tenants.end(),
                                      one->registered_tenants.begin(),
                                      one->registered_tenants.end());
      total.generation = std::max(total.generation, one->generation);
      total.ingested += one->ingested;
      total.duplicates += one->duplicates;
    }
    return total;
  }

  void Process(const std::vector<amqp::Message>& batch) {
    std::vector<std::string_view> bodies;
    bodies.reserve(batch.size());
    for (const amqp::Message& m : batch) bodies.push_back(m.body);

    const auto store_start = std::chrono::steady_clock::now();
    std::optional<storage::BatchResult> result;
    try {
      result = IngestWithRetry(bodies);
    } catch (const std::exception& e) {
      Log(LogLevel::kWarn, "batch refused by the database; isolating the event",
          {{"error", e.what()}, {"messages", std::to_string(batch.size())}});
      result = IngestOneByOne(bodies);
    }
    if (!result) return;  // stopping: the broker redelivers the batch
    const auto store_time = std::chrono::steady_clock::now() - store_start;

    for (const std::string& t : result->registered_tenants) {
      Log(LogLevel::kWarn, "unknown tenant registered with the default settings",
          {{"tenant", t},
           {"timezone", config_.Get("default_timezone")},
           {"currency", config_.Get("default_currency")}});
    }
    std::vector<amqp::OutgoingMessage> dead;
    for (const storage::Rejection& r : result->rejected) {
      const amqp::Message& m = batch[r.index];
      Log(LogLevel::kWarn, "event dead-lettered",
          {{"routing_key", m.routing_key}, {"reason", r.reason}});
      amqp::OutgoingMessage out{topology_.dead_letter_exchange, m.routing_key, m.body, m.headers};
      out.headers["x-analytics-error"] = r.reason;
      out.headers["x-original-routing-key"] = m.routing_key;
      dead.push_back(std::move(out));
    }
    if (!dead.empty()) {
      if (Status st = broker_->PublishConfirmed(dead); !st) return DropBroker(st.error());
    }
    if (!result->touched_tenants.empty()) {
      generations_.Bump(result->touched_tenants, result->generation);
      folder_->Notify();
    }
    if (Status st = broker_->Ack(batch.back().delivery_tag, /*multiple=*/true); !st) {
      return DropBroker(st.error());
    }
    Log(LogLevel::kDebug, "batch committed",
        {{"messages", std::to_string(batch.size())},
         {"ingested", std::to_string(result->ingested)},
         {"duplicates", std::to_string(result->duplicates)},
         {"dead_lettered", std::to_string(result->rejected.size())},
         {"receive_ms", std::to_string(Millis(receive_time_))},
         {"store_ms", std::to_string(Millis(store_time))}});
  }

  static int64_t Millis(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  }

  const Config& config_;
  amqp::Topology topology_;
  storage::IngestSettings ingest_;
  cache::GenerationPublisher generations_;
  std::unique_ptr<pqxx::connection> db_;
  std::unique_ptr<amqp::Broker> broker_;
  std::unique_ptr<FoldWorker> folder_;  // from the first successful connection on
  std::chrono::milliseconds backoff_{200};
  std::chrono::steady_clock::duration receive_time_{};  // of the batch being processed
  std::string last_error_;                              // why the last connection attempt failed
};

}  // namespace

int Serve(const Config& config) {
  InstallSignals();
  Log(LogLevel::kInfo, "ingestor starting");
  return Consumer(config).Run();
}

}  // namespace vecton::ingestor
