#pragma once
// The Socket.IO side of one Engine.IO session: decodes packets, keeps the session's namespace sockets,
// reassembles binary packets and dispatches to the namespaces' handlers. A session that connects no namespace
// within connect_timeout, or is left without one for that long, is closed.
// Ownership: owned by its engineio::Session (as its SessionHandler); owns its Sockets.
// Thread safety: runs on the session's shard only.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "realtime/engineio/session.hpp"
#include "realtime/socketio/binary.hpp"
#include "realtime/socketio/namespace_handler.hpp"

namespace hearth::realtime::socketio {

struct Options {
  std::chrono::milliseconds connect_timeout{45'000};  // the reference server's default
  std::size_t max_attachments = kDefaultMaxAttachments;
  std::size_t max_binary_bytes = kDefaultMaxBinaryBytes;
};

// Looks up the handler of a namespace; nullptr refuses it ("Invalid namespace").
using NamespaceLookup = std::function<NamespaceHandler*(std::string_view nsp)>;

class Client final : public engineio::SessionHandler {
 public:
  Client(std::weak_ptr<engineio::Session> session, const Options& options, NamespaceLookup lookup);
  ~Client() override;

  void on_message(std::string_view data, bool binary) override;
  void on_close(std::string_view reason) override;
  // Not while its connect timer runs (no namespace socket yet, or none left): that timer is the shard's.
  bool may_move() const override { return !connect_timer_.has_value(); }

  // Removes a namespace socket; `notify_client` sends it a DISCONNECT packet.
  void disconnect_socket(std::string_view nsp, std::string_view reason, bool notify_client);

 private:
  struct Entry {
    std::shared_ptr<Socket> socket;
    NamespaceHandler* handler;  // owned by the application, outlives every session
  };

  void arm_connect_timer();
  void on_text(std::string_view packet);
  void on_connect(const Header& h);
  void dispatch_event(const Header& h, std::span<const std::string> attachments);
  Entry* find(std::string_view nsp);
  void fail(std::string_view reason);

  std::weak_ptr<engineio::Session> session_;
  const Options& options_;  // owned by the application
  NamespaceLookup lookup_;
  std::vector<Entry> sockets_;
  BinaryReassembler reassembler_;
  std::optional<boost::asio::steady_timer> connect_timer_;
  std::string scratch_;
};

}  // namespace hearth::realtime::socketio
