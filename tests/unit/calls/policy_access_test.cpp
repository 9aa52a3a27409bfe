#include "calls/policy.hpp"

#include <gtest/gtest.h>

#include "unit/calls/session_builders.hpp"

// Who may view, join, change media in and end a session, and capacity.
namespace hearth::calls {
namespace {

using test::expect_error;
using test::group_request;
using test::initiated;
using test::join;
using test::kAlice;
using test::kBob;
using test::kCarol;
using test::kDave;
using test::kMallory;
using test::one_to_one_request;
using test::request;

class PolicyAccess : public ::testing::Test {
 protected:
  FakeClock clock_;
  Limits limits_;
};

// --- view -------------------------------------------------------------------------------------------------

TEST_F(PolicyAccess, MembersMayViewOthersAreForbidden) {
  const CallSession s = initiated(group_request(), clock_);
  EXPECT_TRUE(check_can_view(s, "alice").ok());
  EXPECT_TRUE(check_can_view(s, "bob").ok());
  EXPECT_TRUE(check_can_view(s, "dave").ok());
  expect_error(check_can_view(s, "mallory"), errc::forbidden);
  expect_error(check_can_view(s, ""), errc::forbidden);
}

TEST_F(PolicyAccess, EndedSessionsStayViewableByMembers) {
  CallSession s = initiated(group_request(), clock_);
  end(s, EndReason::ended_by_user, "alice", clock_.now());
  EXPECT_TRUE(check_can_view(s, "bob").ok());
  expect_error(check_can_view(s, "mallory"), errc::forbidden);
}

// --- join -------------------------------------------------------------------------------------------------

TEST_F(PolicyAccess, MembersMayJoinOthersAreForbidden) {
  const CallSession s = initiated(group_request(), clock_);
  EXPECT_TRUE(check_can_join(s, "alice").ok());
  EXPECT_TRUE(check_can_join(s, "carol").ok());
  expect_error(check_can_join(s, "mallory"), errc::forbidden);
}

TEST_F(PolicyAccess, EndedSessionIsGone) {
  CallSession s = initiated(group_request(), clock_);
  end(s, EndReason::missed, {}, clock_.now());
  expect_error(check_can_join(s, "alice"), errc::gone);
  expect_error(check_can_join(s, "bob"), errc::gone);
  expect_error(check_can_join(s, "mallory"), errc::forbidden);  // non-members learn nothing about the state
}

TEST_F(PolicyAccess, FullSessionRefusesAnotherParticipant) {
  auto req = group_request();  // bob, carol, dave invited
  req.max_participants = 2;
  CallSession s = initiated(req, clock_);
  join(s, kAlice, clock_);
  EXPECT_TRUE(check_can_join(s, "bob").ok());
  join(s, kBob, clock_);
  expect_error(check_can_join(s, "carol"), errc::session_full);
  expect_error(check_can_join(s, "dave"), errc::session_full);
  expect_error(activate(s, kCarol, "sock", "peer", clock_.now(), limits_), errc::session_full);
  EXPECT_FALSE(s.find_participant("carol")->is_active);
  EXPECT_EQ(s.active_count(), 2);
}

TEST_F(PolicyAccess, AnActiveParticipantMayRejoinAFullSession) {
  auto req = group_request();
  req.max_participants = 2;
  CallSession s = initiated(req, clock_);
  join(s, kAlice, clock_);
  join(s, kBob, clock_);
  EXPECT_TRUE(check_can_join(s, "alice").ok());
  EXPECT_TRUE(check_can_join(s, "bob").ok());
  EXPECT_TRUE(activate(s, kBob, "socket-bob-2", "peer-bob-2", clock_.now(), limits_).ok());
  EXPECT_EQ(s.find_participant("bob")->socket_id, "socket-bob-2");
  EXPECT_EQ(s.active_count(), 2);
}

TEST_F(PolicyAccess, ASeatFreedByALeaverCanBeTaken) {
  auto req = group_request();
  req.max_participants = 2;
  CallSession s = initiated(req, clock_);
  join(s, kAlice, clock_);
  join(s, kBob, clock_);
  ASSERT_TRUE(deactivate(s, "bob", clock_.now(), LeaveReason::left));
  EXPECT_TRUE(check_can_join(s, "carol").ok());
  join(s, kCarol, clock_);
  EXPECT_EQ(s.active_count(), 2);
}

TEST_F(PolicyAccess, OneToOneIsFullWithTwo) {
  CallSession s = initiated(one_to_one_request(), clock_);
  EXPECT_EQ(s.max_participants, 2);
  join(s, kAlice, clock_);
  join(s, kBob, clock_);
  EXPECT_EQ(s.active_count(), 2);
  EXPECT_TRUE(check_can_join(s, "bob").ok());
}

// --- media ------------------------------------------------------------------------------------------------

TEST_F(PolicyAccess, UpdatesOnlyTheCallersOwnMedia) {
  CallSession s = initiated(group_request(), clock_);
  const MediaState before_alice = s.find_participant("alice")->media;
  const MediaState media{false, true, true};
  ASSERT_TRUE(update_media(s, "bob", media).ok());
  EXPECT_EQ(s.find_participant("bob")->media, media);
  EXPECT_EQ(s.find_participant("alice")->media, before_alice);
}

TEST_F(PolicyAccess, NonMembersMayNotUpdateMedia) {
  CallSession s = initiated(group_request(), clock_);
  const CallSession before = s;
  expect_error(update_media(s, "mallory", MediaState{false, false, false}), errc::forbidden);
  EXPECT_EQ(s, before);
}

TEST_F(PolicyAccess, ScreenSharingIsForbiddenWhenTheCallDisallowsIt) {
  auto req = group_request();
  req.call_settings.allow_screen_share = false;
  CallSession s = initiated(req, clock_);
  const CallSession before = s;
  expect_error(update_media(s, "bob", MediaState{true, true, true}), errc::forbidden);
  EXPECT_EQ(s, before);
  // Other media changes stay allowed.
  ASSERT_TRUE(update_media(s, "bob", MediaState{false, false, false}).ok());
  EXPECT_EQ(s.find_participant("bob")->media, (MediaState{false, false, false}));
}

TEST_F(PolicyAccess, ScreenSharingIsAllowedByDefault) {
  CallSession s = initiated(group_request(), clock_);
  ASSERT_TRUE(update_media(s, "carol", MediaState{true, true, true}).ok());
  EXPECT_TRUE(s.find_participant("carol")->media.is_screen_sharing);
}

TEST_F(PolicyAccess, MediaChangesRecordWhatTheCallUsed) {
  CallSession s = initiated(group_request(), clock_);
  // Before joining, a member's media choices are settings, not use.
  ASSERT_TRUE(update_media(s, "bob", MediaState{false, true, false}).ok());
  EXPECT_EQ(s.usage, Usage{});
  join(s, kBob, clock_);
  ASSERT_TRUE(update_media(s, "bob", MediaState{true, true, false}).ok());
  EXPECT_EQ(s.usage, Usage{});
  ASSERT_TRUE(update_media(s, "bob", MediaState{false, true, false}).ok());
  EXPECT_EQ(s.usage, (Usage{false, true}));
  ASSERT_TRUE(update_media(s, "bob", MediaState{true, true, true}).ok());
  ASSERT_TRUE(update_media(s, "bob", MediaState{true, true, false}).ok());
  EXPECT_EQ(s.usage, (Usage{true, true}));  // never cleared
}

TEST_F(PolicyAccess, MediaOfAnEndedSessionIsGone) {
  CallSession s = initiated(group_request(), clock_);
  end(s, EndReason::ended_by_user, "alice", clock_.now());
  const CallSession before = s;
  expect_error(update_media(s, "bob", MediaState{false, false, false}), errc::gone);
  EXPECT_EQ(s, before);
}

// --- who may end ------------------------------------------------------------------------------------------

TEST_F(PolicyAccess, OnlyTheInitiatorEndsAGroupCall) {
  const CallSession s = initiated(group_request(), clock_);
  EXPECT_TRUE(check_can_end(s, "alice").ok());
  expect_error(check_can_end(s, "bob"), errc::forbidden);
  expect_error(check_can_end(s, "carol"), errc::forbidden);
  expect_error(check_can_end(s, "mallory"), errc::forbidden);
}

TEST_F(PolicyAccess, OnlyTheInitiatorEndsATherapyCall) {
  const CallSession s = initiated(request(SessionType::therapy, {"bob"}), clock_);
  EXPECT_TRUE(check_can_end(s, "alice").ok());
  expect_error(check_can_end(s, "bob"), errc::forbidden);
}

TEST_F(PolicyAccess, EitherPartyEndsAOneToOneCall) {
  const CallSession s = initiated(one_to_one_request(), clock_);
  EXPECT_TRUE(check_can_end(s, "alice").ok());
  EXPECT_TRUE(check_can_end(s, "bob").ok());
  expect_error(check_can_end(s, "mallory"), errc::forbidden);
}

}  // namespace
}  // namespace hearth::calls
