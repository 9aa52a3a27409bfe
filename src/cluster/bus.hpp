#pragma once
// The bus between hearth-call nodes (docs/architecture.md, "Several nodes"): opaque messages from this node to
// another one, or to every other live node. The signaling layer encodes what a message means; the bus only
// carries bytes, in order, without duplicates, and says whether it can carry them at all.
// Implementations: RedisBus (cluster/redis_bus.hpp: one Redis channel per node, pub/sub). A node without
// REDIS_URL has no bus.
// Ordering: the messages this node sends to one node (by send() or broadcast()) arrive there in the order they
// were given, each at most once. Nothing is promised across different senders. Messages in flight when a
// connection to Redis drops are lost (never reordered or duplicated): the state handler reports the drop.
// Thread safety: every member may be called from any thread; handlers run on the bus's own executor, one at a
// time.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::cluster {

class Bus {
 public:
  // A message from `from_node` (never this node).
  using MessageHandler = std::function<void(std::string_view from_node, std::string_view message)>;
  // Called when the bus goes down (false) or comes back (true).
  using StateHandler = std::function<void(bool up)>;

  virtual ~Bus() = default;

  virtual const std::string& node_id() const noexcept = 0;

  // Queues `message` for `to_node`; the messages queued for one node in one turn of the event loop leave together
  // (one round trip to Redis carries many). False, and the message is dropped, while the bus is down or its
  // queue is full (and for `to_node` this node or not a valid node id, cluster/node_id.hpp).
  virtual bool send(std::string_view to_node, std::string message) = 0;
  // Queues `message` for every other node whose heartbeat is alive (as last seen, refreshed every heartbeat).
  virtual bool broadcast(std::string message) = 0;

  // True while both the publishing and the subscribed connection are up.
  virtual bool up() const noexcept = 0;
  // The other nodes whose heartbeat has not expired, as last seen.
  virtual std::vector<std::string> alive_nodes() const = 0;

  // Set before start(). The handler's views are valid only during the call (they point into the received frame):
  // copy what must outlive it.
  virtual void on_message(MessageHandler handler) = 0;
  virtual void on_state(StateHandler handler) = 0;

  // Connects (and keeps reconnecting with backoff), subscribes, starts the heartbeat.
  virtual void start() = 0;
  // Stops the heartbeat (and removes this node's), disconnects; no handler runs afterwards.
  virtual void stop() = 0;

  // What this node holds that the survivors must clean up if it dies (signaling: its sockets' seats in calls): one
  // set per node, kept where the bus is. hold() and release() leave in order with the messages; while the bus is
  // down they are lost (the call's timeout is the fallback).
  virtual void hold(std::string /*item*/) {}
  virtual void release(std::string /*item*/) {}
  // Removes and returns up to `limit` of the items `node` holds, each to one caller even when several ask at once.
  // `done` runs on the bus's executor; with nothing while the bus is down.
  using HeldHandler = std::function<void(std::vector<std::string> items)>;
  virtual void take_held(std::string /*node*/, std::size_t /*limit*/, HeldHandler done) { done({}); }
};

}  // namespace hearth::cluster
