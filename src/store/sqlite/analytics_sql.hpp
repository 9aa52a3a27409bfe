#pragma once
// The SQL of usage analytics (the tables of migration v3, sqlite_migrations.cpp): recording an ended call (its
// fact, its hour's roll-up, its day's histograms), concurrency samples and usage counts, and reading all of them
// back for a report (analytics_report.cpp). Rows are turned into call_facts.hpp's types here and nowhere else.
// Shared by both repositories: each function is a template over the connection (SqliteConnection or PgConnection,
// which have the same query API), instantiated for both in analytics_sql.cpp. The SQL is portable but for the
// scalar maximum of two upserts (Db::kGreatest: SQLite's max(a, b), PostgreSQL's GREATEST).
// Thread safety: none; the connection's thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "metrics/usage_counters.hpp"
#include "store/sqlite/call_facts.hpp"

namespace hearth::store::analytics {

// --- writing ---
// Inserts the call's fact and adds it to its hour's roll-up and its day's histograms, unless a fact for that
// session exists already; returns whether it was new.
template <class Db>
bool record_fact(Db& db, const CallFact& f);
// Raises the peaks of the hour `hour_start` (epoch ms) to at least these.
template <class Db>
void raise_peak(Db& db, std::int64_t hour_start, std::int64_t calls, std::int64_t participants);
// Adds the counts to the hour that `counts.hour` is in.
template <class Db>
void add_usage(Db& db, const metrics::UsageCounts& counts);

// --- reading; every range is [from, to) in epoch ms ---
// Facts of calls created in the range, in created_at order.
template <class Db>
void for_each_fact(Db& db, std::int64_t from, std::int64_t to, const std::function<void(const CallFact&)>& fn);
// Roll-ups of the hours that start in the range.
template <class Db>
void for_each_hour(Db& db, std::int64_t from, std::int64_t to,
                   const std::function<void(std::int64_t hour_start, const HourTotals&)>& fn);
// Adds the histograms of the days that start in the range to `out`.
template <class Db>
void add_histograms(Db& db, std::int64_t from, std::int64_t to, Histograms& out);
// The k-th smallest (1-based) value of `m` in [low, high) among the facts created in [from, to); nullopt if there
// are fewer. Walks the metric's index (value, created_at) over [low, high) only.
template <class Db>
std::optional<std::int64_t> nth_value(Db& db, Metric m, std::int64_t low, std::int64_t high, std::int64_t from,
                                      std::int64_t to, std::int64_t k);
// Sessions created in the range and not recorded yet: live ones, and ended ones record_ended() has not reached.
template <class Db>
void for_each_unrecorded(Db& db, std::int64_t from, std::int64_t to,
                         const std::function<void(calls::SessionType, std::int64_t created_at)>& fn);
// Concurrency peaks of the hours that start in the range.
template <class Db>
void for_each_peak(
    Db& db, std::int64_t from, std::int64_t to,
    const std::function<void(std::int64_t hour_start, std::int64_t calls, std::int64_t participants)>& fn);
// Usage counts of the hours that start in the range: totals, then each (source, code) with its errors.
struct UsageTotals {
  std::int64_t rest_requests = 0, signaling_events = 0;
};
template <class Db>
UsageTotals usage_totals(Db& db, std::int64_t from, std::int64_t to);
template <class Db>
void for_each_error(Db& db, std::int64_t from, std::int64_t to,
                    const std::function<void(std::string_view source, std::string_view code, std::int64_t errors)>& fn);

// Live sessions now: active calls and, over every live session, active participants.
struct Concurrency {
  std::int64_t calls = 0, participants = 0;
};
template <class Db>
Concurrency live_concurrency(Db& db);

// Records as call facts the ended sessions `unrecorded_sql` lists (session_id, document; ?1 ended before, epoch ms,
// ?2 the limit: each repository's statement, PostgreSQL's claiming its rows) and clears their markers; `load_quality`
// reads a session's summary. A damaged document or summary does not stop recording: the call is skipped, or
// recorded without quality. Returns the facts recorded.
template <class Db>
int record_ended(Db& db, std::string_view unrecorded_sql, std::int64_t ended_before, int limit,
                 const std::function<std::optional<calls::QualitySummary>(const std::string&)>& load_quality);

}  // namespace hearth::store::analytics
