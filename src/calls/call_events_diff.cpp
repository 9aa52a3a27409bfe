#include "calls/call_events_diff.hpp"

namespace hearth::calls {

std::string_view to_string(CallEventType t) noexcept {
  switch (t) {
    case CallEventType::call_initiated:
      return "call_initiated";
    case CallEventType::call_started:
      return "call_started";
    case CallEventType::participant_joined:
      return "participant_joined";
    case CallEventType::participant_left:
      return "participant_left";
    case CallEventType::call_ended:
      return "call_ended";
    case CallEventType::quality_alert:
      return "quality_alert";
  }
  return "call_initiated";
}

namespace {

bool was_active(const CallSession* before, std::string_view user_id) {
  if (before == nullptr) return false;
  const auto* p = before->find_participant(user_id);
  return p != nullptr && p->is_active;
}

CallEvent event(CallEventType type, TimePoint at, std::string user_id = {}) {
  CallEvent e;
  e.type = type;
  e.at = at;
  e.user_id = std::move(user_id);
  return e;
}

}  // namespace

std::vector<CallEvent> events_between(const CallSession* before, const CallSession& after) {
  std::vector<CallEvent> out;
  if (before == nullptr) {
    auto e = event(CallEventType::call_initiated, after.created_at, after.initiator_id);
    e.users = after.invitees;
    e.session_type = after.session_type;
    out.push_back(std::move(e));
  }
  const bool ended_now = after.status == Status::ended && (before == nullptr || before->status != Status::ended);
  const TimePoint end_at = after.end_time.value_or(after.created_at);

  for (const auto& p : after.participants) {
    if (!p.is_active || was_active(before, p.user_id)) continue;
    auto e = event(CallEventType::participant_joined, p.joined_at.value_or(after.created_at), p.user_id);
    e.name = p.name;
    out.push_back(std::move(e));
  }
  if (after.status != Status::waiting && after.start_time && (before == nullptr || !before->start_time)) {
    auto e = event(CallEventType::call_started, *after.start_time);
    for (const auto& p : after.participants)
      if (p.is_active || was_active(before, p.user_id)) e.users.push_back(p.user_id);
    out.push_back(std::move(e));
  }

  for (const auto& p : after.participants) {
    if (p.is_active || !was_active(before, p.user_id)) continue;
    auto e = event(CallEventType::participant_left, p.left_at.value_or(end_at), p.user_id);
    const LeaveReason reason = p.left_reason != LeaveReason::none ? p.left_reason
                               : ended_now                        ? LeaveReason::call_ended
                                                                  : LeaveReason::left;
    e.reason = std::string(to_string(reason));
    out.push_back(std::move(e));
  }
  if (ended_now) {
    auto e = event(CallEventType::call_ended, end_at, after.ended_by);
    e.reason = std::string(to_string(after.end_reason));
    e.duration_seconds = after.duration_seconds;
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<CallEvent> quality_alert(std::string user_id, QualityLevel level, double mos, TimePoint at) {
  if (level != QualityLevel::poor && level != QualityLevel::lost) return std::nullopt;
  auto e = event(CallEventType::quality_alert, at, std::move(user_id));
  e.level = level;
  e.mos = mos;
  return e;
}

}  // namespace hearth::calls
