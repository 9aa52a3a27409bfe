#pragma once
// The node lock (store/node_lock.hpp) on a PostgreSQL database: a session-level advisory lock (one key per database:
// advisory locks are scoped to the database they are taken in), held on a connection of its own that stays idle for
// the life of the process. PostgreSQL releases it when that session ends: at once when the process dies (the kernel
// closes its socket), within about 15 s when the node's machine vanishes (the session sets TCP keepalives on the
// server's side, and turns off idle_session_timeout). It needs a real session: behind a transaction-pooling proxy
// (PgBouncer's transaction mode) advisory session locks do not hold, and a node would think itself alone.
// If the session ends while the node runs (PostgreSQL restarted, the connection cut), a thread of the lock's own
// notices within `check_every` (10 s) and takes the shared lock again on a new session; until then a node started
// alone on the database would take this one's stored seats for a crashed run's. The lock is only asked for without
// REDIS_URL.
// Thread safety: alone_at_start() is immutable after construction; the connection is the keeper thread's after it.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "store/node_lock.hpp"

namespace hearth::store {

class PgConnection;

class PgNodeLock final : public NodeLock {
 public:
  // Connects (blocking, up to the connection's 5 s timeout) and takes the lock. A node that cannot connect or lock
  // is not alone.
  explicit PgNodeLock(const std::string& database_url,
                      std::chrono::milliseconds check_every = std::chrono::seconds(10));
  ~PgNodeLock() override;
  PgNodeLock(const PgNodeLock&) = delete;
  PgNodeLock& operator=(const PgNodeLock&) = delete;

  bool alone_at_start() const noexcept override { return alone_; }

  // The advisory lock's key: "hearthNL" read as a big-endian 64-bit integer.
  static constexpr std::int64_t kKey = 0x68656172'74684e4c;

 private:
  void set_up_session();
  bool try_lock(const char* function);
  bool try_lock_waiting(const char* function);  // try_lock with a few short waits between tries
  bool holds_shared();                          // this session holds the shared lock now; throws StoreError
  void keep(const std::stop_token& stop);       // the keeper's loop

  std::unique_ptr<PgConnection> conn_;
  bool alone_ = false;
  std::chrono::milliseconds check_every_;
  std::mutex mutex_;
  std::condition_variable_any wake_;  // only for its wait that a stop request ends
  std::jthread keeper_;               // last: stopped and joined before the connection goes
};

}  // namespace hearth::store
