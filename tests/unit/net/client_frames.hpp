#pragma once
// Client frames as RFC 6455 §5.2 lays them out, built independently of the code under test: the mask is applied
// one byte at a time, so the parser's word-at-a-time unmasking is checked against the simplest possible XOR.
#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "net/websocket_frame.hpp"

namespace hearth::net::ws::test_frames {

using Mask = std::array<unsigned char, 4>;
inline constexpr Mask kMask{0x37, 0xfa, 0x21, 0x3d};  // the mask of RFC 6455 §5.7's examples

inline constexpr std::uint8_t kFin = 0x80;

// XORs `mask` over `bytes`, byte i with mask[i % 4].
inline std::string xor_mask(std::string_view bytes, const Mask& mask) {
  std::string out(bytes);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(static_cast<unsigned char>(out[i]) ^ mask[i % 4]);
  return out;
}

// A frame with the given first byte (FIN, RSV and opcode bits) and the shortest length form for the payload.
inline std::string raw_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true,
                             const Mask& mask = kMask) {
  std::string out(1, static_cast<char>(first_byte));
  const std::uint8_t mask_bit = masked ? 0x80 : 0x00;
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(mask_bit | n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(mask_bit | 126);
    for (int shift = 8; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
  }
  if (!masked) return out.append(payload);
  out.append(reinterpret_cast<const char*>(mask.data()), mask.size());
  return out.append(xor_mask(payload, mask));
}

// A masked client frame.
inline std::string frame(Opcode op, std::string_view payload, bool fin = true, const Mask& mask = kMask) {
  return raw_frame(static_cast<std::uint8_t>((fin ? kFin : 0) | static_cast<std::uint8_t>(op)), payload, true, mask);
}

// A close frame's payload: the code, big-endian, then the reason.
inline std::string close_body(std::uint16_t code, std::string_view reason = {}) {
  std::string body{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return body.append(reason);
}

// `n` bytes that differ from their neighbours, so a mask applied at the wrong offset shows.
inline std::string pattern(std::size_t n, bool ascii) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    out[i] = ascii ? static_cast<char>('a' + i % 26) : static_cast<char>((i * 131 + 7) & 0xFF);
  return out;
}

// A parser event with its payload copied (the event's view dies with the next call or the buffer).
struct Event {
  FrameEvent::Kind kind = FrameEvent::need_more;
  std::string payload;
  bool binary = false;
  std::uint16_t close_code = 0;
  std::size_t consumed = 0;

  bool operator==(const Event&) const = default;
};

// For failure messages: `message "Hello" (11 bytes consumed)`, `error 1002`.
inline void PrintTo(const Event& ev, std::ostream* os) {
  static constexpr std::array<const char*, 7> kNames{"need_more", "fragment", "message", "ping",
                                                     "pong",      "close",    "error"};
  *os << kNames.at(ev.kind);
  if (ev.kind == FrameEvent::close || ev.kind == FrameEvent::error) *os << " " << ev.close_code;
  if (ev.binary) *os << " binary";
  if (!ev.payload.empty()) {
    *os << " \"";
    for (const char c : std::string_view(ev.payload).substr(0, 40)) {
      if (c >= 0x20 && c < 0x7f) {
        *os << c;
      } else {
        *os << "\\x"
            << "0123456789abcdef"[(c >> 4) & 0xf] << "0123456789abcdef"[c & 0xf];
      }
    }
    *os << (ev.payload.size() > 40 ? "...\" (" : "\" (") << ev.payload.size() << " bytes)";
  }
  if (ev.kind != FrameEvent::error) *os << ", " << ev.consumed << " consumed";
}

// An error ends the connection, so how much of the input it consumed is not part of the contract: left at 0.
inline Event copy(const FrameEvent& ev) {
  const std::size_t consumed = ev.kind == FrameEvent::error ? 0 : ev.consumed;
  return {ev.kind, std::string(ev.payload), ev.binary, ev.close_code, consumed};
}

// Feeds `stream` to `parser` `chunk` bytes at a time, as a connection would: after each arrival it takes every
// complete event, drops the consumed bytes and keeps the rest. Stops at the first error (or at an event that
// consumed nothing, which would otherwise repeat forever).
inline std::vector<Event> feed(FrameParser& parser, std::string_view stream, std::size_t chunk) {
  std::vector<Event> events;
  std::string pending;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    pending.append(stream.substr(at, chunk));
    for (;;) {
      const Event ev = copy(parser.next(pending.data(), pending.size()));
      if (ev.kind == FrameEvent::need_more) break;
      events.push_back(ev);
      if (ev.kind == FrameEvent::error || ev.consumed == 0) return events;  // nothing more can follow
      pending.erase(0, ev.consumed);
    }
  }
  return events;
}

}  // namespace hearth::net::ws::test_frames
