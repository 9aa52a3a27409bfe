#include "core/buffers.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(ClearAndShrink, ASmallBufferKeepsItsCapacity) {
  std::string s;
  s.reserve(1000);
  const auto capacity = s.capacity();
  s.assign(500, 'x');
  clear_and_shrink(s);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.capacity(), capacity);
}

TEST(ClearAndShrink, ALargeBufferIsFreed) {
  std::string s(1'000'000, 'x');
  clear_and_shrink(s);
  EXPECT_TRUE(s.empty());
  EXPECT_LE(s.capacity(), kKeptBufferCapacity);
}

TEST(ClearAndShrink, AVectorCountsBytesNotElements) {
  std::vector<std::uint64_t> v(1024);  // 8 KiB
  clear_and_shrink(v);
  EXPECT_EQ(v.capacity(), 0u);
  std::vector<std::uint64_t> w(256);  // 2 KiB: kept
  clear_and_shrink(w);
  EXPECT_EQ(w.capacity(), 256u);
}

}  // namespace
}  // namespace hearth
