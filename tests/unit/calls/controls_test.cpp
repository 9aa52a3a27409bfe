#include "calls/controls.hpp"

#include <gtest/gtest.h>

#include "unit/calls/session_builders.hpp"

// Roles, the waiting room and the hosts' moderation (docs/call-controls.md), over sessions the policy built.
namespace hearth::calls {
namespace {

using test::expect_error;
using test::expect_invalid;
using test::group_request;
using test::initiated;
using test::join;
using test::kAlice;
using test::kBob;
using test::kCarol;
using test::kDave;
using test::request;

const Actor kHost{"alice", "socket-alice"};

class Controls : public ::testing::Test {
 protected:
  // A group call alice hosts, with a waiting room, alice in it.
  CallSession hosted(bool waiting_room = true) {
    auto req = group_request();
    req.call_settings.waiting_room = waiting_room;
    CallSession s = initiated(req, clock_);
    join(s, kAlice, clock_);
    return s;
  }
  void wait(CallSession& s, const Caller& who) {
    ASSERT_EQ(admission(s, who.user_id).value(), Admission::wait) << who.user_id;
    enter_waiting(s, who, "socket-" + who.user_id, "peer-" + who.user_id, clock_.now());
  }

  FakeClock clock_;
  Limits limits_;
};

// --- roles -----------------------------------------------------------------------------------------------------------

TEST_F(Controls, TheInitiatorIsTheHostOthersParticipants) {
  const CallSession s = hosted();
  EXPECT_EQ(role_of(s, "alice"), Role::host);
  EXPECT_EQ(s.find_participant("alice")->role, Role::host);
  EXPECT_EQ(role_of(s, "bob"), Role::participant);
  EXPECT_EQ(role_of(s, "mallory"), Role::participant);
  EXPECT_TRUE(is_host(s, "alice"));
  EXPECT_FALSE(is_host(s, "bob"));
}

TEST_F(Controls, TheHostMakesAndUnmakesCohostsCohostsCannot) {
  CallSession s = hosted(false);
  join(s, kBob, clock_);
  join(s, kCarol, clock_);
  ASSERT_TRUE(moderate(s, kHost, {ModerationAction::make_cohost, "bob", false}, clock_.now()).ok());
  EXPECT_EQ(role_of(s, "bob"), Role::cohost);
  const Actor bob{"bob", "socket-bob"};
  expect_error(moderate(s, bob, {ModerationAction::make_cohost, "carol", false}, clock_.now()), errc::forbidden);
  expect_error(moderate(s, bob, {ModerationAction::remove, "alice", false}, clock_.now()), errc::forbidden);
  // A co-host moderates participants.
  EXPECT_TRUE(moderate(s, bob, {ModerationAction::mute_audio, "carol", false}, clock_.now()).ok());
  EXPECT_EQ(hosts_of(s), (std::vector<std::string>{"alice", "bob"}));
  ASSERT_TRUE(moderate(s, kHost, {ModerationAction::remove_cohost, "bob", false}, clock_.now()).ok());
  EXPECT_EQ(role_of(s, "bob"), Role::participant);
  EXPECT_EQ(hosts_of(s), std::vector<std::string>{"alice"});
  expect_error(moderate(s, bob, {ModerationAction::mute_audio, "carol", false}, clock_.now()), errc::forbidden);
}

// --- admission -------------------------------------------------------------------------------------------------------

TEST_F(Controls, WaitingRoomDefaultsOnForTherapyCallsOnly) {
  // The default is the request parser's (callSettings.waitingRoom absent); the domain follows the setting.
  CallSession group = hosted(false);
  EXPECT_EQ(admission(group, "bob").value(), Admission::join);
  CallSession with_room = hosted(true);
  EXPECT_EQ(admission(with_room, "bob").value(), Admission::wait);
  EXPECT_EQ(admission(with_room, "alice").value(), Admission::join);  // the host never waits
}

TEST_F(Controls, ATherapyCallWithoutWaitingRoomWaitsForTheHostThenAdmitsInOrder) {
  auto req = request(SessionType::therapy, {"bob"});
  req.call_settings.waiting_room = false;
  CallSession s = initiated(req, clock_);
  wait(s, kBob);
  EXPECT_TRUE(admit_waiting_for_host(s, clock_.now(), limits_).empty()) << "the host is not in yet";
  join(s, kAlice, clock_);
  const auto admitted = admit_waiting_for_host(s, clock_.now(), limits_);
  ASSERT_EQ(admitted.size(), 1U);
  EXPECT_EQ(admitted[0].user_id, "bob");
  EXPECT_EQ(admitted[0].socket_id, "socket-bob");
  EXPECT_TRUE(s.find_participant("bob")->is_active);
  EXPECT_EQ(s.find_participant("bob")->socket_id, "socket-bob");
  EXPECT_TRUE(s.waiting.empty());
  EXPECT_EQ(s.status, Status::active);
}

TEST_F(Controls, AWaitingUserKeepsTheirPlaceFromANewSocket) {
  CallSession s = hosted();
  wait(s, kBob);
  clock_.advance(std::chrono::seconds(5));
  wait(s, kCarol);
  enter_waiting(s, kBob, "socket-bob-2", "peer-bob-2", clock_.now());
  ASSERT_EQ(s.waiting.size(), 2U);
  EXPECT_EQ(s.waiting[0].user_id, "bob");
  EXPECT_EQ(s.waiting[0].socket_id, "socket-bob-2");
  EXPECT_LT(s.waiting[0].since, s.waiting[1].since);
  EXPECT_FALSE(leave_waiting(s, "bob", "socket-bob")) << "an older socket does not take them out";
  EXPECT_TRUE(leave_waiting(s, "bob", "socket-bob-2"));
  EXPECT_EQ(s.waiting.size(), 1U);
}

TEST_F(Controls, AdmitJoinsFromTheWaitingSocketWithinCapacity) {
  CallSession s = hosted();
  s.max_participants = 2;
  wait(s, kBob);
  wait(s, kCarol);
  auto admitted = admit(s, kHost, "bob", clock_.now(), limits_);
  ASSERT_TRUE(admitted.ok()) << admitted.error().message;
  EXPECT_EQ(admitted->socket_id, "socket-bob");
  EXPECT_TRUE(s.find_participant("bob")->is_active);
  EXPECT_EQ(s.moderation.back().action, ModerationAction::admit);
  expect_error(admit(s, kHost, "carol", clock_.now(), limits_), errc::session_full);
  EXPECT_NE(find_waiting(s, "carol"), nullptr) << "still waiting after a refusal";
  expect_invalid(admit(s, kHost, "dave", clock_.now(), limits_), "userId");
  // Admitted once: a reconnection joins straight away.
  deactivate(s, "bob", clock_.now(), LeaveReason::left);
  EXPECT_EQ(admission(s, "bob").value(), Admission::join);
}

TEST_F(Controls, OnlyHostsInTheCallAdmitOrDeny) {
  CallSession s = hosted();
  join(s, kBob, clock_);  // bob joined before the waiting room mattered (built by activate)
  wait(s, kCarol);
  expect_error(admit(s, {"bob", "socket-bob"}, "carol", clock_.now(), limits_), errc::forbidden);
  expect_error(deny(s, {"bob", "socket-bob"}, "carol", clock_.now()), errc::forbidden);
  expect_error(admit(s, {"alice", "another-socket"}, "carol", clock_.now(), limits_), errc::forbidden);
  auto denied = deny(s, kHost, "carol", clock_.now());
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(find_waiting(s, "carol"), nullptr);
  EXPECT_EQ(s.moderation.back().action, ModerationAction::deny);
  EXPECT_EQ(admission(s, "carol").value(), Admission::wait) << "a denied user may ask again";
}

TEST_F(Controls, ATherapyCallsHostMustBeInTheCallToAdmit) {
  CallSession s = initiated(request(SessionType::therapy, {"bob", "carol"}), clock_);
  ASSERT_TRUE(s.call_settings.waiting_room == false);  // the request parser's default, not the domain's
  s.call_settings.waiting_room = true;
  join(s, kAlice, clock_);
  ASSERT_TRUE(moderate(s, kHost, {ModerationAction::make_cohost, "carol", false}, clock_.now()).ok());
  join(s, kCarol, clock_);
  wait(s, kBob);
  deactivate(s, "alice", clock_.now(), LeaveReason::left);
  expect_error(admit(s, {"carol", "socket-carol"}, "bob", clock_.now(), limits_), errc::forbidden);
}

TEST_F(Controls, RemovedUsersAndNewcomersToALockedCallAreRefused) {
  CallSession s = hosted(false);
  join(s, kBob, clock_);
  ASSERT_TRUE(moderate(s, kHost, {ModerationAction::lock, "", false}, clock_.now()).ok());
  EXPECT_TRUE(s.locked);
  expect_error(admission(s, "carol"), errc::forbidden);
  deactivate(s, "bob", clock_.now(), LeaveReason::left);
  EXPECT_EQ(admission(s, "bob").value(), Admission::join) << "someone who was in the call may come back";
  ASSERT_TRUE(moderate(s, kHost, {ModerationAction::unlock, "", false}, clock_.now()).ok());
  EXPECT_EQ(admission(s, "carol").value(), Admission::join);

  join(s, kCarol, clock_);
  auto removed = moderate(s, kHost, {ModerationAction::remove, "carol", false}, clock_.now());
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->removed_socket, "socket-carol");
  EXPECT_FALSE(s.find_participant("carol")->is_active);
  EXPECT_EQ(s.find_participant("carol")->left_reason, LeaveReason::removed);
  expect_error(admission(s, "carol"), errc::forbidden);
}

TEST_F(Controls, RemovingAWaitingUserTakesThemOut) {
  CallSession s = hosted();
  wait(s, kBob);
  auto removed = moderate(s, kHost, {ModerationAction::remove, "bob", false}, clock_.now());
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed->was_waiting);
  EXPECT_TRUE(removed->removed_socket.empty());
  EXPECT_TRUE(s.waiting.empty());
}

TEST_F(Controls, AWaitingUserIsShownNoSocketsAndTheEndEmptiesTheWaitingRoom) {
  CallSession s = hosted();
  wait(s, kBob);
  CallSession host_view = s;
  view_for(host_view, "alice");
  EXPECT_EQ(host_view.find_participant("alice")->socket_id, "socket-alice");
  EXPECT_TRUE(host_view.waiting.at(0).socket_id.empty()) << "the waiting sockets are the server's";
  CallSession waiting_view = s;
  view_for(waiting_view, "bob");
  for (const auto& p : waiting_view.participants) EXPECT_TRUE(p.socket_id.empty() && p.peer_id.empty()) << p.user_id;
  end(s, EndReason::ended_by_user, "alice", clock_.now());
  EXPECT_TRUE(s.waiting.empty());
}

// --- moderation ------------------------------------------------------------------------------------------------------

TEST_F(Controls, MuteWithLockKeepsTheUserMutedUntilReleased) {
  CallSession s = hosted(false);
  join(s, kBob, clock_);
  auto muted = moderate(s, kHost, {ModerationAction::mute_audio, "bob", true}, clock_.now());
  ASSERT_TRUE(muted.ok());
  EXPECT_TRUE(muted->media_changed);
  EXPECT_TRUE(muted->entry.lock);
  EXPECT_FALSE(s.find_participant("bob")->media.has_audio);
  MediaState on = s.find_participant("bob")->media;
  on.has_audio = true;
  expect_error(update_media(s, "bob", on), errc::forbidden);
  MediaState video_off = s.find_participant("bob")->media;
  video_off.has_video = false;
  EXPECT_TRUE(update_media(s, "bob", video_off).ok()) << "the lock is on audio only";
  ASSERT_TRUE(moderate(s, kHost, {ModerationAction::mute_audio, "bob", false}, clock_.now()).ok());
  on = s.find_participant("bob")->media;
  on.has_audio = true;
  EXPECT_TRUE(update_media(s, "bob", on).ok());
}

TEST_F(Controls, VideoAndScreenShareActions) {
  CallSession s = hosted(false);
  join(s, kBob, clock_);
  MediaState sharing = s.find_participant("bob")->media;
  sharing.is_screen_sharing = true;
  ASSERT_TRUE(update_media(s, "bob", sharing).ok());
  auto stopped = moderate(s, kHost, {ModerationAction::stop_screen_share, "bob", false}, clock_.now());
  ASSERT_TRUE(stopped.ok());
  EXPECT_TRUE(stopped->media_changed);
  EXPECT_FALSE(s.find_participant("bob")->media.is_screen_sharing);
  ASSERT_TRUE(moderate(s, kHost, {ModerationAction::disable_video, "bob", true}, clock_.now()).ok());
  EXPECT_FALSE(s.find_participant("bob")->media.has_video);
  EXPECT_TRUE(s.usage.video_turned_off);
  MediaState on = s.find_participant("bob")->media;
  on.has_video = true;
  expect_error(update_media(s, "bob", on), errc::forbidden);
}

TEST_F(Controls, TargetsAreCheckedBeforeAnythingChanges) {
  CallSession s = hosted(false);
  join(s, kBob, clock_);
  const CallSession before = s;
  expect_invalid(moderate(s, kHost, {ModerationAction::mute_audio, "", false}, clock_.now()), "targetUserId");
  expect_invalid(moderate(s, kHost, {ModerationAction::mute_audio, "mallory", false}, clock_.now()), "targetUserId");
  // A member not in the call now:
  expect_invalid(moderate(s, kHost, {ModerationAction::mute_audio, "dave", false}, clock_.now()), "targetUserId");
  expect_error(moderate(s, kHost, {ModerationAction::remove, "alice", false}, clock_.now()), errc::forbidden);
  expect_error(moderate(s, {"bob", "socket-bob"}, {ModerationAction::lock, "", false}, clock_.now()), errc::forbidden);
  expect_error(moderate(s, kHost, {ModerationAction::admit, "bob", false}, clock_.now()), errc::invalid_argument);
  EXPECT_EQ(s, before);
}

TEST_F(Controls, EndCallEndsByTheHost) {
  CallSession s = hosted(false);
  join(s, kBob, clock_);
  clock_.advance(std::chrono::seconds(30));
  ASSERT_TRUE(moderate(s, kHost, {ModerationAction::end_call, "", false}, clock_.now()).ok());
  EXPECT_EQ(s.status, Status::ended);
  EXPECT_EQ(s.end_reason, EndReason::ended_by_user);
  EXPECT_EQ(s.ended_by, "alice");
  expect_error(moderate(s, kHost, {ModerationAction::lock, "", false}, clock_.now()), errc::gone);
}

TEST_F(Controls, TheHistoryKeepsTheLastEntries) {
  CallSession s = hosted(false);
  join(s, kBob, clock_);
  join(s, kDave, clock_);
  for (std::size_t i = 0; i < CallSession::kMaxModerationEntries + 5; ++i) {
    clock_.advance(std::chrono::milliseconds(1));
    ASSERT_TRUE(
        moderate(s, kHost, {i % 2 ? ModerationAction::lock : ModerationAction::unlock, "", false}, clock_.now()).ok());
  }
  ASSERT_EQ(s.moderation.size(), CallSession::kMaxModerationEntries);
  EXPECT_EQ(s.moderation.back().at, clock_.now());
  EXPECT_EQ(s.moderation.back().by_user_id, "alice");
}

}  // namespace
}  // namespace hearth::calls
