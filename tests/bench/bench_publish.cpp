// Fills the broker for the ingest benchmark: N order.created events, 3 items each.
//
//   bench_publish AMQP_URL EXCHANGE TENANT COUNT [RUN_ID]
//
// Publishes persistent messages to EXCHANGE (routing key "order.created") on a channel in
// confirm mode, without waiting per message: it publishes a window of kWindow messages, then
// waits for the broker's (multiple) acks of the whole window. Orders are spread over the 365
// days before 2026-11-01 (UTC), none cancelled, so the tenant's daily_sales.orders must sum to
// COUNT once ingested. Event ids are "bench-RUN_ID-<i>" (RUN_ID defaults to the Unix time),
// order ids "b-RUN_ID-<i>". Prints {"published":N,"seconds":S,"rate":R}. Exit status 1 with a
// message on stderr for any error (a nack included), 2 for bad arguments.
// The bodies: bench_orders.h.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "bench_amqp.h"
#include "bench_orders.h"

namespace {

constexpr uint64_t kWindow = 20'000;
// Waits until the broker has acked every delivery tag up to `last`.
void AwaitConfirms(amqp_connection_state_t conn, uint64_t last, uint64_t& acked) {
  while (acked < last) {
    amqp_frame_t frame;
    const int rc = amqp_simple_wait_frame(conn, &frame);
    if (rc != AMQP_STATUS_OK)
      bench::Die(std::string("waiting for confirms: ") + amqp_error_string2(rc));
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;
    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
        acked = ack->multiple ? ack->delivery_tag
                              : (ack->delivery_tag > acked ? ack->delivery_tag : acked);
        break;
      }
      case AMQP_BASIC_NACK_METHOD:
        bench::Die("the broker nacked a message (queue full with x-overflow reject-publish?)");
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        bench::Die("the broker closed the channel while publishing");
      default:
        break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s AMQP_URL EXCHANGE TENANT COUNT [RUN_ID]\n", argv[0]);
    return 2;
  }
  const std::string exchange = argv[2];
  const std::string tenant = argv[3];
  const long long count = std::strtoll(argv[4], nullptr, 10);
  const std::string run = argc == 6 ? argv[5] : std::to_string(std::time(nullptr));
  if (count <= 0) {
    std::fprintf(stderr, "COUNT must be positive\n");
    return 2;
  }

  amqp_connection_state_t conn = bench::Connect(argv[1]);
  amqp_confirm_select(conn, 1);
  bench::CheckReply(conn, "confirm.select");

  amqp_basic_properties_t props;
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
  props.delivery_mode = 2;  // persistent
  props.content_type = amqp_cstring_bytes("application/cloudevents+json");
  const amqp_bytes_t exchange_bytes = amqp_cstring_bytes(exchange.c_str());
  const amqp_bytes_t routing_key = amqp_cstring_bytes("order.created");

  uint64_t rng = 0xBE0C4;
  uint64_t acked = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 1; i <= static_cast<uint64_t>(count); ++i) {
    const std::string body = bench::OrderBody(tenant, run, i, rng);
    amqp_bytes_t bytes{body.size(), const_cast<char*>(body.data())};
    if (const int rc =
            amqp_basic_publish(conn, 1, exchange_bytes, routing_key, 0, 0, &props, bytes);
        rc != AMQP_STATUS_OK) {
      bench::Die(std::string("publish: ") + amqp_error_string2(rc));
    }
    if (i % kWindow == 0) AwaitConfirms(conn, i, acked);
  }
  AwaitConfirms(conn, static_cast<uint64_t>(count), acked);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  std::printf("{\"published\":%lld,\"seconds\":%.3f,\"rate\":%.0f}\n", count, seconds,
              static_cast<double>(count) / seconds);
  return 0;
}
