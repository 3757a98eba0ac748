// The analytics-ingestor daemon: the consumer loop.
//
// DESIGN
// One thread does everything, in a loop: take a batch from the work queue, ingest it in one
// transaction (storage/ingest.h), dead-letter the messages it rejected (published with
// their reason to the dead-letter exchange, confirmed), set the cache generations, and only
// then acknowledge the whole batch with one multiple-ack. A crash anywhere before the ack
// makes the broker deliver the batch again, and the event log turns the copies into no-ops.
//
// This loop is the one place that decides what a failure means:
//  - the database is unreachable or the transaction hit a deadlock: keep the batch in hand,
//    reconnect with backoff, try the same batch again (the messages are not released, so a
//    database outage never burns their delivery limit);
//  - the database rejects the batch for its data (a value it can't store): ingest the
//    messages one by one and dead-letter the one that fails, with the database's reason;
//  - the broker connection is lost: drop the batch (the broker redelivers it), reconnect.
// Redis being down delays the cache generations (cache/generation.h) and nothing else.
//
// Signals: the first SIGTERM or SIGINT lets the current batch finish (commit, ack), then the
// loop returns 0; a second one exits at once (the batch is redelivered). SIGHUP reopens the
// log file. With systemd (Type=notify) READY=1 is sent once PostgreSQL, RabbitMQ and Redis
// have all answered, STOPPING=1 on the way out.
#pragma once

#include "vecton/config.h"

namespace vecton::ingestor {

// Runs until a signal stops it; returns the process exit code.
int Serve(const Config& config);

}  // namespace vecton::ingestor
