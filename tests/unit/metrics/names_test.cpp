#include "metrics/names.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "calls/call_session.hpp"
#include "calls/quality.hpp"

namespace hearth::metrics {
namespace {

// The instrumented code passes calls' enum values as indexes: the label arrays must follow their order.
TEST(MetricNames, CallLabelsFollowTheDomainEnums) {
  for (auto t : {calls::SessionType::one_to_one, calls::SessionType::group, calls::SessionType::therapy})
    EXPECT_EQ(kCallTypes[static_cast<std::size_t>(t)], calls::to_string(t));
  for (auto r : {calls::EndReason::none, calls::EndReason::ended_by_user, calls::EndReason::missed,
                 calls::EndReason::timeout, calls::EndReason::all_left, calls::EndReason::declined})
    EXPECT_EQ(kEndReasons[static_cast<std::size_t>(r)], calls::to_string(r));
  for (auto c : {calls::CandidateType::host, calls::CandidateType::srflx, calls::CandidateType::prflx,
                 calls::CandidateType::relay})
    EXPECT_EQ(kCandidateTypes[static_cast<std::size_t>(c)], calls::to_string(c));
  EXPECT_EQ(kCandidateTypes.back(), "unknown");
}

TEST(MetricNames, FollowPrometheusNamingRules) {
  const MetricInfo all[] = {
      kCallsInitiated,   kCallsEnded,          kSignalingEventsTotal, kRelays,       kErrors,
      kRateLimited,      kAuthFailures,        kCallSetups,           kQualityLinks, kWebhookDeliveries,
      kConnectedSockets, kEngineioSessions,    kAuthenticatedUsers,   kCallsActive,  kParticipantsActive,
      kStoreQueueDepth,  kStoreQueueCapacity,  kWebhookOutboxPending, kHttpDuration, kCallSetupDuration,
      kRelayDuration,    kStoreBatchSize,      kStoreCommitDuration,  kQualityMos,   kShards,
      kShardHandoffs,    kShardHandoffBatches, kShardWakeups};
  const std::regex name_re("hearth_[a-z_]*[a-z]");
  std::set<std::string_view> names;
  for (const auto& m : all) {
    EXPECT_TRUE(std::regex_match(std::string(m.name), name_re)) << m.name;
    EXPECT_TRUE(names.insert(m.name).second) << "twice: " << m.name;
    EXPECT_FALSE(m.help.empty()) << m.name;
    const bool total = m.name.ends_with("_total");
    EXPECT_EQ(total, m.type == "counter") << m.name;
    EXPECT_TRUE(m.type == "counter" || m.type == "gauge" || m.type == "histogram") << m.name;
    // No histogram or gauge name may collide with a histogram's generated series.
    EXPECT_FALSE(m.name.ends_with("_bucket") || m.name.ends_with("_count") || m.name.ends_with("_sum")) << m.name;
  }
}

template <std::size_t N>
void expect_increasing(const std::array<double, N>& bounds) {
  static_assert(N <= kMaxBuckets);
  for (std::size_t i = 1; i < N; ++i) EXPECT_LT(bounds[i - 1], bounds[i]);
}

TEST(MetricNames, BucketBoundsIncrease) {
  expect_increasing(kHttpBuckets);
  expect_increasing(kSetupBuckets);
  expect_increasing(kRelayBuckets);
  expect_increasing(kBatchBuckets);
  expect_increasing(kCommitBuckets);
  expect_increasing(kMosBuckets);
}

TEST(MetricNames, IndexLookups) {
  EXPECT_EQ(route_index("/api/video-call/join/:sessionId"), 1u);
  EXPECT_EQ(route_index(""), kRoutes.size() - 1);
  EXPECT_EQ(event_index("webrtc_ice_candidate"), 0u);
  EXPECT_EQ(event_index("unknown"), kUnknownEvent);  // the label itself is not an event
  EXPECT_EQ(event_index("Webrtc_offer"), kUnknownEvent);
}

}  // namespace
}  // namespace hearth::metrics
