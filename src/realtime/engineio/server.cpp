#include "realtime/engineio/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

#include "core/query.hpp"
#include "core/random.hpp"
#include "metrics/metrics.hpp"
#include "net/shards.hpp"
#include "net/websocket_frame.hpp"

namespace hearth::realtime::engineio {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// The reference server's error codes.
enum class EngineError {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5
};

net::Response answer(bhttp::status status, int code, std::string_view message) {
  net::Response res{status, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = boost::json::serialize(boost::json::object{{"success", false}, {"code", code}, {"message", message}});
  res.prepare_payload();
  return res;
}

net::Response error_answer(EngineError e) {
  static constexpr std::string_view messages[] = {
      "Transport unknown", "Session ID unknown", "Bad handshake method",
      "Bad request",       "Forbidden",          "Unsupported protocol version"};
  const auto code = static_cast<int>(e);
  return answer(e == EngineError::forbidden ? bhttp::status::forbidden : bhttp::status::bad_request, code,
                messages[code]);
}

struct Query {
  std::string eio, transport, sid;
};

Query parse_query(std::string_view target) {
  const auto params = hearth::parse_query(query_of(target));
  return Query{query_value(params, "EIO"), query_value(params, "transport"), query_value(params, "sid")};
}

// Validates EIO and transport; nullopt when fine.
std::optional<EngineError> check_query(const Query& q, std::string_view expected_transport) {
  if (q.eio != "4") return EngineError::unsupported_protocol_version;
  if (q.transport != "polling" && q.transport != "websocket") return EngineError::unknown_transport;
  if (!expected_transport.empty() && q.transport != expected_transport) return EngineError::bad_request;
  return std::nullopt;
}

}  // namespace

Server::Server(asio::io_context& ioc, Options options, net::WebSocketLimits ws_limits, OnSession on_session)
    : ioc_(ioc),
      options_(std::move(options)),
      ws_limits_(ws_limits),
      on_session_(std::move(on_session)),
      registry_(std::make_shared<Registry>()),
      handshakes_(options_.handshakes_per_minute),
      unauthenticated_(std::make_shared<net::ConnectionCounter>(options_.max_unauthenticated_sessions,
                                                                options_.max_unauthenticated_per_address)) {
  ws_limits_.max_message = std::min(ws_limits_.max_message, options_.max_payload);
}

Server::~Server() = default;

bool Server::owns(std::string_view target) const {
  const auto path = target.substr(0, target.find('?'));
  return path == options_.path || (path.size() + 1 == options_.path.size() && options_.path.starts_with(path));
}

std::shared_ptr<Session> Server::find(const std::string& sid) const {
  std::lock_guard lock(registry_->mutex);
  auto it = registry_->sessions.find(sid);
  if (it == registry_->sessions.end())
    spdlog::debug("engine.io session {} not in the registry", sid);
  else if (it->second.expired())
    spdlog::debug("engine.io session {} expired", sid);
  return it == registry_->sessions.end() ? nullptr : it->second.lock();
}

std::variant<net::ConnectionSlot, net::Response> Server::admit(const std::string& client) {
  const auto now = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  if (auto wait = handshakes_.acquire(client, now)) {
    if (options_.metrics) options_.metrics->rate_limited(metrics::RateLimit::handshakes);
    auto res = answer(bhttp::status::too_many_requests, static_cast<int>(EngineError::forbidden),
                      "Too many connection attempts from this address, retry later");
    res.set(bhttp::field::retry_after, std::to_string(wait->count()));
    return res;
  }
  net::ConnectionCounter::Refusal why{};
  if (auto slot = unauthenticated_->acquire(client, why)) return std::move(*slot);
  return answer(bhttp::status::service_unavailable, static_cast<int>(EngineError::forbidden),
                why == net::ConnectionCounter::Refusal::address
                    ? "Too many unauthenticated connections from this address"
                    : "Too many unauthenticated connections, retry later");
}

std::shared_ptr<Session> Server::create(asio::any_io_executor executor, const std::string& client,
                                        net::ConnectionSlot unauthenticated) {
  std::weak_ptr<Registry> weak_registry = registry_;
  std::string id = options_.id_prefix + net::shard_prefix(executor) + random_base36(20);
  auto session = std::make_shared<Session>(
      std::move(executor), std::move(id), options_,
      [weak_registry](const std::string& sid) {
        if (auto r = weak_registry.lock()) {
          std::lock_guard lock(r->mutex);
          r->sessions.erase(sid);
        }
      },
      client, std::move(unauthenticated));
  std::lock_guard lock(registry_->mutex);
  registry_->sessions.emplace(session->sid(), session);
  spdlog::debug("engine.io session {} opened", session->sid());
  return session;
}

asio::any_io_executor Server::place(const net::Request& handshake, asio::any_io_executor landed) const {
  if (placement_)
    if (auto chosen = placement_(handshake)) return chosen;
  return landed;
}

void Server::handle_http(net::Request req, const net::ConnectionInfo& conn, const net::Responder& respond) {
  const auto q = parse_query(req.target());
  if (auto err = check_query(q, "polling")) {
    return respond(error_answer(q.transport == "websocket" && !q.eio.empty() ? EngineError::bad_request : *err));
  }
  if (q.sid.empty()) {
    if (req.method() != bhttp::verb::get) return respond(error_answer(EngineError::bad_handshake_method));
    auto admitted = admit(conn.client);
    if (auto* refusal = std::get_if<net::Response>(&admitted)) return respond(std::move(*refusal));
    auto session =
        create(place(req, net::this_shard_or(ioc_)), conn.client, std::get<net::ConnectionSlot>(std::move(admitted)));
    net::dispatch(session->executor(), [this, session, req = std::move(req), respond] {
      if (on_session_) on_session_(session, req);
      session->open_polling(respond);
    });
    return;
  }
  auto session = find(q.sid);
  if (!session) return respond(error_answer(EngineError::unknown_sid));
  if (req.method() == bhttp::verb::get) {
    session->run([session, respond] { session->on_poll_get(respond); });
  } else if (req.method() == bhttp::verb::post) {
    session->run([session, body = std::move(req.body()), respond]() mutable {
      session->on_poll_post(std::move(body), respond);
    });
  } else {
    respond(error_answer(EngineError::bad_request));
  }
}

std::optional<net::Response> Server::upgrade_refusal(const net::Request& req, const net::ConnectionInfo&) {
  const auto q = parse_query(req.target());
  if (auto err = check_query(q, "websocket")) return error_answer(*err);
  if (auto why = net::ws::check_upgrade(req)) return answer(bhttp::status::bad_request, 3, *why);
  if (!q.sid.empty()) {
    auto session = find(q.sid);
    if (!session || !session->is_polling()) return error_answer(EngineError::unknown_sid);
  }
  return std::nullopt;
}

void Server::handle_upgrade(boost::beast::tcp_stream stream, net::Request req, const net::ConnectionInfo& conn,
                            net::ConnectionSlot slot) {
  const auto q = parse_query(req.target());
  std::shared_ptr<Session> session = q.sid.empty() ? nullptr : find(q.sid);
  net::ConnectionSlot unauthenticated;
  std::optional<net::Response> refusal;
  if (!q.sid.empty() && (!session || !session->is_polling())) {
    refusal = error_answer(EngineError::unknown_sid);  // gone since upgrade_refusal() looked
  } else if (!session) {
    auto admitted = admit(conn.client);
    if (auto* r = std::get_if<net::Response>(&admitted))
      refusal = std::move(*r);
    else
      unauthenticated = std::get<net::ConnectionSlot>(std::move(admitted));
  }
  // Home the socket on the session's shard (a polling session's upgrade may arrive on another one), so WebSocket
  // callbacks and session state share one thread. A new session lives where the placement says (the shard of the
  // call it names), else where its connection landed.
  const auto executor = session ? session->executor() : place(req, stream.get_executor());
  auto native = stream.release_socket();
  const auto protocol = native.local_endpoint().protocol();
  asio::ip::tcp::socket socket(executor, protocol, native.release());
  auto ws = std::make_shared<net::WebSocketConnection>(std::move(socket), ws_limits_, std::move(slot));
  if (refusal) {
    // Answered like a failed handshake, without blocking: the connection sends it and closes.
    refusal->set(bhttp::field::connection, "close");
    net::dispatch(executor, [ws, res = std::move(*refusal)] { ws->refuse(res); });
    return;
  }
  if (!session) session = create(executor, conn.client, std::move(unauthenticated));
  const bool fresh = q.sid.empty();
  net::dispatch(session->executor(), [this, session, ws, req = std::move(req), fresh] {
    if (!ws->accept(req)) return;  // refused (the checks ran before, so not expected); the connection closes
    if (fresh) {
      if (on_session_) on_session_(session, req);
      session->open_websocket(ws);
    } else {
      session->on_upgrade_request(ws);
    }
  });
}

void Server::request_refused(const net::Request& header, std::function<void()> then) {
  const auto q = parse_query(header.target());
  auto session = q.sid.empty() || header.method() != bhttp::verb::post ? nullptr : find(q.sid);
  if (!session) return then();
  // On the session's thread, where close() acts at once.
  session->run([session, then = std::move(then)] {
    session->close("payload too large");
    then();
  });
}

std::size_t Server::session_count() const {
  std::lock_guard lock(registry_->mutex);
  return registry_->sessions.size();
}

void Server::close_all() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(registry_->mutex);
    for (auto& [sid, weak] : registry_->sessions)
      if (auto s = weak.lock()) sessions.push_back(std::move(s));
  }
  for (auto& s : sessions) s->close("server shutting down");
}

}  // namespace hearth::realtime::engineio
