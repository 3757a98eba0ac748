// Helpers for tests that drive the real analytics-ingestor binary through a real RabbitMQ.
//
// DESIGN
// Each test process gets its own exchange, queues and stream (names carry the pid), so the
// ingestor it starts consumes only what this process publishes; the ingestor writes into the
// process's migrated schema (harness.h). Tests publish CloudEvents with EventPublisher, then
// wait for a condition on the database with a deadline (never a fixed sleep).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "amqp/broker.h"

namespace vecton::testing {

// AMQP_URL; fails the current test with a hint when it is unset.
std::string AmqpUrl();

// This process's topology: vecton.test.<pid>.events and friends.
const amqp::Topology& TestTopology();

// The environment a child analytics-ingestor needs (DATABASE_URL, DB_SCHEMA, AMQP_URL,
// REDIS_URL, the topology names, a small batch linger) plus `extra` ("KEY=value").
std::vector<std::string> IngestorEnvironment(const std::vector<std::string>& extra = {});

// Runs `analytics-ingestor ARGS` to completion with IngestorEnvironment(extra_env); returns
// its exit code and fills `output` with stdout+stderr.
int RunIngestorCommand(const std::vector<std::string>& args, std::string* output = nullptr,
                       const std::vector<std::string>& extra_env = {});

// The daemon as a child process; stopped (SIGTERM, then SIGKILL) on destruction.
class IngestorProcess {
 public:
  explicit IngestorProcess(const std::vector<std::string>& extra_env = {});
  ~IngestorProcess();
  IngestorProcess(const IngestorProcess&) = delete;
  IngestorProcess& operator=(const IngestorProcess&) = delete;

  pid_t pid() const { return pid_; }
  // SIGTERM and wait up to `deadline`; returns the exit status, or -1 on timeout.
  int Stop(std::chrono::milliseconds deadline = std::chrono::seconds(15));
  void Kill();  // SIGKILL, as a crash would
  void Signal(int signal);
  // Waits up to `deadline` for the process to exit by itself; returns the exit status (as
  // Stop does), or -1 on timeout (the process is still running).
  int Wait(std::chrono::milliseconds deadline);

 private:
  pid_t pid_ = -1;
};

class EventPublisher {
 public:
  EventPublisher();
  // Publishes each body with its routing key (the event type) and waits for confirms.
  void Publish(const std::vector<std::pair<std::string, std::string>>& events);
  void Publish(const std::string& routing_key, const std::string& body) {
    Publish({{routing_key, body}});
  }
  amqp::Broker& broker() { return *broker_; }

 private:
  std::unique_ptr<amqp::Broker> broker_;
};

// Polls `condition` every 20 ms until it holds or `deadline` passes; returns the last result.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds deadline = std::chrono::seconds(30));

// Events of `tenant` stored in event_log.
int64_t EventCount(const std::string& tenant);

// Staged aggregate deltas not yet folded into the aggregates (all tenants).
int64_t PendingDeltas();

// Waits until at least `n` events of `tenant` are stored and nothing is left to fold, so
// the aggregates include them; fails the test with the counts reached otherwise.
void WaitForEvents(const std::string& tenant, int64_t n,
                   std::chrono::milliseconds deadline = std::chrono::seconds(30));

// Runs a query and returns its single value as text ("" for NULL or no row).
std::string QueryValue(const std::string& sql);

// A CloudEvent envelope around `data` (a JSON object text).
std::string CloudEvent(const std::string& type, const std::string& id, const std::string& tenant,
                       const std::string& time, const std::string& data,
                       const std::string& source = "webshop");

}  // namespace vecton::testing
