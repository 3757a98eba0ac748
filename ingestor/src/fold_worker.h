// The daemon's second database connection: it adds the aggregate deltas that committed
// batches staged (storage::FoldPending) to the aggregate tables, on a thread of its own, and
// then bumps the cache generations of the tenants whose numbers changed.
//
// DESIGN
// The consumer commits a batch's facts and staged deltas, acks it and goes on with the next
// batch while this thread folds, so the two share PostgreSQL's cores instead of taking
// turns. The thread folds as long as anything is pending — when batches come faster than
// it folds, each fold takes more of them at once and updates a busy aggregate row once for
// all of them — and otherwise sleeps until Notify, or a second, which also picks up rows
// left by a crashed process. Folding is exactly-once by construction (one transaction
// deletes the rows and adds them), so a failure here only delays numbers: it is logged, and
// retried with the same backoff as the consumer's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "cache/generation.h"
#include "vecton/config.h"

namespace vecton::ingestor {

class FoldWorker {
 public:
  explicit FoldWorker(const Config& config);
  // Stop().
  ~FoldWorker();
  FoldWorker(const FoldWorker&) = delete;
  FoldWorker& operator=(const FoldWorker&) = delete;

  // A batch with aggregate deltas was committed.
  void Notify();
  // Folds what is pending once more, a bounded amount (unless the database is away), and
  // ends the thread.
  void Stop();

 private:
  // Folds of the last round at most: what two batches in flight staged, and more.
  static constexpr int kLastFolds = 4;

  void Run();
  bool StopRequested();
  // Folds until nothing is pending (the `last` round: kLastFolds at most; otherwise until a
  // stop is requested); false when the database failed.
  bool FoldAll(bool last);

  const Config& config_;
  cache::GenerationPublisher generations_;
  std::unique_ptr<pqxx::connection> db_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool notified_ = false;
  bool stopping_ = false;
  std::chrono::milliseconds backoff_{200};
  std::thread thread_;
};

}  // namespace vecton::ingestor
