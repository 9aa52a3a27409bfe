#pragma once
// The live state of one call: who is connected to it right now, from which socket, and who is within the
// reconnect grace. An actor on one shard (net/shards.hpp; the shard of the socket whose join created it): everything
// runs on that shard's thread (post work to it with run()).
// The durable state (the session document) lives in the store; the room is what relaying and broadcasting
// read, so the hot path never touches the store.
// Ownership: held by the service's room map while the call has members; members' sockets are weak.
// Thread safety: run() from any thread; everything else on the room's shard.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "calls/call_session.hpp"
#include "calls/quality.hpp"
#include "net/shards.hpp"
#include "realtime/socketio/socket.hpp"

namespace hearth::signaling {

struct Member {
  std::string user_id;
  std::string name;
  std::string socket_id;
  std::string peer_id;
  std::weak_ptr<realtime::socketio::Socket> socket;
  calls::MediaState media;
  TimePoint joined_at{};
  TimePoint join_started{};  // this socket's join: the start of its connection set-up
  bool answered = false;     // an answer was relayed to or from this socket since it joined
  bool connected = true;
  std::unique_ptr<boost::asio::steady_timer> grace;  // running while disconnected
  std::string breakout;  // the breakout room the member is in ("" the main call): relays stay within it
};

class CallRoom : public std::enable_shared_from_this<CallRoom> {
 public:
  CallRoom(boost::asio::any_io_executor shard, std::string session_id)
      : executor_(std::move(shard)), session_id_(std::move(session_id)) {}

  const std::string& session_id() const noexcept { return session_id_; }
  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }

  // True if the caller may use the room right now: it runs on the room's shard.
  bool runs_here() const noexcept { return net::running_in_this_thread(executor_); }

  // Later, on the room's shard (from another shard: net/shards.hpp's batched hand-off).
  template <class Fn>
  void run(Fn&& fn) {
    net::post(executor_, [self = shared_from_this(), fn = std::forward<Fn>(fn)]() mutable { fn(*self); });
  }

  // On the room's shard:
  Member* find_user(std::string_view user_id);
  Member* find_socket(std::string_view socket_id);  // connected members only
  Member& add(Member m);
  void remove_user(std::string_view user_id);
  std::vector<Member>& members() noexcept { return members_; }
  const std::vector<Member>& members() const noexcept { return members_; }
  // Sends a pre-encoded packet to every connected member but `except_socket_id`.
  void broadcast(const std::shared_ptr<const std::string>& packet, std::string_view except_socket_id = {}) const;
  // The call's members on other nodes (a cluster): from the stored session at each join here, then from the joins
  // and leaves the other nodes tell. Quality reports name their sockets, and the nodes they are on share the
  // call's quality state. At most kMaxRemote (one per user; a user's newer socket replaces the older).
  struct Remote {
    std::string socket_id;
    std::string user_id;
  };
  static constexpr std::size_t kMaxRemote = 64;
  const std::vector<Remote>& remote() const noexcept { return remote_; }
  const Remote* find_remote(std::string_view socket_id) const;
  const Remote* find_remote_user(std::string_view user_id) const;
  void set_remote(std::string_view socket_id, std::string_view user_id);
  void drop_remote(std::string_view user_id, std::string_view socket_id = {});  // any socket of the user if empty

  // Breakout rooms (calls/breakout.hpp): each user's room while they are open, members here or on other nodes (users
  // in the main call left out). Replaced whole from the stored session; members' `breakout` follows.
  void set_breakout(std::vector<std::pair<std::string, std::string>> rooms);
  std::string_view breakout_of(std::string_view user_id) const;
  // A relay from `from_user` to `to_user` stays within a room.
  bool same_breakout(std::string_view from_user, std::string_view to_user) const {
    return breakout_.empty() || breakout_of(from_user) == breakout_of(to_user);
  }

  bool ended = false;  // set when the call ended: the room takes no more members
  // Set (any thread) when the service's room map lets go of the room: the shards' relay caches then do too.
  std::atomic<bool> dropped{false};
  // The call's type (calls::SessionType) once counted in hearth_calls_active.
  int counted_type = -1;

  // Connection quality (calls/quality.hpp): created by the first report or measure, saved to the store from time to
  // time and when the call ends.
  std::unique_ptr<calls::QualityTracker> quality;
  TimePoint quality_saved_at{};
  bool quality_unsaved = false;
  calls::QualityTracker& tracker() {
    if (!quality) quality = std::make_unique<calls::QualityTracker>();
    return *quality;
  }

 private:
  boost::asio::any_io_executor executor_;
  std::string session_id_;
  std::vector<Member> members_;  // at most MAX_CALL_PARTICIPANTS
  std::vector<Remote> remote_;
  std::vector<std::pair<std::string, std::string>> breakout_;  // user, room
};

}  // namespace hearth::signaling
