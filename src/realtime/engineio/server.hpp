#pragma once
// The Engine.IO endpoint: the handshake, routing of polling requests and WebSocket upgrades to sessions by sid,
// and the error answers of the reference server ({"code":N,"message":...} with HTTP 400/403).
// Ownership: owned by the application; outlives the sessions' use of it (sessions keep only a weak registry).
// Thread safety: handle_*() run on connection strands; the registry is behind a mutex (touched once per poll,
// upgrade or session, never per relayed message).
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "net/http_handler.hpp"
#include "net/websocket_connection.hpp"
#include "realtime/engineio/options.hpp"
#include "realtime/engineio/session.hpp"

namespace hearth::realtime::engineio {

class Server final : public net::Endpoint {
 public:
  // Called on the new session's strand before any of its packets is handled: attach a SessionHandler.
  using OnSession = std::function<void(const std::shared_ptr<Session>&, const net::Request& handshake)>;

  Server(boost::asio::io_context& ioc, Options options, net::WebSocketLimits ws_limits, OnSession on_session);
  ~Server() override;

  bool owns(std::string_view target) const override;  // the request is for this endpoint
  std::size_t body_limit() const override { return options_.max_payload; }
  void handle_http(net::Request req, const net::Responder& respond) override;
  void handle_upgrade(boost::beast::tcp_stream stream, net::Request req) override;

  std::size_t session_count() const;
  void close_all();
  const Options& options() const noexcept { return options_; }

 private:
  struct Registry {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::weak_ptr<Session>> sessions;
  };

  std::shared_ptr<Session> find(const std::string& sid) const;
  std::shared_ptr<Session> create(boost::asio::any_io_executor strand);

  boost::asio::io_context& ioc_;
  Options options_;
  net::WebSocketLimits ws_limits_;
  OnSession on_session_;
  std::shared_ptr<Registry> registry_;
};

}  // namespace hearth::realtime::engineio
