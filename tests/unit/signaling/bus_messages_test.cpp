// signaling/bus_messages: what nodes tell each other decodes to what was encoded, and nothing malformed decodes.
#include "signaling/bus_messages.hpp"

#include <string>

#include <gtest/gtest.h>

#include "signaling/payloads.hpp"

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
  EXPECT_FALSE(decode_bus_message("Z1:a"));            // unknown kind
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

TEST(BusMessages, QualityReportsTravelWhole) {
  calls::QualityReport r{"bob", 1234, {}};
  r.links.push_back({"alice", 80.5, 12, 1.25, calls::CandidateType::relay, std::nullopt});
  r.links.push_back({"carol", 0, 0, 0, std::nullopt, calls::CandidateType::host});
  const auto text = encode_quality_message("call-1", r);
  const auto m = decode_bus_message(text);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->fields[0], "call-1");
  const auto back = decode_quality_report(*m);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->reporter, "bob");
  EXPECT_EQ(back->connection_established_ms, 1234);
  ASSERT_EQ(back->links.size(), 2u);
  EXPECT_EQ(back->links[0].sender, "alice");
  EXPECT_DOUBLE_EQ(back->links[0].rtt_ms, 80.5);
  EXPECT_DOUBLE_EQ(back->links[0].loss_pct, 1.25);
  EXPECT_EQ(back->links[0].local_candidate, calls::CandidateType::relay);
  EXPECT_FALSE(back->links[0].remote_candidate);
  EXPECT_EQ(back->links[1].remote_candidate, calls::CandidateType::host);

  calls::QualityReport none{"bob", std::nullopt, {}};
  const auto empty = decode_quality_report(*decode_bus_message(encode_quality_message("c", none)));
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->connection_established_ms);
  EXPECT_TRUE(empty->links.empty());
}

TEST(BusMessages, RefusesMalformedQualityReports) {
  const auto q = [](std::initializer_list<std::string_view> fields) {
    return decode_quality_report(*decode_bus_message(encode_bus_message(BusKind::quality, fields)));
  };
  EXPECT_TRUE(q({"c", "bob", "", "alice", "1", "2", "3", "", ""}));
  EXPECT_FALSE(q({"c", "", ""}));                                       // no reporter
  EXPECT_FALSE(q({"c", "bob", "x"}));                                   // established not a number
  EXPECT_FALSE(q({"c", "bob", "", "alice", "1", "2"}));                 // a link cut short
  EXPECT_FALSE(q({"c", "bob", "", "alice", "nan", "2", "3", "", ""}));  // not a figure
  EXPECT_FALSE(q({"c", "bob", "", "alice", "-1", "2", "3", "", ""}));
  EXPECT_FALSE(q({"c", "bob", "", "alice", "1", "2", "101", "", ""}));    // loss over 100 %
  EXPECT_FALSE(q({"c", "bob", "", "alice", "1", "2", "3", "turn", ""}));  // unknown candidate type
  EXPECT_FALSE(q({"c", "bob", "", "", "1", "2", "3", "", ""}));           // no sender
  std::vector<std::string> many;
  for (std::size_t i = 0; i <= kMaxQualityLinks; ++i)
    for (const char* f : {"alice", "1", "1", "1", "", ""}) many.emplace_back(f);
  EXPECT_FALSE(
      decode_quality_report(*decode_bus_message(encode_bus_message(BusKind::quality, {"c", "bob", ""}, many))));
}

}  // namespace
}  // namespace hearth::signaling
