#include "realtime/engineio/packet.hpp"

#include "core/buffers.hpp"
#include "realtime/engineio/base64.hpp"

namespace hearth::realtime::engineio {
namespace {

constexpr char kBinaryPrefix = 'b';

Error malformed(std::string detail) {
  return make_error(errc::invalid_argument, "malformed Engine.IO packet", std::move(detail));
}

Error too_large(std::size_t size, std::size_t limit) {
  return make_error(errc::payload_too_large, "Engine.IO payload too large",
                    std::to_string(size) + " > " + std::to_string(limit) + " bytes");
}

char type_digit(PacketType type) noexcept { return static_cast<char>('0' + static_cast<int>(type)); }

// One text-encoded packet; "b<base64>" bytes are appended to `binary_out` and viewed there.
Result<Packet> decode_text_packet(std::string_view text, std::string& binary_out) {
  if (text.empty()) return malformed("empty packet");
  const char c = text.front();
  if (c == kBinaryPrefix) {
    const std::size_t start = binary_out.size();
    if (auto r = append_base64_decoded(binary_out, text.substr(1)); !r) return r.error();
    return Packet{PacketType::message, std::string_view(binary_out).substr(start), true};
  }
  if (c < '0' || c > '6') return malformed("unknown packet type");
  return Packet{static_cast<PacketType>(c - '0'), text.substr(1), false};
}

void append_payload_packet(std::string& out, const Packet& packet) {
  if (packet.binary) {
    out += kBinaryPrefix;
    append_base64(out, packet.data);
  } else {
    out += type_digit(packet.type);
    out += packet.data;
  }
}

}  // namespace

std::string_view to_string(PacketType type) noexcept {
  switch (type) {
    case PacketType::open:
      return "open";
    case PacketType::close:
      return "close";
    case PacketType::ping:
      return "ping";
    case PacketType::pong:
      return "pong";
    case PacketType::message:
      return "message";
    case PacketType::upgrade:
      return "upgrade";
    case PacketType::noop:
      return "noop";
  }
  return "unknown";
}

Result<Packet> decode_text_frame(std::string_view frame, std::size_t max_payload, std::string& scratch) {
  if (frame.size() > max_payload) return too_large(frame.size(), max_payload);
  if (!frame.empty() && frame.front() == kBinaryPrefix) scratch.clear();
  return decode_text_packet(frame, scratch);
}

Result<Packet> decode_binary_frame(std::string_view frame, std::size_t max_payload) {
  if (frame.size() > max_payload) return too_large(frame.size(), max_payload);
  return Packet{PacketType::message, frame, true};
}

void append_text_frame(std::string& out, PacketType type, std::string_view data) {
  out.reserve(out.size() + 1 + data.size());
  out += type_digit(type);
  out += data;
}

std::string encode_text_frame(PacketType type, std::string_view data) {
  std::string out;
  append_text_frame(out, type, data);
  return out;
}

WsFrame encode_ws_frame(const Packet& packet) {
  if (packet.binary) return WsFrame{std::string(packet.data), true};
  return WsFrame{encode_text_frame(packet.type, packet.data), false};
}

std::size_t encoded_payload_size(const Packet& packet) noexcept {
  return 1 + (packet.binary ? base64_encoded_size(packet.data.size()) : packet.data.size());
}

void append_payload(std::string& out, std::span<const Packet> packets) {
  std::size_t size = packets.empty() ? 0 : packets.size() - 1;  // separators
  for (const Packet& p : packets) size += encoded_payload_size(p);
  out.reserve(out.size() + size);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i > 0) out += kRecordSeparator;
    append_payload_packet(out, packets[i]);
  }
}

std::string encode_payload(std::span<const Packet> packets) {
  std::string out;
  append_payload(out, packets);
  return out;
}

Result<std::span<const Packet>> PayloadDecoder::decode(std::string_view body, std::size_t max_payload) {
  packets_.clear();
  binary_.clear();
  if (body.size() > max_payload) return too_large(body.size(), max_payload);
  if (body.empty()) return malformed("empty payload");
  // Each "b<base64>" packet decodes to at most its own length (the 'b' pays for base64 rounding up), so the
  // decoded bytes of the whole body fit here and views into binary_ never move while we append.
  binary_.reserve(body.size());

  std::size_t pos = 0;
  while (true) {
    const std::size_t sep = body.find(kRecordSeparator, pos);
    const std::string_view text = body.substr(pos, sep == std::string_view::npos ? std::string_view::npos : sep - pos);
    if (packets_.size() == max_packets_) {
      packets_.clear();
      return make_error(errc::payload_too_large, "too many packets in Engine.IO payload",
                        "limit " + std::to_string(max_packets_));
    }
    auto packet = decode_text_packet(text, binary_);
    if (!packet) {
      packets_.clear();
      return std::move(packet).error();
    }
    packets_.push_back(*packet);
    if (sep == std::string_view::npos) break;
    pos = sep + 1;
  }
  return std::span<const Packet>(packets_);
}

void PayloadDecoder::release() {
  clear_and_shrink(binary_);
  clear_and_shrink(packets_);
}

}  // namespace hearth::realtime::engineio
