#include "calls/controls.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace hearth::calls {
namespace {

Error forbidden(std::string message) { return make_error(errc::forbidden, std::move(message)); }
Error invalid(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

bool host_in_call(const CallSession& s) {
  const Participant* host = s.find_participant(s.initiator_id);
  return host != nullptr && host->is_active;
}

bool needs_target(ModerationAction a) {
  switch (a) {
    case ModerationAction::lock:
    case ModerationAction::unlock:
    case ModerationAction::end_call:
      return false;
    default:
      return true;
  }
}

bool is_media_action(ModerationAction a) {
  return a == ModerationAction::mute_audio || a == ModerationAction::disable_video ||
         a == ModerationAction::stop_screen_share;
}

// Who may be the target of `req` from `by`: a member other than the actor, never the host; a co-host acts on
// participants only; roles are the host's to change.
Result<void> check_target(const CallSession& s, std::string_view by, const ModerationRequest& req) {
  if (!needs_target(req.action)) return {};
  const std::string& target = req.target_user_id;
  if (target.empty()) return invalid(fmt::format("targetUserId: required for {}", to_string(req.action)));
  if (!s.is_member(target)) return invalid("targetUserId: not a member of this call");
  if (role_of(s, target) == Role::host) return forbidden("The host cannot be moderated");
  const Role actor = role_of(s, by);
  if ((req.action == ModerationAction::make_cohost || req.action == ModerationAction::remove_cohost) &&
      actor != Role::host)
    return forbidden("Only the host can change roles");
  if (target == by) return invalid("targetUserId: a co-host does not moderate themselves");
  const Role role = role_of(s, target);
  if (role == Role::cohost && actor != Role::host) return forbidden("A co-host cannot moderate another co-host");
  if (is_media_action(req.action)) {
    const Participant* p = s.find_participant(target);
    if (p == nullptr || !p->is_active) return invalid("targetUserId: not in the call now");
  }
  return {};
}

}  // namespace

Role role_of(const CallSession& s, std::string_view user_id) noexcept {
  if (user_id == s.initiator_id) return Role::host;
  const Participant* p = s.find_participant(user_id);
  return p != nullptr ? p->role : Role::participant;
}

bool is_host(const CallSession& s, std::string_view user_id) noexcept {
  return role_of(s, user_id) != Role::participant;
}

std::vector<std::string> hosts_of(const CallSession& s) {
  std::vector<std::string> hosts{s.initiator_id};
  for (const auto& p : s.participants)
    if (p.user_id != s.initiator_id && is_host(s, p.user_id)) hosts.push_back(p.user_id);
  return hosts;
}

Result<void> check_host_in_call(const CallSession& s, const Actor& by) {
  if (auto r = check_can_view(s, by.user_id); !r) return r;
  if (!is_host(s, by.user_id)) return forbidden("Only the call's hosts can do this");
  if (s.status == Status::ended) return make_error(errc::gone, "Call session has ended");
  const Participant* p = s.find_participant(by.user_id);
  if (p == nullptr || !p->is_active || p->socket_id != by.socket_id) return forbidden("Join the call first");
  return {};
}

Result<Admission> admission(const CallSession& s, std::string_view user_id) {
  if (std::find(s.removed_users.begin(), s.removed_users.end(), user_id) != s.removed_users.end())
    return forbidden("You were removed from this call");
  if (is_host(s, user_id)) return Admission::join;
  const Participant* p = s.find_participant(user_id);
  if (p != nullptr && p->joined_at) return Admission::join;  // in the call before: a reconnection, a second tab
  if (s.locked) return forbidden("The call is locked");
  if (s.call_settings.waiting_room) return Admission::wait;
  if (s.session_type == SessionType::therapy && !host_in_call(s)) return Admission::wait;
  return Admission::join;
}

const WaitingUser* find_waiting(const CallSession& s, std::string_view user_id) noexcept {
  auto it =
      std::find_if(s.waiting.begin(), s.waiting.end(), [&](const WaitingUser& w) { return w.user_id == user_id; });
  return it == s.waiting.end() ? nullptr : &*it;
}

void enter_waiting(CallSession& s, const Caller& caller, std::string socket_id, std::string peer_id, TimePoint now) {
  auto* w = const_cast<WaitingUser*>(find_waiting(s, caller.user_id));
  if (w == nullptr) {
    w = &s.waiting.emplace_back();
    w->user_id = caller.user_id;
    w->since = now;
  }
  w->name = caller.name.empty() ? caller.user_id : caller.name;
  w->socket_id = std::move(socket_id);
  w->peer_id = std::move(peer_id);
}

bool leave_waiting(CallSession& s, std::string_view user_id, std::string_view socket_id) {
  const auto before = s.waiting.size();
  std::erase_if(s.waiting, [&](const WaitingUser& w) {
    return w.user_id == user_id && (socket_id.empty() || w.socket_id == socket_id);
  });
  return s.waiting.size() != before;
}

Result<WaitingUser> admit(CallSession& s, const Actor& by, std::string_view user_id, TimePoint now,
                          const Limits& limits) {
  if (auto r = check_host_in_call(s, by); !r) return r.error();
  const WaitingUser* w = find_waiting(s, user_id);
  if (w == nullptr) return invalid("userId: not in the waiting room");
  if (s.session_type == SessionType::therapy && !host_in_call(s))
    return forbidden("The therapist must be in the call to admit anyone");
  WaitingUser admitted = *w;
  if (auto r = activate(s, Caller{admitted.user_id, admitted.name}, admitted.socket_id, admitted.peer_id, now, limits);
      !r)
    return r.error();
  if (auto* p = s.find_participant(admitted.user_id)) p->left_reason = LeaveReason::none;
  leave_waiting(s, user_id);
  record(s, ModerationEntry{ModerationAction::admit, admitted.user_id, by.user_id, now, false});
  return admitted;
}

Result<WaitingUser> deny(CallSession& s, const Actor& by, std::string_view user_id, TimePoint now) {
  if (auto r = check_host_in_call(s, by); !r) return r.error();
  const WaitingUser* w = find_waiting(s, user_id);
  if (w == nullptr) return invalid("userId: not in the waiting room");
  WaitingUser denied = *w;
  leave_waiting(s, user_id);
  record(s, ModerationEntry{ModerationAction::deny, denied.user_id, by.user_id, now, false});
  return denied;
}

std::vector<WaitingUser> admit_waiting_for_host(CallSession& s, TimePoint now, const Limits& limits) {
  std::vector<WaitingUser> admitted;
  if (s.session_type != SessionType::therapy || s.call_settings.waiting_room || !host_in_call(s)) return admitted;
  while (!s.waiting.empty() && s.active_count() < s.max_participants && s.status != Status::ended) {
    WaitingUser w = s.waiting.front();
    s.waiting.erase(s.waiting.begin());
    if (!activate(s, Caller{w.user_id, w.name}, w.socket_id, w.peer_id, now, limits)) continue;
    if (auto* p = s.find_participant(w.user_id)) p->left_reason = LeaveReason::none;
    admitted.push_back(std::move(w));
  }
  return admitted;
}

Result<ModerationOutcome> moderate(CallSession& s, const Actor& by, const ModerationRequest& req, TimePoint now) {
  if (req.action == ModerationAction::admit || req.action == ModerationAction::deny)
    return invalid("action: use admit_participant or deny_participant");
  if (auto r = check_host_in_call(s, by); !r) return r.error();
  if (auto r = check_target(s, by.user_id, req); !r) return r.error();
  ModerationOutcome out;
  out.entry = ModerationEntry{req.action, needs_target(req.action) ? req.target_user_id : std::string(), by.user_id,
                              now, false};
  Participant* target = needs_target(req.action) ? s.find_participant(req.target_user_id) : nullptr;
  switch (req.action) {
    case ModerationAction::mute_audio:
      out.media_changed = target->media.has_audio;
      target->media.has_audio = false;
      target->audio_locked = req.lock;
      out.entry.lock = req.lock;
      break;
    case ModerationAction::disable_video:
      out.media_changed = target->media.has_video;
      if (target->media.has_video) s.usage.video_turned_off = true;
      target->media.has_video = false;
      target->video_locked = req.lock;
      out.entry.lock = req.lock;
      break;
    case ModerationAction::stop_screen_share:
      out.media_changed = target->media.is_screen_sharing;
      target->media.is_screen_sharing = false;
      break;
    case ModerationAction::remove:
      if (std::find(s.removed_users.begin(), s.removed_users.end(), req.target_user_id) == s.removed_users.end())
        s.removed_users.push_back(req.target_user_id);
      out.was_waiting = leave_waiting(s, req.target_user_id);
      if (target != nullptr) {
        target->role = Role::participant;
        if (target->is_active) {
          out.removed_socket = target->socket_id;
          deactivate(s, req.target_user_id, now, LeaveReason::removed);
        }
      }
      break;
    case ModerationAction::lock:
      s.locked = true;
      break;
    case ModerationAction::unlock:
      s.locked = false;
      break;
    case ModerationAction::make_cohost:
    case ModerationAction::remove_cohost:
      if (target == nullptr) return invalid("targetUserId: not a member of this call");
      target->role = req.action == ModerationAction::make_cohost ? Role::cohost : Role::participant;
      break;
    case ModerationAction::end_call:
      end(s, EndReason::ended_by_user, by.user_id, now);
      break;
    case ModerationAction::admit:
    case ModerationAction::deny:
      break;  // refused above
  }
  record(s, out.entry);
  return out;
}

void view_for(CallSession& s, std::string_view viewer) {
  for (auto& w : s.waiting) {
    w.socket_id.clear();
    w.peer_id.clear();
  }
  if (find_waiting(s, viewer) == nullptr) return;
  for (auto& p : s.participants) {
    p.socket_id.clear();
    p.peer_id.clear();
  }
}

void record(CallSession& s, ModerationEntry e) {
  if (s.moderation.size() >= CallSession::kMaxModerationEntries)
    s.moderation.erase(s.moderation.begin(),
                       s.moderation.begin() +
                           static_cast<std::ptrdiff_t>(s.moderation.size() - CallSession::kMaxModerationEntries + 1));
  s.moderation.push_back(std::move(e));
}

}  // namespace hearth::calls
