#include "signaling/expiry_wheel.hpp"

#include <gtest/gtest.h>

// One timer for every token's expiry: items come out once due, never before, and the wheel says when to tick.
namespace hearth::signaling {
namespace {
using namespace std::chrono_literals;

const TimePoint t0 = from_epoch_ms(1'700'000'000'000);

TEST(ExpiryWheel, GivesItemsOutOnceTheirDeadlineHasComeNeverBefore) {
  ExpiryWheel<int> wheel;
  auto a = std::make_shared<int>(1);
  auto b = std::make_shared<int>(2);
  EXPECT_TRUE(wheel.add(t0 + 1'500ms, a));  // idle: start ticking
  EXPECT_FALSE(wheel.add(t0 + 3s, b));      // already ticking
  bool idle = false;
  EXPECT_TRUE(wheel.take_due(t0 + 1'499ms, idle).empty());
  EXPECT_TRUE(wheel.take_due(t0 + 1'999ms, idle).empty()) << "rounded up: never handed out before its deadline";
  auto due = wheel.take_due(t0 + 2s, idle);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].lock(), a);
  EXPECT_FALSE(idle);
  due = wheel.take_due(t0 + 10s, idle);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].lock(), b);
  EXPECT_TRUE(idle);
  EXPECT_TRUE(wheel.add(t0 + 20s, a)) << "idle again: the next add starts the ticking";
}

TEST(ExpiryWheel, AFarDeadlineAndAGoneItemAreHarmless) {
  ExpiryWheel<int> wheel;
  wheel.add(from_epoch_ms(253'402'300'799'000), std::make_shared<int>(1));  // year 9999: a key, no timer overflow
  {
    auto gone = std::make_shared<int>(2);
    wheel.add(t0, gone);
  }
  bool idle = false;
  auto due = wheel.take_due(t0, idle);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_TRUE(due[0].expired());
  EXPECT_FALSE(idle);
  EXPECT_EQ(wheel.size(), 1U);
}

}  // namespace
}  // namespace hearth::signaling
