#include "calls/quality.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hearth::calls {
namespace {

// G.107 Annex B's MOS of an R-factor, at its reference points.
TEST(MosFromR, G107ReferencePoints) {
  EXPECT_DOUBLE_EQ(mos_from_r(0), 1.0);
  EXPECT_DOUBLE_EQ(mos_from_r(-5), 1.0);
  EXPECT_DOUBLE_EQ(mos_from_r(100), 4.5);
  EXPECT_NEAR(mos_from_r(93.2), 4.41, 0.005);  // the default R of G.107: "best" narrowband
  EXPECT_NEAR(mos_from_r(90), 4.34, 0.005);    // "very satisfied" from here
  EXPECT_NEAR(mos_from_r(80), 4.02, 0.005);    // "satisfied"
  EXPECT_NEAR(mos_from_r(70), 3.60, 0.005);    // "some users dissatisfied"
  EXPECT_NEAR(mos_from_r(60), 3.10, 0.005);    // "many users dissatisfied"
  EXPECT_NEAR(mos_from_r(50), 2.58, 0.005);    // "nearly all users dissatisfied"
  EXPECT_GE(mos_from_r(3), 1.0);               // the cubic dips below 1 near 0: clamped
}

TEST(RFactor, LatencyJitterAndLoss) {
  EXPECT_DOUBLE_EQ(r_factor(0, 0, 0), 93.2 - 10.0 / 40);
  // effective latency 300/2 + 2*20 + 10 = 200 ms: the steeper branch
  EXPECT_DOUBLE_EQ(r_factor(300, 20, 0), 93.2 - 80.0 / 10);
  // 100/2 + 2*5 + 10 = 70 ms, and 4 % loss costs 10
  EXPECT_DOUBLE_EQ(r_factor(100, 5, 4), 93.2 - 70.0 / 40 - 10);
  EXPECT_DOUBLE_EQ(r_factor(100, 5, 100), 0.0);                // clamped at 0
  EXPECT_DOUBLE_EQ(r_factor(-50, -1, -3), r_factor(0, 0, 0));  // negatives count as 0
  EXPECT_DOUBLE_EQ(r_factor(std::nan(""), 0, 0), r_factor(0, 0, 0));
}

TEST(QualityLevels, ByMos) {
  EXPECT_EQ(level_for_mos(4.4), QualityLevel::excellent);
  EXPECT_EQ(level_for_mos(4.0), QualityLevel::excellent);
  EXPECT_EQ(level_for_mos(3.99), QualityLevel::good);
  EXPECT_EQ(level_for_mos(3.6), QualityLevel::good);
  EXPECT_EQ(level_for_mos(3.5), QualityLevel::fair);
  EXPECT_EQ(level_for_mos(3.0), QualityLevel::poor);
  EXPECT_EQ(level_for_mos(1.49), QualityLevel::lost);
  EXPECT_EQ(level_for_mos(mos_from_r(r_factor(40, 2, 0))), QualityLevel::excellent);  // a clean LAN link is excellent
  EXPECT_EQ(level_for_mos(mos_from_r(r_factor(40, 2, 40))), QualityLevel::lost);
}

LinkReport clean(std::string sender) { return {std::move(sender), 40, 2, 0, std::nullopt, std::nullopt}; }
LinkReport lossy(std::string sender, double loss) {
  return {std::move(sender), 40, 2, loss, std::nullopt, std::nullopt};
}

QualityReport from(std::string reporter, std::vector<LinkReport> links) {
  return {std::move(reporter), std::nullopt, std::move(links)};
}

const LevelChange* change_of(const QualityChanges& c, std::string_view user) {
  for (const auto& l : c.levels)
    if (l.user_id == user) return &l;
  return nullptr;
}

TEST(QualityTracker, FirstReportsSetTheLevels) {
  QualityTracker t;
  auto c = t.report(from("a", {clean("b")}));
  ASSERT_NE(change_of(c, "a"), nullptr);
  ASSERT_NE(change_of(c, "b"), nullptr);
  EXPECT_EQ(change_of(c, "a")->level, QualityLevel::excellent);
  EXPECT_NEAR(change_of(c, "b")->mos, mos_from_r(r_factor(40, 2, 0)), 1e-9);
  c = t.report(from("b", {clean("a")}));
  EXPECT_TRUE(c.levels.empty());  // still excellent: nothing to announce
  EXPECT_EQ(t.levels().size(), 2U);
}

TEST(QualityTracker, OneBadSampleDoesNotFlapTheLevel) {
  QualityTracker t;
  t.report(from("a", {clean("b")}));
  auto c = t.report(from("a", {lossy("b", 30)}));
  EXPECT_TRUE(c.levels.empty());
  c = t.report(from("a", {clean("b")}));
  EXPECT_TRUE(c.levels.empty());
  EXPECT_EQ(t.levels()[0].level, QualityLevel::excellent);
}

TEST(QualityTracker, TwoBadSamplesInARowChangeIt) {
  QualityTracker t;
  t.report(from("a", {clean("b")}));
  EXPECT_TRUE(t.report(from("a", {lossy("b", 30)})).levels.empty());
  const auto c = t.report(from("a", {lossy("b", 30)}));
  ASSERT_NE(change_of(c, "b"), nullptr);
  EXPECT_NE(change_of(c, "b")->level, QualityLevel::excellent);
  EXPECT_LT(change_of(c, "b")->mos, 3.6);
  ASSERT_NE(change_of(c, "a"), nullptr);  // a receives b badly: a's own level drops too
  EXPECT_EQ(change_of(c, "a")->level, change_of(c, "b")->level);
}

TEST(QualityTracker, ParticipantLevelIsTheWorseOfSendingAndReceiving) {
  QualityTracker t;
  t.report(from("b", {lossy("a", 8), clean("c")}));  // b receives a at 8 % loss
  t.report(from("c", {clean("a"), clean("b")}));
  t.report(from("a", {clean("b"), clean("c")}));
  const auto levels = t.levels();
  const auto level_of = [&](std::string_view u) {
    for (const auto& l : levels)
      if (l.user_id == u) return l.level;
    return QualityLevel::lost;
  };
  EXPECT_EQ(level_of("a"), level_for_mos(mos_from_r(r_factor(40, 2, 8))));  // received badly by b
  EXPECT_EQ(level_of("b"), level_of("a"));                                  // receives a badly
  EXPECT_EQ(level_of("c"), QualityLevel::excellent);
}

TEST(QualityTracker, NamesTheSenderEveryoneReceivesBadly) {
  QualityTracker t;
  t.report(from("b", {lossy("a", 20), clean("c")}));
  t.report(from("c", {lossy("a", 25), clean("b")}));
  const auto c = t.report(from("a", {clean("b"), clean("c")}));
  EXPECT_EQ(t.bottleneck(), std::optional<std::string>("a"));
  EXPECT_FALSE(c.bottleneck_changed);  // named by the second report already
}

TEST(QualityTracker, AWeakDownlinkIsNotABottleneck) {
  QualityTracker t;
  // c receives everyone badly; everyone else receives everyone well.
  t.report(from("c", {lossy("a", 20), lossy("b", 20)}));
  t.report(from("a", {clean("b"), clean("c")}));
  t.report(from("b", {clean("a"), clean("c")}));
  EXPECT_EQ(t.bottleneck(), std::nullopt);
}

TEST(QualityTracker, ASenderReceivedWellBySomeoneIsNotABottleneck) {
  QualityTracker t;
  t.report(from("b", {lossy("a", 20), clean("c")}));  // only b receives a badly: b's downlink from a
  t.report(from("c", {clean("a"), clean("b")}));
  EXPECT_EQ(t.bottleneck(), std::nullopt);
}

TEST(QualityTracker, InACallOfTwoTheOtherDirectionDecides) {
  QualityTracker t;
  t.report(from("b", {lossy("a", 20)}));
  EXPECT_EQ(t.bottleneck(), std::nullopt);  // nothing known of b -> a yet
  auto c = t.report(from("a", {clean("b")}));
  EXPECT_TRUE(c.bottleneck_changed);
  EXPECT_EQ(t.bottleneck(), std::optional<std::string>("a"));
  // Both directions bad: it cannot be told whose uplink it is.
  t.report(from("a", {lossy("b", 20)}));
  c = t.report(from("a", {lossy("b", 20)}));
  EXPECT_TRUE(c.bottleneck_changed);
  EXPECT_EQ(t.bottleneck(), std::nullopt);
}

TEST(QualityTracker, TheBottleneckRecoversAndLeaves) {
  QualityTracker t;
  t.report(from("b", {lossy("a", 20), clean("c")}));
  t.report(from("c", {lossy("a", 20), clean("b")}));
  ASSERT_EQ(t.bottleneck(), std::optional<std::string>("a"));
  const auto c = t.remove("a");
  EXPECT_TRUE(c.bottleneck_changed);
  EXPECT_EQ(t.bottleneck(), std::nullopt);
  ASSERT_NE(change_of(c, "b"), nullptr);  // b and c no longer receive a badly
  EXPECT_EQ(change_of(c, "b")->level, QualityLevel::excellent);
  for (const auto& l : t.levels()) EXPECT_NE(l.user_id, "a");
}

TEST(QualityTracker, TheWeakerSuspectTakesOverOnlyByAMargin) {
  QualityTracker t;
  t.report(from("c", {lossy("a", 12), lossy("b", 13), clean("d")}));
  t.report(from("d", {lossy("a", 12), lossy("b", 13), clean("c")}));
  ASSERT_EQ(t.bottleneck(), std::optional<std::string>("b"));
  // a becomes slightly weaker than b: within the margin, b stays.
  t.report(from("c", {lossy("a", 14), lossy("b", 13), clean("d")}));
  t.report(from("d", {lossy("a", 14), lossy("b", 13), clean("c")}));
  EXPECT_EQ(t.bottleneck(), std::optional<std::string>("b"));
}

TEST(QualityTracker, AnOmittedLinkIsDropped) {
  QualityTracker t;
  t.report(from("b", {lossy("a", 30), clean("c")}));
  t.report(from("c", {lossy("a", 30), clean("b")}));
  ASSERT_EQ(t.bottleneck(), std::optional<std::string>("a"));
  t.report(from("b", {clean("c")}));  // b no longer receives a
  t.report(from("c", {clean("b")}));
  EXPECT_EQ(t.bottleneck(), std::nullopt);
}

TEST(QualityTracker, ASenderListedTwiceCountsOnce) {
  QualityTracker t;
  t.report(from("a", {clean("b")}));
  // Two bad samples in one report would change the level at once if both counted.
  const auto c = t.report(from("a", {lossy("b", 30), lossy("b", 30)}));
  EXPECT_TRUE(c.levels.empty());
}

TEST(QualityTracker, SelfLinksAreIgnored) {
  QualityTracker t;
  const auto c = t.report(from("a", {lossy("a", 50)}));
  EXPECT_TRUE(c.levels.empty());
  EXPECT_TRUE(t.levels().empty());
}

TEST(QualityTracker, SummarisesEachParticipant) {
  QualityTracker t;
  QualityReport r = from("b", {{"a", 40, 2, 0, CandidateType::relay, CandidateType::srflx}});
  r.connection_established_ms = 850;
  t.report(r);
  r.connection_established_ms = 90'000;  // later reports of the same join repeat it; the first counts
  r.links[0].loss_pct = 6;
  t.report(r);
  t.server_established("b", 400);
  t.server_established("b", 9'000);
  t.report(from("a", {{"b", 40, 2, 1, CandidateType::host, std::nullopt}}));

  const auto s = t.summary();
  ASSERT_EQ(s.participants.size(), 2U);
  const auto& b = s.participants[0];
  EXPECT_EQ(b.user_id, "b");
  EXPECT_EQ(b.establishment_client_ms, 850);
  EXPECT_EQ(b.establishment_server_ms, 400);
  EXPECT_EQ(b.candidate_types, (std::vector<std::string>{"relay"}));
  EXPECT_TRUE(b.relayed);
  EXPECT_DOUBLE_EQ(b.worst_loss_pct, 6);
  const auto& a = s.participants[1];
  EXPECT_EQ(a.candidate_types, (std::vector<std::string>{"host", "srflx"}));
  EXPECT_TRUE(a.relayed);  // its link to b went through b's relay candidate
  EXPECT_DOUBLE_EQ(a.worst_loss_pct, 6);
  EXPECT_EQ(a.establishment_client_ms, std::nullopt);
  EXPECT_GT(b.samples, 0);
  EXPECT_LE(b.mos_min, b.mos_mean);
  EXPECT_EQ(s.relayed(), true);
  EXPECT_EQ(s.establishment_client_ms(), 850);
  EXPECT_EQ(s.establishment_server_ms(), 400);
  ASSERT_TRUE(s.mos_min().has_value());
  EXPECT_LE(*s.mos_min(), *s.mos_mean());
}

TEST(QualitySummary, PerCallFiguresOverScoredParticipants) {
  QualitySummary s;
  EXPECT_EQ(s.mos_mean(), std::nullopt);
  EXPECT_EQ(s.mos_min(), std::nullopt);
  EXPECT_FALSE(s.relayed());
  ParticipantQuality a{"a", 3, 3.0, 4.0, 2, 1200, 300, {"host"}, false};
  ParticipantQuality b{"b", 2, 3.5, 4.2, 0, 700, 900, {"relay"}, true};
  ParticipantQuality unscored{"c", 0, 0, 0, 0, std::nullopt, std::nullopt, {}, false};
  s.participants = {a, b, unscored};
  EXPECT_DOUBLE_EQ(*s.mos_mean(), 4.1);
  EXPECT_DOUBLE_EQ(*s.mos_min(), 3.0);
  EXPECT_TRUE(s.relayed());
  EXPECT_EQ(s.establishment_client_ms(), 1200);  // the slowest
  EXPECT_EQ(s.establishment_server_ms(), 900);
}

}  // namespace
}  // namespace hearth::calls
