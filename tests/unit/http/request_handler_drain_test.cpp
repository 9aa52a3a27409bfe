#include "http/request_handler.hpp"

// Graceful shutdown as the HTTP application sees it: after begin_drain() /readyz answers 503 at once (no store
// round trip) and every answer closes its connection; in_flight() counts the requests whose answer is not written.
#include <functional>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_repository.hpp"
#include "store/store.hpp"

namespace hearth::http {
namespace {
namespace bhttp = boost::beast::http;

auth::JwtConfig jwt() {
  auth::JwtConfig c;
  c.secret = "unit-test-secret-0123456789";
  return c;
}

class Drain : public ::testing::Test {
 protected:
  // The readiness check keeps its callback, so a /readyz stays in flight until the test answers it.
  std::function<void(std::string)> pending_readiness;
  SystemClock clock;
  store::Store store{std::make_unique<store::SqliteRepository>(":memory:")};
  auth::JwtVerifier verifier{jwt()};
  ice::IceServers ice{ice::IceConfig{}};
  CorsPolicy cors{{}, false};
  RateLimiter auth_failures{60};
  VideoCallApi api{store, ice, clock, calls::Limits{}, false};
  RequestHandler handler{
      api, verifier, cors, clock, auth_failures, RequestHandlerConfig{}, [this](std::function<void(std::string)> done) {
        pending_readiness = std::move(done);
      }};

  // Hands GET `path` to the handler; the answer, once given, lands in `out`.
  void get(std::string_view path, std::optional<net::Response>& out) {
    net::Request req{bhttp::verb::get, path, 11};
    handler.handle(std::move(req), net::ConnectionInfo{},
                   net::Responder([&out](net::Response res) { out = std::move(res); }));
  }
};

TEST_F(Drain, ReadyzWaitsForTheStoreUntilTheDrain) {
  std::optional<net::Response> res;
  get("/readyz", res);
  EXPECT_FALSE(res);
  EXPECT_EQ(handler.in_flight(), 1);
  ASSERT_TRUE(pending_readiness);
  std::exchange(pending_readiness, nullptr)("");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::ok);
  EXPECT_TRUE(res->keep_alive());
  EXPECT_EQ(handler.in_flight(), 0);
}

TEST_F(Drain, DrainingAnswersReadyz503AtOnceAndClosesConnections) {
  std::optional<net::Response> before;
  get("/readyz", before);  // in flight across the drain
  handler.begin_drain();

  std::optional<net::Response> ready, health;
  get("/readyz", ready);
  ASSERT_TRUE(ready) << "no store round trip while draining";
  EXPECT_EQ(ready->result(), bhttp::status::service_unavailable);
  EXPECT_NE(ready->body().find("\"success\":false"), std::string::npos) << ready->body();
  EXPECT_FALSE(ready->keep_alive());
  get("/healthz", health);
  ASSERT_TRUE(health);
  EXPECT_EQ(health->result(), bhttp::status::ok);  // alive, just leaving
  EXPECT_FALSE(health->keep_alive());

  // The request that arrived before the drain is still counted, and its answer closes the connection too.
  EXPECT_EQ(handler.in_flight(), 1);
  std::exchange(pending_readiness, nullptr)("");
  ASSERT_TRUE(before);
  EXPECT_FALSE(before->keep_alive());
  EXPECT_EQ(handler.in_flight(), 0);
}

TEST_F(Drain, AForgottenResponderStopsCountingWhenDestroyed) {
  std::optional<net::Response> res;
  get("/readyz", res);
  EXPECT_EQ(handler.in_flight(), 1);
  pending_readiness = nullptr;  // the only copy of the Responder goes away unanswered (a connection that died)
  EXPECT_EQ(handler.in_flight(), 0);
}

}  // namespace
}  // namespace hearth::http
