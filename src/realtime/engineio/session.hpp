#pragma once
// One Engine.IO session: a client identified by its sid, reachable over HTTP long-polling or a WebSocket, with
// the polling -> websocket upgrade (probe "2probe"/"3probe", then "5"), server heartbeats (ping every
// ping_interval, pong within ping_timeout) and a bounded outbound queue.
// Ownership: kept alive by its heartbeat timer, its WebSocket and pending polling answers; the Server's registry
// holds it weakly. It owns its SessionHandler (the Socket.IO layer); the handler points back without owning.
// Thread safety: everything runs on the session's thread — its shard, or the one it moved to (move_to) —;
// send()/close()/run() may be called from any thread.
//
// Moving (docs/architecture.md, "Moving a socket to its call"): a WebSocket session can move, once, to another shard
// (its call's). The shard it was made on stays its mailbox: what others hand to the session goes there (executor()
// names it) and is forwarded from there, in order, to the new shard, which runs the session from then on (home()).
// Only the new shard itself skips the mailbox, and only after a fence: its own earlier hand-offs to the mailbox come
// back before it acts directly, so nothing one thread sends the session overtakes what it sent before.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/http_handler.hpp"
#include "net/shards.hpp"
#include "net/websocket_connection.hpp"
#include "realtime/engineio/options.hpp"
#include "realtime/engineio/packet.hpp"

namespace hearth::realtime::engineio {

// The layer above (Socket.IO). Called on the session's shard.
class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  virtual void on_message(std::string_view data, bool binary) = 0;  // a message packet's payload
  virtual void on_close(std::string_view reason) = 0;               // once; the session is gone after it
  // Whether the session may move to another shard now (nothing of the handler's is bound to this one).
  virtual bool may_move() const { return false; }
};

// An encoded outbound packet: for text, the whole Engine.IO packet ("42[...]"); for binary, the raw bytes.
// Shared so a message broadcast to many sessions is encoded once.
struct Outgoing {
  std::shared_ptr<const std::string> data;
  bool binary = false;
};

class Session : public std::enable_shared_from_this<Session>, public net::WebSocketHandler {
 public:
  using OnClosed = std::function<void(const std::string& sid)>;

  // `client`: the address key of the client (net::address_key), for per-address limits above; `unauthenticated`:
  // the session's place among those not yet authenticated, given back by mark_authenticated() or when it closes.
  Session(boost::asio::any_io_executor executor, std::string sid, const Options& options, OnClosed on_closed,
          std::string client = {}, net::ConnectionSlot unauthenticated = {});
  ~Session() override;

  const std::string& sid() const noexcept { return sid_; }
  const std::string& client() const noexcept { return client_; }
  // The layer above has authenticated the client: the session no longer counts as unauthenticated. On the executor.
  void mark_authenticated() { unauthenticated_ = {}; }
  // The shard the session was made on: its mailbox (see Moving above).
  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  // The session's thread: the shard it moved to, else executor(). Any thread.
  boost::asio::any_io_executor home() const;
  // Runs `fn` on the session's thread, after what the calling thread gave the session before (at once when the
  // caller is that thread and may act directly). `fn` keeps the session alive (it holds a shared_ptr to it): run()
  // adds no reference of its own, which relays between shards would pay for. Any thread.
  template <class Fn>
  void run(Fn&& fn);
  // Moves the session — its WebSocket, heartbeat and the handler above — to the shard that runs `to`, if it is
  // another one, the session has not moved before and its handler agrees; a session still on long-polling, or
  // upgrading, moves once it is on WebSocket. Any thread.
  void move_to(boost::asio::any_io_executor to);
  void set_handler(std::unique_ptr<SessionHandler> handler);

  // Thread safe. Text: `message` is the packet payload; "4" is prepended.
  void send_message(std::string message);
  void send_binary(std::string bytes);
  void send(Outgoing packet);  // a pre-encoded packet (see Outgoing)
  // A pre-encoded text packet, sent at once if the caller is on the session's shard and the session is on
  // WebSocket (copied straight into the connection's send buffer); otherwise like send() with a copy.
  void send_text_packet(std::string_view packet);
  void close(std::string reason);
  // Runs `fn` with the handler on the executor, if the session still has one then.
  void with_handler(std::function<void(SessionHandler&)> fn);

  // Transport entry points; call on the executor.
  void open_polling(const net::Responder& respond);  // answers the handshake with the open packet
  void open_websocket(std::shared_ptr<net::WebSocketConnection> ws);
  void on_poll_get(const net::Responder& respond);
  void on_poll_post(std::string body, const net::Responder& respond);
  void on_upgrade_request(std::shared_ptr<net::WebSocketConnection> ws);
  bool is_polling() const noexcept { return transport_ == Transport::polling; }

  // net::WebSocketHandler (on the executor: WebSocket sockets are homed on the session's shard).
  void on_message(std::string_view data, bool binary) override;
  void on_close(net::CloseReason reason) override;

 private:
  enum class Transport { polling, websocket };
  enum class State { open, closed };

  std::string open_packet(bool upgrades) const;
  void enqueue(Outgoing packet);
  // On the executor: on WebSocket, and the connection runs on this thread too, `data` is copied into its send buffer
  // now; returns false (nothing sent) otherwise.
  bool send_here(std::string_view data, bool binary);
  void flush();
  void answer_poll(std::string body);
  void handle_packet(const Packet& packet);
  void on_probe_message(std::string_view data, bool binary);
  void finish_upgrade();
  void cancel_upgrade();
  void schedule_ping();  // ping_interval from now
  void wait_heartbeat();
  void on_heartbeat();
  void expire_if_pong_overdue();
  void close_now(std::string_view reason, bool answer_poll_with_noop);
  void count_transport(int delta);
  // Moving (see above). begin_move on the mailbox's shard, adopt and unfence on the new one.
  template <class Fn>
  void at_mailbox(Fn&& fn);
  bool acts_here() const noexcept;  // the calling thread is the session's and may act directly
  bool on_own_thread() const noexcept;
  void begin_move(boost::asio::any_io_executor to);
  void adopt(net::WebSocketConnection::Released connection, std::chrono::steady_clock::time_point heartbeat_at);
  void unfence();

  boost::asio::any_io_executor executor_;
  std::string sid_;
  std::string client_;
  net::ConnectionSlot unauthenticated_;
  const Options& options_;  // owned by the Server, which outlives its sessions (see Server)
  OnClosed on_closed_;
  std::unique_ptr<SessionHandler> handler_;
  State state_ = State::open;
  Transport transport_ = Transport::polling;

  // Polling.
  std::optional<net::Responder> pending_get_;
  std::vector<Outgoing> queue_;
  std::size_t queued_bytes_ = 0;
  PayloadDecoder decoder_;

  // WebSocket: the active one, or the probe during an upgrade.
  std::shared_ptr<net::WebSocketConnection> ws_;
  bool upgrading_ = false;
  std::optional<boost::asio::steady_timer> upgrade_timer_;

  boost::asio::steady_timer heartbeat_;  // the next ping, then the pong deadline
  std::chrono::steady_clock::time_point pong_deadline_ = std::chrono::steady_clock::time_point::max();
  bool awaiting_pong_ = false;
  bool closing_ = false;  // polling: closed, but the client's next poll takes the queued packets first
  bool counted_ = false;  // opened, so counted in hearth_connected_sockets under transport_ until it closes
  std::string scratch_;

  // Moving. moved_to_ is written once, on the mailbox's thread; adopted_, fenced_ and held_ are the new shard's.
  std::atomic<net::Shard*> moved_to_{nullptr};
  std::optional<boost::asio::any_io_executor> wanted_;  // a move asked for while not on WebSocket yet
  bool adopted_ = false;
  bool fenced_ = false;
  bool forwarded_ = false;  // running what the mailbox forwarded: what it does itself acts at once, fenced or not
  std::vector<std::unique_ptr<net::detail::Task>> held_;  // the new shard's own calls while fenced
};

inline bool Session::acts_here() const noexcept {
  net::Shard* live = moved_to_.load(std::memory_order_acquire);
  if (live == nullptr) return net::running_in_this_thread(executor_);
  return net::Shards::current() == live && adopted_ && (!fenced_ || forwarded_);
}

template <class Fn>
void Session::run(Fn&& fn) {
  if (net::Shard* live = moved_to_.load(std::memory_order_acquire);
      live != nullptr && net::Shards::current() == live && adopted_) {
    if (!fenced_ || forwarded_) return fn();
    held_.push_back(std::make_unique<net::detail::FnTask<std::decay_t<Fn>>>(std::forward<Fn>(fn)));
    return;
  }
  net::dispatch(executor_, [this, fn = std::forward<Fn>(fn)]() mutable { at_mailbox(std::move(fn)); });
}

// On the mailbox's thread: runs `fn`, or forwards it to the shard the session moved to (behind what was forwarded
// before, and behind the adoption itself).
template <class Fn>
void Session::at_mailbox(Fn&& fn) {
  net::Shard* live = moved_to_.load(std::memory_order_relaxed);  // written by this thread
  if (live == nullptr) return fn();
  net::post(live->executor(), [this, fn = std::forward<Fn>(fn)]() mutable {
    const bool nested = std::exchange(forwarded_, true);
    fn();
    forwarded_ = nested;
  });
}

}  // namespace hearth::realtime::engineio
