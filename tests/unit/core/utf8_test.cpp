#include "core/utf8.hpp"

// valid_utf8: what RFC 3629 allows (no overlong forms, no surrogates, nothing above U+10FFFF), checked across the
// eight-bytes-at-a-time ASCII fast path and its boundaries.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace hearth {
namespace {
using namespace std::string_view_literals;

std::string ascii(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(0x20 + i % 0x5f);
  return s;
}

TEST(ValidUtf8, AsciiOfEveryLengthIsValid) {
  for (std::size_t n = 0; n <= 40; ++n) EXPECT_TRUE(valid_utf8(ascii(n))) << n;
  EXPECT_TRUE(valid_utf8("\x00\x01\x7f"sv));  // NUL and DEL are ASCII too
  EXPECT_TRUE(valid_utf8(std::string(1000, '\x7f')));
}

TEST(ValidUtf8, BadByteIsFoundAtEveryPosition) {
  for (std::size_t n = 1; n <= 40; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      for (const char bad : {'\x80', '\xbf', '\xc0', '\xf8', '\xff'}) {
        std::string s = ascii(n);
        s[at] = bad;
        EXPECT_FALSE(valid_utf8(s)) << "length " << n << ", byte " << at << " = " << (bad & 0xff);
      }
    }
  }
}

TEST(ValidUtf8, MultiByteCharacterIsAcceptedAtEveryPosition) {
  for (const std::string_view ch : {"\xc3\xa9"sv, "\xe2\x82\xac"sv, "\xf0\x9f\x93\x9e"sv}) {
    for (std::size_t n = 0; n <= 40; ++n) {
      for (std::size_t at = 0; at <= n; ++at) {
        std::string s = ascii(n);
        s.insert(at, ch);
        EXPECT_TRUE(valid_utf8(s)) << "length " << n << ", at " << at << ", " << ch.size() << "-byte character";
        // The same character cut short: the next byte (ASCII, or the end) is not a continuation.
        std::string cut = ascii(n);
        cut.insert(at, ch.substr(0, ch.size() - 1));
        EXPECT_FALSE(valid_utf8(cut)) << "length " << n << ", at " << at << ", " << ch.size() << "-byte character";
      }
    }
  }
}

TEST(ValidUtf8, AcceptsEverySequenceLengthAtItsBounds) {
  for (const std::string_view s : {
           "\xc2\x80"sv,          // U+0080, the first 2-byte character
           "\xdf\xbf"sv,          // U+07FF
           "\xe0\xa0\x80"sv,      // U+0800, the first 3-byte character
           "\xed\x9f\xbf"sv,      // U+D7FF, just below the surrogates
           "\xee\x80\x80"sv,      // U+E000, just above them
           "\xef\xbf\xbf"sv,      // U+FFFF
           "\xf0\x90\x80\x80"sv,  // U+10000, the first 4-byte character
           "\xf4\x8f\xbf\xbf"sv,  // U+10FFFF, the last character
           "Gr\xc3\xbc\xc3\x9f\x65 \xe2\x82\xac \xf0\x9f\x8e\x89 ok"sv,
       }) {
    EXPECT_TRUE(valid_utf8(s)) << s;
  }
}

TEST(ValidUtf8, RejectsOverlongEncodings) {
  for (const std::string_view s : {
           "\xc0\x80"sv,          // U+0000 in two bytes
           "\xc0\xaf"sv,          // '/' in two bytes, the classic traversal trick
           "\xc1\xbf"sv,          // U+007F in two bytes
           "\xe0\x80\x80"sv,      // U+0000 in three bytes
           "\xe0\x9f\xbf"sv,      // U+07FF in three bytes
           "\xf0\x80\x80\x80"sv,  // U+0000 in four bytes
           "\xf0\x8f\xbf\xbf"sv,  // U+FFFF in four bytes
       }) {
    EXPECT_FALSE(valid_utf8(s)) << testing::PrintToString(s);
  }
}

TEST(ValidUtf8, RejectsSurrogates) {
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"sv));                  // U+D800
  EXPECT_FALSE(valid_utf8("\xed\xbf\xbf"sv));                  // U+DFFF
  EXPECT_FALSE(valid_utf8("\xed\xa0\xbd\xed\xb8\x80"sv));      // a surrogate pair, CESU-8 style
  EXPECT_FALSE(valid_utf8("abcdefgh\xed\xb0\x80ijklmnop"sv));  // after the fast path
}

TEST(ValidUtf8, RejectsCodePointsAboveU10FFFF) {
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"sv));      // U+110000
  EXPECT_FALSE(valid_utf8("\xf5\x80\x80\x80"sv));      // lead bytes F5-F7 can only encode more
  EXPECT_FALSE(valid_utf8("\xf7\xbf\xbf\xbf"sv));      // U+1FFFFF
  EXPECT_FALSE(valid_utf8("\xf8\x88\x80\x80\x80"sv));  // the old 5-byte form
  EXPECT_FALSE(valid_utf8("\xfc\x84\x80\x80\x80\x80"sv));
}

TEST(ValidUtf8, RejectsTruncatedSequencesAtTheEnd) {
  for (const std::string_view s : {"\xc3"sv, "\xe2"sv, "\xe2\x82"sv, "\xf0"sv, "\xf0\x9f"sv, "\xf0\x9f\x93"sv,
                                   "abcdefgh\xe2\x82"sv, "abcdefg\xf0\x9f\x93"sv, "\xc3\xa9\xc3"sv}) {
    EXPECT_FALSE(valid_utf8(s)) << testing::PrintToString(s);
  }
}

TEST(ValidUtf8, LooksNoFurtherThanTheEndOfTheView) {
  // The bytes after the view would complete the character: only the view counts.
  for (const std::string_view ch : {"\xc3\xa9"sv, "\xe2\x82\xac"sv, "\xf0\x9f\x93\x9e"sv}) {
    for (const std::size_t ascii_before : {0u, 7u, 8u, 9u}) {
      const std::string s = ascii(ascii_before) + std::string(ch);
      for (std::size_t cut = 1; cut < ch.size(); ++cut) {
        EXPECT_FALSE(valid_utf8(std::string_view(s).substr(0, ascii_before + cut))) << ascii_before << ", " << cut;
      }
      EXPECT_TRUE(valid_utf8(s));
    }
  }
}

TEST(ValidUtf8, RejectsLoneAndMisplacedContinuationBytes) {
  for (const std::string_view s : {"\x80"sv, "\xbf"sv, "a\x80"sv, "\x80z"sv, "\xc3\xa9\xa9"sv, "\xe2\x82\xac\x80"sv,
                                   "\xc3\x41"sv, "\xe2\x41\xac"sv, "\xf0\x9f\x93\x41"sv}) {
    EXPECT_FALSE(valid_utf8(s)) << testing::PrintToString(s);
  }
}

// Short cases of every kind, once the checks of the JSON text helpers (all three validators are this one now).
TEST(ValidUtf8, ShortCases) {
  for (const auto good : {""sv, "ascii"sv, "caf\xc3\xa9"sv, "\xe2\x82\xac"sv, "\xf0\x9f\x98\x80"sv, "\xed\x9f\xbf"sv,
                          "\xf4\x8f\xbf\xbf"sv, "\0"sv}) {
    EXPECT_TRUE(valid_utf8(good)) << good;
  }
  for (const auto bad : {"\x80"sv, "\xc0\xaf"sv, "\xc1\xbf"sv, "\xe0\x80\xaf"sv, "\xed\xa0\x80"sv, "\xf0\x80\x80\xaf"sv,
                         "\xf4\x90\x80\x80"sv, "\xf5\x80\x80\x80"sv, "\xff"sv, "\xc3"sv, "\xe2\x82"sv,
                         "a\xf0\x9f\x98"sv, "\xe2\x28\xa1"sv}) {
    EXPECT_FALSE(valid_utf8(bad)) << bad;
  }
}

// utf8_sequence_length sees only what it is given: a sequence cut by `left` is invalid.
TEST(Utf8SequenceLength, CountsTheSequenceAndStopsAtTheEnd) {
  const auto* euro = reinterpret_cast<const unsigned char*>("\xe2\x82\xac");
  EXPECT_EQ(utf8_sequence_length(euro, 3), 3u);
  EXPECT_EQ(utf8_sequence_length(euro, 2), 0u);
  const auto* emoji = reinterpret_cast<const unsigned char*>("\xf0\x9f\x98\x80");
  EXPECT_EQ(utf8_sequence_length(emoji, 4), 4u);
  EXPECT_EQ(utf8_sequence_length(reinterpret_cast<const unsigned char*>("\xc3\xa9"), 2), 2u);
  EXPECT_EQ(utf8_sequence_length(reinterpret_cast<const unsigned char*>("\x80"), 1), 0u);
}

TEST(AppendUtf8, EncodesEveryLength) {
  std::string out;
  for (const std::uint32_t cp : {0x41u, 0xe9u, 0x20acu, 0x1f600u}) append_utf8(out, cp);
  EXPECT_EQ(out, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  EXPECT_TRUE(valid_utf8(out));
}

TEST(Utf8PrefixLength, NeverEndsInsideASequence) {
  EXPECT_EQ(utf8_prefix_length("abc", 5), 3u);
  EXPECT_EQ(utf8_prefix_length("abc", 3), 3u);
  EXPECT_EQ(utf8_prefix_length("abc", 2), 2u);
  const std::string_view euros = "\xe2\x82\xac\xe2\x82\xac";  // two 3-byte characters
  EXPECT_EQ(utf8_prefix_length(euros, 5), 3u);
  EXPECT_EQ(utf8_prefix_length(euros, 3), 3u);
  EXPECT_EQ(utf8_prefix_length(euros, 2), 0u);
  EXPECT_EQ(utf8_prefix_length(euros, 0), 0u);
}

}  // namespace
}  // namespace hearth
