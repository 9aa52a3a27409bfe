#pragma once
// The payloads of the call controls' client events (docs/call-controls.md): admit_participant, deny_participant,
// moderate, chat_message. Field errors name the field and the rule. Pure; stateless.
#include <string>
#include <string_view>

#include "calls/breakout.hpp"
#include "calls/controls.hpp"
#include "core/result.hpp"

namespace hearth::signaling {

inline constexpr std::size_t kMaxChatCharacters = 4000;
inline constexpr std::size_t kMaxClientMessageId = 64;
inline constexpr std::size_t kMaxDenyReason = 200;

// admit_participant {sessionId, userId}; deny_participant {sessionId, userId, reason?}.
struct WaitingDecision {
  std::string session_id;
  std::string user_id;
  std::string reason;  // deny only; empty when none
};
Result<WaitingDecision> parse_waiting_decision(std::string_view arg, bool with_reason);

// moderate {sessionId, action, targetUserId?, lock?}.
struct ModerateRequest {
  std::string session_id;
  calls::ModerationRequest request;
};
Result<ModerateRequest> parse_moderate(std::string_view arg);

// chat_message {sessionId, text, clientMessageId, toUserId?, toWaitingRoom?}.
struct ChatRequest {
  std::string session_id;
  std::string text;
  std::string client_message_id;
  std::string to_user_id;  // empty: not a direct message
  bool to_waiting_room = false;
};
Result<ChatRequest> parse_chat(std::string_view arg);

// open_breakout_rooms {sessionId, rooms: [{name, userIds}]} or {sessionId, count, random: true}, durationSeconds?.
struct OpenBreakoutRequest {
  std::string session_id;
  calls::BreakoutRequest request;
};
Result<OpenBreakoutRequest> parse_open_breakout(std::string_view arg);
// join_breakout_room {sessionId, roomId} (roomId null: the main call).
struct BreakoutMove {
  std::string session_id;
  std::string room_id;
};
Result<BreakoutMove> parse_breakout_move(std::string_view arg);
// close_breakout_rooms {sessionId, countdownSeconds?}.
inline constexpr int kMaxBreakoutCountdown = 300;
struct CloseBreakoutRequest {
  std::string session_id;
  int countdown_seconds = 0;
};
Result<CloseBreakoutRequest> parse_close_breakout(std::string_view arg);

}  // namespace hearth::signaling
