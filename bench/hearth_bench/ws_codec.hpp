#pragma once
// RFC 6455 framing for the client side, without I/O: encoding masked client frames (the header comes from the
// server's codec, net/websocket_frame) and parsing the server's unmasked frames.
// Thread safety: ServerFrameParser belongs to one connection; the free functions are stateless.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/websocket_frame.hpp"

namespace hearth::bench::ws {

using hearth::net::ws::Opcode;

// Appends one FIN frame with `payload` masked by `mask` to `out`.
void append_client_frame(std::string& out, Opcode op, std::string_view payload, std::uint32_t mask);

struct ServerFrame {
  enum Kind { need_more, fragment, message, ping, pong, close, error } kind = need_more;
  std::string_view payload;  // valid until the next call
  bool binary = false;
  std::size_t consumed = 0;
};

// Parses server frames (unmasked). Fragmented messages are assembled in an internal buffer.
class ServerFrameParser {
 public:
  explicit ServerFrameParser(std::size_t max_message = 16 * 1024 * 1024) : max_message_(max_message) {}
  ServerFrame next(const char* data, std::size_t size);

 private:
  std::size_t max_message_;
  bool fragmented_ = false;
  bool fragmented_binary_ = false;
  std::string assembled_;
  std::string done_;
};

// A cheap per-connection mask source (xorshift32; masks only need to vary, not to be secret, for a benchmark).
class MaskSource {
 public:
  explicit MaskSource(std::uint32_t seed) : state_(seed | 1u) {}
  std::uint32_t next() noexcept {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }

 private:
  std::uint32_t state_;
};

}  // namespace hearth::bench::ws
