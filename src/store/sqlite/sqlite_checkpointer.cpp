#include "store/sqlite/sqlite_checkpointer.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "store/sqlite/sqlite_connection.hpp"

namespace hearth::store {

SqliteCheckpointer::SqliteCheckpointer(const std::string& path, CheckpointLimits limits)
    : limits_(limits), db_(std::make_unique<SqliteConnection>(path)), thread_([this] { run(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

bool SqliteCheckpointer::wal_grew(int frames) {
  if (frames >= limits_.inline_frames) return true;
  // The thread copied the WAL up to some commit; the writer copies the few frames written since, and with the
  // WAL then fully copied SQLite restarts it from its beginning at the next transaction. (The writer appends while
  // the thread copies, so the thread alone would never leave a fully copied WAL behind.)
  if (caught_up_.exchange(false, std::memory_order_acq_rel)) return true;
  if (frames < limits_.background_frames) return false;
  {
    std::lock_guard lock(mutex_);
    if (wanted_) return false;
    wanted_ = true;
  }
  cv_.notify_one();
  return false;
}

void SqliteCheckpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return wanted_ || stopping_; });
      if (stopping_) return;
    }
    try {
      db_->checkpoint();
      done_.fetch_add(1, std::memory_order_relaxed);
      caught_up_.store(true, std::memory_order_release);
    } catch (const std::exception& e) {
      // The next commit past the threshold asks again; past inline_frames the writer checkpoints itself.
      spdlog::warn("sqlite checkpoint failed: {}", e.what());
    }
    std::lock_guard lock(mutex_);
    wanted_ = false;
  }
}

}  // namespace hearth::store
