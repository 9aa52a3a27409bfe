#pragma once
// SessionCache: the most recently used live call sessions of a Repository, so that the read-modify-write of a
// join or a leave does not read and parse the stored document again. Write-through and transactional: the
// repository puts every session it writes as it writes it, and the cache forgets what a rolled-back savepoint or
// transaction wrote (the next read goes to the database). Ended sessions are not kept (their calls are over; a
// later read is rare). The owner clears it whenever someone else may have written the database.
// Bounded: the least recently used session is evicted past `capacity` (0 disables the cache).
// Thread safety: none; the repository's thread only.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "calls/call_session.hpp"
#include "core/lru_cache.hpp"

namespace hearth::store {

// The rule both session caches follow: a live session is kept (replacing an older copy), an ended one dropped.
inline void keep_if_live(LruCache<calls::CallSession>& sessions, const calls::CallSession& s) {
  if (s.status == calls::Status::ended)
    sessions.erase(s.session_id);
  else
    sessions.put(s.session_id, s);
}

class SessionCache {
 public:
  explicit SessionCache(std::size_t capacity) : sessions_(capacity) {}

  // The cached session, marked most recently used; null if not cached.
  const calls::CallSession* find(std::string_view session_id) { return sessions_.find(session_id); }
  // The session as just written (inside the current transaction): cached, or dropped if it has ended.
  void put(const calls::CallSession& s) { store(s, true); }
  // The session as just read from the database, which is its committed state or this transaction's own.
  void remember(const calls::CallSession& s) { store(s, false); }
  void clear() { sessions_.clear(); }
  std::size_t size() const noexcept { return sessions_.size(); }
  // Ids written in the current transaction (and not rolled back), in order, possibly repeated.
  const std::vector<std::string>& written() const noexcept { return written_; }

  // Transaction bookkeeping, called with the repository's own begin/savepoint/... .
  void savepoint() noexcept { savepoint_mark_ = written_.size(); }
  void release_savepoint() noexcept {}
  void rollback_to_savepoint() { forget_written_from(savepoint_mark_); }  // forgets what the savepoint wrote
  void commit() noexcept {
    written_.clear();
    savepoint_mark_ = 0;
  }
  void rollback() {  // forgets what the transaction wrote
    forget_written_from(0);
    savepoint_mark_ = 0;
  }

 private:
  void store(const calls::CallSession& s, bool written);
  void forget_written_from(std::size_t mark);

  LruCache<calls::CallSession> sessions_;
  std::vector<std::string> written_;  // ids written in the current transaction, in order
  std::size_t savepoint_mark_ = 0;    // written_.size() when the current savepoint began
};

}  // namespace hearth::store
