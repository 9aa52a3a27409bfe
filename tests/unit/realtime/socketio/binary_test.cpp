#include "realtime/socketio/binary.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "realtime/socketio/data.hpp"

namespace hearth::realtime::socketio {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

Header decoded_binary_header(std::string_view text) {
  auto h = decode_header(text);
  EXPECT_TRUE(h) << text;
  return h ? *h : Header{};
}

TEST(BinaryReassembler, CollectsAttachmentsInOrder) {
  BinaryReassembler r;
  std::string text = R"(52-/files,9["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])";
  const auto started = r.start(decoded_binary_header(text));
  ASSERT_TRUE(started);
  EXPECT_FALSE(*started);
  EXPECT_TRUE(r.collecting());
  text.assign(text.size(), 'x');  // the reassembler keeps its own copy

  std::string frame = "\x00\x01"s;
  EXPECT_FALSE(*r.add(frame));
  frame = "\xff";
  EXPECT_TRUE(*r.add(frame));
  frame.clear();
  EXPECT_FALSE(r.collecting());

  const Header h = r.header();
  EXPECT_EQ(h.type, PacketType::binary_event);
  EXPECT_EQ(h.nsp, "/files");
  EXPECT_EQ(h.ack_id, 9u);
  EXPECT_EQ(h.attachments, 2u);
  EXPECT_EQ(h.data, R"(["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  ASSERT_EQ(r.attachments().size(), 2u);
  EXPECT_EQ(r.attachments()[0], "\x00\x01"sv);
  EXPECT_EQ(r.attachments()[1], "\xff"sv);
}

TEST(BinaryReassembler, NoAttachmentsCompletesAtOnce) {
  BinaryReassembler r;
  EXPECT_TRUE(*r.start(decoded_binary_header(R"(60-3["ok"])")));
  EXPECT_FALSE(r.collecting());
  EXPECT_EQ(r.header().type, PacketType::binary_ack);
  EXPECT_TRUE(r.attachments().empty());
}

TEST(BinaryReassembler, IsReusable) {
  BinaryReassembler r;
  ASSERT_TRUE(r.start(decoded_binary_header(R"(51-["a",{"_placeholder":true,"num":0}])")));
  ASSERT_TRUE(*r.add(std::string(100'000, 'a')));  // over the kept capacity: released when the slot is reused
  ASSERT_FALSE(*r.start(decoded_binary_header(R"(52-["b",{"_placeholder":true,"num":1}])")));
  EXPECT_TRUE(r.attachments().empty());
  EXPECT_FALSE(*r.add("1"));
  EXPECT_TRUE(*r.add("2"));
  EXPECT_EQ(r.header().data, R"(["b",{"_placeholder":true,"num":1}])");
  ASSERT_EQ(r.attachments().size(), 2u);
  EXPECT_EQ(r.attachments()[1], "2");
}

TEST(BinaryReassembler, RestartsFromItsOwnHeader) {
  BinaryReassembler r;
  ASSERT_TRUE(*r.start(decoded_binary_header(R"(60-/a,3["ok"])")));
  ASSERT_TRUE(*r.start(r.header()));  // the header views the reassembler's own buffers
  EXPECT_EQ(r.header().nsp, "/a");
  EXPECT_EQ(r.header().data, R"(["ok"])");
}

TEST(BinaryReassembler, ProtocolErrorsResetIt) {
  BinaryReassembler r;
  EXPECT_EQ(r.add("x").error().code, errc::invalid_argument);                                   // binary while idle
  EXPECT_EQ(r.start(decoded_binary_header(R"(2["a"])")).error().code, errc::invalid_argument);  // not binary
  ASSERT_TRUE(r.start(decoded_binary_header(R"(51-["a",{"_placeholder":true,"num":0}])")));
  EXPECT_EQ(r.start(decoded_binary_header(R"(51-["a",{"_placeholder":true,"num":0}])")).error().code,
            errc::invalid_argument);
  EXPECT_FALSE(r.collecting());
  EXPECT_FALSE(r.add("x"));
}

TEST(BinaryReassembler, EnforcesLimits) {
  BinaryReassembler few(BinaryReassembler::Limits{.max_attachments = 1, .max_bytes = 100});
  EXPECT_EQ(few.start(decoded_binary_header(R"(52-["a"])")).error().code, errc::payload_too_large);
  ASSERT_TRUE(few.start(decoded_binary_header(R"(51-["a"])")));  // "/" and ["a"] count: 6 bytes
  EXPECT_EQ(few.add(std::string(95, 'x')).error().code, errc::payload_too_large);
  EXPECT_FALSE(few.collecting());
  ASSERT_TRUE(few.start(decoded_binary_header(R"(51-["a"])")));
  EXPECT_TRUE(*few.add(std::string(94, 'x')));

  BinaryReassembler small(BinaryReassembler::Limits{.max_attachments = 10, .max_bytes = 4});
  EXPECT_EQ(small.start(decoded_binary_header(R"(51-["a"])")).error().code, errc::payload_too_large);
}

TEST(BinaryPlaceholders, MakeAndRecognise) {
  const boost::json::value p = make_placeholder(3);
  EXPECT_EQ(boost::json::serialize(p), R"({"_placeholder":true,"num":3})");
  EXPECT_EQ(placeholder_index(p), 3u);
  EXPECT_FALSE(placeholder_index(boost::json::parse(R"({"_placeholder":false,"num":3})")));
  EXPECT_FALSE(placeholder_index(boost::json::parse(R"({"_placeholder":true,"num":-1})")));
  EXPECT_FALSE(placeholder_index(boost::json::parse(R"({"_placeholder":true})")));
  EXPECT_FALSE(placeholder_index(boost::json::parse("[0]")));
}

TEST(BinaryPlaceholders, ReconstructResolvesBuffersInDocumentOrder) {
  boost::json::monotonic_resource mr;
  const std::vector<std::string> buffers = {"zero", "one", "two"};
  const auto data = parse_data(
      R"(["up",{"meta":{"_placeholder":true,"num":1},"list":[{"_placeholder":true,"num":0}]},{"_placeholder":true,"num":2}])",
      &mr);
  ASSERT_TRUE(data);
  const auto views = reconstruct(*data, buffers);
  ASSERT_TRUE(views);
  EXPECT_EQ(*views, (std::vector<std::string_view>{"one", "zero", "two"}));
  EXPECT_EQ(*attachment_of(data->at(2), buffers), "two");
  EXPECT_FALSE(attachment_of(data->at(0), buffers));
  EXPECT_TRUE(reconstruct(boost::json::parse(R"(["x",1])"), std::span<const std::string>())->empty());
  // Duplicate keys: the last one wins, as with JSON.parse and decode_header().
  EXPECT_TRUE(reconstruct(boost::json::parse(R"([{"_placeholder":true,"num":9,"_placeholder":false}])"),
                          std::span<const std::string>())
                  ->empty());
}

TEST(BinaryPlaceholders, EveryAttachmentIsNamedByExactlyOnePlaceholder) {
  const std::vector<std::string> two = {"zero", "one"};
  // Named twice: refused (each placeholder would cost a copy of the attachment).
  EXPECT_FALSE(reconstruct(boost::json::parse(R"([{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])"),
                           std::span<const std::string>(two.data(), 1)));
  // Not named at all: refused.
  EXPECT_FALSE(reconstruct(boost::json::parse(R"([{"_placeholder":true,"num":0}])"), two));
  EXPECT_FALSE(reconstruct(boost::json::parse(R"(["x",1])"), two));
  // Leaving some out is fine when the server builds a packet, naming one twice is not.
  boost::json::value part = boost::json::parse(R"([{"_placeholder":true,"num":1}])");
  EXPECT_TRUE(deconstruct(part, two));
  boost::json::value twice = boost::json::parse(R"([{"_placeholder":true,"num":1},{"_placeholder":true,"num":1}])");
  EXPECT_FALSE(deconstruct(twice, two));
}

TEST(BinaryPlaceholders, ReconstructRejectsIllegalAttachments) {
  const std::vector<std::string> one = {"b"};
  for (const auto bad : {R"([{"_placeholder":true,"num":1}])", R"([{"_placeholder":true}])",
                         R"({"a":{"_placeholder":true,"num":"0"}})", R"([[{"_placeholder":true,"num":0.5}]])"}) {
    EXPECT_FALSE(reconstruct(boost::json::parse(bad), one)) << bad;
  }
  EXPECT_FALSE(attachment_of(boost::json::parse(R"({"_placeholder":true,"num":1})"), one));
  // Values built by hand may nest deeper than any parser would allow.
  boost::json::value deep = boost::json::array();
  for (int i = 0; i < 100; ++i) deep = boost::json::array({deep});
  EXPECT_FALSE(reconstruct(deep, one));
}

TEST(BinaryPlaceholders, DeconstructRenumbersAndPicksBuffers) {
  const std::vector<std::string> incoming = {"A", "B", "C"};
  boost::json::value data = boost::json::parse(
      R"([{"_placeholder":true,"num":2},{"x":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}])");
  const auto out = deconstruct(data, incoming);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, (std::vector<std::string_view>{"C", "A", "B"}));
  EXPECT_EQ(boost::json::serialize(data),
            R"([{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":2}])");
  boost::json::value bad = boost::json::parse(R"([{"_placeholder":true,"num":3}])");
  EXPECT_FALSE(deconstruct(bad, incoming));
}

TEST(BinaryPlaceholders, EchoesABinaryEventBack) {
  // A client sends ["upload", meta, <file>]; the server answers ["stored", <file>] on the same namespace.
  BinaryReassembler r;
  ASSERT_TRUE(r.start(decoded_binary_header(R"(51-/files,["upload",{"name":"a.bin"},{"_placeholder":true,"num":0}])")));
  ASSERT_TRUE(*r.add("\x01\x02\x03"sv));
  boost::json::monotonic_resource mr;
  const auto data = parse_data(r.header().data, &mr);
  ASSERT_TRUE(data);

  boost::json::array args;
  args.push_back(data->at(2));
  const auto out = make_binary_event(r.header().nsp, "stored", std::move(args), r.attachments(), 4);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->text, R"(51-/files,4["stored",{"_placeholder":true,"num":0}])");
  ASSERT_EQ(out->attachments.size(), 1u);
  EXPECT_EQ(out->attachments[0], "\x01\x02\x03"sv);
  EXPECT_EQ(out->attachments[0].data(), r.attachments()[0].data());  // not copied
  EXPECT_EQ(decoded_binary_header(out->text).attachments, 1u);

  boost::json::array ack_args;
  ack_args.push_back("ok");
  ack_args.push_back(data->at(2));
  const auto ack = make_binary_ack("/files", 9, std::move(ack_args), r.attachments());
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->text, R"(61-/files,9["ok",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(decoded_binary_header(ack->text).type, PacketType::binary_ack);

  const auto none = make_binary_ack("/", 1, boost::json::array(), r.attachments());
  ASSERT_TRUE(none);
  EXPECT_EQ(none->text, "60-1[]");
}

}  // namespace
}  // namespace hearth::realtime::socketio
