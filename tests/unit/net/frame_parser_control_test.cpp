#include "net/websocket_frame.hpp"

// FrameParser::next on control frames: ping, pong and close (with its status code and reason), the limits every
// control frame has (at most 125 bytes, never fragmented), and control frames between a message's fragments.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/net/client_frames.hpp"

namespace hearth::net::ws {
namespace {
using namespace std::string_view_literals;
using test_frames::close_body;
using test_frames::Event;
using test_frames::feed;
using test_frames::frame;
using test_frames::pattern;

constexpr std::size_t kControlMax = 1 << 20;

Event event(FrameEvent::Kind kind, std::string_view payload, std::size_t consumed, std::uint16_t close_code = 0) {
  return {kind, std::string(payload), false, close_code, consumed};
}
Event control_error(std::uint16_t code) { return {FrameEvent::error, "", false, code, 0}; }

Event parse_control_one(std::string bytes) {
  FrameParser parser(kControlMax);
  return test_frames::copy(parser.next(bytes.data(), bytes.size()));
}

TEST(ControlFrames, PingAndPongCarryTheirPayload) {
  EXPECT_EQ(parse_control_one(frame(Opcode::ping, "")), event(FrameEvent::ping, "", 6));
  EXPECT_EQ(parse_control_one(frame(Opcode::ping, "are you there")), event(FrameEvent::ping, "are you there", 19));
  EXPECT_EQ(parse_control_one(frame(Opcode::pong, "")), event(FrameEvent::pong, "", 6));
  EXPECT_EQ(parse_control_one(frame(Opcode::pong, "\x00\xff\x80"sv)), event(FrameEvent::pong, "\x00\xff\x80"sv, 9));
  const std::string largest = pattern(125, false);
  EXPECT_EQ(parse_control_one(frame(Opcode::ping, largest)), event(FrameEvent::ping, largest, 131));
}

TEST(ControlFrames, OverOneHundredTwentyFiveBytesIsAProtocolError) {
  for (const Opcode op : {Opcode::ping, Opcode::pong, Opcode::close}) {
    for (const std::size_t n : {126u, 127u, 65536u}) {
      EXPECT_EQ(parse_control_one(frame(op, close_body(1000, pattern(n - 2, true)))), control_error(protocol_error))
          << static_cast<int>(op) << ", " << n << " bytes";
    }
  }
}

TEST(ControlFrames, FragmentedControlFrameIsAProtocolError) {
  for (const Opcode op : {Opcode::ping, Opcode::pong, Opcode::close}) {
    EXPECT_EQ(parse_control_one(frame(op, "", false)), control_error(protocol_error)) << static_cast<int>(op);
  }
}

TEST(ControlFrames, MayArriveBetweenTheFragmentsOfAMessage) {
  FrameParser parser(kControlMax);
  const std::string stream = frame(Opcode::text, "Hello", false) + frame(Opcode::ping, "1") + frame(Opcode::pong, "2") +
                             frame(Opcode::continuation, ", ", false) + frame(Opcode::ping, "3") +
                             frame(Opcode::continuation, "world", true);
  const std::vector<Event> expected{
      event(FrameEvent::fragment, "", 11), event(FrameEvent::ping, "1", 7),
      event(FrameEvent::pong, "2", 7),     event(FrameEvent::fragment, "", 8),
      event(FrameEvent::ping, "3", 7),     event(FrameEvent::message, "Hello, world", 11),
  };
  EXPECT_EQ(feed(parser, stream, stream.size()), expected);
  FrameParser bytewise(kControlMax);
  EXPECT_EQ(feed(bytewise, stream, 1), expected);
}

TEST(ControlFrames, CloseMayArriveBetweenTheFragmentsOfAMessage) {
  FrameParser parser(kControlMax);
  const std::string stream = frame(Opcode::binary, "ab", false) + frame(Opcode::close, close_body(1001));
  const auto events = feed(parser, stream, stream.size());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, FrameEvent::close);
  EXPECT_EQ(events[1].close_code, going_away);
}

// --- Close ---

TEST(Close, WithoutABodyIsANormalClose) {
  EXPECT_EQ(parse_control_one(frame(Opcode::close, "")), event(FrameEvent::close, "", 6, normal));
}

TEST(Close, CarriesItsCodeAndReason) {
  const std::string body = close_body(1001, "server restart");
  EXPECT_EQ(parse_control_one(frame(Opcode::close, body)), event(FrameEvent::close, body, 6 + body.size(), going_away));
  const std::string longest = close_body(4999, pattern(123, true));
  EXPECT_EQ(parse_control_one(frame(Opcode::close, longest)), event(FrameEvent::close, longest, 131, 4999));
  const std::string utf8 = close_body(1000, "au revoir, \xc3\xa0 bient\xc3\xb4t");
  EXPECT_EQ(parse_control_one(frame(Opcode::close, utf8)).kind, FrameEvent::close);
}

TEST(Close, OneBytePayloadIsAProtocolError) {
  // The code takes two bytes: one byte is neither "no code" nor a code.
  EXPECT_EQ(parse_control_one(frame(Opcode::close, "\x03"sv)).kind, FrameEvent::error);
  EXPECT_EQ(parse_control_one(frame(Opcode::close, "\x03"sv)).close_code, protocol_error);
}

TEST(Close, ReasonThatIsNotUtf8IsInvalidPayload) {
  EXPECT_EQ(parse_control_one(frame(Opcode::close, close_body(1000, "bad \xff"))), control_error(invalid_payload));
  EXPECT_EQ(parse_control_one(frame(Opcode::close, close_body(1000, "cut \xe2\x82"))), control_error(invalid_payload));
  EXPECT_EQ(parse_control_one(frame(Opcode::close, close_body(1000, "\xed\xa0\x80"))), control_error(invalid_payload));
}

TEST(Close, ValidCodesAreReported) {
  // RFC 6455 §7.4: the defined codes an endpoint may send, and the ranges for libraries (3000-3999) and
  // applications (4000-4999).
  for (const std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    EXPECT_EQ(parse_control_one(frame(Opcode::close, close_body(code))),
              event(FrameEvent::close, close_body(code), 8, code))
        << code;
  }
}

TEST(Close, InvalidCodesAreAProtocolError) {
  // 0-999 are unused; 1004 is reserved; 1005, 1006 and 1015 "MUST NOT be set as a status code in a Close control
  // frame by an endpoint" (RFC 6455 §7.4.1); 1016-2999 are for future RFCs; 5000 and up are undefined. The server
  // echoes a received code in its own close frame, so accepting these puts them on the wire.
  for (const std::uint16_t code : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    EXPECT_EQ(parse_control_one(frame(Opcode::close, close_body(code))), control_error(protocol_error)) << code;
  }
}

}  // namespace
}  // namespace hearth::net::ws
