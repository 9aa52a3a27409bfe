#include "http/middleware/rate_limiter.hpp"

#include <cmath>
#include <functional>

namespace hearth::http {

RateLimiter::RateLimiter(double per_minute, std::size_t max_keys)
    : capacity_(per_minute),
      per_ms_(per_minute / 60'000.0),
      max_keys_per_shard_(std::max<std::size_t>(1, max_keys / 16)) {}

std::optional<std::chrono::seconds> RateLimiter::acquire(std::string_view key, TimePoint now) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_keys_per_shard_) prune(shard, now);
    it = shard.buckets.emplace(std::string(key), Bucket{capacity_, now}).first;
  }
  Bucket& b = it->second;
  // A clock stepping backwards grants nothing (and `updated` stays put, so the interval is not granted twice).
  const auto elapsed = static_cast<double>((now - b.updated).count());
  if (elapsed > 0) {
    b.tokens = std::min(capacity_, b.tokens + elapsed * per_ms_);
    b.updated = now;
  }
  // The refill is summed in floating point: allow for its rounding, so a token due exactly now is there.
  constexpr double kEpsilon = 1e-9;
  if (b.tokens + kEpsilon >= 1.0) {
    b.tokens = std::max(0.0, b.tokens - 1.0);
    return std::nullopt;
  }
  const double wait_ms = (1.0 - b.tokens) / per_ms_;
  return std::chrono::seconds(static_cast<std::int64_t>(std::ceil(wait_ms / 1000.0)));
}

void RateLimiter::prune(Shard& shard, TimePoint now) {
  // Drop buckets that have refilled completely: forgetting them changes nothing.
  std::erase_if(shard.buckets, [&](const auto& kv) {
    const auto elapsed = static_cast<double>((now - kv.second.updated).count());
    return kv.second.tokens + elapsed * per_ms_ >= capacity_;
  });
  if (shard.buckets.size() >= max_keys_per_shard_) shard.buckets.clear();  // under attack: start over
}

}  // namespace hearth::http
