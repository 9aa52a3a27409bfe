#include "signaling/payloads.hpp"

#include <gtest/gtest.h>

#include "signaling/errors.hpp"

namespace hearth::signaling {
namespace {

TEST(FirstArgument, TakesTheFirstValueOnly) {
  EXPECT_EQ(first_argument(R"({"a":[1,2]},"x")"), R"({"a":[1,2]})");
  EXPECT_EQ(first_argument(R"("token")"), R"("token")");
  EXPECT_EQ(first_argument(""), "");
}

TEST(Tokens, FromArgumentStringOrObject) {
  EXPECT_EQ(token_from_argument(R"("abc")"), "abc");
  EXPECT_EQ(token_from_argument(R"({"token":"abc"})"), "abc");
  EXPECT_FALSE(token_from_argument(R"({"token":1})"));
  EXPECT_FALSE(token_from_argument(R"("")"));
  EXPECT_FALSE(token_from_argument(""));
}

TEST(Tokens, FromConnectAuth) {
  EXPECT_EQ(token_from_auth(R"({"token":"abc"})"), "abc");
  EXPECT_EQ(token_from_auth(R"({"token":"Bearer abc"})"), "abc");
  EXPECT_FALSE(token_from_auth("{}"));
  EXPECT_FALSE(token_from_auth(""));
}

TEST(ParseJoin, RequiresSessionIdAndChecksPeerId) {
  auto ok = parse_join(R"({"sessionId":"call_1_abc","peerId":"p1"})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->session_id, "call_1_abc");
  EXPECT_EQ(ok->peer_id, "p1");
  EXPECT_TRUE(parse_join(R"({"sessionId":"s"})").ok());
  auto missing = parse_join("{}");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("sessionId"), std::string::npos);
  EXPECT_FALSE(parse_join(R"({"sessionId":""})").ok());
  EXPECT_FALSE(parse_join(R"({"sessionId":"s","peerId":5})").ok());
  EXPECT_FALSE(parse_join(R"({"sessionId":")" + std::string(129, 'x') + R"("})").ok());
  EXPECT_FALSE(parse_join("[1]").ok());
  EXPECT_FALSE(parse_join("").ok());
}

TEST(ParseMedia, BooleansOnlyAndAtLeastOne) {
  auto m = parse_media(R"({"sessionId":"s","hasAudio":false})");
  ASSERT_TRUE(m.ok());
  const auto applied = m->applied_to(calls::MediaState{true, true, false});
  EXPECT_EQ(applied, (calls::MediaState{true, false, false}));
  EXPECT_FALSE(parse_media(R"({"sessionId":"s"})").ok());
  auto bad = parse_media(R"({"sessionId":"s","hasVideo":"yes"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("hasVideo"), std::string::npos);
}

TEST(Errors, OneMappingForClients) {
  EXPECT_EQ(error_code(errc::session_full), "session_full");
  EXPECT_EQ(error_code(errc::gone), "session_ended");
  EXPECT_EQ(error_code(errc::forbidden), "forbidden");
  EXPECT_EQ(call_error_json("join_call_session", make_error(errc::not_found, "nope")),
            R"({"event":"join_call_session","message":"nope","code":"not_found"})");
  EXPECT_EQ(success_ack_json("ok", R"({"a":1})"), R"({"success":true,"message":"ok","data":{"a":1}})");
  EXPECT_EQ(success_ack_json("ok"), R"({"success":true,"message":"ok"})");
  EXPECT_EQ(failure_ack_json(make_error(errc::rate_limited, "slow")),
            R"({"success":false,"message":"slow","code":"rate_limited"})");
}

}  // namespace
}  // namespace hearth::signaling
