#pragma once
// The Engine.IO endpoint: the handshake, routing of polling requests and WebSocket upgrades to sessions by sid,
// and the error answers of the reference server ({"code":N,"message":...} with HTTP 400/403, plus
// "success":false like every other error answer of the server). New sessions are limited per client address
// (handshakes per minute: 429) and while unauthenticated (in total and per address: 503), see Options.
// Ownership: owned by the application; outlives the sessions' use of it (sessions keep only a weak registry).
// Thread safety: handle_*() run on connections' shards; the registry is behind a mutex (touched once per poll,
// upgrade or session, never per relayed message).
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "core/rate_limiter.hpp"
#include "net/http_handler.hpp"
#include "net/websocket_connection.hpp"
#include "realtime/engineio/options.hpp"
#include "realtime/engineio/session.hpp"

namespace hearth::realtime::engineio {

class Server final : public net::Endpoint {
 public:
  // Called on the new session's shard before any of its packets is handled: attach a SessionHandler.
  using OnSession = std::function<void(const std::shared_ptr<Session>&, const net::Request& handshake)>;

  // Where a new session should live, from its handshake request (signaling: the shard of the call it names); an
  // empty executor: where its connection landed. Called on the shard that took the handshake.
  using Placement = std::function<boost::asio::any_io_executor(const net::Request& handshake)>;

  Server(boost::asio::io_context& ioc, Options options, net::WebSocketLimits ws_limits, OnSession on_session);
  ~Server() override;
  // Before the server takes requests.
  void set_placement(Placement placement) { placement_ = std::move(placement); }

  bool owns(std::string_view target) const override;  // the request is for this endpoint
  std::size_t body_limit() const override { return options_.max_payload; }
  void handle_http(net::Request req, const net::ConnectionInfo& conn, const net::Responder& respond) override;
  std::optional<net::Response> upgrade_refusal(const net::Request& req, const net::ConnectionInfo& conn) override;
  void handle_upgrade(boost::beast::tcp_stream stream, net::Request req, const net::ConnectionInfo& conn,
                      net::ConnectionSlot slot) override;
  // A polling POST over maxPayload: the session it was for is closed, as when its payload fails to decode, and
  // then the 413 is sent.
  void request_refused(const net::Request& header, std::function<void()> then) override;

  std::size_t session_count() const;
  void close_all();
  const Options& options() const noexcept { return options_; }

 private:
  struct Registry {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::weak_ptr<Session>> sessions;
  };

  std::shared_ptr<Session> find(const std::string& sid) const;
  // Admits a new session from `client` (the handshake limits): its place among the unauthenticated sessions, or
  // the error answer.
  std::variant<net::ConnectionSlot, net::Response> admit(const std::string& client);
  std::shared_ptr<Session> create(boost::asio::any_io_executor executor, const std::string& client,
                                  net::ConnectionSlot unauthenticated);
  // The executor of a new session: the placement's choice, else `landed`.
  boost::asio::any_io_executor place(const net::Request& handshake, boost::asio::any_io_executor landed) const;

  boost::asio::io_context& ioc_;
  Options options_;
  net::WebSocketLimits ws_limits_;
  OnSession on_session_;
  Placement placement_;
  std::shared_ptr<Registry> registry_;
  RateLimiter handshakes_;  // per client address
  std::shared_ptr<net::ConnectionCounter> unauthenticated_;
};

}  // namespace hearth::realtime::engineio
