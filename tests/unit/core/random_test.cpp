#include "core/random.hpp"

#include <array>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

namespace hearth {
namespace {

bool is_base36(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }
bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

TEST(RandomBase36, HasTheRequestedLength) {
  EXPECT_EQ(random_base36(0), "");
  EXPECT_EQ(random_base36(1).size(), 1U);
  EXPECT_EQ(random_base36(9).size(), 9U);
  EXPECT_EQ(random_base36(64).size(), 64U);
  EXPECT_EQ(random_base36(65).size(), 65U);  // more than one internal buffer of random bytes
  EXPECT_EQ(random_base36(1'000).size(), 1'000U);
}

TEST(RandomBase36, UsesOnlyDigitsAndLowerCaseLetters) {
  for (char c : random_base36(10'000)) ASSERT_TRUE(is_base36(c)) << static_cast<int>(c);
}

TEST(RandomBase36, UsesEveryDigitRoughlyUniformly) {
  // 36'000 draws, 1'000 expected per digit; a count outside [800, 1200] is > 6 standard deviations away.
  std::array<int, 36> counts{};
  for (char c : random_base36(36'000)) ++counts[static_cast<std::size_t>(c <= '9' ? c - '0' : c - 'a' + 10)];
  for (std::size_t i = 0; i < counts.size(); ++i) {
    EXPECT_GT(counts[i], 800) << "digit " << i;
    EXPECT_LT(counts[i], 1'200) << "digit " << i;
  }
}

TEST(RandomBase36, ThreadsDrawFromTheirOwnPoolsWithoutRepeats) {
  std::array<std::vector<std::string>, 4> drawn;
  std::vector<std::thread> threads;
  for (auto& ids : drawn)
    threads.emplace_back([&ids] {
      for (int i = 0; i < 2'000; ++i) ids.push_back(random_base36(12));
    });
  for (auto& t : threads) t.join();
  std::unordered_set<std::string> seen;
  for (const auto& ids : drawn) seen.insert(ids.begin(), ids.end());
  EXPECT_EQ(seen.size(), 4U * 2'000U);
}

TEST(RandomBase36, DiffersBetweenCalls) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 1'000; ++i) seen.insert(random_base36(9));
  EXPECT_EQ(seen.size(), 1'000U);
}

TEST(RandomHex, RendersTwoLowerCaseHexCharactersPerByte) {
  EXPECT_EQ(random_hex(0), "");
  const std::string hex = random_hex(32);
  ASSERT_EQ(hex.size(), 64U);
  for (char c : hex) EXPECT_TRUE(is_lower_hex(c)) << c;
}

TEST(RandomHex, DiffersBetweenCalls) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 1'000; ++i) seen.insert(random_hex(16));
  EXPECT_EQ(seen.size(), 1'000U);
}

TEST(RandomHex, UsesEveryHexDigit) {
  std::unordered_set<char> seen;
  for (char c : random_hex(1'000)) seen.insert(c);
  EXPECT_EQ(seen.size(), 16U);
}

}  // namespace
}  // namespace hearth
