#include "core/allow_list.hpp"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(AllowList, DefaultIsLoopbackOnly) {
  auto list = AllowList::parse(kDefaultMetricsAllow);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->allows("127.0.0.1"));
  EXPECT_TRUE(list->allows("127.255.0.9"));
  EXPECT_TRUE(list->allows("::1"));
  EXPECT_TRUE(list->allows("::ffff:127.0.0.1"));  // an IPv4 client of a dual-stack socket
  EXPECT_FALSE(list->allows("10.0.0.1"));
  EXPECT_FALSE(list->allows("::2"));
  EXPECT_FALSE(list->allows("::ffff:10.0.0.1"));
  EXPECT_FALSE(list->allows("not an address"));
  EXPECT_FALSE(list->allows(""));
}

TEST(AllowList, MatchesCidrRangesOnBitBoundaries) {
  auto list = AllowList::parse(" 10.1.0.0/16 , 192.168.4.0/22, 2001:db8::/33,203.0.113.7");
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_TRUE(list->allows("10.1.200.3"));
  EXPECT_FALSE(list->allows("10.2.0.1"));
  EXPECT_TRUE(list->allows("192.168.7.255"));
  EXPECT_FALSE(list->allows("192.168.8.0"));
  EXPECT_TRUE(list->allows("2001:db8:7fff::1"));
  EXPECT_FALSE(list->allows("2001:db8:8000::1"));
  EXPECT_TRUE(list->allows("203.0.113.7"));
  EXPECT_FALSE(list->allows("203.0.113.8"));
  EXPECT_FALSE(list->allows("127.0.0.1"));
}

TEST(AllowList, ZeroPrefixAllowsEveryAddressOfItsFamily) {
  auto list = AllowList::parse("0.0.0.0/0");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->allows("8.8.8.8"));
  EXPECT_TRUE(list->allows("::ffff:8.8.8.8"));
  EXPECT_FALSE(list->allows("2001:db8::1"));
}

TEST(AllowList, AMappedRangeIsAnIpv4Range) {
  auto list = AllowList::parse("::ffff:10.0.0.0/104");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->allows("10.9.9.9"));
  EXPECT_FALSE(list->allows("11.0.0.1"));
}

TEST(AllowList, RefusesWhatIsNotAnAddressOrRangeNamingIt) {
  for (const char* bad : {"localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "1.2.3.4.5",
                          "[::1]", ",,", ""}) {
    auto list = AllowList::parse(bad);
    ASSERT_FALSE(list.ok()) << bad;
    EXPECT_EQ(list.error().code, errc::invalid_argument);
    EXPECT_NE(list.error().message.find("METRICS_ALLOW"), std::string::npos);
  }
  auto list = AllowList::parse("127.0.0.1, nonsense");
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.error().message.find("'nonsense'"), std::string::npos);
}

}  // namespace
}  // namespace hearth
