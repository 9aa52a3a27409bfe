#include "net/connection_limits.hpp"

#include <optional>
#include <vector>

#include <gtest/gtest.h>

// Connections counted in total and per address, whatever their protocol; a slot gives its place back when it is
// destroyed, also when moved into the WebSocket an HTTP session upgrades to.
namespace hearth::net {
namespace {

TEST(AddressKey, IsTheAddressForIpv4AndThePrefixFor64ForIpv6) {
  using boost::asio::ip::make_address;
  EXPECT_EQ(address_key(make_address("203.0.113.7")), "203.0.113.7");
  EXPECT_EQ(address_key(make_address("::ffff:203.0.113.7")), "203.0.113.7");
  EXPECT_EQ(address_key(make_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(address_key(make_address("2001:db8:1:2::1")), address_key(make_address("2001:db8:1:2:ffff::9")));
  EXPECT_NE(address_key(make_address("2001:db8:1:2::1")), address_key(make_address("2001:db8:1:3::1")));
}

TEST(ConnectionCounter, RefusesPastThePerAddressLimitOnlyForThatAddress) {
  auto counter = std::make_shared<ConnectionCounter>(100, 2);
  ConnectionCounter::Refusal why{};
  auto a1 = counter->acquire("a", why);
  auto a2 = counter->acquire("a", why);
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(counter->acquire("a", why));
  EXPECT_EQ(why, ConnectionCounter::Refusal::address);
  EXPECT_TRUE(counter->acquire("b", why));  // a temporary: given back at once
  EXPECT_EQ(counter->from("a"), 2U);
  EXPECT_EQ(counter->total(), 2U);
}

TEST(ConnectionCounter, RefusesPastTheTotal) {
  auto counter = std::make_shared<ConnectionCounter>(3, 10);
  ConnectionCounter::Refusal why{};
  std::vector<ConnectionSlot> held;
  for (const char* key : {"a", "b", "c"}) held.push_back(std::move(*counter->acquire(key, why)));
  EXPECT_FALSE(counter->acquire("d", why));
  EXPECT_EQ(why, ConnectionCounter::Refusal::total);
  EXPECT_EQ(counter->total(), 3U);
  EXPECT_EQ(counter->from("d"), 0U);  // a refusal leaves nothing behind
}

TEST(ConnectionCounter, ASlotGivesItsPlaceBackOnceWhereverItWasMoved) {
  auto counter = std::make_shared<ConnectionCounter>(1, 1);
  ConnectionCounter::Refusal why{};
  {
    auto slot = counter->acquire("a", why);
    ASSERT_TRUE(slot);
    ConnectionSlot moved = std::move(*slot);  // the HTTP session hands it to the WebSocket
    ConnectionSlot again;
    again = std::move(moved);
    EXPECT_EQ(counter->total(), 1U);
    EXPECT_FALSE(counter->acquire("a", why));
  }
  EXPECT_EQ(counter->total(), 0U);
  EXPECT_EQ(counter->from("a"), 0U);
  EXPECT_TRUE(counter->acquire("a", why));
}

TEST(ConnectionCounter, ASlotOutlivesItsCounterOwner) {
  ConnectionSlot slot;
  {
    auto counter = std::make_shared<ConnectionCounter>(1, 1);
    ConnectionCounter::Refusal why{};
    slot = std::move(*counter->acquire("a", why));
  }
  slot = {};  // releases into the counter it kept alive; no crash under ASan
  SUCCEED();
}

}  // namespace
}  // namespace hearth::net
