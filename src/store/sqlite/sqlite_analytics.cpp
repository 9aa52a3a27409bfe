// SqliteRepository's quality summaries and usage analytics (the rest of the class: sqlite_repository.cpp).
// Each operation runs in the caller's transaction (a Store batch) or, called outside one, in its own.
#include <spdlog/spdlog.h>

#include "store/quality_json.hpp"
#include "store/session_row.hpp"
#include "store/sqlite/analytics_report.hpp"
#include "store/sqlite/analytics_sql.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace hearth::store {

namespace {

constexpr std::string_view session_exists_sql = "SELECT 1 FROM call_sessions WHERE session_id = ?1";
constexpr std::string_view save_quality_sql =
    "INSERT INTO call_quality (session_id, summary) VALUES (?1, ?2) "
    "ON CONFLICT (session_id) DO UPDATE SET summary = excluded.summary";
constexpr std::string_view load_quality_sql = "SELECT summary FROM call_quality WHERE session_id = ?1";
// Oldest end first, along the partial index call_sessions_unrecorded (its condition is implied by `<=`).
constexpr std::string_view unrecorded_sql =
    "SELECT session_id, document FROM call_sessions WHERE unrecorded_end <= ?1 "
    "ORDER BY unrecorded_end, session_id LIMIT ?2";

// Runs `f` in the open transaction, or in one of its own (BEGIN IMMEDIATE to write, BEGIN to read one snapshot).
template <class F>
auto in_transaction(SqliteConnection& db, bool write, F&& f) {
  if (db.in_transaction()) return f();
  db.exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
  try {
    auto result = f();
    db.exec("COMMIT");
    return result;
  } catch (...) {
    try {
      if (db.in_transaction()) db.exec("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): report the original failure
    }
    throw;
  }
}

}  // namespace

void SqliteRepository::save_quality(std::string_view session_id, const calls::QualitySummary& summary) {
  if (auto checked = check_quality(summary); !checked)
    throw StoreError(errc::invalid_argument, checked.error().message, checked.error().message);
  const auto text = quality_to_json_text(summary);
  in_transaction(db_, true, [&] {
    {
      auto q = db_.query(session_exists_sql);
      q.bind(1, session_id);
      if (!q.step()) throw StoreError(errc::not_found, "no call session " + std::string(session_id));
    }
    db_.query(save_quality_sql).bind(1, session_id).bind(2, text).run();
    return 0;
  });
}

std::optional<calls::QualitySummary> SqliteRepository::load_quality(std::string_view session_id) {
  auto q = db_.query(load_quality_sql);
  q.bind(1, session_id);
  if (!q.step()) return std::nullopt;
  auto summary = quality_from_json_text(q.text(0));
  if (!summary) throw StoreError(errc::internal, summary.error().message + ": " + summary.error().detail);
  return std::move(summary).value();
}

int SqliteRepository::record_ended(TimePoint ended_before, int limit) {
  if (limit <= 0) return 0;
  return in_transaction(db_, true, [&] {
    write_pending();  // an update ending a session sets its marker
    return analytics::record_ended(db_, unrecorded_sql, to_epoch_ms(ended_before), limit,
                                   [this](const std::string& id) { return load_quality(id); });
  });
}

void SqliteRepository::sample_concurrency(TimePoint now) {
  in_transaction(db_, true, [&] {
    write_pending();  // the sample reads the rows
    const auto c = analytics::live_concurrency(db_);
    analytics::raise_peak(db_, analytics::floor_to(to_epoch_ms(now), analytics::kHourMs), c.calls, c.participants);
    return 0;
  });
}

void SqliteRepository::add_usage_counts(const UsageCounts& counts) {
  if (counts.empty()) return;
  in_transaction(db_, true, [&] {
    analytics::add_usage(db_, counts);
    return 0;
  });
}

AnalyticsReport SqliteRepository::analytics(const AnalyticsQuery& query) {
  return in_transaction(db_, false, [&] {
    write_pending();  // the report reads the live sessions' rows
    return analytics::build_report(db_, query);
  });
}

}  // namespace hearth::store
