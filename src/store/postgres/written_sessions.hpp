#pragma once
// WrittenSessions: the sessions a node's PostgreSQL lanes wrote last, each with its row_version, shared by the
// node's lanes (postgres/pg_repository.hpp). Two uses:
// - a lane that finds one of them for update takes it from here, without a round trip or a row lock, and writes it
//   back only if the row is still at that version (compare-and-set);
// - a read-only request (a REST get) is answered from here on its I/O thread, as SQLite's CommittedSessions does:
//   only this node writes the database (a node of several keeps none of this), and every lane publishes what it
//   committed before any of its operations completes, so a client that saw its write answered finds it here.
// Versions only go up: a lane that publishes late (its commit came first, its publish after another lane's) cannot
// put an older copy back, and an ended session stays as a marker (find: nullopt, ask the database) that keeps its
// older copies out. Bounded: the least recently used entries are evicted past `capacity`.
// Thread safety: every member function may be called from any thread (one mutex; find copies the session).
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "calls/call_session.hpp"
#include "core/lru_cache.hpp"

namespace hearth::store {

class WrittenSessions {
 public:
  struct Written {
    calls::CallSession session;
    std::int64_t version = 0;
  };

  explicit WrittenSessions(std::size_t capacity = 4096) : sessions_(capacity) {}

  // A live session as last written, nullopt if not known here (or ended).
  std::optional<Written> find(std::string_view session_id) const;
  // As committed at `version`: kept unless a later version is already here; an ended one leaves only its marker.
  void publish(const calls::CallSession& s, std::int64_t version);
  // Not to be taken from here any more (a copy found stale, or a write whose version was not learnt): find() misses
  // until a later version is published.
  void forget(std::string_view session_id);

 private:
  struct Entry {
    std::optional<calls::CallSession> session;  // nullopt: ended
    std::int64_t version = 0;
  };
  mutable std::mutex mutex_;
  mutable LruCache<Entry> sessions_;  // find() marks an entry used
};

}  // namespace hearth::store
