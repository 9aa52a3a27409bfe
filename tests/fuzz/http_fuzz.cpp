// Fuzz target for the HTTP request path: the input is the byte stream of one keep-alive connection, parsed by
// Beast's request parser with the server's limits, and every request is handed to the real http::RequestHandler
// (CORS, routing, authentication, rate limiting, the REST API, the quality and analytics endpoints, validation) over
// the real Store thread with an in-memory repository, reset for every input. In the input, "$A", "$B" and "$C" stand
// for valid tokens of alice, bob and carol (an admin; the fuzzer cannot sign tokens), and "$S" for the id of the last
// call created. Properties:
//  - every request gets exactly one answer, with a status the API documents;
//  - every answer but a preflight is the JSON envelope {"success": status < 400, "message": "..."};
//  - CORS headers appear exactly for the allowed origin, echoing it; 405 answers carry Allow;
//  - no header value carries CR or LF (nothing the client sent is echoed into a header unchecked).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/jwt.hpp"
#include "core/rate_limiter.hpp"
#include "fuzz_check.hpp"
#include "http/api/analytics_api.hpp"
#include "http/api/video_call_api.hpp"
#include "http/middleware/cors.hpp"
#include "http/request_handler.hpp"
#include "ice/ice_servers.hpp"
#include "memory_repository.hpp"
#include "net/websocket_frame.hpp"
#include "store/store.hpp"

namespace {

using namespace hearth;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

constexpr std::string_view kSecret = "fuzzing-secret-0123456789";
constexpr std::string_view kOrigin = "https://app.example";
const TimePoint kStart = from_epoch_ms(1'700'000'000'000);

// Read by the store thread and the caller: atomic. Reset for every input.
class FuzzClock final : public Clock {
 public:
  TimePoint now() const override { return from_epoch_ms(ms_.load()); }
  void set(TimePoint t) { ms_.store(to_epoch_ms(t)); }

 private:
  std::atomic<std::int64_t> ms_{to_epoch_ms(kStart)};
};

auth::JwtConfig jwt_config() {
  auth::JwtConfig cfg;
  cfg.secret = kSecret;
  return cfg;
}

ice::IceConfig ice_config() {
  ice::IceConfig cfg;
  cfg.stun_urls = {"stun:stun.example:3478"};
  cfg.turn_urls = {"turn:turn.example:3478"};
  cfg.turn_secret = "turn-secret";  // per-user TURN REST credentials in every answer that carries ICE servers
  return cfg;
}

// Everything that outlives one input. The Store thread is started once; its repository is reset per input.
struct World {
  FuzzClock clock;
  fuzz::MemoryRepository* repo;  // owned by the store
  store::Store store;
  auth::JwtVerifier verifier{jwt_config()};
  ice::IceServers ice{ice_config()};
  http::CorsPolicy cors{{std::string(kOrigin)}, false};
  std::string token_a = auth::mint_hs256(kSecret, "alice", "Alice", "", std::chrono::hours(24), kStart);
  std::string token_b = auth::mint_hs256(kSecret, "bob", "Bob", "", std::chrono::hours(24), kStart);
  std::string token_c = auth::mint_hs256(kSecret, "carol", "", "admin", std::chrono::hours(24), kStart);

  World() : World(std::make_unique<fuzz::MemoryRepository>()) {}
  explicit World(std::unique_ptr<fuzz::MemoryRepository> r) : repo(r.get()), store(std::move(r)) {}
};

World& world() {
  static World w;
  return w;
}

// One answer, delivered from whichever thread completes the request.
struct Answer {
  std::mutex mutex;
  std::condition_variable cv;
  int count = 0;
  std::optional<net::Response> response;
};

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// No 500: nothing in this setting may fail internally.
const std::set<unsigned> kStatuses = {200, 201, 204, 400, 401, 403, 404, 405, 409, 410, 413, 415, 429, 503};

void check_answer(const net::Response& res, bool preflight, bool origin_allowed, std::string_view origin) {
  const unsigned status = res.result_int();
  HEARTH_FUZZ_CHECK(kStatuses.contains(status));
  for (const auto& field : res)
    for (const char c : field.value()) HEARTH_FUZZ_CHECK(c != '\r' && c != '\n');
  const auto allow_origin = res.find(bhttp::field::access_control_allow_origin);
  HEARTH_FUZZ_CHECK((allow_origin != res.end()) == origin_allowed);
  if (origin_allowed) HEARTH_FUZZ_CHECK(allow_origin->value() == origin);
  if (status == 405) HEARTH_FUZZ_CHECK(!res[bhttp::field::allow].empty());
  if (preflight) {
    HEARTH_FUZZ_CHECK(status == (origin_allowed ? 204 : 403) && res.body().empty());
    return;
  }
  boost::system::error_code ec;
  const json::value body = json::parse(res.body(), ec);
  HEARTH_FUZZ_CHECK(!ec && body.is_object());
  const auto* success = body.as_object().if_contains("success");
  HEARTH_FUZZ_CHECK(success != nullptr && success->is_bool() && success->get_bool() == (status < 400));
  const auto* message = body.as_object().if_contains("message");
  HEARTH_FUZZ_CHECK(message != nullptr && message->is_string());
}

// The session id of an answer to initiate, for "$S" in later requests.
void remember_session(const net::Response& res, std::string& last_session) {
  if (res.result() != bhttp::status::created) return;
  boost::system::error_code ec;
  const json::value body = json::parse(res.body(), ec);
  if (ec) return;
  const auto* data = body.as_object().if_contains("data");
  const auto* id = data && data->is_object() ? data->as_object().if_contains("sessionId") : nullptr;
  if (id != nullptr && id->is_string()) last_session = std::string(id->get_string());
}

void run_request(http::RequestHandler& handler, net::Request req, std::string& last_session) {
  replace_all(req.body(), "$S", last_session);
  if (req.target().find("$S") != std::string_view::npos) {
    std::string target(req.target());
    replace_all(target, "$S", last_session);
    req.target(target);
  }
  (void)net::ws::check_upgrade(req);  // any request may claim to be an upgrade

  const std::string origin(req[bhttp::field::origin]);
  const bool origin_allowed = origin == kOrigin;
  const bool preflight =
      req.method() == bhttp::verb::options && req.find(bhttp::field::access_control_request_method) != req.end();
  auto answer = std::make_shared<Answer>();
  net::ConnectionInfo conn;
  conn.remote = {boost::asio::ip::make_address("192.0.2.7"), 40000};
  handler.handle(std::move(req), conn, net::Responder([answer](net::Response res) {
                   std::lock_guard lock(answer->mutex);
                   ++answer->count;
                   answer->response = std::move(res);
                   answer->cv.notify_all();
                 }));
  std::unique_lock lock(answer->mutex);
  HEARTH_FUZZ_CHECK(answer->cv.wait_for(lock, std::chrono::seconds(20), [&] { return answer->count > 0; }));
  HEARTH_FUZZ_CHECK(answer->count == 1);
  check_answer(*answer->response, preflight, origin_allowed, origin);
  remember_session(*answer->response, last_session);
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  World& w = world();
  // Nothing is queued between inputs (every request was answered): the same empty state for each.
  w.repo->reset();
  w.clock.set(kStart);
  const std::uint8_t control = data[0];
  std::string stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  replace_all(stream, "$A", w.token_a);
  replace_all(stream, "$B", w.token_b);
  replace_all(stream, "$C", w.token_c);

  http::VideoCallApi api(w.store, w.ice, w.clock, calls::Limits{}, (control & 1) != 0);
  const bool ready = (control & 2) != 0;
  // Low rate limits, so the limiters' refusals are reached within one input.
  RateLimiter auth_failures(4);
  http::RequestHandler handler(
      api, w.verifier, w.cors, w.clock, auth_failures, http::RequestHandlerConfig{.rate_limit_per_minute = 6},
      [ready](std::function<void(std::string)> done) { done(ready ? "" : "Store unavailable"); });
  http::AnalyticsApi analytics(w.store, w.clock, (control & 1) != 0);  // carol ($C) is an admin
  handler.add_routes(analytics);

  std::string last_session = "call_1700000000000_abcdefghi";
  std::string_view rest = stream;
  for (int requests = 0; !rest.empty() && requests < 16; ++requests) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(16 * 1024);
    boost::system::error_code ec;
    const std::size_t header_used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    std::size_t used = header_used;
    // The server reads the header first, then the body with the limit the handler gives for that request.
    while (!ec && !parser.is_header_done() && used < rest.size()) {
      const std::size_t n = parser.put(boost::asio::buffer(rest.data() + used, rest.size() - used), ec);
      if (n == 0) break;
      used += n;
    }
    if (ec == bhttp::error::need_more) ec = {};
    if (ec || !parser.is_header_done()) break;
    parser.body_limit(handler.body_limit(parser.get()));
    parser.eager(true);
    while (!ec && !parser.is_done() && used < rest.size()) {
      const std::size_t n = parser.put(boost::asio::buffer(rest.data() + used, rest.size() - used), ec);
      if (n == 0) break;
      used += n;
    }
    if (!parser.is_done() && !ec) parser.put_eof(ec);  // the client closed its side
    if (ec || !parser.is_done()) break;
    rest.remove_prefix(used);
    w.clock.set(kStart + std::chrono::seconds(requests));
    run_request(handler, parser.release(), last_session);
  }
  return 0;
}
