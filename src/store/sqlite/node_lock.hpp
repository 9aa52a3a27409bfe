#pragma once
// Whether this process is the only hearth-call node on a SQLite database file. Every node holds a shared lock
// (flock(2)) on "<database>.nodes" for as long as it runs; at start it first asks for an exclusive one, which it gets
// only if no other node holds that file — none started before it and still running, as in a rolling restart or a
// blue-green switch over one database. The kernel releases the lock when the process ends, however it ends, so a
// crashed node never makes the next one think it has company. (flock locks are independent of the POSIX record
// locks SQLite takes on the database itself.)
// Used at start: a node alone ends the seats its previous run left (signaling, expire_previous_run).
// Thread safety: immutable after construction.
#include <string>

namespace hearth::store {

class SqliteNodeLock {
 public:
  SqliteNodeLock() = default;  // no database file (":memory:", PostgreSQL): never alone
  explicit SqliteNodeLock(const std::string& database_path);
  ~SqliteNodeLock();
  SqliteNodeLock(const SqliteNodeLock&) = delete;
  SqliteNodeLock& operator=(const SqliteNodeLock&) = delete;

  // No other node held the file when this one started.
  bool alone_at_start() const noexcept { return alone_; }

 private:
  int fd_ = -1;
  bool alone_ = false;
};

}  // namespace hearth::store
