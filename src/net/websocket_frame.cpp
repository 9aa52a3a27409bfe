#include "net/websocket_frame.hpp"

#include <algorithm>
#include <cstring>

#include <openssl/sha.h>
#include <boost/beast/http/field.hpp>

#include "core/base64.hpp"
#include "core/utf8.hpp"

namespace hearth::net::ws {
namespace bhttp = boost::beast::http;

namespace {
// XORs the client's 4-byte mask over the payload, eight bytes at a time.
void unmask(char* payload, std::size_t len, const char* mask) noexcept {
  std::uint64_t mask8;
  for (std::size_t i = 0; i < 8; ++i)
    reinterpret_cast<unsigned char*>(&mask8)[i] = static_cast<unsigned char>(mask[i & 3]);
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, payload + i, 8);
    word ^= mask8;
    std::memcpy(payload + i, &word, 8);
  }
  for (; i < len; ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i & 3]);
}
// RFC 6455 section 7.4: what a peer may send in a close frame. 1004-1006 and 1015 are reserved (1005 and 1006
// mean "no code" and "abnormal closure" locally), 1016-2999 are for future extensions, 3000-4999 for
// libraries and applications.
bool valid_close_code(std::uint16_t code) noexcept {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

}  // namespace

FrameEvent FrameParser::next(char* data, std::size_t size) {
  // The last assembled message has been handled (its view is valid until this call): free it, it may be large.
  if (done_.capacity() != 0) std::string().swap(done_);
  FrameEvent ev;
  auto fail = [&](std::uint16_t code) {
    ev.kind = FrameEvent::error;
    ev.close_code = code;
    return ev;
  };
  if (size < 2) return ev;
  const auto* u = reinterpret_cast<const unsigned char*>(data);
  const bool fin = (u[0] & 0x80) != 0;
  if ((u[0] & 0x70) != 0) return fail(protocol_error);  // no extension negotiated
  const auto op = static_cast<Opcode>(u[0] & 0x0F);
  const bool masked = (u[1] & 0x80) != 0;
  if (!masked) return fail(protocol_error);  // clients must mask
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
  const bool control = (static_cast<std::uint8_t>(op) & 0x08) != 0;
  if (control && (!fin || len > 125)) return fail(protocol_error);
  switch (op) {
    case Opcode::continuation:
    case Opcode::text:
    case Opcode::binary:
    case Opcode::close:
    case Opcode::ping:
    case Opcode::pong:
      break;
    default:
      return fail(protocol_error);
  }
  const std::size_t limit_so_far = fragmented_ ? assembled_.size() : 0;
  if (!control && len > max_message_ - std::min<std::size_t>(max_message_, limit_so_far)) return fail(message_too_big);
  if (size < header + 4 + len) return ev;  // wait for the whole frame
  char* mask = data + header;
  char* payload = mask + 4;
  unmask(payload, len, mask);
  ev.consumed = header + 4 + static_cast<std::size_t>(len);
  const std::string_view body(payload, static_cast<std::size_t>(len));

  if (control) {
    if (op == Opcode::ping) ev.kind = FrameEvent::ping;
    if (op == Opcode::pong) ev.kind = FrameEvent::pong;
    if (op == Opcode::close) {
      ev.kind = FrameEvent::close;
      ev.close_code = normal;
      if (body.size() == 1) return fail(protocol_error);
      if (body.size() >= 2) {
        ev.close_code = static_cast<std::uint16_t>((static_cast<unsigned char>(body[0]) << 8) |
                                                   static_cast<unsigned char>(body[1]));
        if (!valid_close_code(ev.close_code)) return fail(protocol_error);
        if (!valid_utf8(body.substr(2))) return fail(invalid_payload);
      }
    }
    ev.payload = body;
    return ev;
  }
  if (op == Opcode::continuation) {
    if (!fragmented_) return fail(protocol_error);
    assembled_.append(body);
    if (!fin) {
      ev.kind = FrameEvent::fragment;  // consumed; the message is not complete yet
      return ev;
    }
    fragmented_ = false;
    done_ = std::move(assembled_);
    assembled_ = {};
    if (!fragmented_binary_ && !valid_utf8(done_)) return fail(invalid_payload);
    ev.kind = FrameEvent::message;
    ev.binary = fragmented_binary_;
    ev.payload = done_;
    return ev;
  }
  if (fragmented_) return fail(protocol_error);  // a new message before the last one finished
  if (!fin) {
    fragmented_ = true;
    fragmented_binary_ = op == Opcode::binary;
    assembled_.assign(body);
    ev.kind = FrameEvent::fragment;
    return ev;
  }
  if (op == Opcode::text && !valid_utf8(body)) return fail(invalid_payload);
  ev.kind = FrameEvent::message;
  ev.binary = op == Opcode::binary;
  ev.payload = body;
  return ev;
}

std::size_t encode_header(std::array<char, 10>& out, Opcode op, std::size_t n) noexcept {
  out[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));
  if (n < 126) {
    out[1] = static_cast<char>(n);
    return 2;
  }
  if (n <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<char>((n >> 8) & 0xFF);
    out[3] = static_cast<char>(n & 0xFF);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>((static_cast<std::uint64_t>(n) >> (56 - 8 * i)) & 0xFF);
  return 10;
}

std::string encode_frame(Opcode op, std::string_view payload) {
  std::array<char, 10> h{};
  const std::size_t n = encode_header(h, op, payload.size());
  std::string out;
  out.reserve(n + payload.size());
  out.append(h.data(), n);
  out.append(payload);
  return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
  std::string body;
  body.push_back(static_cast<char>(code >> 8));
  body.push_back(static_cast<char>(code & 0xFF));
  // A control frame carries at most 125 bytes: cut the reason there, but not inside a UTF-8 character.
  body.append(reason.substr(0, utf8_prefix_length(reason, 123)));
  return encode_frame(Opcode::close, body);
}

std::string accept_key(std::string_view client_key) {
  static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string input(client_key);
  input.append(guid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  std::string out;
  append_base64(out, std::string_view(reinterpret_cast<const char*>(digest), SHA_DIGEST_LENGTH));
  return out;
}

std::optional<std::string> check_upgrade(const Request& req) {
  if (req.method() != bhttp::verb::get) return std::string("WebSocket upgrade must be a GET");
  if (req.version() < 11) return std::string("WebSocket upgrade needs HTTP/1.1");
  if (req[bhttp::field::sec_websocket_version] != "13") return std::string("Sec-WebSocket-Version must be 13");
  // RFC 6455 4.2.1: the key is a 16-byte nonce in base64, so 22 base64 characters and "==".
  const auto key = req[bhttp::field::sec_websocket_key];
  std::string nonce;
  if (key.size() != 24 || !append_base64_decoded(nonce, key) || nonce.size() != 16)
    return std::string("Sec-WebSocket-Key must be 16 bytes in base64");
  return std::nullopt;
}

}  // namespace hearth::net::ws
