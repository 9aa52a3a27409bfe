#include "webhooks/signature.hpp"

#include <gtest/gtest.h>

namespace hearth::webhooks {
namespace {

// RFC 4231, test case 2.
TEST(Signature, HmacSha256KnownAnswer) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Signature, SignsTimestampDotBody) {
  const std::string body = R"({"id":"evt_1","type":"call_started"})";
  const std::string header = sign("0123456789abcdef", 1'700'000'000, body);
  EXPECT_EQ(header, "t=1700000000,v1=" + hmac_sha256_hex("0123456789abcdef", "1700000000." + body));
  // Another time or another body is another signature: a receiver that checks t refuses a replay.
  EXPECT_NE(header, sign("0123456789abcdef", 1'700'000'001, body));
  EXPECT_NE(header, sign("0123456789abcdef", 1'700'000'000, body + " "));
  EXPECT_NE(header, sign("0123456789abcdeF", 1'700'000'000, body));
}

}  // namespace
}  // namespace hearth::webhooks
