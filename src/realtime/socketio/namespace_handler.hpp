#pragma once
// What an application implements to serve a Socket.IO namespace (signaling serves "/").
// Thread safety: every call for one socket runs on that socket's session executor; calls for different sockets
// may run concurrently on different threads.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "realtime/socketio/socket.hpp"

namespace hearth::realtime::socketio {

struct IncomingEvent {
  std::string_view name;
  std::string_view args;  // raw JSON of the arguments after the name, comma-separated ("" if none)
  std::string_view data;  // the whole raw data array
  std::optional<std::uint64_t> ack_id;
  std::span<const std::string> attachments;  // binary events: the buffers behind the placeholders
};

class NamespaceHandler {
 public:
  virtual ~NamespaceHandler() = default;
  // CONNECT with its auth payload (raw JSON object text, or empty). An error refuses it with CONNECT_ERROR
  // carrying the error's message.
  virtual Result<void> on_connect(const std::shared_ptr<Socket>& socket, std::string_view auth_json) = 0;
  virtual void on_event(const std::shared_ptr<Socket>& socket, const IncomingEvent& event) = 0;
  // Client or server disconnect, or the session closing. Once per connected socket.
  virtual void on_disconnect(const std::shared_ptr<Socket>& socket, std::string_view reason) = 0;
};

}  // namespace hearth::realtime::socketio
