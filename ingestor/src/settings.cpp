#include "settings.h"

namespace vecton::ingestor {
namespace {

constexpr Setting kSettings[] = {
    {"database_url", Setting::kUrl, "postgresql:///analytics",
     "PostgreSQL connection URI; the ingestor owns the schema's tables"},
    {"db_schema", Setting::kString, "analytics", "schema that holds every table"},
    {"amqp_url", Setting::kUrl, "amqp://guest:guest@127.0.0.1:5672/%2f", "RabbitMQ URI"},
    {"redis_url", Setting::kUrl, "redis://127.0.0.1:6379/0",
     "Redis URI, for the API's cache generations"},
    {"exchange", Setting::kString, "vecton.events", "producers' topic exchange"},
    {"queue", Setting::kString, "analytics.events", "quorum work queue"},
    {"dead_letter_exchange", Setting::kString, "analytics.dlx", "fanout dead-letter exchange"},
    {"dead_letter_queue", Setting::kString, "analytics.events.dead", "dead-letter queue"},
    {"stream", Setting::kString, "analytics.events.stream", "stream queue kept for replay"},
    {"stream_max_age", Setting::kString, "30D", "how long the stream keeps events"},
    {"delivery_limit", Setting::kInt, "5",
     "deliveries of one message before RabbitMQ dead-letters it", 1, 1000},
    {"prefetch", Setting::kInt, "4000", "unacknowledged messages the broker may send ahead", 1,
     65535},
    {"batch_size", Setting::kInt, "2000", "messages per database transaction at most", 1, 5000},
    {"ingest_connections", Setting::kInt, "2",
     "database connections storing batches at the same time (each its own transaction)", 1, 16},
    {"batch_linger_ms", Setting::kInt, "20",
     "how long a batch waits for more messages once the first arrived", 0, 10000},
    {"max_body_bytes", Setting::kInt, "1048576", "larger messages are dead-lettered", 1024,
     67108864},
    {"default_timezone", Setting::kString, "UTC",
     "time zone of a tenant registered by its first event"},
    {"default_currency", Setting::kString, "EUR", "reporting currency of such a tenant"},
    {"low_stock_threshold", Setting::kInt, "10", "stock level at or below which a product is low",
     0, 1000000000},
    {"log_level", Setting::kString, "info", "debug, info, warn or error"},
    {"log_file", Setting::kString, "", "log to this file instead of stderr (reopened on SIGHUP)"},
};

}  // namespace

std::span<const Setting> Settings() { return kSettings; }

}  // namespace vecton::ingestor

namespace vecton::ingestor {

amqp::Topology TopologyFrom(const Config& config) {
  amqp::Topology t;
  t.exchange = config.Get("exchange");
  t.queue = config.Get("queue");
  t.dead_letter_exchange = config.Get("dead_letter_exchange");
  t.dead_letter_queue = config.Get("dead_letter_queue");
  t.stream = config.Get("stream");
  t.stream_max_age = config.Get("stream_max_age");
  t.delivery_limit = static_cast<int>(config.GetInt("delivery_limit"));
  return t;
}

storage::IngestSettings IngestSettingsFrom(const Config& config) {
  storage::IngestSettings s;
  s.tenant_defaults.timezone = config.Get("default_timezone");
  s.tenant_defaults.currency = config.Get("default_currency");
  s.tenant_defaults.low_stock_threshold = static_cast<int>(config.GetInt("low_stock_threshold"));
  s.limits.max_body_bytes = static_cast<size_t>(config.GetInt("max_body_bytes"));
  return s;
}

}  // namespace vecton::ingestor
