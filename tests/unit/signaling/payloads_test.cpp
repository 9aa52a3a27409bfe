#include "signaling/payloads.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "signaling/errors.hpp"
#include "signaling/room.hpp"

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
  EXPECT_EQ(token_from_auth(R"({"token":"abc"})").value(), "abc");
  EXPECT_EQ(token_from_auth(R"({"token":"Bearer abc"})").value(), "abc");
  EXPECT_EQ(token_from_auth(R"({"token":"  abc\n"})").value(), "abc");
}

TEST(Tokens, ConnectAuthWithoutTokenAuthenticatesLater) {
  for (std::string_view auth : {"", "{}", R"({"other":1})", "[1]", "not json"}) {
    auto t = token_from_auth(auth);
    ASSERT_TRUE(t.ok()) << auth;
    EXPECT_FALSE(t->has_value()) << auth;
  }
}

// A token member that cannot be a token is refused at once (CONNECT_ERROR), not left to the authentication timeout.
TEST(Tokens, ConnectAuthWithABlankOrNonStringTokenIsRefused) {
  for (std::string_view auth : {R"({"token":""})", R"({"token":"   "})", R"({"token":"\t\n"})",
                                R"({"token":"Bearer "})", R"({"token":"Bearer    "})"}) {
    auto t = token_from_auth(auth);
    ASSERT_FALSE(t.ok()) << auth;
    EXPECT_EQ(t.error().code, errc::invalid_argument) << auth;
    EXPECT_EQ(t.error().message, "token: must be a non-blank string") << auth;
  }
  for (std::string_view auth : {R"({"token":1})", R"({"token":null})", R"({"token":{"jwt":"abc"}})"}) {
    auto t = token_from_auth(auth);
    ASSERT_FALSE(t.ok()) << auth;
    EXPECT_EQ(t.error().message, "token: must be a string") << auth;
  }
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

// A rejoining client must keep its links to members in their reconnect grace: they are listed, flagged.
TEST(SessionJoined, ListsMembersInTheirReconnectGraceAsReconnecting) {
  boost::asio::io_context ioc;  // never run: the room is only read here
  auto room = std::make_shared<CallRoom>(ioc.get_executor(), "s1");
  const auto member = [](std::string user, std::string socket, bool connected) {
    Member m;
    m.user_id = user;
    m.name = user;
    m.socket_id = std::move(socket);
    m.peer_id = "peer-" + user;
    m.connected = connected;
    return m;
  };
  room->add(member("alice", "sock-a", true));
  room->add(member("bob", "sock-b", false));  // disconnected, within the grace
  room->add(member("carol", "sock-c", true));
  calls::CallSession session;
  session.session_id = "s1";

  const auto joined = boost::json::parse(session_joined_json(session, *room, "sock-a", "[]")).as_object();
  const auto& others = joined.at("participants").as_array();
  ASSERT_EQ(others.size(), 2u);
  const auto& bob = others.at(0).as_object();
  EXPECT_EQ(bob.at("userId"), "bob");
  EXPECT_EQ(bob.at("socketId"), "sock-b");
  EXPECT_EQ(bob.at("peerId"), "peer-bob");
  EXPECT_EQ(bob.at("reconnecting"), true);
  const auto& carol = others.at(1).as_object();
  EXPECT_EQ(carol.at("userId"), "carol");
  EXPECT_FALSE(carol.contains("reconnecting"));  // connected members' entries are unchanged
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
