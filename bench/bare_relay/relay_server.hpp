#pragma once
// A bare relay on the same stack as hearth-call (Asio + Beast, one thread), for the "physical limit" of a relay
// on this machine: no auth, no store, no rooms, no JSON validation, no strands. It speaks just enough of
// hearth-call's API for hearth-bench's relay scenario: POST /api/video-call/initiate answers a made-up session,
// Socket.IO CONNECT and join_call_session are acknowledged, and webrtc_* events go to their targetSocketId with
// fromSocketId spliced in.
// Two ways to write:
//   beast  Beast's websocket::stream, one async_write per message (idiomatic, as in Beast's chat-multi example)
//   lean   hearth-call's own net::WebSocketConnection: each socket's queued frames leave in one send
// Thread safety: single-threaded (one io_context, one thread).
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace bare {

enum class Mode { beast, lean };

class Peer;

// The sockets by Socket.IO id. Peers register themselves and are held weakly.
class Registry {
 public:
  void add(const std::string& sid, const std::shared_ptr<Peer>& p) { peers_[sid] = p; }
  void remove(const std::string& sid) { peers_.erase(sid); }
  std::shared_ptr<Peer> find(std::string_view sid) const;
  std::string next_sid() { return "bare" + std::to_string(++counter_); }
  std::string next_session() { return "bare_session_" + std::to_string(++sessions_); }

 private:
  std::unordered_map<std::string, std::weak_ptr<Peer>> peers_;
  std::uint64_t counter_ = 0, sessions_ = 0;
};

// What the relay does with a text message, whichever WebSocket carries it.
class Peer : public std::enable_shared_from_this<Peer> {
 public:
  Peer(Registry& registry) : registry_(registry), sid_(registry.next_sid()) {}
  virtual ~Peer() = default;
  virtual void send(std::shared_ptr<const std::string> text) = 0;
  const std::string& sid() const { return sid_; }

 protected:
  void opened();
  void on_text(std::string_view msg);
  void closed() { registry_.remove(sid_); }

 private:
  Registry& registry_;
  std::string sid_;
};

class Server {
 public:
  Server(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& at, Mode mode);
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void start() { do_accept(); }

 private:
  void do_accept();

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Mode mode_;
  Registry registry_;
};

}  // namespace bare
