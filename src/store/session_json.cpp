#include "store/session_json.hpp"

#include "core/time_format.hpp"

namespace hearth::store {
namespace json = boost::json;
using namespace hearth::calls;

namespace {

json::value opt_time(const std::optional<TimePoint>& t, const json::storage_ptr& sp) {
  if (!t) return json::value(nullptr, sp);
  Iso8601Buffer buffer;
  return json::value(format_iso8601(*t, buffer), sp);
}

json::value opt_string(std::string_view s, const json::storage_ptr& sp) {
  if (s.empty()) return json::value(nullptr, sp);
  return json::value(s, sp);
}

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
                       {"allowScreenShare", c.allow_screen_share}},
                      std::move(sp));
}

json::object to_json(const Metadata& m, json::storage_ptr sp) {
  json::array tags(sp);
  for (const auto& t : m.tags) tags.emplace_back(t);
  return json::object({{"title", m.title}, {"description", m.description}, {"tags", std::move(tags)}}, std::move(sp));
}

json::object to_json(const Participant& p, json::storage_ptr sp) {
  return json::object({{"userId", p.user_id},
                       {"name", p.name},
                       {"socketId", opt_string(p.socket_id, sp)},
                       {"peerId", opt_string(p.peer_id, sp)},
                       {"joinedAt", opt_time(p.joined_at, sp)},
                       {"leftAt", opt_time(p.left_at, sp)},
                       {"isActive", p.is_active},
                       {"hasVideo", p.media.has_video},
                       {"hasAudio", p.media.has_audio},
                       {"isScreenSharing", p.media.is_screen_sharing}},
                      sp);
}

json::object to_json(const CallSession& s, json::storage_ptr sp) {
  json::array invitees(sp);
  for (const auto& u : s.invitees) invitees.emplace_back(u);
  json::array participants(sp);
  participants.reserve(s.participants.size());
  for (const auto& p : s.participants) participants.emplace_back(to_json(p, sp));
  const json::value end_reason =
      s.end_reason == EndReason::none ? json::value(nullptr, sp) : json::value(to_string(s.end_reason), sp);
  const json::value therapy =
      s.therapy_session_id ? json::value(*s.therapy_session_id, sp) : json::value(nullptr, sp);
  return json::object({{"sessionId", s.session_id},
                       {"sessionType", to_string(s.session_type)},
                       {"initiatorId", s.initiator_id},
                       {"invitedUsers", std::move(invitees)},
                       {"participants", std::move(participants)},
                       {"maxParticipants", s.max_participants},
                       {"status", to_string(s.status)},
                       {"createdAt", opt_time(s.created_at, sp)},
                       {"startTime", opt_time(s.start_time, sp)},
                       {"endTime", opt_time(s.end_time, sp)},
                       {"duration", s.duration_seconds},
                       {"endReason", end_reason},
                       {"endedBy", opt_string(s.ended_by, sp)},
                       {"callSettings", to_json(s.call_settings, sp)},
                       {"therapySessionId", therapy},
                       {"metadata", to_json(s.metadata, sp)}},
                      sp);
}

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
    s.participants.push_back(std::move(p));
  }
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
