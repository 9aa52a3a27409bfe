#include "signaling/control_payloads.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/ids.hpp"
#include "signaling/payloads.hpp"

namespace hearth::signaling {
namespace json = boost::json;

namespace {

Error invalid(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

// Characters are Unicode code points; the text is valid UTF-8 (the JSON parser checks).
std::size_t characters(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

Result<bool> read_flag(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return false;
  if (!v->is_bool()) return invalid(fmt::format("{}: must be a boolean", key));
  return v->get_bool();
}

bool is_client_message_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxClientMessageId && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// An integer field in [min, max], nullopt when absent or null.
Result<std::optional<int>> read_int(const json::object& o, std::string_view key, int min, int max) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<int>{};
  const auto n = v->is_int64() ? std::optional(v->get_int64()) : std::nullopt;
  if (!n || *n < min || *n > max) return invalid(fmt::format("{}: an integer from {} to {}", key, min, max));
  return std::optional<int>(static_cast<int>(*n));
}

Result<calls::BreakoutSpec> read_room(const json::value& v, std::size_t i) {
  const auto* o = v.if_object();
  if (!o) return invalid(fmt::format("rooms[{}]: an object {{name, userIds}}", i));
  calls::BreakoutSpec room;
  const auto* name = o->if_contains("name");
  if (!name || !name->is_string() || name->get_string().empty() ||
      characters(name->get_string()) > calls::kMaxBreakoutName)
    return invalid(fmt::format("rooms[{}].name: 1 to {} characters", i, calls::kMaxBreakoutName));
  room.name = std::string(name->get_string());
  const auto* users = o->if_contains("userIds");
  if (!users || !users->is_array() || users->get_array().size() > calls::kMaxInviteesPerRoom)
    return invalid(fmt::format("rooms[{}].userIds: an array of at most {} user ids", i, calls::kMaxInviteesPerRoom));
  for (const auto& u : users->get_array()) {
    if (!u.is_string() || !is_valid_id(u.get_string()))
      return invalid(fmt::format("rooms[{}].userIds: user ids are non-empty strings", i));
    room.user_ids.emplace_back(u.get_string());
  }
  return room;
}

}  // namespace

Result<OpenBreakoutRequest> parse_open_breakout(std::string_view arg) {
  auto o = parse_payload_object(arg);
  if (!o) return o.error();
  OpenBreakoutRequest r;
  auto session = read_payload_id(*o, "sessionId", true);
  if (!session) return session.error();
  r.session_id = std::move(*session);
  auto random = read_flag(*o, "random");
  if (!random) return random.error();
  r.request.random = *random;
  const auto max_rooms = static_cast<int>(calls::kMaxBreakoutRooms);
  if (r.request.random) {
    auto count = read_int(*o, "count", 2, max_rooms);
    if (!count) return count.error();
    if (!*count) return invalid(fmt::format("count: required with random, an integer from 2 to {}", max_rooms));
    r.request.count = **count;
  } else {
    const auto* rooms = o->if_contains("rooms");
    if (!rooms || !rooms->is_array() || rooms->get_array().empty() ||
        rooms->get_array().size() > calls::kMaxBreakoutRooms)
      return invalid(fmt::format("rooms: 1 to {} rooms (or count with random: true)", max_rooms));
    const auto& arr = rooms->get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      auto room = read_room(arr[i], i);
      if (!room) return room.error();
      r.request.rooms.push_back(std::move(*room));
    }
  }
  auto duration = read_int(*o, "durationSeconds", calls::kMinBreakoutSeconds, calls::kMaxBreakoutSeconds);
  if (!duration) return duration.error();
  r.request.duration_seconds = *duration;
  return r;
}

Result<BreakoutMove> parse_breakout_move(std::string_view arg) {
  auto o = parse_payload_object(arg);
  if (!o) return o.error();
  BreakoutMove m;
  auto session = read_payload_id(*o, "sessionId", true);
  if (!session) return session.error();
  m.session_id = std::move(*session);
  if (!o->contains("roomId")) return invalid("roomId: required (null for the main call)");
  auto room = read_payload_id(*o, "roomId", false);
  if (!room) return room.error();
  m.room_id = std::move(*room);
  return m;
}

Result<CloseBreakoutRequest> parse_close_breakout(std::string_view arg) {
  auto o = parse_payload_object(arg);
  if (!o) return o.error();
  CloseBreakoutRequest c;
  auto session = read_payload_id(*o, "sessionId", true);
  if (!session) return session.error();
  c.session_id = std::move(*session);
  auto countdown = read_int(*o, "countdownSeconds", 0, kMaxBreakoutCountdown);
  if (!countdown) return countdown.error();
  c.countdown_seconds = countdown->value_or(0);
  return c;
}

Result<WaitingDecision> parse_waiting_decision(std::string_view arg, bool with_reason) {
  auto o = parse_payload_object(arg);
  if (!o) return o.error();
  WaitingDecision d;
  auto session = read_payload_id(*o, "sessionId", true);
  if (!session) return session.error();
  auto user = read_payload_id(*o, "userId", true);
  if (!user) return user.error();
  d.session_id = std::move(*session);
  d.user_id = std::move(*user);
  if (!with_reason) return d;
  if (const auto* r = o->if_contains("reason"); r && !r->is_null()) {
    if (!r->is_string() || characters(r->get_string()) > kMaxDenyReason)
      return invalid(fmt::format("reason: a string of at most {} characters", kMaxDenyReason));
    d.reason = std::string(r->get_string());
  }
  return d;
}

Result<ModerateRequest> parse_moderate(std::string_view arg) {
  auto o = parse_payload_object(arg);
  if (!o) return o.error();
  ModerateRequest m;
  auto session = read_payload_id(*o, "sessionId", true);
  if (!session) return session.error();
  m.session_id = std::move(*session);
  const auto* a = o->if_contains("action");
  const auto action = a && a->is_string() ? calls::parse_moderation_action(a->get_string()) : std::nullopt;
  if (!action || *action == calls::ModerationAction::admit || *action == calls::ModerationAction::deny)
    return invalid(
        "action: one of mute_audio, disable_video, stop_screen_share, remove, lock, unlock, make_cohost, "
        "remove_cohost, end_call");
  m.request.action = *action;
  auto target = read_payload_id(*o, "targetUserId", false);
  if (!target) return target.error();
  m.request.target_user_id = std::move(*target);
  auto lock = read_flag(*o, "lock");
  if (!lock) return lock.error();
  m.request.lock = *lock;
  return m;
}

Result<ChatRequest> parse_chat(std::string_view arg) {
  auto o = parse_payload_object(arg);
  if (!o) return o.error();
  ChatRequest c;
  auto session = read_payload_id(*o, "sessionId", true);
  if (!session) return session.error();
  c.session_id = std::move(*session);
  const auto* text = o->if_contains("text");
  if (!text || !text->is_string()) return invalid("text: required, a string");
  const auto count = characters(text->get_string());
  if (count == 0 || count > kMaxChatCharacters)
    return invalid(fmt::format("text: 1 to {} characters", kMaxChatCharacters));
  c.text = std::string(text->get_string());
  const auto* id = o->if_contains("clientMessageId");
  if (!id || !id->is_string() || !is_client_message_id(id->get_string()))
    return invalid(
        fmt::format("clientMessageId: required, 1 to {} characters of A-Z a-z 0-9 _ -", kMaxClientMessageId));
  c.client_message_id = std::string(id->get_string());
  auto to = read_payload_id(*o, "toUserId", false);
  if (!to) return to.error();
  c.to_user_id = std::move(*to);
  auto waiting = read_flag(*o, "toWaitingRoom");
  if (!waiting) return waiting.error();
  c.to_waiting_room = *waiting;
  if (c.to_waiting_room && !c.to_user_id.empty())
    return invalid("toWaitingRoom: not with toUserId (a message to one waiting user names them alone)");
  return c;
}

}  // namespace hearth::signaling
