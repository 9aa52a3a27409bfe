#include "calls/call_events_diff.hpp"

#include <gtest/gtest.h>

#include "calls/policy.hpp"

namespace hearth::calls {
namespace {

const TimePoint t0 = from_epoch_ms(1'700'000'000'000);

CallSession waiting_call() {
  InitiateRequest req;
  req.session_type = SessionType::group;
  req.participants = {"bob", "carol"};
  auto s = initiate(req, Caller{"ann", "Ann"}, "call_1", t0, Limits{});
  EXPECT_TRUE(s.ok());
  return *s;
}

std::vector<std::string> types(const std::vector<CallEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.emplace_back(to_string(e.type));
  return out;
}

TEST(CallEventsDiff, ANewSessionIsInitiated) {
  const auto s = waiting_call();
  const auto events = events_between(nullptr, s);
  ASSERT_EQ(types(events), std::vector<std::string>{"call_initiated"});
  EXPECT_EQ(events[0].at, t0);
  EXPECT_EQ(events[0].user_id, "ann");
  EXPECT_EQ(events[0].users, (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(events[0].session_type, SessionType::group);
}

TEST(CallEventsDiff, NoChangeNoEvent) {
  const auto s = waiting_call();
  EXPECT_TRUE(events_between(&s, s).empty());
  auto media = s;
  ASSERT_TRUE(update_media(media, "ann", MediaState{false, true, false}).ok());
  EXPECT_TRUE(events_between(&s, media).empty());
}

TEST(CallEventsDiff, JoinsThenStartWhenTheSecondParticipantIsIn) {
  auto before = waiting_call();
  auto after = before;
  ASSERT_TRUE(activate(after, Caller{"ann", "Ann"}, "s1", "p1", t0 + Millis(1000), Limits{}).ok());
  auto events = events_between(&before, after);
  ASSERT_EQ(types(events), std::vector<std::string>{"participant_joined"});
  EXPECT_EQ(events[0].user_id, "ann");
  EXPECT_EQ(events[0].name, "Ann");
  EXPECT_EQ(events[0].at, t0 + Millis(1000));

  before = after;
  ASSERT_TRUE(activate(after, Caller{"bob", "Bob"}, "s2", "p2", t0 + Millis(2000), Limits{}).ok());
  events = events_between(&before, after);
  ASSERT_EQ(types(events), (std::vector<std::string>{"participant_joined", "call_started"}));
  EXPECT_EQ(events[0].user_id, "bob");
  EXPECT_EQ(events[1].at, t0 + Millis(2000));
  EXPECT_EQ(events[1].users, (std::vector<std::string>{"ann", "bob"}));

  // A reconnect (a new socket of a participant still active) is no new join.
  before = after;
  ASSERT_TRUE(activate(after, Caller{"bob", "Bob"}, "s3", "p3", t0 + Millis(3000), Limits{}).ok());
  EXPECT_TRUE(events_between(&before, after).empty());
}

CallSession started_call() {
  auto s = waiting_call();
  EXPECT_TRUE(activate(s, Caller{"ann", "Ann"}, "s1", "p1", t0, Limits{}).ok());
  EXPECT_TRUE(activate(s, Caller{"bob", "Bob"}, "s2", "p2", t0 + Millis(1000), Limits{}).ok());
  EXPECT_TRUE(activate(s, Caller{"carol", "Carol"}, "s3", "p3", t0 + Millis(1000), Limits{}).ok());
  return s;
}

TEST(CallEventsDiff, LeaveReasonsComeFromTheParticipant) {
  const auto before = started_call();
  auto after = before;
  ASSERT_TRUE(deactivate(after, "bob", t0 + Millis(5000), LeaveReason::disconnected));
  ASSERT_TRUE(deactivate(after, "carol", t0 + Millis(6000), LeaveReason::none));  // no reason: a plain leave
  const auto events = events_between(&before, after);
  ASSERT_EQ(types(events), (std::vector<std::string>{"participant_left", "participant_left"}));
  EXPECT_EQ(events[0].user_id, "bob");
  EXPECT_EQ(events[0].reason, "disconnected");
  EXPECT_EQ(events[0].at, t0 + Millis(5000));
  EXPECT_EQ(events[1].user_id, "carol");
  EXPECT_EQ(events[1].reason, "left");
}

TEST(CallEventsDiff, EndingLeavesEveryoneThenEnds) {
  const auto before = started_call();
  auto after = before;
  ASSERT_TRUE(end_by_user(after, "ann", t0 + Millis(61'000)).ok());
  const auto events = events_between(&before, after);
  ASSERT_EQ(types(events),
            (std::vector<std::string>{"participant_left", "participant_left", "participant_left", "call_ended"}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(events[i].reason, "call_ended");
  EXPECT_EQ(events[3].reason, "ended_by_user");
  EXPECT_EQ(events[3].user_id, "ann");
  EXPECT_EQ(events[3].duration_seconds, 60);
  EXPECT_EQ(events[3].at, t0 + Millis(61'000));
  // Ending again changes nothing.
  auto again = after;
  EXPECT_EQ(end(again, EndReason::timeout, {}, t0 + Millis(70'000)), EndOutcome::already_ended);
  EXPECT_TRUE(events_between(&after, again).empty());
}

TEST(CallEventsDiff, TheLastOneLeavingEndsTheCallWithTheirOwnReason) {
  auto before = started_call();
  ASSERT_TRUE(deactivate(before, "bob", t0 + Millis(2000), LeaveReason::left));
  ASSERT_TRUE(deactivate(before, "carol", t0 + Millis(2000), LeaveReason::left));
  auto after = before;
  ASSERT_TRUE(deactivate(after, "ann", t0 + Millis(3000), LeaveReason::left));
  after.find_participant("ann")->left_reason = LeaveReason::left;
  const auto events = events_between(&before, after);
  ASSERT_EQ(types(events), (std::vector<std::string>{"participant_left", "call_ended"}));
  EXPECT_EQ(events[0].reason, "left");
  EXPECT_EQ(events[1].reason, "all_left");
  EXPECT_EQ(events[1].user_id, "");  // the system ended it
}

TEST(CallEventsDiff, AMissedCallEndsWithoutLeaves) {
  const auto before = waiting_call();
  auto after = before;
  ASSERT_TRUE(expire(after, t0 + Limits{}.ring_timeout, Limits{}));
  const auto events = events_between(&before, after);
  ASSERT_EQ(types(events), std::vector<std::string>{"call_ended"});
  EXPECT_EQ(events[0].reason, "missed");
  EXPECT_EQ(events[0].duration_seconds, 0);
}

TEST(CallEventsDiff, QualityAlertsOnlyForPoorAndLost) {
  EXPECT_FALSE(quality_alert("ann", QualityLevel::excellent, 4.4, t0));
  EXPECT_FALSE(quality_alert("ann", QualityLevel::good, 4.0, t0));
  EXPECT_FALSE(quality_alert("ann", QualityLevel::fair, 3.3, t0));
  const auto poor = quality_alert("ann", QualityLevel::poor, 2.1, t0);
  ASSERT_TRUE(poor);
  EXPECT_EQ(poor->type, CallEventType::quality_alert);
  EXPECT_EQ(poor->user_id, "ann");
  EXPECT_EQ(poor->level, QualityLevel::poor);
  EXPECT_DOUBLE_EQ(poor->mos, 2.1);
  EXPECT_TRUE(quality_alert("ann", QualityLevel::lost, 1.0, t0));
}

}  // namespace
}  // namespace hearth::calls
