#pragma once
// The call-session document of the design: who was invited, who is in the call, its state and settings.
// Pure data; the rules that change it live in policy.hpp. No I/O, no JSON.
// Thread safety: a value type; each session is changed by one thread at a time (the store thread or its call's shard).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace hearth::calls {

enum class SessionType { one_to_one, group, therapy };
enum class Status { waiting, active, ended };
enum class EndReason { none, ended_by_user, missed, timeout, all_left, declined };
// Why a participant last left, for participant_left webhooks (call_events_diff.hpp): set by signaling when a
// participant leaves or its reconnect grace runs out, cleared when it joins again; none otherwise (a participant
// made inactive by the end of the call keeps none: the end says why).
enum class LeaveReason { none, left, disconnected, call_ended, removed };
// A member's role (docs/call-controls.md): the initiator is the host; the host makes co-hosts.
enum class Role { host, cohost, participant };

std::string_view to_string(SessionType t) noexcept;
std::string_view to_string(Status s) noexcept;
std::string_view to_string(EndReason r) noexcept;
std::optional<SessionType> parse_session_type(std::string_view s) noexcept;
std::optional<Status> parse_status(std::string_view s) noexcept;
std::optional<EndReason> parse_end_reason(std::string_view s) noexcept;
std::string_view to_string(LeaveReason r) noexcept;
std::optional<LeaveReason> parse_leave_reason(std::string_view s) noexcept;
std::string_view to_string(Role r) noexcept;
std::optional<Role> parse_role(std::string_view s) noexcept;

struct CallSettings {
  bool is_video_enabled = true;
  bool is_audio_enabled = true;
  bool is_recording_enabled = false;
  bool allow_screen_share = true;
  bool waiting_room = false;  // members other than hosts wait to be admitted (default true for therapy calls)
  friend bool operator==(const CallSettings&, const CallSettings&) = default;
};

// What a call used, for usage analytics: set when it happens, never cleared.
struct Usage {
  bool screen_shared = false;     // someone shared their screen
  bool video_turned_off = false;  // someone turned their camera off during the call
  friend bool operator==(const Usage&, const Usage&) = default;
};

struct Metadata {
  std::string title;
  std::string description;
  std::vector<std::string> tags;
  friend bool operator==(const Metadata&, const Metadata&) = default;
};

struct MediaState {
  bool has_video = true;
  bool has_audio = true;
  bool is_screen_sharing = false;
  friend bool operator==(const MediaState&, const MediaState&) = default;
};

// One entry per member (the initiator first, then the invitees in invitation order). An entry exists from
// initiation on; it becomes active when the member's socket joins the call.
struct Participant {
  std::string user_id;
  std::string name;       // display name, from the member's token when known
  std::string socket_id;  // current (or last) socket, empty before the first join
  std::string peer_id;
  std::optional<TimePoint> joined_at;
  std::optional<TimePoint> left_at;
  bool is_active = false;
  MediaState media;
  LeaveReason left_reason = LeaveReason::none;  // stored as "leftReason" when not none
  Role role = Role::participant;                // the initiator's is host
  bool audio_locked = false;                    // muted by a host with lock: cannot turn audio on
  bool video_locked = false;                    // the same for video
  friend bool operator==(const Participant&, const Participant&) = default;
};

// A member waiting to be admitted, with the socket that asked (admission joins it from there).
struct WaitingUser {
  std::string user_id;
  std::string name;
  std::string socket_id;
  std::string peer_id;
  TimePoint since{};
  friend bool operator==(const WaitingUser&, const WaitingUser&) = default;
};

enum class ModerationAction {
  mute_audio,
  disable_video,
  stop_screen_share,
  remove,
  lock,
  unlock,
  make_cohost,
  remove_cohost,
  end_call,
  admit,  // admit_participant and deny_participant are kept in the same history
  deny,
};
std::string_view to_string(ModerationAction a) noexcept;
std::optional<ModerationAction> parse_moderation_action(std::string_view s) noexcept;

// One entry of the controls' history.
struct ModerationEntry {
  ModerationAction action{};
  std::string target_user_id;  // empty for call-wide actions
  std::string by_user_id;
  TimePoint at{};
  bool lock = false;  // mute_audio / disable_video with lock
  friend bool operator==(const ModerationEntry&, const ModerationEntry&) = default;
};

// Breakout rooms (breakout.hpp).
struct BreakoutRoom {
  std::string room_id;  // "r<round>-<n>", unique in the session
  std::string name;
  std::vector<std::string> user_ids;  // assigned members
  friend bool operator==(const BreakoutRoom&, const BreakoutRoom&) = default;
};
struct BreakoutVisit {  // a host in a room they were not assigned to ("" room: the main call)
  std::string user_id;
  std::string room_id;
  friend bool operator==(const BreakoutVisit&, const BreakoutVisit&) = default;
};
struct BreakoutRound {
  std::vector<BreakoutRoom> rooms;
  std::vector<BreakoutVisit> visits;
  TimePoint opened_at{};
  std::optional<TimePoint> ends_at;
  std::string by_user_id;
  friend bool operator==(const BreakoutRound&, const BreakoutRound&) = default;
};
struct BreakoutRecord {  // a closed room, for the history
  std::string room_id;
  std::string name;
  std::vector<std::string> user_ids;
  TimePoint opened_at{};
  TimePoint closed_at{};
  friend bool operator==(const BreakoutRecord&, const BreakoutRecord&) = default;
};

struct CallSession {
  std::string session_id;
  SessionType session_type = SessionType::group;
  std::string initiator_id;
  std::vector<std::string> invitees;  // invited user ids, not including the initiator
  std::vector<Participant> participants;
  int max_participants = 2;
  Status status = Status::waiting;
  TimePoint created_at{};
  std::optional<TimePoint> start_time;  // when the second participant became active
  std::optional<TimePoint> end_time;
  std::int64_t duration_seconds = 0;  // from start_time to end_time; 0 if it never started
  EndReason end_reason = EndReason::none;
  std::string ended_by;  // user id, empty when the system ended it
  CallSettings call_settings;
  Usage usage;
  std::optional<std::string> therapy_session_id;
  Metadata metadata;
  // Next automatic transition: ring timeout while waiting, call timeout while active. The store indexes it
  // so the sweep finds due sessions without scanning.
  TimePoint deadline{};
  // Call controls (docs/call-controls.md; controls.hpp).
  std::vector<WaitingUser> waiting;              // in arrival order
  bool locked = false;                           // admits nobody new
  std::vector<std::string> removed_users;        // may not join again
  std::vector<ModerationEntry> moderation;       // the last kMaxModerationEntries, oldest first
  std::optional<BreakoutRound> breakout;         // open breakout rooms
  std::vector<BreakoutRecord> breakout_history;  // closed rooms, the last kMaxBreakoutRecords
  int breakout_rounds = 0;                       // rounds opened so far (room ids are unique)
  static constexpr std::size_t kMaxBreakoutRecords = 50;
  static constexpr std::size_t kMaxModerationEntries = 200;
  friend bool operator==(const CallSession&, const CallSession&) = default;

  bool is_member(std::string_view user_id) const noexcept;  // initiator or invitee
  Participant* find_participant(std::string_view user_id) noexcept;
  const Participant* find_participant(std::string_view user_id) const noexcept;
  int active_count() const noexcept;
};

}  // namespace hearth::calls
