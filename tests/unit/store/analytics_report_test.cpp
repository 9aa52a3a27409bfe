// The numbers of SqliteRepository::analytics(): exact figures over a small hand-made week (a day, a week, an empty
// range, ranges starting and ending mid-hour, odd and even counts, ongoing calls, peaks, errors), and the same
// figures computed the slow way for many random ranges over a few hundred random calls.
#include "store/sqlite/analytics_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>

#include "store/sqlite/sqlite_repository.hpp"
#include "unit/store/analytics_fixtures.hpp"

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
using test::kMinute;
using test::kMonday;

using Counts = std::map<std::string, std::int64_t>;

// A live call created at `created_ms`, active, with `active` participants in it.
calls::CallSession live_call(std::string id, std::int64_t created_ms, int active) {
  auto s = test::make_session(std::move(id), "alice", {"bob", "carol"}, created_ms);
  s.status = Status::active;
  s.start_time = at(created_ms + 1000);
  for (int i = 0; i < 3; ++i) s.participants[static_cast<std::size_t>(i)].is_active = i < active;
  return s;
}

// Monday 2026-11-30 (D), the days before it, and the first minute of Tuesday.
class AnalyticsReportTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t D = kMonday;

  void SetUp() override {
    repo_ = std::make_unique<SqliteRepository>(dir_.file("hearth.db"));
    repo_->migrate();
    const auto O = SessionType::one_to_one, G = SessionType::group, T = SessionType::therapy;
    const std::vector<CallSpec> calls = {
        {.id = "c0", .created_ms = D - 1, .type = O, .reason = EndReason::missed, .joined = 1},
        {.id = "c8", .created_ms = D - 3 * kDay + 12 * kHour, .type = G, .duration_s = 600, .joined = 2},
        {.id = "c1",
         .created_ms = D + 9 * kHour + 10 * kMinute,
         .type = O,
         .duration_s = 60,
         .joined = 2,
         .screen = true,
         .mos = 4.3,
         .est_client_ms = 800,
         .est_server_ms = 300},
        {.id = "c2",
         .created_ms = D + 9 * kHour + 40 * kMinute,
         .type = G,
         .duration_s = 300,
         .joined = 3,
         .video_off = true,
         .mos = 3.7,
         .est_client_ms = 1200,
         .est_server_ms = 500,
         .relayed = true},
        {.id = "c3",
         .created_ms = D + 10 * kHour + 5 * kMinute,
         .type = G,
         .reason = EndReason::all_left,
         .duration_s = 1200,
         .joined = 3,
         .audio_only = true,
         .mos = 3.2,
         .est_client_ms = 2000},
        {.id = "c4", .created_ms = D + 10 * kHour + 50 * kMinute, .type = O, .reason = EndReason::missed, .joined = 1},
        {.id = "c5",
         .created_ms = D + 13 * kHour + 30 * kMinute,
         .type = T,
         .reason = EndReason::timeout,
         .duration_s = 3600,
         .joined = 2,
         .mos = 2.0,
         .est_client_ms = 900,
         .est_server_ms = 400},
        {.id = "c6", .created_ms = D + kDay - 1, .type = O, .reason = EndReason::declined, .joined = 1},
        {.id = "c7", .created_ms = D + kDay, .type = O, .duration_s = 30, .joined = 2},
    };
    for (const auto& c : calls) test::store_call(*repo_, c);
    ASSERT_EQ(repo_->record_ended(at(D + 2 * kDay), 100), static_cast<int>(calls.size()));
    // Not recorded yet: ended after the recording above, and a live call.
    test::store_call(*repo_, {.id = "u1", .created_ms = D + 15 * kHour, .type = T, .duration_s = 10, .joined = 2});

    // Concurrency: the live call l1 alone, then with l2 (created a month before).
    auto l1 = live_call("l1", D + 14 * kHour, 2);
    l1.session_type = G;
    repo_->insert(l1);
    repo_->sample_concurrency(at(D + 14 * kHour + 10 * kMinute));  // 1 call, 2 participants
    l1.participants[2].is_active = true;
    repo_->update(l1);
    repo_->sample_concurrency(at(D + 14 * kHour + 50 * kMinute));  // 1, 3
    l1.participants[1].is_active = l1.participants[2].is_active = false;
    repo_->update(l1);
    repo_->sample_concurrency(at(D + 14 * kHour + 55 * kMinute));  // 1, 1: below the hour's peak
    repo_->sample_concurrency(at(D + 9 * kHour + 5 * kMinute));    // 1, 1
    repo_->insert(live_call("l2", D - 30 * kDay, 2));
    repo_->sample_concurrency(at(D + 20 * kHour));             // 2, 3
    repo_->sample_concurrency(at(D - 3 * kDay + 20 * kHour));  // Friday: 2, 3
    repo_->sample_concurrency(at(D + kDay + kHour));           // Tuesday: 2, 3

    add_usage(D + 10 * kHour + 1, 100, 50, {{"400", 3}, {"429", 2}}, {{"forbidden", 1}});
    add_usage(D + 10 * kHour + 59 * kMinute, 10, 0, {{"400", 1}}, {});
    add_usage(D + kDay + 5 * kHour, 7, 0, {{"500", 1}}, {});
    add_usage(D - 3 * kDay + 8 * kHour, 5, 0, {{"503", 2}}, {});
  }

  void add_usage(std::int64_t ms, std::int64_t rest, std::int64_t events, Counts rest_errors, Counts events_errors) {
    UsageCounts c;
    c.hour = at(ms);
    c.rest_requests = rest;
    c.signaling_events = events;
    c.rest_errors = std::move(rest_errors);
    c.signaling_errors = std::move(events_errors);
    repo_->add_usage_counts(c);
  }

  AnalyticsReport report(std::int64_t from, std::int64_t to, Granularity g = Granularity::hour) {
    return repo_->analytics({at(from), at(to), g});
  }

  test::TempDir dir_;
  std::unique_ptr<SqliteRepository> repo_;
};

TEST_F(AnalyticsReportTest, ADay) {
  const auto r = report(D, D + kDay);
  EXPECT_EQ(r.calls_total, 8);
  EXPECT_EQ(r.calls_started, 4);
  EXPECT_EQ(r.calls_ongoing, 2);
  EXPECT_EQ(r.by_type, (Counts{{"one-to-one", 3}, {"group", 3}, {"therapy", 2}}));
  EXPECT_EQ(r.by_end_reason,
            (Counts{{"ended_by_user", 2}, {"all_left", 1}, {"missed", 1}, {"timeout", 1}, {"declined", 1}}));
  EXPECT_EQ(r.duration.count, 4);
  EXPECT_DOUBLE_EQ(r.duration.mean, 1290);
  EXPECT_EQ(r.duration.p50, 300);  // even count: rank 2 of 60, 300, 1200, 3600
  EXPECT_EQ(r.duration.p90, 3600);
  EXPECT_EQ(r.duration.max, 3600);
  EXPECT_EQ(r.participants_total, 12);
  EXPECT_EQ(r.screen_share_calls, 1);
  EXPECT_EQ(r.video_off_calls, 1);
  EXPECT_EQ(r.audio_only_calls, 1);
  EXPECT_EQ(r.quality_calls, 4);
  ASSERT_TRUE(r.mos_mean);
  EXPECT_NEAR(*r.mos_mean, 3.3, 1e-12);
  EXPECT_EQ(r.mos_levels, (Counts{{"excellent", 1}, {"good", 1}, {"fair", 1}, {"poor", 1}, {"lost", 0}}));
  EXPECT_EQ(r.relayed_calls, 1);
  EXPECT_EQ(r.establishment_client_ms.count, 4);
  EXPECT_EQ(r.establishment_client_ms.p50, 900);
  EXPECT_EQ(r.establishment_client_ms.p90, 2000);
  EXPECT_EQ(r.establishment_server_ms.count, 3);
  EXPECT_EQ(r.establishment_server_ms.p50, 400);  // odd count: rank 2 of 300, 400, 500
  EXPECT_EQ(r.establishment_server_ms.p90, 500);

  ASSERT_EQ(r.series.size(), 24u);
  for (std::size_t h = 0; h < 24; ++h) EXPECT_EQ(r.series[h].start, at(D + static_cast<std::int64_t>(h) * kHour));
  const auto point = [&](std::size_t h) {
    const auto& p = r.series[h];
    return std::to_string(p.calls) + "/" + std::to_string(p.participants) + " peak " + std::to_string(p.peak_calls) +
           "/" + std::to_string(p.peak_participants);
  };
  EXPECT_EQ(point(9), "2/5 peak 1/1");
  EXPECT_EQ(point(10), "2/4 peak 0/0");
  EXPECT_EQ(point(13), "1/2 peak 0/0");
  EXPECT_EQ(point(14), "1/0 peak 1/3");  // l1, live
  EXPECT_EQ(point(15), "1/0 peak 0/0");  // u1, not recorded yet
  EXPECT_EQ(point(20), "0/0 peak 2/3");
  EXPECT_EQ(point(23), "1/1 peak 0/0");
  EXPECT_EQ(point(0), "0/0 peak 0/0");

  EXPECT_EQ(r.peak.calls, 2);
  EXPECT_EQ(r.peak.participants, 3);
  EXPECT_EQ(r.peak_by_hour_of_day[14].participants, 3);
  EXPECT_EQ(r.peak_by_hour_of_day[9].participants, 1);
  EXPECT_EQ(r.peak_by_hour_of_day[20].calls, 2);
  EXPECT_EQ(r.peak_by_hour_of_day[1].calls, 0);  // Tuesday's sample is outside
  EXPECT_EQ(r.peak_heatmap[0][14].participants, 3);
  EXPECT_EQ(r.peak_heatmap[4][20].calls, 0);  // Friday is outside
  ASSERT_EQ(r.peak_by_day.size(), 1u);
  EXPECT_EQ(r.peak_by_day[0].first, "2026-11-30");
  EXPECT_EQ(r.peak_by_day[0].second.calls, 2);

  EXPECT_EQ(r.rest_requests, 110);
  EXPECT_EQ(r.signaling_events, 50);
  EXPECT_EQ(r.rest_errors, (Counts{{"400", 4}, {"429", 2}}));
  EXPECT_EQ(r.signaling_errors, (Counts{{"forbidden", 1}}));
}

TEST_F(AnalyticsReportTest, AWeekByDay) {
  const auto r = report(D - 6 * kDay, D + kDay, Granularity::day);
  EXPECT_EQ(r.calls_total, 10);
  EXPECT_EQ(r.calls_ongoing, 2);
  EXPECT_EQ(r.by_type, (Counts{{"one-to-one", 4}, {"group", 4}, {"therapy", 2}}));
  EXPECT_EQ(r.by_end_reason.at("missed"), 2);
  EXPECT_EQ(r.duration.count, 5);
  EXPECT_DOUBLE_EQ(r.duration.mean, 1152);
  EXPECT_EQ(r.duration.p50, 600);  // odd count: rank 3 of 60, 300, 600, 1200, 3600
  EXPECT_EQ(r.duration.p90, 3600);
  ASSERT_EQ(r.series.size(), 7u);
  EXPECT_EQ(r.series[0].start, at(D - 6 * kDay));
  std::vector<std::int64_t> calls;
  for (const auto& p : r.series) calls.push_back(p.calls);
  EXPECT_EQ(calls, (std::vector<std::int64_t>{0, 0, 0, 1, 0, 1, 8}));
  EXPECT_EQ(r.series[3].peak_calls, 2);
  EXPECT_EQ(r.series[6].participants, 12);
  ASSERT_EQ(r.peak_by_day.size(), 7u);
  EXPECT_EQ(r.peak_by_day[0].first, "2026-11-24");
  EXPECT_EQ(r.peak_by_day[3].first, "2026-11-27");
  EXPECT_EQ(r.peak_by_day[3].second.participants, 3);
  EXPECT_EQ(r.peak_by_day[5].second.calls, 0);
  EXPECT_EQ(r.peak_heatmap[4][20].calls, 2);  // Friday 20:00
  EXPECT_EQ(r.peak_heatmap[0][20].calls, 2);  // Monday 20:00
  EXPECT_EQ(r.peak_heatmap[0][14].participants, 3);
  EXPECT_EQ(r.peak_heatmap[1][20].calls, 0);
  EXPECT_EQ(r.rest_requests, 115);
  EXPECT_EQ(r.rest_errors, (Counts{{"400", 4}, {"429", 2}, {"503", 2}}));
}

TEST_F(AnalyticsReportTest, AnEmptyRange) {
  const auto r = report(D + 2 * kDay, D + 3 * kDay, Granularity::day);
  EXPECT_EQ(r.calls_total, 0);
  EXPECT_EQ(r.by_type, (Counts{{"one-to-one", 0}, {"group", 0}, {"therapy", 0}}));
  EXPECT_EQ(r.by_end_reason.size(), 5u);
  EXPECT_EQ(r.mos_levels.size(), 5u);
  EXPECT_EQ(r.duration.count, 0);
  EXPECT_EQ(r.duration.mean, 0);
  EXPECT_EQ(r.duration.p50, 0);
  EXPECT_EQ(r.duration.max, 0);
  EXPECT_FALSE(r.mos_mean);
  EXPECT_EQ(r.establishment_client_ms.count, 0);
  EXPECT_FALSE(r.establishment_client_ms.p50);
  EXPECT_FALSE(r.establishment_client_ms.p90);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(r.series[0].calls, 0);
  EXPECT_EQ(r.peak.calls, 0);
  ASSERT_EQ(r.peak_by_day.size(), 1u);
  EXPECT_EQ(r.peak_by_day[0].first, "2026-12-02");
  EXPECT_EQ(r.rest_requests, 0);
  EXPECT_TRUE(r.rest_errors.empty());
}

TEST_F(AnalyticsReportTest, InsideOneHourOnlyTheFactsAreRead) {
  const auto r = report(D + 9 * kHour + 30 * kMinute, D + 10 * kHour + 30 * kMinute);
  EXPECT_EQ(r.calls_total, 2);  // c2, c3
  EXPECT_EQ(r.duration.count, 2);
  EXPECT_DOUBLE_EQ(r.duration.mean, 750);
  EXPECT_EQ(r.duration.p50, 300);
  EXPECT_EQ(r.duration.p90, 1200);
  ASSERT_EQ(r.series.size(), 2u);
  EXPECT_EQ(r.series[0].start, at(D + 9 * kHour));  // the hours the range is in
  EXPECT_EQ(r.series[0].calls, 1);
  EXPECT_EQ(r.series[1].calls, 1);
  EXPECT_EQ(r.peak.participants, 1);  // samples are per hour: 09:00's counts
  EXPECT_EQ(r.rest_requests, 110);    // and so are usage counts
  EXPECT_EQ(r.rest_errors, (Counts{{"400", 4}, {"429", 2}}));
  EXPECT_EQ(r.signaling_errors, (Counts{{"forbidden", 1}}));
  // A range starting after the hour's beginning still gets the hour's counts.
  const auto late = report(D + 10 * kHour + 30 * kMinute, D + 10 * kHour + 31 * kMinute);
  EXPECT_EQ(late.rest_requests, 110);
  EXPECT_EQ(late.rest_errors, (Counts{{"400", 4}, {"429", 2}}));
}

TEST_F(AnalyticsReportTest, MidHourEdgesAroundWholeHours) {
  // Whole hours 10..13 from the roll-ups; 09:30-10:00 (c2) and 13:00-13:45 (c5) from the facts.
  const auto r = report(D + 9 * kHour + 30 * kMinute, D + 13 * kHour + 45 * kMinute);
  EXPECT_EQ(r.calls_total, 4);
  EXPECT_EQ(r.by_end_reason.at("missed"), 1);
  EXPECT_EQ(r.participants_total, 3 + 3 + 1 + 2);
  EXPECT_EQ(r.duration.count, 3);
  EXPECT_DOUBLE_EQ(r.duration.mean, 1700);
  EXPECT_EQ(r.duration.p50, 1200);
  EXPECT_EQ(r.duration.p90, 3600);
  EXPECT_EQ(r.establishment_client_ms.p50, 1200);
  EXPECT_EQ(r.quality_calls, 3);
  ASSERT_EQ(r.series.size(), 5u);
  EXPECT_EQ(r.series[4].calls, 1);
}

TEST_F(AnalyticsReportTest, BoundsAreInclusiveThenExclusiveToTheMillisecond) {
  const auto r = report(D + 9 * kHour + 10 * kMinute, D + 9 * kHour + 40 * kMinute);
  EXPECT_EQ(r.calls_total, 1);  // c1 created at `from`; c2 at `to`
  EXPECT_EQ(r.duration.p50, 60);
  EXPECT_EQ(report(D - 1, D).calls_total, 1);                                      // c0, the last millisecond of Sunday
  EXPECT_EQ(report(D + kDay - 1, D + kDay + 1, Granularity::day).calls_total, 2);  // c6 and c7
}

TEST_F(AnalyticsReportTest, OngoingCallsAreCountedUntilRecorded) {
  EXPECT_EQ(report(D + 15 * kHour, D + 16 * kHour).calls_ongoing, 1);
  ASSERT_EQ(repo_->record_ended(at(D + 2 * kDay), 10), 1);
  const auto r = report(D + 15 * kHour, D + 16 * kHour);
  EXPECT_EQ(r.calls_ongoing, 0);
  EXPECT_EQ(r.calls_total, 1);
  EXPECT_EQ(r.by_type.at("therapy"), 1);
  EXPECT_EQ(r.by_end_reason.at("ended_by_user"), 1);
  EXPECT_EQ(r.duration.p50, 10);
}

TEST_F(AnalyticsReportTest, RefusesEmptyReversedAndHugeRanges) {
  EXPECT_EQ(code_of([&] { report(D, D); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { report(D + 1, D); }), errc::invalid_argument);
  EXPECT_EQ(code_of([&] { report(D, D + 20 * 366 * kDay); }), errc::invalid_argument);
  EXPECT_NO_THROW(report(D, D + 20 * 366 * kDay, Granularity::day));
}

}  // namespace
}  // namespace hearth::store
