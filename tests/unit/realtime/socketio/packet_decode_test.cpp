#include "realtime/socketio/packet.hpp"

#include <string>

#include <gtest/gtest.h>

namespace hearth::realtime::socketio {
namespace {

using namespace std::string_view_literals;

Header header(PacketType type, std::string_view nsp, std::optional<std::uint64_t> ack, std::string_view data,
              std::size_t attachments = 0) {
  return Header{type, attachments, nsp, ack, data};
}

// The decoded header, or a default one after recording a failure (never aborts the test binary).
Header decoded(std::string_view packet) {
  const auto h = decode_header(packet);
  EXPECT_TRUE(h) << packet << ": " << (h ? "" : h.error().detail);
  return h ? *h : Header{};
}

void expect_invalid(std::string_view packet, errc code = errc::invalid_argument, const DecodeLimits& limits = {}) {
  const auto h = decode_header(packet, limits);
  ASSERT_FALSE(h) << packet;
  EXPECT_EQ(h.error().code, code) << packet << ": " << h.error().detail;
}

TEST(SocketIoDecode, Connect) {
  EXPECT_EQ(decoded("0"), header(PacketType::connect, "/", {}, ""));
  EXPECT_EQ(decoded("0/admin,"), header(PacketType::connect, "/admin", {}, ""));
  EXPECT_EQ(decoded(R"(0/admin,{"token":"123"})"), header(PacketType::connect, "/admin", {}, R"({"token":"123"})"));
  EXPECT_EQ(decoded(R"(0{"sid":"oSO0OpakMV_3jnilAAAA"})"),
            header(PacketType::connect, "/", {}, R"({"sid":"oSO0OpakMV_3jnilAAAA"})"));
  // socket.io-parser reads a namespace up to ',' or the end of the packet.
  EXPECT_EQ(decoded("0/admin"), header(PacketType::connect, "/admin", {}, ""));
}

TEST(SocketIoDecode, Disconnect) {
  EXPECT_EQ(decoded("1"), header(PacketType::disconnect, "/", {}, ""));
  EXPECT_EQ(decoded("1/admin,"), header(PacketType::disconnect, "/admin", {}, ""));
}

TEST(SocketIoDecode, Event) {
  EXPECT_EQ(decoded(R"(2["hello",1])"), header(PacketType::event, "/", {}, R"(["hello",1])"));
  EXPECT_EQ(decoded(R"(2/admin,["hello"])"), header(PacketType::event, "/admin", {}, R"(["hello"])"));
  EXPECT_EQ(decoded(R"(212["ack"])"), header(PacketType::event, "/", 12, R"(["ack"])"));
  EXPECT_EQ(decoded(R"(2/admin,456["project:delete",123])"),
            header(PacketType::event, "/admin", 456, R"(["project:delete",123])"));
  EXPECT_EQ(decode_header(R"(2["x",{"a":[1,{"b":null}]},true,"s"] )")->data, R"(["x",{"a":[1,{"b":null}]},true,"s"] )");
  EXPECT_EQ(decoded(R"(2/,["x"])"), header(PacketType::event, "/", {}, R"(["x"])"));
}

TEST(SocketIoDecode, Ack) {
  EXPECT_EQ(decoded(R"(3/admin,456[])"), header(PacketType::ack, "/admin", 456, "[]"));
  EXPECT_EQ(decoded(R"(312["bar",{"x":1}])"), header(PacketType::ack, "/", 12, R"(["bar",{"x":1}])"));
  EXPECT_EQ(decoded(R"(30[])"), header(PacketType::ack, "/", 0, "[]"));
}

TEST(SocketIoDecode, ConnectError) {
  EXPECT_EQ(decoded(R"(4{"message":"Not authorized"})"),
            header(PacketType::connect_error, "/", {}, R"({"message":"Not authorized"})"));
  EXPECT_EQ(decoded(R"(4/admin,"Not authorized")"),
            header(PacketType::connect_error, "/admin", {}, R"("Not authorized")"));
  EXPECT_EQ(decoded("4"), header(PacketType::connect_error, "/", {}, ""));
}

TEST(SocketIoDecode, BinaryEventAndAck) {
  EXPECT_EQ(decoded(R"(51-["hello",{"_placeholder":true,"num":0}])"),
            header(PacketType::binary_event, "/", {}, R"(["hello",{"_placeholder":true,"num":0}])", 1));
  EXPECT_EQ(decoded(R"(52-/admin,7["up",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])"),
            header(PacketType::binary_event, "/admin", 7,
                   R"(["up",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])", 2));
  EXPECT_EQ(decoded(R"(61-/admin,456[{"_placeholder":true,"num":0}])"),
            header(PacketType::binary_ack, "/admin", 456, R"([{"_placeholder":true,"num":0}])", 1));
  EXPECT_EQ(decoded(R"(50-["nothing"])"), header(PacketType::binary_event, "/", {}, R"(["nothing"])", 0));
  // A placeholder whose _placeholder is not true is plain data.
  EXPECT_TRUE(decode_header(R"(50-["x",{"_placeholder":false,"num":9}])"));
  EXPECT_TRUE(decode_header(R"(50-["x",{"_placeholder":"true"}])"));
  // num as an integral double, as JSON.parse reads it.
  EXPECT_TRUE(decode_header(R"(51-["x",{"_placeholder":true,"num":0.0}])"));
}

TEST(SocketIoDecode, DataViewsTheInput) {
  const std::string in = R"(2/admin,1["x"])";
  const auto h = decode_header(in);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->nsp.data(), in.data() + 1);
  EXPECT_EQ(h->data.data(), in.data() + 9);
}

TEST(SocketIoDecode, RejectsBadTypes) {
  for (const auto bad : {""sv, "7"sv, "9[]"sv, "x"sv, "-1"sv, " 2[\"a\"]"sv, "\x00"sv}) expect_invalid(bad);
}

TEST(SocketIoDecode, RejectsBadEventData) {
  for (const auto bad : {"2"sv,
                         "2/admin,"sv,
                         "2{}"sv,
                         "2[]"sv,
                         "2[1]"sv,
                         "2[null]"sv,
                         "2[[\"a\"]]"sv,
                         "2\"a\""sv,
                         "2[\"a\""sv,
                         "2[\"a\",]"sv,
                         "2[\"a\"]x"sv,
                         "2[\"a\"][]"sv,
                         "2 [\"a\"]"sv,
                         "2\n[\"a\"]"sv,
                         "2['a']"sv,
                         "2[\"a\",01]"sv,
                         "2[\"a\",NaN]"sv,
                         "2[\"a\"/*c*/]"sv,
                         "2[\"\\x\"]"sv,
                         "2[\"\xff\"]"sv,
                         "2[\"a\xc0\xaf\"]"sv,
                         "2/admin[\"a\"]"sv}) {
    expect_invalid(bad);
  }
}

TEST(SocketIoDecode, RejectsReservedEventNames) {
  for (const auto name : {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}) {
    expect_invalid("2[\"" + std::string(name) + "\"]");
  }
  expect_invalid(R"(2["conn\u0065ct",1])");  // escapes are resolved before the check
  EXPECT_TRUE(decode_header(R"(2["connected"])"));
  EXPECT_TRUE(decode_header(R"(2["disconnect_me_please_now"])"));
  EXPECT_TRUE(decode_header(R"(2["x","connect"])"));
}

TEST(SocketIoDecode, RejectsBadAcks) {
  for (const auto bad :
       {"3[\"a\"]"sv, "3/admin,[]"sv, "312"sv, "312{}"sv, "312\"a\""sv, "61-[{\"_placeholder\":true,\"num\":0}]"sv}) {
    expect_invalid(bad);
  }
}

TEST(SocketIoDecode, RejectsMisplacedAckIdsAndData) {
  for (const auto bad : {"01"sv, "01{}"sv, "0[]"sv, "0\"x\""sv, "0{}x"sv, "11"sv, "1/admin,{}"sv, "1/admin,1"sv,
                         "1[]"sv, "41{}"sv, "4[]"sv, "41"sv, "4 {}"sv}) {
    expect_invalid(bad);
  }
}

TEST(SocketIoDecode, RejectsBadAttachmentHeaders) {
  for (const auto bad :
       {"5"sv, "5-[\"a\"]"sv, "5x-[\"a\"]"sv, "51[\"a\"]"sv, "51"sv, "5/admin,1-[\"a\"]"sv, "51-"sv, "6-1[]"sv}) {
    expect_invalid(bad);
  }
  // Attachments are only for binary types: "21-" is ack id 21 then "-…", which is not JSON.
  expect_invalid(R"(21-["a"])");
}

TEST(SocketIoDecode, RejectsIllegalPlaceholders) {
  for (const auto bad :
       {R"(51-["a",{"_placeholder":true,"num":1}])"sv, R"(51-["a",{"_placeholder":true,"num":-1}])"sv,
        R"(51-["a",{"_placeholder":true,"num":"0"}])"sv, R"(51-["a",{"_placeholder":true}])"sv,
        R"(51-["a",{"_placeholder":true,"num":0.5}])"sv, R"(51-["a",{"_placeholder":true,"num":[0]}])"sv,
        R"(51-["a",{"x":[{"_placeholder":true,"num":3}]}])"sv,
        R"(51-["a",{"num":0,"_placeholder":false,"_placeholder":true,"num":2}])"sv,
        R"(50-["a",{"_placeholder":true,"num":0}])"sv}) {
    expect_invalid(bad);
  }
  // Keys may come in any order and repeat; the last value wins, as with JSON.parse.
  EXPECT_TRUE(decode_header(R"(51-["a",{"num":0,"_placeholder":true}])"));
  EXPECT_TRUE(decode_header(R"(51-["a",{"num":5,"_placeholder":true,"num":0}])"));
  // Nested placeholders are checked too; a placeholder in a non-binary EVENT is plain data.
  EXPECT_TRUE(decode_header(R"(52-["a",{"f":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0}])"));
  EXPECT_TRUE(decode_header(R"(2["a",{"_placeholder":true,"num":7}])"));
}

TEST(SocketIoDecode, AttachmentLimit) {
  EXPECT_TRUE(decode_header("510-[\"a\"]"));
  expect_invalid("511-[\"a\"]", errc::payload_too_large);
  expect_invalid("599999999999999999999999-[\"a\"]", errc::payload_too_large);
  expect_invalid("53-[\"a\"]", errc::payload_too_large, DecodeLimits{.max_attachments = 2});
  EXPECT_TRUE(decode_header("502-[\"a\"]"));  // leading zeros, as Number("02")
}

TEST(SocketIoDecode, NamespaceRules) {
  const std::string ok = "/" + std::string(255, 'n');
  const std::string in = "2" + ok + ",[\"a\"]";  // outlives the views
  const auto h = decode_header(in);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->nsp, ok);
  expect_invalid("2/" + std::string(256, 'n') + ",[\"a\"]");
  expect_invalid("2/ad\tmin,[\"a\"]");
  expect_invalid("2/ad\x7fmin,[\"a\"]");
  expect_invalid("1/ad\nmin,");
  EXPECT_EQ(decode_header("2/caf\xc3\xa9,[\"a\"]")->nsp, "/caf\xc3\xa9");
  expect_invalid("0/caf\xc3,");
  expect_invalid("1/\xff,");
}

TEST(SocketIoDecode, AckIdRange) {
  EXPECT_EQ(decode_header("39007199254740992[]")->ack_id, kMaxAckId);
  expect_invalid("39007199254740993[]");
  expect_invalid("399999999999999999999999999[]");
  EXPECT_EQ(decode_header("3007[]")->ack_id, 7u);
}

TEST(SocketIoDecode, DepthLimit) {
  const auto nested = [](std::size_t depth) {
    // the event array itself is level 1
    return "2[\"a\"," + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "]";
  };
  EXPECT_TRUE(decode_header(nested(kDefaultMaxDepth)));
  expect_invalid(nested(kDefaultMaxDepth + 1));
  EXPECT_TRUE(decode_header(nested(4), DecodeLimits{.max_depth = 4}));
  expect_invalid(nested(5), errc::invalid_argument, DecodeLimits{.max_depth = 4});
  expect_invalid(nested(10'000));                                                        // no recursion, no crash
  expect_invalid(nested(200), errc::invalid_argument, DecodeLimits{.max_depth = 1000});  // capped at 64
}

TEST(SocketIoDecode, TypeNames) {
  EXPECT_EQ(to_string(PacketType::connect_error), "CONNECT_ERROR");
  EXPECT_TRUE(is_binary(PacketType::binary_ack));
  EXPECT_FALSE(is_binary(PacketType::ack));
}

}  // namespace
}  // namespace hearth::realtime::socketio
