#include "calls/policy.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/calls/session_builders.hpp"

namespace hearth::calls {
namespace {

using test::expect_invalid;
using test::group_request;
using test::kAlice;
using test::one_to_one_request;
using test::request;

const TimePoint kNow = from_epoch_ms(1'700'000'000'000);
const std::string kId = "call_1700000000000_abcdefghi";

Result<CallSession> run(const InitiateRequest& req, const Limits& limits = {}) {
  return initiate(req, kAlice, kId, kNow, limits);
}

std::vector<std::string> users(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("user" + std::to_string(i));
  return out;
}

// --- participants -----------------------------------------------------------------------------------------

TEST(Initiate, OneToOneInvitesExactlyOneUser) {
  EXPECT_TRUE(run(request(SessionType::one_to_one, {"bob"})).ok());
  expect_invalid(run(request(SessionType::one_to_one, {})), "participants");
  expect_invalid(run(request(SessionType::one_to_one, {"bob", "carol"})), "participants");
}

TEST(Initiate, OneToOneHasTwoParticipantsAndRefusesAnyOtherMaxParticipants) {
  auto req = one_to_one_request();
  auto r = run(req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->max_participants, 2);

  req.max_participants = 2;
  EXPECT_TRUE(run(req).ok());
  for (int n : {0, 1, 3, 8}) {
    req.max_participants = n;
    expect_invalid(run(req), "maxParticipants");
  }
}

class MultiPartyInitiate : public ::testing::TestWithParam<SessionType> {};

TEST_P(MultiPartyInitiate, InvitesOneToMaxInvitees) {
  expect_invalid(run(request(GetParam(), {})), "participants");
  EXPECT_TRUE(run(request(GetParam(), users(1))).ok());
  EXPECT_TRUE(run(request(GetParam(), users(50))).ok());
  expect_invalid(run(request(GetParam(), users(51))), "participants");
}

TEST_P(MultiPartyInitiate, MaxInviteesIsConfigurable) {
  Limits limits;
  limits.max_invitees = 3;
  EXPECT_TRUE(run(request(GetParam(), users(3)), limits).ok());
  expect_invalid(run(request(GetParam(), users(4)), limits), "participants");
}

TEST_P(MultiPartyInitiate, MayInviteMorePeopleThanFitInTheCallAtOnce) {
  auto r = run(request(GetParam(), users(20)));  // capacity defaults to MAX_CALL_PARTICIPANTS = 8
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->max_participants, 8);
  EXPECT_EQ(r->participants.size(), 21U);
}

TEST_P(MultiPartyInitiate, MaxParticipantsIsBetweenTwoAndTheConfiguredMaximum) {
  auto req = request(GetParam(), users(3));
  for (int n : {-1, 0, 1, 9, 1'000'000}) {
    req.max_participants = n;
    expect_invalid(run(req), "maxParticipants");
  }
  for (int n : {2, 5, 8}) {
    req.max_participants = n;
    auto r = run(req);
    ASSERT_TRUE(r.ok()) << n << ": " << r.error().message;
    EXPECT_EQ(r->max_participants, n);
  }
}

TEST_P(MultiPartyInitiate, MaxParticipantsDefaultsToTheConfiguredMaximum) {
  Limits limits;
  limits.max_call_participants = 12;
  auto r = run(request(GetParam(), users(3)), limits);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->max_participants, 12);

  auto req = request(GetParam(), users(3));
  req.max_participants = 12;
  EXPECT_TRUE(run(req, limits).ok());
  req.max_participants = 13;
  expect_invalid(run(req, limits), "maxParticipants");
}

INSTANTIATE_TEST_SUITE_P(GroupAndTherapy, MultiPartyInitiate,
                         ::testing::Values(SessionType::group, SessionType::therapy), [](const auto& p) {
                           return std::string(p.param == SessionType::group ? "group" : "therapy");
                         });

class EveryTypeInitiate : public ::testing::TestWithParam<SessionType> {
 protected:
  // A valid request of this type inviting `invitees`.
  InitiateRequest with(std::vector<std::string> invitees) const { return request(GetParam(), std::move(invitees)); }
  // Whether the type allows more than one invitee.
  bool multi() const { return GetParam() != SessionType::one_to_one; }
};

TEST_P(EveryTypeInitiate, TheCallerListedAmongTheParticipantsIsTheInitiatorNotAnInvitee) {
  // Clients written for the original design list the caller too.
  auto r = run(with({"alice", "bob"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->initiator_id, "alice");
  EXPECT_EQ(r->invitees, std::vector<std::string>{"bob"});
  ASSERT_EQ(r->participants.size(), 2U);
  EXPECT_EQ(r->participants[0].user_id, "alice");
  EXPECT_EQ(r->participants[1].user_id, "bob");
  // The caller alone invites nobody; listed twice is a duplicate like any other.
  expect_invalid(run(with({"alice"})), "participants");
  expect_invalid(run(with({"alice", "bob", "alice"})), "participants[2]");
}

TEST_P(EveryTypeInitiate, RefusesDuplicateInvitees) {
  if (!multi()) GTEST_SKIP() << "a one-to-one call has a single invitee";
  expect_invalid(run(with({"bob", "bob"})), "participants[1]");
  expect_invalid(run(with({"bob", "carol", "bob"})), "participants[2]");
}

TEST_P(EveryTypeInitiate, InviteeIdsAreNonEmptyAndAtMost128Characters) {
  EXPECT_TRUE(run(with({std::string(128, 'b')})).ok());
  expect_invalid(run(with({std::string(129, 'b')})), "participants[0]");
  expect_invalid(run(with({""})), "participants[0]");
  expect_invalid(run(with({"bo\nb"})), "participants[0]");
  expect_invalid(run(with({std::string("bo\0b", 4)})), "participants[0]");
  if (multi()) expect_invalid(run(with({"bob", std::string(129, 'c')})), "participants[1]");
}

TEST_P(EveryTypeInitiate, TitleIsAtMost200Characters) {
  auto req = with({"bob"});
  req.metadata.title = std::string(200, 't');
  EXPECT_TRUE(run(req).ok());
  req.metadata.title = std::string(201, 't');
  expect_invalid(run(req), "metadata.title");
}

TEST_P(EveryTypeInitiate, DescriptionIsAtMost2000Characters) {
  auto req = with({"bob"});
  req.metadata.description = std::string(2000, 'd');
  EXPECT_TRUE(run(req).ok());
  req.metadata.description = std::string(2001, 'd');
  expect_invalid(run(req), "metadata.description");
}

TEST_P(EveryTypeInitiate, AtMost20TagsOfAtMost50Characters) {
  auto req = with({"bob"});
  req.metadata.tags = std::vector<std::string>(20, std::string(50, 'x'));
  EXPECT_TRUE(run(req).ok());
  req.metadata.tags.push_back("one-too-many");
  expect_invalid(run(req), "metadata.tags");

  req.metadata.tags = {"ok", std::string(51, 'x')};
  expect_invalid(run(req), "metadata.tags[1]");
}

TEST_P(EveryTypeInitiate, MetadataLimitsAreConfigurable) {
  Limits limits;
  limits.max_title = 5;
  limits.max_tags = 1;
  auto req = with({"bob"});
  req.metadata.title = "123456";
  expect_invalid(run(req, limits), "metadata.title");
  req.metadata.title = "12345";
  req.metadata.tags = {"a", "b"};
  expect_invalid(run(req, limits), "metadata.tags");
}

TEST_P(EveryTypeInitiate, TitleLimitCountsCharactersNotBytes) {
  // The rule is "title <= 200 characters" (the original backend counts JavaScript string length); 200 'é'
  // are 200 characters but 400 bytes of UTF-8.
  auto req = with({"bob"});
  std::string title;
  for (int i = 0; i < 200; ++i) title += "\xC3\xA9";
  req.metadata.title = title;
  const auto r = run(req);
  EXPECT_TRUE(r.ok()) << "BUG: a 200-character UTF-8 title is refused: " << r.error().message;
}

TEST_P(EveryTypeInitiate, TherapySessionIdIsRequiredForTherapyAndRefusedOtherwise) {
  auto req = with({"bob"});
  if (GetParam() == SessionType::therapy) {
    req.therapy_session_id.reset();
    expect_invalid(run(req), "therapySessionId");
    req.therapy_session_id = "";
    expect_invalid(run(req), "therapySessionId");
    req.therapy_session_id = std::string(129, 'x');
    expect_invalid(run(req), "therapySessionId");
    req.therapy_session_id = std::string(128, 'x');
    EXPECT_TRUE(run(req).ok());
  } else {
    req.therapy_session_id = "therapy-1";
    expect_invalid(run(req), "therapySessionId");
    req.therapy_session_id = "";
    expect_invalid(run(req), "therapySessionId");
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, EveryTypeInitiate,
                         ::testing::Values(SessionType::one_to_one, SessionType::group, SessionType::therapy),
                         [](const auto& p) {
                           switch (p.param) {
                             case SessionType::one_to_one:
                               return std::string("one_to_one");
                             case SessionType::group:
                               return std::string("group");
                             case SessionType::therapy:
                               return std::string("therapy");
                           }
                           return std::string("unknown");
                         });

// --- the session it builds --------------------------------------------------------------------------------

TEST(Initiate, BuildsAWaitingSessionWithTheInitiatorFirst) {
  auto req = group_request();
  auto r = run(req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const CallSession& s = *r;
  EXPECT_EQ(s.session_id, kId);
  EXPECT_EQ(s.session_type, SessionType::group);
  EXPECT_EQ(s.initiator_id, "alice");
  EXPECT_EQ(s.invitees, (std::vector<std::string>{"bob", "carol", "dave"}));
  ASSERT_EQ(s.participants.size(), 4U);
  const char* expected[] = {"alice", "bob", "carol", "dave"};
  for (std::size_t i = 0; i < 4; ++i) {
    const Participant& p = s.participants[i];
    EXPECT_EQ(p.user_id, expected[i]);
    EXPECT_FALSE(p.is_active) << p.user_id;
    EXPECT_EQ(p.joined_at, std::nullopt) << p.user_id;
    EXPECT_EQ(p.left_at, std::nullopt) << p.user_id;
    EXPECT_EQ(p.socket_id, "") << p.user_id;
    EXPECT_FALSE(p.media.is_screen_sharing) << p.user_id;
  }
  EXPECT_EQ(s.participants[0].name, "Alice");  // from the caller's token
  EXPECT_EQ(s.active_count(), 0);
  EXPECT_EQ(s.status, Status::waiting);
  EXPECT_EQ(s.created_at, kNow);
  EXPECT_EQ(s.start_time, std::nullopt);
  EXPECT_EQ(s.end_time, std::nullopt);
  EXPECT_EQ(s.duration_seconds, 0);
  EXPECT_EQ(s.end_reason, EndReason::none);
  EXPECT_EQ(s.ended_by, "");
  EXPECT_EQ(s.therapy_session_id, std::nullopt);
}

TEST(Initiate, DeadlineIsCreationPlusTheRingTimeout) {
  auto r = run(group_request());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deadline, kNow + std::chrono::seconds(60));

  Limits limits;
  limits.ring_timeout = std::chrono::seconds(15);
  auto r2 = run(group_request(), limits);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->deadline, kNow + std::chrono::seconds(15));
}

TEST(Initiate, KeepsSettingsMetadataAndTherapySessionId) {
  auto req = request(SessionType::therapy, {"bob"});
  req.therapy_session_id = "therapy-42";
  req.call_settings = CallSettings{false, true, true, false};
  req.metadata = Metadata{"Weekly", "Check-in", {"cbt", "weekly"}};
  auto r = run(req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->call_settings, req.call_settings);
  EXPECT_EQ(r->metadata, req.metadata);
  EXPECT_EQ(r->therapy_session_id, "therapy-42");
  EXPECT_EQ(r->session_type, SessionType::therapy);
}

TEST(Initiate, MediaFlagsFollowTheCallSettings) {
  struct Case {
    bool video, audio;
  };
  for (Case c : {Case{true, true}, Case{false, true}, Case{true, false}, Case{false, false}}) {
    auto req = group_request();
    req.call_settings.is_video_enabled = c.video;
    req.call_settings.is_audio_enabled = c.audio;
    auto r = run(req);
    ASSERT_TRUE(r.ok()) << r.error().message;
    for (const Participant& p : r->participants) {
      EXPECT_EQ(p.media.has_video, c.video) << p.user_id;
      EXPECT_EQ(p.media.has_audio, c.audio) << p.user_id;
      EXPECT_FALSE(p.media.is_screen_sharing) << p.user_id;
    }
  }
}

TEST(Initiate, OneToOneSessionHasBothParties) {
  auto r = run(one_to_one_request());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->participants.size(), 2U);
  EXPECT_EQ(r->participants[0].user_id, "alice");
  EXPECT_EQ(r->participants[1].user_id, "bob");
  EXPECT_EQ(r->session_type, SessionType::one_to_one);
}

}  // namespace
}  // namespace hearth::calls
