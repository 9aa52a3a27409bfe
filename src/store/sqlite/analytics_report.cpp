#include "store/sqlite/analytics_report.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/repository.hpp"
#include "store/sqlite/analytics_sql.hpp"
#include "store/sqlite/sqlite_connection.hpp"

namespace hearth::store::analytics {

namespace {

struct Span {
  std::int64_t from, to;
};

// [from, to) cut into the part made of whole `unit`s (hours, days), read from a roll-up, and the parts before and
// after it, read from the raw facts. No whole unit: everything is an edge.
struct Cut {
  std::optional<Span> whole;
  std::vector<Span> edges;
};

Cut cut(std::int64_t from, std::int64_t to, std::int64_t unit) {
  const auto first = ceil_to(from, unit);
  const auto last = floor_to(to, unit);
  Cut c;
  if (first >= last) {
    c.edges.push_back({from, to});
    return c;
  }
  c.whole = Span{first, last};
  if (from < first) c.edges.push_back({from, first});
  if (last < to) c.edges.push_back({last, to});
  return c;
}

// The exact nearest-rank percentiles of metric `m` over the facts created in [from, to), given their histogram.
template <class Db>
class PercentileFinder {
 public:
  PercentileFinder(Db& db, const Histograms& h, Metric m, std::int64_t from, std::int64_t to)
      : db_(db), buckets_(h.calls[static_cast<std::size_t>(m)]), m_(m), from_(from), to_(to), n_(h.total(m)) {}

  std::int64_t count() const { return n_; }

  // nullopt when there are no values.
  std::optional<std::int64_t> at(int percent) const {
    const auto rank = nearest_rank(n_, percent);
    if (rank == 0) return std::nullopt;
    std::int64_t below = 0;  // values in the buckets before b
    for (int b = 0; b < kBuckets; ++b) {
      const auto in_bucket = buckets_[static_cast<std::size_t>(b)];
      if (below + in_bucket < rank) {
        below += in_bucket;
        continue;
      }
      const auto low = bucket_low(b);
      const auto high = bucket_high(b);
      if (high - low == 1) return low;  // a bucket of one value: nothing to look up
      if (const auto v = nth_value(db_, m_, low, high, from_, to_, rank - below)) return v;
      break;
    }
    throw StoreError(errc::internal, "analytics: the histograms and call_facts disagree");
  }

 private:
  Db& db_;  // not owned
  const std::array<std::int64_t, kBuckets>& buckets_;
  Metric m_;
  std::int64_t from_, to_, n_;
};

template <class Db>
Percentiles percentiles(const PercentileFinder<Db>& f) {
  Percentiles p;
  p.count = f.count();
  p.p50 = f.at(50);
  p.p90 = f.at(90);
  return p;
}

std::string format_day(std::int64_t day_start_ms) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day_start_ms / kDayMs}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

void raise(Peak& p, std::int64_t calls, std::int64_t participants) {
  p.calls = std::max(p.calls, calls);
  p.participants = std::max(p.participants, participants);
}

void add_counters(AnalyticsReport& r, const HourTotals& t) {
  r.calls_total += t.n[Counter::calls];
  r.calls_started += t.n[Counter::started];
  r.participants_total += t.n[Counter::participants];
  for (const auto type : {calls::SessionType::one_to_one, calls::SessionType::group, calls::SessionType::therapy})
    r.by_type[std::string(to_string(type))] += t.n[type_counter(type)];
  for (const auto reason : {calls::EndReason::ended_by_user, calls::EndReason::missed, calls::EndReason::timeout,
                            calls::EndReason::all_left, calls::EndReason::declined})
    r.by_end_reason[std::string(to_string(reason))] += t.n[*end_counter(reason)];
  using calls::QualityLevel;
  for (const auto level :
       {QualityLevel::excellent, QualityLevel::good, QualityLevel::fair, QualityLevel::poor, QualityLevel::lost})
    r.mos_levels[std::string(to_string(level))] += t.n[level_counter(level)];
  r.screen_share_calls += t.n[Counter::screen_share];
  r.video_off_calls += t.n[Counter::video_off];
  r.audio_only_calls += t.n[Counter::audio_only];
  r.quality_calls += t.n[Counter::quality_calls];
  r.relayed_calls += t.n[Counter::relayed];
  r.duration.count = t.n[Counter::started];
  r.duration.max = t.duration_max;
  r.duration.mean = r.duration.count > 0 ? static_cast<double>(t.n[Counter::duration_sum]) / r.duration.count : 0;
  if (t.n[Counter::quality_calls] > 0) r.mos_mean = t.mos_sum / static_cast<double>(t.n[Counter::quality_calls]);
}

}  // namespace

template <class Db>
AnalyticsReport build_report(Db& db, const AnalyticsQuery& query) {
  const auto from = to_epoch_ms(query.from);
  const auto to = to_epoch_ms(query.to);
  if (from >= to) throw StoreError(errc::invalid_argument, "analytics: `from` must be before `to`");
  const auto unit = query.granularity == Granularity::hour ? kHourMs : kDayMs;
  const auto first_bucket = floor_to(from, unit);
  const auto buckets = (ceil_to(to, unit) - first_bucket) / unit;
  if (buckets > kMaxAnalyticsBuckets)
    throw StoreError(errc::invalid_argument,
                     "analytics: the range holds more than " + std::to_string(kMaxAnalyticsBuckets) + " series points");

  AnalyticsReport r;
  r.query = query;
  r.series.resize(static_cast<std::size_t>(buckets));
  for (std::int64_t i = 0; i < buckets; ++i)
    r.series[static_cast<std::size_t>(i)].start = from_epoch_ms(first_bucket + i * unit);
  const auto point = [&](std::int64_t ms) -> SeriesPoint& {
    return r.series[static_cast<std::size_t>((floor_to(ms, unit) - first_bucket) / unit)];
  };

  // Recorded calls: whole hours from the roll-ups, the edges from the facts.
  HourTotals totals;
  const auto hours = cut(from, to, kHourMs);
  if (hours.whole) {
    for_each_hour(db, hours.whole->from, hours.whole->to, [&](std::int64_t hour, const HourTotals& t) {
      totals.merge(t);
      point(hour).calls += t.n[Counter::calls];
      point(hour).participants += t.n[Counter::participants];
    });
  }
  for (const auto& e : hours.edges) {
    for_each_fact(db, e.from, e.to, [&](const CallFact& f) {
      totals.add(f);
      point(f.created_ms).calls += 1;
      point(f.created_ms).participants += f.participants;
    });
  }
  add_counters(r, totals);

  // Percentiles: whole days from the daily histograms, the edges from the facts.
  Histograms histograms;
  const auto days = cut(from, to, kDayMs);
  if (days.whole) add_histograms(db, days.whole->from, days.whole->to, histograms);
  for (const auto& e : days.edges) for_each_fact(db, e.from, e.to, [&](const CallFact& f) { histograms.add(f); });
  const PercentileFinder<Db> duration(db, histograms, Metric::duration_s, from, to);
  r.duration.p50 = duration.at(50).value_or(0);
  r.duration.p90 = duration.at(90).value_or(0);
  r.establishment_client_ms =
      percentiles(PercentileFinder<Db>(db, histograms, Metric::establishment_client_ms, from, to));
  r.establishment_server_ms =
      percentiles(PercentileFinder<Db>(db, histograms, Metric::establishment_server_ms, from, to));

  // Calls not recorded yet.
  for_each_unrecorded(db, from, to, [&](calls::SessionType type, std::int64_t created_at) {
    ++r.calls_total;
    ++r.calls_ongoing;
    ++r.by_type[std::string(to_string(type))];
    point(created_at).calls += 1;
  });

  // Concurrency peaks, per hour: the hours the range touches.
  const auto first_day = floor_to(from, kDayMs);
  for (auto day = first_day; day < to; day += kDayMs) r.peak_by_day.emplace_back(format_day(day), Peak{});
  for_each_peak(db, floor_to(from, kHourMs), to, [&](std::int64_t hour, std::int64_t calls, std::int64_t people) {
    const auto day = floor_to(hour, kDayMs);
    const auto hour_of_day = static_cast<std::size_t>((hour - day) / kHourMs);
    const auto weekday = static_cast<std::size_t>(((day / kDayMs) % 7 + 7 + 3) % 7);  // 1970-01-01 was a Thursday
    raise(r.peak, calls, people);
    raise(r.peak_by_hour_of_day[hour_of_day], calls, people);
    raise(r.peak_heatmap[weekday][hour_of_day], calls, people);
    raise(r.peak_by_day[static_cast<std::size_t>((day - first_day) / kDayMs)].second, calls, people);
    auto& p = point(hour);
    p.peak_calls = std::max(p.peak_calls, calls);
    p.peak_participants = std::max(p.peak_participants, people);
  });

  // Requests, events and errors, per hour: the hours the range touches.
  const auto usage = usage_totals(db, floor_to(from, kHourMs), to);
  r.rest_requests = usage.rest_requests;
  r.signaling_events = usage.signaling_events;
  for_each_error(db, floor_to(from, kHourMs), to, [&](std::string_view source, std::string_view code, std::int64_t n) {
    (source == "rest" ? r.rest_errors : r.signaling_errors)[std::string(code)] += n;
  });
  return r;
}

template AnalyticsReport build_report(SqliteConnection&, const AnalyticsQuery&);
template AnalyticsReport build_report(PgConnection&, const AnalyticsQuery&);

}  // namespace hearth::store::analytics
