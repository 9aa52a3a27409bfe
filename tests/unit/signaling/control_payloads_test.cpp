#include "signaling/control_payloads.hpp"

#include <gtest/gtest.h>

#include <string>

// The call controls' payloads (docs/call-controls.md): what is read, and which field a refusal names.
namespace hearth::signaling {
namespace {

template <class T>
void expect_invalid(const Result<T>& r, std::string_view field) {
  ASSERT_FALSE(r.ok()) << "expected a refusal naming " << field;
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_TRUE(std::string_view(r.error().message).starts_with(field)) << r.error().message;
}

std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

TEST(ControlPayloads, WaitingDecisions) {
  auto admit = parse_waiting_decision(R"({"sessionId":"s1","userId":"bob","reason":"ignored"})", false);
  ASSERT_TRUE(admit.ok());
  EXPECT_EQ(admit->user_id, "bob");
  EXPECT_TRUE(admit->reason.empty());
  auto deny = parse_waiting_decision(R"({"sessionId":"s1","userId":"bob","reason":"Not today"})", true);
  ASSERT_TRUE(deny.ok());
  EXPECT_EQ(deny->reason, "Not today");
  EXPECT_TRUE(parse_waiting_decision(R"({"sessionId":"s1","userId":"bob","reason":null})", true).ok());
  expect_invalid(parse_waiting_decision(R"({"sessionId":"s1"})", false), "userId");
  expect_invalid(parse_waiting_decision(R"({"userId":"bob"})", false), "sessionId");
  expect_invalid(parse_waiting_decision(R"({"sessionId":"s1","userId":"bob","reason":7})", true), "reason");
  const std::string long_reason = R"({"sessionId":"s1","userId":"bob","reason":")" + repeat("é", 201) + R"("})";
  expect_invalid(parse_waiting_decision(long_reason, true), "reason");
  expect_invalid(parse_waiting_decision("[1]", false), "payload");
}

TEST(ControlPayloads, Moderate) {
  auto m = parse_moderate(R"({"sessionId":"s1","action":"mute_audio","targetUserId":"bob","lock":true})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->request.action, calls::ModerationAction::mute_audio);
  EXPECT_EQ(m->request.target_user_id, "bob");
  EXPECT_TRUE(m->request.lock);
  auto lock = parse_moderate(R"({"sessionId":"s1","action":"lock"})");
  ASSERT_TRUE(lock.ok());
  EXPECT_TRUE(lock->request.target_user_id.empty());
  EXPECT_FALSE(lock->request.lock);
  expect_invalid(parse_moderate(R"({"sessionId":"s1","action":"explode"})"), "action");
  expect_invalid(parse_moderate(R"({"sessionId":"s1","action":"admit","targetUserId":"bob"})"), "action");
  expect_invalid(parse_moderate(R"({"sessionId":"s1"})"), "action");
  expect_invalid(parse_moderate(R"({"sessionId":"s1","action":"remove","targetUserId":5})"), "targetUserId");
  expect_invalid(parse_moderate(R"({"sessionId":"s1","action":"mute_audio","lock":"yes"})"), "lock");
}

TEST(ControlPayloads, ChatTextCountsCharactersNotBytes) {
  const auto chat = [](const std::string& text) {
    return parse_chat(R"({"sessionId":"s1","clientMessageId":"c-1","text":")" + text + R"("})");
  };
  ASSERT_TRUE(chat(repeat("日", kMaxChatCharacters)).ok()) << "4,000 characters of 3 bytes each";
  expect_invalid(chat(repeat("a", kMaxChatCharacters + 1)), "text");
  expect_invalid(chat(""), "text");
  auto ok = chat("hello");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->text, "hello");
  EXPECT_EQ(ok->client_message_id, "c-1");
  EXPECT_TRUE(ok->to_user_id.empty());
  EXPECT_FALSE(ok->to_waiting_room);
}

TEST(ControlPayloads, ChatIdsAndRecipients) {
  expect_invalid(parse_chat(R"({"sessionId":"s1","text":"hi"})"), "clientMessageId");
  expect_invalid(parse_chat(R"({"sessionId":"s1","text":"hi","clientMessageId":"has space"})"), "clientMessageId");
  expect_invalid(parse_chat(R"({"sessionId":"s1","text":"hi","clientMessageId":")" + repeat("x", 65) + R"("})"),
                 "clientMessageId");
  EXPECT_TRUE(parse_chat(R"({"sessionId":"s1","text":"hi","clientMessageId":")" + repeat("x", 64) + R"("})").ok());
  auto direct = parse_chat(R"({"sessionId":"s1","text":"hi","clientMessageId":"A_b-9","toUserId":"bob"})");
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->to_user_id, "bob");
  auto room = parse_chat(R"({"sessionId":"s1","text":"hi","clientMessageId":"c","toWaitingRoom":true})");
  ASSERT_TRUE(room.ok());
  EXPECT_TRUE(room->to_waiting_room);
  expect_invalid(
      parse_chat(R"({"sessionId":"s1","text":"hi","clientMessageId":"c","toWaitingRoom":true,"toUserId":"b"})"),
      "toWaitingRoom");
  expect_invalid(parse_chat(R"({"sessionId":"s1","text":3,"clientMessageId":"c"})"), "text");
}

TEST(ControlPayloads, Breakout) {
  auto open =
      parse_open_breakout(R"({"sessionId":"s1","rooms":[{"name":"One","userIds":["b","c"]}],"durationSeconds":60})");
  ASSERT_TRUE(open.ok()) << open.error().message;
  EXPECT_EQ(open->request.rooms.at(0).user_ids, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(open->request.duration_seconds, 60);
  auto random = parse_open_breakout(R"({"sessionId":"s1","count":2,"random":true})");
  ASSERT_TRUE(random.ok());
  EXPECT_EQ(random->request.count, 2);
  expect_invalid(parse_open_breakout(R"({"sessionId":"s1"})"), "rooms");
  expect_invalid(parse_open_breakout(R"({"sessionId":"s1","rooms":[]})"), "rooms");
  expect_invalid(parse_open_breakout(R"({"sessionId":"s1","count":1,"random":true})"), "count");
  expect_invalid(parse_open_breakout(R"({"sessionId":"s1","random":true})"), "count");
  expect_invalid(parse_open_breakout(R"({"sessionId":"s1","rooms":[{"name":"","userIds":[]}]})"), "rooms[0].name");
  expect_invalid(
      parse_open_breakout(R"({"sessionId":"s1","rooms":[{"name":")" + repeat("é", 51) + R"(","userIds":[]}]})"),
      "rooms[0].name");
  expect_invalid(parse_open_breakout(R"({"sessionId":"s1","rooms":[{"name":"a","userIds":[1]}]})"), "rooms[0].userIds");
  std::string nine = R"({"sessionId":"s1","rooms":[)";
  for (int i = 0; i < 9; ++i) nine += std::string(i ? "," : "") + R"({"name":"r","userIds":[]})";
  expect_invalid(parse_open_breakout(nine + "]}"), "rooms");
  expect_invalid(parse_open_breakout(R"({"sessionId":"s1","count":2,"random":true,"durationSeconds":59})"),
                 "durationSeconds");
  auto back = parse_breakout_move(R"({"sessionId":"s1","roomId":null})");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->room_id.empty());
  expect_invalid(parse_breakout_move(R"({"sessionId":"s1"})"), "roomId");
  auto close = parse_close_breakout(R"({"sessionId":"s1","countdownSeconds":30})");
  ASSERT_TRUE(close.ok());
  EXPECT_EQ(close->countdown_seconds, 30);
  expect_invalid(parse_close_breakout(R"({"sessionId":"s1","countdownSeconds":301})"), "countdownSeconds");
}

}  // namespace
}  // namespace hearth::signaling
