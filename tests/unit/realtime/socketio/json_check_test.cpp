#include "realtime/socketio/json_check.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

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

// check_json is a hand-written scanner; Boost.JSON's parser is the reference for what is valid JSON. Both must
// agree on every input of a corpus grown from realistic payloads by random edits: byte flips, JSON punctuation,
// escapes, UTF-8 fragments, truncation, nesting. (Fixed seed: a failure names its input and reproduces.)
bool finite(const boost::json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (const auto* a = v.if_array()) return std::all_of(a->begin(), a->end(), [](const auto& e) { return finite(e); });
  if (const auto* o = v.if_object())
    return std::all_of(o->begin(), o->end(), [](const auto& kv) { return finite(kv.value()); });
  return true;
}

// Numbers Boost.JSON reads as infinite or NaN (it would write them back as Infinity / NaN) are refused on purpose.
bool boost_accepts(std::string_view text, std::size_t max_depth) {
  boost::json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec, {}, options);
  return !ec && finite(v);
}

TEST(JsonCheck, AcceptsExactlyWhatBoostJsonAccepts) {
  const std::vector<std::string> seeds = {
      R"(["webrtc_offer",{"sessionId":"call_1_abc","targetUserId":"u-b","offer":{"type":"offer","sdp":"v=0\r\no=- 46 2 IN IP4 127.0.0.1\r\ns=-\r\na=fingerprint:sha-256 D2:FA\r\n"}}])",
      R"(["webrtc_ice_candidate",{"candidate":{"candidate":"candidate:1 1 udp 2122260223 10.0.0.1 49152 typ host","sdpMid":"0","sdpMLineIndex":0},"t":1.5e3}])",
      R"({"a":[1,-0,0.5,-2e-3,1E+2,true,false,null,"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"],"b":{}})",
      R"(["caf\u00e9 \u20ac \ud83d\ude00 \u0000"])",
      "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf \xf4\x8f\xbf\xbf\"]",
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
      R"( { "k" : [ 1 , { "x" : "y" } ] } )",
      "18446744073709551616",
      "-9223372036854775809",
      "1e400",
      "[1e-400, 123456789012345678901234567890]",
  };
  const std::vector<std::string> inserts = {
      "\"",       "\\",   "\\u",  "\\ud800", "\\udc00", "\\u12", ",",        ":",
      "[",        "]",    "{",    "}",       "0",       "-",     ".",        "e",
      "+",        "1",    " ",    "\t",      "\n",      "t",     "n",        "f",
      "true",     "null", "\x01", "\x7f",    "\xc3",    "\xa9",  "\xe0\x80", "\xed\xa0\x80",
      "\xf4\x90", "\xff", "/",    "//",      "/*"};
  std::mt19937 rng(20261203);
  const auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  int cases = 0, accepted = 0;
  for (int round = 0; round < 60'000; ++round) {
    std::string text = seeds[pick(seeds.size())];
    const std::size_t edits = 1 + pick(3);
    for (std::size_t e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = pick(text.size() + 1);
      switch (pick(4)) {
        case 0:
          text.insert(at, inserts[pick(inserts.size())]);
          break;
        case 1:
          if (at < text.size()) text.erase(at, 1 + pick(3));
          break;
        case 2:
          if (at < text.size()) text[at] = static_cast<char>(pick(256));
          break;
        default:
          text.resize(at);
          break;
      }
    }
    for (const std::size_t depth : {std::size_t{32}, std::size_t{3}}) {
      JsonCheck check;
      check.max_depth = depth;
      const bool ours = check_json(text, check).ok();
      ASSERT_EQ(ours, boost_accepts(text, depth)) << "depth " << depth << ": " << text;
      ++cases;
      accepted += ours ? 1 : 0;
    }
  }
  for (const auto& seed : seeds) EXPECT_EQ(check_json(seed, JsonCheck{}).ok(), boost_accepts(seed, 32)) << seed;
  // The corpus must exercise both answers, or the comparison proves little.
  EXPECT_GT(accepted, cases / 20);
  EXPECT_LT(accepted, cases - cases / 20);
}

// Boost.JSON 1.81 reads these as Infinity or NaN and serializes them so: a relayed or echoed value would be text no
// client can parse. Found by tests/fuzz/socketio_fuzz.cpp ("0e55555555").
TEST(JsonCheck, RefusesNumbersOutOfTheDoubleRange) {
  for (const std::string& bad :
       {std::string("1e400"), std::string("[0e400]"), std::string("-1e309"), std::string("0.0e999"),
        std::string("[1") + std::string(400, '0') + "]", std::string("[") + std::string(100, '9') + "e250]"}) {
    EXPECT_FALSE(ok(bad, JsonShape::any)) << bad;
  }
  for (const std::string& good : {std::string("1e308"), std::string("[1e-400]"), std::string("-0e-400"),
                                  std::string("1.7976931348623157e308"), std::string("1") + std::string(300, '0')}) {
    EXPECT_TRUE(ok(good, JsonShape::any)) << good;
  }
}

TEST(JsonCheck, DepthLimit) {
  JsonCheck check;
  check.max_depth = 2;
  EXPECT_TRUE(check_json("[[1]]", check).ok());
  EXPECT_FALSE(check_json("[[[1]]]", check).ok());
  EXPECT_FALSE(check_json(R"({"a":{"b":{}}})", check).ok());
  check.shape = JsonShape::event;
  EXPECT_TRUE(check_json(R"(["e",[1]])", check).ok());
  EXPECT_FALSE(check_json(R"(["e",[[1]]])", check).ok());
  check.max_depth = 1000;  // capped at kMaxJsonDepth
  const std::string deep = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  check.shape = JsonShape::any;
  EXPECT_TRUE(check_json(deep, check).ok());
  EXPECT_FALSE(check_json("[" + deep + "]", check).ok());
}

TEST(JsonCheck, ReservedNames) {
  EXPECT_TRUE(is_reserved_event("connect_error"));
  EXPECT_TRUE(is_reserved_event("newListener"));
  EXPECT_FALSE(is_reserved_event("Connect"));
  EXPECT_FALSE(is_reserved_event(""));
}

}  // namespace
}  // namespace hearth::realtime::socketio
