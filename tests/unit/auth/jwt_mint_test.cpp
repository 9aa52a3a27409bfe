#include "auth/jwt.hpp"

#include <string>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/base64url.hpp"
#include "unit/auth/test_keys.hpp"

namespace hearth::auth {
namespace {

using namespace std::chrono_literals;
using test::kNow;
using test::kNowSeconds;

constexpr std::string_view kMintSecret = "mint-secret";

JwtVerifier verifier(std::string secret = std::string(kMintSecret)) {
  JwtConfig cfg;
  cfg.secret = std::move(secret);
  return JwtVerifier(cfg);
}

boost::json::object payload_of(const std::string& token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  const auto bytes = base64url_decode(std::string_view(token).substr(first + 1, second - first - 1));
  return boost::json::parse(bytes.value()).as_object();
}

TEST(MintHs256, RoundTripsThroughTheVerifier) {
  const std::string token = mint_hs256(kMintSecret, "u1", "Ann", "host", 1h, kNow + 250ms);
  const auto r = verifier().verify(token, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->user_id, "u1");
  EXPECT_EQ(r->name, "Ann");
  EXPECT_EQ(r->role, "host");
  EXPECT_EQ(r->expires_at, kNow + 1h);  // whole seconds: the 250 ms are dropped

  const auto claims = payload_of(token);
  EXPECT_EQ(claims.at("sub"), "u1");
  EXPECT_EQ(claims.at("userId"), "u1");
  EXPECT_EQ(claims.at("iat").as_int64(), kNowSeconds);
  EXPECT_EQ(claims.at("exp").as_int64(), kNowSeconds + 3600);
}

TEST(MintHs256, PutsTheExpectedIssuerAndFirstAudienceSoItsServerAcceptsThem) {
  JwtConfig cfg;
  cfg.secret = std::string(kMintSecret);
  cfg.expected = {"hearth-auth", {"hearth-call", "hearth-video"}};
  const JwtVerifier strict(cfg);
  const std::string plain = mint_hs256(kMintSecret, "u1", "Ann", "user", 1h, kNow);
  EXPECT_EQ(strict.verify(plain, kNow).error().message, "Token has no iss claim");
  const std::string token = mint_hs256(kMintSecret, "u1", "Ann", "user", 1h, kNow, cfg.expected);
  ASSERT_TRUE(strict.verify(token, kNow).ok());
  const auto claims = payload_of(token);
  EXPECT_EQ(claims.at("iss"), "hearth-auth");
  EXPECT_EQ(claims.at("aud"), "hearth-call");
}

TEST(MintHs256, OmitsEmptyNameAndRole) {
  const std::string token = mint_hs256(kMintSecret, "u1", "", "", 90s, kNow);
  const auto claims = payload_of(token);
  EXPECT_FALSE(claims.contains("name"));
  EXPECT_FALSE(claims.contains("role"));
  const auto r = verifier().verify(token, kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "u1");
  EXPECT_EQ(r->role, "user");
}

TEST(MintHs256, KeepsUtf8Names) {
  const auto r = verifier().verify(mint_hs256(kMintSecret, "u1", "Zoë 🔥", "", 90s, kNow), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "Zoë 🔥");
}

TEST(MintHs256, TokensExpireAndNeedTheSecret) {
  const std::string token = mint_hs256(kMintSecret, "u1", "", "", 1h, kNow);
  EXPECT_TRUE(verifier().verify(token, kNow + 1h + 29s).ok());
  EXPECT_EQ(verifier().verify(token, kNow + 1h + 30s).error().message, "Token expired");
  EXPECT_EQ(verifier("other").verify(token, kNow).error().message, "Invalid token signature");
}

TEST(MintHs256, ThrowsOnBadInput) {
  EXPECT_THROW((void)mint_hs256("", "u1", "", "", 1h, kNow), std::invalid_argument);
  EXPECT_THROW((void)mint_hs256(kMintSecret, "", "", "", 1h, kNow), std::invalid_argument);
  EXPECT_THROW((void)mint_hs256(kMintSecret, "u1", "", "", 0s, kNow), std::invalid_argument);
  EXPECT_THROW((void)mint_hs256(kMintSecret, "u1", "", "", -5s, kNow), std::invalid_argument);
  EXPECT_THROW((void)mint_hs256(kMintSecret, "u1", "\xff\xfe", "", 1h, kNow), std::invalid_argument);
}

TEST(ParseTtl, AcceptsUnitsAndBareSeconds) {
  EXPECT_EQ(parse_ttl("90s"), 90s);
  EXPECT_EQ(parse_ttl("15m"), 15min);
  EXPECT_EQ(parse_ttl("1h"), 1h);
  EXPECT_EQ(parse_ttl("7d"), std::chrono::days{7});
  EXPECT_EQ(parse_ttl("3600"), 3600s);
  EXPECT_EQ(parse_ttl("1"), 1s);
  EXPECT_EQ(parse_ttl("3650d"), kMaxTtl);
}

TEST(ParseTtl, RefusesInvalidZeroNegativeAndHuge) {
  for (const std::string_view text : {"",
                                      "0",
                                      "0s",
                                      "-5",
                                      "-5m",
                                      "+5",
                                      "s",
                                      "h",
                                      "5x",
                                      "1.5h",
                                      " 5",
                                      "5 ",
                                      "5 s",
                                      "1H",
                                      "1e3",
                                      "0x10",
                                      "ten",
                                      "3651d",
                                      "315360001",
                                      "99999999999999d",
                                      "9223372036854775807",
                                      "5ss",
                                      "1hm"}) {
    EXPECT_EQ(parse_ttl(text), std::nullopt) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace hearth::auth
