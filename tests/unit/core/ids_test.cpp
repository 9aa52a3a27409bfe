#include "core/ids.hpp"

#include <regex>
#include <string>
#include <unordered_set>

#include <gtest/gtest.h>

namespace hearth {
namespace {

const TimePoint kNow = from_epoch_ms(1'700'000'000'123);

TEST(MakeSessionId, HasTheDesignFormat) {
  const std::regex format("^call_\\d{13}_[0-9a-z]{9}$");
  for (int i = 0; i < 100; ++i) {
    const std::string id = make_session_id(kNow);
    EXPECT_TRUE(std::regex_match(id, format)) << id;
  }
}

TEST(MakeSessionId, CarriesTheEpochMillisecondsOfNow) {
  const std::string id = make_session_id(kNow);
  EXPECT_EQ(id.substr(0, 19), "call_1700000000123_");
}

TEST(MakeSessionId, IsUniqueOverTenThousandIdsAtTheSameInstant) {
  std::unordered_set<std::string> ids;
  for (int i = 0; i < 10'000; ++i) ids.insert(make_session_id(kNow));
  EXPECT_EQ(ids.size(), 10'000U);
}

TEST(MakeSessionId, IsRecognisedByIsSessionId) {
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(is_session_id(make_session_id(kNow)));
}

TEST(IsSessionId, AcceptsWellFormedIds) {
  EXPECT_TRUE(is_session_id("call_1700000000123_abcdefghi"));
  EXPECT_TRUE(is_session_id("call_1700000000123_012345678"));
  EXPECT_TRUE(is_session_id("call_1700000000123_z0y1x2w3v"));
}

TEST(IsSessionId, RefusesMalformedIds) {
  EXPECT_FALSE(is_session_id(""));
  EXPECT_FALSE(is_session_id("call_"));
  EXPECT_FALSE(is_session_id("call_1700000000123"));
  EXPECT_FALSE(is_session_id("call_1700000000123_"));
  EXPECT_FALSE(is_session_id("call__abcdefghi"));               // no timestamp
  EXPECT_FALSE(is_session_id("Call_1700000000123_abcdefghi"));  // prefix is case-sensitive
  EXPECT_FALSE(is_session_id("xall_1700000000123_abcdefghi"));
  EXPECT_FALSE(is_session_id("call_17000000001x3_abcdefghi"));  // non-digit in timestamp
  EXPECT_FALSE(is_session_id("call_-700000000123_abcdefghi"));
  EXPECT_FALSE(is_session_id("call_1700000000123_abcdefgh"));    // 8 random chars
  EXPECT_FALSE(is_session_id("call_1700000000123_abcdefghij"));  // 10 random chars
  EXPECT_FALSE(is_session_id("call_1700000000123_ABCDEFGHI"));   // upper case
  EXPECT_FALSE(is_session_id("call_1700000000123_abcd-fghi"));
  EXPECT_FALSE(is_session_id("call_1700000000123_abcd_fghi"));
  EXPECT_FALSE(is_session_id("call_17_0000000123_abcdefghi"));  // two separators
  EXPECT_FALSE(is_session_id(std::string("call_1700000000123_abcd\0fghi", 28)));
}

TEST(IsSessionId, RefusesIdsLongerThanTheIdLimit) {
  const std::string long_id = "call_" + std::string(kMaxIdLength, '1') + "_abcdefghi";
  EXPECT_FALSE(is_session_id(long_id));
}

TEST(IsValidId, RefusesEmpty) { EXPECT_FALSE(is_valid_id("")); }

TEST(IsValidId, AcceptsUpTo128CharactersAndRefuses129) {
  EXPECT_EQ(kMaxIdLength, 128U);
  EXPECT_TRUE(is_valid_id("a"));
  EXPECT_TRUE(is_valid_id(std::string(127, 'a')));
  EXPECT_TRUE(is_valid_id(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_id(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_id(std::string(100'000, 'a')));
}

TEST(IsValidId, RefusesControlCharacters) {
  EXPECT_FALSE(is_valid_id(std::string("a\0b", 3)));
  EXPECT_FALSE(is_valid_id(std::string(1, '\0')));
  EXPECT_FALSE(is_valid_id("a\nb"));
  EXPECT_FALSE(is_valid_id("a\rb"));
  EXPECT_FALSE(is_valid_id("\tab"));
  EXPECT_FALSE(is_valid_id("ab\x1f"));
  EXPECT_FALSE(is_valid_id("a\x7f"));  // DEL
}

TEST(IsValidId, AcceptsPrintableAsciiAndUtf8) {
  EXPECT_TRUE(is_valid_id("user-42@example.org"));
  EXPECT_TRUE(is_valid_id("64b7f0c2e4b0a1a2b3c4d5e6"));  // a MongoDB ObjectId, as the Hearth Track app uses
  EXPECT_TRUE(is_valid_id("with space"));
  EXPECT_TRUE(is_valid_id("~"));
  EXPECT_TRUE(is_valid_id("J\xC3\xBCrgen"));  // "Jürgen" in UTF-8
}

}  // namespace
}  // namespace hearth
