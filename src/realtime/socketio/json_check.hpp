#pragma once
// Validates a packet's JSON data in one pass, with a strict scanner of our own (see json_check.cpp): syntax
// (strict JSON, valid UTF-8), nesting depth, the shape Socket.IO requires for the packet type, and for binary
// packets the attachment placeholders. Nothing is built and nothing allocated, so the relay path can forward the
// text untouched yet never hand a peer something its parser would reject (socket.io-client closes the connection
// on a parse error).
// Thread safety: stateless.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/result.hpp"

namespace hearth::realtime::socketio {

enum class JsonShape : std::uint8_t {
  any,
  object,            // CONNECT
  object_or_string,  // CONNECT_ERROR
  array,             // ACK, BINARY_ACK
  event,             // EVENT, BINARY_EVENT: array whose first element is a string that is not a reserved name
};

// Largest nesting depth check_json() supports, whatever max_depth asks for.
inline constexpr std::size_t kMaxJsonDepth = 64;

struct JsonCheck {
  JsonShape shape = JsonShape::any;
  std::size_t max_depth = 32;
  // Binary packets: every object whose "_placeholder" is true must have an integer "num" naming one of
  // `attachments` buffers (socket.io-parser throws "illegal attachments" otherwise).
  bool placeholders = false;
  std::size_t attachments = 0;
};

// Errors are invalid_argument, the message says which rule failed.
Result<void> check_json(std::string_view text, const JsonCheck& check);

// Event names socket.io-parser refuses ("connect", "disconnect", …): they mean something to the library.
bool is_reserved_event(std::string_view name) noexcept;

}  // namespace hearth::realtime::socketio
