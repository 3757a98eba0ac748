#include "producers/publisher.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <ostream>

namespace vecton::producers {

ChunkPublisher::ChunkPublisher(amqp::Broker* broker, amqp::Topology topology, size_t chunk)
    : broker_(broker), topology_(std::move(topology)), chunk_(chunk == 0 ? 1 : chunk) {}

Status ChunkPublisher::Start() {
  if (broker_ == nullptr) return OkStatus();
  if (Status s = broker_->DeclareTopology(topology_); !s) {
    return Error("declaring the RabbitMQ topology failed: " + s.error());
  }
  return OkStatus();
}

Status ChunkPublisher::Add(std::vector<ProducedEvent>& events) {
  for (ProducedEvent& event : events) {
    if (broker_ == nullptr) {
      ++published_;
      continue;
    }
    pending_.push_back(amqp::OutgoingMessage{
        topology_.exchange, std::move(event.routing_key), std::move(event.body), {}});
    if (pending_.size() >= chunk_) {
      if (Status s = Flush(); !s) return s;
    }
  }
  return OkStatus();
}

Status ChunkPublisher::Flush() {
  if (pending_.empty()) return OkStatus();
  if (Status s = broker_->PublishConfirmed(pending_); !s) {
    return Error(fmt::format("publishing to {} failed after {} confirmed events: {}",
                             topology_.exchange, published_, s.error()));
  }
  published_ += static_cast<int64_t>(pending_.size());
  pending_.clear();
  return OkStatus();
}

ProgressMeter::ProgressMeter(std::ostream& out, std::string name)
    : out_(out), name_(std::move(name)), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressMeter::Tick(const std::function<std::string()>& what, int64_t count) {
  constexpr auto kInterval = std::chrono::seconds(5);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < kInterval) return;
  const double seconds = std::chrono::duration<double>(now - last_).count();
  const double rate = static_cast<double>(count - last_count_) / seconds;
  fmt::print(out_, "{}: {} ({:.0f}/s)\n", name_, what(), rate);
  out_.flush();
  last_ = now;
  last_count_ = count;
}

double ProgressMeter::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace vecton::producers
