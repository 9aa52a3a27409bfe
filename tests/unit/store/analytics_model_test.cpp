// SqliteRepository::analytics() against the same figures computed the slow way (sorting the calls of the range),
// for a few hundred random calls over eleven days and many random ranges: aligned and not, inside one hour, across
// days; so every combination of roll-up, histogram and raw-fact reading is compared with the plain answer.
#include "store/sqlite/analytics_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "store/sqlite/sqlite_repository.hpp"
#include "unit/store/analytics_fixtures.hpp"

namespace hearth::store {
namespace {

using calls::EndReason;
using calls::SessionType;
using test::at;
using test::CallSpec;
using test::kDay;
using test::kHour;
using test::kMonday;

constexpr std::int64_t kStart = kMonday - 4 * kDay;

// The nearest rank's value, found the slow way: the smallest value with at least p% of the values <= it.
std::optional<std::int64_t> slow_percentile(std::vector<std::int64_t> values, int p) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const auto n = static_cast<std::int64_t>(values.size());
  for (std::int64_t i = 0; i < n; ++i)
    if ((i + 1) * 100 >= p * n) return values[static_cast<std::size_t>(i)];
  return values.back();
}

std::vector<CallSpec> random_calls(std::mt19937_64& rng, int count) {
  std::uniform_int_distribution<std::int64_t> when(kStart, kStart + 11 * kDay - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  const auto chance = [&](double p) { return unit(rng) < p; };
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::vector<CallSpec> out;
  for (int i = 0; i < count; ++i) {
    CallSpec c;
    c.id = test::numbered("r", i);
    // Some calls share an hour boundary or a millisecond with another.
    c.created_ms = chance(0.1) ? test::kMonday + pick(48) * kHour : when(rng);
    c.type = std::array{SessionType::one_to_one, SessionType::group, SessionType::therapy}[pick(3)];
    c.reason = std::array{EndReason::ended_by_user, EndReason::missed, EndReason::timeout, EndReason::all_left,
                          EndReason::declined}[pick(5)];
    c.joined = pick(4);
    if (chance(0.7)) {  // started: short calls (one bucket per value) and long ones (buckets of many values)
      c.duration_s = chance(0.2) ? pick(16) : static_cast<std::int64_t>(std::exp(unit(rng) * std::log(7200.0)));
      c.joined = std::max(c.joined, 2);
    }
    c.screen = chance(0.3);
    c.video_off = chance(0.3);
    c.audio_only = chance(0.2);
    if (chance(0.6)) c.mos = 1.0 + unit(rng) * 3.5;
    if (chance(0.5)) c.est_client_ms = 100 + pick(3000);
    if (chance(0.4)) c.est_server_ms = chance(0.5) ? 400 : 50 + pick(1000);  // many equal values
    c.relayed = chance(0.2);
    out.push_back(c);
  }
  return out;
}

TEST(AnalyticsModel, EveryRangeMatchesTheSlowAnswer) {
  test::TempDir dir;
  SqliteRepository repo(dir.file("model.db"));
  repo.migrate();
  std::mt19937_64 rng(20261130);
  const auto calls = random_calls(rng, 400);
  repo.begin();
  for (const auto& c : calls) test::store_call(repo, c);
  repo.commit();
  ASSERT_EQ(repo.record_ended(at(kStart + 20 * kDay), 1000), 400);

  std::uniform_int_distribution<std::int64_t> offset(0, 11 * kDay);
  const std::array<std::int64_t, 6> lengths = {1, kHour / 2, kHour, kDay, 3 * kDay + 7 * kHour, 11 * kDay};
  for (int round = 0; round < 150; ++round) {
    std::int64_t from = kStart - kHour + offset(rng);
    std::int64_t to = from + lengths[rng() % lengths.size()] + static_cast<std::int64_t>(rng() % kHour);
    if (round % 3 == 0) from -= from % kHour;  // sometimes on an hour, or a day
    if (round % 5 == 0) to -= to % kDay;
    if (to <= from) to = from + 1;
    const auto g = round % 2 ? Granularity::hour : Granularity::day;
    SCOPED_TRACE("range [" + std::to_string(from) + ", " + std::to_string(to) + ") round " + std::to_string(round));
    const auto r = repo.analytics({at(from), at(to), g});

    std::int64_t total = 0, started = 0, participants = 0, screen = 0, video_off = 0, audio_only = 0;
    std::int64_t quality = 0, relayed = 0, duration_sum = 0;
    double mos_sum = 0;
    std::map<std::string, std::int64_t> by_type, by_reason, levels;
    std::vector<std::int64_t> durations, client, server;
    const auto unit = g == Granularity::hour ? kHour : kDay;
    const auto first = from - ((from % unit) + unit) % unit;
    const auto end = to + ((unit - to % unit) % unit);
    ASSERT_EQ(static_cast<std::int64_t>(r.series.size()), (end - first) / unit);
    std::vector<std::int64_t> series_calls(r.series.size()), series_people(r.series.size());
    for (const auto& c : calls) {
      if (c.created_ms < from || c.created_ms >= to) continue;
      ++total;
      ++by_type[std::string(to_string(c.type))];
      ++by_reason[std::string(to_string(c.reason))];
      participants += c.joined;
      const auto bucket = static_cast<std::size_t>((c.created_ms - first) / unit);
      ASSERT_LT(bucket, series_calls.size());
      ++series_calls[bucket];
      series_people[bucket] += c.joined;
      if (c.duration_s) {
        ++started;
        durations.push_back(*c.duration_s);
        duration_sum += *c.duration_s;
        screen += c.screen;
        video_off += c.video_off;
        audio_only += c.audio_only;
      }
      if (c.mos) {
        ++quality;
        mos_sum += *c.mos;
        ++levels[std::string(to_string(calls::level_for_mos(*c.mos)))];
      }
      if (c.est_client_ms) client.push_back(*c.est_client_ms);
      if (c.est_server_ms) server.push_back(*c.est_server_ms);
      relayed += c.relayed;
    }
    EXPECT_EQ(r.calls_total, total);
    EXPECT_EQ(r.calls_started, started);
    EXPECT_EQ(r.calls_ongoing, 0);
    EXPECT_EQ(r.participants_total, participants);
    for (const auto& [type, n] : r.by_type) EXPECT_EQ(n, by_type[type]) << type;
    for (const auto& [reason, n] : r.by_end_reason) EXPECT_EQ(n, by_reason[reason]) << reason;
    for (const auto& [level, n] : r.mos_levels) EXPECT_EQ(n, levels[level]) << level;
    EXPECT_EQ(r.screen_share_calls, screen);
    EXPECT_EQ(r.video_off_calls, video_off);
    EXPECT_EQ(r.audio_only_calls, audio_only);
    EXPECT_EQ(r.quality_calls, quality);
    EXPECT_EQ(r.relayed_calls, relayed);
    if (quality > 0) {
      ASSERT_TRUE(r.mos_mean);
      EXPECT_NEAR(*r.mos_mean, mos_sum / static_cast<double>(quality), 1e-9);
    } else {
      EXPECT_FALSE(r.mos_mean);
    }
    EXPECT_EQ(r.duration.count, started);
    EXPECT_NEAR(r.duration.mean, started ? static_cast<double>(duration_sum) / static_cast<double>(started) : 0, 1e-9);
    EXPECT_EQ(r.duration.p50, slow_percentile(durations, 50).value_or(0));
    EXPECT_EQ(r.duration.p90, slow_percentile(durations, 90).value_or(0));
    EXPECT_EQ(r.duration.max, durations.empty() ? 0 : *std::max_element(durations.begin(), durations.end()));
    EXPECT_EQ(r.establishment_client_ms.count, static_cast<std::int64_t>(client.size()));
    EXPECT_EQ(r.establishment_client_ms.p50, slow_percentile(client, 50));
    EXPECT_EQ(r.establishment_client_ms.p90, slow_percentile(client, 90));
    EXPECT_EQ(r.establishment_server_ms.count, static_cast<std::int64_t>(server.size()));
    EXPECT_EQ(r.establishment_server_ms.p50, slow_percentile(server, 50));
    EXPECT_EQ(r.establishment_server_ms.p90, slow_percentile(server, 90));
    for (std::size_t i = 0; i < r.series.size(); ++i) {
      EXPECT_EQ(r.series[i].start, at(first + static_cast<std::int64_t>(i) * unit));
      EXPECT_EQ(r.series[i].calls, series_calls[i]) << i;
      EXPECT_EQ(r.series[i].participants, series_people[i]) << i;
    }
    if (::testing::Test::HasFailure()) break;  // one range's report is enough to read
  }
}

}  // namespace
}  // namespace hearth::store
