// Fuzz target for the RFC 6455 frame parser (net/websocket_frame). Three properties besides "no crash":
//  1. The input as a raw client byte stream: the events do not depend on how the bytes arrive (whole, or in chunks
//     of any size), every message respects the size limit, every text message is UTF-8, every control payload fits
//     in 125 bytes and every close code is one a peer may send.
//  2. The input as a list of messages, framed by an independent encoder (masked, fragmented, with pings between the
//     fragments): the parser gives back exactly those messages, or invalid_payload for text that is not UTF-8.
//  3. The three UTF-8 validators of the code base (frames, JSON text, the JSON scanner) agree with a reference.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "net/websocket_frame.hpp"
#include "realtime/socketio/json_check.hpp"
#include "realtime/socketio/json_text.hpp"

namespace {

using namespace hearth::net::ws;

constexpr std::size_t kMaxMessage = 1024;

struct Event {
  FrameEvent::Kind kind;
  std::string payload;
  bool binary;
  std::uint16_t close_code;
  bool operator==(const Event&) const = default;
};

// Feeds `stream` in chunks of `chunk` bytes as a connection does: takes every complete event after each arrival and
// drops what it consumed. Stops at the first error.
std::vector<Event> feed(std::string_view stream, std::size_t chunk) {
  FrameParser parser(kMaxMessage);
  std::vector<Event> events;
  std::string pending;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    pending.append(stream.substr(at, chunk));
    for (;;) {
      const FrameEvent ev = parser.next(pending.data(), pending.size());
      if (ev.kind == FrameEvent::need_more) {
        HEARTH_FUZZ_CHECK(ev.consumed == 0);
        break;
      }
      events.push_back({ev.kind, std::string(ev.payload), ev.binary, ev.close_code});
      if (ev.kind == FrameEvent::error) return events;
      HEARTH_FUZZ_CHECK(ev.consumed >= 6 && ev.consumed <= pending.size());  // a header, a mask, the payload
      pending.erase(0, ev.consumed);
    }
  }
  return events;
}

bool reference_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if (b >= 0xC0 && b < 0xE0) {
      n = 1, cp = b & 0x1Fu;
    } else if (b >= 0xE0 && b < 0xF0) {
      n = 2, cp = b & 0x0Fu;
    } else if (b >= 0xF0 && b < 0xF8) {
      n = 3, cp = b & 0x07u;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    static constexpr std::array<std::uint32_t, 4> kMin = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

void check_utf8_validators(std::string_view s) {
  const bool expected = reference_utf8(s);
  HEARTH_FUZZ_CHECK(valid_utf8(s) == expected);
  HEARTH_FUZZ_CHECK(hearth::realtime::socketio::jsontext::is_utf8(s) == expected);
  // The JSON scanner sees the bytes inside a string literal; bytes JSON must escape are escaped first.
  std::string literal;
  hearth::realtime::socketio::jsontext::append_quoted(literal, s);
  HEARTH_FUZZ_CHECK(hearth::realtime::socketio::check_json(literal, {}).ok() == expected);
}

void check_stream(std::string_view input, std::size_t chunk) {
  const std::vector<Event> whole = feed(input, input.size() + 1);
  for (const Event& ev : whole) {
    switch (ev.kind) {
      case FrameEvent::message:
        HEARTH_FUZZ_CHECK(ev.payload.size() <= kMaxMessage);
        HEARTH_FUZZ_CHECK(ev.binary || reference_utf8(ev.payload));
        break;
      case FrameEvent::ping:
      case FrameEvent::pong:
        HEARTH_FUZZ_CHECK(ev.payload.size() <= 125);
        break;
      case FrameEvent::close:
        HEARTH_FUZZ_CHECK(ev.payload.size() <= 125 && ev.payload.size() != 1);
        HEARTH_FUZZ_CHECK((ev.close_code >= 3000 && ev.close_code <= 4999) ||
                          (ev.close_code >= 1000 && ev.close_code <= 1014 && ev.close_code != 1004 &&
                           ev.close_code != 1005 && ev.close_code != 1006));
        HEARTH_FUZZ_CHECK(ev.payload.size() < 2 || reference_utf8(std::string_view(ev.payload).substr(2)));
        break;
      case FrameEvent::error:
        HEARTH_FUZZ_CHECK(ev.close_code == protocol_error || ev.close_code == invalid_payload ||
                          ev.close_code == message_too_big);
        break;
      default:
        break;
    }
  }
  HEARTH_FUZZ_CHECK(feed(input, chunk) == whole);
}

// Reads the input as messages: a control byte (kind, final-fragment sizes), then the payload. Frames them the way a
// browser would (masked with a mask taken from the input, fragmented, pings between fragments) and checks the parser
// returns each message as it was.
void check_round_trip(std::string_view input) {
  std::string stream;
  std::vector<Event> expected;
  std::size_t pos = 0;
  std::array<unsigned char, 4> mask{0x37, 0xfa, 0x21, 0x3d};
  while (pos + 2 <= input.size() && expected.size() < 16) {
    const auto control = static_cast<unsigned char>(input[pos]);
    const std::size_t size = std::min<std::size_t>(static_cast<unsigned char>(input[pos + 1]) * 5u, 1000);
    pos += 2;
    const std::string_view message = input.substr(pos, size);
    pos += message.size();
    const bool binary = (control & 1) != 0;
    const std::size_t fragments = 1 + ((control >> 1) & 3);
    const bool ping_between = (control & 8) != 0;
    mask[(control >> 4) & 3] = static_cast<unsigned char>(control);
    const std::size_t step = message.size() / fragments + 1;
    for (std::size_t f = 0, at = 0; f < fragments; ++f, at += step) {
      const bool fin = f + 1 == fragments;
      const Opcode op = f > 0 ? Opcode::continuation : binary ? Opcode::binary : Opcode::text;
      const std::string_view part = at < message.size() ? message.substr(at, fin ? std::string_view::npos : step) : "";
      std::string frame(1, static_cast<char>((fin ? 0x80 : 0) | static_cast<int>(op)));
      if (part.size() < 126) {
        frame += static_cast<char>(0x80 | part.size());
      } else {  // 126..1000: the 16-bit length form
        frame += static_cast<char>(0x80 | 126);
        frame += static_cast<char>(part.size() >> 8);
        frame += static_cast<char>(part.size() & 0xFF);
      }
      frame.append(reinterpret_cast<const char*>(mask.data()), 4);
      for (std::size_t i = 0; i < part.size(); ++i) frame += static_cast<char>(part[i] ^ mask[i % 4]);
      stream += frame;
      if (ping_between && !fin) {
        stream += std::string("\x89\x81", 2);
        stream.append(reinterpret_cast<const char*>(mask.data()), 4);
        stream += static_cast<char>('p' ^ mask[0]);
        expected.push_back({FrameEvent::ping, "p", false, 0});
      }
    }
    if (!binary && !reference_utf8(message)) {
      expected.push_back({FrameEvent::error, "", false, invalid_payload});
      break;
    }
    expected.push_back({FrameEvent::message, std::string(message), binary, 0});
  }
  std::vector<Event> got = feed(stream, stream.size() + 1);
  std::erase_if(got, [](const Event& ev) { return ev.kind == FrameEvent::fragment; });
  for (Event& ev : got)
    if (ev.kind == FrameEvent::error) ev.payload.clear();
  HEARTH_FUZZ_CHECK(got == expected);
}

// What the server writes: the header it encodes gives back the payload's length.
void check_encoders(std::string_view input) {
  const std::string frame = encode_frame(Opcode::binary, input);
  const auto* u = reinterpret_cast<const unsigned char*>(frame.data());
  HEARTH_FUZZ_CHECK(u[0] == 0x82 && (u[1] & 0x80) == 0);
  std::size_t len = u[1] & 0x7F, header = 2;
  if (len == 126) len = (std::size_t{u[2]} << 8) | u[3], header = 4;
  HEARTH_FUZZ_CHECK(len == input.size() && frame.size() == header + len && frame.substr(header) == input);

  if (!reference_utf8(input)) return;
  const std::string close_frame = encode_close(normal, input);
  HEARTH_FUZZ_CHECK(close_frame.size() >= 4 && close_frame.size() <= 127 &&
                    static_cast<unsigned char>(close_frame[1]) + 2u == close_frame.size());
  const std::string_view reason = std::string_view(close_frame).substr(4);
  HEARTH_FUZZ_CHECK(input.starts_with(reason) && reference_utf8(reason));
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_stream(input, size == 0 ? 1 : 1 + data[0] % 7);
  check_round_trip(input);
  check_utf8_validators(input);
  if (size <= 4096) check_encoders(input);
  return 0;
}
