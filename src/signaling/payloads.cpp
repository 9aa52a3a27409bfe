#include "signaling/payloads.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "calls/breakout.hpp"
#include "calls/controls.hpp"
#include "core/ids.hpp"
#include "core/time_format.hpp"
#include "ice/ice_json.hpp"
#include "realtime/socketio/json_text.hpp"
#include "signaling/bus_messages.hpp"
#include "signaling/room.hpp"
#include "store/session_json.hpp"

namespace hearth::signaling {
namespace json = boost::json;
namespace jt = realtime::socketio::jsontext;

namespace {

Error invalid(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

Result<json::object> parse_object(std::string_view arg) {
  if (arg.empty()) return invalid("payload: an object is required");
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  auto v = json::parse(arg, ec, {}, opts);
  if (ec || !v.is_object()) return invalid("payload: an object is required");
  return std::move(v.get_object());
}

Result<std::string> read_id(const json::object& o, std::string_view key, bool required) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) return invalid(fmt::format("{}: required", key));
    return std::string();
  }
  if (!v->is_string() || !is_valid_id(v->get_string()))
    return invalid(fmt::format("{}: must be a non-empty string of at most {} characters", key, kMaxIdLength));
  return std::string(v->get_string());
}

}  // namespace

Result<json::object> parse_payload_object(std::string_view arg) { return parse_object(arg); }
Result<std::string> read_payload_id(const json::object& o, std::string_view key, bool required) {
  return read_id(o, key, required);
}

std::string_view first_argument(std::string_view args) {
  const std::size_t begin = jt::skip_ws(args, 0);
  if (begin >= args.size()) return {};
  const std::size_t end = jt::value_end(args, begin);
  if (end == jt::npos) return {};
  return args.substr(begin, end - begin);
}

std::optional<std::string> token_from_argument(std::string_view arg) {
  boost::system::error_code ec;
  if (arg.empty()) return std::nullopt;
  auto v = json::parse(arg, ec);
  if (ec) return std::nullopt;
  if (v.is_string() && !v.get_string().empty()) return std::string(v.get_string());
  if (v.is_object())
    if (const auto* t = v.get_object().if_contains("token"); t && t->is_string() && !t->get_string().empty())
      return std::string(t->get_string());
  return std::nullopt;
}

Result<std::optional<std::string>> token_from_auth(std::string_view auth_json) {
  if (auth_json.empty()) return std::optional<std::string>();
  boost::system::error_code ec;
  auto v = json::parse(auth_json, ec);
  if (ec || !v.is_object()) return std::optional<std::string>();
  const auto* t = v.get_object().if_contains("token");
  if (!t) return std::optional<std::string>();
  if (!t->is_string()) return invalid("token: must be a string");
  constexpr std::string_view blank = " \t\r\n";
  auto trimmed = [&](std::string_view s) {
    const auto b = s.find_first_not_of(blank);
    return b == std::string_view::npos ? std::string_view() : s.substr(b, s.find_last_not_of(blank) - b + 1);
  };
  std::string_view token = trimmed(t->get_string());
  if (token == "Bearer" || token.starts_with("Bearer ")) token = trimmed(token.substr(6));
  if (token.empty()) return invalid("token: must be a non-blank string");
  return std::optional<std::string>(std::string(token));
}

Result<JoinRequest> parse_join(std::string_view arg) {
  auto o = parse_object(arg);
  if (!o) return o.error();
  auto id = read_id(*o, "sessionId", true);
  if (!id) return id.error();
  auto peer = read_id(*o, "peerId", false);
  if (!peer) return peer.error();
  return JoinRequest{std::move(*id), std::move(*peer)};
}

Result<std::string> parse_session_ref(std::string_view arg) {
  auto o = parse_object(arg);
  if (!o) return o.error();
  return read_id(*o, "sessionId", true);
}

Result<MediaRequest> parse_media(std::string_view arg) {
  auto o = parse_object(arg);
  if (!o) return o.error();
  auto id = read_id(*o, "sessionId", true);
  if (!id) return id.error();
  auto update = calls::read_media_update(*o, "payload");
  if (!update) return update.error();
  return MediaRequest{*update, std::move(*id)};
}

namespace {

// A finite number in [0, max] (integers too), or the error naming `field`.
Result<double> read_figure(const json::object& o, std::string_view key, std::string_view field, double max,
                           bool required) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) {
    if (required) return invalid(fmt::format("{}: required", field));
    return -1.0;
  }
  double d = -1;
  if (v->is_double()) d = v->get_double();
  if (v->is_int64()) d = static_cast<double>(v->get_int64());
  if (v->is_uint64()) d = static_cast<double>(v->get_uint64());
  if (!(d >= 0 && d <= max))  // also NaN and non-numbers
    return invalid(fmt::format("{}: must be a number between 0 and {}", field, max));
  return d;
}

Result<std::optional<calls::CandidateType>> read_candidate(const json::object& o, std::string_view key,
                                                           std::string_view field) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<calls::CandidateType>();
  const auto t = v->is_string() ? calls::parse_candidate_type(v->get_string()) : std::nullopt;
  if (!t) return invalid(fmt::format("{}: must be one of host, srflx, prflx, relay", field));
  return t;
}

Result<QualityLink> read_quality_link(const json::value& v, std::size_t i) {
  const std::string at = fmt::format("links[{}]", i);
  if (!v.is_object()) return invalid(at + ": must be an object");
  const auto& o = v.get_object();
  QualityLink link;
  auto id = read_id(o, "socketId", true);
  if (!id) return invalid(at + "." + id.error().message);
  link.socket_id = std::move(*id);
  constexpr double kMaxMs = 60'000;
  constexpr double kMaxRate = 1e7;  // kbps, frames per second, frames dropped
  auto rtt = read_figure(o, "rttMs", at + ".rttMs", kMaxMs, true);
  if (!rtt) return rtt.error();
  auto jitter = read_figure(o, "jitterMs", at + ".jitterMs", kMaxMs, true);
  if (!jitter) return jitter.error();
  auto loss = read_figure(o, "packetLossPct", at + ".packetLossPct", 100, true);
  if (!loss) return loss.error();
  for (const std::string_view key : {"inboundKbps", "outboundKbps", "framesPerSecond", "framesDropped"})
    if (auto f = read_figure(o, key, at + "." + std::string(key), kMaxRate, false); !f) return f.error();
  auto local = read_candidate(o, "localCandidateType", at + ".localCandidateType");
  if (!local) return local.error();
  auto remote = read_candidate(o, "remoteCandidateType", at + ".remoteCandidateType");
  if (!remote) return remote.error();
  link.report = {{}, *rtt, *jitter, *loss, *local, *remote};
  return link;
}

}  // namespace

Result<QualityReportRequest> parse_quality_report(std::string_view arg) {
  auto o = parse_object(arg);
  if (!o) return o.error();
  QualityReportRequest r;
  auto id = read_id(*o, "sessionId", true);
  if (!id) return id.error();
  r.session_id = std::move(*id);
  auto established = read_figure(*o, "connectionEstablishedMs", "connectionEstablishedMs", 600'000, false);
  if (!established) return established.error();
  if (*established >= 0) r.connection_established_ms = static_cast<std::int64_t>(*established);
  const auto* links = o->if_contains("links");
  if (!links || !links->is_array()) return invalid("links: an array is required");
  const auto& arr = links->get_array();
  if (arr.size() > kMaxQualityLinks) return invalid(fmt::format("links: at most {} links", kMaxQualityLinks));
  r.links.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto link = read_quality_link(arr[i], i);
    if (!link) return link.error();
    r.links.push_back(std::move(*link));
  }
  return r;
}

std::string user_json(const auth::Principal& p) {
  return json::serialize(json::object{{"userId", p.user_id}, {"name", p.name}});
}

std::string ice_servers_json(const std::vector<ice::IceServer>& servers) { return ice::to_json_text(servers); }

std::string replaced_json(std::string_view session_id) {
  return json::serialize(json::object{{"event", "join_call_session"},
                                      {"sessionId", session_id},
                                      {"message", "You joined this call from another connection"},
                                      {"code", "replaced"}});
}

json::array breakout_rooms_json(const calls::BreakoutRound& round) {
  json::array rooms;
  for (const auto& r : round.rooms) {
    json::array users;
    for (const auto& u : r.user_ids) users.emplace_back(u);
    rooms.emplace_back(json::object{{"roomId", r.room_id}, {"name", r.name}, {"userIds", std::move(users)}});
  }
  return rooms;
}

json::array waiting_json(const calls::CallSession& s) {
  json::array out;
  for (const auto& w : s.waiting)
    out.emplace_back(json::object{{"userId", w.user_id}, {"name", w.name}, {"since", format_iso8601(w.since)}});
  return out;
}

json::object member_json(std::string_view session_id, const Member& m) {
  return json::object{{"sessionId", session_id},
                      {"userId", m.user_id},
                      {"name", m.name},
                      {"socketId", m.socket_id},
                      {"peerId", m.peer_id},
                      {"hasVideo", m.media.has_video},
                      {"hasAudio", m.media.has_audio},
                      {"isScreenSharing", m.media.is_screen_sharing},
                      {"joinedAt", format_iso8601(m.joined_at)}};
}

std::string session_joined_json(const calls::CallSession& s, const CallRoom& room, std::string_view self_socket,
                                std::string_view ice_json, const std::string* this_node) {
  json::array others;
  for (const auto& m : const_cast<CallRoom&>(room).members()) {
    if (m.socket_id == self_socket) continue;
    auto o = member_json(s.session_id, m);
    o.erase("sessionId");
    // Within its reconnect grace: listed, so a rejoining client keeps its connection until user_reconnected.
    if (!m.connected) o["reconnecting"] = true;
    o["role"] = calls::to_string(calls::role_of(s, m.user_id));
    others.emplace_back(std::move(o));
  }
  if (this_node) {
    for (const auto& p : s.participants) {
      if (!p.is_active || p.socket_id.empty() || p.socket_id == self_socket) continue;
      if (const auto node = node_of(p.socket_id); node.empty() || node == *this_node) continue;
      if (const_cast<CallRoom&>(room).find_user(p.user_id)) continue;
      Member m;
      m.user_id = p.user_id;
      m.name = p.name;
      m.socket_id = p.socket_id;
      m.peer_id = p.peer_id;
      m.media = p.media;
      m.joined_at = p.joined_at.value_or(s.created_at);
      auto o = member_json(s.session_id, m);
      o.erase("sessionId");
      o["role"] = calls::to_string(calls::role_of(s, p.user_id));
      others.emplace_back(std::move(o));
    }
  }
  std::string_view self_user;
  for (const auto& p : s.participants)
    if (p.socket_id == self_socket) self_user = p.user_id;
  const auto role = calls::role_of(s, self_user);
  json::object o{{"sessionId", s.session_id},
                 {"sessionType", calls::to_string(s.session_type)},
                 {"participants", std::move(others)},
                 {"callSettings", store::to_json(s.call_settings)},
                 {"iceServers", json::parse(ice_json)},
                 {"role", calls::to_string(role)},
                 {"locked", s.locked}};
  if (role != calls::Role::participant) o["waitingRoom"] = waiting_json(s);  // the hosts' list to admit from
  // Breakout rooms: the joiner's room (a reconnecting member goes back into it) and the open round.
  const auto breakout = calls::breakout_room_of(s, self_user);
  o["breakoutRoomId"] = breakout.empty() ? json::value(nullptr) : json::value(breakout);
  if (s.breakout) {
    o["breakoutRooms"] = json::object{
        {"rooms", breakout_rooms_json(*s.breakout)},
        {"endsAt", s.breakout->ends_at ? json::value(format_iso8601(*s.breakout->ends_at)) : json::value(nullptr)}};
  } else {
    o["breakoutRooms"] = nullptr;
  }
  return json::serialize(o);
}

}  // namespace hearth::signaling
