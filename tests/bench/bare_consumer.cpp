// The baseline for the ingestor's consume benchmark: the fastest plain rabbitmq-c consumer
// we know how to write, with no decoding and no database.
//
//   bench_bare_consumer AMQP_URL QUEUE PREFETCH COUNT
//
// Connects, sets basic.qos(PREFETCH), consumes QUEUE with manual acks (one multiple=true ack
// per 500 deliveries, and one for the rest at the end) until COUNT messages came, then prints
// {"messages":COUNT,"seconds":S,"rate":R}. The clock starts when the broker has accepted the
// consumer (basic.consume-ok), so fill the queue first. Exit status 1 with a message on
// stderr for any error, 2 for bad arguments.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_amqp.h"

namespace {

constexpr uint64_t kAckEvery = 500;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s AMQP_URL QUEUE PREFETCH COUNT\n", argv[0]);
    return 2;
  }
  const std::string queue = argv[2];
  const long prefetch = std::strtol(argv[3], nullptr, 10);
  const long long count = std::strtoll(argv[4], nullptr, 10);
  if (prefetch <= 0 || prefetch > 65535 || count <= 0) {
    std::fprintf(stderr, "PREFETCH must be 1..65535 and COUNT positive\n");
    return 2;
  }

  amqp_connection_state_t conn = bench::Connect(argv[1], /*heartbeat_seconds=*/30);
  amqp_basic_qos(conn, 1, 0, static_cast<uint16_t>(prefetch), 0);
  bench::CheckReply(conn, "basic.qos");
  amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes, 0, 0, 0,
                     amqp_empty_table);
  bench::CheckReply(conn, "basic.consume");

  const auto start = std::chrono::steady_clock::now();
  long long received = 0;
  uint64_t unacked_last = 0;
  uint64_t unacked = 0;
  while (received < count) {
    amqp_maybe_release_buffers(conn);
    amqp_envelope_t envelope;
    amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, nullptr, 0);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
      if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
          reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        // Not a delivery (e.g. a channel.close): read it to say what it was.
        amqp_frame_t frame;
        if (amqp_simple_wait_frame(conn, &frame) == AMQP_STATUS_OK &&
            frame.frame_type == AMQP_FRAME_METHOD &&
            (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
             frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD)) {
          bench::Die("the broker closed the channel or connection");
        }
        continue;
      }
      bench::Die(std::string("consuming: ") + amqp_error_string2(reply.library_error));
    }
    unacked_last = envelope.delivery_tag;
    amqp_destroy_envelope(&envelope);
    ++received;
    if (++unacked == kAckEvery) {
      if (amqp_basic_ack(conn, 1, unacked_last, 1) != AMQP_STATUS_OK)
        bench::Die("basic.ack failed");
      unacked = 0;
    }
  }
  if (unacked > 0 && amqp_basic_ack(conn, 1, unacked_last, 1) != AMQP_STATUS_OK) {
    bench::Die("basic.ack failed");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"messages\":%lld,\"seconds\":%.6f,\"rate\":%.1f}\n", received, seconds,
              static_cast<double>(received) / seconds);

  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
  return 0;
}
