#include "store/postgres/written_sessions.hpp"

namespace hearth::store {

std::optional<WrittenSessions::Written> WrittenSessions::find(std::string_view session_id) const {
  std::lock_guard lock(mutex_);
  const Entry* e = sessions_.find(session_id);
  if (e == nullptr || !e->session) return std::nullopt;
  return Written{*e->session, e->version};
}

void WrittenSessions::publish(const calls::CallSession& s, std::int64_t version) {
  std::lock_guard lock(mutex_);
  if (const Entry* e = sessions_.find(s.session_id); e != nullptr && e->version >= version) return;
  Entry entry{std::nullopt, version};
  if (s.status != calls::Status::ended) entry.session = s;
  sessions_.put(s.session_id, std::move(entry));
}

void WrittenSessions::forget(std::string_view session_id) {
  std::lock_guard lock(mutex_);
  // A marker at the version it had: a late publish of that version or an older one stays out.
  if (Entry* e = sessions_.find(session_id)) e->session.reset();
}

}  // namespace hearth::store
