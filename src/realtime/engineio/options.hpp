#pragma once
// Engine.IO server options, with the reference server's defaults.
#include <chrono>
#include <cstddef>
#include <string>

namespace hearth::realtime::engineio {

struct Options {
  std::string path = "/socket.io/";                   // where the endpoint is mounted
  std::chrono::milliseconds ping_interval{25'000};    // server ping every interval
  std::chrono::milliseconds ping_timeout{20'000};     // pong must arrive within this
  std::chrono::milliseconds upgrade_timeout{10'000};  // polling -> websocket upgrade must finish within this
  std::size_t max_payload = 1'000'000;                // bytes per message / polling request (maxHttpBufferSize)
  std::size_t max_queued_bytes = 4 * 1024 * 1024;     // per session: a client that stops reading is dropped
  bool allow_upgrades = true;
};

}  // namespace hearth::realtime::engineio
