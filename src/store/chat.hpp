#pragma once
// In-call chat as stored (docs/call-controls.md, "Chat"): one row per message, in the order of `seq` within its call.
// Pure data; the repositories (SQLite, PostgreSQL) store and page it.
// Thread safety: value types.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace hearth::store {

struct ChatMessage {
  std::string session_id;
  std::int64_t seq = 0;           // 1, 2, … per call, set by append_chat()
  std::string message_id;         // unique across calls, set by append_chat()
  std::string client_message_id;  // the sender's id for it: unique per (session, sender)
  std::string from_user_id;
  std::string from_name;
  std::string to_user_id;        // a direct message's recipient; empty: not a direct message
  bool to_waiting_room = false;  // from a host to the waiting room: all of it, or the one waiting user to_user_id
  std::string text;
  TimePoint created_at{};
  friend bool operator==(const ChatMessage&, const ChatMessage&) = default;
};

// What one member may read of a call's chat, a page of it.
struct ChatQuery {
  std::string session_id;
  std::string viewer_user_id;
  std::optional<std::int64_t> before_seq;  // messages with seq < this; none: the latest
  int limit = 50;                          // 1..100
  bool viewer_is_host = false;             // a host or co-host: also reads the hosts' messages to waiting users
};

struct ChatPage {
  std::vector<ChatMessage> messages;  // oldest first
  bool has_more = false;              // older messages the viewer may read exist
};

// The chat rows a member may read: the call's messages (neither direct nor to the waiting room), the waiting room's,
// the direct messages from or to them, and — for the call's hosts — every host's messages to one waiting user (the
// hosts heard them live too).
inline bool chat_visible_to(const ChatMessage& m, std::string_view viewer, bool viewer_is_host = false) {
  return m.to_user_id.empty() || m.from_user_id == viewer || m.to_user_id == viewer ||
         (m.to_waiting_room && viewer_is_host);
}

}  // namespace hearth::store
