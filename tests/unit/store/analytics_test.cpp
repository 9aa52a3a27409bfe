// The repositories' quality summaries and the recording side of usage analytics, on both backends (one suite): the
// ended-session marker, record_ended, concurrency samples, usage counts. SQLite only: the v2 -> v3 upgrade and the
// query plans they rely on. The report's numbers: analytics_report_test.cpp.
#include "store/sqlite/sqlite_repository.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "store/migrations/sqlite_migrations.hpp"
#include "store/quality_json.hpp"
#include "store/session_json.hpp"
#include "unit/store/analytics_fixtures.hpp"
#include "unit/store/backends.hpp"

namespace hearth::store {
namespace {

using calls::EndReason;
using calls::SessionType;
using calls::Status;
using test::at;
using test::CallSpec;
using test::code_of;
using test::kDay;
using test::kHour;
using test::kMonday;
using test::raw_sql;

AnalyticsReport day_report(Repository& r, std::int64_t day = kMonday) {
  return r.analytics({at(day), at(day + kDay), Granularity::hour});
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// The few SQLite idioms of the checks below, in PostgreSQL's words: group_concat, a REAL printed with its ".0", a
// text fallback for a number, a subquery without an alias.
std::string for_postgres(std::string sql) {
  replace_all(sql, "COALESCE(mos_mean, 'NULL')", "COALESCE(mos_mean::numeric(4, 1)::text, 'NULL')");
  replace_all(sql, "COALESCE(duration_s, 'NULL')", "COALESCE(duration_s::text, 'NULL')");
  replace_all(sql, "mos_mean || '/' || mos_min", "mos_mean::numeric(4, 1) || '/' || mos_min::numeric(4, 1)");
  replace_all(sql, "ORDER BY session_id)", "ORDER BY session_id) AS sorted");
  for (auto at = sql.find("group_concat("); at != std::string::npos; at = sql.find("group_concat(")) {
    const auto open = at + std::string_view("group_concat(").size();
    auto close = open;
    for (int depth = 1; depth > 0; ++close) depth += sql[close] == '(' ? 1 : sql[close] == ')' ? -1 : 0;
    const auto arg = "(" + sql.substr(open, close - 1 - open) + ")::text";
    sql.replace(at, close - at, "string_agg(" + arg + ", ',' ORDER BY " + arg + ")");
  }
  return sql;
}

class AnalyticsTest : public test::BackendTest {
 protected:
  std::string sql(const std::string& s) { return db_->raw(s, for_postgres(s)); }
  std::string markers() { return sql("SELECT COUNT(*) FROM call_sessions WHERE unrecorded_end IS NOT NULL"); }
  std::string facts() { return sql("SELECT COUNT(*) FROM call_facts"); }
};

// --- quality summaries ---

TEST_P(AnalyticsTest, QualitySummaryIsSavedReplacedAndLoaded) {
  repo_->insert(test::make_session("s1", "alice", {"bob"}));
  EXPECT_EQ(repo_->load_quality("s1"), std::nullopt);
  auto q = test::summary_of({.mos = 4.1, .est_client_ms = 900});
  repo_->save_quality("s1", q);
  EXPECT_EQ(repo_->load_quality("s1"), q);
  q.participants[0].samples = 9;
  repo_->save_quality("s1", q);
  EXPECT_EQ(repo_->load_quality("s1"), q);
  EXPECT_EQ(sql("SELECT COUNT(*) FROM call_quality"), "1");
}

TEST_P(AnalyticsTest, QualitySummaryRefusals) {
  EXPECT_EQ(code_of([&] { repo_->save_quality("nope", {}); }), errc::not_found);
  repo_->insert(test::make_session("s1", "alice"));
  auto q = test::summary_of({.mos = 4.1});
  q.participants[0].mos_mean = 7;
  EXPECT_EQ(code_of([&] { repo_->save_quality("s1", q); }), errc::invalid_argument);
  repo_->save_quality("s1", test::summary_of({.mos = 4.1}));
  sql("UPDATE call_quality SET summary = '{\"participants\":[{]}'");
  EXPECT_EQ(code_of([&] { repo_->load_quality("s1"); }), errc::internal);
}

// --- the marker and record_ended ---

TEST_P(AnalyticsTest, OnlyTheWriteThatEndsASessionMarksIt) {
  auto s = test::make_session("s1", "alice", {"bob"}, kMonday);
  repo_->insert(s);
  EXPECT_EQ(markers(), "0");
  s.status = Status::active;
  s.participants[0].is_active = s.participants[1].is_active = true;
  repo_->update(s);
  EXPECT_EQ(markers(), "0");
  EXPECT_EQ(sql("SELECT active_participants FROM call_sessions"), "2");
  s.status = Status::ended;
  s.end_reason = EndReason::ended_by_user;
  s.end_time = at(kMonday + 5000);
  s.participants[0].is_active = s.participants[1].is_active = false;
  repo_->update(s);
  EXPECT_EQ(sql("SELECT unrecorded_end FROM call_sessions"), std::to_string(kMonday + 5000));
  EXPECT_EQ(sql("SELECT active_participants FROM call_sessions"), "0");
  EXPECT_EQ(repo_->record_ended(at(kMonday + 5000), 10), 1);  // "at or before"
  EXPECT_EQ(markers(), "0");
  s.metadata.title = "renamed after the end";
  repo_->update(s);  // the session was ended already: not marked again
  EXPECT_EQ(markers(), "0");
  EXPECT_EQ(repo_->record_ended(at(kMonday + kDay), 10), 0);
}

TEST_P(AnalyticsTest, InsertingAnEndedSessionMarksIt) {
  test::store_call(*repo_, {.id = "e1", .created_ms = kMonday, .duration_s = 30, .joined = 2});
  repo_->insert(test::make_session("live", "alice", {"bob"}, kMonday));
  EXPECT_EQ(markers(), "1");
  EXPECT_EQ(sql("SELECT session_id FROM call_sessions WHERE unrecorded_end IS NOT NULL"), "e1");
}

TEST_P(AnalyticsTest, RecordsEndedSessionsOnceWithTheirQuality) {
  test::store_call(*repo_, {.id = "e1",
                            .duration_s = 60,
                            .joined = 2,
                            .mos = 4.5,
                            .est_client_ms = 800,
                            .est_server_ms = 300,
                            .relayed = true});
  test::store_call(*repo_, {.id = "e2", .created_ms = kMonday + 1, .reason = EndReason::missed, .joined = 1});
  repo_->insert(test::make_session("live", "alice", {"bob"}, kMonday + 2));

  EXPECT_EQ(repo_->record_ended(at(kMonday + kDay), 100), 2);
  EXPECT_EQ(facts(), "2");
  EXPECT_EQ(markers(), "0");
  EXPECT_EQ(sql("SELECT mos_mean || '/' || mos_min || '/' || relayed || '/' || est_client_ms || '/' || est_server_ms "
                "|| '/' || duration_s || '/' || participants FROM call_facts WHERE session_id = 'e1'"),
            "4.5/4.0/1/800/300/60/2");
  EXPECT_EQ(sql("SELECT COALESCE(mos_mean, 'NULL') || '/' || started || '/' || COALESCE(duration_s, 'NULL') FROM "
                "call_facts WHERE session_id = 'e2'"),
            "NULL/0/NULL");
  EXPECT_EQ(repo_->record_ended(at(kMonday + kDay), 100), 0);

  // Even if a session were marked again, it is recorded once: its fact exists, the roll-ups stay.
  sql("UPDATE call_sessions SET unrecorded_end = 1 WHERE session_id = 'e1'");
  EXPECT_EQ(repo_->record_ended(at(kMonday + kDay), 100), 0);
  EXPECT_EQ(markers(), "0");
  EXPECT_EQ(facts(), "2");
  const auto r = day_report(*repo_);
  EXPECT_EQ(r.calls_total, 3);  // two recorded, one live
  EXPECT_EQ(r.calls_ongoing, 1);
  EXPECT_EQ(r.quality_calls, 1);
  EXPECT_EQ(r.relayed_calls, 1);
  EXPECT_EQ(sql("SELECT calls FROM call_hourly"), "2");
}

TEST_P(AnalyticsTest, RecordsTheOldestEndsFirstUpToTheLimit) {
  // Ends: e3 first, then e1, then e2 (ended_session ends a call 20 s + duration after its creation).
  test::store_call(*repo_, {.id = "e1", .created_ms = kMonday, .duration_s = 100, .joined = 2});
  test::store_call(*repo_, {.id = "e2", .created_ms = kMonday, .duration_s = 200, .joined = 2});
  test::store_call(*repo_, {.id = "e3", .created_ms = kMonday + 1000, .duration_s = 1, .joined = 2});
  const auto end_of = [](std::int64_t created, std::int64_t duration) { return created + 20'000 + duration * 1000; };
  EXPECT_EQ(repo_->record_ended(at(end_of(kMonday + 1000, 1) - 1), 10), 0);  // nothing ended that early
  EXPECT_EQ(repo_->record_ended(at(kMonday + kDay), 2), 2);
  EXPECT_EQ(sql("SELECT group_concat(session_id) FROM (SELECT session_id FROM call_facts ORDER BY session_id)"),
            "e1,e3");
  EXPECT_EQ(repo_->record_ended(at(end_of(kMonday, 200) - 1), 10), 0);
  EXPECT_EQ(repo_->record_ended(at(end_of(kMonday, 200)), 10), 1);
  EXPECT_EQ(repo_->record_ended(at(kMonday + kDay), 0), 0);
}

TEST_P(AnalyticsTest, RecordingInsideABatchSeesTheBatchsOwnUpdates) {
  auto s = test::make_session("s1", "alice", {"bob"}, kMonday);
  repo_->insert(s);
  repo_->begin();
  ASSERT_TRUE(repo_->find("s1", true));  // cached: the update below waits in the batch until needed
  s.status = Status::ended;
  s.end_reason = EndReason::declined;
  s.end_time = at(kMonday + 1000);
  repo_->update(s);
  EXPECT_EQ(repo_->record_ended(at(kMonday + kDay), 10), 1);
  repo_->commit();
  EXPECT_EQ(day_report(*repo_).by_end_reason.at("declined"), 1);
}

TEST_P(AnalyticsTest, ARolledBackRecordingLeavesTheMarkers) {
  test::store_call(*repo_, {.id = "e1", .duration_s = 60, .joined = 2});
  repo_->begin();
  EXPECT_EQ(repo_->record_ended(at(kMonday + kDay), 10), 1);
  repo_->rollback();
  EXPECT_EQ(markers(), "1");
  EXPECT_EQ(facts(), "0");
  EXPECT_EQ(sql("SELECT COUNT(*) FROM call_hourly"), "0");
}

TEST_P(AnalyticsTest, DamagedRowsDoNotStopRecording) {
  test::store_call(*repo_, {.id = "bad-doc", .duration_s = 60, .joined = 2});
  test::store_call(*repo_, {.id = "bad-quality", .created_ms = kMonday + 1, .duration_s = 60, .joined = 2, .mos = 4});
  test::store_call(*repo_, {.id = "fine", .created_ms = kMonday + 2, .duration_s = 60, .joined = 2, .mos = 4});
  sql("UPDATE call_sessions SET document = '{' WHERE session_id = 'bad-doc'");
  sql("UPDATE call_quality SET summary = 'nope' WHERE session_id = 'bad-quality'");
  EXPECT_EQ(repo_->record_ended(at(kMonday + kDay), 10), 2);
  EXPECT_EQ(markers(), "0");
  EXPECT_EQ(sql("SELECT group_concat(session_id || ':' || COALESCE(mos_mean, 'NULL')) FROM call_facts"),
            "bad-quality:NULL,fine:4.0");
}

TEST_P(AnalyticsTest, AReportInsideAnOperationsTransactionReadsOneSnapshot) {
  test::store_call(*repo_, {.id = "e1", .created_ms = kMonday + 1000, .duration_s = 60, .joined = 2});
  ASSERT_EQ(repo_->record_ended(at(kMonday + kDay), 10), 1);
  repo_->begin();  // as a Store operation runs it (PostgreSQL: raised to one snapshot before the first read)
  const auto r = day_report(*repo_);
  repo_->commit();
  EXPECT_EQ(r.calls_total, 1);
  EXPECT_EQ(r.duration.p50, 60);
}

// --- concurrency samples and usage counts ---

TEST_P(AnalyticsTest, SamplesActiveCallsAndParticipantsIntoTheHoursPeak) {
  auto a = test::make_session("a", "alice", {"bob", "carol"}, kMonday);
  a.status = Status::active;
  a.participants[0].is_active = a.participants[1].is_active = true;
  repo_->insert(a);
  auto w = test::make_session("w", "dave", {"erin"}, kMonday);  // waiting, its initiator already in
  w.participants[0].is_active = true;
  repo_->insert(w);
  test::store_call(*repo_, {.id = "ended", .duration_s = 5, .joined = 2});

  repo_->sample_concurrency(at(kMonday + 10 * kHour + 5));
  EXPECT_EQ(sql("SELECT hour_start || ':' || calls || '/' || participants FROM concurrency_peaks"),
            std::to_string(kMonday + 10 * kHour) + ":1/3");
  a.participants[2].is_active = true;
  repo_->update(a);
  repo_->sample_concurrency(at(kMonday + 10 * kHour + 30 * test::kMinute));
  a.status = Status::ended;
  a.end_reason = EndReason::all_left;
  a.end_time = at(kMonday + 11 * kHour);
  for (auto& p : a.participants) p.is_active = false;
  repo_->update(a);
  repo_->sample_concurrency(at(kMonday + 10 * kHour + 59 * test::kMinute));  // lower: the peak stays
  EXPECT_EQ(sql("SELECT group_concat(calls || '/' || participants) FROM concurrency_peaks"), "1/4");
  repo_->sample_concurrency(at(kMonday + 11 * kHour));
  EXPECT_EQ(sql("SELECT calls || '/' || participants FROM concurrency_peaks WHERE hour_start = " +
                std::to_string(kMonday + 11 * kHour)),
            "0/1");
}

TEST_P(AnalyticsTest, UsageCountsAddUpPerHour) {
  UsageCounts c;
  c.hour = at(kMonday + 10 * kHour);
  c.rest_requests = 100;
  c.signaling_events = 40;
  c.rest_errors = {{"400", 3}, {"429", 2}};
  c.signaling_errors = {{"forbidden", 1}};
  repo_->add_usage_counts(c);
  c.hour = at(kMonday + 10 * kHour + 59 * test::kMinute);  // the same hour
  c.signaling_errors = {{"forbidden", 2}, {"session_full", 1}};
  repo_->add_usage_counts(c);
  UsageCounts empty;
  empty.hour = at(kMonday + 11 * kHour);
  repo_->add_usage_counts(empty);  // nothing written
  EXPECT_EQ(sql("SELECT COUNT(*) || ':' || SUM(rest_requests) || '/' || SUM(signaling_events) FROM usage_hourly"),
            "1:200/80");
  const auto r = day_report(*repo_);
  EXPECT_EQ(r.rest_requests, 200);
  EXPECT_EQ(r.signaling_events, 80);
  EXPECT_EQ(r.rest_errors, (std::map<std::string, std::int64_t>{{"400", 6}, {"429", 4}}));
  EXPECT_EQ(r.signaling_errors, (std::map<std::string, std::int64_t>{{"forbidden", 3}, {"session_full", 1}}));
}

// --- the upgrade from v2 ---

TEST(AnalyticsUpgrade, AVersion2DatabaseWithDataUpgradesAndItsOldCallsAreRecorded) {
  test::TempDir dir;
  const auto path = dir.file("v2.db");
  raw_sql(path,
          "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
          "applied_at TEXT NOT NULL);" +
              std::string(sqlite_migrations()[0].sql) + std::string(sqlite_migrations()[1].sql) +
              "INSERT INTO schema_migrations VALUES (1, 'call_sessions', '2026-01-01T00:00:00.000Z'), "
              "(2, 'compact_members', '2026-01-01T00:00:00.000Z');");
  test::insert_before_v3(
      path,
      test::ended_session(
          {.id = "old-ended", .created_ms = kMonday, .type = SessionType::therapy, .duration_s = 600, .joined = 2}));
  auto live = test::make_session("old-live", "bob", {"alice", "carol"}, kMonday + kHour);
  live.status = Status::active;
  live.participants[0].is_active = live.participants[2].is_active = true;
  test::insert_before_v3(path, live);

  SqliteRepository repo(path);
  ASSERT_EQ(repo.schema_version(), 2);
  EXPECT_EQ(repo.migrate(), static_cast<int>(sqlite_migrations().size()) - 2);
  EXPECT_EQ(repo.schema_version(), sqlite_migrations().back().version);
  EXPECT_EQ(raw_sql(path,
                    "SELECT session_id || ':' || unrecorded_end FROM call_sessions WHERE unrecorded_end IS "
                    "NOT NULL"),
            "old-ended:" + std::to_string(kMonday));
  EXPECT_EQ(raw_sql(path, "SELECT active_participants FROM call_sessions WHERE session_id = 'old-live'"), "2");

  auto before = day_report(repo);
  EXPECT_EQ(before.calls_total, 2);
  EXPECT_EQ(before.calls_ongoing, 2);  // ended but not recorded yet counts as ongoing
  EXPECT_EQ(repo.record_ended(at(kMonday + kDay), 10), 1);
  repo.sample_concurrency(at(kMonday + 2 * kHour));
  const auto r = day_report(repo);
  EXPECT_EQ(r.calls_total, 2);
  EXPECT_EQ(r.calls_ongoing, 1);
  EXPECT_EQ(r.by_type.at("therapy"), 1);
  EXPECT_EQ(r.duration.count, 1);
  EXPECT_EQ(r.duration.p50, 600);
  EXPECT_EQ(r.peak.calls, 1);
  EXPECT_EQ(r.peak.participants, 2);
  // The old data is still served as before.
  EXPECT_EQ(repo.history({"bob", std::nullopt, 1, 20}).total, 2);
  EXPECT_TRUE(repo.find("old-ended", false));
}

// --- the plans the budget relies on ---

TEST(AnalyticsPlans, QueriesReadTheirIndexesNotTheTables) {
  test::TempDir dir;
  const auto path = dir.file("plans.db");
  SqliteRepository(path).migrate();
  const auto walk = test::query_plan(path,
                                     "SELECT duration_s FROM call_facts WHERE duration_s >= 1 AND duration_s < 5 AND "
                                     "created_at >= 3 AND created_at < 9 ORDER BY duration_s LIMIT 1 OFFSET 3");
  EXPECT_NE(walk.find("COVERING INDEX call_facts_duration"), std::string::npos) << walk;
  EXPECT_EQ(walk.find("TEMP B-TREE"), std::string::npos) << walk;
  const auto live = test::query_plan(path,
                                     "SELECT session_type, created_at FROM call_sessions WHERE status IN ('waiting', "
                                     "'active') AND created_at >= 1 AND created_at < 2");
  EXPECT_NE(live.find("call_sessions_live_deadline"), std::string::npos) << live;
  const auto sample = test::query_plan(path,
                                       "SELECT COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0), "
                                       "COALESCE(SUM(active_participants), 0) FROM call_sessions WHERE status IN "
                                       "('waiting', 'active')");
  EXPECT_NE(sample.find("COVERING INDEX call_sessions_live_deadline"), std::string::npos) << sample;
  const auto unrecorded = test::query_plan(path,
                                           "SELECT session_type, created_at FROM call_sessions WHERE unrecorded_end IS "
                                           "NOT NULL AND created_at >= 1 AND created_at < 2");
  EXPECT_NE(unrecorded.find("call_sessions_unrecorded"), std::string::npos) << unrecorded;
  const auto next =
      test::query_plan(path,
                       "SELECT session_id, document FROM call_sessions WHERE unrecorded_end <= 5 ORDER BY "
                       "unrecorded_end, session_id LIMIT 10");
  EXPECT_NE(next.find("call_sessions_unrecorded"), std::string::npos) << next;
  EXPECT_EQ(next.find("TEMP B-TREE"), std::string::npos) << next;
  const auto range =
      test::query_plan(path, "SELECT session_id FROM call_facts WHERE created_at >= 1 AND created_at < 2");
  EXPECT_NE(range.find("SEARCH call_facts USING PRIMARY KEY"), std::string::npos) << range;
}

INSTANTIATE_TEST_SUITE_P(Backends, AnalyticsTest, ::testing::ValuesIn(test::kBackends), test::backend_name);

}  // namespace
}  // namespace hearth::store
