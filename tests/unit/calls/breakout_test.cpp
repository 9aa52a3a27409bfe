#include "calls/breakout.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "unit/calls/session_builders.hpp"

// Breakout rooms (docs/call-controls.md): opening by hand and at random, visits, closing into the history.
namespace hearth::calls {
namespace {

using test::expect_error;
using test::expect_invalid;
using test::initiated;
using test::join;
using test::kAlice;
using test::kBob;
using test::kCarol;
using test::kDave;
using test::request;

const Actor kBreakoutHost{"alice", "socket-alice"};

class Breakout : public ::testing::Test {
 protected:
  // A group call of alice (host), bob, carol, dave and erin, all in it.
  CallSession call() {
    CallSession s = initiated(request(SessionType::group, {"bob", "carol", "dave", "erin"}), clock_);
    for (const auto& who : {kAlice, kBob, kCarol, kDave, Caller{"erin", "Erin"}}) join(s, who, clock_);
    return s;
  }
  static BreakoutRequest by_hand(std::vector<BreakoutSpec> rooms) {
    BreakoutRequest r;
    r.rooms = std::move(rooms);
    return r;
  }

  FakeClock clock_;
};

TEST_F(Breakout, OpenByHandAssignsAndLeavesOthersInTheMainCall) {
  CallSession s = call();
  auto round =
      open_breakout(s, kBreakoutHost, by_hand({{"One", {"bob", "carol"}}, {"Two", {"dave"}}}), clock_.now(), 1);
  ASSERT_TRUE(round.ok()) << round.error().message;
  ASSERT_EQ(round->rooms.size(), 2U);
  EXPECT_EQ(round->rooms[0].room_id, "r1-1");
  EXPECT_EQ(round->rooms[1].room_id, "r1-2");
  EXPECT_FALSE(round->ends_at);
  EXPECT_EQ(breakout_room_of(s, "bob"), "r1-1");
  EXPECT_EQ(breakout_room_of(s, "dave"), "r1-2");
  EXPECT_EQ(breakout_room_of(s, "erin"), "");
  EXPECT_EQ(breakout_room_of(s, "alice"), "");
  const auto assigned = breakout_assignments(s);
  EXPECT_EQ(assigned.size(), 3U);
  expect_invalid(open_breakout(s, kBreakoutHost, by_hand({{"Again", {"erin"}}}), clock_.now(), 1), "rooms");
}

TEST_F(Breakout, RoomsListMembersOnlyEachOnce) {
  CallSession s = call();
  expect_invalid(open_breakout(s, kBreakoutHost, by_hand({{"One", {"mallory"}}}), clock_.now(), 1), "rooms[0].userIds");
  expect_invalid(open_breakout(s, kBreakoutHost, by_hand({{"One", {"bob"}}, {"Two", {"bob"}}}), clock_.now(), 1),
                 "rooms[1].userIds");
  EXPECT_FALSE(s.breakout);
  EXPECT_EQ(s.breakout_rounds, 0);
}

TEST_F(Breakout, AtRandomSplitsTheParticipantsEvenlyLeavingHostsOut) {
  CallSession s = call();
  BreakoutRequest req;
  req.random = true;
  req.count = 3;
  req.duration_seconds = 600;
  auto round = open_breakout(s, kBreakoutHost, req, clock_.now(), 42);
  ASSERT_TRUE(round.ok()) << round.error().message;
  ASSERT_EQ(round->rooms.size(), 3U);
  std::size_t placed = 0;
  for (const auto& r : round->rooms) {
    EXPECT_GE(r.user_ids.size(), 1U);
    EXPECT_LE(r.user_ids.size(), 2U);
    EXPECT_EQ(std::count(r.user_ids.begin(), r.user_ids.end(), "alice"), 0);
    placed += r.user_ids.size();
  }
  EXPECT_EQ(placed, 4U);
  EXPECT_EQ(round->rooms[2].name, "Room 3");
  EXPECT_EQ(round->ends_at, clock_.now() + std::chrono::seconds(600));
}

TEST_F(Breakout, AtRandomNeedsAParticipantPerRoom) {
  CallSession s = call();
  BreakoutRequest req;
  req.random = true;
  req.count = 5;  // four participants besides the host
  expect_invalid(open_breakout(s, kBreakoutHost, req, clock_.now(), 1), "count");
}

TEST_F(Breakout, HostsOnlyInGroupCalls) {
  CallSession s = call();
  expect_error(open_breakout(s, {"bob", "socket-bob"}, by_hand({{"One", {"carol"}}}), clock_.now(), 1),
               errc::forbidden);
  CallSession one = initiated(test::one_to_one_request(), clock_);
  join(one, kAlice, clock_);
  expect_invalid(open_breakout(one, kBreakoutHost, by_hand({{"One", {"bob"}}}), clock_.now(), 1), "sessionId");
}

TEST_F(Breakout, AHostVisitsARoomAndComesBack) {
  CallSession s = call();
  ASSERT_TRUE(open_breakout(s, kBreakoutHost, by_hand({{"One", {"bob"}}, {"Two", {"carol"}}}), clock_.now(), 1).ok());
  ASSERT_TRUE(visit_breakout(s, kBreakoutHost, "r1-2").ok());
  EXPECT_EQ(breakout_room_of(s, "alice"), "r1-2");
  expect_invalid(visit_breakout(s, kBreakoutHost, "r9-9"), "roomId");
  ASSERT_TRUE(visit_breakout(s, kBreakoutHost, "").ok());
  EXPECT_EQ(breakout_room_of(s, "alice"), "");
  expect_error(visit_breakout(s, {"bob", "socket-bob"}, ""), errc::forbidden);
}

TEST_F(Breakout, ClosingRecordsTheRoundOnlyOnce) {
  CallSession s = call();
  ASSERT_TRUE(open_breakout(s, kBreakoutHost, by_hand({{"One", {"bob", "carol"}}}), clock_.now(), 1).ok());
  const TimePoint opened = s.breakout->opened_at;
  EXPECT_FALSE(close_breakout(s, opened - std::chrono::seconds(1), clock_.now())) << "another round's timer";
  clock_.advance(std::chrono::seconds(90));
  EXPECT_TRUE(close_breakout(s, opened, clock_.now()));
  EXPECT_FALSE(s.breakout);
  ASSERT_EQ(s.breakout_history.size(), 1U);
  EXPECT_EQ(s.breakout_history[0].user_ids, (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(s.breakout_history[0].closed_at - s.breakout_history[0].opened_at, std::chrono::seconds(90));
  EXPECT_FALSE(close_breakout(s, opened, clock_.now()));
  EXPECT_EQ(breakout_room_of(s, "bob"), "");
  expect_invalid(check_can_close_breakout(s, kBreakoutHost), "sessionId");
  // A second round has new room ids.
  ASSERT_TRUE(open_breakout(s, kBreakoutHost, by_hand({{"Again", {"dave"}}}), clock_.now(), 1).ok());
  EXPECT_EQ(s.breakout->rooms[0].room_id, "r2-1");
}

// The round's end is stored and brought into the deadline the sweeper reads, so that it closes the round should the
// node holding the timer stop; a countdown moves the end earlier, never later.
TEST_F(Breakout, TheRoundsEndIsTheDeadlineUntilTheSweeperClosesIt) {
  using std::chrono::seconds;
  const Limits limits;
  CallSession s = call();
  const TimePoint call_due = *s.start_time + limits.call_timeout;
  ASSERT_EQ(s.deadline, call_due);
  auto req = by_hand({{"One", {"bob", "carol"}}});
  req.duration_seconds = 600;
  ASSERT_TRUE(open_breakout(s, kBreakoutHost, req, clock_.now(), 1).ok());
  const TimePoint opened = clock_.now();
  EXPECT_EQ(s.deadline, opened + seconds(600));
  EXPECT_FALSE(expire(s, clock_.now(), limits)) << "the deadline already names the round's end";

  const Actor bob{"bob", "socket-bob"};
  expect_error(schedule_breakout_close(s, bob, seconds(10), clock_.now()), errc::forbidden);
  clock_.advance(seconds(100));
  auto round = schedule_breakout_close(s, kBreakoutHost, seconds(30), clock_.now());
  ASSERT_TRUE(round.ok()) << round.error().message;
  EXPECT_EQ(round->ends_at, opened + seconds(130));
  EXPECT_EQ(s.deadline, opened + seconds(130));
  ASSERT_TRUE(schedule_breakout_close(s, kBreakoutHost, seconds(300), clock_.now()).ok());
  EXPECT_EQ(s.breakout->ends_at, opened + seconds(130)) << "a later countdown does not put the end off";

  clock_.advance(seconds(29));
  EXPECT_FALSE(close_due_breakout(s, clock_.now()));
  clock_.advance(seconds(1));
  EXPECT_TRUE(close_due_breakout(s, clock_.now()));
  EXPECT_FALSE(s.breakout);
  ASSERT_EQ(s.breakout_history.size(), 1U);
  EXPECT_EQ(s.breakout_history[0].closed_at, opened + seconds(130));
  EXPECT_FALSE(close_due_breakout(s, clock_.now()));
  // The sweeper's expire() then puts the deadline back to the call's timeout.
  EXPECT_TRUE(expire(s, clock_.now(), limits));
  EXPECT_EQ(s.deadline, call_due);
  EXPECT_EQ(s.status, Status::active);
}

TEST_F(Breakout, TheEndOfTheCallClosesTheRooms) {
  CallSession s = call();
  ASSERT_TRUE(open_breakout(s, kBreakoutHost, by_hand({{"One", {"bob"}}}), clock_.now(), 1).ok());
  end(s, EndReason::ended_by_user, "alice", clock_.now());
  EXPECT_FALSE(s.breakout);
  EXPECT_EQ(s.breakout_history.size(), 1U);
}

}  // namespace
}  // namespace hearth::calls
