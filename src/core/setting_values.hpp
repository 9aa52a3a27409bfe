#pragma once
// Reading configuration values (environment variables and flags): comma lists and bounded integers. Each caller
// words its own error (the setting's name and rule).
// Thread safety: stateless functions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

// "a, b,,c " -> {"a", "b", "c"}: items trimmed of spaces, empty ones dropped.
std::vector<std::string> split_list(std::string_view text);

// The whole of `text` as a decimal integer within [min, max]; nullopt if it is not one (empty, signs or spaces
// around it, out of range).
std::optional<long long> parse_bounded_int(std::string_view text, long long min, long long max);

}  // namespace hearth
