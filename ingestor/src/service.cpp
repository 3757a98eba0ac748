#include "service.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

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

std::chrono::milliseconds NextBackoff(std::chrono::milliseconds backoff) {
  return std::min(backoff * 2, std::chrono::milliseconds(5000));
}

int64_t Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// One batch from its delivery to its acknowledgement.
struct Batch {
  std::vector<amqp::Message> messages;
  std::chrono::steady_clock::duration receive_time{};
  // Set by the worker that stores it: the result, or nullopt when a stop was requested before
  // the batch could be stored.
  std::optional<storage::BatchResult> result;
  std::chrono::steady_clock::duration store_time{};
  bool done = false;  // guarded by the pool's mutex
};

// Database connections on threads of their own, each storing one batch at a time, so that
// one batch's transaction runs while the ingestor decodes the next and PostgreSQL works on
// both. Concurrent batches are safe for the same reasons as two ingestors are (ingest.h).
class WorkerPool {
 public:
  WorkerPool(const Config& config, const storage::IngestSettings& settings, FoldWorker& folder)
      : config_(config), settings_(settings), folder_(folder) {
    const auto n = static_cast<size_t>(config.GetInt("ingest_connections"));
    for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    work_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return threads_.size(); }

  void Submit(std::shared_ptr<Batch> batch) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(batch));
    }
    work_.notify_one();
  }

  // Whether `batch` is stored, after waiting up to `wait` for it.
  bool Done(const Batch& batch, std::chrono::milliseconds wait = {}) {
    std::unique_lock lock(mutex_);
    return finished_.wait_for(lock, wait, [&] { return batch.done; });
  }

 private:
  void Run() {
    std::unique_ptr<pqxx::connection> db;
    while (true) {
      std::shared_ptr<Batch> batch;
      {
        std::unique_lock lock(mutex_);
        work_.wait(lock, [this] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing, and every batch taken
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      Store(db, *batch);
      if (batch->result && !batch->result->touched_tenants.empty()) folder_.Notify();
      {
        std::lock_guard lock(mutex_);
        batch->done = true;
      }
      finished_.notify_all();
    }
  }

  void Store(std::unique_ptr<pqxx::connection>& db, Batch& batch) {
    std::vector<std::string_view> bodies;
    bodies.reserve(batch.messages.size());
    for (const amqp::Message& m : batch.messages) bodies.push_back(m.body);
    const auto start = std::chrono::steady_clock::now();
    try {
      batch.result = IngestWithRetry(db, bodies);
    } catch (const std::exception& e) {
      Log(LogLevel::kWarn, "batch refused by the database; isolating the event",
          {{"error", e.what()}, {"messages", std::to_string(bodies.size())}});
      batch.result = IngestOneByOne(db, bodies);
    }
    batch.store_time = std::chrono::steady_clock::now() - start;
  }

  // Ingests the batch, retrying while the database is away; nullopt when a stop was
  // requested before the batch could be stored.
  std::optional<storage::BatchResult> IngestWithRetry(std::unique_ptr<pqxx::connection>& db,
                                                      const std::vector<std::string_view>& bodies) {
    std::chrono::milliseconds backoff{200};
    while (true) {
      try {
        if (!db || !db->is_open()) {
          db = storage::Connect(config_.Get("database_url"), config_.Get("db_schema"));
        }
        return storage::IngestBatch(*db, bodies, settings_);
      } catch (const std::exception& e) {
        if (db && db->is_open() && !storage::IsTransient(e)) throw;
        Log(LogLevel::kWarn, "batch not stored; retrying", {{"error", e.what()}});
        db.reset();
        if (Stopping()) return std::nullopt;
        Pause(backoff);
        backoff = NextBackoff(backoff);
      }
    }
  }

  // The database refused the batch for its data: find the message(s) responsible.
  std::optional<storage::BatchResult> IngestOneByOne(std::unique_ptr<pqxx::connection>& db,
                                                     const std::vector<std::string_view>& bodies) {
    storage::BatchResult total;
    for (size_t i = 0; i < bodies.size(); ++i) {
      std::optional<storage::BatchResult> one;
      try {
        one = IngestWithRetry(db, {bodies[i]});
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

  const Config& config_;
  const storage::IngestSettings& settings_;
  FoldWorker& folder_;
  std::mutex mutex_;
  std::condition_variable work_, finished_;
  std::deque<std::shared_ptr<Batch>> queue_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

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
    if (!CheckDatabase() || !EnsureBroker()) {
      std::string line = last_error_;
      std::replace_if(
          line.begin(), line.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
      std::fprintf(stderr, "analytics-ingestor: cannot start: %s\n", line.c_str());
      return 1;
    }
    FoldWorker folder(config_);
    WorkerPool workers(config_, ingest_, folder);
    bool ready_sent = false;
    while (!Stopping()) {
      if (g_reopen_log.exchange(false)) ReopenLog();
      BumpOrphans(workers);
      if (!EnsureBroker()) {
        Pause(backoff_);
        backoff_ = NextBackoff(backoff_);
        continue;
      }
      backoff_ = std::chrono::milliseconds(200);
      if (!ready_sent && generations_.Ping()) {
        sd_notify(0, "READY=1");
        Log(LogLevel::kInfo, "ingestor ready", {{"queue", topology_.queue}});
        ready_sent = true;
      }
      if (!AcknowledgeStored(workers)) continue;
      if (in_flight_.size() >= workers.size()) {
        // Every worker busy: wait, answering the broker's heartbeats meanwhile (a database
        // stall may last minutes; a silent connection would be closed by the broker).
        if (Status st = broker_->Poll(std::chrono::milliseconds(20)); !st) DropBroker(st.error());
        continue;
      }
      const auto receive_start = std::chrono::steady_clock::now();
      // While batches are in flight, come back soon to acknowledge them.
      auto messages =
          broker_->NextBatch(static_cast<size_t>(config_.GetInt("batch_size")),
                             std::chrono::milliseconds(in_flight_.empty() ? 500 : 10),
                             std::chrono::milliseconds(config_.GetInt("batch_linger_ms")));
      if (!messages) {
        DropBroker(messages.error());
        continue;
      }
      if (messages->empty()) {
        if (in_flight_.empty()) generations_.Flush();
        continue;
      }
      auto batch = std::make_shared<Batch>();
      batch->messages = std::move(*messages);
      batch->receive_time = std::chrono::steady_clock::now() - receive_start;
      in_flight_.push_back(batch);
      workers.Submit(std::move(batch));
    }
    // Stopping: the batches in flight are finished and acknowledged.
    while (broker_ && !in_flight_.empty()) {
      if (!AcknowledgeStored(workers) || in_flight_.empty()) break;
      if (Status st = broker_->Poll(std::chrono::milliseconds(20)); !st) DropBroker(st.error());
    }
    for (const auto& batch : orphans_) workers.Done(*batch, std::chrono::hours(1));
    BumpOrphans(workers);
    sd_notify(0, "STOPPING=1");
    return 0;  // ~WorkerPool, then ~FoldWorker (its last fold)
  }

 private:
  bool CheckDatabase() {
    try {
      storage::Connect(config_.Get("database_url"), config_.Get("db_schema"));
      return true;
    } catch (const std::exception& e) {
      last_error_ = "PostgreSQL at " + CutPassword(config_.Get("database_url")) + ": " + e.what();
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

  // The unacknowledged batches are delivered again (their copies change nothing); those
  // still being stored finish on their own, as orphans.
  void DropBroker(const std::string& why) {
    Log(LogLevel::kWarn, "rabbitmq connection lost; unacknowledged batches will be redelivered",
        {{"error", why}});
    broker_.reset();
    orphans_.insert(orphans_.end(), in_flight_.begin(), in_flight_.end());
    in_flight_.clear();
  }

  // An orphan that was stored changed its tenants' numbers although it is never acknowledged
  // (its redelivered copies are duplicates and change nothing): its generations are bumped.
  void BumpOrphans(WorkerPool& workers) {
    std::erase_if(orphans_, [&](const std::shared_ptr<Batch>& batch) {
      if (!workers.Done(*batch)) return false;
      if (batch->result && !batch->result->touched_tenants.empty()) {
        generations_.Bump(batch->result->touched_tenants, batch->result->generation);
      }
      return true;
    });
  }

  // Completes the stored batches at the front of the queue, in delivery order (a multiple
  // ack covers every earlier delivery). False when the broker connection was lost meanwhile.
  bool AcknowledgeStored(WorkerPool& workers) {
    while (!in_flight_.empty() && workers.Done(*in_flight_.front())) {
      std::shared_ptr<Batch> batch = std::move(in_flight_.front());
      in_flight_.pop_front();
      if (!Complete(*batch)) return false;
    }
    return true;
  }

  // Dead-letters what the batch rejected, bumps the cache generations and acknowledges it.
  bool Complete(const Batch& batch) {
    if (!batch.result) {
      // Not stored (stopping): acknowledging a later batch would cover this one too.
      DropBroker("stopping with a batch not stored");
      return false;
    }
    const storage::BatchResult& result = *batch.result;
    for (const std::string& t : result.registered_tenants) {
      Log(LogLevel::kWarn, "unknown tenant registered with the default settings",
          {{"tenant", t},
           {"timezone", config_.Get("default_timezone")},
           {"currency", config_.Get("default_currency")}});
    }
    std::vector<amqp::OutgoingMessage> dead;
    for (const storage::Rejection& r : result.rejected) {
      const amqp::Message& m = batch.messages[r.index];
      Log(LogLevel::kWarn, "event dead-lettered",
          {{"routing_key", m.routing_key}, {"reason", r.reason}});
      amqp::OutgoingMessage out{topology_.dead_letter_exchange, m.routing_key, m.body, m.headers};
      out.headers["x-analytics-error"] = r.reason;
      out.headers["x-original-routing-key"] = m.routing_key;
      dead.push_back(std::move(out));
    }
    if (!dead.empty()) {
      if (Status st = broker_->PublishConfirmed(dead); !st) {
        DropBroker(st.error());
        return false;
      }
    }
    if (!result.touched_tenants.empty()) {
      generations_.Bump(result.touched_tenants, result.generation);
    }
    if (Status st = broker_->Ack(batch.messages.back().delivery_tag, /*multiple=*/true); !st) {
      DropBroker(st.error());
      return false;
    }
    Log(LogLevel::kDebug, "batch committed",
        {{"messages", std::to_string(batch.messages.size())},
         {"ingested", std::to_string(result.ingested)},
         {"duplicates", std::to_string(result.duplicates)},
         {"dead_lettered", std::to_string(result.rejected.size())},
         {"receive_ms", std::to_string(Millis(batch.receive_time))},
         {"store_ms", std::to_string(Millis(batch.store_time))}});
    return true;
  }

  const Config& config_;
  amqp::Topology topology_;
  storage::IngestSettings ingest_;
  cache::GenerationPublisher generations_;
  std::unique_ptr<amqp::Broker> broker_;
  std::deque<std::shared_ptr<Batch>> in_flight_;  // delivery order
  std::vector<std::shared_ptr<Batch>> orphans_;   // in flight when the broker was lost
  std::chrono::milliseconds backoff_{200};
  std::string last_error_;  // why the start failed
};

}  // namespace

int Serve(const Config& config) {
  InstallSignals();
  Log(LogLevel::kInfo, "ingestor starting");
  const int code = Consumer(config).Run();
  if (code == 0) Log(LogLevel::kInfo, "ingestor stopped");
  return code;
}

}  // namespace vecton::ingestor
