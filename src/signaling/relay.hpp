#pragma once
// The hot path of signaling: reading the routing fields of a webrtc_* event and re-encoding it for its target
// without building or re-serialising its JSON (SDP offers are kilobytes). Input is text the Socket.IO codec has
// already validated as JSON. Pure; stateless.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace hearth::signaling {

// The routing fields of a relay event, read in one pass over its object: sessionId and targetSocketId (strings,
// unescaped into the scratch buffers when needed) and whether the payload member `field` (offer, answer,
// candidate) is there. Errors: invalid_argument naming the first missing or mistyped field.
struct RelayFields {
  std::string_view session_id;
  std::string_view target_socket_id;
};
Result<RelayFields> relay_fields(std::string_view object, std::string_view field, std::string& scratch1,
                                 std::string& scratch2);

// The Engine.IO packet delivering `event` to its target: 42["event",{...original members...,
// "fromSocketId":"…","fromUserId":"…"}]. The sender's members come first and ours last, so a client that
// sends its own fromSocketId cannot spoof it (JSON.parse keeps the last duplicate).
std::string encode_relay(std::string_view event, std::string_view object, std::string_view from_socket_id,
                         std::string_view from_user_id);
// The same into `out` (replacing its contents, reusing its capacity).
void encode_relay(std::string& out, std::string_view event, std::string_view object, std::string_view from_socket_id,
                  std::string_view from_user_id);

// An event that came with binary attachments, for its target: the Socket.IO BINARY_EVENT text (no Engine.IO "4")
// and the attachments its placeholders name, renumbered in order. Binary relays are rare, so this one parses and
// re-serialises the object. Errors: invalid_argument (not an object, a placeholder naming no attachment, an
// attachment named by no placeholder or by several: each is copied once, never once per placeholder).
struct BinaryRelay {
  std::string text;
  std::vector<std::string> attachments;
};
Result<BinaryRelay> encode_binary_relay(std::string_view event, std::string_view object,
                                        std::string_view from_socket_id, std::string_view from_user_id,
                                        std::span<const std::string> attachments);

}  // namespace hearth::signaling
