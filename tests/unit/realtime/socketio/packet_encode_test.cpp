#include "realtime/socketio/packet.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "realtime/engineio/packet.hpp"

namespace hearth::realtime::socketio {
namespace {

Header decoded_encoded_header(std::string_view packet) {
  auto h = decode_header(packet);
  EXPECT_TRUE(h) << packet << ": " << (h ? "" : h.error().detail);
  return h ? *h : Header{};
}

TEST(SocketIoEncode, Event) {
  EXPECT_EQ(encode_event("/", "hello", {"1"}), R"(2["hello",1])");
  EXPECT_EQ(encode_event("", "hello", {}), R"(2["hello"])");
  EXPECT_EQ(encode_event("/admin", "hello", {}), R"(2/admin,["hello"])");
  EXPECT_EQ(encode_event("/", "ack", {}, 12), R"(212["ack"])");
  EXPECT_EQ(encode_event("/admin", "project:delete", {"123"}, 456), R"(2/admin,456["project:delete",123])");
  EXPECT_EQ(encode_event("/", "m", {R"({"a":[1,2]})", "", R"("s")", "null"}), R"(2["m",{"a":[1,2]},"s",null])");
  const std::vector<std::string_view> args = {"1", "2"};
  EXPECT_EQ(encode_event("/", "v", args), R"(2["v",1,2])");
}

TEST(SocketIoEncode, EventNamesAreEscaped) {
  EXPECT_EQ(encode_event("/", "a\"b\\c\n\x01", {}), R"(2["a\"b\\c\n\u0001"])");
  EXPECT_EQ(encode_event("/", "caf\xc3\xa9", {}), "2[\"caf\xc3\xa9\"]");
}

TEST(SocketIoEncode, Ack) {
  EXPECT_EQ(encode_ack("/admin", 456, {}), R"(3/admin,456[])");
  EXPECT_EQ(encode_ack("/", 12, {R"("bar")", "{}"}), R"(312["bar",{}])");
  EXPECT_EQ(encode_ack("/", kMaxAckId, {}), "39007199254740992[]");
}

TEST(SocketIoEncode, ConnectDisconnectAndError) {
  EXPECT_EQ(encode_connect("/", "oSO0OpakMV_3jnilAAAA"), R"(0{"sid":"oSO0OpakMV_3jnilAAAA"})");
  EXPECT_EQ(encode_connect("/admin", "x"), R"(0/admin,{"sid":"x"})");
  EXPECT_EQ(encode_connect_error("/", "Not authorized"), R"(4{"message":"Not authorized"})");
  EXPECT_EQ(encode_connect_error("/admin", "Bad \"token\"", R"({"code":401})"),
            R"(4/admin,{"message":"Bad \"token\"","data":{"code":401}})");
  EXPECT_EQ(encode_disconnect("/"), "1");
  EXPECT_EQ(encode_disconnect("/admin"), "1/admin,");
}

TEST(SocketIoEncode, Binary) {
  const std::string_view placeholder = R"({"_placeholder":true,"num":0})";
  EXPECT_EQ(encode_binary_event("/", "hello", std::span(&placeholder, 1), 1),
            R"(51-["hello",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(encode_binary_ack("/admin", 456, std::span(&placeholder, 1), 1),
            R"(61-/admin,456[{"_placeholder":true,"num":0}])");
  EXPECT_EQ(encode_binary_event("/a", "x", {}, 0, 3), R"(50-/a,3["x"])");
  EXPECT_EQ(encode_binary_event("/", "x", {}, 10), R"(510-["x"])");
}

TEST(SocketIoEncode, AppendKeepsWhatIsThere) {
  std::string out = "4";  // Engine.IO message prefix, written once
  append_event(out, "/", "x", {});
  EXPECT_EQ(out, R"(42["x"])");
  out = "4";
  append_ack(out, "/", 1, {});
  EXPECT_EQ(out, "431[]");
}

TEST(SocketIoEncode, EveryEncoderOutputDecodes) {
  const std::string_view placeholder = R"({"_placeholder":true,"num":0})";
  const std::string_view args[] = {"1", R"({"x":"y"})"};
  EXPECT_EQ(decoded_encoded_header(encode_connect("/admin", "s")).type, PacketType::connect);
  EXPECT_EQ(decoded_encoded_header(encode_disconnect("/admin")).nsp, "/admin");
  EXPECT_EQ(decoded_encoded_header(encode_connect_error("/", "no")).type, PacketType::connect_error);
  const std::string event = encode_event("/chat", "m", args, 99);  // the header views it
  const Header e = decoded_encoded_header(event);
  EXPECT_EQ(e.type, PacketType::event);
  EXPECT_EQ(e.nsp, "/chat");
  EXPECT_EQ(e.ack_id, 99u);
  EXPECT_EQ(e.data, R"(["m",1,{"x":"y"}])");
  EXPECT_EQ(decoded_encoded_header(encode_ack("/", 5, args)).ack_id, 5u);
  const std::string binary = encode_binary_event("/", "f", std::span(&placeholder, 1), 1);
  const Header b = decoded_encoded_header(binary);
  EXPECT_EQ(b.type, PacketType::binary_event);
  EXPECT_EQ(b.attachments, 1u);
  EXPECT_EQ(decoded_encoded_header(encode_binary_ack("/", 3, std::span(&placeholder, 1), 1)).type,
            PacketType::binary_ack);
}

TEST(SocketIoEncode, ReservedNameDoesNotDecode) {
  // Encoders trust the server; the decoder is what protects peers.
  EXPECT_FALSE(decode_header(encode_event("/", "disconnect", {})));
}

TEST(SocketIoOverEngineIo, SpecFramesDecodeThroughBothLayers) {
  std::string scratch;
  const auto frame = engineio::decode_text_frame(R"(451-["hello",{"_placeholder":true,"num":0}])", 1000, scratch);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->type, engineio::PacketType::message);
  const Header h = decoded_encoded_header(frame->data);
  EXPECT_EQ(h.type, PacketType::binary_event);
  EXPECT_EQ(h.attachments, 1u);

  const auto ws = engineio::decode_text_frame(R"(42["hello",1])", 1000, scratch);
  ASSERT_TRUE(ws);
  EXPECT_EQ(decoded_encoded_header(ws->data).data, R"(["hello",1])");
}

}  // namespace
}  // namespace hearth::realtime::socketio
