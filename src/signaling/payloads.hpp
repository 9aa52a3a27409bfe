#pragma once
// Reading client event payloads and building the server's event payloads (JSON texts). Field errors name the
// field and the rule, like the REST API's. Pure; stateless.
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "calls/call_session.hpp"
#include "calls/media_update.hpp"
#include "calls/quality.hpp"
#include "core/result.hpp"
#include "ice/ice_servers.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace hearth::signaling {

class CallRoom;
struct Member;

// For the payload readers of other files (control_payloads.cpp): the argument as an object (at most 32 levels
// deep), and an id field (is_valid_id), empty when absent and not required.
Result<boost::json::object> parse_payload_object(std::string_view arg);
Result<std::string> read_payload_id(const boost::json::object& o, std::string_view key, bool required);

// The raw JSON of the first argument in a comma-separated argument list ("" if none).
std::string_view first_argument(std::string_view args);

// The token of an `authenticate` argument: a JSON string, or an object with a string "token".
std::optional<std::string> token_from_argument(std::string_view arg);
// The token of a CONNECT auth payload ({"token":...}, "Bearer " allowed), a tri-state:
//   a token                 -> verify it now;
//   nullopt                 -> no "token" member (or no auth object): the client may send `authenticate` later;
//   invalid_argument error  -> a "token" member that is not a non-blank string: refuse the CONNECT at once.
Result<std::optional<std::string>> token_from_auth(std::string_view auth_json);

struct JoinRequest {
  std::string session_id;
  std::string peer_id;  // may be empty: the socket id is used
};
Result<JoinRequest> parse_join(std::string_view arg);
// {sessionId} of leave_call_session and decline_call.
Result<std::string> parse_session_ref(std::string_view arg);

// {sessionId, hasVideo?, hasAudio?, isScreenSharing?}: the flags as calls::read_media_update reads them.
struct MediaRequest : calls::MediaUpdate {
  std::string session_id;
};
Result<MediaRequest> parse_media(std::string_view arg);

// call_quality_report: {sessionId, connectionEstablishedMs?, links: [{socketId, rttMs, jitterMs, packetLossPct,
// inboundKbps?, outboundKbps?, framesPerSecond?, framesDropped?, localCandidateType?, remoteCandidateType?}]}.
// Unknown fields are ignored (more may follow); the optional figures are checked but not kept.
inline constexpr std::size_t kMaxQualityLinks = 32;
struct QualityLink {
  std::string socket_id;     // the remote peer's socket
  calls::LinkReport report;  // sender still empty: the room knows whose socket it is
};
struct QualityReportRequest {
  std::string session_id;
  std::optional<std::int64_t> connection_established_ms;
  std::vector<QualityLink> links;
};
Result<QualityReportRequest> parse_quality_report(std::string_view arg);

std::string user_json(const auth::Principal& p);  // {"userId","name"}
std::string ice_servers_json(const std::vector<ice::IceServer>& servers);
// call_error for a socket whose join was taken over by another socket of the same user.
std::string replaced_json(std::string_view session_id);
// The open breakout rooms: [{roomId, name, userIds}].
boost::json::array breakout_rooms_json(const calls::BreakoutRound& round);
// The waiting room as hosts see it: [{userId, name, since}].
boost::json::array waiting_json(const calls::CallSession& s);
// The entry of a participant as other participants see it.
boost::json::object member_json(std::string_view session_id, const Member& m);
// call_session_joined: {sessionId, sessionType, participants (the others), callSettings, iceServers}. Members in
// their reconnect grace are listed with "reconnecting": true. On a node of a cluster (`this_node` set), the session's
// active participants held by other nodes are listed too, from the stored session.
std::string session_joined_json(const calls::CallSession& s, const CallRoom& room, std::string_view self_socket,
                                std::string_view ice_json, const std::string* this_node = nullptr);

}  // namespace hearth::signaling
