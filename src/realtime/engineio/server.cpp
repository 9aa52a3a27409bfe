#include "realtime/engineio/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

#include "core/query.hpp"
#include "core/random.hpp"
#include "net/serial_executor.hpp"

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

net::Response error_answer(EngineError e) {
  static constexpr std::string_view messages[] = {
      "Transport unknown", "Session ID unknown", "Bad handshake method",
      "Bad request",       "Forbidden",          "Unsupported protocol version"};
  const auto code = static_cast<int>(e);
  net::Response res{e == EngineError::forbidden ? bhttp::status::forbidden : bhttp::status::bad_request, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = boost::json::serialize(boost::json::object{{"code", code}, {"message", messages[code]}});
  return res;
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
      registry_(std::make_shared<Registry>()) {
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

std::shared_ptr<Session> Server::create(asio::any_io_executor strand) {
  std::weak_ptr<Registry> weak_registry = registry_;
  auto session = std::make_shared<Session>(std::move(strand), random_base36(20), options_,
                                           [weak_registry](const std::string& sid) {
                                             if (auto r = weak_registry.lock()) {
                                               std::lock_guard lock(r->mutex);
                                               r->sessions.erase(sid);
                                             }
                                           });
  std::lock_guard lock(registry_->mutex);
  registry_->sessions.emplace(session->sid(), session);
  spdlog::debug("engine.io session {} opened", session->sid());
  return session;
}

void Server::handle_http(net::Request req, const net::Responder& respond) {
  const auto q = parse_query(req.target());
  if (auto err = check_query(q, "polling")) {
    return respond(error_answer(q.transport == "websocket" && !q.eio.empty() ? EngineError::bad_request : *err));
  }
  if (q.sid.empty()) {
    if (req.method() != bhttp::verb::get) return respond(error_answer(EngineError::bad_handshake_method));
    auto session = create(net::serial_executor(ioc_));
    asio::dispatch(session->executor(), [this, session, req = std::move(req), respond] {
      if (on_session_) on_session_(session, req);
      session->open_polling(respond);
    });
    return;
  }
  auto session = find(q.sid);
  if (!session) return respond(error_answer(EngineError::unknown_sid));
  if (req.method() == bhttp::verb::get) {
    asio::dispatch(session->executor(), [session, respond] { session->on_poll_get(respond); });
  } else if (req.method() == bhttp::verb::post) {
    asio::dispatch(session->executor(), [session, body = std::move(req.body()), respond]() mutable {
      session->on_poll_post(std::move(body), respond);
    });
  } else {
    respond(error_answer(EngineError::bad_request));
  }
}

void Server::handle_upgrade(boost::beast::tcp_stream stream, net::Request req) {
  const auto q = parse_query(req.target());
  auto refuse = [&](EngineError e) {
    // Before the handshake, so a plain HTTP error answer is what the client sees.
    auto res = error_answer(e);
    res.prepare_payload();
    boost::system::error_code ec;
    bhttp::write(stream, res, ec);
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  };
  if (auto err = check_query(q, "websocket")) return refuse(*err);
  std::shared_ptr<Session> session = q.sid.empty() ? nullptr : find(q.sid);
  if (!q.sid.empty() && (!session || !session->is_polling())) return refuse(EngineError::unknown_sid);
  if (!session) session = create(stream.get_executor());
  // Home the socket on the session's strand, so WebSocket callbacks and session state share one strand.
  auto native = stream.release_socket();
  const auto protocol = native.local_endpoint().protocol();
  asio::ip::tcp::socket socket(session->executor(), protocol, native.release());
  auto ws = std::make_shared<net::WebSocketConnection>(std::move(socket), ws_limits_);
  const bool fresh = q.sid.empty();
  asio::dispatch(session->executor(), [this, session, ws, req = std::move(req), fresh] {
    if (!ws->accept(req)) return;  // the handshake answer failed; the connection is closed
    if (fresh) {
      if (on_session_) on_session_(session, req);
      session->open_websocket(ws);
    } else {
      session->on_upgrade_request(ws);
    }
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
