#include "http/api/analytics_json.hpp"

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "calls/call_session.hpp"
#include "calls/quality_summary.hpp"
#include "core/json_writer.hpp"
#include "core/time_format.hpp"

namespace hearth::http {
namespace {

using store::AnalyticsReport;
using store::Peak;

// Shortest text that reads back as the same double (as JavaScript prints numbers); null if not finite.
void number(JsonWriter& w, double v) {
  if (std::isfinite(v))
    w.raw(fmt::format("{}", v));
  else
    w.null();
}

void number(JsonWriter& w, std::optional<std::int64_t> v) {
  if (v)
    w.number(*v);
  else
    w.null();
}

double ratio(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

std::int64_t count_of(const std::map<std::string, std::int64_t>& m, std::string_view key) {
  const auto it = m.find(std::string(key));
  return it == m.end() ? 0 : it->second;
}

std::int64_t sum(const std::map<std::string, std::int64_t>& m) {
  std::int64_t n = 0;
  for (const auto& [key, value] : m) n += value;
  return n;
}

void timestamp(JsonWriter& w, TimePoint t) {
  Iso8601Buffer buffer;
  w.string(format_iso8601(t, buffer));
}

void counts(JsonWriter& w, const Peak& p) { w.key("calls").number(p.calls).key("participants").number(p.participants); }

// {calls, share}: `calls` of the started calls.
void feature(JsonWriter& w, std::string_view name, std::int64_t calls, std::int64_t started) {
  w.key(name).begin_object().key("calls").number(calls).key("share");
  number(w, ratio(calls, started));
  w.end_object();
}

void error_counts(JsonWriter& w, std::string_view total_name, std::int64_t total,
                  const std::map<std::string, std::int64_t>& by_code) {
  const auto errors = sum(by_code);
  w.begin_object().key(total_name).number(total).key("errors").number(errors).key("rate");
  number(w, ratio(errors, total));
  w.key("byCode").begin_object();
  for (const auto& [code, n] : by_code) w.key(code).number(n);
  w.end_object().end_object();
}

void percentiles(JsonWriter& w, std::string_view name, const store::Percentiles& p) {
  w.key(name).begin_object().key("count").number(p.count).key("p50");
  number(w, p.p50);
  w.key("p90");
  number(w, p.p90);
  w.end_object();
}

void write_calls(JsonWriter& w, const AnalyticsReport& r) {
  using calls::EndReason;
  using calls::SessionType;
  w.key("calls").begin_object();
  w.key("total").number(r.calls_total).key("started").number(r.calls_started).key("ongoing").number(r.calls_ongoing);
  w.key("byType").begin_object();
  for (const auto t : {SessionType::one_to_one, SessionType::group, SessionType::therapy}) {
    const auto name = calls::to_string(t);
    w.key(name).number(count_of(r.by_type, name));
  }
  w.end_object().key("byEndReason").begin_object();
  for (const auto e :
       {EndReason::ended_by_user, EndReason::missed, EndReason::timeout, EndReason::all_left, EndReason::declined}) {
    const auto name = calls::to_string(e);
    w.key(name).number(count_of(r.by_end_reason, name));
  }
  w.end_object().end_object();

  const auto& d = r.duration;
  w.key("durationSeconds").begin_object().key("count").number(d.count).key("mean");
  number(w, d.mean);
  w.key("p50").number(d.p50).key("p90").number(d.p90).key("max").number(d.max).end_object();

  // Participants are known for recorded calls only: the mean is over those, not over the ongoing ones.
  w.key("participants").begin_object().key("total").number(r.participants_total).key("meanPerCall");
  number(w, ratio(r.participants_total, r.calls_total - r.calls_ongoing));
  w.end_object();
}

void write_series_and_peaks(JsonWriter& w, const AnalyticsReport& r) {
  w.key("series").begin_array();
  for (const auto& p : r.series) {
    w.begin_object().key("start");
    timestamp(w, p.start);
    w.key("calls").number(p.calls).key("participants").number(p.participants);
    w.key("peakCalls").number(p.peak_calls).key("peakParticipants").number(p.peak_participants).end_object();
  }
  w.end_array();

  w.key("peaks").begin_object();
  counts(w, r.peak);
  w.key("byHourOfDay").begin_array();
  for (std::size_t h = 0; h < r.peak_by_hour_of_day.size(); ++h) {
    w.begin_object().key("hour").number(static_cast<std::int64_t>(h));
    counts(w, r.peak_by_hour_of_day[h]);
    w.end_object();
  }
  w.end_array().key("byDay").begin_array();
  for (const auto& [day, peak] : r.peak_by_day) {
    w.begin_object().key("day").string(day);
    counts(w, peak);
    w.end_object();
  }
  w.end_array().key("heatmap").begin_array();
  for (std::size_t dow = 0; dow < r.peak_heatmap.size(); ++dow) {
    for (std::size_t h = 0; h < r.peak_heatmap[dow].size(); ++h) {
      w.begin_object().key("dayOfWeek").number(static_cast<std::int64_t>(dow)).key("hour");
      w.number(static_cast<std::int64_t>(h));
      counts(w, r.peak_heatmap[dow][h]);
      w.end_object();
    }
  }
  w.end_array().end_object();
}

void write_quality(JsonWriter& w, const AnalyticsReport& r) {
  using calls::QualityLevel;
  w.key("quality").begin_object().key("calls").number(r.quality_calls).key("mosMean");
  if (r.mos_mean)
    number(w, *r.mos_mean);
  else
    w.null();
  w.key("levels").begin_object();
  for (const auto l :
       {QualityLevel::excellent, QualityLevel::good, QualityLevel::fair, QualityLevel::poor, QualityLevel::lost}) {
    const auto name = calls::to_string(l);
    w.key(name).number(count_of(r.mos_levels, name));
  }
  w.end_object();
  feature(w, "relayed", r.relayed_calls, r.calls_started);
  w.end_object();

  w.key("establishmentMs").begin_object();
  percentiles(w, "client", r.establishment_client_ms);
  percentiles(w, "server", r.establishment_server_ms);
  w.end_object();
}

}  // namespace

std::string analytics_json(const AnalyticsReport& r) {
  std::string out;
  out.reserve(16 * 1024 + r.series.size() * 96 + r.peak_by_day.size() * 64);
  JsonWriter w(out);
  w.begin_object().key("range").begin_object().key("from");
  timestamp(w, r.query.from);
  w.key("to");
  timestamp(w, r.query.to);
  w.key("granularity").string(r.query.granularity == store::Granularity::hour ? "hour" : "day").end_object();

  write_calls(w, r);
  write_series_and_peaks(w, r);

  w.key("features").begin_object();
  feature(w, "screenShare", r.screen_share_calls, r.calls_started);
  feature(w, "videoOff", r.video_off_calls, r.calls_started);
  feature(w, "audioOnly", r.audio_only_calls, r.calls_started);
  w.end_object();

  w.key("errors").begin_object().key("rest");
  error_counts(w, "requests", r.rest_requests, r.rest_errors);
  w.key("signaling");
  error_counts(w, "events", r.signaling_events, r.signaling_errors);
  w.end_object();

  write_quality(w, r);
  w.end_object();
  return out;
}

}  // namespace hearth::http
