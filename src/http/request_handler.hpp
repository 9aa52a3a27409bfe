#pragma once
// The HTTP application: CORS, routing, health checks, authentication, rate limiting and dispatch to the
// REST API; WebSocket upgrades are passed to the realtime layer (when one is attached).
// Thread safety: handle() runs on many connection strands at once; members are immutable or thread safe (routes and
// the usage counters are set before the server starts).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/rate_limiter.hpp"
#include "http/api/analytics_api.hpp"
#include "http/api/video_call_api.hpp"
#include "http/middleware/cors.hpp"
#include "http/router.hpp"
#include "metrics/usage_counters.hpp"
#include "net/http_handler.hpp"

namespace hearth::http {

struct RequestHandlerConfig {
  double rate_limit_per_minute = 120;  // per user, REST API
  std::size_t body_limit = 64 * 1024;  // REST request bodies
};

class RequestHandler final : public net::HttpHandler {
 public:
  using ReadinessCheck = std::function<void(std::function<void(bool)>)>;

  // `auth_failures`: failed authentications per client address, shared with the Socket.IO sign-in (so a guesser
  // cannot switch protocols to go on).
  RequestHandler(VideoCallApi& api, const auth::JwtVerifier& verifier, const CorsPolicy& cors, const Clock& clock,
                 RateLimiter& auth_failures, RequestHandlerConfig cfg, ReadinessCheck readiness);

  // Mounts an endpoint (Engine.IO) beside the REST routes; not owned; must outlive this handler. CORS applies.
  void mount(net::Endpoint& endpoint) { endpoints_.push_back(&endpoint); }
  // Adds the quality and analytics routes; `analytics` is not owned and must outlive this handler.
  void add_routes(AnalyticsApi& analytics);
  // Where REST answers are counted (usage analytics): every answer of a route, of an unknown path and of a refused
  // request, not health checks, CORS preflights or mounted endpoints. Not owned; may stay unset.
  void set_usage_counters(metrics::UsageCounters* usage) { usage_ = usage; }

  void handle(net::Request req, const net::ConnectionInfo& conn, net::Responder respond) override;
  std::size_t body_limit(const net::Request& header) override;
  std::size_t max_body_limit() const override;
  net::Response transport_error(errc code, const net::Request* req, std::string_view message) override;
  std::optional<net::Response> upgrade_refusal(const net::Request& req, const net::ConnectionInfo& conn) override;
  void upgrade(boost::beast::tcp_stream stream, net::Request req, const net::ConnectionInfo& conn,
               net::ConnectionSlot slot) override;

 private:
  using Route = std::function<void(ApiRequest)>;
  void fail(const net::Request& req, const net::Responder& respond, const Error& e) const;
  // Adds CORS headers to the answer, and counts it when `count` (a REST answer).
  net::Responder with_cors(const net::Request& req, net::Responder respond, bool count) const;

  VideoCallApi& api_;                  // owned by the server
  const auth::JwtVerifier& verifier_;  // owned by the server
  const CorsPolicy& cors_;             // owned by the server
  const Clock& clock_;                 // owned by the server
  RateLimiter& auth_failure_limiter_;  // owned by the server, shared with signaling
  RequestHandlerConfig cfg_;
  ReadinessCheck readiness_;
  net::Endpoint* endpoint_for(std::string_view target) const;
  std::vector<net::Endpoint*> endpoints_;  // mounted endpoints, not owned
  Router<Route> router_;
  RateLimiter user_limiter_;
  metrics::UsageCounters* usage_ = nullptr;  // owned by the server
};

}  // namespace hearth::http
