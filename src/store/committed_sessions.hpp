#pragma once
// CommittedSessions: the last committed state of recently written live sessions, readable from any thread, so a
// read-only request (a REST join or get) can be answered on its I/O thread without a round trip through the store
// thread and its transaction. The repository publishes what each batch wrote right after the batch commits
// (before any of its operations completes, so a client that saw its write answered also finds it here) and
// empties it when it notices (at the start of its next transaction) that another connection has written the
// database. A miss means "not known here", never "does not exist": the caller then asks the store. Ended sessions
// are not kept. Bounded: least recently used entries are evicted past `capacity` (0: always a miss).
// Thread safety: every member function may be called from any thread (one mutex; a lookup copies the session).
#include <cstddef>
#include <mutex>
#include <optional>
#include <string_view>

#include "calls/call_session.hpp"
#include "core/lru_cache.hpp"

namespace hearth::store {

class CommittedSessions {
 public:
  explicit CommittedSessions(std::size_t capacity) : sessions_(capacity) {}

  std::optional<calls::CallSession> find(std::string_view session_id) const;
  void publish(const calls::CallSession& s);  // as committed: kept, or dropped if it has ended
  void forget(std::string_view session_id);
  void clear();

 private:
  mutable std::mutex mutex_;
  mutable LruCache<calls::CallSession> sessions_;  // find() marks an entry used
};

}  // namespace hearth::store
