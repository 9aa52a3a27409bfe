#pragma once
// Node ids: what names a hearth-call node on the bus (its Redis channel, its heartbeat) and, later, the prefix of
// its socket ids that nginx routes on. [a-z0-9-]{1,32}: safe in a Redis key, a URL and a log line as they are.
// Thread safety: pure functions.
#include <string_view>

namespace hearth::cluster {

inline constexpr std::size_t max_node_id_length = 32;

constexpr bool valid_node_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > max_node_id_length) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

}  // namespace hearth::cluster
