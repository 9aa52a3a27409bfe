#pragma once
// How many sessions each recently asked-about user is a member of: the `total` of a history page without a status
// filter, which SQLite can only count by walking all the user's call_members rows (~60 ns each: about 1 ms for a
// user with 15,000 sessions; BENCHMARKS.md, "Cost as the data grows"). The SQLite repository keeps it: it is the only
// writer of its file (another process's commit clears it, as it clears the session cache), and member rows are only
// ever added, by a session's insert.
//
// Only committed counts are kept. The member rows a transaction adds are listed (savepoints trim the list) and
// counted in at commit, so a rollback leaves the counts right; a count read inside a transaction is stored without
// what the transaction itself added.
// Thread safety: none; the repository's thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "calls/call_session.hpp"
#include "core/string_hash.hpp"

namespace hearth::store {

class MemberTotals {
 public:
  explicit MemberTotals(std::size_t capacity) : capacity_(capacity) {}

  // The user's total as the current transaction sees it; nullopt if not known.
  std::optional<std::int64_t> find(std::string_view user_id) const;
  // `counted` was read from the database in the current transaction (its own rows included).
  void remember(std::string_view user_id, std::int64_t counted);
  // The session's member rows were written in the current transaction (each user once, as the INSERT does).
  void inserted(const calls::CallSession& s);

  void savepoint() noexcept { savepoint_mark_ = added_.size(); }
  void rollback_to_savepoint() { added_.resize(savepoint_mark_); }
  void commit();
  void rollback() noexcept {
    added_.clear();
    savepoint_mark_ = 0;
  }
  void clear() noexcept { totals_.clear(); }  // another process wrote the file
  std::size_t size() const noexcept { return totals_.size(); }

 private:
  std::int64_t added_in_transaction(std::string_view user_id) const;

  std::size_t capacity_;
  std::unordered_map<std::string, std::int64_t, StringHash, std::equal_to<>> totals_;
  std::vector<std::string> added_;  // one per member row the current transaction wrote
  std::size_t savepoint_mark_ = 0;
};

}  // namespace hearth::store
