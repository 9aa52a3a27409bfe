#pragma once
// Breakout rooms of a group call (docs/call-controls.md, "Breakout rooms"): the hosts split the call into rooms, visit
// them and close them. Pure functions over CallSession, like controls.hpp; randomness comes in as a seed.
// Thread safety: stateless.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "calls/call_session.hpp"
#include "calls/controls.hpp"
#include "core/result.hpp"

namespace hearth::calls {

inline constexpr std::size_t kMaxBreakoutRooms = 8;
inline constexpr std::size_t kMaxBreakoutName = 50;
inline constexpr std::size_t kMaxInviteesPerRoom = 64;  // user ids one room may list (members are checked after)
inline constexpr int kMinBreakoutSeconds = 60;
inline constexpr int kMaxBreakoutSeconds = 86'400;

struct BreakoutSpec {
  std::string name;
  std::vector<std::string> user_ids;
};

// open_breakout_rooms: `rooms` by hand, or `count` rooms filled at random (random = true).
struct BreakoutRequest {
  std::vector<BreakoutSpec> rooms;
  int count = 0;
  bool random = false;
  std::optional<int> duration_seconds;
};

// Opens a round of rooms (a host in a group call, none open): the round, as stored in s.breakout.
Result<BreakoutRound> open_breakout(CallSession& s, const Actor& by, const BreakoutRequest& req, TimePoint now,
                                    std::uint64_t seed);
// A host moves to `room_id` (empty: the main call).
Result<void> visit_breakout(CallSession& s, const Actor& by, const std::string& room_id);
// close_breakout_rooms may be asked: a host in the call, rooms open.
Result<void> check_can_close_breakout(const CallSession& s, const Actor& by);
// close_breakout_rooms with a countdown (checked as above): the round's end (ends_at) becomes `countdown` from now,
// unless it ends sooner. Stored, so that the sweeper closes the round should the timer's node stop (the session's
// deadline is brought forward to it: next_deadline() in policy.hpp). The round, as it is now.
Result<BreakoutRound> schedule_breakout_close(CallSession& s, const Actor& by, std::chrono::seconds countdown,
                                              TimePoint now);
// The sweeper's part: closes the open round if its end has come. True if it closed one.
bool close_due_breakout(CallSession& s, TimePoint now);
// Closes the open round if it is the one opened at `opened_at` (a countdown or a timer that outlived it does nothing):
// it goes to the history. False if nothing was closed.
bool close_breakout(CallSession& s, TimePoint opened_at, TimePoint now);

// The user's room while rooms are open ("" for the main call, and when none are open).
std::string_view breakout_room_of(const CallSession& s, std::string_view user_id) noexcept;
// Every member's room while rooms are open (users in the main call left out); empty when none are open.
std::vector<std::pair<std::string, std::string>> breakout_assignments(const CallSession& s);

}  // namespace hearth::calls
