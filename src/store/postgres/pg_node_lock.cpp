#include "store/postgres/pg_node_lock.hpp"

#include <chrono>
#include <cstdint>
#include <thread>

#include <spdlog/spdlog.h>

#include "store/postgres/pg_connection.hpp"
#include "store/repository.hpp"

namespace hearth::store {

namespace {

// The previous run of this node, killed a moment ago, may still hold its shared lock for a few milliseconds: its
// session ends when PostgreSQL reads the end of its socket. A node that is starting holds the exclusive lock only for
// a moment too. Both are waited for this long, at most.
constexpr int kAttempts = 10;
constexpr std::chrono::milliseconds kPause{20};

}  // namespace

PgNodeLock::PgNodeLock(const std::string& database_url) {
  try {
    conn_ = std::make_unique<PgConnection>(database_url);
    // The session must end when the node's machine vanishes, and never because it stays idle.
    conn_->exec("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 5");
    try {
      conn_->exec("SET idle_session_timeout = 0");
    } catch (const StoreError&) {  // before PostgreSQL 14: no such setting, and no such timeout
    }
    for (int attempt = 0; attempt < kAttempts && !alone_; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(kPause);
      alone_ = try_lock("pg_try_advisory_lock");
    }
    // From exclusive to shared: the session holds both for a moment (its own locks never conflict), then only the
    // shared one, so that no other node starting meanwhile finds itself alone.
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(kPause);
      if (!try_lock("pg_try_advisory_lock_shared")) continue;
      if (alone_ && !try_lock("pg_advisory_unlock")) alone_ = false;
      return;
    }
    spdlog::warn(
        "PostgreSQL node lock: no shared lock; a node started later may take this one's seats for a "
        "crashed run's");
  } catch (const StoreError& e) {
    alone_ = false;
    spdlog::warn("PostgreSQL node lock not taken ({}): seats a crash of an earlier run left end with their calls",
                 e.what());
  }
}

PgNodeLock::~PgNodeLock() = default;  // closing the session releases the lock

bool PgNodeLock::try_lock(const char* function) {
  auto q = conn_->query(std::string("SELECT ") + function + "(?1)", true);
  q.bind(1, std::int64_t{kKey});
  return q.step() && q.text(0) == "t";
}

}  // namespace hearth::store
