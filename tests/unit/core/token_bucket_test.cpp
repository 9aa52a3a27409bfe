#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

// The one token bucket behind every rate limit: burst, refill, and a clock that steps back.
namespace hearth {
namespace {
using namespace std::chrono_literals;

const TimePoint t0 = from_epoch_ms(1'700'000'000'000);
constexpr double kPerMs = 0.01;  // 10 tokens a second
constexpr double kCapacity = 3;

TEST(TokenBucket, StartsFullAndRefusesPastTheBurstWithTheWait) {
  TokenBucket b(kCapacity, t0);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(b.take(t0, kPerMs, kCapacity).has_value());
  EXPECT_EQ(b.take(t0, kPerMs, kCapacity), 100ms);
  EXPECT_EQ(b.take(t0 + 40ms, kPerMs, kCapacity), 60ms);
  EXPECT_FALSE(b.take(t0 + 100ms, kPerMs, kCapacity).has_value());
}

TEST(TokenBucket, RefillsOnlyToTheCapacity) {
  TokenBucket b(kCapacity, t0);
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(b.take(t0, kPerMs, kCapacity).has_value());
  const auto later = t0 + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(b.take(later, kPerMs, kCapacity).has_value());
  EXPECT_TRUE(b.take(later, kPerMs, kCapacity).has_value());
}

TEST(TokenBucket, AClockSteppingBackGrantsNothingAndTheIntervalIsNotGrantedTwice) {
  TokenBucket b(kCapacity, t0);
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(b.take(t0, kPerMs, kCapacity).has_value());
  EXPECT_TRUE(b.take(t0 - 10s, kPerMs, kCapacity).has_value());
  // Back to t0 + 100 ms: one token for the 100 ms since t0, not one more for the time "regained".
  EXPECT_FALSE(b.take(t0 + 100ms, kPerMs, kCapacity).has_value());
  EXPECT_TRUE(b.take(t0 + 100ms, kPerMs, kCapacity).has_value());
}

TEST(TokenBucket, FullAtSaysWhenForgettingItChangesNothing) {
  TokenBucket b(kCapacity, t0);
  EXPECT_TRUE(b.full_at(t0, kPerMs, kCapacity));
  ASSERT_FALSE(b.take(t0, kPerMs, kCapacity).has_value());
  EXPECT_FALSE(b.full_at(t0 + 50ms, kPerMs, kCapacity));
  EXPECT_TRUE(b.full_at(t0 + 100ms, kPerMs, kCapacity));
}

}  // namespace
}  // namespace hearth
