// What the benchmark tools share of rabbitmq-c: fail with one line, check a synchronous
// reply, and open a connection with channel 1. Header-only; the tools stay single files that
// use rabbitmq-c directly (the bare consumer must not go through the project's Broker).
#pragma once

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <errno.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace bench {

// "<program>: <what>" on stderr, exit status 1.
[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::exit(1);
}

// Dies with the library's or the broker's reason unless the last synchronous call succeeded.
inline void CheckReply(amqp_connection_state_t conn, const char* what) {
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

// Connects to amqp://user:password@host:port/vhost, logs in and opens channel 1.
inline amqp_connection_state_t Connect(const char* url_text, int heartbeat_seconds = 0) {
  std::vector<char> url(url_text, url_text + std::char_traits<char>::length(url_text) + 1);
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK) Die("cannot parse the AMQP URL");
  // amqp_parse_url has already decoded "%2f"; an empty path means the default vhost.
  const char* vhost = (info.vhost == nullptr || info.vhost[0] == '\0') ? "/" : info.vhost;
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn);
  if (socket == nullptr) Die("cannot create a socket");
  if (const int rc = amqp_socket_open(socket, info.host, info.port); rc != AMQP_STATUS_OK) {
    Die(std::string("cannot connect: ") + amqp_error_string2(rc));
  }
  // amqp_login returns its reply; amqp_get_rpc_reply does not report it (it stays NONE).
  const amqp_rpc_reply_t login = amqp_login(conn, vhost, 0, 131072, heartbeat_seconds,
                                            AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) Die("login refused (user, password or vhost)");
  amqp_channel_open(conn, 1);
  CheckReply(conn, "channel.open");
  return conn;
}

}  // namespace bench
