#include "signaling/relay.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace hearth::signaling {
namespace {

Result<RelayFields> fields(std::string_view o, std::string_view field = "candidate") {
  thread_local std::string scratch1, scratch2;
  return relay_fields(o, field, scratch1, scratch2);
}

TEST(RelayFields, FindsTopLevelMembersAndUnescapes) {
  const std::string_view o =
      R"({"offer":{"sessionId":"nested"},"sessionId":"call_1\u005f2","targetSocketId":"a\"b","candidate":null})";
  auto f = fields(o);
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->session_id, "call_1_2");  // the nested member of the same name is not the top-level one
  EXPECT_EQ(f->target_socket_id, "a\"b");
}

TEST(RelayFields, TheLastDuplicateWinsAsInJsonParse) {
  auto f = fields(R"({"sessionId":"first","targetSocketId":"t","sessionId":"last","candidate":1})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->session_id, "last");
}

TEST(RelayFields, NamesTheMissingOrMistypedField) {
  const auto message = [](std::string_view o, std::string_view field = "candidate") {
    auto f = fields(o, field);
    EXPECT_FALSE(f.ok()) << o;
    if (f.ok()) return std::string();
    EXPECT_EQ(f.error().code, errc::invalid_argument);
    return f.error().message;
  };
  EXPECT_EQ(message(R"({"targetSocketId":"t","candidate":1})"), "sessionId: must be a string");
  EXPECT_EQ(message(R"({"sessionId":42,"targetSocketId":"t","candidate":1})"), "sessionId: must be a string");
  EXPECT_EQ(message(R"({"sessionId":"s","candidate":1})"), "targetSocketId: must be a string");
  EXPECT_EQ(message(R"({"sessionId":"s","targetSocketId":"t","x":{"offer":1}})", "offer"), "offer: required");
  EXPECT_EQ(message("[1,2]"), "sessionId: must be a string");
  EXPECT_EQ(message(""), "sessionId: must be a string");
}

TEST(RelayFields, TheFieldMayHaveAnyTypeAndSpacing) {
  EXPECT_TRUE(fields(R"({"sessionId":"s","targetSocketId":"t","candidate":null})").ok());
  EXPECT_TRUE(
      fields(R"({ "sessionId" : "s" , "a" : [1,{"b":"}"}] , "targetSocketId":"t", "answer" : "c" })", "answer").ok());
}

TEST(EncodeRelay, SplicesTheSendersMembersUntouchedAndAddsOursLast) {
  const std::string_view o = R"({"targetSocketId":"t","sessionId":"s","candidate":{"candidate":"a b c","sdpMid":"0"}})";
  const std::string out = encode_relay("webrtc_ice_candidate", o, "from-sock", "alice");
  EXPECT_EQ(
      out,
      R"(42["webrtc_ice_candidate",{"targetSocketId":"t","sessionId":"s","candidate":{"candidate":"a b c","sdpMid":"0"},"fromSocketId":"from-sock","fromUserId":"alice"}])");
  // What the client parses is valid JSON.
  boost::system::error_code ec;
  boost::json::parse(std::string_view(out).substr(2), ec);
  EXPECT_FALSE(ec);
}

TEST(EncodeRelay, SpoofedSenderFieldsAreOverriddenByOurs) {
  const std::string out = encode_relay("webrtc_offer", R"({"fromUserId":"mallory","sessionId":"s"})", "sock", "bob");
  auto v = boost::json::parse(std::string_view(out).substr(2));
  // Boost.JSON, like JSON.parse, keeps the last duplicate key.
  EXPECT_EQ(v.as_array()[1].as_object().at("fromUserId").as_string(), "bob");
}

TEST(EncodeRelay, EscapesIdentifiers) {
  const std::string out = encode_relay("webrtc_answer", "{}", "s\"1", "u\\2");
  auto v = boost::json::parse(std::string_view(out).substr(2));
  EXPECT_EQ(v.as_array()[1].as_object().at("fromSocketId").as_string(), "s\"1");
  EXPECT_EQ(v.as_array()[1].as_object().at("fromUserId").as_string(), "u\\2");
}

TEST(EncodeBinaryRelay, RenumbersThePlaceholdersAndKeepsTheirBuffers) {
  // The sender's placeholders name attachments 1 and 0 (in that document order).
  const std::string attachments[] = {"zero", "one"};
  const std::string_view o =
      R"({"sessionId":"s","offer":{"a":{"_placeholder":true,"num":1},"b":[{"_placeholder":true,"num":0}]},"fromUserId":"mallory"})";
  auto r = encode_binary_relay("webrtc_offer", o, "sock", "bob", attachments);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->text.starts_with("52-[")) << r->text;
  auto v = boost::json::parse(std::string_view(r->text).substr(3));
  const auto& payload = v.as_array()[1].as_object();
  EXPECT_EQ(payload.at("offer").at("a").at("num").as_int64(), 0);
  EXPECT_EQ(payload.at("offer").at("b").at(0).at("num").as_int64(), 1);
  EXPECT_EQ(payload.at("fromSocketId").as_string(), "sock");
  EXPECT_EQ(payload.at("fromUserId").as_string(), "bob");
  EXPECT_EQ(r->attachments, (std::vector<std::string>{"one", "zero"}));
}

TEST(EncodeBinaryRelay, RefusesAPlaceholderWithoutItsAttachment) {
  const std::string attachments[] = {"zero"};
  auto r = encode_binary_relay("webrtc_offer", R"({"offer":{"_placeholder":true,"num":3}})", "s", "u", attachments);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_FALSE(encode_binary_relay("webrtc_offer", "[1]", "s", "u", attachments).ok());
}

TEST(EncodeBinaryRelay, EveryAttachmentIsNamedExactlyOnce) {
  // The amplification: one attachment named by a thousand placeholders would be copied a thousand times.
  const std::string one[] = {std::string(1000, 'x')};
  std::string many = R"({"sessionId":"s","offer":[)";
  for (int i = 0; i < 1000; ++i) many += std::string(i ? "," : "") + R"({"_placeholder":true,"num":0})";
  many += "]}";
  auto r = encode_binary_relay("webrtc_offer", many, "s", "u", one);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  // An attachment no placeholder names.
  const std::string two[] = {"a", "b"};
  EXPECT_FALSE(encode_binary_relay("webrtc_offer", R"({"offer":{"_placeholder":true,"num":0}})", "s", "u", two).ok());
  // Each once: accepted.
  EXPECT_TRUE(encode_binary_relay("webrtc_offer",
                                  R"({"offer":[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]})", "s",
                                  "u", two)
                  .ok());
}

}  // namespace
}  // namespace hearth::signaling
