#include "realtime/socketio/data.hpp"

#include <array>
#include <string>

#include <gtest/gtest.h>
#include <boost/json/monotonic_resource.hpp>

namespace hearth::realtime::socketio {
namespace {

TEST(SocketIoData, SplitsEventIntoNameAndRawArgs) {
  std::string scratch;
  const std::string data = R"(["signal",{"to":"p2","sdp":"v=0\r\n"},[1,2],"x,]"])";
  const auto e = split_event(data, scratch);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->name, "signal");
  EXPECT_EQ(e->name.data(), data.data() + 2);  // a view, no copy
  EXPECT_EQ(e->args, R"({"to":"p2","sdp":"v=0\r\n"},[1,2],"x,]")");
}

TEST(SocketIoData, RelayRebuildsTheSameText) {
  std::string scratch;
  for (const std::string_view text : {R"(2["signal",{"sdp":"a\"b"},3])", R"(2/admin,7["x"])", R"(2["a\nb",[]])"}) {
    const auto h = decode_header(text);
    ASSERT_TRUE(h) << text;
    const auto e = split_event(h->data, scratch);
    ASSERT_TRUE(e) << text;
    EXPECT_EQ(encode_event(h->nsp, e->name, {e->args}, h->ack_id), text);
  }
}

TEST(SocketIoData, EventWithoutArgsAndWithWhitespace) {
  std::string scratch;
  EXPECT_EQ(split_event(R"(["ping"])", scratch)->args, "");
  const auto e = split_event(" [ \"a\" , 1 , 2 ] \n", scratch);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->name, "a");
  EXPECT_EQ(e->args, "1 , 2");
}

TEST(SocketIoData, EscapedNamesUseScratch) {
  std::string scratch;
  const auto name = event_name(R"(["caf\u00e9 \"x\""])", scratch);
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "caf\xc3\xa9 \"x\"");
  EXPECT_EQ(name->data(), scratch.data());
}

TEST(SocketIoData, SplitEventRejectsWhatIsNotAnEvent) {
  std::string scratch;
  for (const auto bad :
       {"", "[]", "[1]", "{}", "\"a\"", "[\"a\"", "[\"a\",]", "[\"a\" 1]", "[\"a]", "[\"\\q\"]", "[\"a\"]]x", "["}) {
    EXPECT_FALSE(split_event(bad, scratch)) << bad;
  }
}

TEST(SocketIoData, SplitsArrays) {
  std::array<std::string_view, 8> out{};
  const auto n = split_array(R"([ "a,]" , {"b":"}"}, [1,[2]], null,true,-1.5e3 ])", out);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 6u);
  EXPECT_EQ(out[0], R"("a,]")");
  EXPECT_EQ(out[1], R"({"b":"}"})");
  EXPECT_EQ(out[2], "[1,[2]]");
  EXPECT_EQ(out[3], "null");
  EXPECT_EQ(out[4], "true");
  EXPECT_EQ(out[5], "-1.5e3");
  EXPECT_EQ(*split_array("[]", out), 0u);
  EXPECT_EQ(*split_array(" [ ] ", out), 0u);
}

TEST(SocketIoData, SplitArrayLimitsAndErrors) {
  std::array<std::string_view, 2> out{};
  EXPECT_EQ(split_array("[1,2,3]", out).error().code, errc::payload_too_large);
  for (const auto bad : {"", "{}", "[", "[1,]", "[,1]", "[1 2]", "[1]x", "[\"a]", "[[1]"}) {
    EXPECT_FALSE(split_array(bad, out)) << bad;
  }
}

TEST(SocketIoData, ParsesWithCallerResource) {
  boost::json::monotonic_resource mr;
  const auto v = parse_data(R"(["join",{"room":"r1","n":[1,2.5,true,null]}])", &mr);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->storage().get(), &mr);
  EXPECT_EQ(v->at(0).as_string(), "join");
  EXPECT_EQ(v->at(1).at("room").as_string(), "r1");
  EXPECT_EQ(v->at(1).at("n").as_array().size(), 4u);
}

TEST(SocketIoData, ParseRejectsBadJsonAndDepth) {
  boost::json::monotonic_resource mr;
  EXPECT_FALSE(parse_data("", &mr));
  EXPECT_FALSE(parse_data("[1,", &mr));
  EXPECT_FALSE(parse_data("[1] 2", &mr));
  EXPECT_FALSE(parse_data("[\"\xff\"]", &mr));
  const std::string deep = std::string(33, '[') + std::string(33, ']');
  EXPECT_FALSE(parse_data(deep, &mr));
  EXPECT_TRUE(parse_data(deep, &mr, 33));
  EXPECT_FALSE(parse_data(std::string(100'000, '['), &mr, 1'000'000));  // capped, no crash
}

}  // namespace
}  // namespace hearth::realtime::socketio
