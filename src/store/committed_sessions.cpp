#include "store/committed_sessions.hpp"

#include "store/session_cache.hpp"

namespace hearth::store {

std::optional<calls::CallSession> CommittedSessions::find(std::string_view session_id) const {
  std::lock_guard lock(mutex_);
  if (const auto* s = sessions_.find(session_id)) return *s;
  return std::nullopt;
}

void CommittedSessions::publish(const calls::CallSession& s) {
  std::lock_guard lock(mutex_);
  keep_if_live(sessions_, s);
}

void CommittedSessions::forget(std::string_view session_id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session_id);
}

void CommittedSessions::clear() {
  std::lock_guard lock(mutex_);
  sessions_.clear();
}

}  // namespace hearth::store
