#pragma once
// WebRTC signaling over Socket.IO (namespace "/"): authentication, joining and leaving calls, relaying
// offers/answers/ICE candidates between the members of a call, media state, declines, invitations, call end
// announcements, and reconnection within a grace period.
// Durable changes (join, leave, media, decline) go through the store and are announced after they commit;
// relaying reads only the call's room (see room.hpp).
// Ownership: created by the app; outlives every session (the app closes sessions before destroying it).
// Thread safety: NamespaceHandler calls arrive on the socket's shard (net/shards.hpp), CallEvents calls from any
// thread; rooms are actors on the shard of the socket whose join created them; the registry and room map are behind
// mutexes (touched per connection, join and leave; a relay reads its shard's room cache).
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "auth/jwt.hpp"
#include "calls/events.hpp"
#include "calls/limits.hpp"
#include "cluster/bus.hpp"
#include "core/clock.hpp"
#include "core/rate_limiter.hpp"
#include "core/string_hash.hpp"
#include "ice/ice_servers.hpp"
#include "metrics/metrics.hpp"
#include "metrics/usage_counters.hpp"
#include "realtime/socketio/namespace_handler.hpp"
#include "signaling/bus_messages.hpp"
#include "signaling/expiry_wheel.hpp"
#include "signaling/peer.hpp"
#include "signaling/room.hpp"
#include "store/store.hpp"

namespace hearth::signaling {

struct SignalingOptions {
  std::chrono::milliseconds auth_timeout{10'000};     // a socket must authenticate within this
  std::chrono::milliseconds reconnect_grace{15'000};  // RECONNECT_GRACE_SECONDS
  double events_per_second = 100;                     // per socket, sustained
  double event_burst = 200;                           // per socket, burst
  // Sockets one user may have open (tabs, devices, a reconnect overlapping the old socket): the per-socket limits
  // must not multiply without bound. MAX_SOCKETS_PER_USER.
  std::size_t max_sockets_per_user = 16;
  double quality_reports_per_second = 1;  // call_quality_report, per socket
  double quality_report_burst = 5;
  std::chrono::milliseconds quality_save_interval{5'000};  // a call's quality summary is stored at most this often
  double chat_messages_per_second = 2;                     // chat_message, per socket (CHAT_MESSAGES_PER_SECOND)
  double chat_message_burst = 10;
  // A WebSocket that joins a call held by another shard moves there (MOVE_SOCKETS_TO_CALLS; off: only to measure
  // or rule out the move, docs/architecture.md "Moving a socket to its call").
  bool move_sockets = true;
  // The previous run's seats (expire_previous_run) end no sooner than this after the start, nor than reconnect_grace.
  std::chrono::milliseconds least_previous_run_grace{10'000};
};

class SignalingService final : public realtime::socketio::NamespaceHandler, public calls::CallEvents {
 public:
  // `auth_failures`: failed authentications per client address, shared with REST.
  SignalingService(boost::asio::io_context& ioc, store::Store& store, const auth::JwtVerifier& verifier,
                   RateLimiter& auth_failures, const ice::IceServers& ice, const Clock& clock, calls::Limits limits,
                   SignalingOptions options);

  Result<void> on_connect(const std::shared_ptr<realtime::socketio::Socket>& socket, std::string_view auth) override;
  void on_event(const std::shared_ptr<realtime::socketio::Socket>& socket,
                const realtime::socketio::IncomingEvent& event) override;
  void on_disconnect(const std::shared_ptr<realtime::socketio::Socket>& socket, std::string_view reason) override;

  void initiated(const calls::CallSession& session) override;
  void media_changed(const calls::CallSession& session, const std::string& user_id) override;
  void ended(const calls::CallSession& session) override;
  // The session's breakout round was closed (stored as closed): the rooms here and on the other nodes follow, and the
  // call hears breakout_rooms_closed. From any thread.
  void breakout_closed(const calls::CallSession& session);

  std::size_t connected_sockets() const { return registry_.size(); }
  // Graceful shutdown: sockets about to be closed keep their seats (no reconnect grace ends in a leave from now on).
  void begin_drain() { draining_.store(true, std::memory_order_relaxed); }
  // Where handled events and sent call_errors are counted (usage analytics); not owned, may stay unset. Set before
  // the first connection.
  void set_usage_counters(metrics::UsageCounters* usage) { usage_ = usage; }
  // Where GET /metrics' signaling counters, gauges and histograms are kept; not owned, may stay unset. Set before the
  // first connection.
  void set_metrics(metrics::Metrics* metrics) { metrics_ = metrics; }
  // Distinct users with an authenticated socket now (hearth_authenticated_users). Any thread.
  std::size_t authenticated_users() const { return registry_.users(); }
  // Several nodes (cross_node.cpp): what happens here is told to the other nodes over `bus`, and what they tell
  // arrives from it. Not owned; set before the bus starts and the first connection; null (the default): one node.
  void set_bus(cluster::Bus* bus);
  // A node alone (no bus), once at start, before it takes connections: the seats and waiting places that sockets of
  // its previous run still hold in the store (a kill -9 or a crash left them) end a reconnect grace from now, as a
  // disconnected socket's would, unless their user came back and joined again through a socket of this run. (With a
  // bus the held sets do it.)
  void expire_previous_run();
  // The number of shards (net/shards.hpp) whose threads call: each gets a cache of the rooms its relays use. Set
  // before the first connection; without it (tests) relays look in the shared room map.
  void set_shards(unsigned count);
  // Where a new Engine.IO session should live, from its handshake's target: a client that names the call it
  // connects for (`callId` in the query, as the web client does) is placed on that call's shard — its room's, or
  // the shard the call's id hashes to before it has one — so a call whose members all name it relays within one
  // shard. Empty (where the connection landed) without a valid `callId` or with one shard. On the handshake's shard.
  boost::asio::any_io_executor placement(std::string_view handshake_target);

 private:
  using SocketPtr = std::shared_ptr<realtime::socketio::Socket>;
  struct Context;  // one client event being handled
  // A stored join: the session, and the socket that held the seat before when it was still taken (a second tab, a
  // reconnect, a node that died).
  struct Joined {
    calls::CallSession session;
    std::string previous_socket;
    bool waiting = false;                      // the user waits in the waiting room (not joined)
    bool waiting_changed = false;              // the waiting room's list changed (tell the hosts)
    std::vector<calls::WaitingUser> admitted;  // users admitted by this join (a therapy call's host came in)
  };

  void authenticate(Context& ctx);
  // A failed sign-in, counted against the client's address: the error to answer (rate_limited past the limit,
  // and then the connection is closed after the answer).
  Error refuse_sign_in(const SocketPtr& socket, std::string message);
  // Binds the peer to `principal` within the per-user socket limit and arms its token's expiry.
  Result<void> sign_in(const std::shared_ptr<Peer>& peer, const auth::Principal& principal);
  void on_expiry_tick();
  bool expired(const auth::Principal& principal, TimePoint now) const;
  static void disconnect_expired(const realtime::socketio::Socket& socket);
  void join(Context& ctx);
  void leave(Context& ctx);
  void relay(Context& ctx, std::span<const std::string> attachments);
  void media(Context& ctx);
  void decline(Context& ctx);
  void quality_report(Context& ctx);
  void ice_servers(Context& ctx);  // get_ice_servers
  // On the room's shard: tells the call what changed in its quality; stores the summary when due (or `now`).
  void announce_quality(CallRoom& rm, const calls::QualityChanges& changes);
  // Whether this node stores the call's quality summary and raises its alerts: of the nodes holding its members,
  // the one with the smallest id (every such node has the whole state, cross_node.cpp); always on a single node.
  bool keeps_quality(const CallRoom& rm) const;
  // A report of a member here, to the nodes holding the call's other members.
  void share_quality(const CallRoom& rm, const calls::QualityReport& report);
  void on_quality_elsewhere(const BusMessage& m);
  void save_quality(CallRoom& rm, bool now);
  // On the room's shard: the current levels and bottleneck, for a socket that just joined.
  static void send_quality_state(CallRoom& rm, const realtime::socketio::Socket& to);

  void on_joined(const std::shared_ptr<Peer>& peer, const auth::Principal& who, Joined joined, std::string peer_id,
                 Context ctx);
  void on_socket_lost(const std::shared_ptr<Peer>& peer);
  void start_grace(CallRoom& rm, Member& m, bool announce);
  void expire_grace(const std::string& session_id, const std::string& user_id, const std::string& socket_id);
  // `announce_end`: an ended session's end is announced too (once per session: false for all but the last of several
  // users who left in one operation).
  void announce_left(const calls::CallSession& session, const std::string& user_id, const std::string& socket_id,
                     bool announce_end = true);
  void drop_member(CallRoom& rm, const std::string& user_id, const std::string& socket_id,
                   const std::shared_ptr<const std::string>& pkt, bool must_match);
  void close_locally(const std::string& session_id, std::string_view pkt, const std::vector<std::string>& users);

  // --- call controls (call_controls.cpp; docs/call-controls.md) ---
  void admit_participant(Context& ctx);
  void deny_participant(Context& ctx);
  void moderate(Context& ctx);
  void chat(Context& ctx);
  // A join that ended in the waiting room: the socket is told, the hosts get the new list.
  void on_waiting(Context& c, const calls::CallSession& session, bool changed);
  // waiting_room_updated to every socket of the call's hosts.
  void announce_waiting(const calls::CallSession& session);
  // A user the store made active from their waiting socket: that socket's node completes the join (call_session_joined
  // to it, user_joined_call to the call).
  void join_admitted(const calls::CallSession& session, const calls::WaitingUser& admitted);
  void admitted_here(const std::string& session_id, const std::string& socket_id);  // on the socket's node
  void complete_admission(const calls::CallSession& session, const std::string& socket_id);
  // A waiting socket went away: it leaves the waiting rooms it was in.
  void leave_waiting_rooms(const std::shared_ptr<Peer>& peer);
  // Every socket of `users`, on every node.
  void send_to_users(const std::vector<std::string>& users, const std::shared_ptr<const std::string>& pkt);
  // The call's connected sockets, on every node.
  void send_to_call(const std::string& session_id, const std::shared_ptr<const std::string>& pkt);

  // --- breakout rooms (breakout.cpp) ---
  void open_breakout_rooms(Context& ctx);
  void join_breakout_room(Context& ctx);
  void close_breakout_rooms(Context& ctx);
  // The stored rooms to the call's rooms here and on the other nodes (relays follow them).
  void apply_breakout(const calls::CallSession& session);
  // Closes the round opened at `opened_at` `after` from now (0: now), on shard 0: breakout_rooms_closed.
  void close_breakout_later(const std::string& session_id, TimePoint opened_at, std::chrono::seconds after);

  // --- several nodes (cross_node.cpp) ---
  // True if `socket_id` belongs to another node (a cluster, and its prefix names another node).
  bool is_remote(std::string_view socket_id) const noexcept;
  // Tells every other node (nothing on a single node). Logged, not fatal, when the bus cannot carry it.
  void tell_nodes(BusKind kind, std::initializer_list<std::string_view> fields,
                  const std::vector<std::string>& more = {});
  // A relay to a socket of another node: checked against the sender's membership here, and against the target's
  // there (a refusal comes back as call_error).
  void relay_remote(Context& ctx, const std::shared_ptr<CallRoom>& r, std::string_view session_id,
                    std::string_view target, std::span<const std::string> attachments, metrics::RelayKind kind);
  void on_bus_message(std::string_view from_node, std::string_view text);
  // The seats this node's sockets hold, kept with the bus for the survivors if this node dies.
  void hold_seat(std::string_view session_id, std::string_view user_id, std::string_view socket_id, bool hold);
  // Every 2 s: a node whose heartbeat is gone has its seats expired a reconnect grace later (unless it is back).
  void watch_nodes();
  void check_nodes();
  void take_over_later(std::string node);
  void take_over(std::string node);
  void expire_seats_in_rooms(const std::string& node);
  // Whether a seat's or waiting place's socket is gone. Run in store operations: a pure test of the id.
  using SocketTest = std::function<bool(std::string_view socket_id)>;
  // In each of `sessions`: the seats of gone sockets expire (expire_grace) and their waiting places are left.
  void expire_seats(std::vector<std::string> sessions, SocketTest gone);
  void read_previous_run(store::LiveCursor after);
  using PreviousRunCall = std::pair<std::string, std::set<std::string, std::less<>>>;  // session, its sockets
  // On shard 0: the next few of previous_run_ (their store operations in flight at once are bounded).
  void expire_previous_run_calls();
  // One store operation: the call's seats and waiting places held by those sockets end. `refused` (any thread) gets the
  // call back when the store refused the operation (its queue full), to be tried again.
  void expire_previous_run_call(PreviousRunCall call, std::function<void(std::optional<PreviousRunCall> refused)> done);
  void deliver_remote_relay(const BusMessage& m);
  void on_joined_elsewhere(const BusMessage& m);

  // The call's room; `create`: made if missing, on `home` (else the calling shard, else shard 0).
  std::shared_ptr<CallRoom> room(std::string_view session_id, bool create, boost::asio::any_io_executor home = {});
  // The room of a relay: from the calling shard's cache (no lock, no reference count touched), else from the map
  // (then into `holder`, or into the cache). Null if the call has no room here.
  CallRoom* relay_room(std::string_view session_id, std::shared_ptr<CallRoom>& holder);
  void drop_room(const std::string& session_id);
  void count_joined(CallRoom& rm, const calls::CallSession& session);  // GET /metrics' rooms and participants
  void count_leaving(const CallRoom& rm, const Member& m);
  // The connected peers of `users` (and of `*also` first, if given); empty when none is online.
  std::vector<std::shared_ptr<Peer>> online_peers(const std::vector<std::string>& users,
                                                  const std::string* also = nullptr) const;
  static void send_to(const std::vector<std::shared_ptr<Peer>>& peers, const std::shared_ptr<const std::string>& pkt);

  boost::asio::io_context& ioc_;
  store::Store& store_;                // owned by the app
  const auth::JwtVerifier& verifier_;  // owned by the app
  RateLimiter& auth_failures_;         // owned by the app, shared with REST
  const ice::IceServers& ice_;         // owned by the app
  const Clock& clock_;                 // owned by the app
  calls::Limits limits_;
  SignalingOptions options_;
  metrics::UsageCounters* usage_ = nullptr;               // owned by the app
  metrics::Metrics* metrics_ = nullptr;                   // owned by the app
  cluster::Bus* bus_ = nullptr;                           // owned by the app; null on a single node
  std::string node_id_;                                   // bus_->node_id()
  std::optional<boost::asio::steady_timer> nodes_timer_;  // watch_nodes(); on shard 0
  // expire_previous_run(): what the previous run's sockets held (read on the store's thread, then handed to shard 0,
  // whose timer ends them).
  std::vector<PreviousRunCall> previous_run_;
  std::size_t previous_run_sockets_ = 0;
  std::optional<boost::asio::steady_timer> previous_run_timer_;  // on shard 0
  std::vector<std::string> known_nodes_;                         // on shard 0
  Registry registry_;
  ExpiryWheel<Peer> expiries_;
  boost::asio::steady_timer expiry_timer_;  // ticks while expiries_ holds anything; on shard 0
  std::atomic<bool> draining_{false};
  std::mutex rooms_mutex_;
  std::unordered_map<std::string, std::shared_ptr<CallRoom>, StringHash, std::equal_to<>> rooms_;
  // By shard index; each touched by its shard's thread only. Rooms the map dropped are pruned as the cache grows.
  struct RoomCache {
    std::unordered_map<std::string, std::shared_ptr<CallRoom>, StringHash, std::equal_to<>> rooms;
    std::size_t prune_at = 64;
  };
  std::vector<RoomCache> room_caches_;
};

}  // namespace hearth::signaling
