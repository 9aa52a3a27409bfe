#include "calls/policy.hpp"

#include <chrono>

#include <gtest/gtest.h>

#include "unit/calls/session_builders.hpp"

// The state machine of a session: activate, deactivate, end, end_by_user and expire, with a fake clock.
// Who may view/join/end and the media rules in isolation are in policy_access_test.cpp.
namespace hearth::calls {
namespace {

using namespace std::chrono_literals;
using test::expect_error;
using test::group_request;
using test::initiated;
using test::join;
using test::kAlice;
using test::kBob;
using test::kCarol;
using test::kMallory;
using test::one_to_one_request;

class PolicyLifecycle : public ::testing::Test {
 protected:
  // A one-to-one call that alice initiated at t0 and that started (bob joined) `after` later.
  CallSession started_one_to_one(Millis after) {
    CallSession s = initiated(one_to_one_request(), clock_);
    join(s, kAlice, clock_);
    clock_.advance(after);
    join(s, kBob, clock_);
    return s;
  }

  FakeClock clock_;
  const TimePoint t0_ = clock_.now();
  Limits limits_;  // ring timeout 60 s, call timeout 60 min
};

// --- activate ---------------------------------------------------------------------------------------------

TEST_F(PolicyLifecycle, TheFirstJoinerLeavesTheSessionWaiting) {
  CallSession s = initiated(group_request(), clock_);
  clock_.advance(2s);
  join(s, kAlice, clock_);
  const Participant& alice = *s.find_participant("alice");
  EXPECT_TRUE(alice.is_active);
  EXPECT_EQ(alice.socket_id, "socket-alice");
  EXPECT_EQ(alice.peer_id, "peer-alice");
  EXPECT_EQ(alice.joined_at, t0_ + 2s);
  EXPECT_EQ(s.status, Status::waiting);
  EXPECT_EQ(s.start_time, std::nullopt);
  EXPECT_EQ(s.deadline, t0_ + limits_.ring_timeout);  // still ringing
}

TEST_F(PolicyLifecycle, TheSecondJoinerStartsTheCall) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  clock_.advance(5s);
  join(s, kBob, clock_);
  EXPECT_EQ(s.status, Status::active);
  EXPECT_EQ(s.start_time, t0_ + 5s);
  EXPECT_EQ(s.deadline, t0_ + 5s + limits_.call_timeout);
  EXPECT_EQ(s.active_count(), 2);
}

TEST_F(PolicyLifecycle, TwoInviteesStartTheCallWithoutTheInitiator) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kBob, clock_);
  EXPECT_EQ(s.status, Status::waiting);
  join(s, kCarol, clock_);
  EXPECT_EQ(s.status, Status::active);
  EXPECT_FALSE(s.find_participant("alice")->is_active);
}

TEST_F(PolicyLifecycle, LaterJoinersDoNotMoveTheStartTime) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  join(s, kBob, clock_);
  clock_.advance(30s);
  join(s, kCarol, clock_);
  EXPECT_EQ(s.start_time, t0_);
  EXPECT_EQ(s.deadline, t0_ + limits_.call_timeout);
  EXPECT_EQ(s.find_participant("carol")->joined_at, t0_ + 30s);
}

TEST_F(PolicyLifecycle, RejoiningWhileActiveKeepsJoinedAtAndTakesTheNewSocket) {
  CallSession s = started_one_to_one(1s);
  clock_.advance(10s);
  ASSERT_TRUE(activate(s, kBob, "socket-bob-2", "peer-bob-2", clock_.now(), limits_).ok());
  const Participant& bob = *s.find_participant("bob");
  EXPECT_EQ(bob.joined_at, t0_ + 1s);
  EXPECT_EQ(bob.socket_id, "socket-bob-2");
  EXPECT_EQ(bob.peer_id, "peer-bob-2");
  EXPECT_EQ(s.start_time, t0_ + 1s);
  EXPECT_EQ(s.active_count(), 2);
}

TEST_F(PolicyLifecycle, RejoiningAfterLeavingIsANewJoin) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  join(s, kBob, clock_);
  join(s, kCarol, clock_);
  clock_.advance(3s);
  ASSERT_TRUE(deactivate(s, "carol", clock_.now(), LeaveReason::left));
  clock_.advance(4s);
  join(s, kCarol, clock_);
  const Participant& carol = *s.find_participant("carol");
  EXPECT_TRUE(carol.is_active);
  EXPECT_EQ(carol.joined_at, t0_ + 7s);
  EXPECT_EQ(carol.left_at, std::nullopt);
}

TEST_F(PolicyLifecycle, TheTokenNameReplacesTheDisplayNameUnlessEmpty) {
  CallSession s = initiated(group_request(), clock_);
  EXPECT_EQ(s.find_participant("bob")->name, "bob");  // only the id is known at initiation
  ASSERT_TRUE(activate(s, Caller{"bob", "Bob B."}, "s1", "p1", clock_.now(), limits_).ok());
  EXPECT_EQ(s.find_participant("bob")->name, "Bob B.");
  ASSERT_TRUE(activate(s, Caller{"bob", ""}, "s2", "p2", clock_.now(), limits_).ok());
  EXPECT_EQ(s.find_participant("bob")->name, "Bob B.");
}

TEST_F(PolicyLifecycle, ActivationIsRefusedWithoutChangeToStrangersFullAndEndedSessions) {
  auto req = group_request();
  req.max_participants = 2;
  CallSession s = initiated(req, clock_);
  CallSession before = s;
  expect_error(activate(s, kMallory, "sm", "pm", clock_.now(), limits_), errc::forbidden);
  EXPECT_EQ(s, before);

  join(s, kAlice, clock_);
  join(s, kBob, clock_);
  before = s;
  expect_error(activate(s, kCarol, "sc", "pc", clock_.now(), limits_), errc::session_full);
  EXPECT_EQ(s, before);

  end(s, EndReason::ended_by_user, "alice", clock_.now());
  before = s;
  expect_error(activate(s, kAlice, "sa", "pa", clock_.now(), limits_), errc::gone);
  EXPECT_EQ(s, before);
}

TEST_F(PolicyLifecycle, NobodyJoinsACallPastItsDeadlineEvenBeforeTheSweep) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  clock_.advance(limits_.ring_timeout - 1ms);
  CallSession ringing = s;
  EXPECT_TRUE(activate(ringing, kBob, "sb", "pb", clock_.now(), limits_).ok());  // just in time

  clock_.advance(1ms);
  expect_error(activate(s, kBob, "sb", "pb", clock_.now(), limits_), errc::gone);
  EXPECT_EQ(s.status, Status::ended);
  EXPECT_EQ(s.end_reason, EndReason::missed);
}

TEST_F(PolicyLifecycle, AJoinAfterTheLimitsChangedCorrectsTheDeadlineInsteadOfRefusing) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  Limits longer = limits_;
  longer.ring_timeout = 120s;  // the operator raised it since the call was created
  clock_.advance(90s);         // past the old ring timeout, within the new one
  ASSERT_TRUE(activate(s, kBob, "sb", "pb", clock_.now(), longer).ok());
  EXPECT_EQ(s.status, Status::active);
  EXPECT_EQ(s.deadline, clock_.now() + longer.call_timeout);
}

TEST_F(PolicyLifecycle, EndingStopsEveryonesScreenSharing) {
  CallSession s = started_one_to_one(1s);
  ASSERT_TRUE(update_media(s, "alice", {true, true, true}).ok());
  end(s, EndReason::ended_by_user, "alice", clock_.now());
  EXPECT_FALSE(s.find_participant("alice")->media.is_screen_sharing);
}

// --- deactivate -------------------------------------------------------------------------------------------

TEST_F(PolicyLifecycle, DeactivateOfSomeoneNotActiveChangesNothing) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  const CallSession before = s;
  EXPECT_FALSE(deactivate(s, "bob", clock_.now(), LeaveReason::left));      // invited, never joined
  EXPECT_FALSE(deactivate(s, "mallory", clock_.now(), LeaveReason::left));  // not a member
  EXPECT_EQ(s, before);
  ASSERT_TRUE(deactivate(s, "alice", clock_.now(), LeaveReason::left));
  EXPECT_FALSE(deactivate(s, "alice", clock_.now(), LeaveReason::left));  // twice
}

TEST_F(PolicyLifecycle, LeavingRecordsTheTimeAndStopsScreenSharingOnly) {
  CallSession s = started_one_to_one(0ms);
  ASSERT_TRUE(update_media(s, "alice", MediaState{false, true, true}).ok());
  clock_.advance(9s);
  ASSERT_TRUE(deactivate(s, "alice", clock_.now(), LeaveReason::left));
  const Participant& alice = *s.find_participant("alice");
  EXPECT_FALSE(alice.is_active);
  EXPECT_EQ(alice.left_at, t0_ + 9s);
  EXPECT_EQ(alice.media, (MediaState{false, true, false}));
  EXPECT_EQ(s.status, Status::active);  // bob is still in
}

TEST_F(PolicyLifecycle, TheLastToLeaveAStartedCallEndsItAsAllLeft) {
  CallSession s = started_one_to_one(2s);
  clock_.advance(40s);
  ASSERT_TRUE(deactivate(s, "bob", clock_.now(), LeaveReason::left));
  EXPECT_EQ(s.status, Status::active);
  clock_.advance(1500ms);
  ASSERT_TRUE(deactivate(s, "alice", clock_.now(), LeaveReason::left));
  EXPECT_EQ(s.status, Status::ended);
  EXPECT_EQ(s.end_reason, EndReason::all_left);
  EXPECT_EQ(s.ended_by, "");
  EXPECT_EQ(s.end_time, t0_ + 43500ms);
  EXPECT_EQ(s.duration_seconds, 41);  // 41.5 s from the start, whole seconds
}

TEST_F(PolicyLifecycle, LeavingAWaitingCallKeepsItRinging) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  ASSERT_TRUE(deactivate(s, "alice", clock_.now(), LeaveReason::left));
  EXPECT_EQ(s.status, Status::waiting);
  EXPECT_EQ(s.end_reason, EndReason::none);
  EXPECT_EQ(s.deadline, t0_ + limits_.ring_timeout);
}

// --- end / end_by_user ------------------------------------------------------------------------------------

TEST_F(PolicyLifecycle, EndRecordsReasonWhoWhenAndDuration) {
  CallSession s = started_one_to_one(3s);
  clock_.advance(90'999ms);
  EXPECT_EQ(end(s, EndReason::ended_by_user, "bob", clock_.now()), EndOutcome::ended);
  EXPECT_EQ(s.status, Status::ended);
  EXPECT_EQ(s.end_reason, EndReason::ended_by_user);
  EXPECT_EQ(s.ended_by, "bob");
  EXPECT_EQ(s.end_time, t0_ + 93'999ms);
  EXPECT_EQ(s.duration_seconds, 90);  // truncated, not rounded
  EXPECT_EQ(s.deadline, t0_ + 93'999ms);
  for (const auto& p : s.participants) {
    EXPECT_FALSE(p.is_active) << p.user_id;
    EXPECT_EQ(p.left_at, t0_ + 93'999ms) << p.user_id;
  }
}

TEST_F(PolicyLifecycle, EndingACallThatNeverStartedHasNoDuration) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  clock_.advance(20s);
  EXPECT_EQ(end(s, EndReason::declined, "bob", clock_.now()), EndOutcome::ended);
  EXPECT_EQ(s.end_reason, EndReason::declined);
  EXPECT_EQ(s.duration_seconds, 0);
  EXPECT_EQ(s.start_time, std::nullopt);
  EXPECT_EQ(s.find_participant("alice")->left_at, t0_ + 20s);
  EXPECT_EQ(s.find_participant("bob")->left_at, std::nullopt);  // never joined, never left
}

TEST_F(PolicyLifecycle, EndingTwiceIsHarmless) {
  CallSession s = started_one_to_one(1s);
  clock_.advance(10s);
  ASSERT_EQ(end(s, EndReason::ended_by_user, "alice", clock_.now()), EndOutcome::ended);
  const CallSession before = s;
  clock_.advance(10s);
  EXPECT_EQ(end(s, EndReason::timeout, "", clock_.now()), EndOutcome::already_ended);
  EXPECT_EQ(s, before);  // first reason, time and duration stand
}

TEST_F(PolicyLifecycle, TheInitiatorEndsAGroupCallOthersMayNot) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  join(s, kBob, clock_);
  const CallSession before = s;
  expect_error(end_by_user(s, "bob", clock_.now()), errc::forbidden);
  expect_error(end_by_user(s, "mallory", clock_.now()), errc::forbidden);
  EXPECT_EQ(s, before);

  clock_.advance(7s);
  auto r = end_by_user(s, "alice", clock_.now());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, EndOutcome::ended);
  EXPECT_EQ(s.end_reason, EndReason::ended_by_user);
  EXPECT_EQ(s.ended_by, "alice");
  EXPECT_EQ(s.duration_seconds, 7);
}

TEST_F(PolicyLifecycle, EitherPartyEndsAOneToOneCallOnce) {
  CallSession s = started_one_to_one(0ms);
  auto first = end_by_user(s, "bob", clock_.now());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, EndOutcome::ended);
  EXPECT_EQ(s.ended_by, "bob");

  const CallSession before = s;
  auto second = end_by_user(s, "alice", clock_.now() + 1s);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, EndOutcome::already_ended);
  EXPECT_EQ(s, before);
  expect_error(end_by_user(s, "mallory", clock_.now()), errc::forbidden);  // ended or not
}

// --- expire -----------------------------------------------------------------------------------------------

TEST_F(PolicyLifecycle, AWaitingCallRingsUntilOneMillisecondBeforeTheRingTimeout) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);  // the initiator being in does not stop the ring timeout
  const CallSession before = s;
  EXPECT_FALSE(expire(s, t0_ + limits_.ring_timeout - 1ms, limits_));
  EXPECT_EQ(s, before);
}

TEST_F(PolicyLifecycle, AWaitingCallIsMissedExactlyAtTheRingTimeout) {
  CallSession s = initiated(group_request(), clock_);
  join(s, kAlice, clock_);
  const TimePoint due = t0_ + limits_.ring_timeout;
  EXPECT_TRUE(expire(s, due, limits_));
  EXPECT_EQ(s.status, Status::ended);
  EXPECT_EQ(s.end_reason, EndReason::missed);
  EXPECT_EQ(s.ended_by, "");
  EXPECT_EQ(s.end_time, due);
  EXPECT_EQ(s.duration_seconds, 0);
  EXPECT_FALSE(s.find_participant("alice")->is_active);
}

TEST_F(PolicyLifecycle, TheRingTimeoutIsConfigurable) {
  Limits limits;
  limits.ring_timeout = 5s;
  auto r = initiate(one_to_one_request(), kAlice, "call_1", t0_, limits);
  ASSERT_TRUE(r.ok()) << r.error().message;
  CallSession s = std::move(r).value();
  EXPECT_EQ(s.deadline, t0_ + 5s);
  EXPECT_FALSE(expire(s, t0_ + 4999ms, limits));
  EXPECT_TRUE(expire(s, t0_ + 5s, limits));
  EXPECT_EQ(s.end_reason, EndReason::missed);
}

TEST_F(PolicyLifecycle, AStartedCallIsNotMissedPastTheRingTimeout) {
  CallSession s = started_one_to_one(30s);
  EXPECT_FALSE(expire(s, t0_ + 10min, limits_));
  EXPECT_EQ(s.status, Status::active);
}

TEST_F(PolicyLifecycle, AStartedCallTimesOutExactlyAtTheCallTimeout) {
  CallSession s = started_one_to_one(30s);
  const TimePoint due = t0_ + 30s + limits_.call_timeout;
  EXPECT_EQ(s.deadline, due);
  const CallSession before = s;
  EXPECT_FALSE(expire(s, due - 1ms, limits_));
  EXPECT_EQ(s, before);

  EXPECT_TRUE(expire(s, due, limits_));
  EXPECT_EQ(s.status, Status::ended);
  EXPECT_EQ(s.end_reason, EndReason::timeout);
  EXPECT_EQ(s.ended_by, "");
  EXPECT_EQ(s.end_time, due);
  EXPECT_EQ(s.duration_seconds, 3600);
  EXPECT_EQ(s.active_count(), 0);
}

TEST_F(PolicyLifecycle, AStartedCallThatOneLeftStillTimesOut) {
  CallSession s = started_one_to_one(0ms);
  ASSERT_TRUE(deactivate(s, "bob", clock_.now(), LeaveReason::left));
  EXPECT_TRUE(expire(s, t0_ + limits_.call_timeout, limits_));
  EXPECT_EQ(s.end_reason, EndReason::timeout);
}

TEST_F(PolicyLifecycle, ExpireCorrectsTheDeadlineToChangedLimitsOnce) {
  CallSession s = started_one_to_one(0ms);
  Limits longer = limits_;
  longer.call_timeout = 90min;
  EXPECT_TRUE(expire(s, t0_ + 61min, longer));  // would have timed out under the old limit
  EXPECT_EQ(s.status, Status::active);
  EXPECT_EQ(s.deadline, t0_ + 90min);
  EXPECT_FALSE(expire(s, t0_ + 61min, longer));  // already true: nothing to store

  Limits shorter = limits_;
  shorter.call_timeout = 1min;
  EXPECT_TRUE(expire(s, t0_ + 61min, shorter));
  EXPECT_EQ(s.end_reason, EndReason::timeout);
}

TEST_F(PolicyLifecycle, AnEndedSessionNeverExpires) {
  CallSession s = started_one_to_one(0ms);
  end(s, EndReason::ended_by_user, "alice", clock_.now());
  const CallSession before = s;
  EXPECT_FALSE(expire(s, t0_ + 24h, limits_));
  EXPECT_EQ(s, before);
}

// --- update_media during the call -------------------------------------------------------------------------

TEST_F(PolicyLifecycle, ScreenSharingStaysRefusedForTheWholeCallWhenDisallowed) {
  auto req = one_to_one_request();
  req.call_settings.allow_screen_share = false;
  CallSession s = initiated(req, clock_);
  join(s, kAlice, clock_);
  join(s, kBob, clock_);
  const CallSession before = s;
  expect_error(update_media(s, "alice", MediaState{true, true, true}), errc::forbidden);
  expect_error(update_media(s, "bob", MediaState{false, false, true}), errc::forbidden);
  EXPECT_EQ(s, before);
  ASSERT_TRUE(update_media(s, "bob", MediaState{false, true, false}).ok());
  EXPECT_EQ(s.find_participant("bob")->media, (MediaState{false, true, false}));
}

TEST_F(PolicyLifecycle, MediaStartsFromTheCallSettings) {
  auto req = group_request();
  req.call_settings.is_video_enabled = false;
  const CallSession s = initiated(req, clock_);
  for (const auto& p : s.participants) EXPECT_EQ(p.media, (MediaState{false, true, false})) << p.user_id;
}

}  // namespace
}  // namespace hearth::calls
