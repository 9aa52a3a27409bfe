#include "auth/jwt_claims.hpp"

#include <string>

#include <gtest/gtest.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "auth/jwt.hpp"
#include "unit/auth/test_keys.hpp"

namespace hearth::auth {
namespace {

using test::kNow;
using test::kNowSeconds;

constexpr std::chrono::seconds kLeeway{30};

// Claims JSON with a valid exp appended to the given members.
Result<Principal> from(const std::string& members) {
  const std::string json =
      "{" + members + (members.empty() ? "" : ",") + R"("exp":)" + std::to_string(kNowSeconds + 600) + "}";
  return principal_from_claims(boost::json::parse(json).as_object(), kNow, kLeeway);
}

std::string user_id_of(const std::string& members) {
  const auto r = from(members);
  return r.ok() ? r->user_id : "error: " + r.error().message;
}

TEST(JwtClaims, UserIdFallsBackFromSubToUserIdToId) {
  EXPECT_EQ(user_id_of(R"("sub":"s","userId":"u","id":"i")"), "s");
  EXPECT_EQ(user_id_of(R"("userId":"u","id":"i")"), "u");
  EXPECT_EQ(user_id_of(R"("id":"i")"), "i");
  EXPECT_EQ(user_id_of(R"("sub":null,"userId":"u")"), "u");
  EXPECT_EQ(user_id_of(R"("sub":"","userId":"u")"), "u");  // an empty sub counts as absent
}

// Claims with a user and a valid exp, checked against an expected issuer and audiences.
std::string checked(const std::string& members, const ExpectedClaims& expected) {
  const std::string json =
      R"({"sub":"u",)" + members + (members.empty() ? "" : ",") + R"("exp":)" + std::to_string(kNowSeconds + 600) + "}";
  const auto r = principal_from_claims(boost::json::parse(json).as_object(), kNow, kLeeway, expected);
  return r.ok() ? "ok" : r.error().message;
}

TEST(JwtClaims, IssuerAndAudienceAreCheckedOnlyWhenExpected) {
  const ExpectedClaims none;
  EXPECT_EQ(checked("", none), "ok");
  EXPECT_EQ(checked(R"("iss":"other","aud":["x"])", none), "ok");

  const ExpectedClaims issuer{"https://auth.hearth.example", {}};
  EXPECT_EQ(checked(R"("iss":"https://auth.hearth.example")", issuer), "ok");
  EXPECT_EQ(checked("", issuer), "Token has no iss claim");
  EXPECT_EQ(checked(R"("iss":null)", issuer), "Token has no iss claim");
  EXPECT_EQ(checked(R"("iss":"https://auth.hearth.example/")", issuer), "Token issuer is not accepted");
  EXPECT_EQ(checked(R"("iss":["https://auth.hearth.example"])", issuer), "Token issuer is not accepted");

  const ExpectedClaims audience{"", {"hearth-call", "hearth-video"}};
  EXPECT_EQ(checked(R"("aud":"hearth-video")", audience), "ok");
  EXPECT_EQ(checked(R"("aud":["hearth-api","hearth-call"])", audience), "ok");
  EXPECT_EQ(checked("", audience), "Token has no aud claim");
  EXPECT_EQ(checked(R"("aud":"hearth-api")", audience), "Token audience is not accepted");
  EXPECT_EQ(checked(R"("aud":"Hearth-Call")", audience), "Token audience is not accepted");  // exact, as RFC 7519
  EXPECT_EQ(checked(R"("aud":[])", audience), "Token audience is not accepted");
  EXPECT_EQ(checked(R"("aud":["hearth-api"])", audience), "Token audience is not accepted");
  EXPECT_EQ(checked(R"("aud":[1,"hearth-call"])", audience), "Token aud claim must be a string or an array of strings");
  EXPECT_EQ(checked(R"("aud":{"hearth-call":true})", audience),
            "Token aud claim must be a string or an array of strings");
  std::string many = R"("aud":[)";
  for (int i = 0; i < 33; ++i) many += "\"x\",";
  many += R"("hearth-call"])";
  EXPECT_EQ(checked(many, audience), "Token aud claim has too many entries");

  const ExpectedClaims both{"issuer", {"hearth-call"}};
  EXPECT_EQ(checked(R"("iss":"issuer","aud":"hearth-call")", both), "ok");
  EXPECT_EQ(checked(R"("iss":"issuer","aud":"other")", both), "Token audience is not accepted");
  EXPECT_EQ(checked(R"("iss":"other","aud":"hearth-call")", both), "Token issuer is not accepted");
}

TEST(JwtClaims, AcceptsNumericIdsAsDecimalStrings) {
  EXPECT_EQ(user_id_of(R"("id":42)"), "42");
  EXPECT_EQ(user_id_of(R"("userId":1234567890123)"), "1234567890123");
  EXPECT_EQ(user_id_of(R"("id":42.0)"), "42");
  EXPECT_EQ(user_id_of(R"("sub":0)"), "0");
  EXPECT_EQ(user_id_of(R"("id":18446744073709551615)"), "18446744073709551615");
}

TEST(JwtClaims, RefusesMissingOrUnusableUserIds) {
  EXPECT_EQ(user_id_of(""), "error: Token has no user id");
  EXPECT_EQ(user_id_of(R"("sub":"","userId":"")"), "error: Token has no user id");
  EXPECT_EQ(user_id_of(R"("id":1.5)"), "error: Token user id must be a string or an integer");
  EXPECT_EQ(user_id_of(R"("sub":{"id":1})"), "error: Token user id must be a string or an integer");
  EXPECT_EQ(user_id_of(R"("sub":true)"), "error: Token user id must be a string or an integer");
  EXPECT_EQ(user_id_of(R"("sub":")" + std::string(129, 'x') + "\""),
            "error: Token user id is too long or has control characters");
  EXPECT_EQ(user_id_of(R"("sub":"a\nb")"), "error: Token user id is too long or has control characters");
  EXPECT_EQ(user_id_of(R"("sub":")" + std::string(128, 'x') + "\""), std::string(128, 'x'));
}

TEST(JwtClaims, NameAndRoleDefaultsAndLimits) {
  auto r = from(R"("sub":"u","name":"","role":"")");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "u");
  EXPECT_EQ(r->role, "user");

  r = from(R"("sub":"u","name":42,"role":["admin"])");  // wrong types fall back to the least privilege
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "u");
  EXPECT_EQ(r->role, "user");

  std::string long_name = "a";
  for (int i = 0; i < 200; ++i) long_name += "\xc3\xa9";  // é
  r = from(R"("sub":"u","name":")" + long_name + "\"");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name.size(), 255U);  // cut before the é that would straddle byte 256
  EXPECT_EQ(r->name, long_name.substr(0, 255));

  r = from(R"("sub":"u","role":")" + std::string(kMaxRoleBytes + 1, 'r') + "\"");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Token role is too long");
}

TEST(JwtClaims, ExpAcceptsFractionalSecondsAndClampsHugeValues) {
  auto r = principal_from_claims(boost::json::parse(R"({"sub":"u","exp":1700000100.5})").as_object(), kNow, kLeeway);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->expires_at, from_epoch_ms(1'700'000'100'500));

  r = principal_from_claims(boost::json::parse(R"({"sub":"u","exp":1e300})").as_object(), kNow, kLeeway);
  ASSERT_TRUE(r.ok());
  r = principal_from_claims(boost::json::parse(R"({"sub":"u","exp":99999999999999999999})").as_object(), kNow, kLeeway);
  ASSERT_TRUE(r.ok());
  r = principal_from_claims(boost::json::parse(R"({"sub":"u","exp":-9223372036854775807})").as_object(), kNow, kLeeway);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Token expired");
}

TEST(JwtClaims, ChecksExpBeforeIdentity) {
  const auto r = principal_from_claims(boost::json::parse(R"({"exp":1})").as_object(), kNow, kLeeway);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Token expired");
}

}  // namespace
}  // namespace hearth::auth
