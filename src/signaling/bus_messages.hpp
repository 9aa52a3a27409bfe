#pragma once
// What signaling says to the other nodes of a cluster over the bus (cluster/bus.hpp; docs/architecture.md, "Several
// nodes"): a kind and its fields, each field length-prefixed, so packets (Socket.IO text, binary attachments) travel
// as they are. Pure; stateless.
//
// Kinds (fields in order):
//   relay      session, target socket, sender socket, event, packet, attachments…  to the target socket's node
//   refused    sender socket, event, message                                       back to the sender's node
//   room       session, except socket, packet            deliver to the call's members on this node but one
//   joined     session, user, new socket, packet         the user (re)joined elsewhere: drop its member here
//                                                         ("replaced" to a connected old socket), then deliver
//   left       session, user, socket, packet             the user left: drop that member here, then deliver
//   users      packet, user…                             deliver to these users' sockets on this node
//   ended      session, packet, user…                    the call ended: tell these users, close the room here
//   quality    session, reporter, established ms or "", then per link: sender user, rtt, jitter, loss, local
//              candidate type or "", remote candidate type or ""   a member's quality report, to the nodes holding
//              the call's other members (each keeps the call's whole quality state)
//   admitted   session, socket                           a host admitted the user waiting on this socket (stored as
//                                                         active already): to the socket's node, which completes the
//                                                         join there
//   breakout   session, then user, room…                 the call's breakout rooms now (none: no pairs)
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calls/quality.hpp"

namespace hearth::signaling {

enum class BusKind : char {
  relay = 'R',
  refused = 'F',
  room = 'B',
  joined = 'J',
  left = 'L',
  users = 'U',
  ended = 'E',
  quality = 'Q',
  admitted = 'A',
  breakout = 'K',
};

struct BusMessage {
  BusKind kind{};
  std::vector<std::string_view> fields;  // views into the encoded text
};

// kind, then each field as <decimal length>:<bytes>.
std::string encode_bus_message(BusKind kind, std::initializer_list<std::string_view> fields,
                               const std::vector<std::string>& more = {});
// nullopt for anything malformed (unknown kind, a length past the end, too few fields for the kind).
std::optional<BusMessage> decode_bus_message(std::string_view text);

// A quality report (user ids resolved) as a `quality` message, and back: nullopt if malformed (numbers that do not
// parse or are out of range, an unknown candidate type, more than calls::kMaxQualityLinks links).
std::string encode_quality_message(std::string_view session_id, const calls::QualityReport& report);
std::optional<calls::QualityReport> decode_quality_report(const BusMessage& m);

// The node holding `socket_id` ("n1.abc…" -> "n1"); empty for an id without a node prefix (a single node's).
std::string_view node_of(std::string_view socket_id) noexcept;

}  // namespace hearth::signaling
