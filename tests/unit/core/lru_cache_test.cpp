#include "core/lru_cache.hpp"

#include <gtest/gtest.h>

#include <string>
#include <unordered_map>

#include "core/string_hash.hpp"

namespace hearth {
namespace {

TEST(StringHashTest, FindsStringKeysByView) {
  std::unordered_map<std::string, int, StringHash, std::equal_to<>> m{{"call_1_abc", 1}, {"call_2_def", 2}};
  const std::string_view key = "call_2_def";
  ASSERT_NE(m.find(key), m.end());
  EXPECT_EQ(m.find(key)->second, 2);
  EXPECT_EQ(m.find(std::string_view("call_3")), m.end());
}

TEST(LruCacheTest, EvictsTheLeastRecentlyUsed) {
  LruCache<int> c(2);
  c.put("a", 1);
  c.put("b", 2);
  ASSERT_NE(c.find("a"), nullptr);  // a is now the most recent
  c.put("c", 3);                    // evicts b
  EXPECT_EQ(c.find("b"), nullptr);
  ASSERT_NE(c.find("a"), nullptr);
  EXPECT_EQ(*c.find("a"), 1);
  EXPECT_EQ(*c.find("c"), 3);
  EXPECT_EQ(c.size(), 2U);
}

TEST(LruCacheTest, PutReplacesAndMarksUsed) {
  LruCache<int> c(2);
  c.put("a", 1);
  c.put("b", 2);
  c.put("a", 10);  // replaces; b is now the least recent
  c.put("c", 3);
  EXPECT_EQ(c.find("b"), nullptr);
  EXPECT_EQ(*c.find("a"), 10);
  EXPECT_EQ(c.size(), 2U);
}

TEST(LruCacheTest, EraseClearAndZeroCapacity) {
  LruCache<std::string> c(4);
  for (const char* k : {"w", "x", "y", "z"}) c.put(k, std::string(k) + "!");
  c.erase("x");
  c.erase("absent");
  EXPECT_EQ(c.find("x"), nullptr);
  EXPECT_EQ(c.size(), 3U);
  c.clear();
  EXPECT_EQ(c.size(), 0U);
  EXPECT_EQ(c.find("w"), nullptr);

  LruCache<int> none(0);
  none.put("a", 1);
  EXPECT_EQ(none.find("a"), nullptr);
  EXPECT_EQ(none.size(), 0U);
}

TEST(LruCacheTest, ManyKeysStayFindableUpToCapacity) {
  constexpr int kCapacity = 1000;
  LruCache<int> c(kCapacity);
  for (int i = 0; i < 3 * kCapacity; ++i) c.put("call_" + std::to_string(i), i);
  EXPECT_EQ(c.size(), static_cast<std::size_t>(kCapacity));
  for (int i = 0; i < 2 * kCapacity; ++i) EXPECT_EQ(c.find("call_" + std::to_string(i)), nullptr) << i;
  for (int i = 2 * kCapacity; i < 3 * kCapacity; ++i) {
    const int* v = c.find("call_" + std::to_string(i));
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(*v, i);
  }
}

}  // namespace
}  // namespace hearth
