#include "metrics/usage_counters.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace hearth::metrics {
namespace {

std::string_view wire_name(errc code) noexcept { return code == errc::gone ? "session_ended" : to_string(code); }

const TimePoint kAt = TimePoint(std::chrono::milliseconds(1'700'000'123'456));  // 2023-11-14T22:15:23.456Z

TEST(UsageCounters, CountsAnswersErrorsAndEventsOfTheHour) {
  UsageCounters c;
  c.rest_answered(200);
  c.rest_answered(201);
  c.rest_answered(404);
  c.rest_answered(404);
  c.rest_answered(503);
  c.rest_answered(399);
  c.rest_answered(1000);  // nonsense status: counted as a request only
  c.signaling_event();
  c.signaling_event();
  c.signaling_error(errc::gone);
  c.signaling_error(errc::forbidden);
  c.signaling_error(errc::forbidden);

  const auto u = c.take(kAt, wire_name);
  EXPECT_EQ(u.hour, TimePoint(std::chrono::hours(472'222)));  // 22:00 that day
  EXPECT_EQ(u.rest_requests, 7);
  EXPECT_EQ(u.rest_errors, (std::map<std::string, std::int64_t>{{"404", 2}, {"503", 1}}));
  EXPECT_EQ(u.signaling_events, 2);
  EXPECT_EQ(u.signaling_errors, (std::map<std::string, std::int64_t>{{"forbidden", 2}, {"session_ended", 1}}));
  EXPECT_FALSE(u.empty());
}

TEST(UsageCounters, TakeStartsAgainAtZero) {
  UsageCounters c;
  c.rest_answered(500);
  c.signaling_event();
  EXPECT_FALSE(c.take(kAt, wire_name).empty());
  EXPECT_TRUE(c.take(kAt, wire_name).empty());
}

TEST(UsageCounters, CountsFromManyThreadsWithoutLoss) {
  UsageCounters c;
  constexpr int kThreads = 12;  // more than there are lanes
  constexpr int kEach = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        c.signaling_event();
        c.rest_answered(i % 2 ? 200 : 429);
      }
    });
  std::int64_t events = 0, requests = 0, limited = 0;
  for (int i = 0; i < 50; ++i) {  // taking while counting loses nothing either
    const auto u = c.take(kAt, wire_name);
    events += u.signaling_events;
    requests += u.rest_requests;
    if (auto it = u.rest_errors.find("429"); it != u.rest_errors.end()) limited += it->second;
  }
  for (auto& t : threads) t.join();
  const auto u = c.take(kAt, wire_name);
  events += u.signaling_events;
  requests += u.rest_requests;
  if (auto it = u.rest_errors.find("429"); it != u.rest_errors.end()) limited += it->second;
  EXPECT_EQ(events, kThreads * kEach);
  EXPECT_EQ(requests, kThreads * kEach);
  EXPECT_EQ(limited, kThreads * kEach / 2);
}

}  // namespace
}  // namespace hearth::metrics
