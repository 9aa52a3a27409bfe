#pragma once
// Engine.IO server options, with the reference server's defaults, and the limits on new sessions.
#include <chrono>
#include <cstddef>
#include <string>

namespace hearth::metrics {
class Metrics;
}

namespace hearth::realtime::engineio {

struct Options {
  std::string path = "/socket.io/";                   // where the endpoint is mounted
  std::chrono::milliseconds ping_interval{25'000};    // server ping every interval
  std::chrono::milliseconds ping_timeout{20'000};     // pong must arrive within this
  std::chrono::milliseconds upgrade_timeout{10'000};  // polling -> websocket upgrade must finish within this
  std::size_t max_payload = 1'000'000;                // bytes per message / polling request (maxHttpBufferSize)
  std::size_t max_queued_bytes = 4 * 1024 * 1024;     // per session: a client that stops reading is dropped
  bool allow_upgrades = true;
  // Every sid (and every Socket.IO socket id) this server creates starts with this: "<NODE_ID>." on a node of a
  // cluster, so a long-polling request is routed to its node by its sid (deploy/nginx) and a socket id names the
  // node that holds it (signaling's cross-node relay). Empty on a single node.
  std::string id_prefix;
  // New sessions per client address (an IPv6 /64) per minute, bursts of as many: a page load or a reconnect is
  // one; a whole clinic behind one NAT reconnecting after a restart fits. Past it: 429 with Retry-After.
  double handshakes_per_minute = 1'200;
  // Sessions not yet authenticated by the layer above (Session::mark_authenticated), in total and per address:
  // they cost memory before anyone is known. Past either: 503.
  std::size_t max_unauthenticated_sessions = 10'000;
  std::size_t max_unauthenticated_per_address = 1'000;
  // GET /metrics: sessions by transport, refused handshakes. Not owned (the app's); null: not counted.
  metrics::Metrics* metrics = nullptr;
};

}  // namespace hearth::realtime::engineio
