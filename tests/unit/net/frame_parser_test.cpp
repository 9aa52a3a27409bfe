#include "net/websocket_frame.hpp"

// FrameParser::next on data frames: every payload length form, unmasking, frames split at every byte, several
// frames in one buffer, fragmented messages, and the frames a server must refuse.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/net/client_frames.hpp"

namespace hearth::net::ws {
namespace {
using namespace std::string_literals;
using namespace std::string_view_literals;
using test_frames::Event;
using test_frames::feed;
using test_frames::frame;
using test_frames::kFin;
using test_frames::kMask;
using test_frames::Mask;
using test_frames::pattern;
using test_frames::raw_frame;
using test_frames::xor_mask;

constexpr std::size_t kMax = 1 << 20;

Event message(std::string_view payload, bool binary, std::size_t consumed) {
  return {FrameEvent::message, std::string(payload), binary, 0, consumed};
}
Event fragment(std::size_t consumed) { return {FrameEvent::fragment, "", false, 0, consumed}; }
Event error(std::uint16_t code) { return {FrameEvent::error, "", false, code, 0}; }

// The event for a whole buffer; `bytes` is unmasked in place.
Event parse(FrameParser& parser, std::string& bytes) {
  return test_frames::copy(parser.next(bytes.data(), bytes.size()));
}
Event parse_one(std::string bytes, std::size_t max_message = kMax) {
  FrameParser parser(max_message);
  return parse(parser, bytes);
}

// --- Payload lengths: 7-bit (0..125), 16-bit (126..65535) and 64-bit (65536..) forms ---

class PayloadLength : public ::testing::TestWithParam<std::size_t> {};

std::size_t header_size(std::size_t n) { return n < 126 ? 2 : n <= 0xFFFF ? 4 : 10; }

TEST_P(PayloadLength, BinaryFrameIsUnmaskedInPlace) {
  const std::size_t n = GetParam();
  const std::string payload = pattern(n, false);
  for (const Mask mask : {kMask, Mask{0xff, 0x00, 0x80, 0x01}}) {
    std::string bytes = frame(Opcode::binary, payload, true, mask);
    const std::size_t payload_at = header_size(n) + 4;
    ASSERT_EQ(bytes.size(), payload_at + n);
    // What the simplest XOR makes of the bytes on the wire, independent of the parser.
    const std::string expected = xor_mask(std::string_view(bytes).substr(payload_at), mask);
    ASSERT_EQ(expected, payload);

    FrameParser parser(kMax);
    const FrameEvent ev = parser.next(bytes.data(), bytes.size());
    ASSERT_EQ(ev.kind, FrameEvent::message);
    EXPECT_TRUE(ev.binary);
    EXPECT_EQ(ev.consumed, bytes.size());
    EXPECT_EQ(ev.payload.size(), n);
    EXPECT_TRUE(ev.payload == expected) << "unmasked payload differs from the byte-by-byte XOR";
    if (n > 0) {
      EXPECT_EQ(ev.payload.data(), bytes.data() + payload_at);  // in place, no copy
    }
  }
}

TEST_P(PayloadLength, TextFrameIsAMessage) {
  const std::string payload = pattern(GetParam(), true);
  EXPECT_EQ(parse_one(frame(Opcode::text, payload)), message(payload, false, header_size(GetParam()) + 4 + GetParam()));
}

INSTANTIATE_TEST_SUITE_P(SevenSixteenAndSixtyFourBit, PayloadLength,
                         ::testing::Values(0u, 1u, 3u, 7u, 8u, 9u, 15u, 17u, 125u, 126u, 127u, 1001u, 65535u, 65536u,
                                           65539u));

TEST(FrameParser, AcceptsANonMinimalLengthForm) {
  // A 5-byte payload announced in the 16-bit form: RFC 6455 asks senders for the shortest form, but accepting a
  // longer one is harmless.
  std::string bytes =
      "\x81\xfe\x00\x05"s + std::string(reinterpret_cast<const char*>(kMask.data()), 4) + xor_mask("hello", kMask);
  EXPECT_EQ(parse_one(bytes), message("hello", false, bytes.size()));
}

// --- Frames arriving in pieces ---

TEST(FrameParser, NeedsMoreUntilTheLastByteOfEveryLengthForm) {
  for (const std::size_t n : {0u, 5u, 125u, 126u, 300u, 65535u, 65536u}) {
    std::string bytes = frame(Opcode::binary, pattern(n, false));
    FrameParser parser(kMax);
    for (std::size_t have = 0; have < bytes.size(); ++have) {
      // Header prefixes come in a buffer of exactly that size, so a read past its end shows under ASan.
      const std::size_t copied = std::min<std::size_t>(have, 16);
      std::vector<char> exact(bytes.data(), bytes.data() + copied);
      const FrameEvent ev = have == copied ? parser.next(exact.data(), have) : parser.next(bytes.data(), have);
      ASSERT_EQ(ev.kind, FrameEvent::need_more) << "payload " << n << ", " << have << " bytes";
      ASSERT_EQ(ev.consumed, 0u);
    }
    EXPECT_EQ(parse(parser, bytes), message(pattern(n, false), true, bytes.size())) << n;
  }
}

TEST(FrameParser, SameEventsWhateverTheChunkSize) {
  const std::string stream = frame(Opcode::text, "Hel", false) + frame(Opcode::ping, "p") +
                             frame(Opcode::continuation, "lo", true) + frame(Opcode::binary, pattern(200, false)) +
                             frame(Opcode::text, pattern(70000, true)) + frame(Opcode::close, "");
  FrameParser whole_parser(kMax);
  const std::vector<Event> whole = feed(whole_parser, stream, stream.size());
  ASSERT_EQ(whole.size(), 6u);
  EXPECT_EQ(whole[2], message("Hello", false, 8));
  EXPECT_EQ(whole[5].kind, FrameEvent::close);

  for (const std::size_t chunk : {1u, 2u, 3u, 5u, 7u, 8u, 13u, 64u, 4096u}) {
    FrameParser parser(kMax);
    EXPECT_EQ(feed(parser, stream, chunk), whole) << "chunks of " << chunk;
  }
}

TEST(FrameParser, ParsesSeveralFramesFromOneBuffer) {
  std::string bytes = frame(Opcode::text, "one") + frame(Opcode::binary, "\x00\xff"sv) + frame(Opcode::text, "") +
                      frame(Opcode::text, "four");
  bytes += frame(Opcode::text, "partial").substr(0, 5);
  FrameParser parser(kMax);
  std::size_t at = 0;
  const auto next = [&] {
    const Event ev = test_frames::copy(parser.next(bytes.data() + at, bytes.size() - at));
    at += ev.consumed;
    return ev;
  };
  EXPECT_EQ(next(), message("one", false, 9));
  EXPECT_EQ(next(), message("\x00\xff"sv, true, 8));
  EXPECT_EQ(next(), message("", false, 6));
  EXPECT_EQ(next(), message("four", false, 10));
  EXPECT_EQ(next().kind, FrameEvent::need_more);
  EXPECT_EQ(bytes.size() - at, 5u);
}

// --- Fragmented messages ---

TEST(FrameParser, AssemblesATextMessageFromFragments) {
  FrameParser parser(kMax);
  const std::string stream = frame(Opcode::text, "Hel", false) + frame(Opcode::continuation, "lo, ", false) +
                             frame(Opcode::continuation, "world", true);
  EXPECT_EQ(feed(parser, stream, stream.size()),
            (std::vector<Event>{fragment(9), fragment(10), message("Hello, world", false, 11)}));
}

TEST(FrameParser, AssemblesABinaryMessageFromFragments) {
  FrameParser parser(kMax);
  const std::string stream = frame(Opcode::binary, "\x00\x01"sv, false) + frame(Opcode::continuation, "", false) +
                             frame(Opcode::continuation, "\xfe\xff"sv, true);
  EXPECT_EQ(feed(parser, stream, stream.size()),
            (std::vector<Event>{fragment(8), fragment(6), message("\x00\x01\xfe\xff"sv, true, 8)}));
}

TEST(FrameParser, CharacterSplitAcrossFragmentsIsValidText) {
  FrameParser parser(kMax);
  // "€" is E2 82 AC: its bytes are spread over three frames, none of which is valid UTF-8 alone.
  const std::string stream = frame(Opcode::text, "1\xe2", false) + frame(Opcode::continuation, "\x82", false) +
                             frame(Opcode::continuation, "\xac", true);
  const auto events = feed(parser, stream, stream.size());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2], message("1\xe2\x82\xac", false, 7));
}

TEST(FrameParser, FragmentedTextThatIsNotUtf8IsInvalidPayload) {
  FrameParser parser(kMax);
  const std::string stream = frame(Opcode::text, "ok", false) + frame(Opcode::continuation, "\xc3", true);
  EXPECT_EQ(feed(parser, stream, stream.size()).back(), error(invalid_payload));
}

TEST(FrameParser, NextMessageAfterAFragmentedOneStartsClean) {
  FrameParser parser(kMax);
  const std::string stream = frame(Opcode::binary, "ab", false) + frame(Opcode::continuation, "cd", true) +
                             frame(Opcode::text, "ef", false) + frame(Opcode::continuation, "gh", true) +
                             frame(Opcode::text, "ij");
  const auto events = feed(parser, stream, stream.size());
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[1], message("abcd", true, 8));
  EXPECT_EQ(events[3], message("efgh", false, 8));
  EXPECT_EQ(events[4], message("ij", false, 8));
}

TEST(FrameParser, ContinuationWithoutAStartIsAProtocolError) {
  EXPECT_EQ(parse_one(frame(Opcode::continuation, "x", true)), error(protocol_error));
  EXPECT_EQ(parse_one(frame(Opcode::continuation, "x", false)), error(protocol_error));
}

TEST(FrameParser, NewMessageBeforeTheLastOneEndedIsAProtocolError) {
  for (const Opcode op : {Opcode::text, Opcode::binary}) {
    FrameParser parser(kMax);
    const std::string stream = frame(Opcode::text, "a", false) + frame(op, "b", true);
    EXPECT_EQ(feed(parser, stream, stream.size()), (std::vector<Event>{fragment(7), error(protocol_error)}));
  }
}

// --- Frames a server must refuse ---

TEST(FrameParser, TextThatIsNotUtf8IsInvalidPayload) {
  EXPECT_EQ(parse_one(frame(Opcode::text, "caf\xc3")), error(invalid_payload));
  EXPECT_EQ(parse_one(frame(Opcode::text, "\xed\xa0\x80")), error(invalid_payload));
  EXPECT_EQ(parse_one(frame(Opcode::binary, "caf\xc3")).kind, FrameEvent::message);  // binary is not checked
}

TEST(FrameParser, UnmaskedClientFrameIsAProtocolError) {
  for (const Opcode op : {Opcode::text, Opcode::binary, Opcode::ping, Opcode::close}) {
    EXPECT_EQ(parse_one(raw_frame(kFin | static_cast<std::uint8_t>(op), "hi", false)), error(protocol_error))
        << static_cast<int>(op);
  }
}

TEST(FrameParser, ReservedBitsAreAProtocolError) {
  // No extension is negotiated, so RSV1, RSV2 and RSV3 must all be zero.
  for (const std::uint8_t rsv : {0x40, 0x20, 0x10, 0x70}) {
    EXPECT_EQ(parse_one(raw_frame(kFin | rsv | 0x1, "hi")), error(protocol_error)) << static_cast<int>(rsv);
    EXPECT_EQ(parse_one(raw_frame(kFin | rsv | 0x9, "")), error(protocol_error)) << static_cast<int>(rsv);
  }
}

TEST(FrameParser, UnknownOpcodesAreAProtocolError) {
  for (const std::uint8_t op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
    EXPECT_EQ(parse_one(raw_frame(kFin | op, "")), error(protocol_error)) << static_cast<int>(op);
    EXPECT_EQ(parse_one(raw_frame(kFin | op, "payload")), error(protocol_error)) << static_cast<int>(op);
  }
}

TEST(FrameParser, MessageOverTheLimitIsTooBig) {
  EXPECT_EQ(parse_one(frame(Opcode::text, pattern(100, true)), 100).kind, FrameEvent::message);
  EXPECT_EQ(parse_one(frame(Opcode::text, pattern(101, true)), 100), error(message_too_big));
  EXPECT_EQ(parse_one(frame(Opcode::binary, pattern(70000, false)), 65536), error(message_too_big));
}

TEST(FrameParser, MessageOverTheLimitIsRefusedFromItsHeaderAlone) {
  // The length is known after the header: the payload is never waited for, let alone buffered.
  const std::string whole = frame(Opcode::binary, pattern(70000, false));
  EXPECT_EQ(parse_one(whole.substr(0, 10), 1000), error(message_too_big));
  // A 64-bit length of 2^63 and up (its top bit must be 0) cannot be waited for either.
  EXPECT_EQ(parse_one("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00"s, kMax).kind, FrameEvent::error);
  EXPECT_EQ(parse_one("\x82\xff\xff\xff\xff\xff\xff\xff\xff\xff"s, kMax).kind, FrameEvent::error);
}

TEST(FrameParser, FragmentedMessageOverTheLimitIsTooBig) {
  {
    FrameParser parser(100);
    const std::string stream =
        frame(Opcode::text, pattern(60, true), false) + frame(Opcode::continuation, pattern(40, true), true);
    EXPECT_EQ(feed(parser, stream, stream.size()).back().kind, FrameEvent::message);
  }
  {
    FrameParser parser(100);
    const std::string stream = frame(Opcode::text, pattern(60, true), false) +
                               frame(Opcode::continuation, pattern(30, true), false) +
                               frame(Opcode::continuation, pattern(11, true), true);
    EXPECT_EQ(feed(parser, stream, stream.size()),
              (std::vector<Event>{fragment(66), fragment(36), error(message_too_big)}));
  }
}

}  // namespace
}  // namespace hearth::net::ws
