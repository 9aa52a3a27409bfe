#pragma once
// ISO 8601 UTC timestamps with milliseconds ("2026-11-25T09:15:28.123Z"), the format JavaScript's
// Date#toJSON produces, so clients of the original backend parse them unchanged.
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace hearth {

// Room for one timestamp: exactly 24 characters for years 0..9999 (longer years print more digits, as fmt's).
struct Iso8601Buffer {
  char chars[40];
};

// Writes the timestamp into `buffer` and returns a view of it (no allocation).
std::string_view format_iso8601(TimePoint t, Iso8601Buffer& buffer);
std::string format_iso8601(TimePoint t);
std::optional<TimePoint> parse_iso8601(std::string_view text);

}  // namespace hearth
