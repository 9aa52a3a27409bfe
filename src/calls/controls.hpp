#pragma once
// The rules of the call controls (docs/call-controls.md): roles, the waiting room, the hosts' moderation. Pure
// functions over CallSession, like policy.hpp; time comes in as an argument. Signaling runs them inside store
// operations, so every node decides from the same stored session.
// Thread safety: stateless.
#include <string>
#include <string_view>
#include <vector>

#include "calls/call_session.hpp"
#include "calls/limits.hpp"
#include "calls/policy.hpp"
#include "core/result.hpp"

namespace hearth::calls {

// The initiator is the host; a member's stored role otherwise (participant for a non-member).
Role role_of(const CallSession& s, std::string_view user_id) noexcept;
bool is_host(const CallSession& s, std::string_view user_id) noexcept;  // host or co-host
std::vector<std::string> hosts_of(const CallSession& s);                // the initiator, then the co-hosts

// Who acts: a user, from a socket.
struct Actor {
  std::string user_id;
  std::string socket_id;
};

// A host (or co-host) whose socket is in the call: forbidden otherwise; gone once the call ended.
Result<void> check_host_in_call(const CallSession& s, const Actor& by);

enum class Admission { join, wait };
// What a member's join leads to, after check_can_view: forbidden for a removed user, and for a new one while the call
// is locked; wait when the call has a waiting room, or is a therapy call whose host is not in it; else join. Hosts,
// and members who were in the call before, always join.
Result<Admission> admission(const CallSession& s, std::string_view user_id);

const WaitingUser* find_waiting(const CallSession& s, std::string_view user_id) noexcept;
// The user waits from `socket_id` (a newer socket replaces an older one, keeping the place in the queue).
void enter_waiting(CallSession& s, const Caller& caller, std::string socket_id, std::string peer_id, TimePoint now);
// Takes the user out of the waiting room; with `socket_id`, only if they wait from that socket. False if they did not.
bool leave_waiting(CallSession& s, std::string_view user_id, std::string_view socket_id = {});

// admit_participant: the waiting user joins from the socket they wait on (activate(), within capacity). Returns their
// waiting entry. A therapy call's host must be in the call.
Result<WaitingUser> admit(CallSession& s, const Actor& by, std::string_view user_id, TimePoint now,
                          const Limits& limits);
// deny_participant: the user leaves the waiting room. Returns their waiting entry.
Result<WaitingUser> deny(CallSession& s, const Actor& by, std::string_view user_id, TimePoint now);
// A therapy call without a waiting room whose host is in the call: the users who waited for the host join (in
// arrival order, while there is room). Returns them.
std::vector<WaitingUser> admit_waiting_for_host(CallSession& s, TimePoint now, const Limits& limits);

struct ModerationRequest {
  ModerationAction action{};
  std::string target_user_id;  // required by the actions on a member
  bool lock = false;           // mute_audio, disable_video
};

struct ModerationOutcome {
  ModerationEntry entry;
  std::string removed_socket;  // remove: the socket the target was in the call from (empty if not active)
  bool media_changed = false;  // the target's media state changed (announce media_state_changed)
  bool was_waiting = false;    // remove: the target was in the waiting room
};

// `moderate` (the actions of the table in docs/call-controls.md but admit and deny): applies it and appends it to the
// session's history.
Result<ModerationOutcome> moderate(CallSession& s, const Actor& by, const ModerationRequest& req, TimePoint now);

// What a member is shown of the session over REST: the waiting room without its sockets (they are the server's, to
// admit from), and, to a user waiting to be admitted, no participant's socket or peer id.
void view_for(CallSession& s, std::string_view viewer);

// Appends to the session's moderation history, keeping the last CallSession::kMaxModerationEntries.
void record(CallSession& s, ModerationEntry e);

}  // namespace hearth::calls
