#include "realtime/engineio/packet.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace hearth::realtime::engineio {
namespace {

using namespace std::string_view_literals;

constexpr std::size_t kMax = kDefaultMaxPayload;

Packet text(PacketType type, std::string_view data = {}) { return Packet{type, data, false}; }
Packet binary(std::string_view data) { return Packet{PacketType::message, data, true}; }

Result<Packet> decode_text(std::string_view frame) {
  static std::string scratch;
  return decode_text_frame(frame, kMax, scratch);
}

TEST(EngineIoPacket, DecodesEveryTextPacketType) {
  const std::string open = R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000})";
  EXPECT_EQ(*decode_text(open), text(PacketType::open, std::string_view(open).substr(1)));
  EXPECT_EQ(*decode_text("1"), text(PacketType::close));
  EXPECT_EQ(*decode_text("2"), text(PacketType::ping));
  EXPECT_EQ(*decode_text("2probe"), text(PacketType::ping, "probe"));
  EXPECT_EQ(*decode_text("3"), text(PacketType::pong));
  EXPECT_EQ(*decode_text("3probe"), text(PacketType::pong, "probe"));
  EXPECT_EQ(*decode_text("4hello"), text(PacketType::message, "hello"));
  EXPECT_EQ(*decode_text("4"), text(PacketType::message, ""));
  EXPECT_EQ(*decode_text("5"), text(PacketType::upgrade));
  EXPECT_EQ(*decode_text("6"), text(PacketType::noop));
}

TEST(EngineIoPacket, DecodedDataViewsTheFrame) {
  const std::string frame = "4hello";
  const auto p = decode_text(frame);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->data.data(), frame.data() + 1);
}

TEST(EngineIoPacket, TextFrameWithBase64IsABinaryMessage) {
  std::string scratch = "old";
  const auto p = decode_text_frame("bAQIDBA==", kMax, scratch);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, binary("\x01\x02\x03\x04"sv));
  EXPECT_EQ(p->data.data(), scratch.data());
}

TEST(EngineIoPacket, RejectsMalformedTextFrames) {
  for (const std::string_view bad : {""sv, "7"sv, "9x"sv, "a"sv, "/4"sv, " 4"sv, "\x00"sv, "b!!!!"sv, "bA"sv}) {
    const auto p = decode_text(bad);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().code, errc::invalid_argument) << bad;
  }
}

TEST(EngineIoPacket, BinaryFrameIsABinaryMessage) {
  const auto bytes = "\x00\x01\xff"sv;
  EXPECT_EQ(*decode_binary_frame(bytes, kMax), binary(bytes));
  EXPECT_EQ(*decode_binary_frame("", kMax), binary(""));
}

TEST(EngineIoPacket, FramesOverMaxPayloadAreRejected) {
  std::string scratch;
  const std::string frame = "4" + std::string(99, 'x');
  EXPECT_TRUE(decode_text_frame(frame, 100, scratch));
  EXPECT_EQ(decode_text_frame(frame + "x", 100, scratch).error().code, errc::payload_too_large);
  EXPECT_TRUE(decode_binary_frame(std::string(100, 'x'), 100));
  EXPECT_EQ(decode_binary_frame(std::string(101, 'x'), 100).error().code, errc::payload_too_large);
}

TEST(EngineIoPacket, EncodesTextFramesForEveryType) {
  EXPECT_EQ(encode_text_frame(PacketType::open, R"({"sid":"x"})"), R"(0{"sid":"x"})");
  EXPECT_EQ(encode_text_frame(PacketType::close), "1");
  EXPECT_EQ(encode_text_frame(PacketType::ping), "2");
  EXPECT_EQ(encode_text_frame(PacketType::pong, "probe"), "3probe");
  EXPECT_EQ(encode_text_frame(PacketType::message, "hello"), "4hello");
  EXPECT_EQ(encode_text_frame(PacketType::upgrade), "5");
  EXPECT_EQ(encode_text_frame(PacketType::noop), "6");
  std::string out = "x";
  append_text_frame(out, PacketType::message, "2[\"a\"]");
  EXPECT_EQ(out, "x42[\"a\"]");
}

TEST(EngineIoPacket, EncodesWebSocketFrames) {
  const WsFrame t = encode_ws_frame(text(PacketType::message, "hi"));
  EXPECT_FALSE(t.binary);
  EXPECT_EQ(t.payload, "4hi");
  const WsFrame b = encode_ws_frame(binary("\x01\x02"sv));
  EXPECT_TRUE(b.binary);
  EXPECT_EQ(b.payload, "\x01\x02"sv);
}

TEST(EngineIoPacket, WebSocketRoundTripsEveryType) {
  for (int t = 0; t <= 6; ++t) {
    const Packet p = text(static_cast<PacketType>(t), "data");
    EXPECT_EQ(*decode_text(encode_ws_frame(p).payload), p);
  }
}

TEST(EngineIoPayload, DecodesSpecExamples) {
  PayloadDecoder decoder;
  const auto a = decoder.decode(
      "4hello\x1e"
      "4\xe2\x82\xac",
      kMax);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0], text(PacketType::message, "hello"));
  EXPECT_EQ((*a)[1], text(PacketType::message, "\xe2\x82\xac"));

  const auto b = decoder.decode(
      "4hello\x1e"
      "bAQIDBA==",
      kMax);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0], text(PacketType::message, "hello"));
  EXPECT_EQ((*b)[1], binary("\x01\x02\x03\x04"sv));
}

TEST(EngineIoPayload, DecodesBatchesOfEveryType) {
  PayloadDecoder decoder;
  const auto r = decoder.decode(
      "0\x1e"
      "1\x1e"
      "2\x1e"
      "3probe\x1e"
      "4x\x1e"
      "5\x1e"
      "6\x1e"
      "b",
      kMax);
  ASSERT_TRUE(r);
  const std::vector<Packet> expected = {text(PacketType::open),         text(PacketType::close),
                                        text(PacketType::ping),         text(PacketType::pong, "probe"),
                                        text(PacketType::message, "x"), text(PacketType::upgrade),
                                        text(PacketType::noop),         binary("")};
  EXPECT_EQ(std::vector<Packet>(r->begin(), r->end()), expected);
}

TEST(EngineIoPayload, SinglePacketWithoutSeparator) {
  PayloadDecoder decoder;
  const auto r = decoder.decode("2", kMax);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0], text(PacketType::ping));
}

TEST(EngineIoPayload, ManyBinaryPacketsKeepStableViews) {
  // Short base64 packets are the worst case for the decoded-size bound; ASan catches a moved buffer.
  std::vector<Packet> packets;
  std::vector<std::string> bytes;
  for (int i = 0; i < 300; ++i) bytes.push_back(std::string(static_cast<std::size_t>(i % 4), static_cast<char>(i)));
  for (const std::string& b : bytes) packets.push_back(binary(b));
  const std::string body = encode_payload(packets);
  PayloadDecoder decoder;
  const auto r = decoder.decode(body, kMax);
  ASSERT_TRUE(r);
  EXPECT_EQ(std::vector<Packet>(r->begin(), r->end()), packets);
}

TEST(EngineIoPayload, DecoderIsReusable) {
  PayloadDecoder decoder;
  ASSERT_TRUE(
      decoder.decode("bAQID\x1e"
                     "bBAU=",
                     kMax));
  const auto r = decoder.decode(
      "4a\x1e"
      "bBgc=",
      kMax);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1], binary("\x06\x07"sv));
}

TEST(EngineIoPayload, RejectsMalformedPayloads) {
  PayloadDecoder decoder;
  for (const std::string_view bad : {""sv, "\x1e"sv, "4a\x1e"sv,
                                     "\x1e"
                                     "4a"sv,
                                     "4a\x1e\x1e"
                                     "4b"sv,
                                     "4a\x1e"
                                     "7"sv,
                                     "4a\x1e"
                                     "x"sv,
                                     "4a\x1e"
                                     "b!!"sv,
                                     "bZ"sv, "b===="sv}) {
    const auto r = decoder.decode(bad, kMax);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::invalid_argument) << bad;
  }
}

TEST(EngineIoPayload, EnforcesSizeAndCountLimits) {
  PayloadDecoder decoder(3);
  EXPECT_TRUE(
      decoder.decode("6\x1e"
                     "6\x1e"
                     "6",
                     kMax));
  EXPECT_EQ(decoder
                .decode("6\x1e"
                        "6\x1e"
                        "6\x1e"
                        "6",
                        kMax)
                .error()
                .code,
            errc::payload_too_large);
  EXPECT_TRUE(decoder.decode("4abc", 4));
  EXPECT_EQ(decoder.decode("4abcd", 4).error().code, errc::payload_too_large);
}

TEST(EngineIoPayload, EncodesTextAndBinaryPackets) {
  const std::vector<Packet> packets = {text(PacketType::message, "hello"), binary("\x01\x02\x03\x04"sv),
                                       text(PacketType::ping)};
  const std::string body = encode_payload(packets);
  EXPECT_EQ(body,
            "4hello\x1e"
            "bAQIDBA==\x1e"
            "2");
  std::size_t size = 2;
  for (const Packet& p : packets) size += encoded_payload_size(p);
  EXPECT_EQ(size, body.size());
  EXPECT_EQ(encode_payload({}), "");
}

TEST(EngineIoPayload, RoundTrips) {
  const std::string all_bytes = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
    return s;
  }();
  const std::vector<Packet> packets = {text(PacketType::open, "{}"), binary(all_bytes), text(PacketType::noop),
                                       text(PacketType::message, "2[\"a\",\"b\\u001e\"]")};
  const std::string body = encode_payload(packets);
  PayloadDecoder decoder;
  const auto r = decoder.decode(body, kMax);
  ASSERT_TRUE(r);
  EXPECT_EQ(std::vector<Packet>(r->begin(), r->end()), packets);
}

TEST(EngineIoPacket, TypeNames) {
  EXPECT_EQ(to_string(PacketType::open), "open");
  EXPECT_EQ(to_string(PacketType::noop), "noop");
}

}  // namespace
}  // namespace hearth::realtime::engineio
