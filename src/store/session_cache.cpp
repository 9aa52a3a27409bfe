#include "store/session_cache.hpp"

namespace hearth::store {

void SessionCache::store(const calls::CallSession& s, bool written) {
  if (sessions_.capacity() == 0) return;
  if (written) written_.push_back(s.session_id);
  keep_if_live(sessions_, s);
}

void SessionCache::forget_written_from(std::size_t mark) {
  for (std::size_t i = mark; i < written_.size(); ++i) sessions_.erase(written_[i]);
  written_.resize(mark);
}

}  // namespace hearth::store
