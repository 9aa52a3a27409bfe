#pragma once
// The HTTP application: CORS, routing, health checks, authentication, rate limiting and dispatch to the
// REST API; WebSocket upgrades are passed to the realtime layer (when one is attached).
// Thread safety: handle() runs on many connections at once, on several shards; members are immutable or thread safe
// (routes and the usage counters are set before the server starts).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/rate_limiter.hpp"
#include "http/api/analytics_api.hpp"
#include "http/api/video_call_api.hpp"
#include "http/metrics_endpoint.hpp"
#include "http/middleware/cors.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "metrics/usage_counters.hpp"
#include "net/http_handler.hpp"

namespace hearth::http {

struct RequestHandlerConfig {
  double rate_limit_per_minute = 120;  // per user, REST API
  std::size_t body_limit = 64 * 1024;  // REST request bodies
};

class RequestHandler final : public net::HttpHandler {
 public:
  // Answers what keeps the server from being ready ("Store unavailable"), or an empty string when it is ready.
  using ReadinessCheck = std::function<void(std::function<void(std::string problem)>)>;

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
  // GET /metrics: where REST answers are timed and errors, refusals and failed authentications counted, and the
  // endpoint that answers /metrics on this port (null: not here; METRICS_PORT). Not owned; set before the start.
  void set_metrics(metrics::Metrics* metrics, const MetricsEndpoint* endpoint) {
    metrics_ = metrics;
    metrics_endpoint_ = endpoint;
  }

  // Graceful shutdown: from now on /readyz answers 503 and every answer closes its connection (Connection: close),
  // so a load balancer and keep-alive clients move elsewhere. Any thread.
  void begin_drain() { draining_.store(true, std::memory_order_relaxed); }
  // Requests handed to this handler whose answer has not been written yet (its Responder is alive).
  std::int64_t in_flight() const { return in_flight_->load(std::memory_order_relaxed); }

  void handle(net::Request req, const net::ConnectionInfo& conn, net::Responder respond) override;
  std::size_t body_limit(const net::Request& header) override;
  std::size_t max_body_limit() const override;
  net::Response transport_error(errc code, const net::Request* req, std::string_view message) override;
  void refuse(errc code, const net::Request* req, std::string_view message, const net::Responder& respond) override;
  std::optional<net::Response> upgrade_refusal(const net::Request& req, const net::ConnectionInfo& conn) override;
  void upgrade(boost::beast::tcp_stream stream, net::Request req, const net::ConnectionInfo& conn,
               net::ConnectionSlot slot) override;

 private:
  using Route = std::function<void(ApiRequest)>;
  void fail(const net::Request& req, const net::Responder& respond, const Error& e) const;
  // Adds CORS headers to the answer, and counts it when `count` (a REST answer).
  net::Responder with_cors(const net::Request& req, net::Responder respond, bool count) const;
  // Observes the answer's time under `route` (metrics::kRoutes) and counts it if it is an error.
  net::Responder timed(net::Responder respond, std::size_t route, std::chrono::steady_clock::time_point started) const;

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
  // GET /metrics, both owned by the server.
  metrics::Metrics* metrics_ = nullptr;
  const MetricsEndpoint* metrics_endpoint_ = nullptr;
  std::atomic<bool> draining_{false};
  // Shared with the guards the Responders hold, which may outlive a request the handler forgot.
  std::shared_ptr<std::atomic<std::int64_t>> in_flight_ = std::make_shared<std::atomic<std::int64_t>>(0);
};

}  // namespace hearth::http
