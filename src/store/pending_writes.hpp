#pragma once
// PendingWrites: the sessions a transaction has updated but not yet written to the database. A batch often
// updates one session several times (the four joins of a call, then its four leaves, land in the same group
// commit): the repository keeps the newest state here and writes each session once, before the commit, instead
// of serialising and storing the document at every update (measured: 33 updates of 11 sessions per batch in
// the set-up benchmark).
// Transactional like the operations of a batch: rolling back an operation's savepoint restores what it replaced,
// including sessions already written inside that savepoint (mark_written), which become pending again because
// the database rolled their write back too. One savepoint level, as the Store uses.
// Thread safety: none; the repository's thread only.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "calls/call_session.hpp"
#include "core/string_hash.hpp"

namespace hearth::store {

class PendingWrites {
 public:
  // The newest state of a session updated in this transaction (written yet or not); null if none.
  const calls::CallSession* find(std::string_view session_id) const;
  // Records `s` as the session's newest state, to be written.
  void put(const calls::CallSession& s);
  // The sessions to write now, in the order they were first updated; mark each with mark_written once written.
  std::vector<const calls::CallSession*> unwritten() const;
  void mark_written(std::string_view session_id);

  void savepoint() { undo_.clear(); }
  void release_savepoint() { undo_.clear(); }
  void rollback_to_savepoint();
  void clear();  // the transaction ended (committed, or rolled back)
  bool empty() const noexcept { return entries_.empty(); }

 private:
  struct Entry {
    calls::CallSession session;
    bool written = false;  // written to the database inside this transaction, and not changed since
  };
  // How to take back one change of the current savepoint.
  struct Undo {
    std::size_t slot;
    bool added;                                // the entry was created: remove it
    std::optional<calls::CallSession> before;  // the session it replaced (nullopt: the session did not change)
    bool written_before;
  };

  std::vector<Entry> entries_;                                                       // in the order first updated
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> slots_;  // session id -> index in entries_
  std::vector<Undo> undo_;  // changes since the savepoint began, oldest first
};

}  // namespace hearth::store
