#pragma once
// The signaling service tests' fixture: a real store (SQLite in memory, on its own thread), verifier and ICE
// servers, fake clients (fake_client.hpp), and the io_context they all run on — the test's thread only. A test
// adds the service(s) it runs: one (service_test.cpp) or several nodes sharing the store (cross_node_test.cpp).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "auth/jwt.hpp"
#include "calls/policy.hpp"
#include "core/ids.hpp"
#include "fake_client.hpp"
#include "signaling/service.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace hearth::signaling::test {
namespace asio = boost::asio;
namespace json = boost::json;
using realtime::socketio::IncomingEvent;

constexpr std::string_view kSecret = "test-secret-0123456789";

inline std::unique_ptr<store::Repository> migrated_memory_repository() {
  auto repo = std::make_unique<store::SqliteRepository>(":memory:");
  repo->migrate();
  return repo;
}

class SignalingHarness : public ::testing::Test {
 protected:
  SignalingHarness()
      : store_(migrated_memory_repository()),
        verifier_([] {
          auth::JwtConfig c;
          c.secret = std::string(kSecret);
          return c;
        }()),
        ice_(ice::IceConfig{{"stun:stun.example.org:3478"}, {}, {}, {}, {}, std::chrono::hours(1)}) {
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

  // A service as the tests run it: short authentication timeout (300 ms) and reconnect grace (200 ms).
  SignalingOptions options() const {
    return SignalingOptions{std::chrono::milliseconds(300), std::chrono::milliseconds(200), 1000, 2000};
  }

  // `id_prefix`: the node's ("n1."), as a node of a cluster names its sockets.
  std::unique_ptr<FakeClient> connect(SignalingService& service, const std::string& user, bool authenticated = true,
                                      const std::string& id_prefix = {}) {
    auto c =
        std::make_unique<FakeClient>(ioc_, engine_options_, id_prefix + "sock-" + user + "-" + std::to_string(next_++));
    std::string auth;
    if (authenticated)
      auth =
          R"({"token":")" + auth::mint_hs256(kSecret, user, user, "user", std::chrono::hours(1), clock_.now()) + "\"}";
    EXPECT_TRUE(service.on_connect(c->socket(), auth).ok());
    return c;
  }

  void emit(SignalingService& service, FakeClient& c, std::string_view event, const json::value& payload,
            std::optional<std::uint64_t> ack = 1) {
    const std::string data = "[" + json::serialize(json::value(event)) + "," + json::serialize(payload) + "]";
    const std::string args = json::serialize(payload);
    asio::post(c.socket()->executor(), [&service, &c, event = std::string(event), data, args, ack] {
      service.on_event(c.socket(), IncomingEvent{event, args, data, ack, {}});
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
          // (The session alone is carried over: GCC 12 sees the moved Result's error as maybe uninitialized.)
          std::optional<calls::CallSession> s = r ? std::optional(std::move(*r)) : std::nullopt;
          asio::post(ioc_, [&, s = std::move(s)] {  // back to the test's thread, as the service does
            if (s) out = *s;
            done = true;
          });
        });
    run_until([&] { return done; });
    return out;
  }

  bool join(SignalingService& service, FakeClient& c, const std::string& id) {
    emit(service, c, "join_call_session", json::object{{"sessionId", id}, {"peerId", "peer"}});
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
  realtime::engineio::Options engine_options_;
  int next_ = 0;
};

}  // namespace hearth::signaling::test
