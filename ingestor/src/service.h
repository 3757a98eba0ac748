// The analytics-ingestor daemon: the consumer loop.
//
// DESIGN
// The main thread owns the broker connection: it takes a batch from the work queue and hands
// it to one of `ingest_connections` database workers (threads with a connection each), which
// ingests it in one transaction (storage/ingest.h); then, strictly in delivery order, it
// dead-letters the messages a stored batch rejected (published with their reason to the
// dead-letter exchange, confirmed), sets the cache generations, and only then acknowledges
// the batch with one multiple-ack. While one batch's transaction runs, the next is received,
// decoded and stored on the other connection. A crash anywhere before the ack makes the
// broker deliver the batches again, and the event log turns the copies into no-ops. A third
// thread (fold_worker.h) adds the aggregate deltas the batches staged.
//
// What a failure means:
//  - the database is unreachable or the transaction hit a deadlock: the worker keeps the
//    batch, reconnects with backoff and tries the same batch again (the messages are not released,
//    so a database outage never burns their delivery limit);
//  - the database rejects the batch for its data (a value it can't store): ingest the
//    messages one by one and dead-letter the one that fails, with the database's reason;
//  - the broker connection is lost: drop the batches in flight (the broker redelivers them),
//    reconnect.
// Redis being down delays the cache generations (cache/generation.h) and nothing else.
//
// Signals: the first SIGTERM or SIGINT lets the batches in flight finish (commit, ack) and
// the pending deltas be folded, then Serve returns 0; a second one exits at once (the
// unacknowledged batches are redelivered). SIGHUP reopens the log file. With systemd (Type=notify)
// READY=1 is sent once PostgreSQL, RabbitMQ and Redis have all answered, STOPPING=1 on the way out.
#pragma once

#include "vecton/config.h"

namespace vecton::ingestor {

// Runs until a signal stops it; returns the process exit code.
int Serve(const Config& config);

}  // namespace vecton::ingestor
