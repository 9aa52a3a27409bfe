#include "calls/call_session.hpp"

#include <algorithm>

namespace hearth::calls {

std::string_view to_string(SessionType t) noexcept {
  switch (t) {
    case SessionType::one_to_one:
      return "one-to-one";
    case SessionType::group:
      return "group";
    case SessionType::therapy:
      return "therapy";
  }
  return "group";
}

std::string_view to_string(Status s) noexcept {
  switch (s) {
    case Status::waiting:
      return "waiting";
    case Status::active:
      return "active";
    case Status::ended:
      return "ended";
  }
  return "waiting";
}

std::string_view to_string(EndReason r) noexcept {
  switch (r) {
    case EndReason::none:
      return "none";
    case EndReason::ended_by_user:
      return "ended_by_user";
    case EndReason::missed:
      return "missed";
    case EndReason::timeout:
      return "timeout";
    case EndReason::all_left:
      return "all_left";
    case EndReason::declined:
      return "declined";
  }
  return "none";
}

std::optional<SessionType> parse_session_type(std::string_view s) noexcept {
  if (s == "one-to-one") return SessionType::one_to_one;
  if (s == "group") return SessionType::group;
  if (s == "therapy") return SessionType::therapy;
  return std::nullopt;
}

std::optional<Status> parse_status(std::string_view s) noexcept {
  if (s == "waiting") return Status::waiting;
  if (s == "active") return Status::active;
  if (s == "ended") return Status::ended;
  return std::nullopt;
}

std::optional<EndReason> parse_end_reason(std::string_view s) noexcept {
  for (auto r : {EndReason::none, EndReason::ended_by_user, EndReason::missed, EndReason::timeout, EndReason::all_left,
                 EndReason::declined})
    if (to_string(r) == s) return r;
  return std::nullopt;
}

std::string_view to_string(LeaveReason r) noexcept {
  switch (r) {
    case LeaveReason::none:
      return "none";
    case LeaveReason::left:
      return "left";
    case LeaveReason::disconnected:
      return "disconnected";
    case LeaveReason::call_ended:
      return "call_ended";
    case LeaveReason::removed:
      return "removed";
  }
  return "none";
}

std::optional<LeaveReason> parse_leave_reason(std::string_view s) noexcept {
  for (auto r :
       {LeaveReason::none, LeaveReason::left, LeaveReason::disconnected, LeaveReason::call_ended, LeaveReason::removed})
    if (to_string(r) == s) return r;
  return std::nullopt;
}

std::string_view to_string(Role r) noexcept {
  switch (r) {
    case Role::host:
      return "host";
    case Role::cohost:
      return "cohost";
    case Role::participant:
      return "participant";
  }
  return "participant";
}

std::optional<Role> parse_role(std::string_view s) noexcept {
  for (auto r : {Role::host, Role::cohost, Role::participant})
    if (to_string(r) == s) return r;
  return std::nullopt;
}

namespace {
constexpr std::pair<ModerationAction, std::string_view> kActions[] = {
    {ModerationAction::mute_audio, "mute_audio"},
    {ModerationAction::disable_video, "disable_video"},
    {ModerationAction::stop_screen_share, "stop_screen_share"},
    {ModerationAction::remove, "remove"},
    {ModerationAction::lock, "lock"},
    {ModerationAction::unlock, "unlock"},
    {ModerationAction::make_cohost, "make_cohost"},
    {ModerationAction::remove_cohost, "remove_cohost"},
    {ModerationAction::end_call, "end_call"},
    {ModerationAction::admit, "admit"},
    {ModerationAction::deny, "deny"},
};
}  // namespace

std::string_view to_string(ModerationAction a) noexcept {
  for (const auto& [action, name] : kActions)
    if (action == a) return name;
  return "lock";
}

std::optional<ModerationAction> parse_moderation_action(std::string_view s) noexcept {
  for (const auto& [action, name] : kActions)
    if (name == s) return action;
  return std::nullopt;
}

bool CallSession::is_member(std::string_view user_id) const noexcept {
  return user_id == initiator_id || std::find(invitees.begin(), invitees.end(), user_id) != invitees.end();
}

Participant* CallSession::find_participant(std::string_view user_id) noexcept {
  auto it = std::find_if(participants.begin(), participants.end(),
                         [&](const Participant& p) { return p.user_id == user_id; });
  return it == participants.end() ? nullptr : &*it;
}

const Participant* CallSession::find_participant(std::string_view user_id) const noexcept {
  return const_cast<CallSession*>(this)->find_participant(user_id);
}

int CallSession::active_count() const noexcept {
  return static_cast<int>(
      std::count_if(participants.begin(), participants.end(), [](const Participant& p) { return p.is_active; }));
}

}  // namespace hearth::calls
