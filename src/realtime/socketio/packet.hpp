#pragma once
// Socket.IO v5 packet codec over Engine.IO messages:
//   <type>[<attachments>-][<nsp>,][<ack id>][<json data>]     2["hello",1]   2/admin,456["x"]   451-["a",{…}]
// decode_header() splits and validates a packet without building its JSON (see json_check.hpp): the views point
// into the input, so the caller keeps the input alive. Encoders concatenate, so relayed argument text is spliced
// in untouched; each append_* variant writes after what `out` already holds (e.g. Engine.IO's "4").
// Thread safety: stateless.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace hearth::realtime::socketio {

enum class PacketType : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

std::string_view to_string(PacketType type) noexcept;
constexpr bool is_binary(PacketType type) noexcept {
  return type == PacketType::binary_event || type == PacketType::binary_ack;
}

inline constexpr std::size_t kMaxNamespaceLength = 256;
inline constexpr std::uint64_t kMaxAckId = std::uint64_t{1} << 53;  // largest id a JS number holds exactly
inline constexpr std::size_t kDefaultMaxAttachments = 10;
inline constexpr std::size_t kDefaultMaxDepth = 32;  // Boost.JSON's default; real payloads nest 3–5 deep

struct Header {
  PacketType type = PacketType::event;
  std::size_t attachments = 0;  // binary types only
  std::string_view nsp = "/";   // "/" when absent
  std::optional<std::uint64_t> ack_id;
  std::string_view data;  // raw JSON text, empty if absent

  friend bool operator==(const Header&, const Header&) = default;
};

struct DecodeLimits {
  std::size_t max_attachments = kDefaultMaxAttachments;
  std::size_t max_depth = kDefaultMaxDepth;  // capped at kMaxJsonDepth
};

// Validates, per type:
//   CONNECT        no ack id; data absent or an object          DISCONNECT  no ack id, no data
//   EVENT          data: array, first element a non-reserved string name; ack id optional
//   ACK            ack id required; data: array                 CONNECT_ERROR  no ack id; data absent, object or string
//   BINARY_*       as EVENT/ACK, plus "<n>-" with n ≤ max_attachments and every placeholder's num < n
// Namespace: starts with '/', ≤ 256 bytes, UTF-8, no control characters, ends at ',' (or the end of the packet).
// Ack id: decimal ≤ 2^53. JSON: strict, valid UTF-8, depth ≤ max_depth, starting right after the header.
// Errors: invalid_argument; an attachment count over the limit is payload_too_large.
Result<Header> decode_header(std::string_view packet, const DecodeLimits& limits = {});

// Arguments are raw JSON texts, joined with ','. An element may itself be several comma-separated values (the
// `args` of split_event()), empty texts are skipped. Names are escaped as JSON strings. nsp "/" or "" is omitted.
void append_event(std::string& out, std::string_view nsp, std::string_view name, std::span<const std::string_view> args,
                  std::optional<std::uint64_t> ack_id = {});
std::string encode_event(std::string_view nsp, std::string_view name, std::span<const std::string_view> args,
                         std::optional<std::uint64_t> ack_id = {});
std::string encode_event(std::string_view nsp, std::string_view name, std::initializer_list<std::string_view> args,
                         std::optional<std::uint64_t> ack_id = {});

void append_ack(std::string& out, std::string_view nsp, std::uint64_t ack_id, std::span<const std::string_view> args);
std::string encode_ack(std::string_view nsp, std::uint64_t ack_id, std::span<const std::string_view> args);
std::string encode_ack(std::string_view nsp, std::uint64_t ack_id, std::initializer_list<std::string_view> args);

// Binary variants: the text packet only; the caller sends `attachments` binary messages after it, in order.
// The args carry the {"_placeholder":true,"num":k} objects (see binary.hpp to build them from a value).
void append_binary_event(std::string& out, std::string_view nsp, std::string_view name,
                         std::span<const std::string_view> args, std::size_t attachments,
                         std::optional<std::uint64_t> ack_id = {});
std::string encode_binary_event(std::string_view nsp, std::string_view name, std::span<const std::string_view> args,
                                std::size_t attachments, std::optional<std::uint64_t> ack_id = {});
void append_binary_ack(std::string& out, std::string_view nsp, std::uint64_t ack_id,
                       std::span<const std::string_view> args, std::size_t attachments);
std::string encode_binary_ack(std::string_view nsp, std::uint64_t ack_id, std::span<const std::string_view> args,
                              std::size_t attachments);

// 0/admin,{"sid":"…"}
std::string encode_connect(std::string_view nsp, std::string_view sid);
// 4/admin,{"message":"…"} or, with `data_json` (raw JSON), {"message":"…","data":…}
std::string encode_connect_error(std::string_view nsp, std::string_view message, std::string_view data_json = {});
// 1/admin,   (or "1" for the main namespace)
std::string encode_disconnect(std::string_view nsp);

}  // namespace hearth::realtime::socketio
