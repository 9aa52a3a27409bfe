#include "core/rate_limiter.hpp"

#include <algorithm>
#include <functional>

namespace hearth {

RateLimiter::RateLimiter(double per_minute, std::size_t max_keys)
    : capacity_(per_minute),
      per_ms_(per_minute / 60'000.0),
      max_keys_per_shard_(std::max<std::size_t>(1, max_keys / 16)) {}

std::optional<std::chrono::seconds> RateLimiter::acquire(std::string_view key, TimePoint now) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) prune(shard, now);
    it = shard.buckets.emplace(std::string(key), TokenBucket(capacity_, now)).first;
  }
  const auto wait = it->second.take(now, per_ms_, capacity_);
  if (!wait) return std::nullopt;
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(*wait));
}

void RateLimiter::prune(Shard& shard, TimePoint now) {
  std::erase_if(shard.buckets, [&](const auto& kv) { return kv.second.full_at(now, per_ms_, capacity_); });
  if (shard.buckets.size() >= max_keys_per_shard_) shard.buckets.clear();  // under attack: start over
}

}  // namespace hearth
