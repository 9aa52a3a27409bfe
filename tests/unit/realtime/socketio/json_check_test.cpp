#include "realtime/socketio/json_check.hpp"

#include <string>

#include <gtest/gtest.h>

namespace hearth::realtime::socketio {
namespace {

bool ok(std::string_view text, JsonShape shape, std::size_t attachments = 0, bool placeholders = false) {
  JsonCheck check;
  check.shape = shape;
  check.attachments = attachments;
  check.placeholders = placeholders;
  return check_json(text, check).ok();
}

TEST(JsonCheck, Shapes) {
  EXPECT_TRUE(ok("1", JsonShape::any));
  EXPECT_TRUE(ok("{}", JsonShape::object));
  EXPECT_FALSE(ok("[]", JsonShape::object));
  EXPECT_TRUE(ok(R"("x")", JsonShape::object_or_string));
  EXPECT_TRUE(ok("{}", JsonShape::object_or_string));
  EXPECT_FALSE(ok("1", JsonShape::object_or_string));
  EXPECT_TRUE(ok("[]", JsonShape::array));
  EXPECT_FALSE(ok("{}", JsonShape::array));
  EXPECT_TRUE(ok(R"(["e"])", JsonShape::event));
  EXPECT_FALSE(ok("[]", JsonShape::event));
  EXPECT_FALSE(ok("[1]", JsonShape::event));
  EXPECT_FALSE(ok(R"(["connect"])", JsonShape::event));
  EXPECT_TRUE(ok(R"(["connect"])", JsonShape::array));
}

TEST(JsonCheck, LongAndEscapedNames) {
  const std::string long_name(100'000, 'n');
  EXPECT_TRUE(ok("[\"" + long_name + "\",1]", JsonShape::event));
  EXPECT_FALSE(ok(R"(["\u0064isconnect"])", JsonShape::event));
  EXPECT_TRUE(ok(R"(["disconnect\u0021"])", JsonShape::event));
  std::string escaped = "[\"";
  for (int i = 0; i < 5000; ++i) escaped += "\\n";  // parser delivers the name in several parts
  EXPECT_TRUE(ok(escaped + "\"]", JsonShape::event));
}

TEST(JsonCheck, Placeholders) {
  EXPECT_TRUE(ok(R"([{"_placeholder":true,"num":1}])", JsonShape::array, 2, true));
  EXPECT_FALSE(ok(R"([{"_placeholder":true,"num":2}])", JsonShape::array, 2, true));
  EXPECT_TRUE(ok(R"([{"_placeholder":true,"num":2}])", JsonShape::array, 2, false));
  EXPECT_FALSE(ok(R"({"_placeholder":true,"num":18446744073709551615})", JsonShape::any, 2, true));
  EXPECT_FALSE(ok(R"({"_placeholder":true,"num":1e300})", JsonShape::any, 2, true));
  EXPECT_TRUE(ok(R"({"_placeholder":true,"num":1e0})", JsonShape::any, 2, true));
  EXPECT_FALSE(ok(R"({"_placeholder":true,"num":{"num":0}})", JsonShape::any, 2, true));
  EXPECT_TRUE(ok(R"({"_place\u0068older":false,"n\u0075m":0})", JsonShape::any, 0, true));
  EXPECT_FALSE(ok(R"({"_place\u0068older":true})", JsonShape::any, 1, true));
  EXPECT_TRUE(ok(R"({"_placeholder_":true})", JsonShape::any, 0, true));
}

TEST(JsonCheck, RejectsNonStrictJson) {
  for (const auto bad : {"", " ", "[", "[1,]", "{\"a\":1,}", "[1] [2]", "[1]x", "nul", "'a'", "[1 2]", "{a:1}",
                         "[\"\x01\"]", "// c\n[]", "[-]", "[.5]", "[1.]", "[01]", "[\"\\ud800\"]"}) {
    EXPECT_FALSE(ok(bad, JsonShape::any)) << bad;
  }
  EXPECT_TRUE(ok(" [1] \n", JsonShape::any));
}

TEST(JsonCheck, ReservedNames) {
  EXPECT_TRUE(is_reserved_event("connect_error"));
  EXPECT_TRUE(is_reserved_event("newListener"));
  EXPECT_FALSE(is_reserved_event("Connect"));
  EXPECT_FALSE(is_reserved_event(""));
}

}  // namespace
}  // namespace hearth::realtime::socketio
