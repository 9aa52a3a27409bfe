#include "signaling/service.hpp"

// The signaling rules, in-process: the real service, rooms and store (SQLite in memory, on its own thread), with
// fake clients — Engine.IO sessions that have no network transport; what the server sends them is read by
// long-polling them in process. The io_context runs on the test's thread only.
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json.hpp>

#include "calls/policy.hpp"
#include "core/ids.hpp"
#include "harness.hpp"

namespace hearth::signaling {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using realtime::socketio::IncomingEvent;
using realtime::socketio::Socket;
using test::kSecret;

class SignalingServiceTest : public test::SignalingHarness {
 protected:
  SignalingServiceTest() : service_(ioc_, store_, verifier_, auth_failures_, ice_, clock_, limits_, options()) {}

  std::unique_ptr<FakeClient> connect(const std::string& user, bool authenticated = true) {
    return SignalingHarness::connect(service_, user, authenticated);
  }
  void emit(FakeClient& c, std::string_view event, const json::value& payload, std::optional<std::uint64_t> ack = 1) {
    SignalingHarness::emit(service_, c, event, payload, ack);
  }
  bool join(FakeClient& c, const std::string& id) { return SignalingHarness::join(service_, c, id); }

  SignalingService service_;
};

TEST_F(SignalingServiceTest, EventsBeforeAuthenticationAreRefused) {
  auto c = connect("mallory", false);
  emit(*c, "join_call_session", json::object{{"sessionId", "call_1_abcdefghi"}});
  ASSERT_TRUE(run_until([&] { return c->find("call_error").has_value(); }));
  const auto err = c->find("call_error")->payload.as_object();
  EXPECT_EQ(err.at("event").as_string(), "join_call_session");
  EXPECT_EQ(err.at("code").as_string(), "unauthenticated");
}

TEST_F(SignalingServiceTest, AuthenticateEventAcceptsGoodAndRefusesBadTokens) {
  auto c = connect("bob", false);
  emit(*c, "authenticate", json::value("not-a-token"));
  ASSERT_TRUE(run_until([&] { return c->find("authentication_error").has_value(); }));
  emit(*c, "authenticate",
       json::object{{"token", auth::mint_hs256(kSecret, "bob", "Bob", "user", std::chrono::hours(1), clock_.now())}});
  ASSERT_TRUE(run_until([&] { return c->find("authenticated").has_value(); }));
  EXPECT_EQ(c->find("authenticated")->payload.at("userId").as_string(), "bob");
  EXPECT_EQ(c->find("authenticated")->payload.at("name").as_string(), "Bob");
}

TEST_F(SignalingServiceTest, UnauthenticatedSocketIsToldAtTheTimeout) {
  auto c = connect("slow", false);
  ASSERT_TRUE(run_until([&] { return c->find("authentication_error").has_value(); }));
  EXPECT_EQ(c->find("authentication_error")->payload.at("message").as_string(), "Authentication timeout");
}

TEST_F(SignalingServiceTest, JoinStartsTheCallAndIntroducesParticipants) {
  const auto id = create_call(calls::SessionType::one_to_one, {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  ASSERT_TRUE(join(*a, id));
  ASSERT_TRUE(a->find("call_session_joined"));
  EXPECT_TRUE(a->find("call_session_joined")->payload.at("participants").as_array().empty());
  ASSERT_TRUE(join(*b, id));
  const auto joined = b->find("call_session_joined")->payload.as_object();
  ASSERT_EQ(joined.at("participants").as_array().size(), 1u);
  EXPECT_EQ(joined.at("participants").as_array()[0].at("socketId").as_string(), a->socket()->id());
  EXPECT_EQ(joined.at("iceServers").as_array()[0].at("urls").as_array()[0].as_string(), "stun:stun.example.org:3478");
  ASSERT_TRUE(run_until([&] { return a->find("user_joined_call").has_value(); }));
  EXPECT_EQ(a->find("user_joined_call")->payload.at("userId").as_string(), "bob");
  auto s = load(id);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, calls::Status::active);
  EXPECT_TRUE(s->find_participant("bob")->is_active);
  EXPECT_EQ(s->find_participant("bob")->socket_id, b->socket()->id());
}

TEST_F(SignalingServiceTest, RelayReachesOnlyTheTargetAndOnlyWithinTheCall) {
  const auto id = create_call(calls::SessionType::group, {"bob", "carol"});
  auto a = connect("alice");
  auto b = connect("bob");
  auto c = connect("carol");  // invited, but not in the call
  ASSERT_TRUE(join(*a, id));
  ASSERT_TRUE(join(*b, id));
  emit(*a, "webrtc_offer",
       json::object{{"targetSocketId", b->socket()->id()}, {"sessionId", id}, {"offer", {{"sdp", "v=0"}}}});
  ASSERT_TRUE(run_until([&] { return b->find("webrtc_offer").has_value(); }));
  const auto offer = b->find("webrtc_offer")->payload.as_object();
  EXPECT_EQ(offer.at("fromSocketId").as_string(), a->socket()->id());
  EXPECT_EQ(offer.at("fromUserId").as_string(), "alice");
  EXPECT_EQ(offer.at("offer").at("sdp").as_string(), "v=0");

  emit(*a, "webrtc_ice_candidate",
       json::object{{"targetSocketId", c->socket()->id()}, {"sessionId", id}, {"candidate", "x"}});
  ASSERT_TRUE(run_until([&] { return a->find("call_error").has_value(); }));
  EXPECT_EQ(a->find("call_error")->payload.at("code").as_string(), "forbidden");
  settle();
  EXPECT_EQ(c->count("webrtc_ice_candidate"), 0u);
}

TEST_F(SignalingServiceTest, CapacityRefusesOneTooMany) {
  const auto id = create_call(calls::SessionType::group, {"bob", "carol"}, 2);
  auto a = connect("alice");
  auto b = connect("bob");
  auto c = connect("carol");
  ASSERT_TRUE(join(*a, id));
  ASSERT_TRUE(join(*b, id));
  ASSERT_TRUE(join(*c, id));
  ASSERT_TRUE(c->find("call_error"));
  EXPECT_EQ(c->find("call_error")->payload.at("code").as_string(), "session_full");
}

TEST_F(SignalingServiceTest, ReconnectWithinGraceRestoresWithoutLeaving) {
  const auto id = create_call(calls::SessionType::one_to_one, {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  ASSERT_TRUE(join(*a, id));
  ASSERT_TRUE(join(*b, id));
  const std::string old_socket = b->socket()->id();
  service_.on_disconnect(b->socket(), "transport close");
  ASSERT_TRUE(run_until([&] { return a->find("user_disconnected").has_value(); }));
  EXPECT_EQ(a->find("user_disconnected")->payload.at("socketId").as_string(), old_socket);
  auto b2 = connect("bob");
  ASSERT_TRUE(join(*b2, id));
  ASSERT_TRUE(run_until([&] { return a->find("user_reconnected").has_value(); }));
  const auto rec = a->find("user_reconnected")->payload.as_object();
  EXPECT_EQ(rec.at("oldSocketId").as_string(), old_socket);
  EXPECT_EQ(rec.at("socketId").as_string(), b2->socket()->id());
  settle(std::chrono::milliseconds(400));  // past the grace
  EXPECT_EQ(a->count("user_left_call"), 0u);
  EXPECT_TRUE(load(id)->find_participant("bob")->is_active);
}

TEST_F(SignalingServiceTest, GraceRunsOutIntoLeaving) {
  const auto id = create_call(calls::SessionType::group, {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  ASSERT_TRUE(join(*a, id));
  ASSERT_TRUE(join(*b, id));
  service_.on_disconnect(b->socket(), "transport close");
  ASSERT_TRUE(run_until([&] { return a->find("user_left_call").has_value(); }));
  EXPECT_EQ(a->find("user_left_call")->payload.at("userId").as_string(), "bob");
  ASSERT_TRUE(run_until([&] { return !load(id)->find_participant("bob")->is_active; }));
}

TEST_F(SignalingServiceTest, SecondTabTakesOver) {
  const auto id = create_call(calls::SessionType::one_to_one, {"bob"});
  auto a = connect("alice");
  auto b1 = connect("bob");
  auto b2 = connect("bob");
  ASSERT_TRUE(join(*a, id));
  ASSERT_TRUE(join(*b1, id));
  ASSERT_TRUE(join(*b2, id));
  ASSERT_TRUE(run_until([&] { return b1->find("call_error").has_value(); }));
  EXPECT_EQ(b1->find("call_error")->payload.at("code").as_string(), "replaced");
  ASSERT_TRUE(run_until([&] { return a->find("user_reconnected").has_value(); }));
  EXPECT_EQ(a->find("user_reconnected")->payload.at("socketId").as_string(), b2->socket()->id());
}

TEST_F(SignalingServiceTest, LastOneLeavingEndsTheCallForEveryone) {
  const auto id = create_call(calls::SessionType::one_to_one, {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  ASSERT_TRUE(join(*a, id));
  ASSERT_TRUE(join(*b, id));
  emit(*a, "leave_call_session", json::object{{"sessionId", id}});
  ASSERT_TRUE(run_until([&] { return b->find("user_left_call").has_value(); }));
  emit(*b, "leave_call_session", json::object{{"sessionId", id}});
  ASSERT_TRUE(run_until([&] { return a->find("call_ended").has_value(); }));
  EXPECT_EQ(a->find("call_ended")->payload.at("reason").as_string(), "all_left");
  EXPECT_EQ(load(id)->end_reason, calls::EndReason::all_left);
}

TEST_F(SignalingServiceTest, DeclinedOneToOneCallEnds) {
  const auto id = create_call(calls::SessionType::one_to_one, {"bob"});
  auto a = connect("alice");
  auto b = connect("bob");
  emit(*b, "decline_call", json::object{{"sessionId", id}});
  ASSERT_TRUE(run_until([&] { return a->find("call_declined").has_value() && a->find("call_ended").has_value(); }));
  EXPECT_EQ(a->find("call_declined")->payload.at("userId").as_string(), "bob");
  EXPECT_EQ(a->find("call_ended")->payload.at("reason").as_string(), "declined");
}

// A node alone, restarted after a crash (expire_previous_run): the seats and waiting places the previous run's sockets
// held end in every call — each call's as one store operation, a chunk of calls at a time, and those the store
// refuses (its queue full: 8 here, for 40 calls) tried again — each call's end announced once.
class PreviousRunTest : public test::SignalingHarness {
 protected:
  static constexpr int kCalls = 40;

  PreviousRunTest()
      : small_(test::migrated_memory_repository(), store::StoreLimits{.max_queue = 8}),
        service_(ioc_, small_, verifier_, auth_failures_, ice_, clock_, limits_, [this] {
          auto o = options();
          o.least_previous_run_grace = std::chrono::milliseconds(0);
          return o;
        }()) {}

  // Runs `op` on the small store and waits for it; nullopt if the store refused it (its queue full).
  template <class T>
  std::optional<T> on_store(std::function<T(store::Repository&)> op) {
    std::optional<T> out;
    bool done = false;
    small_.execute<T>([op](store::Repository& r) -> Result<T> { return op(r); },
                      [&](Result<T> r) {
                        std::optional<T> v = r ? std::optional(std::move(*r)) : std::nullopt;
                        asio::post(ioc_, [&, v = std::move(v)] {  // back to the test's thread
                          out = v;
                          done = true;
                        });
                      });
    EXPECT_TRUE(run_until([&] { return done; }));
    return out;
  }

  store::Store small_;
  SignalingService service_;
};

TEST_F(PreviousRunTest, EveryCallsSeatsEndThoughTheStoreRefusesSome) {
  const auto ids = *on_store<std::vector<std::string>>([&](store::Repository& repo) {
    std::vector<std::string> out;
    for (int i = 0; i < kCalls; ++i) {
      calls::InitiateRequest req;
      req.session_type = calls::SessionType::group;
      req.participants = {"bob", "carol"};
      auto s = calls::initiate(req, {"alice", "alice"}, make_session_id(clock_.now()), clock_.now(), limits_);
      EXPECT_TRUE(s.ok());
      const auto n = std::to_string(i);
      EXPECT_TRUE(calls::activate(*s, {"alice", "alice"}, "old-a" + n, "pa", clock_.now(), limits_).ok());
      EXPECT_TRUE(calls::activate(*s, {"bob", "bob"}, "old-b" + n, "pb", clock_.now(), limits_).ok());
      repo.insert(*s);
      out.push_back(s->session_id);
    }
    return out;
  });
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kCalls));

  service_.expire_previous_run();
  const auto none_active = [&] {
    const auto active = on_store<int>([&](store::Repository& repo) {
      int n = 0;
      for (const auto& id : ids)
        if (auto s = repo.find(id, false))
          for (const auto& p : s->participants) n += p.is_active ? 1 : 0;
      return n;
    });
    return active == 0;  // nullopt: the store was busy
  };
  ASSERT_TRUE(run_until(none_active, std::chrono::milliseconds(10'000)));
  on_store<bool>([&](store::Repository& repo) {
    for (const auto& id : ids) {
      auto s = repo.find(id, false);
      EXPECT_TRUE(s.has_value());
      if (!s) continue;
      EXPECT_EQ(s->status, calls::Status::ended) << id;
      for (const auto& p : s->participants)
        if (p.user_id != "carol") {
          EXPECT_EQ(p.left_reason, calls::LeaveReason::disconnected) << id << " " << p.user_id;
        }
    }
    return true;
  });
}

}  // namespace
}  // namespace hearth::signaling
