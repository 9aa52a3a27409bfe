#pragma once
// The sockets whose tokens expire, by the second of their deadline, so that one timer of the service serves them
// all: a timer per socket cost ~380 B of RSS per idle socket (BENCHMARKS.md, idle). A socket that authenticates
// again is added again with its new deadline; its old entry, when due, finds the deadline moved and is dropped.
// Thread safety: thread safe (one short mutex, touched once per sign-in and once per tick).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "core/clock.hpp"

namespace hearth::signaling {

template <class T>
class ExpiryWheel {
 public:
  // Adds `item`, due at `deadline`. True if the wheel was idle: the caller starts ticking (see take_due).
  bool add(TimePoint deadline, std::weak_ptr<T> item) {
    // Rounded up to the second, so whatever is taken at `now` is due at `now`.
    const std::int64_t second = (to_epoch_ms(deadline) + 999) / 1000;
    std::lock_guard lock(mutex_);
    buckets_[second].push_back(std::move(item));
    const bool start = !ticking_;
    ticking_ = true;
    return start;
  }

  // Removes and returns what is due at `now`. When nothing is left, the wheel goes idle (`idle` is set) and the
  // next add() says to start ticking again.
  std::vector<std::weak_ptr<T>> take_due(TimePoint now, bool& idle) {
    const std::int64_t second = to_epoch_ms(now) / 1000;
    std::vector<std::weak_ptr<T>> due;
    std::lock_guard lock(mutex_);
    for (auto it = buckets_.begin(); it != buckets_.end() && it->first <= second; it = buckets_.erase(it))
      for (auto& item : it->second) due.push_back(std::move(item));
    idle = buckets_.empty();
    if (idle) ticking_ = false;
    return due;
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [second, items] : buckets_) n += items.size();
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::vector<std::weak_ptr<T>>> buckets_;  // epoch second → items due then
  bool ticking_ = false;
};

}  // namespace hearth::signaling
