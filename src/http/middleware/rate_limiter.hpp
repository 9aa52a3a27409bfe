#pragma once
// Token-bucket rate limiting per key (user id, or client address before authentication).
// Thread safety: thread safe; the key space is split into shards, each behind its own short mutex (a bucket
// update is a few arithmetic operations, so contention is negligible next to a strand hop).
#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace hearth::http {

class RateLimiter {
 public:
  // `per_minute` requests per minute sustained, bursts up to `per_minute` (the bucket starts full).
  explicit RateLimiter(double per_minute, std::size_t max_keys = 100'000);

  // Takes one token for `key`. nullopt if allowed; otherwise how long until a token is available.
  std::optional<std::chrono::seconds> acquire(std::string_view key, TimePoint now);

 private:
  struct Bucket {
    double tokens;
    TimePoint updated;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  void prune(Shard& shard, TimePoint now);

  double capacity_;
  double per_ms_;
  std::size_t max_keys_per_shard_;
  std::array<Shard, 16> shards_;
};

}  // namespace hearth::http
