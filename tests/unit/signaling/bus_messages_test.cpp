// signaling/bus_messages: what nodes tell each other decodes to what was encoded, and nothing malformed decodes.
#include "signaling/bus_messages.hpp"

#include <string>

#include <gtest/gtest.h>

namespace hearth::signaling {
namespace {

TEST(BusMessages, RoundTripsFieldsWithAnyBytes) {
  const std::string binary("\0\1:9:\n\xff", 6);
  const std::vector<std::string> more{"attachment-1", binary, ""};
  const auto text =
      encode_bus_message(BusKind::relay, {"call_1", "n2.sock", "n1.me", "webrtc_offer", "42[\"x\"]"}, more);
  const auto m = decode_bus_message(text);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, BusKind::relay);
  ASSERT_EQ(m->fields.size(), 8u);
  EXPECT_EQ(m->fields[0], "call_1");
  EXPECT_EQ(m->fields[1], "n2.sock");
  EXPECT_EQ(m->fields[4], "42[\"x\"]");
  EXPECT_EQ(m->fields[5], "attachment-1");
  EXPECT_EQ(m->fields[6], binary);
  EXPECT_EQ(m->fields[7], "");
}

TEST(BusMessages, EveryKindNeedsItsFields) {
  EXPECT_TRUE(decode_bus_message(encode_bus_message(BusKind::users, {"pkt"})));
  EXPECT_FALSE(decode_bus_message(encode_bus_message(BusKind::users, {})));
  EXPECT_FALSE(decode_bus_message(encode_bus_message(BusKind::relay, {"a", "b", "c", "d"})));
  EXPECT_FALSE(decode_bus_message(encode_bus_message(BusKind::joined, {"a", "b", "c"})));
  EXPECT_TRUE(decode_bus_message(encode_bus_message(BusKind::ended, {"call", "pkt"}, {"u1", "u2"})));
}

TEST(BusMessages, RefusesMalformedText) {
  EXPECT_FALSE(decode_bus_message(""));
  EXPECT_FALSE(decode_bus_message("Q1:a"));            // unknown kind
  EXPECT_FALSE(decode_bus_message("U5:ab"));           // length past the end
  EXPECT_FALSE(decode_bus_message("U:ab"));            // no length
  EXPECT_FALSE(decode_bus_message("U1x:a"));           // not a number
  EXPECT_FALSE(decode_bus_message("U99999999999:a"));  // absurd length
  EXPECT_FALSE(decode_bus_message("U-1:a"));
  EXPECT_FALSE(decode_bus_message("U01:a"));  // one spelling per length
  EXPECT_TRUE(decode_bus_message("U0:"));
  EXPECT_FALSE(decode_bus_message("U1:a3"));  // trailing garbage without a colon
}

TEST(BusMessages, NodeOfASocketIsItsPrefix) {
  EXPECT_EQ(node_of("n1.abcdef"), "n1");
  EXPECT_EQ(node_of("node-7.x.y"), "node-7");
  EXPECT_EQ(node_of("abcdef"), "");
  EXPECT_EQ(node_of(""), "");
}

}  // namespace
}  // namespace hearth::signaling
