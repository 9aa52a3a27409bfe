#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

// The one token bucket behind every rate limit: burst, refill, and a clock that steps back.
namespace hearth {
namespace {
using namespace std::chrono_literals;

const TimePoint kBucketT0 = from_epoch_ms(1'700'000'000'000);
constexpr double kPerMs = 0.01;  // 10 tokens a second
constexpr double kCapacity = 3;

TEST(TokenBucket, StartsFullAndRefusesPastTheBurstWithTheWait) {
  TokenBucket b(kCapacity, kBucketT0);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(b.take(kBucketT0, kPerMs, kCapacity).has_value());
  EXPECT_EQ(b.take(kBucketT0, kPerMs, kCapacity), 100ms);
  EXPECT_EQ(b.take(kBucketT0 + 40ms, kPerMs, kCapacity), 60ms);
  EXPECT_FALSE(b.take(kBucketT0 + 100ms, kPerMs, kCapacity).has_value());
}

TEST(TokenBucket, RefillsOnlyToTheCapacity) {
  TokenBucket b(kCapacity, kBucketT0);
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(b.take(kBucketT0, kPerMs, kCapacity).has_value());
  const auto later = kBucketT0 + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(b.take(later, kPerMs, kCapacity).has_value());
  EXPECT_TRUE(b.take(later, kPerMs, kCapacity).has_value());
}

TEST(TokenBucket, AClockSteppingBackGrantsNothingAndTheIntervalIsNotGrantedTwice) {
  TokenBucket b(kCapacity, kBucketT0);
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(b.take(kBucketT0, kPerMs, kCapacity).has_value());
  EXPECT_TRUE(b.take(kBucketT0 - 10s, kPerMs, kCapacity).has_value());
  // Back to kBucketT0 + 100 ms: one token for the 100 ms since kBucketT0, not one more for the time "regained".
  EXPECT_FALSE(b.take(kBucketT0 + 100ms, kPerMs, kCapacity).has_value());
  EXPECT_TRUE(b.take(kBucketT0 + 100ms, kPerMs, kCapacity).has_value());
}

TEST(TokenBucket, FullAtSaysWhenForgettingItChangesNothing) {
  TokenBucket b(kCapacity, kBucketT0);
  EXPECT_TRUE(b.full_at(kBucketT0, kPerMs, kCapacity));
  ASSERT_FALSE(b.take(kBucketT0, kPerMs, kCapacity).has_value());
  EXPECT_FALSE(b.full_at(kBucketT0 + 50ms, kPerMs, kCapacity));
  EXPECT_TRUE(b.full_at(kBucketT0 + 100ms, kPerMs, kCapacity));
}

}  // namespace
}  // namespace hearth
