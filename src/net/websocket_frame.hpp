#pragma once
// RFC 6455 framing for the server side, without I/O: parsing client frames (masked) and encoding server frames
// (unmasked), plus the opening handshake's accept key and request checks.
// Thread safety: FrameParser belongs to one connection; the free functions are stateless.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/utf8.hpp"
#include "net/http_handler.hpp"

namespace hearth::net::ws {

enum class Opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

enum CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  protocol_error = 1002,
  invalid_payload = 1007,
  policy_violation = 1008,
  message_too_big = 1009,
  internal_error = 1011,
};

// One event of the parser: a complete data message, a control frame, or an error.
struct FrameEvent {
  // need_more: no complete frame yet (consumed 0); fragment: a frame of an unfinished message was consumed.
  enum Kind { need_more, fragment, message, ping, pong, close, error } kind = need_more;
  std::string_view payload;  // message / control payload (valid until the next call)
  bool binary = false;
  std::uint16_t close_code = 0;  // for close (received) and error (to send)
  std::size_t consumed = 0;      // bytes of the input used by this event
};

// Parses frames out of a byte buffer. Unmasks in place, so the input must be writable. Fragmented messages are
// assembled in an internal buffer (freed when the message completes).
class FrameParser {
 public:
  explicit FrameParser(std::size_t max_message) : max_message_(max_message) {}
  FrameEvent next(char* data, std::size_t size);

 private:
  std::size_t max_message_;
  bool fragmented_ = false;
  bool fragmented_binary_ = false;
  std::string assembled_;
  std::string done_;  // the last assembled message, kept alive for the returned view until the next call
};

// Text frames must be UTF-8: core/utf8.hpp (named here too for callers of this header).
using hearth::valid_utf8;

// Header of an unmasked server frame with FIN set: 2 to 10 bytes written into `out`; returns the length.
std::size_t encode_header(std::array<char, 10>& out, Opcode op, std::size_t payload_size) noexcept;
std::string encode_frame(Opcode op, std::string_view payload);
std::string encode_close(std::uint16_t code, std::string_view reason);

// Sec-WebSocket-Accept for a client's key (SHA-1 + base64).
std::string accept_key(std::string_view client_key);
// Checks an upgrade request: nullopt if acceptable, else why not.
std::optional<std::string> check_upgrade(const Request& req);

}  // namespace hearth::net::ws
