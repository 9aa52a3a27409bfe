#include "store/chat_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

// The chat message clients see (REST history and the chat_message_received event): the field names of
// docs/call-controls.md, the optional ones only when they say something.
namespace hearth::store {
namespace {

ChatMessage sample() {
  ChatMessage m;
  m.session_id = "call_1";
  m.seq = 3;
  m.message_id = "msg_abc";
  m.client_message_id = "c-1";
  m.from_user_id = "alice";
  m.from_name = "Zoë \"Z\" 王";
  m.text = "line 1\nline 2 🎉";
  m.created_at = from_epoch_ms(1'764'946'800'123);
  return m;
}

TEST(ChatMessageJson, WritesEveryFieldOfAMessageToEveryone) {
  EXPECT_EQ(boost::json::value(chat_message_json(sample())),
            boost::json::parse(R"({"sessionId":"call_1","messageId":"msg_abc","seq":3,"clientMessageId":"c-1",
              "fromUserId":"alice","fromName":"Zoë \"Z\" 王","text":"line 1\nline 2 🎉",
              "timestamp":"2025-12-05T15:00:00.123Z"})"));
}

TEST(ChatMessageJson, DirectAndWaitingRoomMessagesSaySo) {
  auto m = sample();
  m.to_user_id = "bob";
  auto o = chat_message_json(m);
  EXPECT_EQ(o.at("toUserId"), "bob");
  EXPECT_FALSE(o.contains("toWaitingRoom"));
  m.to_user_id.clear();
  m.to_waiting_room = true;
  o = chat_message_json(m);
  EXPECT_EQ(o.at("toWaitingRoom"), true);
  EXPECT_FALSE(o.contains("toUserId"));
  EXPECT_EQ(o.size(), 9u);
}

}  // namespace
}  // namespace hearth::store
