#include "calls/call_session.hpp"

#include <gtest/gtest.h>

namespace hearth::calls {
namespace {

TEST(SessionType, NamesRoundTripWithTheApiSpelling) {
  EXPECT_EQ(to_string(SessionType::one_to_one), "one-to-one");
  EXPECT_EQ(to_string(SessionType::group), "group");
  EXPECT_EQ(to_string(SessionType::therapy), "therapy");
  for (auto t : {SessionType::one_to_one, SessionType::group, SessionType::therapy})
    EXPECT_EQ(parse_session_type(to_string(t)), t);
}

TEST(SessionType, RefusesUnknownNames) {
  EXPECT_EQ(parse_session_type(""), std::nullopt);
  EXPECT_EQ(parse_session_type("one_to_one"), std::nullopt);
  EXPECT_EQ(parse_session_type("Group"), std::nullopt);
  EXPECT_EQ(parse_session_type("conference"), std::nullopt);
}

TEST(Status, NamesRoundTrip) {
  for (auto s : {Status::waiting, Status::active, Status::ended}) EXPECT_EQ(parse_status(to_string(s)), s);
  EXPECT_EQ(to_string(Status::ended), "ended");
  EXPECT_EQ(parse_status("missed"), std::nullopt);
  EXPECT_EQ(parse_status("ENDED"), std::nullopt);
}

TEST(EndReason, NamesRoundTrip) {
  for (auto r : {EndReason::none, EndReason::ended_by_user, EndReason::missed, EndReason::timeout, EndReason::all_left,
                 EndReason::declined})
    EXPECT_EQ(parse_end_reason(to_string(r)), r);
  EXPECT_EQ(to_string(EndReason::all_left), "all_left");
  EXPECT_EQ(parse_end_reason("left"), std::nullopt);
}

CallSession two_member_session() {
  CallSession s;
  s.initiator_id = "alice";
  s.invitees = {"bob", "carol"};
  for (const char* id : {"alice", "bob", "carol"}) {
    Participant p;
    p.user_id = id;
    s.participants.push_back(p);
  }
  return s;
}

TEST(CallSession, MembersAreTheInitiatorAndTheInvitees) {
  const CallSession s = two_member_session();
  EXPECT_TRUE(s.is_member("alice"));
  EXPECT_TRUE(s.is_member("bob"));
  EXPECT_TRUE(s.is_member("carol"));
  EXPECT_FALSE(s.is_member("mallory"));
  EXPECT_FALSE(s.is_member(""));
  EXPECT_FALSE(s.is_member("Alice"));
}

TEST(CallSession, FindsParticipantsByUserId) {
  CallSession s = two_member_session();
  ASSERT_NE(s.find_participant("bob"), nullptr);
  EXPECT_EQ(s.find_participant("bob")->user_id, "bob");
  EXPECT_EQ(s.find_participant("mallory"), nullptr);
  const CallSession& cs = s;
  ASSERT_NE(cs.find_participant("carol"), nullptr);
  EXPECT_EQ(cs.find_participant("carol"), &s.participants[2]);
}

TEST(CallSession, CountsActiveParticipants) {
  CallSession s = two_member_session();
  EXPECT_EQ(s.active_count(), 0);
  s.participants[0].is_active = true;
  s.participants[2].is_active = true;
  EXPECT_EQ(s.active_count(), 2);
}

TEST(CallSettings, DefaultsFollowTheDesign) {
  const CallSettings s;
  EXPECT_TRUE(s.is_video_enabled);
  EXPECT_TRUE(s.is_audio_enabled);
  EXPECT_FALSE(s.is_recording_enabled);
  EXPECT_TRUE(s.allow_screen_share);
}

}  // namespace
}  // namespace hearth::calls
