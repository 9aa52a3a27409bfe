#pragma once
// A Socket.IO socket: one client's connection to one namespace, over an Engine.IO session.
// Ownership: owned by its Client (per Engine.IO session); others (signaling registries) hold weak_ptr.
// Thread safety: emit/ack/disconnect may be called from any thread (they go to the session's shard through the
// Engine.IO session); id() and nsp() are immutable.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "realtime/engineio/session.hpp"

namespace hearth::realtime::socketio {

class Socket : public std::enable_shared_from_this<Socket> {
 public:
  Socket(std::string id, std::string nsp, std::weak_ptr<engineio::Session> session);

  const std::string& id() const noexcept { return id_; }
  const std::string& nsp() const noexcept { return nsp_; }
  // The executor of the socket's session: its shard (its events are delivered there).
  boost::asio::any_io_executor executor() const;

  // Emits an event whose arguments are raw JSON texts.
  void emit(std::string_view event, std::initializer_list<std::string_view> args) const;
  void emit(std::string_view event, std::span<const std::string_view> args) const;
  // Acknowledges the client's event `ack_id` with raw JSON arguments.
  void ack(std::uint64_t ack_id, std::initializer_list<std::string_view> args) const;
  // Sends a pre-encoded Socket.IO packet text (e.g. "2[...]"), shared between receivers when broadcast.
  void send_encoded(std::shared_ptr<const std::string> engine_packet) const;
  // The same for one receiver: copied into its connection at once when the caller runs on its shard.
  void send_encoded(std::string_view engine_packet) const;
  // A text packet followed by binary attachments, in order.
  void send_with_attachments(std::string sio_packet, std::span<const std::string_view> attachments) const;
  // Moves the socket's Engine.IO session to the shard that runs `to` when it can (engineio::Session::move_to).
  void move_to(const boost::asio::any_io_executor& to) const;
  // Server-side disconnect of this namespace socket (the client gets DISCONNECT); with `close_transport`, the
  // whole Engine.IO session is closed after it (the client does not reconnect by itself).
  void disconnect(bool close_transport = false) const;
  // The client's address key (net::address_key) from its Engine.IO session; empty once the session is gone.
  std::string client() const;
  // The client has authenticated: its session no longer counts among the unauthenticated ones.
  void mark_authenticated() const;
  // What the namespace handler keeps with the socket (signaling's Peer), set when it connects: every event finds it
  // here, without a lookup in a map shared by the shards. On the socket's shard only.
  void set_context(std::shared_ptr<void> context) noexcept { context_ = std::move(context); }
  const std::shared_ptr<void>& context() const noexcept { return context_; }

 private:
  std::string id_;
  std::string nsp_;
  std::weak_ptr<engineio::Session> session_;  // the session owns the Client that owns this socket
  std::shared_ptr<void> context_;
};

// The engine packet text for a Socket.IO packet: "4" + packet (what Socket::send_encoded takes).
std::shared_ptr<const std::string> make_engine_packet(std::string_view sio_packet);

}  // namespace hearth::realtime::socketio
