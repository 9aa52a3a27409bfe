#pragma once
// The rules of the call domain: creating a session, who may join, view, change media and end it, capacity,
// state transitions and timeouts. Pure functions over CallSession; time comes in as an argument.
// Thread safety: stateless.
#include <optional>
#include <string>
#include <vector>

#include "calls/call_session.hpp"
#include "calls/limits.hpp"
#include "core/result.hpp"

namespace hearth::calls {

struct Caller {
  std::string user_id;
  std::string name;
};

struct InitiateRequest {
  SessionType session_type = SessionType::group;
  std::vector<std::string> participants;  // invited user ids (the caller is added implicitly)
  CallSettings call_settings;
  Metadata metadata;
  std::optional<std::string> therapy_session_id;
  std::optional<int> max_participants;
};

// Validates the request (naming the field and the rule on failure) and builds a waiting session.
Result<CallSession> initiate(const InitiateRequest& req, const Caller& caller, std::string session_id, TimePoint now,
                             const Limits& limits);

// Member (initiator or invitee) and session visible to them.
Result<void> check_can_view(const CallSession& s, std::string_view user_id);
// check_can_view + not ended (gone) + capacity (session_full) unless the user is already active.
Result<void> check_can_join(const CallSession& s, std::string_view user_id);
// The initiator, or either party of a one-to-one call.
Result<void> check_can_end(const CallSession& s, std::string_view user_id);

// Updates the caller's own media flags; screen sharing is forbidden when the call disallows it.
Result<void> update_media(CallSession& s, std::string_view user_id, const MediaState& media);

// The participant's socket joined: active, with its socket and peer ids. Starts the call when a second
// participant is in. Runs check_can_join first.
Result<void> activate(CallSession& s, const Caller& caller, std::string socket_id, std::string peer_id, TimePoint now,
                      const Limits& limits);
// The participant left (`why`: left, disconnected — its reconnect grace ran out —, or removed), which is stored as
// its left_reason. Ends the call (all_left) when nobody active is left of a call that had started. Returns false,
// changing nothing, if the user was not active.
bool deactivate(CallSession& s, std::string_view user_id, TimePoint now, LeaveReason why);

enum class EndOutcome { ended, already_ended };
// Ends the session for `reason`. Idempotent: ending an ended session changes nothing.
EndOutcome end(CallSession& s, EndReason reason, std::string ended_by, TimePoint now);
// Ends by user request after check_can_end.
Result<EndOutcome> end_by_user(CallSession& s, std::string_view user_id, TimePoint now);

// Applies the automatic transitions due at `now` (ring timeout -> missed, call timeout -> timeout).
// Returns true if the session changed (ended, or its deadline corrected to the current limits).
bool expire(CallSession& s, TimePoint now, const Limits& limits);
// When the sweeper must look at the session next (its stored deadline): `due`, its ring or call timeout, or the end
// of an open breakout round if that comes first (calls/breakout.hpp: the sweeper closes it).
TimePoint next_deadline(const CallSession& s, TimePoint due) noexcept;

}  // namespace hearth::calls
