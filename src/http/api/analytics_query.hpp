#pragma once
// The query string of GET /api/video-call/analytics: ?from=&to=&granularity=hour|day (docs/api.md).
// Defaults: to = now, from = to - 7 days, granularity = day. Errors name the field and the rule. Unknown parameters
// are ignored and a repeated one counts once, its last value wins (as the history endpoint reads its query).
// Thread safety: stateless.
#include <chrono>
#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/analytics.hpp"

namespace hearth::http {

struct AnalyticsLimits {
  std::chrono::days default_range{7};
  std::chrono::days max_range{366};
  std::chrono::days max_hourly_range{31};  // granularity=hour: at most 31 × 24 series points
};

// An ISO 8601 date-time with a zone: "2026-12-01T09:30:00Z", "...T09:30:00.250Z", "...T10:30:00+01:00" (also
// "+0100" or "+01"), or a date alone, "2026-12-01" (midnight UTC). Fractions of a second beyond milliseconds are
// cut. A space where the offset's '+' was (an unescaped '+' in a query string decodes to a space) reads as '+'.
std::optional<TimePoint> parse_timestamp(std::string_view text);

Result<store::AnalyticsQuery> parse_analytics_query(std::string_view query_string, TimePoint now,
                                                    const AnalyticsLimits& limits = {});

}  // namespace hearth::http
