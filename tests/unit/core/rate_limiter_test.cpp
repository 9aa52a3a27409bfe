#include "core/rate_limiter.hpp"

#include <functional>
#include <string>

#include <gtest/gtest.h>

// Token buckets per key with explicit time: burst, refill, the wait handed out as Retry-After, and the cap on
// the number of keys remembered.
namespace hearth {
namespace {
using namespace std::chrono_literals;

const TimePoint t0 = from_epoch_ms(1'700'000'000'000);

// Takes `n` tokens at `now`, returning how many were granted.
int take(RateLimiter& limiter, std::string_view key, int n, TimePoint now) {
  int granted = 0;
  for (int i = 0; i < n; ++i)
    if (!limiter.acquire(key, now)) ++granted;
  return granted;
}

TEST(RateLimiter, TheBucketStartsFullAndHoldsOneMinutesWorth) {
  RateLimiter limiter(120);
  EXPECT_EQ(take(limiter, "alice", 120, t0), 120);
  EXPECT_TRUE(limiter.acquire("alice", t0).has_value());
}

TEST(RateLimiter, RetryAfterIsTheWaitForOneTokenRoundedUpToSeconds) {
  RateLimiter limiter(120);  // a token every 500 ms
  ASSERT_EQ(take(limiter, "alice", 120, t0), 120);
  EXPECT_EQ(limiter.acquire("alice", t0), 1s);

  RateLimiter slow(1);  // a token a minute
  ASSERT_FALSE(slow.acquire("alice", t0).has_value());
  EXPECT_EQ(slow.acquire("alice", t0), 60s);
  EXPECT_EQ(slow.acquire("alice", t0 + 30s), 30s);
  EXPECT_EQ(slow.acquire("alice", t0 + 58'500ms), 2s);  // 1.5 s rounds up
  EXPECT_EQ(slow.acquire("alice", t0 + 59'999ms), 1s);  // never 0 while refused
}

TEST(RateLimiter, TokensComeBackAtTheSustainedRate) {
  RateLimiter limiter(6);  // a token every 10 s
  ASSERT_EQ(take(limiter, "alice", 6, t0), 6);
  EXPECT_EQ(limiter.acquire("alice", t0 + 4s), 6s);
  EXPECT_FALSE(limiter.acquire("alice", t0 + 10s).has_value());
  EXPECT_EQ(limiter.acquire("alice", t0 + 10s), 10s);
  EXPECT_EQ(take(limiter, "alice", 3, t0 + 40s), 3);  // 30 s later: 3 tokens, not more
  EXPECT_TRUE(limiter.acquire("alice", t0 + 40s).has_value());
}

TEST(RateLimiter, RefusedRequestsDoNotPushTheNextTokenBack) {
  RateLimiter limiter(6);
  ASSERT_EQ(take(limiter, "alice", 6, t0), 6);
  for (int i = 1; i < 10; ++i) EXPECT_TRUE(limiter.acquire("alice", t0 + i * 1s).has_value());
  // The token is due at t0 + 10 s (not 10 s after the last refusal). 1 ms of slack: the refill is summed in
  // floating point, and nine partial refills add up to a hair under one token at exactly 10 s.
  EXPECT_FALSE(limiter.acquire("alice", t0 + 10'001ms).has_value());
}

TEST(RateLimiter, AnIdleBucketRefillsOnlyToTheBurst) {
  RateLimiter limiter(10);
  ASSERT_EQ(take(limiter, "alice", 10, t0), 10);
  EXPECT_EQ(take(limiter, "alice", 11, t0 + 24h), 10);
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter limiter(2);
  ASSERT_EQ(take(limiter, "alice", 2, t0), 2);
  EXPECT_TRUE(limiter.acquire("alice", t0).has_value());
  EXPECT_EQ(take(limiter, "bob", 2, t0), 2);
  EXPECT_EQ(take(limiter, "10.0.0.1", 2, t0), 2);
  EXPECT_EQ(take(limiter, "Alice", 2, t0), 2);  // keys are compared exactly
  EXPECT_TRUE(limiter.acquire("bob", t0).has_value());
}

TEST(RateLimiter, AClockSteppingBackGrantsNothing) {
  RateLimiter limiter(1);
  ASSERT_FALSE(limiter.acquire("alice", t0).has_value());
  EXPECT_TRUE(limiter.acquire("alice", t0 - 1h).has_value());
}

// The limiter splits keys over 16 shards by std::hash; these tests need keys that share a shard.
std::size_t shard_of(std::string_view key) { return std::hash<std::string_view>{}(key) % 16; }
std::string another_key_in_shard_of(std::string_view key, int skip = 0) {
  for (int i = 0;; ++i) {
    std::string candidate = "user-" + std::to_string(i);
    if (candidate != key && shard_of(candidate) == shard_of(key) && skip-- == 0) return candidate;
  }
}

TEST(RateLimiterMemory, WithoutPressureALimitedKeyStaysLimited) {
  RateLimiter limiter(1);  // default cap: 100 000 keys
  ASSERT_FALSE(limiter.acquire("victim", t0).has_value());
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(limiter.acquire("key-" + std::to_string(i), t0).has_value());
  EXPECT_TRUE(limiter.acquire("victim", t0).has_value());
}

TEST(RateLimiterMemory, AFullTableForgetsBucketsThatRefilledFirst) {
  RateLimiter limiter(1, 32);  // 2 keys per shard
  const std::string old_key = another_key_in_shard_of("victim");
  const std::string newcomer = another_key_in_shard_of("victim", 1);
  ASSERT_FALSE(limiter.acquire(old_key, t0).has_value());
  ASSERT_FALSE(limiter.acquire("victim", t0 + 2min).has_value());  // old_key has refilled by now
  ASSERT_FALSE(limiter.acquire(newcomer, t0 + 2min).has_value());  // the shard is full: old_key goes
  EXPECT_TRUE(limiter.acquire("victim", t0 + 2min).has_value());   // the victim is still remembered
}

TEST(RateLimiterMemory, ATableFullOfLimitedKeysStartsOver) {
  RateLimiter limiter(1, 16);  // 1 key per shard
  ASSERT_FALSE(limiter.acquire("victim", t0).has_value());
  ASSERT_FALSE(limiter.acquire(another_key_in_shard_of("victim"), t0).has_value());
  // The memory bound wins over the limit: the victim was forgotten and gets a fresh bucket.
  EXPECT_FALSE(limiter.acquire("victim", t0).has_value());
}

}  // namespace
}  // namespace hearth
