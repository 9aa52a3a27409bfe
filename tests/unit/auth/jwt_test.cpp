#include "auth/jwt.hpp"

#include <string>

#include <gtest/gtest.h>

#include "auth/base64url.hpp"
#include "unit/auth/test_keys.hpp"

namespace hearth::auth {
namespace {

using test::hs256_token;
using test::kNow;
using test::kNowSeconds;

constexpr std::string_view kSecret = "correct horse battery staple";

std::string exp_in(std::int64_t seconds) { return std::to_string(kNowSeconds + seconds); }

std::string good_payload() { return R"({"sub":"u1","name":"Ann","role":"host","exp":)" + exp_in(600) + "}"; }

JwtVerifier hs_verifier(std::chrono::seconds leeway = std::chrono::seconds{30}) {
  JwtConfig cfg;
  cfg.secret = std::string(kSecret);
  cfg.leeway = leeway;
  return JwtVerifier(cfg);
}

// Asserts verify() failed as unauthenticated with this message.
void expect_refused(const Result<Principal>& r, std::string_view message) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::unauthenticated);
  EXPECT_EQ(r.error().message, message);
}

TEST(JwtVerifier, AcceptsGoodHs256Token) {
  const auto r = hs_verifier().verify(hs256_token(kSecret, good_payload()), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->user_id, "u1");
  EXPECT_EQ(r->name, "Ann");
  EXPECT_EQ(r->role, "host");
  EXPECT_EQ(r->expires_at, from_epoch_ms((kNowSeconds + 600) * 1000));
}

TEST(JwtVerifier, DefaultsNameToUserIdAndRoleToUser) {
  const auto r = hs_verifier().verify(hs256_token(kSecret, R"({"sub":"u1","exp":)" + exp_in(60) + "}"), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "u1");
  EXPECT_EQ(r->role, "user");
}

TEST(JwtVerifier, RefusesExpiredTokenAfterLeeway) {
  const auto verifier = hs_verifier();
  const auto token = [](std::int64_t exp) { return hs256_token(kSecret, R"({"sub":"u1","exp":)" + exp_in(exp) + "}"); };
  EXPECT_TRUE(verifier.verify(token(-29), kNow).ok());                 // inside the 30 s leeway
  expect_refused(verifier.verify(token(-30), kNow), "Token expired");  // exp + leeway == now: expired
  expect_refused(verifier.verify(token(-3600), kNow), "Token expired");
  expect_refused(hs_verifier(std::chrono::seconds{0}).verify(token(0), kNow), "Token expired");
}

TEST(JwtVerifier, RefusesMissingOrNonNumericExp) {
  const auto verifier = hs_verifier();
  expect_refused(verifier.verify(hs256_token(kSecret, R"({"sub":"u1"})"), kNow), "Token has no exp claim");
  expect_refused(verifier.verify(hs256_token(kSecret, R"({"sub":"u1","exp":null})"), kNow), "Token has no exp claim");
  expect_refused(verifier.verify(hs256_token(kSecret, R"({"sub":"u1","exp":")" + exp_in(60) + "\"}"), kNow),
                 "Token exp claim is not a number");
}

TEST(JwtVerifier, RefusesWrongSecret) {
  expect_refused(hs_verifier().verify(hs256_token("not the secret", good_payload()), kNow), "Invalid token signature");
}

TEST(JwtVerifier, RefusesTamperedPayload) {
  const std::string token = hs256_token(kSecret, good_payload());
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  const std::string forged = R"({"sub":"admin","name":"Ann","role":"admin","exp":)" + exp_in(600) + "}";
  const std::string tampered = token.substr(0, first + 1) + base64url_encode(forged) + token.substr(second);
  expect_refused(hs_verifier().verify(tampered, kNow), "Invalid token signature");
}

TEST(JwtVerifier, RefusesTamperedSignature) {
  std::string token = hs256_token(kSecret, good_payload());
  char& c = token[token.rfind('.') + 1];
  c = c == 'A' ? 'B' : 'A';
  expect_refused(hs_verifier().verify(token, kNow), "Invalid token signature");
}

TEST(JwtVerifier, RefusesAlgNoneInAnyCase) {
  const auto verifier = hs_verifier();
  for (const std::string alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string input = test::signing_input(R"({"alg":")" + alg + R"(","typ":"JWT"})", good_payload());
    expect_refused(verifier.verify(input + ".", kNow), "Malformed token");  // no signature segment at all
    expect_refused(verifier.verify(input + ".c2ln", kNow), "Unsupported token algorithm");
    // Even with an HMAC that would be valid: the algorithm is checked before anything else.
    const std::string hmac = base64url_encode(test::hmac_sha256(kSecret, input));
    expect_refused(verifier.verify(input + "." + hmac, kNow), "Unsupported token algorithm");
  }
}

TEST(JwtVerifier, RefusesAlgNamesThatAreNotExactlyAllowed) {
  const auto verifier = hs_verifier();
  for (const std::string alg : {"hs256", "HS384", "HS512", "RS256", "ES256", "PS256", ""}) {
    const std::string header = R"({"alg":")" + alg + R"(","typ":"JWT"})";
    expect_refused(verifier.verify(hs256_token(kSecret, good_payload(), header), kNow), "Unsupported token algorithm");
  }
  expect_refused(verifier.verify(hs256_token(kSecret, good_payload(), R"({"typ":"JWT"})"), kNow),
                 "Token header has no alg");
  expect_refused(verifier.verify(hs256_token(kSecret, good_payload(), R"({"alg":256})"), kNow),
                 "Token header has no alg");
}

TEST(JwtVerifier, KeepsEchoedAlgorithmDetailShort) {
  const std::string header = R"({"alg":")" + std::string(200, 'X') + R"("})";
  const auto r = hs_verifier().verify(hs256_token(kSecret, good_payload(), header), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_LE(r.error().detail.size(), 32U);
}

TEST(JwtVerifier, HonoursTypAndCritHeaders) {
  const auto verifier = hs_verifier();
  EXPECT_TRUE(verifier.verify(hs256_token(kSecret, good_payload(), R"({"alg":"HS256"})"), kNow).ok());
  EXPECT_TRUE(verifier.verify(hs256_token(kSecret, good_payload(), R"({"alg":"HS256","typ":"jwt"})"), kNow).ok());
  expect_refused(verifier.verify(hs256_token(kSecret, good_payload(), R"({"alg":"HS256","typ":"at+jwt"})"), kNow),
                 "Unsupported token type");
  expect_refused(
      verifier.verify(hs256_token(kSecret, good_payload(), R"({"alg":"HS256","crit":["exp"],"exp":1})"), kNow),
      "Unsupported critical token header");
}

TEST(JwtVerifier, ReadsDuplicateAlgLikeLibjwt) {
  // Boost.JSON and libjwt's jansson both keep the last duplicate, so they agree on the algorithm; if either ever
  // changed, the jwt_get_alg() cross-check would refuse the token rather than verify it under another algorithm.
  const auto verifier = hs_verifier();
  EXPECT_TRUE(verifier.verify(hs256_token(kSecret, good_payload(), R"({"alg":"none","alg":"HS256"})"), kNow).ok());
  expect_refused(verifier.verify(hs256_token(kSecret, good_payload(), R"({"alg":"HS256","alg":"none"})"), kNow),
                 "Unsupported token algorithm");
}

TEST(JwtVerifier, HonoursNbf) {
  const auto verifier = hs_verifier();
  const auto token = [](const std::string& nbf) {
    return hs256_token(kSecret, R"({"sub":"u1","exp":)" + exp_in(600) + R"(,"nbf":)" + nbf + "}");
  };
  EXPECT_TRUE(verifier.verify(token(exp_in(-10)), kNow).ok());
  EXPECT_TRUE(verifier.verify(token(exp_in(20)), kNow).ok());  // inside the leeway
  expect_refused(verifier.verify(token(exp_in(60)), kNow), "Token not valid yet");
  expect_refused(verifier.verify(token("\"soon\""), kNow), "Token nbf claim is not a number");
}

// Verified tokens are remembered; what is remembered must never widen what verify() accepts.
TEST(JwtVerifierCache, ARememberedTokenStillExpires) {
  const auto verifier = hs_verifier();
  const auto token = hs256_token(kSecret, R"({"sub":"u1","exp":)" + exp_in(60) + "}");
  ASSERT_TRUE(verifier.verify(token, kNow).ok());
  EXPECT_TRUE(verifier.verify(token, kNow + std::chrono::seconds{89}).ok());  // exp + leeway not reached
  expect_refused(verifier.verify(token, kNow + std::chrono::seconds{90}), "Token expired");
  expect_refused(verifier.verify(token, kNow + std::chrono::hours{1}), "Token expired");
}

TEST(JwtVerifierCache, ARememberedTokenIsNotValidBeforeItsNbf) {
  const auto verifier = hs_verifier();
  const auto token = hs256_token(kSecret, R"({"sub":"u1","exp":)" + exp_in(600) + R"(,"nbf":)" + exp_in(0) + "}");
  ASSERT_TRUE(verifier.verify(token, kNow).ok());
  // The clock went back (or another caller passes an earlier time): the token is checked afresh.
  expect_refused(verifier.verify(token, kNow - std::chrono::seconds{60}), "Token not valid yet");
  EXPECT_TRUE(verifier.verify(token, kNow).ok());
}

TEST(JwtVerifierCache, OtherBytesAreVerifiedOnTheirOwn) {
  const auto verifier = hs_verifier();
  std::string token = hs256_token(kSecret, good_payload());
  ASSERT_TRUE(verifier.verify(token, kNow).ok());
  std::string tampered = token;
  char& c = tampered[tampered.rfind('.') + 1];
  c = c == 'A' ? 'B' : 'A';
  expect_refused(verifier.verify(tampered, kNow), "Invalid token signature");
  expect_refused(verifier.verify(token + "x", kNow), "Invalid token signature");
  expect_refused(verifier.verify(token.substr(0, token.size() - 1), kNow), "Invalid token signature");
  EXPECT_EQ(verifier.verify(token, kNow)->user_id, "u1");
}

TEST(JwtVerifierCache, WorksWithTheCacheOff) {
  JwtConfig cfg;
  cfg.secret = std::string(kSecret);
  cfg.cached_tokens = 0;
  const JwtVerifier verifier(cfg);
  const auto token = hs256_token(kSecret, good_payload());
  EXPECT_TRUE(verifier.verify(token, kNow).ok());
  EXPECT_TRUE(verifier.verify(token, kNow).ok());
  expect_refused(verifier.verify(token, kNow + std::chrono::hours{1}), "Token expired");
}

TEST(JwtVerifier, RefusesOversizedTokens) {
  const std::string padding(9000, 'a');
  const std::string big = hs256_token(kSecret, R"({"sub":"u1","pad":")" + padding + R"(","exp":)" + exp_in(60) + "}");
  expect_refused(hs_verifier().verify(big, kNow), "Token too long");
  expect_refused(hs_verifier().verify(std::string(kMaxTokenBytes + 1, 'a'), kNow), "Token too long");
  // The length is checked before the cache is looked at: a long token is refused even right after a short one.
  const auto verifier = hs_verifier();
  ASSERT_TRUE(verifier.verify(hs256_token(kSecret, good_payload()), kNow).ok());
  expect_refused(verifier.verify(std::string(kMaxTokenBytes * 2, 'a'), kNow), "Token too long");
}

TEST(JwtVerifier, RefusesGarbage) {
  const auto verifier = hs_verifier();
  expect_refused(verifier.verify("", kNow), "Missing token");
  const std::string valid_header = base64url_encode(R"({"alg":"HS256"})");
  const std::string valid_payload = base64url_encode(good_payload());
  for (const std::string& token :
       {std::string("garbage"), std::string("a.b"), std::string("a.b.c.d"), std::string("..."), std::string(".."),
        std::string("!!!.###.$$$"), std::string("eyJ.eyJ.sig"), std::string("Bearer a.b.c"),
        valid_header + "." + valid_payload + ".sig=", valid_header + "." + valid_payload + ".s i g",
        valid_header + ".." + "c2ln", "." + valid_payload + ".c2ln",
        base64url_encode("[1]") + "." + valid_payload + ".c2ln",
        valid_header + "." + base64url_encode("not json") + ".c2ln",
        valid_header + "." + base64url_encode("42") + ".c2ln",
        valid_header + "." + valid_payload + "." + valid_payload + ".c2ln", std::string("a.b.c\0", 6)}) {
    const auto r = verifier.verify(token, kNow);
    ASSERT_FALSE(r.ok()) << token;
    EXPECT_EQ(r.error().code, errc::unauthenticated) << token;
    EXPECT_EQ(r.error().message, "Malformed token") << token;
  }
}

TEST(JwtVerifier, ConstructorNeedsSecretOrKey) {
  EXPECT_THROW(JwtVerifier(JwtConfig{}), std::invalid_argument);
  JwtConfig cfg;
  cfg.secret = "s";
  cfg.leeway = std::chrono::seconds{-1};
  EXPECT_THROW(JwtVerifier{cfg}, std::invalid_argument);
  cfg.leeway = std::chrono::seconds{0};
  EXPECT_NO_THROW(JwtVerifier{cfg});
}

}  // namespace
}  // namespace hearth::auth
