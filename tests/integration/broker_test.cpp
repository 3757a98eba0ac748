// The RabbitMQ adapter against a real broker (AMQP_URL). Every test declares its own
// topology with unique names, so tests neither see nor disturb each other's messages.
#include "amqp/broker.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <set>
#include <string>

namespace vecton::amqp {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string AmqpUrl() {
  const char* url = std::getenv("AMQP_URL");
  REQUIRE_MESSAGE(url != nullptr,
                  "AMQP_URL is not set: run the integration tests through scripts/test.sh, or "
                  "export AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ for a broker of your own");
  return url;
}

std::unique_ptr<Broker> ConnectOrFail() {
  auto broker = Broker::Connect(AmqpUrl());
  REQUIRE_MESSAGE(broker.ok(), (broker.ok() ? "" : broker.error()));
  return std::move(*broker);
}

Topology UniqueTopology() {
  static std::atomic<int> counter{0};
  const std::string prefix =
      "test." + std::to_string(getpid()) + "." +
      std::to_string(Clock::now().time_since_epoch().count() % 1'000'000'000) + "." +
      std::to_string(counter++);
  Topology topology;
  topology.exchange = prefix + ".events";
  topology.queue = prefix + ".work";
  topology.dead_letter_exchange = prefix + ".dlx";
  topology.dead_letter_queue = prefix + ".dead";
  topology.stream = prefix + ".stream";
  topology.stream_max_age = "1h";
  return topology;
}

#define REQUIRE_OK(expr)                                                  \
  do {                                                                    \
    auto result_ = (expr);                                                \
    REQUIRE_MESSAGE(result_.ok(), (result_.ok() ? "" : result_.error())); \
  } while (false)

std::vector<OutgoingMessage> NumberedEvents(const Topology& topology, int count,
                                            const std::string& routing_key) {
  std::vector<OutgoingMessage> messages;
  messages.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    messages.push_back({topology.exchange,
                        routing_key,
                        R"({"id":")" + std::to_string(i) + R"("})",
                        {{"x-seq", std::to_string(i)}}});
  }
  return messages;
}

// Consumes (and acks) until `count` messages came or the deadline passed.
std::vector<Message> Drain(Broker& broker, size_t count,
                           std::chrono::seconds limit = std::chrono::seconds(30)) {
  std::vector<Message> all;
  const auto deadline = Clock::now() + limit;
  while (all.size() < count && Clock::now() < deadline) {
    auto batch = broker.NextBatch(256, milliseconds(200), milliseconds(5));
    REQUIRE_MESSAGE(batch.ok(), (batch.ok() ? "" : batch.error()));
    if (batch->empty()) continue;
    REQUIRE_OK(broker.Ack(batch->back().delivery_tag, true));
    for (Message& m : *batch) all.push_back(std::move(m));
  }
  return all;
}

std::optional<Message> GetWithin(Broker& broker, const std::string& queue,
                                 std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    auto got = broker.Get(queue);
    REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error()));
    if (*got) return std::move(*got);
    // Dead-lettering is asynchronous: poll, bounded by the deadline.
    usleep(20'000);
  }
  return std::nullopt;
}

// Replaces the password in amqp://user:password@host... by `password`.
std::string WithPassword(const std::string& url, const std::string& password) {
  const size_t scheme = url.find("://");
  const size_t at = url.find('@');
  REQUIRE((scheme != std::string::npos && at != std::string::npos));
  const size_t colon = url.find(':', scheme + 3);
  REQUIRE((colon != std::string::npos && colon < at));
  return url.substr(0, colon + 1) + password + url.substr(at);
}

TEST_CASE("the routing keys are the seven event types") {
  CHECK(EventRoutingKeys() == std::vector<std::string>{"order.created", "order.status_changed",
                                                       "product.stock_changed", "stock.received",
                                                       "customer.created", "campaign.sent",
                                                       "email.opened"});
}

TEST_CASE(
    "declaring the topology twice succeeds; an inequivalent one is refused with the broker's "
    "reason") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
  REQUIRE_OK(broker->DeclareTopology(topology));
  auto depth = broker->QueueDepth(topology.queue);
  REQUIRE_OK(depth);
  CHECK(*depth == 0);

  Topology changed = topology;
  changed.delivery_limit = 7;
  Status refused = broker->DeclareTopology(changed);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("PRECONDITION_FAILED") != std::string::npos);
  CHECK(refused.error().find("x-delivery-limit") != std::string::npos);

  // Only the declaring channel was closed: the connection still publishes and consumes.
  REQUIRE_OK(broker->PublishConfirmed(NumberedEvents(topology, 1, "order.created")));
  REQUIRE_OK(broker->Consume(topology.queue, 10));
  CHECK(Drain(*broker, 1).size() == 1);
}

TEST_CASE("1000 order.created events reach both the work queue and the stream") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
  REQUIRE_OK(broker->PublishConfirmed(NumberedEvents(topology, 1000, "order.created")));

  // Confirmed means enqueued: all 1000 wait in the work queue.
  auto depth = broker->QueueDepth(topology.queue);
  REQUIRE_OK(depth);
  CHECK(*depth == 1000);

  REQUIRE_OK(broker->Consume(topology.queue, 200));
  std::vector<Message> work = Drain(*broker, 1000);
  REQUIRE(work.size() == 1000);
  std::set<std::string> work_bodies;
  for (const Message& m : work) {
    work_bodies.insert(m.body);
    CHECK(m.routing_key == "order.created");
    CHECK(m.exchange == topology.exchange);
    CHECK_FALSE(m.stream_offset.has_value());
  }
  CHECK(work_bodies.size() == 1000);
  CHECK(work_bodies.count(R"({"id":"0"})") == 1);
  CHECK(work_bodies.count(R"({"id":"999"})") == 1);

  // A second connection replays the stream from its first offset.
  auto replay = ConnectOrFail();
  REQUIRE_OK(replay->Consume(topology.stream, 100, std::string("first")));
  std::vector<Message> logged = Drain(*replay, 1000);
  REQUIRE(logged.size() == 1000);
  std::set<std::string> logged_bodies;
  int64_t previous = -1;
  for (const Message& m : logged) {
    logged_bodies.insert(m.body);
    REQUIRE(m.stream_offset.has_value());
    CHECK(*m.stream_offset > previous);  // offsets grow along the log
    previous = *m.stream_offset;
  }
  CHECK(logged_bodies == work_bodies);
  CHECK(*logged.front().stream_offset == 0);  // a fresh stream starts at offset 0

  auto after = broker->QueueDepth(topology.queue);
  REQUIRE_OK(after);
  CHECK(*after == 0);
}

TEST_CASE("a stream read from an offset or a timestamp starts there") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
  REQUIRE_OK(broker->PublishConfirmed(NumberedEvents(topology, 10, "stock.received")));

  SUBCASE("an offset") {
    REQUIRE_OK(broker->Consume(topology.stream, 20, std::string("7")));
    std::vector<Message> got = Drain(*broker, 3, std::chrono::seconds(10));
    REQUIRE(got.size() == 3);
    CHECK(*got[0].stream_offset == 7);
    CHECK(got[0].headers.at("x-seq") == "7");
    CHECK(got[2].headers.at("x-seq") == "9");
  }
  SUBCASE("a time before the stream existed gives everything") {
    REQUIRE_OK(broker->Consume(topology.stream, 20, std::string("2001-02-03T04:05:06+01:00")));
    CHECK(Drain(*broker, 10, std::chrono::seconds(10)).size() == 10);
  }
  SUBCASE("unix seconds before the stream existed gives everything") {
    REQUIRE_OK(broker->Consume(topology.stream, 20, std::string("unix:1000000000")));
    CHECK(Drain(*broker, 10, std::chrono::seconds(10)).size() == 10);
  }
  SUBCASE("next waits for new messages") {
    REQUIRE_OK(broker->Consume(topology.stream, 20, std::string("next")));
    auto none = broker->NextBatch(10, milliseconds(300), milliseconds(0));
    REQUIRE_OK(none);
    CHECK(none->empty());
  }
  SUBCASE("an unreadable offset is refused before anything is sent") {
    Status refused = broker->Consume(topology.stream, 20, std::string("yesterday"));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().find("'yesterday'") != std::string::npos);
  }
}

TEST_CASE("a message rejected without requeue is dead-lettered with its headers intact") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
  OutgoingMessage bad{
      topology.exchange,
      "email.opened",
      R"({"not":"valid"})",
      {{"x-analytics-error", "email.opened: data.email_id is required"}, {"x-producer", "crm"}}};
  REQUIRE_OK(broker->PublishConfirmed({bad}));

  REQUIRE_OK(broker->Consume(topology.queue, 10));
  auto got = broker->NextBatch(10, milliseconds(10'000), milliseconds(0));
  REQUIRE_OK(got);
  REQUIRE(got->size() == 1);
  REQUIRE_OK(broker->Reject(got->front().delivery_tag, false));

  std::optional<Message> dead =
      GetWithin(*broker, topology.dead_letter_queue, std::chrono::seconds(10));
  REQUIRE(dead.has_value());
  CHECK(dead->body == R"({"not":"valid"})");
  CHECK(dead->routing_key == "email.opened");
  CHECK(dead->headers.at("x-analytics-error") == "email.opened: data.email_id is required");
  CHECK(dead->headers.at("x-producer") == "crm");
  CHECK(dead->timestamp.has_value());

  // Inspecting without removing: the caller rejects with requeue, and it is still there.
  REQUIRE_OK(broker->Reject(dead->delivery_tag, true));
  std::optional<Message> again =
      GetWithin(*broker, topology.dead_letter_queue, std::chrono::seconds(10));
  REQUIRE(again.has_value());
  CHECK(again->body == R"({"not":"valid"})");
  CHECK(again->redelivered);
  REQUIRE_OK(broker->Ack(again->delivery_tag, false));
  auto empty = broker->Get(topology.dead_letter_queue);
  REQUIRE_OK(empty);
  CHECK_FALSE(empty->has_value());
}

TEST_CASE("a message requeued more often than the delivery limit is dead-lettered") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  topology.delivery_limit = 2;
  REQUIRE_OK(broker->DeclareTopology(topology));
  REQUIRE_OK(broker->PublishConfirmed(NumberedEvents(topology, 1, "order.created")));
  REQUIRE_OK(broker->Consume(topology.queue, 10));
  // Delivered once, then redelivered twice (the limit); the third requeue dead-letters it.
  int deliveries = 0;
  for (; deliveries < 10; ++deliveries) {
    auto got = broker->NextBatch(1, milliseconds(2000), milliseconds(0));
    REQUIRE_OK(got);
    if (got->empty()) break;
    REQUIRE_OK(broker->Reject(got->front().delivery_tag, true));
  }
  CHECK(deliveries == 3);
  std::optional<Message> dead =
      GetWithin(*broker, topology.dead_letter_queue, std::chrono::seconds(10));
  REQUIRE(dead.has_value());
  CHECK(dead->headers.at("x-seq") == "0");
}

TEST_CASE("headers, routing key and publish time survive a round trip") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  OutgoingMessage sent{topology.exchange,
                       "customer.created",
                       std::string(300'000, 'x'),
                       {{"x-tenant", "acme"}, {"x-empty", ""}, {"x-utf8", "árvíztűrő"}}};
  REQUIRE_OK(broker->PublishConfirmed({sent}));
  std::optional<Message> got = GetWithin(*broker, topology.queue, std::chrono::seconds(10));
  REQUIRE(got.has_value());
  CHECK(got->body == sent.body);  // spans several frames (frame_max 128 KiB)
  CHECK(got->headers == sent.headers);
  CHECK(got->routing_key == "customer.created");
  CHECK(got->exchange == topology.exchange);
  REQUIRE(got->timestamp.has_value());
  CHECK(*got->timestamp >= before);
  CHECK(*got->timestamp <= before + 60);
  REQUIRE_OK(broker->Ack(got->delivery_tag, false));
}

TEST_CASE("a routing key that nobody binds is confirmed and dropped") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
  REQUIRE_OK(broker->PublishConfirmed(NumberedEvents(topology, 3, "foo.bar")));
  auto depth = broker->QueueDepth(topology.queue);
  REQUIRE_OK(depth);
  CHECK(*depth == 0);
}

TEST_CASE("deliveries that arrive while waiting for publisher confirms are kept") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
  REQUIRE_OK(broker->Consume(topology.queue, 500));
  // The same connection consumes what it publishes: deliveries on channel 1 interleave with
  // the confirms on channel 2 during PublishConfirmed.
  REQUIRE_OK(broker->PublishConfirmed(NumberedEvents(topology, 2500, "order.status_changed")));
  std::vector<Message> got = Drain(*broker, 2500);
  REQUIRE(got.size() == 2500);
  std::set<std::string> seqs;
  for (const Message& m : got) seqs.insert(m.headers.at("x-seq"));
  CHECK(seqs.size() == 2500);
}

TEST_CASE("NextBatch returns at most max and nothing when nothing comes") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
  REQUIRE_OK(broker->Consume(topology.queue, 100));
  auto empty = broker->NextBatch(10, milliseconds(100), milliseconds(0));
  REQUIRE_OK(empty);
  CHECK(empty->empty());

  REQUIRE_OK(broker->PublishConfirmed(NumberedEvents(topology, 30, "campaign.sent")));
  auto batch = broker->NextBatch(10, milliseconds(5000), milliseconds(1000));
  REQUIRE_OK(batch);
  CHECK(batch->size() == 10);
  REQUIRE_OK(broker->Ack(batch->back().delivery_tag, true));
  CHECK(Drain(*broker, 20).size() == 20);
}

TEST_CASE("purging empties a queue") {
  auto broker = ConnectOrFail();
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
  REQUIRE_OK(broker->PublishConfirmed(NumberedEvents(topology, 5, "product.stock_changed")));
  auto depth = broker->QueueDepth(topology.queue);
  REQUIRE_OK(depth);
  CHECK(*depth == 5);
  REQUIRE_OK(broker->PurgeQueue(topology.queue));
  depth = broker->QueueDepth(topology.queue);
  REQUIRE_OK(depth);
  CHECK(*depth == 0);
}

TEST_CASE("a missing queue is an error naming it, and the connection stays usable") {
  auto broker = ConnectOrFail();
  auto depth = broker->QueueDepth("no.such.queue.anywhere");
  REQUIRE_FALSE(depth.ok());
  CHECK(depth.error().find("NOT_FOUND") != std::string::npos);
  CHECK(depth.error().find("no.such.queue.anywhere") != std::string::npos);
  Topology topology = UniqueTopology();
  REQUIRE_OK(broker->DeclareTopology(topology));
}

TEST_CASE("publishing to a missing exchange is an error with the broker's reason") {
  auto broker = ConnectOrFail();
  Status refused =
      broker->PublishConfirmed({{"no.such.exchange.anywhere", "order.created", "{}", {}}});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("NOT_FOUND") != std::string::npos);
  // After a failure the Broker refuses further work instead of misbehaving.
  CHECK_FALSE(broker->QueueDepth("anything").ok());
}

TEST_CASE("a wrong password is refused without the password in the message") {
  auto broker = Broker::Connect(WithPassword(AmqpUrl(), "Wr0ngSecret"));
  REQUIRE_FALSE(broker.ok());
  CHECK(broker.error().find("ACCESS_REFUSED") != std::string::npos);
  CHECK(broker.error().find("Wr0ngSecret") == std::string::npos);
}

TEST_CASE("an unreachable broker is an error without the password") {
  auto broker = Broker::Connect("amqp://guest:Secr3tPass@127.0.0.1:1/");
  REQUIRE_FALSE(broker.ok());
  CHECK(broker.error().find("127.0.0.1:1") != std::string::npos);
  CHECK(broker.error().find("Secr3tPass") == std::string::npos);
}

}  // namespace
}  // namespace vecton::amqp
