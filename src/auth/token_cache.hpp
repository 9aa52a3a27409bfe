#pragma once
// TokenCache: bearer tokens that JwtVerifier has fully verified (signature, algorithm, claims), so that a client
// sending the same token with every request (the normal case) costs a hash lookup instead of base64, two JSON
// parses and an HMAC or RSA/ECDSA verification each time. Only verified tokens enter; an entry answers only while
// `now` lies between the time it was verified and its exp plus the leeway, otherwise the caller verifies afresh
// (and gets the precise error). Long tokens are not kept. Bounded: least recently used entries are evicted.
// Thread safety: find() and put() may be called from any thread; the entries are split over mutex-guarded shards.
#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/lru_cache.hpp"

namespace hearth::auth {

class TokenCache {
 public:
  // `capacity` tokens in all (0: the cache is off).
  TokenCache(std::size_t capacity, std::chrono::seconds leeway);

  std::optional<Principal> find(std::string_view token, TimePoint now);
  void put(std::string_view token, const Principal& principal, TimePoint verified_at);

 private:
  static constexpr std::size_t kShards = 8;
  struct Entry {
    Principal principal;
    TimePoint verified_at;
  };
  struct Shard {
    explicit Shard(std::size_t capacity) : entries(capacity) {}
    std::mutex mutex;
    LruCache<Entry> entries;
  };
  Shard& shard(std::string_view token) noexcept;

  std::chrono::seconds leeway_;
  std::array<std::unique_ptr<Shard>, kShards> shards_;
};

}  // namespace hearth::auth
