// Fuzz target for the Engine.IO codec: WebSocket frames and polling payloads must decode without crashing, and
// whatever decodes must re-encode to something that decodes to the same packets.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "realtime/engineio/base64.hpp"
#include "realtime/engineio/packet.hpp"

namespace {

using namespace hearth::realtime::engineio;

void round_trip_frame(const Packet& p) {
  const WsFrame frame = encode_ws_frame(p);
  std::string scratch;
  const auto again = frame.binary ? decode_binary_frame(frame.payload, frame.payload.size())
                                  : decode_text_frame(frame.payload, frame.payload.size(), scratch);
  HEARTH_FUZZ_CHECK(again.ok());
  HEARTH_FUZZ_CHECK(*again == p);
}

// `packets` view the caller's input and decoder, both still alive.
void round_trip_payload(std::span<const Packet> packets) {
  const std::string body = encode_payload(packets);
  std::size_t size = packets.size() - 1;
  for (const Packet& p : packets) size += encoded_payload_size(p);
  HEARTH_FUZZ_CHECK(size == body.size());
  PayloadDecoder decoder;
  const auto again = decoder.decode(body, body.size());
  HEARTH_FUZZ_CHECK(again.ok());
  HEARTH_FUZZ_CHECK(again->size() == packets.size());
  for (std::size_t i = 0; i < packets.size(); ++i) HEARTH_FUZZ_CHECK((*again)[i] == packets[i]);
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string scratch;

  if (const auto p = decode_text_frame(input, size, scratch); p) {
    HEARTH_FUZZ_CHECK(p->binary || static_cast<int>(p->type) <= 6);
    round_trip_frame(*p);
  }
  if (size > 0) {
    const auto over = decode_text_frame(input, size - 1, scratch);
    HEARTH_FUZZ_CHECK(!over.ok() && over.error().code == hearth::errc::payload_too_large);
  }
  if (const auto p = decode_binary_frame(input, size); p) round_trip_frame(*p);

  PayloadDecoder decoder(64);
  if (const auto packets = decoder.decode(input, size); packets) {
    HEARTH_FUZZ_CHECK(!packets->empty());
    round_trip_payload(*packets);
  }

  std::string decoded;
  if (append_base64_decoded(decoded, input)) {
    std::string encoded;
    append_base64(encoded, decoded);
    std::string again;
    HEARTH_FUZZ_CHECK(append_base64_decoded(again, encoded).ok());
    HEARTH_FUZZ_CHECK(again == decoded);
  }
  return 0;
}
