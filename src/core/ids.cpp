#include "core/ids.hpp"

#include "core/random.hpp"

namespace hearth {

std::string make_session_id(TimePoint now) {
  std::string id = "call_";
  id += std::to_string(to_epoch_ms(now));
  id += '_';
  id += random_base36(9);
  return id;
}

bool is_session_id(std::string_view id) noexcept {
  constexpr std::string_view prefix = "call_";
  if (id.size() > kMaxIdLength || !id.starts_with(prefix)) return false;
  id.remove_prefix(prefix.size());
  const auto sep = id.find('_');
  if (sep == 0 || sep == std::string_view::npos || id.size() - sep - 1 != 9) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == sep) continue;
    const bool digit = c >= '0' && c <= '9';
    if (i < sep ? !digit : !(digit || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

bool is_valid_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (unsigned char c : id)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace hearth
