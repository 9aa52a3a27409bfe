#include "signaling/service.hpp"

// Signaling across nodes (cross_node.cpp), in process: two real services ("n1", "n2") sharing one store, joined by
// the in-process bus of fake_bus.hpp. Each client connects to one node, with that node's socket id prefix.
#include <algorithm>

#include <gtest/gtest.h>

#include "fake_bus.hpp"
#include "harness.hpp"

namespace hearth::signaling {
namespace {
namespace json = boost::json;

class CrossNodeTest : public test::SignalingHarness {
 protected:
  CrossNodeTest()
      : n1_(ioc_, store_, verifier_, auth_failures_, ice_, clock_, limits_, options()),
        n2_(ioc_, store_, verifier_, auth_failures_, ice_, clock_, limits_, options()),
        bus1_(ioc_, net_, "n1"),
        bus2_(ioc_, net_, "n2") {
    n1_.set_bus(&bus1_);
    n2_.set_bus(&bus2_);
  }

  std::unique_ptr<FakeClient> on1(const std::string& user) { return connect(n1_, user, true, "n1."); }
  std::unique_ptr<FakeClient> on2(const std::string& user) { return connect(n2_, user, true, "n2."); }
  // The service a client is connected to, by its socket id's prefix.
  SignalingService& node(FakeClient& c) { return c.socket()->id().starts_with("n1.") ? n1_ : n2_; }
  void send(FakeClient& c, std::string_view event, const json::value& payload) { emit(node(c), c, event, payload); }
  bool joins(FakeClient& c, const std::string& id) { return join(node(c), c, id); }
  json::object relay_to(FakeClient& to, const std::string& id, std::string_view field, json::value value) {
    return json::object{{"targetSocketId", to.socket()->id()}, {"sessionId", id}, {field, std::move(value)}};
  }

  SignalingService n1_, n2_;
  test::FakeNetwork net_;
  test::FakeBus bus1_, bus2_;
};

TEST_F(CrossNodeTest, JoinOnOneNodeIsHeardOnTheOtherAndListsRemoteMembers) {
  const auto id = create_call(calls::SessionType::group, {"bob"});
  auto a = on1("alice");
  auto b = on2("bob");
  ASSERT_TRUE(joins(*a, id));
  ASSERT_TRUE(joins(*b, id));
  const auto others = b->find("call_session_joined")->payload.at("participants").as_array();
  ASSERT_EQ(others.size(), 1u);  // alice, held by n1: from the stored session
  EXPECT_EQ(others[0].at("socketId").as_string(), a->socket()->id());
  EXPECT_EQ(others[0].at("userId").as_string(), "alice");
  ASSERT_TRUE(run_until([&] { return a->find("user_joined_call").has_value(); }));
  EXPECT_EQ(a->find("user_joined_call")->payload.at("socketId").as_string(), b->socket()->id());
}

TEST_F(CrossNodeTest, RelaysCrossInOrderWithTheSenderNamed) {
  const auto id = create_call(calls::SessionType::group, {"bob"});
  auto a = on1("alice");
  auto b = on2("bob");
  ASSERT_TRUE(joins(*a, id));
  ASSERT_TRUE(joins(*b, id));
  send(*a, "webrtc_offer", relay_to(*b, id, "offer", json::object{{"sdp", "v=0"}}));
  for (int i = 0; i < 50; ++i) send(*a, "webrtc_ice_candidate", relay_to(*b, id, "candidate", json::value(i)));
  ASSERT_TRUE(run_until([&] { return b->count("webrtc_ice_candidate") == 50; }));
  std::vector<std::int64_t> order;
  bool offer_first = false;
  for (const auto& r : b->received()) {
    if (r.event == "webrtc_offer") offer_first = order.empty();
    if (r.event == "webrtc_ice_candidate") order.push_back(r.payload.at("candidate").as_int64());
  }
  EXPECT_TRUE(offer_first);  // an ICE candidate never overtakes its offer
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  const auto offer = b->find("webrtc_offer")->payload.as_object();
  EXPECT_EQ(offer.at("fromSocketId").as_string(), a->socket()->id());
  EXPECT_EQ(offer.at("fromUserId").as_string(), "alice");

  send(*b, "webrtc_answer", relay_to(*a, id, "answer", json::object{{"sdp", "v=1"}}));
  ASSERT_TRUE(run_until([&] { return a->find("webrtc_answer").has_value(); }));
}

TEST_F(CrossNodeTest, RelayToASocketNotInTheCallComesBackRefused) {
  const auto id = create_call(calls::SessionType::group, {"bob", "carol"});
  auto a = on1("alice");
  auto b = on2("bob");
  auto c = on2("carol");  // invited, connected to n2, not in the call
  ASSERT_TRUE(joins(*a, id));
  ASSERT_TRUE(joins(*b, id));
  send(*a, "webrtc_ice_candidate", relay_to(*c, id, "candidate", "x"));
  ASSERT_TRUE(run_until([&] { return a->find("call_error").has_value(); }));
  EXPECT_EQ(a->find("call_error")->payload.at("code").as_string(), "forbidden");
  EXPECT_EQ(a->find("call_error")->payload.at("event").as_string(), "webrtc_ice_candidate");
  settle();
  EXPECT_EQ(c->count("webrtc_ice_candidate"), 0u);

  auto outsider = on1("carol");  // not in the call at all: refused by its own node, nothing crosses
  const auto before = net_.messages;
  send(*outsider, "webrtc_offer", relay_to(*b, id, "offer", "x"));
  ASSERT_TRUE(run_until([&] { return outsider->find("call_error").has_value(); }));
  EXPECT_EQ(net_.messages, before);
}

TEST_F(CrossNodeTest, InvitationDeclineAndEndReachUsersOnTheOtherNode) {
  auto a = on1("alice");
  auto b = on2("bob");  // bob is connected only to n2
  calls::InitiateRequest req;
  req.session_type = calls::SessionType::one_to_one;
  req.participants = {"bob"};
  auto s = calls::initiate(req, {"alice", "alice"}, make_session_id(clock_.now()), clock_.now(), limits_);
  ASSERT_TRUE(s);
  n1_.initiated(*s);  // REST on n1 created it
  ASSERT_TRUE(run_until([&] { return b->find("call_invitation").has_value(); }));
  EXPECT_EQ(b->find("call_invitation")->payload.at("initiator").at("userId").as_string(), "alice");

  const auto id = create_call(calls::SessionType::one_to_one, {"bob"});
  send(*b, "decline_call", json::object{{"sessionId", id}});
  ASSERT_TRUE(run_until([&] { return a->find("call_declined").has_value() && a->find("call_ended").has_value(); }));
  EXPECT_EQ(a->find("call_ended")->payload.at("reason").as_string(), "declined");
}

TEST_F(CrossNodeTest, LeaveAndMediaAndEndCrossNodes) {
  const auto id = create_call(calls::SessionType::group, {"bob", "carol"});
  auto a = on1("alice");
  auto b = on2("bob");
  auto c = on2("carol");
  ASSERT_TRUE(joins(*a, id));
  ASSERT_TRUE(joins(*b, id));
  ASSERT_TRUE(joins(*c, id));
  send(*a, "media_state_changed", json::object{{"sessionId", id}, {"hasVideo", false}});
  ASSERT_TRUE(run_until([&] { return b->find("media_state_changed") && c->find("media_state_changed"); }));
  EXPECT_FALSE(b->find("media_state_changed")->payload.at("hasVideo").as_bool());
  send(*b, "leave_call_session", json::object{{"sessionId", id}});
  ASSERT_TRUE(run_until([&] { return a->find("user_left_call").has_value(); }));
  EXPECT_EQ(a->find("user_left_call")->payload.at("userId").as_string(), "bob");
  auto s = load(id);
  calls::end(*s, calls::EndReason::ended_by_user, "alice", clock_.now());
  n1_.ended(*s);  // REST on n1 ended it
  ASSERT_TRUE(run_until([&] { return c->find("call_ended").has_value(); }));
  EXPECT_EQ(c->find("call_ended")->payload.at("reason").as_string(), "ended_by_user");
}

TEST_F(CrossNodeTest, SecondTabOnAnotherNodeReplacesTheFirst) {
  const auto id = create_call(calls::SessionType::one_to_one, {"bob"});
  auto a = on1("alice");
  auto b1 = on2("bob");
  auto b2 = on1("bob");
  ASSERT_TRUE(joins(*a, id));
  ASSERT_TRUE(joins(*b1, id));
  ASSERT_TRUE(joins(*b2, id));
  ASSERT_TRUE(run_until([&] { return b1->find("call_error").has_value(); }));
  EXPECT_EQ(b1->find("call_error")->payload.at("code").as_string(), "replaced");
  ASSERT_TRUE(run_until([&] { return a->find("user_reconnected").has_value(); }));
  EXPECT_EQ(a->find("user_reconnected")->payload.at("oldSocketId").as_string(), b1->socket()->id());
  EXPECT_EQ(a->find("user_reconnected")->payload.at("socketId").as_string(), b2->socket()->id());
  // The old tab's node no longer relays for it: its seat moved.
  send(*b1, "webrtc_offer", relay_to(*a, id, "offer", "x"));
  ASSERT_TRUE(run_until([&] { return b1->count("call_error") == 2; }));
  EXPECT_EQ(a->count("webrtc_offer"), 0u);
}

TEST_F(CrossNodeTest, BusDownRefusesRemoteRelaysAndKeepsLocalOnes) {
  const auto id = create_call(calls::SessionType::group, {"bob", "carol"});
  auto a = on1("alice");
  auto b = on2("bob");
  auto c = on1("carol");
  ASSERT_TRUE(joins(*a, id));
  ASSERT_TRUE(joins(*b, id));
  ASSERT_TRUE(joins(*c, id));
  net_.up = false;
  send(*a, "webrtc_offer", relay_to(*b, id, "offer", "x"));
  ASSERT_TRUE(run_until([&] { return a->find("call_error").has_value(); }));
  EXPECT_EQ(a->find("call_error")->payload.at("code").as_string(), "unavailable");
  send(*a, "webrtc_offer", relay_to(*c, id, "offer", "y"));  // both on n1: as before
  ASSERT_TRUE(run_until([&] { return c->find("webrtc_offer").has_value(); }));
  net_.up = true;
  send(*a, "webrtc_offer", relay_to(*b, id, "offer", "z"));
  ASSERT_TRUE(run_until([&] { return b->find("webrtc_offer").has_value(); }));
}

TEST_F(CrossNodeTest, ADeadNodesSeatsEndAfterTheGraceUnlessTheUserCameBack) {
  const auto id = create_call(calls::SessionType::group, {"bob", "carol"});
  auto a = on1("alice");
  auto b = on2("bob");
  auto c = on2("carol");
  ASSERT_TRUE(joins(*a, id));
  ASSERT_TRUE(joins(*b, id));
  ASSERT_TRUE(joins(*c, id));
  settle(std::chrono::milliseconds(2200));  // n1 has seen n2 alive (it watches every 2 s)
  net_.dead.insert("n2");                   // n2 dies: no heartbeat, nothing delivered to it
  auto c2 = on1("carol");                   // carol's client comes back through n1 within the grace
  ASSERT_TRUE(joins(*c2, id));
  ASSERT_TRUE(run_until([&] { return a->find("user_reconnected").has_value(); }));
  EXPECT_EQ(a->find("user_reconnected")->payload.at("userId").as_string(), "carol");
  // bob does not come back: n1 ends his seat a grace (200 ms) after it noticed.
  ASSERT_TRUE(run_until([&] { return a->find("user_left_call").has_value(); }, std::chrono::milliseconds(5000)));
  EXPECT_EQ(a->find("user_left_call")->payload.at("userId").as_string(), "bob");
  EXPECT_EQ(a->count("user_left_call"), 1u);
  const auto s = load(id);
  EXPECT_FALSE(s->find_participant("bob")->is_active);
  EXPECT_EQ(s->find_participant("bob")->left_reason, calls::LeaveReason::disconnected);
  EXPECT_TRUE(s->find_participant("carol")->is_active);
  EXPECT_EQ(s->status, calls::Status::active);
}

// Quality across nodes: bob's reports (n2) reach alice's node (n1), which applies them as its own: alice hears how
// bob receives her, and n1 — the smallest node id holding members — is the one that stores the summary.
TEST_F(CrossNodeTest, QualityReportsAreSharedAndOneNodeStoresTheSummary) {
  const auto id = create_call(calls::SessionType::group, {"bob", "carol"});
  auto a = on1("alice");
  auto b = on2("bob");
  auto c = on2("carol");
  ASSERT_TRUE(joins(*a, id));
  ASSERT_TRUE(joins(*b, id));
  ASSERT_TRUE(joins(*c, id));
  settle();
  const auto stored_summary = [&] {
    std::optional<calls::QualitySummary> stored;
    bool done = false;
    store_.execute<std::optional<calls::QualitySummary>>(
        [id](store::Repository& r) -> Result<std::optional<calls::QualitySummary>> { return r.load_quality(id); },
        [&](Result<std::optional<calls::QualitySummary>> r) {
          boost::asio::post(ioc_, [&, r = std::move(r)] {
            if (r) stored = *r;
            done = true;
          });
        });
    run_until([&] { return done; });
    return stored;
  };
  const json::object bad{{"socketId", a->socket()->id()}, {"rttMs", 900}, {"jitterMs", 200}, {"packetLossPct", 20}};
  // With the bus down, bob's report stays on n2, which does not keep the call's quality: nothing is stored.
  net_.up = false;
  send(*b, "call_quality_report", json::object{{"sessionId", id}, {"links", json::array{bad}}});
  settle();
  EXPECT_FALSE(stored_summary().has_value());
  net_.up = true;
  clock_.advance(std::chrono::seconds(2));
  // Bob receives alice (on n1) badly, twice in a row (a level changes on the second sample that agrees).
  for (int i = 0; i < 2; ++i) {
    send(*b, "call_quality_report", json::object{{"sessionId", id}, {"links", json::array{bad}}});
    settle();
    clock_.advance(std::chrono::seconds(2));
  }
  const auto level_of = [&](FakeClient& to, std::string_view user) -> std::string {
    std::string level;
    for (const auto& r : to.received())
      if (r.event == "connection_quality_changed" && r.payload.at("userId").as_string() == user)
        level = std::string(r.payload.at("level").as_string());
    return level;
  };
  ASSERT_TRUE(run_until([&] { return !level_of(*a, "alice").empty(); }));  // told by n1, from bob's report on n2
  EXPECT_EQ(level_of(*a, "alice"), level_of(*c, "alice"));
  EXPECT_NE(level_of(*a, "alice"), "good");
  for (const auto& r : a->received()) {
    if (r.event == "connection_quality_changed" && r.payload.at("userId").as_string() == "bob") {
      EXPECT_EQ(r.payload.at("socketId").as_string(), b->socket()->id());  // a member of the other node, named
    }
  }

  // Stored once, by n1 (n2 holds bob's report but is not the keeper): the summary scores both ends of the link.
  std::optional<calls::QualitySummary> stored;
  ASSERT_TRUE(run_until([&] { return (stored = stored_summary()).has_value(); }));
  std::vector<std::string> scored;
  for (const auto& p : stored->participants) scored.push_back(p.user_id);
  std::sort(scored.begin(), scored.end());
  EXPECT_EQ(scored, (std::vector<std::string>{"alice", "bob"}));
}

}  // namespace
}  // namespace hearth::signaling
