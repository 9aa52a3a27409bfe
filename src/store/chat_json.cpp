#include "store/chat_json.hpp"

#include "core/time_format.hpp"

namespace hearth::store {

boost::json::object chat_message_json(const ChatMessage& m) {
  Iso8601Buffer time;
  boost::json::object o{{"sessionId", m.session_id},
                        {"messageId", m.message_id},
                        {"seq", m.seq},
                        {"clientMessageId", m.client_message_id},
                        {"fromUserId", m.from_user_id},
                        {"fromName", m.from_name},
                        {"text", m.text},
                        {"timestamp", format_iso8601(m.created_at, time)}};
  if (!m.to_user_id.empty()) o.emplace("toUserId", m.to_user_id);
  if (m.to_waiting_room) o.emplace("toWaitingRoom", true);
  return o;
}

}  // namespace hearth::store
