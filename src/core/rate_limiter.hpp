#pragma once
// Token-bucket rate limiting per key (a user id, or a client address before authentication): REST requests per
// user, failed authentications per address (shared by REST and Socket.IO), Engine.IO handshakes per address.
// Thread safety: thread safe; the key space is split into shards, each behind its own short mutex (a bucket
// update is a few arithmetic operations, so contention is negligible next to a strand hop).
#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/string_hash.hpp"
#include "core/token_bucket.hpp"

namespace hearth {

class RateLimiter {
 public:
  // `per_minute` sustained, bursts up to `per_minute` (a key's bucket starts full). At most `max_keys` buckets are
  // kept: past it, full ones are forgotten (they change nothing), and under a flood of keys all of them.
  explicit RateLimiter(double per_minute, std::size_t max_keys = 100'000);

  // Takes one token for `key`. nullopt if allowed; otherwise how long until a token is available (at least 1 s).
  std::optional<std::chrono::seconds> acquire(std::string_view key, TimePoint now);

 private:
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, TokenBucket, StringHash, std::equal_to<>> buckets;
  };
  void prune(Shard& shard, TimePoint now);

  double capacity_;
  double per_ms_;
  std::size_t max_keys_per_shard_;
  std::array<Shard, 16> shards_;
};

}  // namespace hearth
