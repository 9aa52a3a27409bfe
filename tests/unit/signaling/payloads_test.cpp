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
TEST(ParseQualityReport, ReadsLinksAndIgnoresUnknownFields) {
  const auto r = parse_quality_report(
      R"({"sessionId":"s1","connectionEstablishedMs":812.6,"extra":{"x":1},"links":[)"
      R"({"socketId":"k1","rttMs":42,"jitterMs":3.5,"packetLossPct":0.5,"inboundKbps":800,"outboundKbps":0,)"
      R"("framesPerSecond":30,"framesDropped":2,"localCandidateType":"relay","remoteCandidateType":"srflx","nEw":1},)"
      R"({"socketId":"k2","rttMs":0,"jitterMs":0,"packetLossPct":100,"localCandidateType":null}]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->session_id, "s1");
  EXPECT_EQ(r->connection_established_ms, 812);
  ASSERT_EQ(r->links.size(), 2U);
  EXPECT_EQ(r->links[0].socket_id, "k1");
  EXPECT_DOUBLE_EQ(r->links[0].report.rtt_ms, 42);
  EXPECT_DOUBLE_EQ(r->links[0].report.jitter_ms, 3.5);
  EXPECT_DOUBLE_EQ(r->links[0].report.loss_pct, 0.5);
  EXPECT_EQ(r->links[0].report.local_candidate, calls::CandidateType::relay);
  EXPECT_EQ(r->links[0].report.remote_candidate, calls::CandidateType::srflx);
  EXPECT_EQ(r->links[1].report.local_candidate, std::nullopt);
  EXPECT_DOUBLE_EQ(r->links[1].report.loss_pct, 100);
  EXPECT_TRUE(parse_quality_report(R"({"sessionId":"s1","links":[]})").ok());
}

TEST(ParseQualityReport, NamesTheFieldAndTheRule) {
  const auto message = [](std::string_view payload) {
    auto r = parse_quality_report(payload);
    EXPECT_FALSE(r.ok()) << payload;
    return r.ok() ? std::string() : r.error().message;
  };
  const std::string link = R"({"socketId":"k","rttMs":1,"jitterMs":1,"packetLossPct":1})";
  EXPECT_EQ(message(R"({"links":[]})"), "sessionId: required");
  EXPECT_EQ(message(R"({"sessionId":"s"})"), "links: an array is required");
  EXPECT_EQ(message(R"({"sessionId":"s","links":{}})"), "links: an array is required");
  EXPECT_EQ(message(R"({"sessionId":"s","links":[1]})"), "links[0]: must be an object");
  EXPECT_EQ(message(R"({"sessionId":"s","links":[{"rttMs":1,"jitterMs":1,"packetLossPct":1}]})"),
            "links[0].socketId: required");
  EXPECT_EQ(message(R"({"sessionId":"s","links":[)" + link + R"(,{"socketId":"k","jitterMs":1,"packetLossPct":1}]})"),
            "links[1].rttMs: required");
  EXPECT_EQ(message(R"({"sessionId":"s","links":[{"socketId":"k","rttMs":60001,"jitterMs":1,"packetLossPct":1}]})"),
            "links[0].rttMs: must be a number between 0 and 60000");
  EXPECT_EQ(message(R"({"sessionId":"s","links":[{"socketId":"k","rttMs":1,"jitterMs":"1","packetLossPct":1}]})"),
            "links[0].jitterMs: must be a number between 0 and 60000");
  EXPECT_EQ(message(R"({"sessionId":"s","links":[{"socketId":"k","rttMs":1,"jitterMs":1,"packetLossPct":-0.1}]})"),
            "links[0].packetLossPct: must be a number between 0 and 100");
  EXPECT_EQ(message(R"({"sessionId":"s","links":[{"socketId":"k","rttMs":1,"jitterMs":1,"packetLossPct":1,)"
                    R"("outboundKbps":-1}]})"),
            "links[0].outboundKbps: must be a number between 0 and 10000000");
  EXPECT_EQ(message(R"({"sessionId":"s","links":[{"socketId":"k","rttMs":1,"jitterMs":1,"packetLossPct":1,)"
                    R"("remoteCandidateType":"HOST"}]})"),
            "links[0].remoteCandidateType: must be one of host, srflx, prflx, relay");
  EXPECT_EQ(message(R"({"sessionId":"s","connectionEstablishedMs":-5,"links":[]})"),
            "connectionEstablishedMs: must be a number between 0 and 600000");
  std::string many = R"({"sessionId":"s","links":[)";
  for (int i = 0; i < 33; ++i) many += (i ? "," : "") + link;
  EXPECT_EQ(message(many + "]}"), "links: at most 32 links");
  EXPECT_EQ(message("[]"), "payload: an object is required");
}

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
