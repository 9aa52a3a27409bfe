#pragma once
// `serve --protocol-conformance`: what the official socketio/engine.io-protocol and socketio/socket.io-protocol
// test suites expect of a server under test. Never on by default.
//   /engine.io/  a bare Engine.IO endpoint echoing every text and binary message
//   /socket.io/  namespaces "/" and "/custom": emits "auth" with the CONNECT payload; answers "message" with
//                "message-back" (same arguments, binary included); acknowledges "message-with-ack" with them.
// Thread safety: stateless handlers; calls arrive on their sessions' shards.
#include <memory>

#include "realtime/engineio/session.hpp"
#include "realtime/socketio/namespace_handler.hpp"

namespace hearth::app {

class EchoSession final : public realtime::engineio::SessionHandler {
 public:
  explicit EchoSession(std::weak_ptr<realtime::engineio::Session> session) : session_(std::move(session)) {}
  void on_message(std::string_view data, bool binary) override;
  void on_close(std::string_view) override {}

 private:
  std::weak_ptr<realtime::engineio::Session> session_;  // owns this handler
};

class ConformanceNamespace final : public realtime::socketio::NamespaceHandler {
 public:
  Result<void> on_connect(const std::shared_ptr<realtime::socketio::Socket>& socket, std::string_view auth) override;
  void on_event(const std::shared_ptr<realtime::socketio::Socket>& socket,
                const realtime::socketio::IncomingEvent& event) override;
  void on_disconnect(const std::shared_ptr<realtime::socketio::Socket>&, std::string_view) override {}
};

}  // namespace hearth::app
