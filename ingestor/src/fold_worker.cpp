#include "fold_worker.h"

#include <algorithm>

#include "storage/aggregates.h"
#include "storage/database.h"
#include "vecton/log.h"

namespace vecton::ingestor {

FoldWorker::FoldWorker(const Config& config)
    : config_(config), generations_(config.Get("redis_url")), thread_([this] { Run(); }) {}

FoldWorker::~FoldWorker() { Stop(); }

void FoldWorker::Notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  wake_.notify_one();
}

void FoldWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void FoldWorker::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return notified_ || stopping_; });
    const bool last = stopping_;
    notified_ = false;
    lock.unlock();
    const bool ok = FoldAll(last);
    lock.lock();
    if (last) return;
    if (!ok) {
      wake_.wait_for(lock, backoff_, [this] { return stopping_; });
      backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
    }
  }
}

bool FoldWorker::StopRequested() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool FoldWorker::FoldAll(bool last) {
  try {
    if (!db_ || !db_->is_open()) {
      db_ = storage::Connect(config_.Get("database_url"), config_.Get("db_schema"));
    }
    // Other ingestors may stage deltas all the time: a stop interrupts the folding, and the
    // last round takes a bounded share of what is pending (the rest is anyone's next fold).
    for (int folds = 0; last ? folds < kLastFolds : !StopRequested(); ++folds) {
      const storage::Folded f = storage::FoldOnce(*db_);
      if (f.tenants.empty()) break;
      generations_.Bump(f.tenants, f.generation);
    }
    generations_.Flush();
    backoff_ = std::chrono::milliseconds(200);
    return true;
  } catch (const std::exception& e) {
    Log(LogLevel::kWarn, "pending aggregate deltas not folded; retrying", {{"error", e.what()}});
    db_.reset();
    return false;
  }
}

}  // namespace vecton::ingestor
