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
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr uint64_t kAckEvery = 500;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_bare_consumer: %s\n", what.c_str());
  std::exit(1);
}

void CheckReply(amqp_connection_state_t conn, const char* what) {
  amqp_rpc_reply_t reply = amqp_get_rpc_reply(conn);
  if (reply.reply_type == AMQP_RESPONSE_NORMAL) return;
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
    Die(std::string(what) + ": " + amqp_error_string2(reply.library_error));
  }
  if (reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
      (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD ||
       reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD)) {
    // channel.close and connection.close share the reply_code/reply_text layout.
    auto* close = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
    Die(std::string(what) + ": " +
        std::string(static_cast<const char*>(close->reply_text.bytes), close->reply_text.len));
  }
  Die(std::string(what) + ": unexpected reply");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s AMQP_URL QUEUE PREFETCH COUNT\n", argv[0]);
    return 2;
  }
  std::vector<char> url(argv[1], argv[1] + std::char_traits<char>::length(argv[1]) + 1);
  const std::string queue = argv[2];
  const long prefetch = std::strtol(argv[3], nullptr, 10);
  const long long count = std::strtoll(argv[4], nullptr, 10);
  if (prefetch <= 0 || prefetch > 65535 || count <= 0) {
    std::fprintf(stderr, "PREFETCH must be 1..65535 and COUNT positive\n");
    return 2;
  }

  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK) Die("unreadable AMQP URL");
  const char* vhost = (info.vhost == nullptr || info.vhost[0] == '\0') ? "/" : info.vhost;

  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn);
  if (socket == nullptr) Die("cannot create a socket");
  if (int status = amqp_socket_open(socket, info.host, info.port); status != AMQP_STATUS_OK) {
    Die(std::string("connecting: ") + amqp_error_string2(status));
  }
  amqp_rpc_reply_t login =
      amqp_login(conn, vhost, 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) Die("login failed");
  amqp_channel_open(conn, 1);
  CheckReply(conn, "channel.open");
  amqp_basic_qos(conn, 1, 0, static_cast<uint16_t>(prefetch), 0);
  CheckReply(conn, "basic.qos");
  amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes, 0, 0, 0,
                     amqp_empty_table);
  CheckReply(conn, "basic.consume");

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
          Die("the broker closed the channel or connection");
        }
        continue;
      }
      Die(std::string("consuming: ") + amqp_error_string2(reply.library_error));
    }
    unacked_last = envelope.delivery_tag;
    amqp_destroy_envelope(&envelope);
    ++received;
    if (++unacked == kAckEvery) {
      if (amqp_basic_ack(conn, 1, unacked_last, 1) != AMQP_STATUS_OK) Die("basic.ack failed");
      unacked = 0;
    }
  }
  if (unacked > 0 && amqp_basic_ack(conn, 1, unacked_last, 1) != AMQP_STATUS_OK) {
    Die("basic.ack failed");
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
