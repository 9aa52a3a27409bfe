#include "store/postgres/pg_node_lock.hpp"

#include <cstdint>

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

PgNodeLock::PgNodeLock(const std::string& database_url, std::chrono::milliseconds check_every)
    : check_every_(check_every) {
  try {
    conn_ = std::make_unique<PgConnection>(database_url);
    set_up_session();
    alone_ = try_lock_waiting("pg_try_advisory_lock");
    // From exclusive to shared: the session holds both for a moment (its own locks never conflict), then only the
    // shared one, so that no other node starting meanwhile finds itself alone.
    if (!try_lock_waiting("pg_try_advisory_lock_shared"))
      spdlog::warn(
          "PostgreSQL node lock: no shared lock yet; a node started meanwhile may take this one's seats "
          "for a crashed run's");
    if (alone_ && !try_lock("pg_advisory_unlock")) alone_ = false;
  } catch (const StoreError& e) {
    alone_ = false;
    spdlog::warn("PostgreSQL node lock not taken ({}): seats a crash of an earlier run left end with their calls",
                 e.what());
    if (!conn_) return;  // never connected: nothing to keep
  }
  keeper_ = std::jthread([this](const std::stop_token& stop) { keep(stop); });
}

// The keeper goes first (its wait ends on the stop request), then the connection: closing the session releases the
// lock.
PgNodeLock::~PgNodeLock() = default;

void PgNodeLock::set_up_session() {
  // The session must end when the node's machine vanishes, and never because it stays idle.
  conn_->exec("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 5");
  try {
    conn_->exec("SET idle_session_timeout = 0");
  } catch (const StoreError&) {  // before PostgreSQL 14: no such setting, and no such timeout
  }
}

bool PgNodeLock::try_lock(const char* function) {
  auto q = conn_->query(std::string("SELECT ") + function + "(?1)", true);
  q.bind(1, kKey);
  return q.step() && q.text(0) == "t";
}

bool PgNodeLock::try_lock_waiting(const char* function) {
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kPause);
    if (try_lock(function)) return true;
  }
  return false;
}

bool PgNodeLock::holds_shared() {
  // A connection lost and made again (PgConnection reconnects a plain read once) is a new session: it holds nothing.
  auto q = conn_->query(
      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
      "AND mode = 'ShareLock' AND classid = ?1 AND objid = ?2 AND objsubid = 1",
      true);
  q.bind(1, static_cast<std::int64_t>(static_cast<std::uint64_t>(kKey) >> 32))
      .bind(2, static_cast<std::int64_t>(static_cast<std::uint64_t>(kKey) & 0xffffffffU));
  return q.step() && q.int64(0) > 0;
}

void PgNodeLock::keep(const std::stop_token& stop) {
  bool lost = false;
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, check_every_, [] { return false; });  // returns early only when stopped
    }
    if (stop.stop_requested()) return;
    try {
      if (holds_shared()) continue;
      if (!lost) spdlog::warn("PostgreSQL node lock lost (its session ended); taking it again");
      lost = true;
      set_up_session();
      if (try_lock_waiting("pg_try_advisory_lock_shared")) {
        spdlog::info("PostgreSQL node lock taken again");
        lost = false;
      }
    } catch (const StoreError& e) {
      if (!lost) spdlog::warn("PostgreSQL node lock: {}; trying again in {} ms", e.what(), check_every_.count());
      lost = true;
      conn_->reset();
    }
  }
}

}  // namespace hearth::store
