#include "core/json_escape.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace hearth {
namespace {

// Decodes the escape `text` (what follows the backslash); the code point, or the reason.
std::string decode(std::string_view text, std::uint32_t& cp, std::size_t& used) {
  const char* p = text.data();
  const char* reason = decode_json_escape(p, text.data() + text.size(), cp);
  used = static_cast<std::size_t>(p - text.data());
  return reason ? reason : "";
}

TEST(JsonEscape, DecodesEveryKind) {
  const std::pair<std::string_view, std::uint32_t> cases[] = {{"\"", '"'},
                                                              {"\\", '\\'},
                                                              {"/", '/'},
                                                              {"b", '\b'},
                                                              {"f", '\f'},
                                                              {"n", '\n'},
                                                              {"r", '\r'},
                                                              {"t", '\t'},
                                                              {"u0041", 'A'},
                                                              {"u20aC", 0x20ac},
                                                              {"u0000", 0},
                                                              {"ud83d\\ude00", 0x1f600},
                                                              {"uDBFF\\uDFFF", 0x10ffff}};
  for (const auto& [text, expected] : cases) {
    std::uint32_t cp = 0;
    std::size_t used = 0;
    EXPECT_EQ(decode(text, cp, used), "") << text;
    EXPECT_EQ(cp, expected) << text;
    EXPECT_EQ(used, text.size()) << text;
  }
  std::uint32_t cp = 0;
  std::size_t used = 0;
  EXPECT_EQ(decode("nrest", cp, used), "");
  EXPECT_EQ(used, 1u);  // stops after the escape
}

TEST(JsonEscape, NamesWhatIsWrong) {
  const std::pair<std::string_view, std::string_view> cases[] = {{"", "invalid JSON: incomplete escape"},
                                                                 {"x", "invalid JSON: unknown escape"},
                                                                 {"u12", "invalid JSON: incomplete \\u escape"},
                                                                 {"u12g4", "invalid JSON: bad \\u escape"},
                                                                 {"ude00", "invalid JSON: lone low surrogate"},
                                                                 {"ud83d", "invalid JSON: lone high surrogate"},
                                                                 {"ud83dx", "invalid JSON: lone high surrogate"},
                                                                 {"ud83d\\u0041", "invalid JSON: lone high surrogate"},
                                                                 {"ud83d\\ud83d", "invalid JSON: lone high surrogate"},
                                                                 {"ud83d\\u12", "invalid JSON: incomplete \\u escape"}};
  for (const auto& [text, reason] : cases) {
    std::uint32_t cp = 0;
    std::size_t used = 0;
    EXPECT_EQ(decode(text, cp, used), reason) << text;
  }
}

TEST(HexValue, BothCases) {
  EXPECT_EQ(hex_value('0'), 0);
  EXPECT_EQ(hex_value('9'), 9);
  EXPECT_EQ(hex_value('a'), 10);
  EXPECT_EQ(hex_value('F'), 15);
  EXPECT_EQ(hex_value('g'), -1);
  EXPECT_EQ(hex_value('/'), -1);
}

}  // namespace
}  // namespace hearth
