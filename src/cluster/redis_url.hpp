#pragma once
// REDIS_URL: `redis://[[user]:password@]host[:port][/db]` (port 6379 and db 0 by default; a user name is for Redis
// 6 ACLs, `AUTH user password`; percent-encoded characters in the user and password are decoded).
// TLS (rediss://), unix sockets, queries and fragments are refused with an error that says so.
// Thread safety: plain values and a pure function.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace hearth::cluster {

struct RedisUrl {
  std::string host;  // a name (resolved asynchronously at each connect) or an IP address (IPv6 without brackets)
  std::uint16_t port = 6379;
  std::string user;      // empty: `AUTH password` (or no AUTH at all without a password)
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECTed on connect unless 0

  // For logs and errors: the URL with the password left out.
  std::string redacted() const;
};

inline constexpr std::size_t max_redis_url_length = 2048;
inline constexpr int max_redis_db = 1'000'000;

Result<RedisUrl> parse_redis_url(std::string_view text);

}  // namespace hearth::cluster
