#include "webhooks/retry_policy.hpp"

#include <gtest/gtest.h>

namespace hearth::webhooks {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

TEST(RetryPolicy, DoublesFromOneSecondToTheCapWithJitterInTheUpperHalf) {
  const RetryPolicy p;  // 1 s doubling, 5 min cap, 24 h budget
  EXPECT_EQ(retry_delay(p, 1, milliseconds(0), 0.0), milliseconds(500));
  EXPECT_EQ(retry_delay(p, 1, milliseconds(0), 0.999'999), milliseconds(999));
  EXPECT_EQ(retry_delay(p, 2, milliseconds(0), 0.0), milliseconds(1000));
  EXPECT_EQ(retry_delay(p, 4, milliseconds(0), 0.5), milliseconds(6000));  // base 8 s: 4 s + half of 4 s
  EXPECT_EQ(retry_delay(p, 9, milliseconds(0), 0.0), milliseconds(128'000));
  EXPECT_EQ(retry_delay(p, 10, milliseconds(0), 0.0), milliseconds(150'000));  // base capped at 5 min
  EXPECT_EQ(retry_delay(p, 10'000, milliseconds(0), 0.999'999), milliseconds(299'999));
}

TEST(RetryPolicy, GivesUpPastTheBudget) {
  const RetryPolicy p;
  EXPECT_TRUE(retry_delay(p, 200, hours(23), 0.5));
  EXPECT_FALSE(retry_delay(p, 200, hours(24), 0.0));
  EXPECT_FALSE(retry_delay(p, 200, hours(24) - milliseconds(100), 0.0));  // the next attempt would be too late
}

TEST(RetryPolicy, MaxAttempts) {
  RetryPolicy p;
  p.max_attempts = 3;
  EXPECT_TRUE(retry_delay(p, 1, milliseconds(0), 0.5));
  EXPECT_TRUE(retry_delay(p, 2, milliseconds(0), 0.5));
  EXPECT_FALSE(retry_delay(p, 3, milliseconds(0), 0.5));
}

TEST(RetryPolicy, OutOfRangeRandomIsClamped) {
  const RetryPolicy p;
  EXPECT_EQ(retry_delay(p, 1, milliseconds(0), -3.0), milliseconds(500));
  EXPECT_EQ(retry_delay(p, 1, milliseconds(0), 7.0), milliseconds(1000));
}

}  // namespace
}  // namespace hearth::webhooks
