// PgRepository's quality summaries and usage analytics (the rest of the class: pg_repository.cpp). The SQL of the
// analytics tables is SQLite's (sqlite/analytics_sql.hpp, shared); what is PostgreSQL's own is how recording claims
// its sessions: FOR UPDATE SKIP LOCKED, so the recorders of several nodes never record one call twice.
// Each operation runs in the caller's transaction (a Store operation) or, called outside one, in its own.
#include <spdlog/spdlog.h>

#include "store/postgres/pg_repository.hpp"
#include "store/quality_json.hpp"
#include "store/session_row.hpp"
#include "store/sqlite/analytics_report.hpp"
#include "store/sqlite/analytics_sql.hpp"

namespace hearth::store {

namespace {

constexpr std::string_view session_exists_sql = "SELECT 1 FROM call_sessions WHERE session_id = ?1";
constexpr std::string_view save_quality_sql =
    "INSERT INTO call_quality (session_id, summary) VALUES (?1, ?2) "
    "ON CONFLICT (session_id) DO UPDATE SET summary = excluded.summary";
constexpr std::string_view load_quality_sql = "SELECT summary FROM call_quality WHERE session_id = ?1";
// Rows another node is recording are skipped (it clears their markers); the partial index call_sessions_unrecorded
// is read in order.
constexpr std::string_view unrecorded_sql =
    "SELECT session_id, document FROM call_sessions WHERE unrecorded_end <= ?1 "
    "ORDER BY unrecorded_end, session_id LIMIT ?2 FOR UPDATE SKIP LOCKED";

}  // namespace

void PgRepository::save_quality(std::string_view session_id, const calls::QualitySummary& summary) {
  if (auto checked = check_quality(summary); !checked)
    throw StoreError(errc::invalid_argument, checked.error().message, checked.error().message);
  const auto text = quality_to_json_text(summary);
  in_transaction(false, [&] {
    {
      auto q = db_.query(session_exists_sql, true);
      q.bind(1, session_id);
      if (!q.step()) throw StoreError(errc::not_found, "no call session " + std::string(session_id));
    }
    // Sessions are never deleted, so the upsert finds its session: it goes with the COMMIT.
    db_.query(save_quality_sql).bind(1, session_id).bind(2, text).defer();
    return 0;
  });
}

std::optional<calls::QualitySummary> PgRepository::load_quality(std::string_view session_id) {
  auto q = db_.query(load_quality_sql, true);
  q.bind(1, session_id);
  if (!q.step()) return std::nullopt;
  auto summary = quality_from_json_text(q.text(0));
  if (!summary) throw StoreError(errc::internal, summary.error().message + ": " + summary.error().detail);
  return std::move(summary).value();
}

int PgRepository::record_ended(TimePoint ended_before, int limit) {
  if (limit <= 0) return 0;
  return in_transaction(false, [&] {
    return analytics::record_ended(db_, unrecorded_sql, to_epoch_ms(ended_before), limit,
                                   [this](const std::string& id) { return load_quality(id); });
  });
}

void PgRepository::sample_concurrency(TimePoint now) {
  in_transaction(false, [&] {
    const auto c = analytics::live_concurrency(db_);
    analytics::raise_peak(db_, analytics::floor_to(to_epoch_ms(now), analytics::kHourMs), c.calls, c.participants);
    return 0;
  });
}

void PgRepository::add_usage_counts(const UsageCounts& counts) {
  if (counts.empty()) return;
  in_transaction(false, [&] {
    analytics::add_usage(db_, counts);
    return 0;
  });
}

AnalyticsReport PgRepository::analytics(const AnalyticsQuery& query) {
  // The report's statements read one snapshot: in a Store operation's transaction (READ COMMITTED, nothing read
  // yet when the report is the operation), raised to REPEATABLE READ first.
  if (db_.in_transaction() && db_.queries_since_begin() == 0)
    db_.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  return in_transaction(true, [&] { return analytics::build_report(db_, query); });
}

}  // namespace hearth::store
