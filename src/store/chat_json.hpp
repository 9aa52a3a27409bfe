#pragma once
// A chat message as clients see it (docs/call-controls.md, "Chat"): an element of GET /session/:id/chat's
// data.messages and the chat_message_received event's payload.
//   {"sessionId":"call_…","messageId":"msg_…","seq":3,"clientMessageId":"c-1","fromUserId":"u1","fromName":"Ann",
//    "text":"hi","timestamp":"2026-12-05T15:00:00.000Z","toUserId":"u2","toWaitingRoom":true}
// toUserId only for a direct message, toWaitingRoom only when true; timestamp is created_at (core/time_format.hpp).
// Thread safety: stateless.
#include <boost/json/object.hpp>

#include "store/chat.hpp"

namespace hearth::store {

boost::json::object chat_message_json(const ChatMessage& m);

}  // namespace hearth::store
