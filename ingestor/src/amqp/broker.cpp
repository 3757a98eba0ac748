// DESIGN
// rabbitmq-c's amqp_consume_message copies every delivery into a malloc'ed envelope and,
// worse, cannot hand over a delivery that arrives while we wait for publisher confirms on
// the other channel. So this file reads frames itself: one pump (Impl::Pump) takes each
// frame of the connection and routes it by channel and method:
//   channel 1  basic.deliver / basic.get-ok + header + body frames -> a Message
//   channel 2  basic.ack / basic.nack -> settle publish sequence numbers; basic.return
//   any        channel.close / connection.close -> an Error (after answering close-ok)
// NextBatch, PublishConfirmed and Get all drive the same pump, so a delivery that arrives
// while PublishConfirmed waits simply lands in `ready` for the next NextBatch.
// Synchronous methods (declare, bind, qos, consume, purge) use the library's RPC helpers;
// they queue any unrelated frame that arrives meanwhile, and the pump reads those first.
//
// Memory: the library decodes each frame into a per-channel pool. The pump copies what it
// needs at once (the body straight into Message::body, reserved to the announced size), so
// the channel's pool is recycled after every completed message and memory stays flat
// without any per-frame allocation of our own.
//
// Channel 3 carries declarations, passive declares and purges: a broker-side refusal there
// (NOT_FOUND of a missing queue, PRECONDITION_FAILED of an inequivalent declare) closes only
// that channel, which is reopened on the next use; consuming and publishing go on.
#include "amqp/broker.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "vecton/civil_time.h"
#include "vecton/config.h"
#include "vecton/event.h"

namespace vecton::amqp {
namespace {

constexpr amqp_channel_t kConsumeChannel = 1;
constexpr amqp_channel_t kPublishChannel = 2;
constexpr amqp_channel_t kAdminChannel = 3;
constexpr int kHeartbeatSeconds = 30;
constexpr int kFrameMax = 131072;
constexpr timeval kConnectTimeout{10, 0};
constexpr timeval kRpcTimeout{60, 0};
// How long PublishConfirmed and Get wait for the broker's answer before giving up.
constexpr std::chrono::seconds kReplyTimeout{60};
// Publishes per confirm round trip: big enough for throughput, small enough that the
// unconfirmed window (and the TCP buffers it fills) stays bounded.
constexpr size_t kPublishChunk = 1000;
constexpr std::string_view kContentType = "application/json";

amqp_bytes_t Bytes(std::string_view text) {
  return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

std::string_view View(amqp_bytes_t bytes) {
  return {static_cast<const char*>(bytes.bytes), bytes.len};
}

amqp_table_entry_t StringEntry(const char* key, std::string_view value) {
  amqp_table_entry_t entry;
  entry.key = amqp_cstring_bytes(key);
  entry.value.kind = AMQP_FIELD_KIND_UTF8;
  entry.value.value.bytes = Bytes(value);
  return entry;
}

amqp_table_t Table(std::vector<amqp_table_entry_t>& entries) {
  return amqp_table_t{static_cast<int>(entries.size()), entries.data()};
}

// Integer-valued header fields (x-stream-offset is a 'l' long, but accept any integer).
std::optional<int64_t> IntegerField(const amqp_field_value_t& value) {
  switch (value.kind) {
    case AMQP_FIELD_KIND_I8:
      return value.value.i8;
    case AMQP_FIELD_KIND_U8:
      return value.value.u8;
    case AMQP_FIELD_KIND_I16:
      return value.value.i16;
    case AMQP_FIELD_KIND_U16:
      return value.value.u16;
    case AMQP_FIELD_KIND_I32:
      return value.value.i32;
    case AMQP_FIELD_KIND_U32:
      return value.value.u32;
    case AMQP_FIELD_KIND_I64:
      return value.value.i64;
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP:
      return static_cast<int64_t>(value.value.u64);
    default:
      return std::nullopt;
  }
}

timeval Remaining(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return timeval{0, 0};
  return timeval{static_cast<time_t>(left.count() / 1'000'000),
                 static_cast<suseconds_t>(left.count() % 1'000'000)};
}

// The x-stream-offset consumer argument: "first" | "last" | "next" (a string), "12345" (an
// offset, a long), "unix:1764060843" or an RFC 3339 time (an AMQP timestamp, seconds).
// `text` must outlive the returned value when it is a string.
Result<amqp_field_value_t> StreamOffsetArgument(const std::string& text) {
  amqp_field_value_t value;
  auto all_digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 18 &&
           s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (text == "first" || text == "last" || text == "next") {
    value.kind = AMQP_FIELD_KIND_UTF8;
    value.value.bytes = Bytes(text);
    return value;
  }
  if (all_digits(text)) {
    value.kind = AMQP_FIELD_KIND_I64;
    value.value.i64 = std::stoll(text);
    return value;
  }
  if (text.starts_with("unix:") && all_digits(std::string_view(text).substr(5))) {
    value.kind = AMQP_FIELD_KIND_TIMESTAMP;
    value.value.u64 = std::stoull(text.substr(5));
    return value;
  }
  Result<Timestamp> time = ParseRfc3339(text);
  if (!time) {
    return Error(
        fmt::format("stream offset '{}': expected first, last, next, an offset (digits), "
                    "unix:<seconds> or an RFC 3339 time ({})",
                    text, time.error()));
  }
  if (time->micros < 0) return Error(fmt::format("stream offset '{}': before 1970", text));
  value.kind = AMQP_FIELD_KIND_TIMESTAMP;
  value.value.u64 = static_cast<uint64_t>(time->seconds());
  return value;
}

}  // namespace

const std::vector<std::string>& EventRoutingKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> names;
    names.reserve(kEventTypeCount);
    for (int i = 0; i < kEventTypeCount; ++i) {
      names.emplace_back(EventTypeName(static_cast<EventType>(i)));
    }
    return names;
  }();
  return keys;
}

struct Broker::Impl {
  // A content-bearing method (deliver, get-ok, return) whose header and body frames are
  // still arriving on one channel.
  struct Incoming {
    enum class Kind { kNone, kDelivery, kGetOk, kReturn };
    Kind kind = Kind::kNone;
    Message message;
    uint64_t body_size = 0;
  };
  enum class GetState { kIdle, kWaiting, kEmpty, kMessage };

  ~Impl() {
    if (conn == nullptr) return;
    if (!failure) {
      // Best effort: a clean close lets the broker requeue our unacked deliveries at once.
      amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(conn);
  }

  // Marks the connection unusable and returns the error.
  Error Fail(std::string message) {
    failure = message;
    return Error(std::move(message));
  }

  Status Usable() const {
    if (failure) return Error("broker connection unusable after an earlier error: " + *failure);
    return OkStatus();
  }

  // Answers a broker-initiated close and describes it. Only a close of the admin channel
  // leaves the connection usable.
  Error OnClose(std::string_view what, amqp_channel_t channel, amqp_method_t method) {
    if (method.id == AMQP_CONNECTION_CLOSE_METHOD) {
      auto* close = static_cast<amqp_connection_close_t*>(method.decoded);
      amqp_connection_close_ok_t ok{};
      amqp_send_method(conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
      return Fail(fmt::format("{}: the broker closed the connection: {} {}", what,
                              close->reply_code, View(close->reply_text)));
    }
    auto* close = static_cast<amqp_channel_close_t*>(method.decoded);
    amqp_channel_close_ok_t ok{};
    amqp_send_method(conn, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
    std::string message = fmt::format("{}: the broker closed channel {}: {} {}", what, channel,
                                      close->reply_code, View(close->reply_text));
    if (channel == kAdminChannel) {
      admin_open = false;
      return Error(std::move(message));
    }
    return Fail(std::move(message));
  }

  // The outcome of the last library RPC.
  Status CheckRpc(std::string_view what, amqp_channel_t channel) {
    // The reply is decoded into the channel's pool: read it before recycling the pool.
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(conn);
    Status status = OkStatus();
    switch (reply.reply_type) {
      case AMQP_RESPONSE_NORMAL:
        break;
      case AMQP_RESPONSE_SERVER_EXCEPTION:
        status = OnClose(what, channel, reply.reply);
        break;
      case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        status = Fail(fmt::format("{}: {}", what, amqp_error_string2(reply.library_error)));
        break;
      case AMQP_RESPONSE_NONE:
        status = Fail(fmt::format("{}: no reply from the broker", what));
        break;
    }
    amqp_maybe_release_buffers_on_channel(conn, channel);
    return status;
  }

  Status CheckSend(std::string_view what, int status) {
    if (status == AMQP_STATUS_OK) return OkStatus();
    return Fail(fmt::format("{}: {}", what, amqp_error_string2(status)));
  }

  Status OpenAdminChannel() {
    if (admin_open) return OkStatus();
    amqp_channel_open(conn, kAdminChannel);
    if (Status s = CheckRpc("opening channel 3", kAdminChannel); !s) return s;
    admin_open = true;
    return OkStatus();
  }

  // Reads one frame, waiting at most `timeout`, and routes it. false: nothing came in time.
  Result<bool> Pump(timeval timeout) {
    amqp_frame_t frame;
    int status = amqp_simple_wait_frame_noblock(conn, &frame, &timeout);
    if (status == AMQP_STATUS_TIMEOUT) return false;
    if (status != AMQP_STATUS_OK) {
      return Fail(fmt::format("reading from {}: {}", safe_url, amqp_error_string2(status)));
    }
    Status routed = OkStatus();
    switch (frame.frame_type) {
      case AMQP_FRAME_METHOD:
        routed = OnMethod(frame.channel, frame.payload.method);
        break;
      case AMQP_FRAME_HEADER:
        OnHeader(frame);
        break;
      case AMQP_FRAME_BODY:
        OnBody(frame.channel, frame.payload.body_fragment);
        break;
      default:
        break;
    }
    if (!routed) return Error(routed.error());
    if (frame.channel >= incoming.size() || incoming[frame.channel].kind == Incoming::Kind::kNone) {
      amqp_maybe_release_buffers_on_channel(conn, frame.channel);
    }
    return true;
  }

  Result<bool> PumpUntil(std::chrono::steady_clock::time_point deadline) {
    return Pump(Remaining(deadline));
  }

  Status OnMethod(amqp_channel_t channel, amqp_method_t method) {
    switch (method.id) {
      case AMQP_BASIC_DELIVER_METHOD: {
        auto* deliver = static_cast<amqp_basic_deliver_t*>(method.decoded);
        Message& message = Start(channel, Incoming::Kind::kDelivery);
        message.delivery_tag = deliver->delivery_tag;
        message.redelivered = deliver->redelivered != 0;
        message.exchange.assign(View(deliver->exchange));
        message.routing_key.assign(View(deliver->routing_key));
        return OkStatus();
      }
      case AMQP_BASIC_GET_OK_METHOD: {
        auto* get_ok = static_cast<amqp_basic_get_ok_t*>(method.decoded);
        Message& message = Start(channel, Incoming::Kind::kGetOk);
        message.delivery_tag = get_ok->delivery_tag;
        message.redelivered = get_ok->redelivered != 0;
        message.exchange.assign(View(get_ok->exchange));
        message.routing_key.assign(View(get_ok->routing_key));
        return OkStatus();
      }
      case AMQP_BASIC_GET_EMPTY_METHOD:
        if (get_state == GetState::kWaiting) get_state = GetState::kEmpty;
        return OkStatus();
      case AMQP_BASIC_ACK_METHOD: {
        auto* ack = static_cast<amqp_basic_ack_t*>(method.decoded);
        Settle(ack->delivery_tag, ack->multiple != 0, false);
        return OkStatus();
      }
      case AMQP_BASIC_NACK_METHOD: {
        auto* nack = static_cast<amqp_basic_nack_t*>(method.decoded);
        Settle(nack->delivery_tag, nack->multiple != 0, true);
        return OkStatus();
      }
      case AMQP_BASIC_RETURN_METHOD: {
        auto* ret = static_cast<amqp_basic_return_t*>(method.decoded);
        Message& message = Start(channel, Incoming::Kind::kReturn);
        message.exchange.assign(View(ret->exchange));
        message.routing_key.assign(View(ret->routing_key));
        returned = fmt::format("the broker returned a message for exchange '{}' key '{}': {} {}",
                               View(ret->exchange), View(ret->routing_key), ret->reply_code,
                               View(ret->reply_text));
        return OkStatus();
      }
      case AMQP_BASIC_CANCEL_METHOD:
        return Fail("the broker cancelled the consumer (was the queue deleted?)");
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD: {
        Error error = OnClose("reading from " + safe_url, channel, method);
        // An admin channel close is normally taken by the RPC that caused it; a stray one
        // only means the channel gets reopened.
        if (channel == kAdminChannel && method.id == AMQP_CHANNEL_CLOSE_METHOD) return OkStatus();
        return error;
      }
      default:
        // connection.blocked/unblocked, stray consume-ok or qos-ok: nothing to do.
        return OkStatus();
    }
  }

  Message& Start(amqp_channel_t channel, Incoming::Kind kind) {
    Incoming& in = incoming[channel < incoming.size() ? channel : 0];
    in.kind = kind;
    in.message = Message{};
    in.body_size = 0;
    return in.message;
  }

  void OnHeader(const amqp_frame_t& frame) {
    if (frame.channel >= incoming.size()) return;
    Incoming& in = incoming[frame.channel];
    if (in.kind == Incoming::Kind::kNone) return;
    auto* properties = static_cast<amqp_basic_properties_t*>(frame.payload.properties.decoded);
    Message& message = in.message;
    if (properties->_flags & AMQP_BASIC_HEADERS_FLAG) {
      const amqp_table_t& table = properties->headers;
      for (int i = 0; i < table.num_entries; ++i) {
        const amqp_table_entry_t& entry = table.entries[i];
        std::string_view key = View(entry.key);
        if (entry.value.kind == AMQP_FIELD_KIND_UTF8 || entry.value.kind == AMQP_FIELD_KIND_BYTES) {
          message.headers.emplace(key, View(entry.value.value.bytes));
        } else if (key == "x-stream-offset") {
          message.stream_offset = IntegerField(entry.value);
        }
      }
    }
    if (properties->_flags & AMQP_BASIC_TIMESTAMP_FLAG) {
      message.timestamp = static_cast<int64_t>(properties->timestamp);
    }
    in.body_size = frame.payload.properties.body_size;
    if (in.body_size == 0) {
      Complete(in);
    } else {
      message.body.reserve(in.body_size);
    }
  }

  void OnBody(amqp_channel_t channel, amqp_bytes_t fragment) {
    if (channel >= incoming.size()) return;
    Incoming& in = incoming[channel];
    if (in.kind == Incoming::Kind::kNone) return;
    in.message.body.append(static_cast<const char*>(fragment.bytes), fragment.len);
    if (in.message.body.size() >= in.body_size) Complete(in);
  }

  void Complete(Incoming& in) {
    switch (in.kind) {
      case Incoming::Kind::kDelivery:
        ready.push_back(std::move(in.message));
        break;
      case Incoming::Kind::kGetOk:
        got = std::move(in.message);
        get_state = GetState::kMessage;
        break;
      case Incoming::Kind::kReturn:
      case Incoming::Kind::kNone:
        break;
    }
    in.kind = Incoming::Kind::kNone;
  }

  // Marks publish sequence number `tag` (or all up to it) of the current chunk as settled.
  void Settle(uint64_t tag, bool multiple, bool negative) {
    if (negative) nacked = true;
    if (tag < chunk_first || unsettled == 0) return;
    size_t last = static_cast<size_t>(tag - chunk_first);
    if (last >= settled.size()) last = settled.size() - 1;
    size_t first = multiple ? settled_below : last;
    for (size_t i = first; i <= last; ++i) {
      if (!settled[i]) {
        settled[i] = 1;
        --unsettled;
      }
    }
    while (settled_below < settled.size() && settled[settled_below]) ++settled_below;
  }

  Status PublishChunk(const OutgoingMessage* begin, const OutgoingMessage* end) {
    chunk_first = next_publish_seq;
    settled.assign(static_cast<size_t>(end - begin), 0);
    settled_below = 0;
    unsettled = settled.size();
    nacked = false;
    returned.reset();
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    for (const OutgoingMessage* m = begin; m != end; ++m) {
      header_entries.clear();
      for (const auto& [key, value] : m->headers) {
        amqp_table_entry_t entry;
        entry.key = Bytes(key);
        entry.value.kind = AMQP_FIELD_KIND_UTF8;
        entry.value.value.bytes = Bytes(value);
        header_entries.push_back(entry);
      }
      amqp_basic_properties_t properties{};
      properties._flags =
          AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_TIMESTAMP_FLAG;
      properties.content_type = Bytes(kContentType);
      properties.delivery_mode = 2;
      properties.timestamp =
          static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
      if (!header_entries.empty()) {
        properties._flags |= AMQP_BASIC_HEADERS_FLAG;
        properties.headers = Table(header_entries);
      }
      int status = amqp_basic_publish(conn, kPublishChannel, Bytes(m->exchange),
                                      Bytes(m->routing_key), 0, 0, &properties, Bytes(m->body));
      if (Status s = CheckSend(fmt::format("publishing to exchange '{}'", m->exchange), status);
          !s) {
        return s;
      }
      ++next_publish_seq;
    }
    const auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
    while (unsettled > 0) {
      Result<bool> pumped = PumpUntil(deadline);
      if (!pumped) return Error(pumped.error());
      if (!*pumped && std::chrono::steady_clock::now() >= deadline) {
        return Fail(fmt::format("no publisher confirm for {} of {} messages within {} s", unsettled,
                                settled.size(), kReplyTimeout.count()));
      }
    }
    if (nacked) {
      return Error(
          fmt::format("the broker refused (nacked) a publish to exchange '{}' "
                      "(a full queue with x-overflow=reject-publish?)",
                      begin->exchange));
    }
    if (returned) return Error(*returned);
    return OkStatus();
  }

  amqp_connection_state_t conn = nullptr;
  std::string safe_url;
  std::optional<std::string> failure;
  bool admin_open = false;

  std::array<Incoming, 3> incoming;  // by channel; [0] is unused
  // Complete deliveries not yet handed out: ready[ready_head, end). A vector, not a deque,
  // so buffering reuses its capacity instead of allocating a block per couple of messages.
  std::vector<Message> ready;
  size_t ready_head = 0;

  size_t ReadyCount() const { return ready.size() - ready_head; }

  GetState get_state = GetState::kIdle;
  std::optional<Message> got;

  uint64_t next_publish_seq = 1;  // confirm mode numbers publishes from 1
  uint64_t chunk_first = 0;       // sequence number of settled[0]
  std::vector<uint8_t> settled;   // per publish of the current chunk
  size_t settled_below = 0;       // all of settled[0, settled_below) are settled
  size_t unsettled = 0;
  bool nacked = false;
  std::optional<std::string> returned;
  std::vector<amqp_table_entry_t> header_entries;  // reused by every publish
};

Broker::Broker() : impl_(std::make_unique<Impl>()) {}
Broker::~Broker() = default;

Result<std::unique_ptr<Broker>> Broker::Connect(const std::string& url) {
  std::unique_ptr<Broker> broker(new Broker());
  Impl& impl = *broker->impl_;
  impl.safe_url = CutPassword(url);

  // amqp_parse_url parses in place and points into the buffer, so it must outlive login.
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  amqp_connection_info info;
  amqp_default_connection_info(&info);
  if (int status = amqp_parse_url(buffer.data(), &info); status != AMQP_STATUS_OK) {
    return Error(fmt::format("AMQP URL '{}': {} (expected amqp://user:password@host:port/vhost)",
                             impl.safe_url, amqp_error_string2(status)));
  }
  if (info.ssl) return Error(fmt::format("AMQP URL '{}': amqps is not supported", impl.safe_url));
  const char* vhost = (info.vhost == nullptr || info.vhost[0] == '\0') ? "/" : info.vhost;

  impl.conn = amqp_new_connection();
  if (impl.conn == nullptr) return Error("out of memory creating an AMQP connection");
  amqp_socket_t* socket = amqp_tcp_socket_new(impl.conn);
  if (socket == nullptr) return Error("out of memory creating an AMQP socket");
  timeval connect_timeout = kConnectTimeout;
  errno = 0;
  if (int status = amqp_socket_open_noblock(socket, info.host, info.port, &connect_timeout);
      status != AMQP_STATUS_OK) {
    std::string reason = amqp_error_string2(status);
    if (status == AMQP_STATUS_SOCKET_ERROR && errno != 0)
      reason += std::string(": ") + std::strerror(errno);
    impl.failure = reason;
    return Error(fmt::format("connecting to {}: {}", impl.safe_url, reason));
  }
  timeval rpc_timeout = kRpcTimeout;
  amqp_set_rpc_timeout(impl.conn, &rpc_timeout);

  // consumer_cancel_notify: a deleted queue then cancels our consumer with basic.cancel (an
  // Error from NextBatch) instead of leaving it waiting forever. The library merges this
  // with its own capabilities.
  amqp_table_entry_t capability;
  capability.key = amqp_cstring_bytes("consumer_cancel_notify");
  capability.value.kind = AMQP_FIELD_KIND_BOOLEAN;
  capability.value.value.boolean = 1;
  std::array<amqp_table_entry_t, 2> client_properties;
  client_properties[0] = StringEntry("connection_name", "vecton analytics");
  client_properties[1].key = amqp_cstring_bytes("capabilities");
  client_properties[1].value.kind = AMQP_FIELD_KIND_TABLE;
  client_properties[1].value.value.table = amqp_table_t{1, &capability};
  const amqp_table_t properties{static_cast<int>(client_properties.size()),
                                client_properties.data()};
  amqp_rpc_reply_t login =
      amqp_login_with_properties(impl.conn, vhost, 0, kFrameMax, kHeartbeatSeconds, &properties,
                                 AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    std::string reason;
    if (login.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
        login.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
      auto* close = static_cast<amqp_connection_close_t*>(login.reply.decoded);
      reason = fmt::format("{} {}", close->reply_code, View(close->reply_text));
    } else if (login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
      reason = amqp_error_string2(login.library_error);
    } else {
      reason = "unexpected reply to login";
    }
    impl.failure = reason;
    return Error(fmt::format("logging in to {} (vhost '{}'): {}", impl.safe_url, vhost, reason));
  }

  for (amqp_channel_t channel : {kConsumeChannel, kPublishChannel}) {
    amqp_channel_open(impl.conn, channel);
    if (Status s =
            impl.CheckRpc(fmt::format("opening channel {} on {}", channel, impl.safe_url), channel);
        !s) {
      return Error(s.error());
    }
  }
  amqp_confirm_select(impl.conn, kPublishChannel);
  if (Status s = impl.CheckRpc("enabling publisher confirms", kPublishChannel); !s) {
    return Error(s.error());
  }
  if (Status s = impl.OpenAdminChannel(); !s) return Error(s.error());
  return broker;
}

Status Broker::DeclareTopology(const Topology& topology) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return s;
  if (Status s = impl.OpenAdminChannel(); !s) return s;
  amqp_connection_state_t conn = impl.conn;

  auto declare_exchange = [&](const std::string& name, const char* type) {
    amqp_exchange_declare(conn, kAdminChannel, Bytes(name), amqp_cstring_bytes(type),
                          /*passive=*/0, /*durable=*/1, /*auto_delete=*/0, /*internal=*/0,
                          amqp_empty_table);
    return impl.CheckRpc(fmt::format("declaring {} exchange '{}'", type, name), kAdminChannel);
  };
  auto declare_queue = [&](const std::string& name, std::vector<amqp_table_entry_t> args) {
    amqp_queue_declare(conn, kAdminChannel, Bytes(name), /*passive=*/0, /*durable=*/1,
                       /*exclusive=*/0, /*auto_delete=*/0, Table(args));
    return impl.CheckRpc(fmt::format("declaring queue '{}'", name), kAdminChannel);
  };
  auto bind = [&](const std::string& queue, const std::string& exchange, const std::string& key) {
    amqp_queue_bind(conn, kAdminChannel, Bytes(queue), Bytes(exchange), Bytes(key),
                    amqp_empty_table);
    return impl.CheckRpc(
        fmt::format("binding queue '{}' to '{}' with key '{}'", queue, exchange, key),
        kAdminChannel);
  };

  if (Status s = declare_exchange(topology.exchange, "topic"); !s) return s;
  if (Status s = declare_exchange(topology.dead_letter_exchange, "fanout"); !s) return s;
  if (Status s = declare_queue(topology.dead_letter_queue, {StringEntry("x-queue-type", "quorum")});
      !s) {
    return s;
  }
  if (Status s = bind(topology.dead_letter_queue, topology.dead_letter_exchange, ""); !s) return s;

  amqp_table_entry_t delivery_limit;
  delivery_limit.key = amqp_cstring_bytes("x-delivery-limit");
  delivery_limit.value.kind = AMQP_FIELD_KIND_I32;
  delivery_limit.value.value.i32 = topology.delivery_limit;
  if (Status s = declare_queue(
          topology.queue, {StringEntry("x-queue-type", "quorum"), delivery_limit,
                           StringEntry("x-dead-letter-exchange", topology.dead_letter_exchange),
                           StringEntry("x-dead-letter-strategy", "at-least-once"),
                           StringEntry("x-overflow", "reject-publish")});
      !s) {
    return s;
  }
  if (Status s =
          declare_queue(topology.stream, {StringEntry("x-queue-type", "stream"),
                                          StringEntry("x-max-age", topology.stream_max_age)});
      !s) {
    return s;
  }
  for (const std::string& key : EventRoutingKeys()) {
    if (Status s = bind(topology.queue, topology.exchange, key); !s) return s;
    if (Status s = bind(topology.stream, topology.exchange, key); !s) return s;
  }
  return OkStatus();
}

Status Broker::Consume(const std::string& queue, uint16_t prefetch,
                       const std::optional<std::string>& stream_offset) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return s;
  std::vector<amqp_table_entry_t> args;
  if (stream_offset) {
    Result<amqp_field_value_t> offset = StreamOffsetArgument(*stream_offset);
    if (!offset) return Error(offset.error());
    amqp_table_entry_t entry;
    entry.key = amqp_cstring_bytes("x-stream-offset");
    entry.value = *offset;
    args.push_back(entry);
  }
  amqp_basic_qos(impl.conn, kConsumeChannel, 0, prefetch, 0);
  if (Status s = impl.CheckRpc(fmt::format("setting prefetch {}", prefetch), kConsumeChannel); !s) {
    return s;
  }
  amqp_basic_consume(impl.conn, kConsumeChannel, Bytes(queue), amqp_empty_bytes, /*no_local=*/0,
                     /*no_ack=*/0, /*exclusive=*/0, Table(args));
  return impl.CheckRpc(fmt::format("consuming from queue '{}'", queue), kConsumeChannel);
}

Status Broker::Poll(std::chrono::milliseconds wait) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return s;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    Result<bool> pumped = impl.PumpUntil(deadline);
    if (!pumped) return Error(pumped.error());
    if (!*pumped && std::chrono::steady_clock::now() >= deadline) return OkStatus();
  }
}

Result<std::vector<Message>> Broker::NextBatch(size_t max, std::chrono::milliseconds wait,
                                               std::chrono::milliseconds linger) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return Error(s.error());
  std::vector<Message> batch;
  if (max == 0) return batch;

  // Wait for the first delivery, then linger for more: already-buffered frames are taken
  // without a system call, as Pump reads the library's buffer before the socket.
  const auto wait_deadline = std::chrono::steady_clock::now() + wait;
  while (impl.ReadyCount() == 0) {
    Result<bool> pumped = impl.PumpUntil(wait_deadline);
    if (!pumped) return Error(pumped.error());
    if (!*pumped) break;
  }
  if (impl.ReadyCount() == 0) return batch;
  const auto linger_deadline = std::chrono::steady_clock::now() + linger;
  while (impl.ReadyCount() < max) {
    Result<bool> pumped = impl.PumpUntil(linger_deadline);
    if (!pumped) return Error(pumped.error());
    if (!*pumped) break;
  }

  const size_t take = std::min(max, impl.ReadyCount());
  batch.reserve(take);
  for (size_t i = 0; i < take; ++i) batch.push_back(std::move(impl.ready[impl.ready_head++]));
  if (impl.ready_head == impl.ready.size()) {
    impl.ready.clear();
    impl.ready_head = 0;
  } else if (impl.ready_head >= 1024) {
    // Never fully drained (PublishConfirmed keeps buffering): drop the moved-from front.
    impl.ready.erase(impl.ready.begin(),
                     impl.ready.begin() + static_cast<ptrdiff_t>(impl.ready_head));
    impl.ready_head = 0;
  }
  return batch;
}

Status Broker::Ack(uint64_t delivery_tag, bool multiple) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return s;
  return impl.CheckSend(fmt::format("acking delivery {}", delivery_tag),
                        amqp_basic_ack(impl.conn, kConsumeChannel, delivery_tag, multiple));
}

Status Broker::Reject(uint64_t delivery_tag, bool requeue) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return s;
  return impl.CheckSend(fmt::format("rejecting delivery {}", delivery_tag),
                        amqp_basic_reject(impl.conn, kConsumeChannel, delivery_tag, requeue));
}

Status Broker::PublishConfirmed(const std::vector<OutgoingMessage>& messages) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return s;
  for (size_t first = 0; first < messages.size(); first += kPublishChunk) {
    const size_t last = std::min(messages.size(), first + kPublishChunk);
    if (Status s = impl.PublishChunk(messages.data() + first, messages.data() + last); !s) {
      return s;
    }
  }
  return OkStatus();
}

Result<std::optional<Message>> Broker::Get(const std::string& queue) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return Error(s.error());
  amqp_basic_get_t request{};
  request.queue = Bytes(queue);
  request.no_ack = 0;
  impl.get_state = Impl::GetState::kWaiting;
  impl.got.reset();
  if (Status s = impl.CheckSend(
          fmt::format("basic.get from queue '{}'", queue),
          amqp_send_method(impl.conn, kConsumeChannel, AMQP_BASIC_GET_METHOD, &request));
      !s) {
    return Error(s.error());
  }
  const auto deadline = std::chrono::steady_clock::now() + kReplyTimeout;
  while (impl.get_state == Impl::GetState::kWaiting) {
    Result<bool> pumped = impl.PumpUntil(deadline);
    if (!pumped) return Error(fmt::format("basic.get from queue '{}': {}", queue, pumped.error()));
    if (!*pumped && std::chrono::steady_clock::now() >= deadline) {
      return impl.Fail(fmt::format("basic.get from queue '{}': no answer within {} s", queue,
                                   kReplyTimeout.count()));
    }
  }
  const bool found = impl.get_state == Impl::GetState::kMessage;
  impl.get_state = Impl::GetState::kIdle;
  if (!found) return std::optional<Message>();
  return std::optional<Message>(std::move(impl.got));
}

Result<uint64_t> Broker::QueueDepth(const std::string& queue) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return Error(s.error());
  if (Status s = impl.OpenAdminChannel(); !s) return Error(s.error());
  amqp_queue_declare_ok_t* ok = amqp_queue_declare(impl.conn, kAdminChannel, Bytes(queue),
                                                   /*passive=*/1, 0, 0, 0, amqp_empty_table);
  const uint64_t depth = ok != nullptr ? ok->message_count : 0;
  if (Status s = impl.CheckRpc(fmt::format("looking up queue '{}'", queue), kAdminChannel); !s) {
    return Error(s.error());
  }
  return depth;
}

Status Broker::PurgeQueue(const std::string& queue) {
  Impl& impl = *impl_;
  if (Status s = impl.Usable(); !s) return s;
  if (Status s = impl.OpenAdminChannel(); !s) return s;
  amqp_queue_purge(impl.conn, kAdminChannel, Bytes(queue));
  return impl.CheckRpc(fmt::format("purging queue '{}'", queue), kAdminChannel);
}

}  // namespace vecton::amqp
