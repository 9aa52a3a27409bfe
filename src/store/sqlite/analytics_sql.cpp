#include "store/sqlite/analytics_sql.hpp"

#include <array>
#include <map>

#include <spdlog/spdlog.h>

#include "store/postgres/pg_connection.hpp"
#include "store/repository.hpp"
#include "store/session_row.hpp"
#include "store/sqlite/sqlite_connection.hpp"

namespace hearth::store::analytics {

namespace {

constexpr std::string_view clear_marker_sql = "UPDATE call_sessions SET unrecorded_end = NULL WHERE session_id = ?1";

constexpr std::string_view fact_columns =
    "session_id, created_at, session_type, end_reason, started, duration_s, participants, screen_share, video_off, "
    "audio_only, mos_mean, mos_min, relayed, est_client_ms, est_server_ms";

const std::string& insert_fact_sql() {
  static const std::string sql = "INSERT INTO call_facts (" + std::string(fact_columns) +
                                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
                                 "ON CONFLICT DO NOTHING";
  return sql;
}

const std::string& select_facts_sql() {
  static const std::string sql = "SELECT " + std::string(fact_columns) +
                                 " FROM call_facts WHERE created_at >= ?1 AND created_at < ?2 ORDER BY created_at";
  return sql;
}

// call_hourly's columns after hour_start: the counters, duration_max, mos_sum (kCounterColumns' order).
std::string hourly_columns() {
  std::string out;
  for (const auto c : kCounterColumns) out.append(c).append(", ");
  return out + "duration_max, mos_sum";
}

// One upsert adds a call to its hour: counters add up, the longest duration stays.
template <class Db>
const std::string& add_to_hour_sql() {
  static const std::string sql = [] {
    std::string s = "INSERT INTO call_hourly (hour_start, " + hourly_columns() + ") VALUES (?1";
    for (std::size_t i = 0; i < kCounters + 2; ++i) s += ", ?" + std::to_string(i + 2);
    s += ") ON CONFLICT (hour_start) DO UPDATE SET ";
    for (const auto c : kCounterColumns)
      s.append(c).append(" = call_hourly.").append(c).append(" + excluded.").append(c).append(", ");
    return s + "duration_max = " + std::string(Db::kGreatest) +
           "(call_hourly.duration_max, excluded.duration_max), "
           "mos_sum = call_hourly.mos_sum + excluded.mos_sum";
  }();
  return sql;
}

const std::string& select_hours_sql() {
  static const std::string sql = "SELECT hour_start, " + hourly_columns() +
                                 " FROM call_hourly WHERE hour_start >= ?1 AND hour_start < ?2 ORDER BY hour_start";
  return sql;
}

constexpr std::string_view add_to_histogram_sql =
    "INSERT INTO call_histogram (day_start, metric, bucket, calls) VALUES (?1, ?2, ?3, 1) "
    "ON CONFLICT (day_start, metric, bucket) DO UPDATE SET calls = call_histogram.calls + 1";
constexpr std::string_view select_histograms_sql =
    "SELECT metric, bucket, calls FROM call_histogram WHERE day_start >= ?1 AND day_start < ?2";

// The walk of nth_value: index order inside one bucket, filtered to the range inside the index (covering).
constexpr std::array<std::string_view, kMetrics> nth_value_sql = {
    "SELECT duration_s FROM call_facts WHERE duration_s >= ?1 AND duration_s < ?2 AND created_at >= ?3 AND "
    "created_at < ?4 ORDER BY duration_s LIMIT 1 OFFSET ?5",
    "SELECT est_client_ms FROM call_facts WHERE est_client_ms >= ?1 AND est_client_ms < ?2 AND created_at >= ?3 AND "
    "created_at < ?4 ORDER BY est_client_ms LIMIT 1 OFFSET ?5",
    "SELECT est_server_ms FROM call_facts WHERE est_server_ms >= ?1 AND est_server_ms < ?2 AND created_at >= ?3 AND "
    "created_at < ?4 ORDER BY est_server_ms LIMIT 1 OFFSET ?5",
};

// Both conditions are written as the partial indexes' (call_sessions_live_deadline, call_sessions_unrecorded), so
// each query reads only the few sessions in its index, never the table.
constexpr std::string_view select_live_sql =
    "SELECT session_type, created_at FROM call_sessions WHERE status IN ('waiting', 'active') AND created_at >= ?1 "
    "AND created_at < ?2";
constexpr std::string_view select_unrecorded_sql =
    "SELECT session_type, created_at FROM call_sessions WHERE unrecorded_end IS NOT NULL AND created_at >= ?1 AND "
    "created_at < ?2";
// Read from call_sessions_live_deadline alone (it holds both columns, migration v6), never the table.
constexpr std::string_view live_concurrency_sql =
    "SELECT COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0), COALESCE(SUM(active_participants), 0) "
    "FROM call_sessions WHERE status IN ('waiting', 'active')";

template <class Db>
const std::string& raise_peak_sql() {
  static const std::string sql =
      "INSERT INTO concurrency_peaks (hour_start, calls, participants) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (hour_start) DO UPDATE SET calls = " +
      std::string(Db::kGreatest) +
      "(concurrency_peaks.calls, excluded.calls), participants = " + std::string(Db::kGreatest) +
      "(concurrency_peaks.participants, excluded.participants)";
  return sql;
}
constexpr std::string_view select_peaks_sql =
    "SELECT hour_start, calls, participants FROM concurrency_peaks WHERE hour_start >= ?1 AND hour_start < ?2 "
    "ORDER BY hour_start";

constexpr std::string_view add_usage_sql =
    "INSERT INTO usage_hourly (hour_start, rest_requests, signaling_events) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (hour_start) DO UPDATE SET rest_requests = usage_hourly.rest_requests + excluded.rest_requests, "
    "signaling_events = usage_hourly.signaling_events + excluded.signaling_events";
constexpr std::string_view add_error_sql =
    "INSERT INTO usage_errors (hour_start, source, code, errors) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (hour_start, source, code) DO UPDATE SET errors = usage_errors.errors + excluded.errors";
constexpr std::string_view usage_totals_sql =
    "SELECT COALESCE(SUM(rest_requests), 0), COALESCE(SUM(signaling_events), 0) FROM usage_hourly "
    "WHERE hour_start >= ?1 AND hour_start < ?2";
constexpr std::string_view select_errors_sql =
    "SELECT source, code, errors FROM usage_errors WHERE hour_start >= ?1 AND hour_start < ?2";

template <class Q>
void bind_optional(Q& q, int index, const std::optional<std::int64_t>& v) {
  if (v)
    q.bind(index, *v);
  else
    q.bind_null(index);
}

template <class Q>
void bind_optional(Q& q, int index, const std::optional<double>& v) {
  if (v)
    q.bind_real(index, *v);
  else
    q.bind_null(index);
}

template <class Q>
std::optional<std::int64_t> optional_int(const Q& q, int column) {
  if (q.is_null(column)) return std::nullopt;
  return q.int64(column);
}

template <class Q>
std::optional<double> optional_real(const Q& q, int column) {
  if (q.is_null(column)) return std::nullopt;
  return q.real(column);
}

std::int64_t flag(bool b) { return b ? 1 : 0; }

[[noreturn]] void corrupt(std::string_view what) {
  throw StoreError(errc::internal, "analytics: corrupt " + std::string(what) + " in call_facts");
}

}  // namespace

template <class Db>
bool record_fact(Db& db, const CallFact& f) {
  {
    auto q = db.query(insert_fact_sql());
    q.bind(1, f.session_id)
        .bind(2, f.created_ms)
        .bind(3, to_string(f.session_type))
        .bind(5, flag(f.started))
        .bind(7, std::int64_t{f.participants})
        .bind(8, flag(f.screen_share))
        .bind(9, flag(f.video_off))
        .bind(10, flag(f.audio_only))
        .bind(13, flag(f.relayed));
    if (f.end_reason == calls::EndReason::none)
      q.bind_null(4);
    else
      q.bind(4, to_string(f.end_reason));
    bind_optional(q, 6, f.duration_s);
    bind_optional(q, 11, f.mos_mean);
    bind_optional(q, 12, f.mos_min);
    bind_optional(q, 14, f.est_client_ms);
    bind_optional(q, 15, f.est_server_ms);
    q.run();
  }
  if (db.changes() == 0) return false;  // recorded before

  HourTotals t;
  t.add(f);
  {
    auto q = db.query(add_to_hour_sql<Db>());
    q.bind(1, floor_to(f.created_ms, kHourMs));
    for (std::size_t i = 0; i < kCounters; ++i) q.bind(static_cast<int>(i) + 2, t.n[i]);
    q.bind(static_cast<int>(kCounters) + 2, t.duration_max).bind_real(static_cast<int>(kCounters) + 3, t.mos_sum);
    q.run();
  }
  const auto day = floor_to(f.created_ms, kDayMs);
  for (int m = 0; m < kMetrics; ++m) {
    if (const auto v = metric_value(f, Metric(m)))
      db.query(add_to_histogram_sql).bind(1, day).bind(2, std::int64_t{m}).bind(3, std::int64_t{bucket_of(*v)}).run();
  }
  return true;
}

template <class Db>
void raise_peak(Db& db, std::int64_t hour_start, std::int64_t calls, std::int64_t participants) {
  db.query(raise_peak_sql<Db>()).bind(1, hour_start).bind(2, calls).bind(3, participants).run();
}

template <class Db>
void add_usage(Db& db, const metrics::UsageCounts& counts) {
  const auto hour = floor_to(to_epoch_ms(counts.hour), kHourMs);
  if (counts.rest_requests != 0 || counts.signaling_events != 0)
    db.query(add_usage_sql).bind(1, hour).bind(2, counts.rest_requests).bind(3, counts.signaling_events).run();
  const auto add_errors = [&](std::string_view source, const std::map<std::string, std::int64_t>& errors) {
    for (const auto& [code, n] : errors)
      if (n != 0) db.query(add_error_sql).bind(1, hour).bind(2, source).bind(3, code).bind(4, n).run();
  };
  add_errors("rest", counts.rest_errors);
  add_errors("signaling", counts.signaling_errors);
}

template <class Db>
void for_each_fact(Db& db, std::int64_t from, std::int64_t to, const std::function<void(const CallFact&)>& fn) {
  auto q = db.query(select_facts_sql());
  q.bind(1, from).bind(2, to);
  CallFact f;
  while (q.step()) {
    f.session_id = q.text(0);
    f.created_ms = q.int64(1);
    const auto type = calls::parse_session_type(q.text(2));
    if (!type) corrupt("session_type");
    f.session_type = *type;
    const auto reason = q.is_null(3) ? std::optional(calls::EndReason::none) : calls::parse_end_reason(q.text(3));
    if (!reason) corrupt("end_reason");
    f.end_reason = *reason;
    f.started = q.int64(4) != 0;
    f.duration_s = optional_int(q, 5);
    f.participants = static_cast<int>(q.int64(6));
    f.screen_share = q.int64(7) != 0;
    f.video_off = q.int64(8) != 0;
    f.audio_only = q.int64(9) != 0;
    f.mos_mean = optional_real(q, 10);
    f.mos_min = optional_real(q, 11);
    f.relayed = q.int64(12) != 0;
    f.est_client_ms = optional_int(q, 13);
    f.est_server_ms = optional_int(q, 14);
    fn(f);
  }
}

template <class Db>
void for_each_hour(Db& db, std::int64_t from, std::int64_t to,
                   const std::function<void(std::int64_t, const HourTotals&)>& fn) {
  auto q = db.query(select_hours_sql());
  q.bind(1, from).bind(2, to);
  HourTotals t;
  while (q.step()) {
    for (std::size_t i = 0; i < kCounters; ++i) t.n[i] = q.int64(static_cast<int>(i) + 1);
    t.duration_max = q.int64(static_cast<int>(kCounters) + 1);
    t.mos_sum = q.real(static_cast<int>(kCounters) + 2);
    fn(q.int64(0), t);
  }
}

template <class Db>
void add_histograms(Db& db, std::int64_t from, std::int64_t to, Histograms& out) {
  auto q = db.query(select_histograms_sql);
  q.bind(1, from).bind(2, to);
  while (q.step()) {
    const auto m = q.int64(0);
    const auto b = q.int64(1);
    if (m < 0 || m >= kMetrics || b < 0 || b >= kBuckets)
      throw StoreError(errc::internal, "analytics: corrupt call_histogram row");
    out.calls[static_cast<std::size_t>(m)][static_cast<std::size_t>(b)] += q.int64(2);
  }
}

template <class Db>
std::optional<std::int64_t> nth_value(Db& db, Metric m, std::int64_t low, std::int64_t high, std::int64_t from,
                                      std::int64_t to, std::int64_t k) {
  if (k < 1) return std::nullopt;
  auto q = db.query(nth_value_sql[static_cast<std::size_t>(m)]);
  q.bind(1, low).bind(2, high).bind(3, from).bind(4, to).bind(5, k - 1);
  if (!q.step()) return std::nullopt;
  return q.int64(0);
}

template <class Db>
void for_each_unrecorded(Db& db, std::int64_t from, std::int64_t to,
                         const std::function<void(calls::SessionType, std::int64_t)>& fn) {
  for (const auto sql : {select_live_sql, select_unrecorded_sql}) {
    auto q = db.query(sql);
    q.bind(1, from).bind(2, to);
    while (q.step()) {
      const auto type = calls::parse_session_type(q.text(0));
      if (!type) throw StoreError(errc::internal, "analytics: corrupt session_type in call_sessions");
      fn(*type, q.int64(1));
    }
  }
}

template <class Db>
void for_each_peak(Db& db, std::int64_t from, std::int64_t to,
                   const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& fn) {
  auto q = db.query(select_peaks_sql);
  q.bind(1, from).bind(2, to);
  while (q.step()) fn(q.int64(0), q.int64(1), q.int64(2));
}

template <class Db>
UsageTotals usage_totals(Db& db, std::int64_t from, std::int64_t to) {
  auto q = db.query(usage_totals_sql);
  q.bind(1, from).bind(2, to);
  UsageTotals u;
  if (q.step()) {
    u.rest_requests = q.int64(0);
    u.signaling_events = q.int64(1);
  }
  return u;
}

template <class Db>
void for_each_error(Db& db, std::int64_t from, std::int64_t to,
                    const std::function<void(std::string_view, std::string_view, std::int64_t)>& fn) {
  auto q = db.query(select_errors_sql);
  q.bind(1, from).bind(2, to);
  while (q.step()) fn(q.text(0), q.text(1), q.int64(2));
}

template <class Db>
Concurrency live_concurrency(Db& db) {
  auto q = db.query(live_concurrency_sql);
  Concurrency c;
  if (q.step()) {
    c.calls = q.int64(0);
    c.participants = q.int64(1);
  }
  return c;
}

template <class Db>
int record_ended(Db& db, std::string_view unrecorded_sql, std::int64_t ended_before, int limit,
                 const std::function<std::optional<calls::QualitySummary>(const std::string&)>& load_quality) {
  struct Ended {
    std::string id, document;
  };
  std::vector<Ended> ended;
  {
    auto q = db.query(unrecorded_sql);
    q.bind(1, ended_before).bind(2, std::int64_t{limit});
    while (q.step()) ended.push_back({std::string(q.text(0)), std::string(q.text(1))});
  }
  int recorded = 0;
  for (const auto& e : ended) {
    const auto session = parse_session(e.document);
    std::optional<calls::QualitySummary> quality;
    try {
      quality = load_quality(e.id);
    } catch (const StoreError& err) {
      if (err.code() != errc::internal) throw;
      spdlog::warn("analytics: session {} recorded without its quality summary: {}", e.id, err.what());
    }
    if (session) {
      if (record_fact(db, fact_of(*session, quality ? &*quality : nullptr))) ++recorded;
    } else {
      spdlog::warn("analytics: session {} not recorded: its stored document is corrupt", e.id);
    }
    db.query(clear_marker_sql).bind(1, e.id).run();
  }
  return recorded;
}

// Both connections.
#define HEARTH_ANALYTICS_SQL_FOR(Db)                                                                                  \
  template bool record_fact(Db&, const CallFact&);                                                                    \
  template void raise_peak(Db&, std::int64_t, std::int64_t, std::int64_t);                                            \
  template void add_usage(Db&, const metrics::UsageCounts&);                                                          \
  template void for_each_fact(Db&, std::int64_t, std::int64_t, const std::function<void(const CallFact&)>&);          \
  template void for_each_hour(Db&, std::int64_t, std::int64_t,                                                        \
                              const std::function<void(std::int64_t, const HourTotals&)>&);                           \
  template void add_histograms(Db&, std::int64_t, std::int64_t, Histograms&);                                         \
  template std::optional<std::int64_t> nth_value(Db&, Metric, std::int64_t, std::int64_t, std::int64_t, std::int64_t, \
                                                 std::int64_t);                                                       \
  template void for_each_unrecorded(Db&, std::int64_t, std::int64_t,                                                  \
                                    const std::function<void(calls::SessionType, std::int64_t)>&);                    \
  template void for_each_peak(Db&, std::int64_t, std::int64_t,                                                        \
                              const std::function<void(std::int64_t, std::int64_t, std::int64_t)>&);                  \
  template UsageTotals usage_totals(Db&, std::int64_t, std::int64_t);                                                 \
  template void for_each_error(Db&, std::int64_t, std::int64_t,                                                       \
                               const std::function<void(std::string_view, std::string_view, std::int64_t)>&);         \
  template Concurrency live_concurrency(Db&);                                                                         \
  template int record_ended(Db&, std::string_view, std::int64_t, int,                                                 \
                            const std::function<std::optional<calls::QualitySummary>(const std::string&)>&);
HEARTH_ANALYTICS_SQL_FOR(SqliteConnection)
HEARTH_ANALYTICS_SQL_FOR(PgConnection)
#undef HEARTH_ANALYTICS_SQL_FOR

}  // namespace hearth::store::analytics
