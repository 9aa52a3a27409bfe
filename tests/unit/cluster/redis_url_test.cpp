#include "cluster/redis_url.hpp"

#include <gtest/gtest.h>

namespace hearth::cluster {
namespace {

TEST(RedisUrl, HostAndPort) {
  auto u = parse_redis_url("redis://127.0.0.1:6380");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->db, 0);
  EXPECT_TRUE(u->password.empty());
}

TEST(RedisUrl, Defaults) {
  auto u = parse_redis_url("redis://redis.internal");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "redis.internal");
  EXPECT_EQ(u->port, 6379);
  EXPECT_EQ(parse_redis_url("redis://h/")->db, 0);
}

TEST(RedisUrl, PasswordUserAndDb) {
  auto u = parse_redis_url("redis://:s%40cret@h:1/3");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->user.empty());
  EXPECT_EQ(u->password, "s@cret");
  EXPECT_EQ(u->db, 3);
  auto acl = parse_redis_url("redis://app:pw@h:1");
  ASSERT_TRUE(acl);
  EXPECT_EQ(acl->user, "app");
  EXPECT_EQ(acl->password, "pw");
}

TEST(RedisUrl, Ipv6WithoutBrackets) {
  auto u = parse_redis_url("redis://[::1]:7000");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->redacted(), "redis://[::1]:7000");
}

TEST(RedisUrl, RedactedHidesThePassword) {
  auto u = parse_redis_url("redis://:topsecret@h:1/2");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->redacted(), "redis://:***@h:1/2");
  EXPECT_EQ(u->redacted().find("topsecret"), std::string::npos);
}

TEST(RedisUrl, BadUrlsSayWhatIsWrong) {
  struct Case {
    const char* url;
    const char* says;
  };
  for (auto [url, says] :
       {Case{"", "empty"}, Case{"http://h:1", "scheme"}, Case{"rediss://h:1", "TLS"}, Case{"redis://", "no host"},
        Case{"redis://h:99999", "port"}, Case{"redis://h:0", "port"}, Case{"redis://h/abc", "database"},
        Case{"redis://h/-1", "database"}, Case{"redis://h?x=1", "query"}, Case{"redis://user@h", "password"},
        Case{"not a url", "not a URL"}}) {
    auto u = parse_redis_url(url);
    ASSERT_FALSE(u) << url;
    EXPECT_EQ(u.error().code, errc::invalid_argument);
    EXPECT_NE(u.error().message.find(says), std::string::npos) << url << ": " << u.error().message;
    EXPECT_NE(u.error().message.find("REDIS_URL"), std::string::npos);
  }
  EXPECT_FALSE(parse_redis_url("redis://h/" + std::string(3000, '1')));
}

}  // namespace
}  // namespace hearth::cluster
