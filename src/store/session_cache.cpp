#include "store/session_cache.hpp"

namespace hearth::store {

const calls::CallSession* SessionCache::find(std::string_view session_id) {
  const auto it = index_.find(session_id);
  if (it == index_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, it->second);  // iterators stay valid
  return &*it->second;
}

void SessionCache::store(const calls::CallSession& s, bool written) {
  if (capacity_ == 0) return;
  if (written) written_.push_back(s.session_id);
  if (s.status == calls::Status::ended) return erase(s.session_id);
  if (const auto it = index_.find(std::string_view(s.session_id)); it != index_.end()) {
    const auto entry = it->second;
    index_.erase(it);  // the key views the string about to be assigned
    *entry = s;
    entries_.splice(entries_.begin(), entries_, entry);
  } else {
    if (index_.size() >= capacity_) erase(entries_.back().session_id);
    entries_.push_front(s);
  }
  index_.emplace(std::string_view(entries_.front().session_id), entries_.begin());
}

void SessionCache::erase(std::string_view session_id) {
  const auto it = index_.find(session_id);
  if (it == index_.end()) return;
  const auto entry = it->second;
  index_.erase(it);  // before the entry: the key views its session_id
  entries_.erase(entry);
}

void SessionCache::clear() {
  index_.clear();
  entries_.clear();
}

void SessionCache::forget_written_from(std::size_t mark) {
  for (std::size_t i = mark; i < written_.size(); ++i) erase(written_[i]);
  written_.resize(mark);
}

void SessionCache::rollback_to_savepoint() { forget_written_from(savepoint_mark_); }

void SessionCache::rollback() {
  forget_written_from(0);
  savepoint_mark_ = 0;
}

}  // namespace hearth::store
