#include "store/session_json.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include "core/time_format.hpp"

namespace hearth::store {
namespace json = boost::json;
using namespace hearth::calls;

namespace {

constexpr std::size_t kTypicalDocumentBytes = 1536;  // a group call of four is about 1.3 KB

// Small checked readers over a trusted document: any mismatch marks the parse as failed.
struct Reader {
  bool ok = true;

  const json::object* object(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    const auto* obj = v ? v->if_object() : nullptr;
    if (!obj) ok = false;
    return obj;
  }
  std::string string(const json::object& o, std::string_view key, bool nullable = false) {
    const auto* v = o.if_contains(key);
    if (v && v->is_string()) return std::string(v->get_string());
    if (!(nullable && (!v || v->is_null()))) ok = false;
    return {};
  }
  std::optional<std::string> opt_string(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) {
      ok = false;
      return std::nullopt;
    }
    return std::string(v->get_string());
  }
  bool boolean(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v && v->is_bool()) return v->get_bool();
    ok = false;
    return false;
  }
  std::int64_t integer(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v && v->is_int64()) return v->get_int64();
    if (v && v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    ok = false;
    return 0;
  }
  std::optional<TimePoint> time(const json::object& o, std::string_view key) {
    auto s = opt_string(o, key);
    if (!s) return std::nullopt;
    auto t = parse_iso8601(*s);
    if (!t) ok = false;
    return t;
  }
  std::vector<std::string> strings(const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    const auto* v = o.if_contains(key);
    const auto* arr = v ? v->if_array() : nullptr;
    if (!arr) {
      ok = false;
      return out;
    }
    for (const auto& e : *arr) {
      if (!e.is_string()) {
        ok = false;
        continue;
      }
      out.emplace_back(e.get_string());
    }
    return out;
  }
};

}  // namespace

json::object to_json(const CallSettings& c, json::storage_ptr sp) {
  return json::object({{"isVideoEnabled", c.is_video_enabled},
                       {"isAudioEnabled", c.is_audio_enabled},
                       {"isRecordingEnabled", c.is_recording_enabled},
                       {"allowScreenShare", c.allow_screen_share},
                       {"waitingRoom", c.waiting_room}},
                      std::move(sp));
}

json::object to_json(const Metadata& m, json::storage_ptr sp) {
  json::array tags(sp);
  for (const auto& t : m.tags) tags.emplace_back(t);
  return json::object({{"title", m.title}, {"description", m.description}, {"tags", std::move(tags)}}, std::move(sp));
}

namespace {

void write_time(JsonWriter& w, const std::optional<TimePoint>& t) {
  if (!t) {
    w.null();
    return;
  }
  Iso8601Buffer buffer;
  w.string(format_iso8601(*t, buffer));
}

void write_opt_string(JsonWriter& w, std::string_view s) {
  if (s.empty())
    w.null();
  else
    w.string(s);
}

void write_strings(JsonWriter& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& item : items) w.string(item);
  w.end_array();
}

}  // namespace

void write_json(JsonWriter& w, const CallSettings& c) {
  w.begin_object()
      .key("isVideoEnabled")
      .boolean(c.is_video_enabled)
      .key("isAudioEnabled")
      .boolean(c.is_audio_enabled)
      .key("isRecordingEnabled")
      .boolean(c.is_recording_enabled)
      .key("allowScreenShare")
      .boolean(c.allow_screen_share)
      .key("waitingRoom")
      .boolean(c.waiting_room)
      .end_object();
}

void write_json(JsonWriter& w, const Metadata& m) {
  w.begin_object().key("title").string(m.title).key("description").string(m.description).key("tags");
  write_strings(w, m.tags);
  w.end_object();
}

void write_json(JsonWriter& w, const Participant& p) {
  w.begin_object().key("userId").string(p.user_id).key("name").string(p.name).key("socketId");
  write_opt_string(w, p.socket_id);
  w.key("peerId");
  write_opt_string(w, p.peer_id);
  w.key("joinedAt");
  write_time(w, p.joined_at);
  w.key("leftAt");
  write_time(w, p.left_at);
  w.key("isActive")
      .boolean(p.is_active)
      .key("hasVideo")
      .boolean(p.media.has_video)
      .key("hasAudio")
      .boolean(p.media.has_audio)
      .key("isScreenSharing")
      .boolean(p.media.is_screen_sharing);
  // Only once a participant has left (or disconnected): documents of participants in the call keep their shape.
  if (p.left_reason != LeaveReason::none) w.key("leftReason").string(to_string(p.left_reason));
  w.key("role").string(to_string(p.role));  // the initiator's is host (calls::initiate)
  if (p.audio_locked) w.key("audioLocked").boolean(true);
  if (p.video_locked) w.key("videoLocked").boolean(true);
  w.end_object();
}

void write_json(JsonWriter& w, const WaitingUser& u) {
  // The socket is stored (admission joins from it) and left out of the views shown to members (calls::view_for).
  w.begin_object().key("userId").string(u.user_id).key("name").string(u.name);
  if (!u.socket_id.empty()) w.key("socketId").string(u.socket_id);
  if (!u.peer_id.empty()) w.key("peerId").string(u.peer_id);
  w.key("since");
  write_time(w, u.since);
  w.end_object();
}

void write_json(JsonWriter& w, const ModerationEntry& e) {
  w.begin_object().key("action").string(to_string(e.action)).key("targetUserId");
  write_opt_string(w, e.target_user_id);
  w.key("byUserId").string(e.by_user_id).key("at");
  write_time(w, e.at);
  if (e.lock) w.key("lock").boolean(true);
  w.end_object();
}

void write_json(JsonWriter& w, const CallSession& s) {
  w.begin_object()
      .key("sessionId")
      .string(s.session_id)
      .key("sessionType")
      .string(to_string(s.session_type))
      .key("initiatorId")
      .string(s.initiator_id)
      .key("invitedUsers");
  write_strings(w, s.invitees);
  w.key("participants").begin_array();
  for (const auto& p : s.participants) write_json(w, p);
  w.end_array();
  w.key("maxParticipants").number(s.max_participants).key("status").string(to_string(s.status)).key("createdAt");
  write_time(w, s.created_at);
  w.key("startTime");
  write_time(w, s.start_time);
  w.key("endTime");
  write_time(w, s.end_time);
  w.key("duration").number(s.duration_seconds).key("endReason");
  if (s.end_reason == EndReason::none)
    w.null();
  else
    w.string(to_string(s.end_reason));
  w.key("endedBy");
  write_opt_string(w, s.ended_by);
  w.key("callSettings");
  write_json(w, s.call_settings);
  w.key("usage").begin_object();
  w.key("screenShared").boolean(s.usage.screen_shared).key("videoTurnedOff").boolean(s.usage.video_turned_off);
  w.end_object();
  w.key("therapySessionId");
  if (s.therapy_session_id)
    w.string(*s.therapy_session_id);
  else
    w.null();
  w.key("metadata");
  write_json(w, s.metadata);
  w.key("waitingRoom").begin_array();
  for (const auto& u : s.waiting) write_json(w, u);
  w.end_array();
  w.key("locked").boolean(s.locked).key("removedUsers");
  write_strings(w, s.removed_users);
  w.key("moderation").begin_array();
  for (const auto& e : s.moderation) write_json(w, e);
  w.end_array();
  w.key("breakoutRooms");
  if (s.breakout)
    write_json(w, *s.breakout);
  else
    w.null();
  w.key("breakoutHistory").begin_array();
  for (const auto& r : s.breakout_history) {
    w.begin_object().key("roomId").string(r.room_id).key("name").string(r.name).key("userIds");
    write_strings(w, r.user_ids);
    w.key("openedAt");
    write_time(w, r.opened_at);
    w.key("closedAt");
    write_time(w, r.closed_at);
    w.end_object();
  }
  w.end_array();
  w.key("breakoutRounds").number(s.breakout_rounds);
  w.end_object();
}

void write_json(JsonWriter& w, const BreakoutRound& b) {
  w.begin_object().key("rooms").begin_array();
  for (const auto& r : b.rooms) {
    w.begin_object().key("roomId").string(r.room_id).key("name").string(r.name).key("userIds");
    write_strings(w, r.user_ids);
    w.end_object();
  }
  w.end_array().key("visits").begin_array();
  for (const auto& v : b.visits) {
    w.begin_object().key("userId").string(v.user_id).key("roomId");
    write_opt_string(w, v.room_id);
    w.end_object();
  }
  w.end_array().key("openedAt");
  write_time(w, b.opened_at);
  w.key("endsAt");
  write_time(w, b.ends_at);
  w.key("byUserId").string(b.by_user_id).end_object();
}

std::string to_json_text(const CallSession& s) {
  std::string out;
  out.reserve(kTypicalDocumentBytes);
  JsonWriter w(out);
  write_json(w, s);
  return out;
}

namespace {

// A SAX handler that accepts everything: the parser itself checks syntax, UTF-8 and depth.
struct SyntaxOnly {
  using ec = boost::system::error_code;
  using sv = json::string_view;
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  bool object = false;  // the top-level value is an object
  int depth = 0;

  bool on_document_begin(ec&) { return true; }
  bool on_document_end(ec&) { return true; }
  bool on_object_begin(ec&) {
    object = object || depth == 0;
    ++depth;
    return true;
  }
  bool on_object_end(std::size_t, ec&) {
    --depth;
    return true;
  }
  bool on_array_begin(ec&) {
    ++depth;
    return true;
  }
  bool on_array_end(std::size_t, ec&) {
    --depth;
    return true;
  }
  bool on_key_part(sv, std::size_t, ec&) { return true; }
  bool on_key(sv, std::size_t, ec&) { return true; }
  bool on_string_part(sv, std::size_t, ec&) { return true; }
  bool on_string(sv, std::size_t, ec&) { return true; }
  bool on_number_part(sv, ec&) { return true; }
  bool on_int64(std::int64_t, sv, ec&) { return true; }
  bool on_uint64(std::uint64_t, sv, ec&) { return true; }
  bool on_double(double, sv, ec&) { return true; }
  bool on_bool(bool, ec&) { return true; }
  bool on_null(ec&) { return true; }
  bool on_comment_part(sv, ec&) { return true; }
  bool on_comment(sv, ec&) { return true; }
};

}  // namespace

bool is_document_text(std::string_view text) {
  json::basic_parser<SyntaxOnly> parser(json::parse_options{});
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  return !ec && used == text.size() && parser.handler().object;
}

namespace {

// Breakout rooms (absent from documents written before them: none).
Result<void> read_breakout(Reader& r, const json::object& o, CallSession& s) {
  const auto corrupt = [] { return make_error(errc::internal, "corrupt session document", "breakoutRooms"); };
  const auto room_of = [&r](const json::object& ro, BreakoutRoom& room) {
    room.room_id = r.string(ro, "roomId");
    room.name = r.string(ro, "name");
    room.user_ids = r.strings(ro, "userIds");
  };
  if (const auto* v = o.if_contains("breakoutRooms"); v && !v->is_null()) {
    const auto* bo = v->if_object();
    if (!bo) return corrupt();
    BreakoutRound b;
    const auto* rooms = bo->if_contains("rooms");
    const auto* visits = bo->if_contains("visits");
    if (!rooms || !rooms->is_array() || !visits || !visits->is_array()) return corrupt();
    for (const auto& rv : rooms->get_array()) {
      if (!rv.is_object()) return corrupt();
      room_of(rv.get_object(), b.rooms.emplace_back());
    }
    for (const auto& vv : visits->get_array()) {
      if (!vv.is_object()) return corrupt();
      b.visits.push_back(BreakoutVisit{r.string(vv.get_object(), "userId"), r.string(vv.get_object(), "roomId", true)});
    }
    const auto opened = r.time(*bo, "openedAt");
    if (!opened) return corrupt();
    b.opened_at = *opened;
    b.ends_at = r.time(*bo, "endsAt");
    b.by_user_id = r.string(*bo, "byUserId");
    s.breakout = std::move(b);
  }
  if (const auto* v = o.if_contains("breakoutHistory")) {
    if (!v->is_array()) return corrupt();
    for (const auto& hv : v->get_array()) {
      if (!hv.is_object()) return corrupt();
      const auto& ho = hv.get_object();
      BreakoutRoom room;
      room_of(ho, room);
      const auto opened = r.time(ho, "openedAt");
      const auto closed = r.time(ho, "closedAt");
      if (!opened || !closed) return corrupt();
      s.breakout_history.push_back(
          BreakoutRecord{std::move(room.room_id), std::move(room.name), std::move(room.user_ids), *opened, *closed});
    }
  }
  if (o.contains("breakoutRounds")) s.breakout_rounds = static_cast<int>(r.integer(o, "breakoutRounds"));
  return {};
}

// The call controls' fields (absent from documents written before them: none of them in force).
Result<void> read_controls(Reader& r, const json::object& o, CallSession& s) {
  const auto corrupt = [&](std::string_view what) {
    return make_error(errc::internal, "corrupt session document", std::string(what));
  };
  if (const auto* v = o.if_contains("waitingRoom")) {
    if (!v->is_array()) return corrupt("waitingRoom");
    for (const auto& uv : v->get_array()) {
      const auto* uo = uv.if_object();
      if (!uo) return corrupt("waitingRoom");
      WaitingUser u;
      u.user_id = r.string(*uo, "userId");
      u.name = r.string(*uo, "name");
      u.socket_id = r.string(*uo, "socketId", true);
      u.peer_id = r.string(*uo, "peerId", true);
      const auto since = r.time(*uo, "since");
      if (!since) return corrupt("waitingRoom");
      u.since = *since;
      s.waiting.push_back(std::move(u));
    }
  }
  if (o.contains("locked")) s.locked = r.boolean(o, "locked");
  if (o.contains("removedUsers")) s.removed_users = r.strings(o, "removedUsers");
  if (const auto* v = o.if_contains("moderation")) {
    if (!v->is_array()) return corrupt("moderation");
    for (const auto& ev : v->get_array()) {
      const auto* eo = ev.if_object();
      if (!eo) return corrupt("moderation");
      ModerationEntry e;
      const auto action = parse_moderation_action(r.string(*eo, "action"));
      const auto at = r.time(*eo, "at");
      if (!action || !at) return corrupt("moderation");
      e.action = *action;
      e.at = *at;
      e.target_user_id = r.string(*eo, "targetUserId", true);
      e.by_user_id = r.string(*eo, "byUserId");
      e.lock = eo->contains("lock") && r.boolean(*eo, "lock");
      s.moderation.push_back(std::move(e));
    }
  }
  return read_breakout(r, o, s);
}

}  // namespace

Result<CallSession> session_from_json(const json::value& v) {
  const auto* o = v.if_object();
  if (!o) return make_error(errc::internal, "corrupt session document", "not an object");
  Reader r;
  CallSession s;
  s.session_id = r.string(*o, "sessionId");
  const auto type = parse_session_type(r.string(*o, "sessionType"));
  s.initiator_id = r.string(*o, "initiatorId");
  s.invitees = r.strings(*o, "invitedUsers");
  s.max_participants = static_cast<int>(r.integer(*o, "maxParticipants"));
  const auto status = parse_status(r.string(*o, "status"));
  const auto created = r.time(*o, "createdAt");
  s.start_time = r.time(*o, "startTime");
  s.end_time = r.time(*o, "endTime");
  s.duration_seconds = r.integer(*o, "duration");
  const auto reason = r.opt_string(*o, "endReason");
  s.ended_by = r.string(*o, "endedBy", true);
  s.therapy_session_id = r.opt_string(*o, "therapySessionId");
  if (const auto* c = r.object(*o, "callSettings")) {
    s.call_settings.is_video_enabled = r.boolean(*c, "isVideoEnabled");
    s.call_settings.is_audio_enabled = r.boolean(*c, "isAudioEnabled");
    s.call_settings.is_recording_enabled = r.boolean(*c, "isRecordingEnabled");
    s.call_settings.allow_screen_share = r.boolean(*c, "allowScreenShare");
    if (c->contains("waitingRoom"))
      s.call_settings.waiting_room = r.boolean(*c, "waitingRoom");  // absent: before v0.17
  }
  // Absent from documents written before usage was tracked: nothing known used.
  if (const auto* u = o->if_contains("usage"); u && u->is_object()) {
    s.usage.screen_shared = r.boolean(u->get_object(), "screenShared");
    s.usage.video_turned_off = r.boolean(u->get_object(), "videoTurnedOff");
  }
  if (const auto* m = r.object(*o, "metadata")) {
    s.metadata.title = r.string(*m, "title");
    s.metadata.description = r.string(*m, "description");
    s.metadata.tags = r.strings(*m, "tags");
  }
  const auto* parr = o->if_contains("participants");
  if (!parr || !parr->is_array()) return make_error(errc::internal, "corrupt session document", "participants");
  for (const auto& pv : parr->get_array()) {
    const auto* po = pv.if_object();
    if (!po) return make_error(errc::internal, "corrupt session document", "participant");
    Participant p;
    p.user_id = r.string(*po, "userId");
    p.name = r.string(*po, "name");
    p.socket_id = r.string(*po, "socketId", true);
    p.peer_id = r.string(*po, "peerId", true);
    p.joined_at = r.time(*po, "joinedAt");
    p.left_at = r.time(*po, "leftAt");
    p.is_active = r.boolean(*po, "isActive");
    p.media.has_video = r.boolean(*po, "hasVideo");
    p.media.has_audio = r.boolean(*po, "hasAudio");
    p.media.is_screen_sharing = r.boolean(*po, "isScreenSharing");
    if (const auto left = r.opt_string(*po, "leftReason")) {  // absent: none
      const auto parsed = parse_leave_reason(*left);
      if (!parsed || *parsed == LeaveReason::none)  // never written: "none" is the key left out
        return make_error(errc::internal, "corrupt session document", "leftReason");
      p.left_reason = *parsed;
    }
    // Absent from documents written before call controls: the initiator is the host, everyone else a participant.
    if (const auto role = r.opt_string(*po, "role")) {
      const auto parsed = parse_role(*role);
      if (!parsed) return make_error(errc::internal, "corrupt session document", "role");
      p.role = *parsed;
    } else if (p.user_id == s.initiator_id) {
      p.role = Role::host;
    }
    p.audio_locked = po->contains("audioLocked") && r.boolean(*po, "audioLocked");
    p.video_locked = po->contains("videoLocked") && r.boolean(*po, "videoLocked");
    s.participants.push_back(std::move(p));
  }
  if (auto controls = read_controls(r, *o, s); !controls) return controls.error();
  std::optional<EndReason> end_reason = reason ? parse_end_reason(*reason) : std::optional(EndReason::none);
  if (!r.ok || !type || !status || !created || !end_reason)
    return make_error(errc::internal, "corrupt session document", s.session_id);
  s.session_type = *type;
  s.status = *status;
  s.created_at = *created;
  s.end_reason = *end_reason;
  return s;
}

}  // namespace hearth::store
