// Publishing produced events in confirmed chunks, with progress: shared by seed and import.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "amqp/broker.h"
#include "producers/event_text.h"
#include "vecton/result.h"

namespace vecton::producers {

// Collects events and publishes them `chunk` at a time with Broker::PublishConfirmed to the
// topology's exchange, routing key = event type. With a null broker (a dry run) it only counts.
class ChunkPublisher {
 public:
  ChunkPublisher(amqp::Broker* broker, amqp::Topology topology, size_t chunk);

  // Declares the topology (idempotent), so that events published before the ingestor ever
  // ran are queued and not dropped as unroutable.
  Status Start();
  // Takes the events (the vector is left in an unspecified state).
  Status Add(std::vector<ProducedEvent>& events);
  Status Flush();

  // Events confirmed by the broker (or built, in a dry run).
  int64_t published() const { return published_; }

 private:
  amqp::Broker* broker_;
  amqp::Topology topology_;
  size_t chunk_;
  std::vector<amqp::OutgoingMessage> pending_;
  int64_t published_ = 0;
};

// Prints "<name>: <what> (<rate>/s)" about every 5 seconds.
class ProgressMeter {
 public:
  ProgressMeter(std::ostream& out, std::string name);
  // `count` is the number the rate is computed from; `what` is called only when printing.
  void Tick(const std::function<std::string()>& what, int64_t count);
  double elapsed_seconds() const;

 private:
  std::ostream& out_;
  std::string name_;
  std::chrono::steady_clock::time_point start_, last_;
  int64_t last_count_ = 0;
};

}  // namespace vecton::producers
