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
#include "store/sqlite/sqlite_repository.hpp"

namespace hearth::signaling {
namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using realtime::engineio::Session;
using realtime::socketio::IncomingEvent;
using realtime::socketio::Socket;

constexpr std::string_view kSecret = "test-secret-0123456789";

struct Received {
  std::string event;
  json::value payload;
};

// A client as the server sees it: an Engine.IO session (polling, never opened on the network) and its socket.
class FakeClient {
 public:
  FakeClient(asio::io_context& ioc, const realtime::engineio::Options& options, std::string id)
      : session_(std::make_shared<Session>(asio::make_strand(ioc), id, options, nullptr)),
        socket_(std::make_shared<Socket>(std::move(id), "/", session_)) {
    poll();
  }

  const std::shared_ptr<Socket>& socket() const { return socket_; }
  std::vector<Received>& received() { return received_; }
  std::optional<Received> find(std::string_view event) const {
    for (const auto& r : received_)
      if (r.event == event) return r;
    return std::nullopt;
  }
  std::size_t count(std::string_view event) const {
    return static_cast<std::size_t>(
        std::count_if(received_.begin(), received_.end(), [&](const Received& r) { return r.event == event; }));
  }

 private:
  void poll() {
    asio::post(session_->executor(), [this] {
      session_->on_poll_get(net::Responder([this](net::Response res) {
        record(res.body());
        poll();
      }));
    });
  }
  void record(const std::string& payload) {
    std::size_t start = 0;
    while (start <= payload.size()) {
      const auto end = std::min(payload.find('\x1e', start), payload.size());
      const std::string_view packet(payload.data() + start, end - start);
      if (packet.starts_with("42")) {
        auto v = json::parse(packet.substr(2));
        auto& arr = v.as_array();
        received_.push_back({std::string(arr[0].as_string()), arr.size() > 1 ? arr[1] : json::value()});
      } else if (packet.starts_with("43")) {  // ack: 43<id>[...]
        const auto bracket = packet.find('[');
        auto v = json::parse(packet.substr(bracket));
        received_.push_back({"ack", v.as_array()[0]});
      }
      start = end + 1;
    }
  }

  std::shared_ptr<Session> session_;
  std::shared_ptr<Socket> socket_;
  std::vector<Received> received_;
};

std::unique_ptr<store::Repository> migrated_memory_repository() {
  auto repo = std::make_unique<store::SqliteRepository>(":memory:");
  repo->migrate();
  return repo;
}

class SignalingServiceTest : public ::testing::Test {
 protected:
  SignalingServiceTest()
      : store_(migrated_memory_repository()),
        verifier_(auth::JwtConfig{std::string(kSecret), {}, std::chrono::seconds(30)}),
        ice_(ice::IceConfig{{"stun:stun.example.org:3478"}, {}, {}, {}, {}, std::chrono::hours(1)}),
        service_(ioc_, store_, verifier_, auth_failures_, ice_, clock_, limits_,
                 SignalingOptions{std::chrono::milliseconds(300), std::chrono::milliseconds(200), 1000, 2000}) {
    engine_options_.ping_interval = std::chrono::hours(1);
  }

  // Runs the io_context until `done` holds (the store answers on its own thread, so keep polling).
  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds limit = std::chrono::milliseconds(3000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      ioc_.restart();
      ioc_.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  void settle(std::chrono::milliseconds d = std::chrono::milliseconds(100)) {
    run_until([] { return false; }, d);
  }

  std::unique_ptr<FakeClient> connect(const std::string& user, bool authenticated = true) {
    auto c = std::make_unique<FakeClient>(ioc_, engine_options_, "sock-" + user + "-" + std::to_string(next_++));
    std::string auth;
    if (authenticated)
      auth =
          R"({"token":")" + auth::mint_hs256(kSecret, user, user, "user", std::chrono::hours(1), clock_.now()) + "\"}";
    EXPECT_TRUE(service_.on_connect(c->socket(), auth).ok());
    return c;
  }

  void emit(FakeClient& c, std::string_view event, const json::value& payload, std::optional<std::uint64_t> ack = 1) {
    const std::string data = "[" + json::serialize(json::value(event)) + "," + json::serialize(payload) + "]";
    const std::string args = json::serialize(payload);
    asio::post(c.socket()->executor(), [this, &c, event = std::string(event), data, args, ack] {
      service_.on_event(c.socket(), IncomingEvent{event, args, data, ack, {}});
    });
  }

  std::string create_call(calls::SessionType type, std::vector<std::string> invitees, std::optional<int> max = {}) {
    calls::InitiateRequest req;
    req.session_type = type;
    req.participants = std::move(invitees);
    req.max_participants = max;
    auto s = calls::initiate(req, {"alice", "alice"}, make_session_id(clock_.now()), clock_.now(), limits_);
    EXPECT_TRUE(s.ok());
    const std::string id = s->session_id;
    bool done = false;
    store_.execute<bool>(
        [s = *s](store::Repository& r) -> Result<bool> {
          r.insert(s);
          return true;
        },
        [&](Result<bool>) {
          asio::post(ioc_, [&] { done = true; });
        });  // back to the test's thread, as the service does
    EXPECT_TRUE(run_until([&] { return done; }));
    return id;
  }

  std::optional<calls::CallSession> load(const std::string& id) {
    std::optional<calls::CallSession> out;
    bool done = false;
    store_.execute<calls::CallSession>(
        [id](store::Repository& r) -> Result<calls::CallSession> {
          auto s = r.find(id, false);
          if (!s) return make_error(errc::not_found, "missing");
          return *s;
        },
        [&](Result<calls::CallSession> r) {
          asio::post(ioc_, [&, r = std::move(r)] {  // back to the test's thread, as the service does
            if (r) out = *r;
            done = true;
          });
        });
    run_until([&] { return done; });
    return out;
  }

  bool join(FakeClient& c, const std::string& id) {
    emit(c, "join_call_session", json::object{{"sessionId", id}, {"peerId", "peer"}});
    const bool ok =
        run_until([&] { return c.find("call_session_joined").has_value() || c.find("call_error").has_value(); });
    return ok;
  }

  asio::io_context ioc_;
  FakeClock clock_;
  calls::Limits limits_;
  store::Store store_;
  auth::JwtVerifier verifier_;
  RateLimiter auth_failures_{60};
  ice::IceServers ice_;
  SignalingService service_;
  realtime::engineio::Options engine_options_;
  int next_ = 0;
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

}  // namespace
}  // namespace hearth::signaling
