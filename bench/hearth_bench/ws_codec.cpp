#include "hearth_bench/ws_codec.hpp"

#include <array>
#include <cstring>

namespace hearth::bench::ws {

void append_client_frame(std::string& out, Opcode op, std::string_view payload, std::uint32_t mask) {
  std::array<char, 10> header{};
  const std::size_t header_size = hearth::net::ws::encode_header(header, op, payload.size());
  header[1] = static_cast<char>(header[1] | 0x80);  // MASK bit: client frames are always masked
  const std::size_t start = out.size();
  out.resize(start + header_size + 4 + payload.size());
  char* p = out.data() + start;
  std::memcpy(p, header.data(), header_size);
  p += header_size;
  std::memcpy(p, &mask, 4);
  const auto* key = reinterpret_cast<const unsigned char*>(p);
  p += 4;
  // Eight bytes at a time with the key repeated twice, then the tail.
  std::uint64_t key8 = 0;
  std::memcpy(&key8, key, 4);
  std::memcpy(reinterpret_cast<char*>(&key8) + 4, key, 4);
  std::size_t i = 0;
  for (; i + 8 <= payload.size(); i += 8) {
    std::uint64_t chunk = 0;
    std::memcpy(&chunk, payload.data() + i, 8);
    chunk ^= key8;
    std::memcpy(p + i, &chunk, 8);
  }
  for (; i < payload.size(); ++i) p[i] = static_cast<char>(payload[i] ^ static_cast<char>(key[i & 3]));
}

ServerFrame ServerFrameParser::next(const char* data, std::size_t size) {
  ServerFrame ev;
  if (size < 2) return ev;
  const auto* u = reinterpret_cast<const unsigned char*>(data);
  const bool fin = (u[0] & 0x80) != 0;
  const auto op = static_cast<Opcode>(u[0] & 0x0F);
  if ((u[0] & 0x70) != 0 || (u[1] & 0x80) != 0) {  // no extension negotiated; servers never mask
    ev.kind = ServerFrame::error;
    return ev;
  }
  std::uint64_t len = u[1] & 0x7F;
  std::size_t header = 2;
  if (len == 126) {
    if (size < 4) return ev;
    len = (std::uint64_t{u[2]} << 8) | u[3];
    header = 4;
  } else if (len == 127) {
    if (size < 10) return ev;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | u[2 + i];
    header = 10;
  }
  if (len > max_message_) {
    ev.kind = ServerFrame::error;
    return ev;
  }
  if (size < header + len) return ev;
  ev.consumed = header + static_cast<std::size_t>(len);
  const std::string_view body(data + header, static_cast<std::size_t>(len));
  switch (op) {
    case Opcode::ping:
      ev.kind = ServerFrame::ping;
      ev.payload = body;
      return ev;
    case Opcode::pong:
      ev.kind = ServerFrame::pong;
      return ev;
    case Opcode::close:
      ev.kind = ServerFrame::close;
      ev.payload = body;
      return ev;
    case Opcode::continuation:
      if (!fragmented_) {
        ev.kind = ServerFrame::error;
        return ev;
      }
      assembled_.append(body);
      if (!fin) {
        ev.kind = ServerFrame::fragment;
        return ev;
      }
      fragmented_ = false;
      done_ = std::move(assembled_);
      assembled_ = {};
      ev.kind = ServerFrame::message;
      ev.binary = fragmented_binary_;
      ev.payload = done_;
      return ev;
    case Opcode::text:
    case Opcode::binary:
      if (fragmented_) {
        ev.kind = ServerFrame::error;
        return ev;
      }
      if (!fin) {
        fragmented_ = true;
        fragmented_binary_ = op == Opcode::binary;
        assembled_.assign(body);
        ev.kind = ServerFrame::fragment;
        return ev;
      }
      ev.kind = ServerFrame::message;
      ev.binary = op == Opcode::binary;
      ev.payload = body;
      return ev;
  }
  ev.kind = ServerFrame::error;
  return ev;
}

}  // namespace hearth::bench::ws
