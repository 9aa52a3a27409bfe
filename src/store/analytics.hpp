#pragma once
// Usage analytics: what the store keeps of finished calls, of concurrency and of errors, and the report
// GET /api/video-call/analytics answers (docs/api.md gives the JSON). Computed by the store with SQL over
// indexed columns and hourly roll-ups (never by loading every session), exact for any [from, to).
// Pure data; the Repository (repository.hpp) records and reads it on the store thread.
// Thread safety: value types.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "metrics/usage_counters.hpp"

namespace hearth::store {

enum class Granularity { hour, day };

struct AnalyticsQuery {
  TimePoint from{};  // inclusive
  TimePoint to{};    // exclusive
  Granularity granularity = Granularity::day;
};

// The most series points (hours or days) a query may ask for: the endpoint allows far fewer (31 days by hour,
// 366 by day); this only keeps one query from allocating without bound.
inline constexpr std::int64_t kMaxAnalyticsBuckets = 100'000;

using metrics::UsageCounts;  // requests, events and errors of an hour, added by add_usage_counts

struct Percentiles {
  std::int64_t count = 0;
  std::optional<std::int64_t> p50, p90;  // nearest rank; nullopt when count == 0
};

struct DurationStats {
  std::int64_t count = 0;                  // calls that started and have ended
  double mean = 0;                         // 0 when count == 0
  std::int64_t p50 = 0, p90 = 0, max = 0;  // nearest rank, seconds; 0 when count == 0
};

struct SeriesPoint {
  TimePoint start{};              // the hour or day (UTC); the first and last may begin or end outside the range
  std::int64_t calls = 0;         // created in this bucket (and in the range), ongoing ones included
  std::int64_t participants = 0;  // of those calls, participants who joined (recorded calls only)
  std::int64_t peak_calls = 0;    // highest concurrency sampled in the bucket (whole hours)
  std::int64_t peak_participants = 0;
};

struct Peak {
  std::int64_t calls = 0;
  std::int64_t participants = 0;
};

struct AnalyticsReport {
  AnalyticsQuery query;
  // Calls created in the range.
  std::int64_t calls_total = 0;
  std::int64_t calls_started = 0;                     // a second participant joined (recorded calls)
  std::int64_t calls_ongoing = 0;                     // not ended yet, or ended and not recorded yet (record_ended)
  std::map<std::string, std::int64_t> by_type;        // every type present, 0 when none
  std::map<std::string, std::int64_t> by_end_reason;  // every end reason present, 0 when none (ongoing excluded)
  DurationStats duration;
  std::int64_t participants_total = 0;         // participants who joined, summed over the recorded calls
  std::vector<SeriesPoint> series;             // one point per hour or day of the range, in order, none skipped
  Peak peak;                                   // over the range
  std::array<Peak, 24> peak_by_hour_of_day{};  // UTC
  std::vector<std::pair<std::string, Peak>> peak_by_day;  // "YYYY-MM-DD", every day of the range
  std::array<std::array<Peak, 24>, 7> peak_heatmap{};     // [day of week, Monday = 0][hour], UTC
  std::int64_t screen_share_calls = 0, video_off_calls = 0, audio_only_calls = 0;  // of the started calls
  std::int64_t rest_requests = 0, signaling_events = 0;
  std::map<std::string, std::int64_t> rest_errors, signaling_errors;
  std::int64_t quality_calls = 0;                  // recorded calls with a quality summary (MOS known)
  std::optional<double> mos_mean;                  // mean of those calls' mean MOS
  std::map<std::string, std::int64_t> mos_levels;  // calls by the level of their mean MOS (all five levels)
  std::int64_t relayed_calls = 0;                  // calls in which some link went through TURN
  Percentiles establishment_client_ms, establishment_server_ms;
};

}  // namespace hearth::store
