#include "store/sqlite/call_facts.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace hearth::store::analytics {

using calls::EndReason;
using calls::QualityLevel;
using calls::SessionType;

std::int64_t floor_to(std::int64_t ms, std::int64_t unit) noexcept {
  const auto r = ms % unit;
  return r < 0 ? ms - r - unit : ms - r;
}

std::int64_t ceil_to(std::int64_t ms, std::int64_t unit) noexcept {
  const auto f = floor_to(ms, unit);
  return f == ms ? f : f + unit;
}

CallFact fact_of(const calls::CallSession& s, const calls::QualitySummary* quality) {
  CallFact f;
  f.session_id = s.session_id;
  f.created_ms = to_epoch_ms(s.created_at);
  f.session_type = s.session_type;
  f.end_reason = s.end_reason;
  f.started = s.start_time.has_value();
  if (f.started) f.duration_s = s.duration_seconds;
  f.participants = static_cast<int>(
      std::count_if(s.participants.begin(), s.participants.end(), [](const auto& p) { return p.joined_at; }));
  f.screen_share = s.usage.screen_shared;
  f.video_off = s.usage.video_turned_off;
  f.audio_only = !s.call_settings.is_video_enabled;
  if (quality) {
    f.mos_mean = quality->mos_mean();
    f.mos_min = quality->mos_min();
    f.relayed = quality->relayed();
    f.est_client_ms = quality->establishment_client_ms();
    f.est_server_ms = quality->establishment_server_ms();
  }
  return f;
}

Counter type_counter(SessionType t) noexcept {
  switch (t) {
    case SessionType::one_to_one:
      return type_one_to_one;
    case SessionType::group:
      return type_group;
    case SessionType::therapy:
      return type_therapy;
  }
  return type_group;
}

std::optional<Counter> end_counter(EndReason r) noexcept {
  switch (r) {
    case EndReason::none:
      return std::nullopt;
    case EndReason::ended_by_user:
      return end_ended_by_user;
    case EndReason::missed:
      return end_missed;
    case EndReason::timeout:
      return end_timeout;
    case EndReason::all_left:
      return end_all_left;
    case EndReason::declined:
      return end_declined;
  }
  return std::nullopt;
}

Counter level_counter(QualityLevel l) noexcept {
  switch (l) {
    case QualityLevel::excellent:
      return mos_excellent;
    case QualityLevel::good:
      return mos_good;
    case QualityLevel::fair:
      return mos_fair;
    case QualityLevel::poor:
      return mos_poor;
    case QualityLevel::lost:
      return mos_lost;
  }
  return mos_lost;
}

void HourTotals::add(const CallFact& f) {
  ++n[calls];
  ++n[type_counter(f.session_type)];
  if (const auto c = end_counter(f.end_reason)) ++n[*c];
  n[participants] += f.participants;
  if (f.started) {
    ++n[started];
    const auto d = f.duration_s.value_or(0);
    n[duration_sum] += d;
    duration_max = std::max(duration_max, d);
    n[screen_share] += f.screen_share ? 1 : 0;
    n[video_off] += f.video_off ? 1 : 0;
    n[audio_only] += f.audio_only ? 1 : 0;
  }
  if (f.mos_mean) {
    ++n[quality_calls];
    ++n[level_counter(calls::level_for_mos(*f.mos_mean))];
    mos_sum += *f.mos_mean;
  }
  n[relayed] += f.relayed ? 1 : 0;
}

void HourTotals::merge(const HourTotals& o) {
  for (std::size_t i = 0; i < kCounters; ++i) n[i] += o.n[i];
  duration_max = std::max(duration_max, o.duration_max);
  mos_sum += o.mos_sum;
}

int bucket_of(std::int64_t v) noexcept {
  if (v < 16) return v < 0 ? 0 : static_cast<int>(v);
  const int e = std::bit_width(static_cast<std::uint64_t>(v)) - 1;  // 4..62
  const auto m = static_cast<int>((v >> (e - 3)) & 7);
  return 16 + (e - 4) * 8 + m;
}

std::int64_t bucket_low(int b) noexcept {
  if (b < 16) return b;
  const int e = (b - 16) / 8 + 4;
  const int m = (b - 16) % 8;
  return std::int64_t{8 + m} << (e - 3);
}

std::int64_t bucket_high(int b) noexcept {
  return b + 1 >= kBuckets ? std::numeric_limits<std::int64_t>::max() : bucket_low(b + 1);
}

std::optional<std::int64_t> metric_value(const CallFact& f, Metric m) noexcept {
  switch (m) {
    case Metric::duration_s:
      return f.duration_s;
    case Metric::establishment_client_ms:
      return f.est_client_ms;
    case Metric::establishment_server_ms:
      return f.est_server_ms;
  }
  return std::nullopt;
}

void Histograms::add(const CallFact& f) {
  for (int m = 0; m < kMetrics; ++m)
    if (const auto v = metric_value(f, Metric(m)))
      ++calls[static_cast<std::size_t>(m)][static_cast<std::size_t>(bucket_of(*v))];
}

std::int64_t Histograms::total(Metric m) const {
  const auto& h = calls[static_cast<std::size_t>(m)];
  std::int64_t n = 0;
  for (const auto c : h) n += c;
  return n;
}

std::int64_t nearest_rank(std::int64_t n, int percent) noexcept {
  if (n <= 0) return 0;
  return std::max<std::int64_t>(1, (n * percent + 99) / 100);
}

}  // namespace hearth::store::analytics
