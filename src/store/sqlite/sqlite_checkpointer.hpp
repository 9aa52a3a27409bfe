#pragma once
// SqliteCheckpointer: copies the WAL back into the database file on its own thread and its own connection, so
// the store thread's commits never wait for a checkpoint. SQLite's automatic checkpoint runs inside the commit
// that crosses the threshold (wal_autocheckpoint, 1000 pages): that commit, and every request queued behind it,
// waits for about 4 MB of writes and an fsync of the database file — the slowest percent of REST answers.
// Here the writer's commit hook (SqliteConnection::on_wal_commit) only wakes this thread, which runs a PASSIVE
// checkpoint (it never blocks the writer, and readers never block it). At its next commit the writer copies the
// few frames appended meanwhile (inline, small), so that SQLite restarts the WAL from its beginning. Should the
// thread fall behind or fail (I/O errors are logged and retried on the next wake-up), the writer checkpoints
// inline once the WAL holds `inline_frames` frames, so the WAL stays bounded either way.
// Thread safety: wal_grew() is called from the writer's thread; the rest is internal.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace hearth::store {

class SqliteConnection;

struct CheckpointLimits {
  // Wake the checkpointer when the WAL holds this many frames (pages). Small on purpose: the checkpointer shares
  // the core with the I/O and store threads, and while it copies (a pread and a pwrite per distinct page) they wait,
  // so the size of one copy shows in the slowest answers. Measured (rest, concurrency 32, one core): initiate p99
  // 9.4-10.9 ms at 1,000 frames, 7.2-8.0 at 250, 5.9-6.8 at 128, 14-15 at 4,000, with the same throughput from 128
  // to 1,000 (hot pages are copied more often, but each copy is short).
  int background_frames = 256;
  int inline_frames = 20'000;  // the writer checkpoints itself past this many (the thread fell behind)
};

class SqliteCheckpointer {
 public:
  // Opens a second connection to `path` (a file database in WAL mode) and starts the thread. Throws StoreError.
  SqliteCheckpointer(const std::string& path, CheckpointLimits limits = {});
  ~SqliteCheckpointer();  // stops and joins the thread; its connection closes last and checkpoints what is left
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // The writer committed and the WAL now holds `frames` frames. Returns true if the writer should checkpoint
  // inline (the WAL passed inline_frames).
  bool wal_grew(int frames);

  // Checkpoints completed by the thread (for tests and metrics).
  std::uint64_t checkpoints() const noexcept { return done_.load(std::memory_order_relaxed); }

 private:
  void run();

  CheckpointLimits limits_;
  std::unique_ptr<SqliteConnection> db_;  // used by the thread only, once started
  std::mutex mutex_;
  std::condition_variable cv_;
  bool wanted_ = false, stopping_ = false;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<bool> caught_up_{false};  // a background checkpoint finished; the writer finishes the copy
  std::thread thread_;                  // last: starts after everything above exists
};

}  // namespace hearth::store
