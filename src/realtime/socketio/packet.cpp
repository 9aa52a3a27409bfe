#include "realtime/socketio/packet.hpp"

#include <charconv>

#include "core/utf8.hpp"
#include "realtime/socketio/json_check.hpp"
#include "realtime/socketio/json_text.hpp"

namespace hearth::realtime::socketio {
namespace {

Error malformed(std::string detail) {
  return make_error(errc::invalid_argument, "malformed Socket.IO packet", std::move(detail));
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Decimal digits at in[i…]; fails (nullopt) when the value would exceed `limit`. Advances i past the digits.
std::optional<std::uint64_t> read_number(std::string_view in, std::size_t& i, std::uint64_t limit) noexcept {
  std::uint64_t v = 0;
  for (; i < in.size() && is_digit(in[i]); ++i) {
    const auto d = static_cast<std::uint64_t>(in[i] - '0');
    if (d > limit || v > (limit - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

Result<void> check_namespace(std::string_view nsp) {
  if (nsp.size() > kMaxNamespaceLength) return malformed("namespace longer than 256 bytes");
  for (const char c : nsp) {
    const auto uc = static_cast<unsigned char>(c);
    if (uc < 0x20 || uc == 0x7f) return malformed("control character in namespace");
  }
  // The server may echo it (CONNECT_ERROR), and a WebSocket text frame must be UTF-8.
  if (!valid_utf8(nsp)) return malformed("namespace is not UTF-8");
  return {};
}

Result<void> check_data(const Header& h, const DecodeLimits& limits) {
  const bool has_data = !h.data.empty();
  if (has_data && jsontext::is_ws(h.data.front())) return malformed("whitespace between header and data");
  JsonCheck check;
  check.max_depth = limits.max_depth;
  switch (h.type) {
    case PacketType::connect:
      if (h.ack_id) return malformed("CONNECT takes no ack id");
      if (!has_data) return {};
      check.shape = JsonShape::object;
      break;
    case PacketType::disconnect:
      if (h.ack_id) return malformed("DISCONNECT takes no ack id");
      if (has_data) return malformed("DISCONNECT takes no data");
      return {};
    case PacketType::connect_error:
      if (h.ack_id) return malformed("CONNECT_ERROR takes no ack id");
      if (!has_data) return {};
      check.shape = JsonShape::object_or_string;
      break;
    case PacketType::event:
    case PacketType::binary_event:
      if (!has_data) return malformed("EVENT without data");
      check.shape = JsonShape::event;
      break;
    case PacketType::ack:
    case PacketType::binary_ack:
      if (!h.ack_id) return malformed("ACK without ack id");
      if (!has_data) return malformed("ACK without data");
      check.shape = JsonShape::array;
      break;
  }
  check.placeholders = is_binary(h.type);
  check.attachments = h.attachments;
  return check_json(h.data, check);
}

std::size_t digit_count(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

bool omit_nsp(std::string_view nsp) noexcept { return nsp.empty() || nsp == "/"; }

std::size_t args_size(std::span<const std::string_view> args) noexcept {
  std::size_t n = 0;
  for (const std::string_view a : args) n += a.empty() ? 0 : a.size() + 1;
  return n;
}

// "<type>[<n>-][<nsp>,][<id>]" with room reserved for `body` more bytes.
void append_header(std::string& out, PacketType type, std::size_t attachments, std::string_view nsp,
                   std::optional<std::uint64_t> ack_id, std::size_t body) {
  std::size_t size = 1 + body;
  if (is_binary(type)) size += digit_count(attachments) + 1;
  if (!omit_nsp(nsp)) size += nsp.size() + 1;
  if (ack_id) size += digit_count(*ack_id);
  out.reserve(out.size() + size);

  out += static_cast<char>('0' + static_cast<int>(type));
  if (is_binary(type)) {
    append_number(out, attachments);
    out += '-';
  }
  if (!omit_nsp(nsp)) {
    out += nsp;
    out += ',';
  }
  if (ack_id) append_number(out, *ack_id);
}

// '[' [name] args… ']' — `name` null for acks.
void append_array(std::string& out, const std::string_view* name, std::span<const std::string_view> args) {
  out += '[';
  bool first = true;
  if (name != nullptr) {
    jsontext::append_quoted(out, *name);
    first = false;
  }
  for (const std::string_view a : args) {
    if (a.empty()) continue;
    if (!first) out += ',';
    out += a;
    first = false;
  }
  out += ']';
}

void append_event_like(std::string& out, PacketType type, std::size_t attachments, std::string_view nsp,
                       std::string_view name, std::span<const std::string_view> args,
                       std::optional<std::uint64_t> ack_id) {
  append_header(out, type, attachments, nsp, ack_id, 2 + jsontext::quoted_size(name) + args_size(args));
  append_array(out, &name, args);
}

void append_ack_like(std::string& out, PacketType type, std::size_t attachments, std::string_view nsp,
                     std::uint64_t ack_id, std::span<const std::string_view> args) {
  append_header(out, type, attachments, nsp, ack_id, 2 + args_size(args));
  append_array(out, nullptr, args);
}

}  // namespace

std::string_view to_string(PacketType type) noexcept {
  switch (type) {
    case PacketType::connect:
      return "CONNECT";
    case PacketType::disconnect:
      return "DISCONNECT";
    case PacketType::event:
      return "EVENT";
    case PacketType::ack:
      return "ACK";
    case PacketType::connect_error:
      return "CONNECT_ERROR";
    case PacketType::binary_event:
      return "BINARY_EVENT";
    case PacketType::binary_ack:
      return "BINARY_ACK";
  }
  return "UNKNOWN";
}

Result<Header> decode_header(std::string_view in, const DecodeLimits& limits) {
  if (in.empty()) return malformed("empty packet");
  if (in[0] < '0' || in[0] > '6') return malformed("unknown packet type");
  Header h;
  h.type = static_cast<PacketType>(in[0] - '0');
  std::size_t i = 1;

  if (is_binary(h.type)) {
    const std::size_t start = i;
    const auto count = read_number(in, i, limits.max_attachments);
    if (!count) {
      return make_error(errc::payload_too_large, "too many binary attachments",
                        "limit " + std::to_string(limits.max_attachments));
    }
    if (i == start || i == in.size() || in[i] != '-') return malformed("attachment count must be digits then '-'");
    h.attachments = static_cast<std::size_t>(*count);
    ++i;
  }

  if (i < in.size() && in[i] == '/') {
    const std::size_t comma = in.find(',', i);
    const std::size_t end = comma == std::string_view::npos ? in.size() : comma;
    h.nsp = in.substr(i, end - i);
    if (auto r = check_namespace(h.nsp); !r) return r.error();
    i = comma == std::string_view::npos ? in.size() : comma + 1;
  }

  if (i < in.size() && is_digit(in[i])) {
    const auto id = read_number(in, i, kMaxAckId);
    if (!id) return malformed("ack id above 2^53");
    h.ack_id = *id;
  }

  h.data = in.substr(i);
  if (auto r = check_data(h, limits); !r) return r.error();
  return h;
}

void append_event(std::string& out, std::string_view nsp, std::string_view name, std::span<const std::string_view> args,
                  std::optional<std::uint64_t> ack_id) {
  append_event_like(out, PacketType::event, 0, nsp, name, args, ack_id);
}

std::string encode_event(std::string_view nsp, std::string_view name, std::span<const std::string_view> args,
                         std::optional<std::uint64_t> ack_id) {
  std::string out;
  append_event(out, nsp, name, args, ack_id);
  return out;
}

std::string encode_event(std::string_view nsp, std::string_view name, std::initializer_list<std::string_view> args,
                         std::optional<std::uint64_t> ack_id) {
  return encode_event(nsp, name, std::span<const std::string_view>(args.begin(), args.size()), ack_id);
}

void append_ack(std::string& out, std::string_view nsp, std::uint64_t ack_id, std::span<const std::string_view> args) {
  append_ack_like(out, PacketType::ack, 0, nsp, ack_id, args);
}

std::string encode_ack(std::string_view nsp, std::uint64_t ack_id, std::span<const std::string_view> args) {
  std::string out;
  append_ack(out, nsp, ack_id, args);
  return out;
}

std::string encode_ack(std::string_view nsp, std::uint64_t ack_id, std::initializer_list<std::string_view> args) {
  return encode_ack(nsp, ack_id, std::span<const std::string_view>(args.begin(), args.size()));
}

void append_binary_event(std::string& out, std::string_view nsp, std::string_view name,
                         std::span<const std::string_view> args, std::size_t attachments,
                         std::optional<std::uint64_t> ack_id) {
  append_event_like(out, PacketType::binary_event, attachments, nsp, name, args, ack_id);
}

std::string encode_binary_event(std::string_view nsp, std::string_view name, std::span<const std::string_view> args,
                                std::size_t attachments, std::optional<std::uint64_t> ack_id) {
  std::string out;
  append_binary_event(out, nsp, name, args, attachments, ack_id);
  return out;
}

void append_binary_ack(std::string& out, std::string_view nsp, std::uint64_t ack_id,
                       std::span<const std::string_view> args, std::size_t attachments) {
  append_ack_like(out, PacketType::binary_ack, attachments, nsp, ack_id, args);
}

std::string encode_binary_ack(std::string_view nsp, std::uint64_t ack_id, std::span<const std::string_view> args,
                              std::size_t attachments) {
  std::string out;
  append_binary_ack(out, nsp, ack_id, args, attachments);
  return out;
}

std::string encode_connect(std::string_view nsp, std::string_view sid) {
  std::string out;
  append_header(out, PacketType::connect, 0, nsp, std::nullopt, 9 + jsontext::quoted_size(sid));
  out += "{\"sid\":";
  jsontext::append_quoted(out, sid);
  out += '}';
  return out;
}

std::string encode_connect_error(std::string_view nsp, std::string_view message, std::string_view data_json) {
  std::string out;
  append_header(out, PacketType::connect_error, 0, nsp, std::nullopt,
                13 + jsontext::quoted_size(message) + (data_json.empty() ? 0 : 8 + data_json.size()));
  out += "{\"message\":";
  jsontext::append_quoted(out, message);
  if (!data_json.empty()) {
    out += ",\"data\":";
    out += data_json;
  }
  out += '}';
  return out;
}

std::string encode_disconnect(std::string_view nsp) {
  std::string out;
  append_header(out, PacketType::disconnect, 0, nsp, std::nullopt, 0);
  return out;
}

}  // namespace hearth::realtime::socketio
