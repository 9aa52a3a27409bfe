#pragma once
// The node lock (store/node_lock.hpp) on a PostgreSQL database: a session-level advisory lock (one key per database:
// advisory locks are scoped to the database they are taken in), held on a connection of its own that stays idle for
// the life of the process. PostgreSQL releases it when that session ends: at once when the process dies (the kernel
// closes its socket), within about 15 s when the node's machine vanishes (the session sets TCP keepalives on the
// server's side, and turns off idle_session_timeout). It needs a real session: behind a transaction-pooling proxy
// (PgBouncer's transaction mode) advisory session locks do not hold, and a node would think itself alone.
// If PostgreSQL restarts while the node runs, the lock goes with the session and is not taken again: a node started
// alone on the database after that ends this one's stored seats a grace after its start (those its sockets still use
// are taken back when their clients rejoin). The lock is only asked for without REDIS_URL.
// Thread safety: immutable after construction.
#include <memory>
#include <string>

#include "store/node_lock.hpp"

namespace hearth::store {

class PgConnection;

class PgNodeLock final : public NodeLock {
 public:
  // Connects (blocking, up to the connection's 5 s timeout) and takes the lock. A node that cannot connect or lock
  // is not alone.
  explicit PgNodeLock(const std::string& database_url);
  ~PgNodeLock() override;
  PgNodeLock(const PgNodeLock&) = delete;
  PgNodeLock& operator=(const PgNodeLock&) = delete;

  bool alone_at_start() const noexcept override { return alone_; }

  // The advisory lock's key: "hearthNL" read as a big-endian 64-bit integer.
  static constexpr long long kKey = 0x68656172'74684e4c;

 private:
  bool try_lock(const char* function);

  std::unique_ptr<PgConnection> conn_;
  bool alone_ = false;
};

}  // namespace hearth::store
