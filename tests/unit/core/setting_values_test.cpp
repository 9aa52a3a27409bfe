#include "core/setting_values.hpp"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(SplitList, TrimsAndDropsEmptyItems) {
  EXPECT_EQ(split_list("a, b,,c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_list(""), std::vector<std::string>{});
  EXPECT_EQ(split_list(" , ,"), std::vector<std::string>{});
  EXPECT_EQ(split_list("http://x:1/a b"), std::vector<std::string>{"http://x:1/a b"});
}

TEST(ParseBoundedInt, WholeTextWithinBounds) {
  EXPECT_EQ(parse_bounded_int("0", 0, 10), 0);
  EXPECT_EQ(parse_bounded_int("10", 0, 10), 10);
  EXPECT_EQ(parse_bounded_int("-3", -5, 5), -3);
  for (const char* bad : {"", "11", "-1", " 1", "1 ", "+1", "1.0", "0x1", "99999999999999999999", "one"})
    EXPECT_EQ(parse_bounded_int(bad, 0, 10), std::nullopt) << bad;
}

}  // namespace
}  // namespace hearth
