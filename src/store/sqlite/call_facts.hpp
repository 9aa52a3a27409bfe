#pragma once
// What usage analytics keep of one recorded call: its facts (a call_facts row), what it adds to its hour's roll-up
// (HourTotals, a call_hourly row) and to its day's histograms of durations and establishment times (log-scale
// buckets, call_histogram), and the nearest rank. Pure: no SQL; analytics_sql.* reads and writes the tables with
// these types, so the record path and the report's edge path (raw facts) add up a call the same way.
// Thread safety: value types and stateless functions.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "calls/call_session.hpp"
#include "calls/quality_summary.hpp"

namespace hearth::store::analytics {

inline constexpr std::int64_t kHourMs = 3'600'000;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;

// Floor and ceiling to a multiple of `unit` (also for times before 1970).
std::int64_t floor_to(std::int64_t ms, std::int64_t unit) noexcept;
std::int64_t ceil_to(std::int64_t ms, std::int64_t unit) noexcept;

struct CallFact {
  std::string session_id;
  std::int64_t created_ms = 0;
  calls::SessionType session_type = calls::SessionType::group;
  calls::EndReason end_reason = calls::EndReason::none;
  bool started = false;                          // a second participant joined (start_time set)
  std::optional<std::int64_t> duration_s;        // set iff started
  int participants = 0;                          // members who ever joined (joined_at set)
  bool screen_share = false, video_off = false;  // CallSession::usage
  bool audio_only = false;                       // callSettings.isVideoEnabled == false
  std::optional<double> mos_mean, mos_min;       // from the quality summary; nullopt without one or without samples
  bool relayed = false;
  std::optional<std::int64_t> est_client_ms, est_server_ms;  // the slowest participant's
};

CallFact fact_of(const calls::CallSession& s, const calls::QualitySummary* quality);

// The roll-up's counters, in the order of kCounterColumns (the call_hourly columns of migration v3).
enum Counter : std::size_t {
  calls,
  started,
  type_one_to_one,
  type_group,
  type_therapy,
  end_ended_by_user,
  end_missed,
  end_timeout,
  end_all_left,
  end_declined,
  duration_sum,  // seconds, of started calls
  participants,
  screen_share,  // the three features: of started calls
  video_off,
  audio_only,
  quality_calls,  // calls with a mean MOS
  mos_excellent,  // calls by the level of their mean MOS
  mos_good,
  mos_fair,
  mos_poor,
  mos_lost,
  relayed,
  kCounters
};
inline constexpr std::array<std::string_view, kCounters> kCounterColumns = {
    "calls",        "started",     "type_one_to_one", "type_group",    "type_therapy",  "end_ended_by_user",
    "end_missed",   "end_timeout", "end_all_left",    "end_declined",  "duration_sum",  "participants",
    "screen_share", "video_off",   "audio_only",      "quality_calls", "mos_excellent", "mos_good",
    "mos_fair",     "mos_poor",    "mos_lost",        "relayed"};

// Written as switches without a default: a new enumerator is a compiler warning here, and then a new column.
Counter type_counter(calls::SessionType t) noexcept;
std::optional<Counter> end_counter(calls::EndReason r) noexcept;  // nullopt for none (an ended call always has one)
Counter level_counter(calls::QualityLevel l) noexcept;

// What some calls add up to: one hour's roll-up, or the edge of a range summed from raw facts.
struct HourTotals {
  std::array<std::int64_t, kCounters> n{};
  std::int64_t duration_max = 0;  // seconds, of started calls
  double mos_sum = 0;             // of the calls' mean MOS
  void add(const CallFact& f);
  void merge(const HourTotals& o);
};

// Histogram buckets of non-negative integers (seconds, milliseconds): the values 0..15 one bucket each, then 8
// buckets per power of two, so a bucket spans at most 1/8 of its lower bound. Negative values go to bucket 0.
inline constexpr int kBuckets = 16 + 59 * 8;  // up to 2^63
int bucket_of(std::int64_t v) noexcept;
std::int64_t bucket_low(int b) noexcept;   // the smallest value of bucket b
std::int64_t bucket_high(int b) noexcept;  // one past its largest (INT64_MAX for the last)

// The histograms kept per day (call_histogram.metric).
enum class Metric { duration_s = 0, establishment_client_ms = 1, establishment_server_ms = 2 };
inline constexpr int kMetrics = 3;
std::optional<std::int64_t> metric_value(const CallFact& f, Metric m) noexcept;

// Calls by bucket, per metric: a day's, or what a report sums over its range.
struct Histograms {
  std::array<std::array<std::int64_t, kBuckets>, kMetrics> calls{};
  void add(const CallFact& f);  // each metric the call has a value for
  std::int64_t total(Metric m) const;
};

// Nearest rank: the 1-based rank of the p-th percentile of n values, ceil(p * n / 100) (at least 1); 0 when n == 0.
std::int64_t nearest_rank(std::int64_t n, int percent) noexcept;

}  // namespace hearth::store::analytics
