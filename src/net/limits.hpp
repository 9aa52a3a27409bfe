#pragma once
// Limits of the HTTP transport, each with the reason for its default. Configurable through app/config.
#include <chrono>
#include <cstddef>

#include "core/allow_list.hpp"

namespace hearth::net {

struct HttpLimits {
  std::size_t body_limit = 64 * 1024;        // REST bodies are small JSON documents (issue: 413 over 64 KiB)
  std::size_t header_limit = 16 * 1024;      // generous for cookies + a long bearer token
  std::chrono::seconds request_timeout{30};  // whole request must arrive within this (slowloris guard)
  std::chrono::seconds idle_timeout{75};     // keep-alive connection with no request (above typical LB 60 s)
  std::size_t max_connections = 50'000;      // open connections at once, HTTP and WebSocket (file descriptors, memory)
  // From one client address (an IPv6 /64): a clinic behind one NAT, several tabs each; a single host past it is a
  // flood. Past either limit a new connection is answered 503 and closed.
  std::size_t max_connections_per_address = 1'000;
  // TRUSTED_PROXIES: the reverse proxies (nginx) whose X-Forwarded-For names the client of a request, so that the
  // per-address limits of requests (failed authentications, Engine.IO handshakes, unauthenticated sessions) count
  // clients, not the proxy (net/forwarded.hpp). Empty (the default): nobody's header is believed. Connections are
  // still counted by their TCP peer: behind a proxy, it limits connections per client itself.
  AllowList trusted_proxies;
};

}  // namespace hearth::net
