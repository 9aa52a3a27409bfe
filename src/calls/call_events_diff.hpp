#pragma once
// What a committed change of a call session means for the host application's webhooks (docs/webhooks.md): the
// events between the state a repository had and the state it is given. The repository derives them in the same
// transaction as the change (store/outbox.hpp), so an event exists exactly when its change was committed.
// Pure: no I/O, no JSON; each event carries the time of its own change, taken from the session.
// Thread safety: stateless functions over values.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calls/call_session.hpp"
#include "calls/quality_summary.hpp"

namespace hearth::calls {

enum class CallEventType {
  call_initiated,
  call_started,
  participant_joined,
  participant_left,
  call_ended,
  quality_alert
};
std::string_view to_string(CallEventType t) noexcept;

struct CallEvent {
  CallEventType type = CallEventType::call_initiated;
  TimePoint at{};  // when it happened (the session's own time of the change)
  // participant_joined / participant_left / quality_alert: whose; call_initiated: the initiator; call_ended: who
  // ended it (empty: the system)
  std::string user_id;
  std::vector<std::string> users;  // call_initiated: the invitees; call_started: the participants in the call
  SessionType session_type = SessionType::group;  // call_initiated
  std::string name;                               // participant_joined: display name
  std::string reason;  // participant_left: left | disconnected | call_ended; call_ended: the session's end reason
  std::int64_t duration_seconds = 0;  // call_ended
  std::optional<QualityLevel> level;  // quality_alert
  double mos = 0;                     // quality_alert
  friend bool operator==(const CallEvent&, const CallEvent&) = default;
};

// The events of the change from `before` (null: the session is new) to `after`, in the order they happened:
// call_initiated; participant_joined for each participant that became active (in participant order), then
// call_started when the status went waiting -> active; participant_left for each that became inactive, then
// call_ended when the status became ended. A participant's leave reason is its left_reason when set, else
// call_ended when the call ended in the same change, else left. No change, no event.
std::vector<CallEvent> events_between(const CallSession* before, const CallSession& after);

// A quality_alert for a participant whose level changed to `level`, or nullopt when the level is no alert (only
// poor and lost are): the signaling reports level changes only, so an alert is sent once per change.
std::optional<CallEvent> quality_alert(std::string user_id, QualityLevel level, double mos, TimePoint at);

}  // namespace hearth::calls
