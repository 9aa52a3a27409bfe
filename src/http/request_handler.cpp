#include "http/request_handler.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "http/response.hpp"

namespace hearth::http {
namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

// Header values live in Beast's field storage, which goes on past each value: beast::iequals (Boost 1.81) reads one
// byte past both strings after a case difference (see auth/jwt.cpp).
bool is_json_content_type(std::string_view ct) {
  const auto semi = ct.find(';');
  auto type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return boost::beast::iequals(type, "application/json");
}

std::string bearer_token(const net::Request& req) {
  const auto header = req[bhttp::field::authorization];
  constexpr std::string_view prefix = "Bearer ";
  if (header.size() <= prefix.size()) return {};
  if (!boost::beast::iequals(header.substr(0, prefix.size()), prefix)) return {};
  auto token = header.substr(prefix.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return std::string(token);
}

// A route calling `handler` on `api` (owned by the server, outlives the routes).
template <class Api>
std::function<void(ApiRequest)> route(Api& api, void (Api::*handler)(ApiRequest)) {
  return [&api, handler](ApiRequest r) { (api.*handler)(std::move(r)); };
}

}  // namespace

RequestHandler::RequestHandler(VideoCallApi& api, const auth::JwtVerifier& verifier, const CorsPolicy& cors,
                               const Clock& clock, RateLimiter& auth_failures, RequestHandlerConfig cfg,
                               ReadinessCheck readiness)
    : api_(api),
      verifier_(verifier),
      cors_(cors),
      clock_(clock),
      auth_failure_limiter_(auth_failures),
      cfg_(cfg),
      readiness_(std::move(readiness)),
      user_limiter_(cfg.rate_limit_per_minute) {
  using bhttp::verb;
  router_.add(verb::post, "/api/video-call/initiate", route(api, &VideoCallApi::initiate));
  router_.add(verb::post, "/api/video-call/join/:sessionId", route(api, &VideoCallApi::join));
  router_.add(verb::get, "/api/video-call/session/:sessionId", route(api, &VideoCallApi::get_session));
  router_.add(verb::put, "/api/video-call/session/:sessionId/media", route(api, &VideoCallApi::update_media));
  router_.add(verb::post, "/api/video-call/session/:sessionId/end", route(api, &VideoCallApi::end));
  router_.add(verb::get, "/api/video-call/session/:sessionId/chat", route(api, &VideoCallApi::chat));
  router_.add(verb::get, "/api/video-call/history", route(api, &VideoCallApi::history));
  router_.add(verb::get, "/api/video-call/ice-servers", route(api, &VideoCallApi::ice_servers));
}

void RequestHandler::add_routes(AnalyticsApi& analytics) {
  using bhttp::verb;
  router_.add(verb::get, "/api/video-call/session/:sessionId/quality", route(analytics, &AnalyticsApi::quality));
  router_.add(verb::get, "/api/video-call/analytics", route(analytics, &AnalyticsApi::analytics));
}

void RequestHandler::fail(const net::Request& req, const net::Responder& respond, const Error& e) const {
  auto res = error_response(e, api_.development());
  res.version(req.version());
  respond(std::move(res));
}

net::Responder RequestHandler::timed(net::Responder respond, std::size_t route,
                                     std::chrono::steady_clock::time_point started) const {
  return respond.wrap([metrics = metrics_, respond, route, started](net::Response res) {
    metrics->observe(metrics::Histogram::http, route, metrics::seconds_since(started));
    if (res.result_int() >= 400) metrics->rest_error(res.result_int());
    respond(std::move(res));
  });
}

net::Responder RequestHandler::with_cors(const net::Request& req, net::Responder respond, bool count) const {
  // Copy only what decorate() reads: the request itself moves on to the route handler.
  net::Request headers_only;
  if (auto origin = req.find(bhttp::field::origin); origin != req.end())
    headers_only.set(bhttp::field::origin, origin->value());
  auto* usage = count ? usage_ : nullptr;
  return respond.wrap([this, headers_only = std::move(headers_only), respond, usage](net::Response res) {
    cors_.decorate(headers_only, res);
    if (usage) usage->rest_answered(res.result_int());
    respond(std::move(res));
  });
}

namespace {

// Counts a request in flight for as long as any copy of its Responder lives.
struct InFlight {
  explicit InFlight(std::shared_ptr<std::atomic<std::int64_t>> n) : count(std::move(n)) {
    count->fetch_add(1, std::memory_order_relaxed);
  }
  ~InFlight() { count->fetch_sub(1, std::memory_order_relaxed); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  std::shared_ptr<std::atomic<std::int64_t>> count;
};

}  // namespace

void RequestHandler::handle(net::Request req, const net::ConnectionInfo& conn, net::Responder respond) {
  const auto started = std::chrono::steady_clock::now();  // hearth_http_request_duration_seconds
  respond = respond.wrap([this, respond, guard = std::make_shared<InFlight>(in_flight_)](net::Response res) {
    if (draining_.load(std::memory_order_relaxed)) res.keep_alive(false);
    respond(std::move(res));
  });
  if (auto pre = cors_.preflight(req)) return respond(std::move(*pre));
  auto* endpoint = endpoint_for(req.target());
  const auto [path, query] = split_target(req.target());
  const bool health = req.method() == bhttp::verb::get && (path == "/healthz" || path == "/readyz");
  if (metrics_endpoint_ && path == MetricsEndpoint::kPath) return respond(metrics_endpoint_->answer(req, conn));
  // Every REST answer is counted here, once: the routes', and the refusals below (404, 405, 401, 429...).
  respond = with_cors(req, std::move(respond), !endpoint && !health);
  if (endpoint) return endpoint->handle_http(std::move(req), conn, respond);

  if (req.method() == bhttp::verb::get && path == "/healthz") return respond(ok("ok", json::object{{"status", "up"}}));
  if (req.method() == bhttp::verb::get && path == "/readyz") {
    const bool dev = api_.development();
    if (draining_.load(std::memory_order_relaxed))
      return respond(error_response(make_error(errc::unavailable, "Shutting down"), dev));
    return readiness_([respond, dev](std::string problem) {
      if (problem.empty()) return respond(ok("ok", json::object{{"status", "ready"}}));
      respond(error_response(make_error(errc::unavailable, std::move(problem)), dev));
    });
  }

  auto match = router_.match(req.method(), path);
  if (metrics_) respond = timed(std::move(respond), metrics::route_index(match.pattern), started);
  if (!match.handler) {
    if (!match.path_known) return fail(req, respond, make_error(errc::not_found, "Route not found"));
    auto res = error_response(make_error(errc::method_not_allowed, "Method not allowed"), api_.development());
    res.set(bhttp::field::allow, match.allow);
    return respond(std::move(res));
  }

  if (!req.body().empty() && !is_json_content_type(req[bhttp::field::content_type]))
    return fail(req, respond, make_error(errc::unsupported_media_type, "Content-Type must be application/json"));

  const auto now = clock_.now();
  const std::string token = bearer_token(req);
  if (token.empty()) {
    if (metrics_) metrics_->auth_failed(metrics::AuthTransport::rest);
    return fail(req, respond, make_error(errc::unauthenticated, "Authentication required: Bearer token missing"));
  }
  auto principal = verifier_.verify(token, now);
  if (!principal) {
    if (metrics_) metrics_->auth_failed(metrics::AuthTransport::rest);
    if (auth_failure_limiter_.acquire(conn.client, now)) {
      if (metrics_) metrics_->rate_limited(metrics::RateLimit::auth_failures);
      auto res = error_response(make_error(errc::rate_limited, "Too many failed authentications"), api_.development());
      res.set(bhttp::field::retry_after, "60");
      return respond(std::move(res));
    }
    return fail(req, respond, principal.error());
  }
  if (auto wait = user_limiter_.acquire(principal->user_id, now)) {
    if (metrics_) metrics_->rate_limited(metrics::RateLimit::rest_requests);
    auto res = error_response(make_error(errc::rate_limited, "Too many requests, slow down"), api_.development());
    res.set(bhttp::field::retry_after, std::to_string(std::max<std::int64_t>(1, wait->count())));
    return respond(std::move(res));
  }

  ApiRequest api_req{std::move(req), {}, std::string(query), std::move(*principal), std::move(respond)};
  for (const auto& [name, value] : match.params)
    if (name == "sessionId") api_req.session_id = std::string(value);
  (*match.handler)(std::move(api_req));
}

net::Response RequestHandler::transport_error(errc code, const net::Request* req, std::string_view message) {
  std::string text(message);
  if (text.empty()) {
    text = "Malformed request";
    if (code == errc::payload_too_large)
      text =
          req && req->payload_size() ? "Request body too large" : "Request too large (body or headers over the limit)";
    if (code == errc::not_found) text = "Route not found";
  }
  auto res = error_response(make_error(code, std::move(text)), api_.development());
  // A refused request counts as a REST answer unless a mounted endpoint (Engine.IO) owns its path.
  if (usage_ && !(req && endpoint_for(req->target()))) usage_->rest_answered(res.result_int());
  if (metrics_ && !(req && endpoint_for(req->target()))) metrics_->rest_error(res.result_int());
  if (req) cors_.decorate(*req, res);
  return res;
}

void RequestHandler::refuse(errc code, const net::Request* req, std::string_view message,
                            const net::Responder& respond) {
  auto res = transport_error(code, req, message);
  auto* endpoint = req && code == errc::payload_too_large ? endpoint_for(req->target()) : nullptr;
  if (!endpoint) return respond(std::move(res));
  endpoint->request_refused(*req, [respond, res = std::move(res)]() mutable { respond(std::move(res)); });
}

net::Endpoint* RequestHandler::endpoint_for(std::string_view target) const {
  for (auto* e : endpoints_)
    if (e->owns(target)) return e;
  return nullptr;
}

std::size_t RequestHandler::body_limit(const net::Request& header) {
  if (auto* endpoint = endpoint_for(header.target())) return endpoint->body_limit();
  return cfg_.body_limit;
}

std::size_t RequestHandler::max_body_limit() const {
  std::size_t limit = cfg_.body_limit;
  for (const auto* e : endpoints_) limit = std::max(limit, e->body_limit());
  return limit;
}

std::optional<net::Response> RequestHandler::upgrade_refusal(const net::Request& req, const net::ConnectionInfo& conn) {
  auto* endpoint = endpoint_for(req.target());
  auto refusal = endpoint ? endpoint->upgrade_refusal(req, conn) : transport_error(errc::not_found, &req, {});
  if (refusal && endpoint) cors_.decorate(req, *refusal);
  return refusal;
}

void RequestHandler::upgrade(boost::beast::tcp_stream stream, net::Request req, const net::ConnectionInfo& conn,
                             net::ConnectionSlot slot) {
  if (auto* endpoint = endpoint_for(req.target()))
    endpoint->handle_upgrade(std::move(stream), std::move(req), conn, std::move(slot));
}

}  // namespace hearth::http
