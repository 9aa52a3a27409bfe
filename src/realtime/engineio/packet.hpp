#pragma once
// Engine.IO v4 packet codec: WebSocket frames and HTTP long-polling payloads. Pure (no I/O); decoded packets view
// the input, so the caller keeps the input alive while it uses them.
//   text packet    <type digit><data>           "4hello", "2probe", "6"
//   binary message WebSocket: the raw frame     polling: "b<base64>"
//   payload        packets joined by '\x1e'     "4hello\x1e2\x1ebAQID"
// Thread safety: free functions are stateless; a PayloadDecoder belongs to one session.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace hearth::realtime::engineio {

enum class PacketType : std::uint8_t { open = 0, close = 1, ping = 2, pong = 3, message = 4, upgrade = 5, noop = 6 };

std::string_view to_string(PacketType type) noexcept;

struct Packet {
  PacketType type = PacketType::message;
  std::string_view data;  // text packets: view into the input; binary: the bytes (input or decoder buffer)
  bool binary = false;    // only messages are binary; a binary Packet's type is always message

  friend bool operator==(const Packet&, const Packet&) = default;
};

// Engine.IO's maxHttpBufferSize default; advertised to clients as "maxPayload" in the open packet.
inline constexpr std::size_t kDefaultMaxPayload = 1'000'000;
// Packets in one polling payload; bounds the PayloadDecoder's vector (24 bytes each) whatever the body holds.
inline constexpr std::size_t kDefaultMaxPackets = 16'384;
inline constexpr char kRecordSeparator = '\x1e';

// --- WebSocket ---------------------------------------------------------------------------------------------

// A text frame: "<type><data>". "b<base64>" (clients with forceBase64) is a binary message whose bytes are
// decoded into `scratch` (cleared first); `scratch` is untouched otherwise. Empty frames, unknown type digits,
// bad base64 → invalid_argument; frames over max_payload → payload_too_large.
Result<Packet> decode_text_frame(std::string_view frame, std::size_t max_payload, std::string& scratch);

// A binary frame is a binary message; its data is the whole frame.
Result<Packet> decode_binary_frame(std::string_view frame, std::size_t max_payload);

// "<type><data>", appended so the caller can reuse a buffer or prepend nothing more.
void append_text_frame(std::string& out, PacketType type, std::string_view data = {});
std::string encode_text_frame(PacketType type, std::string_view data = {});

struct WsFrame {
  std::string payload;
  bool binary = false;  // send as a binary frame
};
// Text packets become "<type><data>" text frames; binary messages become binary frames of their bytes.
WsFrame encode_ws_frame(const Packet& packet);

// --- HTTP long-polling -------------------------------------------------------------------------------------

// Size of one packet inside a polling payload, separator excluded (for chunking a queue under a limit).
std::size_t encoded_payload_size(const Packet& packet) noexcept;

// Packets joined by '\x1e'; binary messages as "b<base64>". Writes with a single reservation.
void append_payload(std::string& out, std::span<const Packet> packets);
std::string encode_payload(std::span<const Packet> packets);

// Decodes POST bodies for one polling session and owns the output: the packet list, and the buffer binary
// messages are base64-decoded into. Both keep their capacity across calls, so steady state does not allocate.
// Text packets view `body`; binary packets view the decoder's buffer, which is reserved for the whole body
// before decoding, so it never moves mid-decode. Results stay valid until the next decode() and while `body`
// is alive. The whole body is validated before anything is returned: one bad packet rejects the payload.
// Thread safety: none; one per polling session, used from its executor.
class PayloadDecoder {
 public:
  explicit PayloadDecoder(std::size_t max_packets = kDefaultMaxPackets) : max_packets_(max_packets) {}

  // Empty body, empty packet, unknown type digit, bad base64 → invalid_argument; body over max_payload or more
  // than max_packets packets → payload_too_large.
  Result<std::span<const Packet>> decode(std::string_view body, std::size_t max_payload);
  // Frees buffers a large body left (the packets of the last decode() are gone after it).
  void release();

 private:
  std::size_t max_packets_;
  std::string binary_;
  std::vector<Packet> packets_;
};

}  // namespace hearth::realtime::engineio
