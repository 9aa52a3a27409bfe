#include "store/sqlite/call_facts.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "unit/store/analytics_fixtures.hpp"

namespace hearth::store::analytics {
namespace {

using test::CallSpec;

TEST(CallFacts, BucketsCoverEveryValueOnceAndInOrder) {
  EXPECT_EQ(bucket_low(0), 0);
  for (int b = 0; b + 1 < kBuckets; ++b) {
    ASSERT_LT(bucket_low(b), bucket_high(b)) << b;
    ASSERT_EQ(bucket_high(b), bucket_low(b + 1)) << b;  // contiguous: no value falls between two buckets
    ASSERT_EQ(bucket_of(bucket_low(b)), b) << b;
    ASSERT_EQ(bucket_of(bucket_high(b) - 1), b) << b;
  }
  EXPECT_EQ(bucket_of(std::numeric_limits<std::int64_t>::max()), kBuckets - 1);
  EXPECT_EQ(bucket_high(kBuckets - 1), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(bucket_of(-5), 0);
}

TEST(CallFacts, BucketsAreExactBelowSixteenThenAnEighthOfTheirValue) {
  for (int v = 0; v < 16; ++v) EXPECT_EQ(bucket_high(bucket_of(v)) - bucket_low(bucket_of(v)), 1);
  for (std::int64_t v : {16, 17, 100, 999, 3600, 86'400, 1'000'000'007}) {
    const int b = bucket_of(v);
    EXPECT_LE(bucket_low(b), v);
    EXPECT_GT(bucket_high(b), v);
    EXPECT_LE((bucket_high(b) - bucket_low(b)) * 8, bucket_low(b)) << v;
  }
}

TEST(CallFacts, NearestRankIsTheCeiling) {
  EXPECT_EQ(nearest_rank(0, 50), 0);
  EXPECT_EQ(nearest_rank(1, 50), 1);
  EXPECT_EQ(nearest_rank(1, 90), 1);
  EXPECT_EQ(nearest_rank(4, 50), 2);
  EXPECT_EQ(nearest_rank(5, 50), 3);
  EXPECT_EQ(nearest_rank(4, 90), 4);
  EXPECT_EQ(nearest_rank(10, 90), 9);
  EXPECT_EQ(nearest_rank(11, 90), 10);
  EXPECT_EQ(nearest_rank(1'000'000, 90), 900'000);
}

TEST(CallFacts, FloorAndCeilWorkBefore1970) {
  EXPECT_EQ(floor_to(-1, kHourMs), -kHourMs);
  EXPECT_EQ(ceil_to(-1, kHourMs), 0);
  EXPECT_EQ(floor_to(kHourMs, kHourMs), kHourMs);
  EXPECT_EQ(ceil_to(kHourMs + 1, kHourMs), 2 * kHourMs);
}

TEST(CallFacts, FactOfAStartedCallWithQuality) {
  CallSpec c{.id = "c1",
             .type = calls::SessionType::therapy,
             .reason = calls::EndReason::timeout,
             .duration_s = 125,
             .joined = 2,
             .screen = true,
             .audio_only = true,
             .mos = 3.5,
             .est_client_ms = 700,
             .relayed = true};
  const auto s = test::ended_session(c);
  const auto q = test::summary_of(c);
  const auto f = fact_of(s, &q);
  EXPECT_EQ(f.session_id, "c1");
  EXPECT_EQ(f.created_ms, test::kMonday);
  EXPECT_EQ(f.session_type, calls::SessionType::therapy);
  EXPECT_EQ(f.end_reason, calls::EndReason::timeout);
  EXPECT_TRUE(f.started);
  EXPECT_EQ(f.duration_s, 125);
  EXPECT_EQ(f.participants, 2);
  EXPECT_TRUE(f.screen_share);
  EXPECT_FALSE(f.video_off);
  EXPECT_TRUE(f.audio_only);
  EXPECT_EQ(f.mos_mean, 3.5);
  EXPECT_EQ(f.mos_min, 3.0);
  EXPECT_TRUE(f.relayed);
  EXPECT_EQ(f.est_client_ms, 700);
  EXPECT_EQ(f.est_server_ms, std::nullopt);
}

TEST(CallFacts, FactOfAMissedCallWithoutQuality) {
  const auto f = fact_of(test::ended_session({.id = "c2", .reason = calls::EndReason::missed, .joined = 1}), nullptr);
  EXPECT_FALSE(f.started);
  EXPECT_EQ(f.duration_s, std::nullopt);
  EXPECT_EQ(f.participants, 1);
  EXPECT_EQ(f.mos_mean, std::nullopt);
  EXPECT_FALSE(f.relayed);
}

TEST(CallFacts, TotalsCountFeaturesOfStartedCallsOnly) {
  HourTotals t;
  t.add(fact_of(test::ended_session({.id = "a", .duration_s = 60, .joined = 2, .screen = true, .mos = 4.5}), nullptr));
  const auto q = test::summary_of({.mos = 2.0});
  t.add(fact_of(test::ended_session(
                    {.id = "b", .reason = calls::EndReason::missed, .joined = 1, .screen = true, .audio_only = true}),
                &q));
  EXPECT_EQ(t.n[calls], 2);
  EXPECT_EQ(t.n[started], 1);
  EXPECT_EQ(t.n[type_group], 2);
  EXPECT_EQ(t.n[end_ended_by_user], 1);
  EXPECT_EQ(t.n[end_missed], 1);
  EXPECT_EQ(t.n[participants], 3);
  EXPECT_EQ(t.n[screen_share], 1);  // the missed call's flag does not count
  EXPECT_EQ(t.n[audio_only], 0);
  EXPECT_EQ(t.n[duration_sum], 60);
  EXPECT_EQ(t.duration_max, 60);
  EXPECT_EQ(t.n[quality_calls], 1);  // "a" had no summary passed
  EXPECT_EQ(t.n[mos_poor], 1);
  EXPECT_DOUBLE_EQ(t.mos_sum, 2.0);
  HourTotals u;
  u.merge(t);
  u.merge(t);
  EXPECT_EQ(u.n[calls], 4);
  EXPECT_EQ(u.duration_max, 60);
}

}  // namespace
}  // namespace hearth::store::analytics
