#pragma once
// The node lock (store/node_lock.hpp) on a SQLite database file: every node holds a shared lock (flock(2)) on
// "<database>.nodes" for as long as it runs; at start it first asks for an exclusive one. The kernel releases the lock
// when the process ends. (flock locks are independent of the POSIX record locks SQLite takes on the database itself.)
// Thread safety: immutable after construction.
#include <string>

#include "store/node_lock.hpp"

namespace hearth::store {

class SqliteNodeLock final : public NodeLock {
 public:
  SqliteNodeLock() = default;  // no database file (":memory:"): never alone
  explicit SqliteNodeLock(const std::string& database_path);
  ~SqliteNodeLock() override;
  SqliteNodeLock(const SqliteNodeLock&) = delete;
  SqliteNodeLock& operator=(const SqliteNodeLock&) = delete;

  bool alone_at_start() const noexcept override { return alone_; }

 private:
  int fd_ = -1;
  bool alone_ = false;
};

}  // namespace hearth::store
