#include "calls/policy.hpp"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "calls/breakout.hpp"
#include "core/ids.hpp"

namespace hearth::calls {
namespace {

// Limits on free text count characters (Unicode code points), not bytes: "200 characters" must mean the same to
// someone writing in Greek as in English. Input is valid UTF-8 (the JSON parser checks), so counting the bytes
// that are not continuation bytes counts code points.
std::size_t characters(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

Error invalid(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

// The invitees: `participants` without the caller, whom clients written for the original design list too (the
// caller is the initiator either way, and joins implicitly).
Result<std::vector<std::string>> invitees_of(const InitiateRequest& req, const Caller& caller, const Limits& limits) {
  const auto& ids = req.participants;
  const auto count_error = [&] {
    return req.session_type == SessionType::one_to_one
               ? invalid("participants: a one-to-one call invites exactly 1 other user")
               : invalid(fmt::format("participants: must list 1 to {} user ids", limits.max_invitees));
  };
  if (ids.size() > static_cast<std::size_t>(limits.max_invitees) + 1) return count_error();  // before any work
  std::vector<std::string> invitees;
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!is_valid_id(ids[i]))
      return invalid(
          fmt::format("participants[{}]: must be a non-empty string of at most {} characters", i, kMaxIdLength));
    if (!seen.insert(ids[i]).second) return invalid(fmt::format("participants[{}]: duplicate user id", i));
    if (ids[i] != caller.user_id) invitees.push_back(ids[i]);
  }
  const std::size_t max = req.session_type == SessionType::one_to_one ? 1 : limits.max_invitees;
  if (invitees.empty() || invitees.size() > max) return count_error();
  return invitees;
}

Result<void> validate_metadata(const Metadata& m, const Limits& limits) {
  if (characters(m.title) > limits.max_title)
    return invalid(fmt::format("metadata.title: at most {} characters", limits.max_title));
  if (characters(m.description) > limits.max_description)
    return invalid(fmt::format("metadata.description: at most {} characters", limits.max_description));
  if (m.tags.size() > limits.max_tags) return invalid(fmt::format("metadata.tags: at most {} tags", limits.max_tags));
  for (std::size_t i = 0; i < m.tags.size(); ++i)
    if (m.tags[i].empty() || characters(m.tags[i]) > limits.max_tag_length)
      return invalid(fmt::format("metadata.tags[{}]: 1 to {} characters", i, limits.max_tag_length));
  return {};
}

Result<int> resolve_capacity(const InitiateRequest& req, const Limits& limits) {
  if (req.session_type == SessionType::one_to_one) {
    if (req.max_participants && *req.max_participants != 2)
      return invalid("maxParticipants: a one-to-one call has exactly 2 participants");
    return 2;
  }
  if (!req.max_participants) return limits.max_call_participants;
  if (*req.max_participants < 2 || *req.max_participants > limits.max_call_participants)
    return invalid(fmt::format("maxParticipants: must be between 2 and {}", limits.max_call_participants));
  return *req.max_participants;
}

Participant make_participant(std::string user_id, std::string name) {
  Participant p;
  p.user_id = std::move(user_id);
  p.name = std::move(name);
  return p;
}

}  // namespace

Result<CallSession> initiate(const InitiateRequest& req, const Caller& caller, std::string session_id, TimePoint now,
                             const Limits& limits) {
  auto invitees = invitees_of(req, caller, limits);
  if (!invitees) return invitees.error();
  if (auto r = validate_metadata(req.metadata, limits); !r) return r.error();
  if (req.session_type == SessionType::therapy) {
    if (!req.therapy_session_id) return invalid("therapySessionId: required for a therapy call");
    if (!is_valid_id(*req.therapy_session_id))
      return invalid(
          fmt::format("therapySessionId: must be a non-empty string of at most {} characters", kMaxIdLength));
  } else if (req.therapy_session_id) {
    return invalid("therapySessionId: only allowed for a therapy call");
  }
  auto capacity = resolve_capacity(req, limits);
  if (!capacity) return capacity.error();

  CallSession s;
  s.session_id = std::move(session_id);
  s.session_type = req.session_type;
  s.initiator_id = caller.user_id;
  s.invitees = std::move(*invitees);
  s.participants.reserve(1 + s.invitees.size());
  s.participants.push_back(make_participant(caller.user_id, caller.name));
  s.participants.back().role = Role::host;
  for (const auto& id : s.invitees) s.participants.push_back(make_participant(id, id));
  s.max_participants = *capacity;
  s.status = Status::waiting;
  s.created_at = now;
  s.call_settings = req.call_settings;
  s.therapy_session_id = req.therapy_session_id;
  s.metadata = req.metadata;
  s.deadline = now + limits.ring_timeout;
  for (auto& p : s.participants) {
    p.media.has_video = s.call_settings.is_video_enabled;
    p.media.has_audio = s.call_settings.is_audio_enabled;
  }
  return s;
}

Result<void> check_can_view(const CallSession& s, std::string_view user_id) {
  if (!s.is_member(user_id)) return make_error(errc::forbidden, "You are not a participant of this call session");
  return {};
}

Result<void> check_can_join(const CallSession& s, std::string_view user_id) {
  if (auto r = check_can_view(s, user_id); !r) return r;
  if (s.status == Status::ended) return make_error(errc::gone, "Call session has ended");
  const Participant* self = s.find_participant(user_id);
  if ((self == nullptr || !self->is_active) && s.active_count() >= s.max_participants)
    return make_error(errc::session_full, "Call session is full");
  return {};
}

Result<void> check_can_end(const CallSession& s, std::string_view user_id) {
  if (auto r = check_can_view(s, user_id); !r) return r;
  if (user_id == s.initiator_id || s.session_type == SessionType::one_to_one) return {};
  return make_error(errc::forbidden, "Only the initiator can end this call session");
}

Result<void> update_media(CallSession& s, std::string_view user_id, const MediaState& media) {
  if (auto r = check_can_view(s, user_id); !r) return r;
  if (s.status == Status::ended) return make_error(errc::gone, "Call session has ended");
  if (media.is_screen_sharing && !s.call_settings.allow_screen_share)
    return make_error(errc::forbidden, "Screen sharing is not allowed in this call");
  Participant* p = s.find_participant(user_id);
  if (p == nullptr) return make_error(errc::forbidden, "You are not a participant of this call session");
  // A host's lock (controls.hpp): what the host turned off stays off until a host releases it.
  if (media.has_audio && !p->media.has_audio && p->audio_locked)
    return make_error(errc::forbidden, "Muted by the host");
  if (media.has_video && !p->media.has_video && p->video_locked)
    return make_error(errc::forbidden, "Video turned off by the host");
  if (media.is_screen_sharing) s.usage.screen_shared = true;
  if (p->media.has_video && !media.has_video && p->is_active) s.usage.video_turned_off = true;
  p->media = media;
  return {};
}

Result<void> activate(CallSession& s, const Caller& caller, std::string socket_id, std::string peer_id, TimePoint now,
                      const Limits& limits) {
  // A call past its deadline ends now rather than at the next sweep: nobody joins a missed or timed-out call.
  // (expire also reports a deadline it merely corrected to changed limits: that call is still on.)
  if (expire(s, now, limits) && s.status == Status::ended) return make_error(errc::gone, "Call session has ended");
  if (auto r = check_can_join(s, caller.user_id); !r) return r;
  Participant* p = s.find_participant(caller.user_id);
  if (p == nullptr) return make_error(errc::forbidden, "You are not a participant of this call session");
  if (!caller.name.empty()) p->name = caller.name;
  p->socket_id = std::move(socket_id);
  p->peer_id = std::move(peer_id);
  if (!p->is_active) p->joined_at = now;
  p->left_at.reset();
  p->is_active = true;
  if (s.status == Status::waiting && s.active_count() >= 2) {
    s.status = Status::active;
    s.start_time = now;
    s.deadline = next_deadline(s, now + limits.call_timeout);
  }
  return {};
}

bool deactivate(CallSession& s, std::string_view user_id, TimePoint now, LeaveReason why) {
  Participant* p = s.find_participant(user_id);
  if (p == nullptr || !p->is_active) return false;
  p->is_active = false;
  p->left_at = now;
  p->left_reason = why;
  p->media.is_screen_sharing = false;
  if (s.status == Status::active && s.active_count() == 0) end(s, EndReason::all_left, {}, now);
  return true;
}

EndOutcome end(CallSession& s, EndReason reason, std::string ended_by, TimePoint now) {
  if (s.status == Status::ended) return EndOutcome::already_ended;
  s.status = Status::ended;
  s.end_time = now;
  s.end_reason = reason;
  s.ended_by = std::move(ended_by);
  s.duration_seconds = s.start_time ? std::chrono::duration_cast<std::chrono::seconds>(now - *s.start_time).count() : 0;
  s.deadline = now;
  s.waiting.clear();                                              // nobody waits for an ended call
  if (s.breakout) close_breakout(s, s.breakout->opened_at, now);  // the rooms close with the call
  for (auto& p : s.participants) {
    if (!p.is_active) continue;
    p.is_active = false;
    p.left_at = now;
    p.media.is_screen_sharing = false;
  }
  return EndOutcome::ended;
}

Result<EndOutcome> end_by_user(CallSession& s, std::string_view user_id, TimePoint now) {
  if (auto r = check_can_end(s, user_id); !r) return r.error();
  return end(s, EndReason::ended_by_user, std::string(user_id), now);
}

bool expire(CallSession& s, TimePoint now, const Limits& limits) {
  if (s.status == Status::ended) return false;
  const bool ringing = s.status == Status::waiting || !s.start_time;
  const TimePoint due = ringing ? s.created_at + limits.ring_timeout : *s.start_time + limits.call_timeout;
  if (now >= due) {
    end(s, ringing ? EndReason::missed : EndReason::timeout, {}, now);
    return true;
  }
  // Not due (the limits may have changed since the deadline was stored): keep the stored deadline true.
  const auto next = next_deadline(s, due);
  const bool moved = s.deadline != next;
  s.deadline = next;
  return moved;
}

TimePoint next_deadline(const CallSession& s, TimePoint due) noexcept {
  if (s.status != Status::ended && s.breakout && s.breakout->ends_at) return std::min(due, *s.breakout->ends_at);
  return due;
}

}  // namespace hearth::calls
