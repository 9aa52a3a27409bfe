#pragma once
// Per-socket signaling state, and the registry that finds sockets by id and by user.
// Thread safety: Peer's fields are guarded by its mutex (touched by its socket's executor and by call rooms);
// the Registry is sharded behind mutexes and touched once per connect, auth, join or lookup.
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/token_bucket.hpp"
#include "realtime/socketio/socket.hpp"

namespace hearth::signaling {

class Peer {
 public:
  explicit Peer(std::shared_ptr<realtime::socketio::Socket> socket);

  const std::string& socket_id() const noexcept { return socket_id_; }
  std::shared_ptr<realtime::socketio::Socket> socket() const { return socket_.lock(); }

  std::shared_ptr<const auth::Principal> principal() const;  // null until authenticated
  void set_principal(auth::Principal p);

  void add_session(const std::string& id);
  void remove_session(const std::string& id);
  std::vector<std::string> sessions() const;
  bool in_session(std::string_view id) const;

  // Set when the socket disconnects, before its calls are told: a join that completes later sees it.
  void mark_closed() noexcept { closed_.store(true, std::memory_order_release); }
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  // Token bucket of client events; false when over the rate.
  bool take_event_token(TimePoint now, double per_second, double burst);
  // Token bucket of call_quality_report events (allocated by the first one: most sockets never send any).
  bool take_report_token(TimePoint now, double per_second, double burst);
  // Token bucket of chat_message events (allocated by the first one).
  bool take_chat_token(TimePoint now, double per_second, double burst);

  // The calls this socket waits to be admitted to (docs/call-controls.md): left when it disconnects.
  void add_waiting(const std::string& id);
  bool remove_waiting(const std::string& id);  // false if it was not waiting there
  std::vector<std::string> waiting() const;

  // On the socket's executor only: the authentication timeout of a socket that connected without a token, until it
  // authenticates.
  std::optional<boost::asio::steady_timer> auth_timer;

 private:
  const std::string socket_id_;
  std::weak_ptr<realtime::socketio::Socket> socket_;  // the Socket.IO client owns the socket
  mutable std::mutex mutex_;
  std::shared_ptr<const auth::Principal> principal_;
  std::set<std::string, std::less<>> sessions_;
  std::atomic<bool> closed_{false};
  std::optional<TokenBucket> events_;  // started by the first event
  std::unique_ptr<TokenBucket> reports_;
  std::unique_ptr<TokenBucket> chats_;
  std::set<std::string, std::less<>> waiting_;
};

class Registry {
 public:
  void add(const std::shared_ptr<Peer>& peer);
  std::shared_ptr<Peer> remove(const std::string& socket_id);
  std::shared_ptr<Peer> find(const std::string& socket_id) const;
  // Adds `socket_id` to the user's sockets; false (nothing changed) if the user has `max_sockets` already.
  bool bind_user(const std::string& user_id, const std::string& socket_id, std::size_t max_sockets);
  void unbind_user(const std::string& user_id, const std::string& socket_id);
  std::vector<std::shared_ptr<Peer>> peers_of(const std::string& user_id) const;
  std::size_t size() const;
  std::size_t users() const;  // users with at least one bound socket

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<Peer>> by_socket;
    std::unordered_map<std::string, std::vector<std::string>> sockets_by_user;
  };
  Shard& shard(const std::string& key) const;
  mutable std::array<Shard, 16> shards_;
};

}  // namespace hearth::signaling
