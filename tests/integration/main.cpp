// The integration tests' runner: real PostgreSQL, Redis and RabbitMQ, whose addresses arrive
// in DATABASE_URL, REDIS_URL and AMQP_URL (scripts/test.sh starts them).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
