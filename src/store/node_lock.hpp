#pragma once
// Whether this process is the only hearth-call node on its database. Every node holds a shared lock for as long as it
// runs; at start it first asks for an exclusive one, which it gets only if no other node holds the shared one: none
// started before it and still running, as in a rolling restart or a blue-green switch over one database. The lock
// goes when the process ends, however it ends, so a crashed node never makes the next one think it has company.
// - SQLite: a flock(2) on "<database>.nodes" (sqlite/node_lock.hpp);
// - PostgreSQL: a session advisory lock, on a connection of its own (postgres/pg_node_lock.hpp).
// Used at start by a node without REDIS_URL: a node alone ends the seats its previous run left (signaling,
// expire_previous_run). A node on a bus learns of dead nodes, its own previous run among them, from the bus.
// Thread safety: immutable after construction.
#include <memory>
#include <string>

namespace hearth::store {

class NodeLock {
 public:
  virtual ~NodeLock() = default;
  // No other node held the lock when this one started.
  virtual bool alone_at_start() const noexcept = 0;
};

// The lock of `database_url` (sqlite://PATH or postgres://...); ":memory:" has none and is never alone.
// Connects to PostgreSQL (up to its connect timeout): call it at start, not on an I/O thread that serves.
std::unique_ptr<NodeLock> open_node_lock(const std::string& database_url);

}  // namespace hearth::store
