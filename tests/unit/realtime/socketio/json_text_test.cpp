#include "realtime/socketio/json_text.hpp"

#include <string>

#include <gtest/gtest.h>

namespace hearth::realtime::socketio::jsontext {
namespace {

using namespace std::string_view_literals;

std::string quoted(std::string_view s) {
  std::string out;
  append_quoted(out, s);
  EXPECT_EQ(out.size(), quoted_size(s));
  return out;
}

TEST(JsonText, QuotesAndEscapes) {
  EXPECT_EQ(quoted(""), R"("")");
  EXPECT_EQ(quoted("plain"), R"("plain")");
  EXPECT_EQ(quoted("a\"b\\c/"), R"("a\"b\\c/")");
  EXPECT_EQ(quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(quoted("\x01\x1f\x7f"sv), "\"\\u0001\\u001f\x7f\"");
  EXPECT_EQ(quoted("\0"sv), R"("\u0000")");
  EXPECT_EQ(quoted("\xe2\x82\xac"), "\"\xe2\x82\xac\"");
}

TEST(JsonText, Unescapes) {
  std::string scratch;
  const std::string_view raw = "no escapes";
  const auto same = unescape(raw, scratch);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->data(), raw.data());  // no copy
  EXPECT_EQ(*unescape(R"(a\"b\\c\/d\b\f\n\r\t)", scratch), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(*unescape(R"(\u0041\u00e9\u20AC)", scratch), "A\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(*unescape(R"(\ud83d\ude00)", scratch), "\xf0\x9f\x98\x80");
  EXPECT_EQ(*unescape(R"(\u0000)", scratch), "\0"sv);
}

TEST(JsonText, RejectsBadEscapes) {
  std::string scratch;
  for (const auto bad : {R"(\)"sv, R"(\x)"sv, R"(\u12)"sv, R"(\u12g4)"sv, R"(\ud83d)"sv, R"(\ud83dx)"sv,
                         R"(\ud83d\u0041)"sv, R"(\ude00)"sv, R"(\ud83d\ud83d)"sv}) {
    EXPECT_FALSE(unescape(bad, scratch)) << bad;
  }
}

TEST(JsonText, Scanners) {
  EXPECT_EQ(skip_ws(" \t\r\nx", 0), 4u);
  EXPECT_EQ(skip_ws("   ", 1), 3u);
  EXPECT_EQ(string_end(R"("a\"b")", 0), 5u);
  EXPECT_EQ(string_end(R"("a\\")", 0), 4u);
  EXPECT_EQ(string_end(R"("abc)", 0), npos);
  EXPECT_EQ(string_end(R"("a\)", 0), npos);
  EXPECT_EQ(string_end(R"("a\\\"b")", 0), 7u);  // an escaped backslash, then an escaped quote
  const std::string_view text = R"([{"a":"]}"},[1,[2]]] ,7)";
  EXPECT_EQ(value_end(text, 0), 20u);
  EXPECT_EQ(value_end(text, 1), 11u);
  EXPECT_EQ(value_end(text, 12), 19u);
  EXPECT_EQ(value_end(text, 22), 23u);
  EXPECT_EQ(value_end("[[1]", 0), npos);
  EXPECT_EQ(value_end("]", 0), npos);
  EXPECT_EQ(value_end("", 0), npos);
  EXPECT_EQ(value_end("x", 5), npos);
}

}  // namespace
}  // namespace hearth::realtime::socketio::jsontext
