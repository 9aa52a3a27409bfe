#include "store/pending_writes.hpp"

namespace hearth::store {

const calls::CallSession* PendingWrites::find(std::string_view session_id) const {
  if (entries_.empty()) return nullptr;
  const auto it = slots_.find(session_id);
  return it == slots_.end() ? nullptr : &entries_[it->second].session;
}

void PendingWrites::put(const calls::CallSession& s) {
  const auto [it, added] = slots_.try_emplace(s.session_id, entries_.size());
  if (added) {
    entries_.push_back(Entry{s, false});
    undo_.push_back(Undo{it->second, true, std::nullopt, false});
    return;
  }
  auto& entry = entries_[it->second];
  undo_.push_back(Undo{it->second, false, std::move(entry.session), entry.written});
  entry.session = s;
  entry.written = false;
}

std::vector<const calls::CallSession*> PendingWrites::unwritten() const {
  std::vector<const calls::CallSession*> out;
  for (const auto& e : entries_)
    if (!e.written) out.push_back(&e.session);
  return out;
}

void PendingWrites::mark_written(std::string_view session_id) {
  const auto it = slots_.find(session_id);
  if (it == slots_.end()) return;
  auto& entry = entries_[it->second];
  if (entry.written) return;
  undo_.push_back(Undo{it->second, false, std::nullopt, false});
  entry.written = true;
}

void PendingWrites::rollback_to_savepoint() {
  for (auto u = undo_.rbegin(); u != undo_.rend(); ++u) {
    if (u->added) {  // created in this savepoint, so after every older entry: it is the last one
      slots_.erase(entries_.back().session.session_id);
      entries_.pop_back();
      continue;
    }
    auto& entry = entries_[u->slot];
    if (u->before) entry.session = std::move(*u->before);
    entry.written = u->written_before;
  }
  undo_.clear();
}

void PendingWrites::clear() {
  entries_.clear();
  slots_.clear();
  undo_.clear();
}

}  // namespace hearth::store
