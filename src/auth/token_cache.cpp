#include "auth/token_cache.hpp"

#include <functional>

namespace hearth::auth {

TokenCache::TokenCache(std::size_t capacity, std::chrono::seconds leeway) : leeway_(leeway) {
  const std::size_t per_shard = (capacity + kShards - 1) / kShards;
  for (auto& s : shards_) s = std::make_unique<Shard>(per_shard);
}

TokenCache::Shard& TokenCache::shard(std::string_view token) noexcept {
  return *shards_[std::hash<std::string_view>{}(token) % kShards];
}

std::optional<Principal> TokenCache::find(std::string_view token, TimePoint now) {
  Shard& s = shard(token);
  std::lock_guard lock(s.mutex);
  const Entry* e = s.entries.find(token);
  if (e == nullptr) return std::nullopt;
  // Expired (or the clock went back past the verification): verify afresh, which names the reason.
  if (now >= e->principal.expires_at + leeway_ || now < e->verified_at) return std::nullopt;
  return e->principal;
}

void TokenCache::put(std::string_view token, const Principal& principal, TimePoint verified_at) {
  Shard& s = shard(token);
  std::lock_guard lock(s.mutex);
  s.entries.put(token, Entry{principal, verified_at});
}

}  // namespace hearth::auth
