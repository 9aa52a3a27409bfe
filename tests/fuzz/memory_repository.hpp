#pragma once
// An in-memory Repository for the HTTP fuzz target: the REST API runs its real store operations (through the real
// Store thread) against it, at a fraction of SQLite's cost per execution, and reset() gives every input the same
// empty state. Savepoints copy the map, so a failed operation leaves nothing behind, as in SQLite.
// Thread safety: like every Repository, used from the store thread only; reset() only while nothing is queued.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/repository.hpp"
#include "store/session_json.hpp"

namespace hearth::fuzz {

class MemoryRepository final : public store::Repository {
 public:
  void reset() {
    sessions_.clear();
    saved_.clear();
  }

  int migrate() override { return 0; }
  int schema_version() override { return 1; }
  void begin() override {}
  void commit() override {}
  void rollback() override {}
  void savepoint() override { saved_ = sessions_; }
  void release_savepoint() override {}
  void rollback_to_savepoint() override { sessions_ = saved_; }

  void insert(const calls::CallSession& s) override {
    if (!sessions_.emplace(s.session_id, s).second) throw store::StoreError(errc::conflict, "duplicate session id");
  }
  std::optional<calls::CallSession> find(std::string_view session_id, bool) override {
    const auto it = sessions_.find(std::string(session_id));
    if (it == sessions_.end()) return std::nullopt;
    return it->second;
  }
  void update(const calls::CallSession& s) override {
    const auto it = sessions_.find(s.session_id);
    if (it == sessions_.end()) throw store::StoreError(errc::not_found, "no such session");
    it->second = s;
  }
  store::HistoryPage history(const store::HistoryQuery& q) override {
    if (q.page < 1 || q.limit < 1 || q.limit > 100) throw store::StoreError(errc::invalid_argument, "history query");
    std::vector<const calls::CallSession*> matching;
    for (const auto& [id, s] : sessions_)
      if (s.is_member(q.user_id) && (!q.status || s.status == *q.status)) matching.push_back(&s);
    std::sort(matching.begin(), matching.end(), [](const auto* a, const auto* b) {
      return a->created_at != b->created_at ? a->created_at > b->created_at : a->session_id > b->session_id;
    });
    store::HistoryPage page;
    page.total = static_cast<std::int64_t>(matching.size());
    const auto first = static_cast<std::size_t>(q.page - 1) * static_cast<std::size_t>(q.limit);
    for (std::size_t i = first; i < matching.size() && i < first + static_cast<std::size_t>(q.limit); ++i)
      page.documents.push_back(store::to_json_text(*matching[i]));
    return page;
  }
  std::vector<std::string> due(TimePoint now, int limit) override {
    std::vector<std::string> out;
    for (const auto& [id, s] : sessions_)
      if (s.status != calls::Status::ended && s.deadline <= now && out.size() < static_cast<std::size_t>(limit))
        out.push_back(id);
    return out;
  }
  void ping() override {}

 private:
  std::map<std::string, calls::CallSession> sessions_;
  std::map<std::string, calls::CallSession> saved_;
};

}  // namespace hearth::fuzz
