#pragma once
// A transparent hash for unordered maps keyed by strings: find(std::string_view) without building a std::string.
// Use with std::equal_to<>.
#include <cstddef>
#include <functional>
#include <string_view>

namespace hearth {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace hearth
