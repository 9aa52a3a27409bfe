#pragma once
// ISO 8601 UTC timestamps with milliseconds ("2026-11-25T09:15:28.123Z"), the format JavaScript's
// Date#toJSON produces, so clients of the original backend parse them unchanged.
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace hearth {

std::string format_iso8601(TimePoint t);
std::optional<TimePoint> parse_iso8601(std::string_view text);

}  // namespace hearth
