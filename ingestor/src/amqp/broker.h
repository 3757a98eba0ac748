// The RabbitMQ adapter: the only code that includes rabbitmq-c.
//
// DESIGN
// One Broker is one AMQP connection used by one thread, with three channels: channel 1
// consumes (manual acks, prefetch), channel 2 publishes in confirm mode (dead letters,
// seed, import, requeue), channel 3 declares, looks up and purges. Every broker or socket
// failure comes back as an Error; the caller's loop (the consumer loop in serve, or a
// command) decides to reconnect or give up, so this class never retries by itself. After
// any Error the Broker is unusable: make a new one. (The one exception: DeclareTopology,
// QueueDepth and PurgeQueue errors the broker raised on channel 3 — an inequivalent
// declaration, a missing queue — leave consuming and publishing working.)
//
// Heartbeats (30 s) are serviced inside the Broker's calls: a consumer should call
// NextBatch at least every ~30 s, or the broker drops the connection after 60 s.
//
// Topology (shared/spec/events.md) is declared idempotently by DeclareTopology:
//   vecton.events (topic) -> analytics.events (quorum, x-delivery-limit, DLX analytics.dlx,
//                                              at-least-once dead-lettering, reject-publish)
//                         -> analytics.events.stream (stream, x-max-age)
//   analytics.dlx (fanout) -> analytics.events.dead (quorum)
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vecton/result.h"

namespace vecton::amqp {

struct Topology {
  std::string exchange = "vecton.events";
  std::string queue = "analytics.events";
  std::string dead_letter_exchange = "analytics.dlx";
  std::string dead_letter_queue = "analytics.events.dead";
  std::string stream = "analytics.events.stream";
  int delivery_limit = 5;
  std::string stream_max_age = "30D";
};

// The seven routing keys ("order.created", ...), bound to the work queue and the stream.
const std::vector<std::string>& EventRoutingKeys();

struct Message {
  uint64_t delivery_tag = 0;
  std::string exchange;
  std::string routing_key;
  std::string body;
  std::map<std::string, std::string> headers;  // string-valued headers only
  bool redelivered = false;
  std::optional<int64_t> stream_offset;  // x-stream-offset, when read from a stream
  std::optional<int64_t> timestamp;      // the AMQP timestamp property, seconds
};

struct OutgoingMessage {
  std::string exchange;
  std::string routing_key;
  std::string body;
  std::map<std::string, std::string> headers;
};

class Broker {
 public:
  // url: amqp://user:password@host:port/vhost (vhost "%2f" or empty = "/").
  static Result<std::unique_ptr<Broker>> Connect(const std::string& url);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  Status DeclareTopology(const Topology& topology);

  // Starts a consumer on `queue` with basic.qos(prefetch). For a stream, pass where to start
  // in stream_offset: "first", "last", "next", an offset ("12345"), or a time, either RFC 3339
  // with an offset ("2026-11-25T09:00:00Z") or Unix seconds ("unix:1764061200"). Messages
  // from a stream carry Message::stream_offset. An unreadable offset is an Error naming it.
  Status Consume(const std::string& queue, uint16_t prefetch,
                 const std::optional<std::string>& stream_offset = std::nullopt);

  // Waits up to `wait` for one delivery, then takes those already buffered or arriving
  // within `linger`, up to `max` in all. An empty vector means nothing came in `wait`.
  Result<std::vector<Message>> NextBatch(size_t max, std::chrono::milliseconds wait,
                                         std::chrono::milliseconds linger);

  // Reads what the broker sends for `wait` (deliveries are kept for NextBatch) and keeps the
  // connection's heartbeats going: for a consumer that must wait for something else, longer
  // than the heartbeat interval perhaps, without taking messages.
  Status Poll(std::chrono::milliseconds wait);

  Status Ack(uint64_t delivery_tag, bool multiple);
  Status Reject(uint64_t delivery_tag, bool requeue);

  // Publishes persistent messages (content_type application/json, the timestamp property set
  // to now, headers as string fields) on the confirm channel, in chunks of 1000, and waits
  // until the broker has confirmed all of them (or nacked one: an Error, e.g. a full queue
  // with x-overflow=reject-publish). An unroutable message is confirmed and dropped.
  // Deliveries for the consumer that arrive meanwhile are kept for NextBatch.
  Status PublishConfirmed(const std::vector<OutgoingMessage>& messages);

  // basic.get on the consumer channel (no consumer needed, manual ack): for dead-letter
  // inspection. The caller must Ack or Reject(requeue=true) the message's delivery_tag.
  Result<std::optional<Message>> Get(const std::string& queue);

  // Number of messages ready in `queue` (passive declare).
  Result<uint64_t> QueueDepth(const std::string& queue);
  Status PurgeQueue(const std::string& queue);

 private:
  Broker();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vecton::amqp
