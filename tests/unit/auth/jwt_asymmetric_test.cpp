#include "auth/jwt.hpp"

#include <string>

#include <gtest/gtest.h>

#include "auth/base64url.hpp"
#include "unit/auth/test_keys.hpp"

namespace hearth::auth {
namespace {

using test::kNow;
using test::kNowSeconds;
using test::TestKeyPair;

constexpr std::string_view kAsymHsSecret = "correct horse battery staple";

const TestKeyPair& rsa_key() { return test::shared_rsa_key(); }
const TestKeyPair& ec_key() { return test::shared_ec_key(); }

std::string payload() { return R"({"userId":"u7","name":"Bo","exp":)" + std::to_string(kNowSeconds + 600) + "}"; }

JwtVerifier key_verifier(const TestKeyPair& key, std::string secret = {}) {
  JwtConfig cfg;
  cfg.secret = std::move(secret);
  cfg.public_key_pem = key.public_pem();
  return JwtVerifier(cfg);
}

void expect_asym_refused(const Result<Principal>& r, std::string_view message) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::unauthenticated);
  EXPECT_EQ(r.error().message, message);
}

TEST(JwtAsymmetric, AcceptsGoodRs256Token) {
  const auto r = key_verifier(rsa_key()).verify(test::signed_token(rsa_key(), "RS256", payload()), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->user_id, "u7");
  EXPECT_EQ(r->name, "Bo");
  EXPECT_EQ(r->role, "user");
}

TEST(JwtAsymmetric, AcceptsGoodEs256Token) {
  const auto r = key_verifier(ec_key()).verify(test::signed_token(ec_key(), "ES256", payload()), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->user_id, "u7");
}

TEST(JwtAsymmetric, AcceptsBothKindsWhenSecretAndKeyAreConfigured) {
  const auto verifier = key_verifier(rsa_key(), std::string(kAsymHsSecret));
  EXPECT_TRUE(verifier.verify(test::signed_token(rsa_key(), "RS256", payload()), kNow).ok());
  EXPECT_TRUE(verifier.verify(test::hs256_token(kAsymHsSecret, payload()), kNow).ok());
}

TEST(JwtAsymmetric, AcceptsCertificatePem) {
  JwtConfig cfg;
  cfg.public_key_pem = rsa_key().self_signed_cert_pem();
  const auto r = JwtVerifier(cfg).verify(test::signed_token(rsa_key(), "RS256", payload()), kNow);
  EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST(JwtAsymmetric, RefusesTokensFromAnotherKey) {
  const TestKeyPair other_ec = TestKeyPair::ec_p256();
  expect_asym_refused(key_verifier(ec_key()).verify(test::signed_token(other_ec, "ES256", payload()), kNow),
                      "Invalid token signature");
}

TEST(JwtAsymmetric, RefusesTamperedTokens) {
  for (const auto* key : {&rsa_key(), &ec_key()}) {
    const auto verifier = key_verifier(*key);
    const std::string alg = key == &rsa_key() ? "RS256" : "ES256";
    std::string token = test::signed_token(*key, alg, payload());
    ASSERT_TRUE(verifier.verify(token, kNow).ok());
    char& sig = token[token.rfind('.') + 1];
    sig = sig == 'A' ? 'B' : 'A';
    expect_asym_refused(verifier.verify(token, kNow), "Invalid token signature");

    const std::string good = test::signed_token(*key, alg, payload());
    const std::string forged = R"({"userId":"admin","exp":)" + std::to_string(kNowSeconds + 600) + "}";
    const auto first = good.find('.');
    const std::string swapped = good.substr(0, first + 1) + base64url_encode(forged) + good.substr(good.rfind('.'));
    expect_asym_refused(verifier.verify(swapped, kNow), "Invalid token signature");
  }
}

TEST(JwtAsymmetric, RefusesHs256SignedWithPublicKeyPem) {
  // The classic confusion attack: HMAC keyed with the (public) PEM text, hoping the verifier reuses it.
  for (const auto* key : {&rsa_key(), &ec_key()}) {
    const std::string forged = test::hs256_token(key->public_pem(), payload());
    expect_asym_refused(key_verifier(*key).verify(forged, kNow), "Unsupported token algorithm");
    // With a secret configured HS256 is allowed, but only ever with the secret.
    expect_asym_refused(key_verifier(*key, std::string(kAsymHsSecret)).verify(forged, kNow), "Invalid token signature");
  }
}

TEST(JwtAsymmetric, RefusesAsymmetricAlgorithmsWithoutMatchingKey) {
  JwtConfig cfg;
  cfg.secret = std::string(kAsymHsSecret);
  const JwtVerifier secret_only(cfg);
  expect_asym_refused(secret_only.verify(test::signed_token(rsa_key(), "RS256", payload()), kNow),
                      "Unsupported token algorithm");
  expect_asym_refused(secret_only.verify(test::signed_token(ec_key(), "ES256", payload()), kNow),
                      "Unsupported token algorithm");
  // Each public key admits only its own algorithm.
  expect_asym_refused(key_verifier(rsa_key()).verify(test::signed_token(ec_key(), "ES256", payload()), kNow),
                      "Unsupported token algorithm");
  expect_asym_refused(key_verifier(ec_key()).verify(test::signed_token(rsa_key(), "RS256", payload()), kNow),
                      "Unsupported token algorithm");
  // A token signed by the right key but labelled with another asymmetric algorithm.
  expect_asym_refused(key_verifier(rsa_key()).verify(test::signed_token(rsa_key(), "RS384", payload()), kNow),
                      "Unsupported token algorithm");
}

TEST(JwtAsymmetric, ConstructorRefusesUnusableKeys) {
  const auto make = [](std::string pem, std::string secret = {}) {
    JwtConfig cfg;
    cfg.secret = std::move(secret);
    cfg.public_key_pem = std::move(pem);
    return JwtVerifier(cfg);
  };
  EXPECT_THROW(make("not a pem"), std::invalid_argument);
  EXPECT_THROW(make("not a pem", "secret"), std::invalid_argument);  // a broken key file is loud even with a secret
  EXPECT_THROW(make(rsa_key().private_pem()), std::invalid_argument);
}

}  // namespace
}  // namespace hearth::auth
