#pragma once
// The bus between nodes over Redis pub/sub (cluster/bus.hpp; docs/architecture.md, "Several nodes").
//
// Channels and keys: node X listens on `hearth:node:X` (its own channel only); `hearth:nodes` is a sorted set of
// heartbeats, node id -> expiry in Redis' own milliseconds (TIME, so the nodes' clocks do not matter).
// Two connections (cluster/redis_connection.hpp): one publishes and runs commands, one is subscribed. The bus is up
// while both are up and subscribed; while it is down, send() and broadcast() return false and the heartbeat stops.
//
// Sending: send() appends the message to its destination's frame (cluster/bus_frame.hpp) under a short lock; the
// first message queued posts one flush, which runs after what the caller's turn of the event loop queued, and
// sends each destination's frame as ONE `PUBLISH hearth:node:<to> <frame>`. A frame holds at most
// `max_frame_bytes` (the next message starts a new frame; a larger message goes alone), so a busy turn sends several,
// in order. A frame carries this process's incarnation (random per start) and a sequence number shared by all its
// frames. Copies: frames are built in buffers kept from one flush to the next (one that a large message grew is
// given back), the PUBLISH is written around the frame in that same buffer and copied once, into hiredis, which
// writes it at once (cluster/redis_connection.hpp). Backpressure: while the publishing connection has `max_pending`
// commands unanswered, or the socket does not take what was written, frames wait in their queue; a queue holds at
// most `max_queue_bytes` (past it send() returns false and the drop is counted).
// Delivery is Redis pub/sub's: at most once. What is published while the destination's subscription is down (or
// between a publish and a lost connection) is lost, never reordered; the state handler says when that can happen.
// Receiving: frames from this node, and frames whose sequence is not above the last seen for their origin's
// incarnation (duplicates), are dropped; a new incarnation of an origin (it restarted) starts over. Messages are
// handed to the message handler in frame order, straight from the subscribed connection's read: the views it gets
// point into hiredis' reply and are valid only during the call (a handler copies what it keeps).
// Heartbeat: every `heartbeat_interval` while up: ZADD this node with expiry now + `node_ttl`, ZREMRANGEBYSCORE of
// entries expired more than `forget_after` ago, ZRANGEBYSCORE of the unexpired ones -> alive_nodes(). stop()
// removes this node's entry (ZREM) before closing; a node that dies expires after `node_ttl`.
//
// Thread safety: every public member may be called from any thread; handlers run on the bus's strand (made from the
// executor given), one at a time, and none starts after stop() or destruction. Destroying a bus that was not
// stopped closes its connections at once (to the others it is a node that died: its heartbeat expires).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "cluster/bus.hpp"
#include "cluster/redis_connection.hpp"
#include "cluster/redis_reply.hpp"
#include "core/result.hpp"

namespace hearth::cluster {

struct RedisBusOptions {
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds node_ttl{5000};        // a node whose heartbeat is older is dead
  std::chrono::milliseconds forget_after{60'000};  // expired heartbeats are removed from the set after this
  std::size_t max_queue_bytes = 4u << 20;          // per destination, queued and not yet published
  // Per PUBLISH (a larger message goes alone). Below malloc's mmap threshold (128 KiB) even once hiredis' output
  // buffer doubles around the command, so the buffers it takes come from the heap, not fresh pages.
  std::size_t max_frame_bytes = 63u << 10;
  RedisConnectionOptions connection;
};

// Counters since start (each read on its own; a snapshot, not a transaction).
struct RedisBusStats {
  std::uint64_t messages_sent = 0;      // in frames Redis accepted
  std::uint64_t frames_sent = 0;        // PUBLISH commands answered
  std::uint64_t messages_unheard = 0;   // published while no one was subscribed to the destination's channel
  std::uint64_t messages_dropped = 0;   // refused by send()/broadcast(), or lost with their PUBLISH
  std::uint64_t messages_received = 0;  // handed to the message handler
  std::uint64_t frames_received = 0;
  std::uint64_t own_frames = 0;        // from this node, dropped
  std::uint64_t duplicate_frames = 0;  // dropped
  std::uint64_t bad_frames = 0;        // unparsable, dropped (logged)
};

class RedisBus final : public Bus {
 public:
  using ReplyHandler = std::function<void(Result<RedisReply>)>;

  inline static const std::string nodes_key = "hearth:nodes";
  static constexpr std::string_view channel_prefix = "hearth:node:";
  static std::string channel_of(std::string_view node_id) { return std::string(channel_prefix).append(node_id); }

  // Throws std::invalid_argument with a message naming the problem for a node id that is not [a-z0-9-]{1,32} or
  // a REDIS_URL that parse_redis_url refuses. Connects only at start().
  RedisBus(boost::asio::any_io_executor ex, std::string node_id, std::string_view redis_url,
           RedisBusOptions options = {});
  ~RedisBus() override;
  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;

  const std::string& node_id() const noexcept override;
  bool send(std::string_view to_node, std::string message) override;
  bool broadcast(std::string message) override;
  bool up() const noexcept override;
  std::vector<std::string> alive_nodes() const override;
  void on_message(MessageHandler handler) override;
  void on_state(StateHandler handler) override;
  void start() override;
  void stop() override;
  // The seats a node holds (cluster/bus.hpp): the set `hearth:held:<node>` (SADD, SREM, SPOP <limit>), on the
  // publishing connection (redis_held.cpp).
  void hold(std::string item) override;
  void release(std::string item) override;
  void take_held(std::string node, std::size_t limit, HeldHandler done) override;
  static std::string held_key(std::string_view node_id) { return "hearth:held:" + std::string(node_id); }

  // One command on the publishing connection (e.g. SET key value NX PX ms for a lock). `on_reply` runs once on
  // the bus's strand: the reply (a Redis error is a reply of type error), or errc::unavailable when the bus is
  // down, too many commands wait, or the connection closed first; never after stop().
  // Subscribing and other mode changes are refused (errc::invalid_argument).
  void command(std::vector<std::string> args, ReplyHandler on_reply);

  RedisBusStats stats() const;
  // This process's incarnation, as its frames carry it.
  std::uint64_t incarnation() const noexcept;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace hearth::cluster
