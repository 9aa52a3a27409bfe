#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

namespace hearth::metrics {
namespace {

TEST(Metrics, CountsIntoTheSlotsOfTheirLabels) {
  Metrics m;
  m.call_initiated(1);
  m.call_initiated(1);
  m.call_ended(0, 4);
  m.signaling_event(event_index("webrtc_offer"));
  m.signaling_event(event_index("no_such_event"));
  m.relayed(RelayKind::answer);
  m.rest_error(404);
  m.signaling_error(errc::forbidden);
  m.rate_limited(RateLimit::socket_events);
  m.auth_failed(AuthTransport::socketio);
  m.call_setup(SetupOutcome::failed);
  const auto s = m.snapshot();
  EXPECT_EQ(s.calls_initiated[1], 2u);
  EXPECT_EQ(s.calls_ended[0][4], 1u);
  EXPECT_EQ(s.signaling_events[1], 1u);
  EXPECT_EQ(s.signaling_events[kUnknownEvent], 1u);
  EXPECT_EQ(s.relays[1], 1u);
  EXPECT_EQ(s.rest_errors[4], 1u);
  EXPECT_EQ(s.signaling_errors[static_cast<std::size_t>(errc::forbidden)], 1u);
  EXPECT_EQ(s.rate_limited[static_cast<std::size_t>(RateLimit::socket_events)], 1u);
  EXPECT_EQ(s.auth_failures[1], 1u);
  EXPECT_EQ(s.call_setups[1], 1u);
}

TEST(Metrics, IgnoresIndexesOutOfRange) {
  Metrics m;
  m.call_initiated(99);
  m.call_ended(99, 0);
  m.call_ended(0, 99);
  m.rest_error(200);  // not an error status
  m.rest_error(600);
  m.calls_active_changed(7, 1);
  const auto s = m.snapshot();
  for (auto n : s.calls_initiated) EXPECT_EQ(n, 0u);
  for (auto n : s.rest_errors) EXPECT_EQ(n, 0u);
  for (auto n : s.calls_active) EXPECT_EQ(n, 0);
}

TEST(Metrics, GaugesAreSumsOfDeltasFromAnyThread) {
  Metrics m;
  m.sockets_changed(Transport::polling, 1);
  std::thread([&] {
    m.sockets_changed(Transport::polling, -1);  // closed on another thread than it opened on
    m.sockets_changed(Transport::websocket, 1);
  }).join();
  m.participants_changed(3);
  m.participants_changed(-1);
  const auto s = m.snapshot();
  EXPECT_EQ(s.connected_sockets[0], 0);
  EXPECT_EQ(s.connected_sockets[1], 1);
  EXPECT_EQ(s.participants_active, 2);
}

TEST(Metrics, SumsTheLanesOfManyThreads) {
  Metrics m;
  constexpr int kThreads = 8;
  constexpr int kEach = 10'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        m.relayed(RelayKind::ice_candidate);
        m.observe(Histogram::relay, 0.00001);
      }
    });
  // A scrape while they count: never more than was counted, never less than an earlier scrape.
  std::uint64_t last = 0;
  for (int i = 0; i < 100; ++i) {
    const auto now = m.snapshot().relays[2];
    EXPECT_GE(now, last);
    EXPECT_LE(now, static_cast<std::uint64_t>(kThreads) * kEach);
    last = now;
  }
  for (auto& t : threads) t.join();
  const auto s = m.snapshot();
  EXPECT_EQ(s.relays[2], static_cast<std::uint64_t>(kThreads) * kEach);
  std::uint64_t observed = 0;
  for (auto n : s.histograms[series_of(Histogram::relay, 0)].buckets) observed += n;
  EXPECT_EQ(observed, static_cast<std::uint64_t>(kThreads) * kEach);
}

TEST(Metrics, TwoObjectsOnOneThreadKeepTheirOwnCounts) {
  Metrics a;
  Metrics b;
  a.relayed(RelayKind::offer);
  b.relayed(RelayKind::offer);
  b.relayed(RelayKind::offer);
  a.relayed(RelayKind::offer);
  a.relayed(RelayKind::offer);
  EXPECT_EQ(a.snapshot().relays[0], 3u);
  EXPECT_EQ(b.snapshot().relays[0], 2u);
}

TEST(Metrics, HistogramBucketsAreUpperBoundsInclusive) {
  Metrics m;
  m.observe(Histogram::batch_size, 1);                                         // le=1
  m.observe(Histogram::batch_size, 3);                                         // le=4
  m.observe(Histogram::batch_size, 4);                                         // le=4
  m.observe(Histogram::batch_size, 999);                                       // +Inf
  m.observe(Histogram::batch_size, std::numeric_limits<double>::quiet_NaN());  // ignored
  const auto s = m.snapshot();
  const auto& h = s.histograms[series_of(Histogram::batch_size, 0)];
  EXPECT_EQ(h.buckets[0], 1u);
  EXPECT_EQ(h.buckets[1], 0u);
  EXPECT_EQ(h.buckets[2], 2u);
  EXPECT_EQ(h.buckets[kMaxBuckets], 1u);
  EXPECT_DOUBLE_EQ(h.sum, 1 + 3 + 4 + 999);
}

TEST(Metrics, RoutesHaveASeriesEachAndUnknownLabelsFallIntoUnmatched) {
  Metrics m;
  m.observe(Histogram::http, route_index("/api/video-call/initiate"), 0.001);
  m.observe(Histogram::http, route_index("/not/a/route"), 0.001);
  m.observe(Histogram::http, 1000, 0.001);
  const auto s = m.snapshot();
  std::uint64_t initiate = 0, unmatched = 0;
  for (auto n : s.histograms[series_of(Histogram::http, 0)].buckets) initiate += n;
  for (auto n : s.histograms[series_of(Histogram::http, kRoutes.size() - 1)].buckets) unmatched += n;
  EXPECT_EQ(initiate, 1u);
  EXPECT_EQ(unmatched, 2u);
  EXPECT_EQ(kRoutes.back(), "unmatched");
}

TEST(Metrics, SamplesOneRelayInSixteenPerThread) {
  Metrics m;
  int sampled = 0;
  for (std::size_t i = 0; i < 16 * kRelaySampleEvery; ++i) sampled += m.sample_relay() ? 1 : 0;
  EXPECT_EQ(sampled, 16);
}

}  // namespace
}  // namespace hearth::metrics
