// net/forwarded: the client of a request behind trusted proxies, from X-Forwarded-For.
#include "net/forwarded.hpp"

#include <gtest/gtest.h>

namespace hearth::net {
namespace {

const boost::asio::ip::address kProxy = boost::asio::ip::make_address("10.0.0.5");
const boost::asio::ip::address kStranger = boost::asio::ip::make_address("203.0.113.9");

AllowList proxies() { return *AllowList::parse("10.0.0.0/8,::1", "TRUSTED_PROXIES"); }

TEST(Forwarded, ATrustedProxysHeaderNamesTheClient) {
  EXPECT_EQ(forwarded_client(kProxy, "198.51.100.7", proxies()), "198.51.100.7");
  // Proxies chained: the rightmost address that is not ours.
  EXPECT_EQ(forwarded_client(kProxy, "198.51.100.7, 10.0.0.9", proxies()), "198.51.100.7");
}

TEST(Forwarded, WhatTheClientWroteItselfIsNeverBelieved) {
  // The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
  EXPECT_EQ(forwarded_client(kProxy, "1.2.3.4, 198.51.100.7", proxies()), "198.51.100.7");
  // Garbage where the proxy's own entry should be: the proxy is the client.
  EXPECT_EQ(forwarded_client(kProxy, "198.51.100.7, not-an-address", proxies()), std::nullopt);
}

TEST(Forwarded, OnlyTrustedPeersAndPresentHeadersCount) {
  EXPECT_EQ(forwarded_client(kStranger, "198.51.100.7", proxies()), std::nullopt);
  EXPECT_EQ(forwarded_client(kProxy, "", proxies()), std::nullopt);
  EXPECT_EQ(forwarded_client(kProxy, "198.51.100.7", AllowList{}), std::nullopt);
  EXPECT_EQ(forwarded_client(kProxy, "10.1.1.1, 10.0.0.9", proxies()), std::nullopt);  // all ours: the peer
}

TEST(Forwarded, AnIpv6ClientIsKeyedByItsSlash64) {
  const auto key = forwarded_client(kProxy, "2001:db8:1:2:3:4:5:6", proxies());
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, forwarded_client(kProxy, "2001:db8:1:2:ffff::1", proxies()));
}

}  // namespace
}  // namespace hearth::net
