#include "auth/public_key.hpp"

#include <gtest/gtest.h>

#include "unit/auth/test_keys.hpp"

namespace hearth::auth {
namespace {

using test::TestKeyPair;

TEST(PublicKey, LoadsRsaKeyForRs256) {
  const auto key = load_public_key(test::shared_rsa_key().public_pem());
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->alg, "RS256");
  EXPECT_TRUE(key->spki_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
}

TEST(PublicKey, LoadsP256KeyForEs256) {
  const auto key = load_public_key(test::shared_ec_key().public_pem());
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->alg, "ES256");
}

TEST(PublicKey, TakesTheKeyOutOfACertificate) {
  const TestKeyPair& pair = test::shared_ec_key();
  const auto key = load_public_key(pair.self_signed_cert_pem());
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->alg, "ES256");
  EXPECT_EQ(key->spki_pem, pair.public_pem());
}

TEST(PublicKey, RefusesUnusableKeys) {
  const auto refused = [](std::string_view pem, std::string_view fragment) {
    const auto key = load_public_key(pem);
    ASSERT_FALSE(key.ok()) << pem;
    EXPECT_EQ(key.error().code, errc::invalid_argument);
    EXPECT_NE(key.error().message.find(fragment), std::string::npos) << key.error().message;
  };
  refused("", "empty");
  refused("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "not a PEM public key");
  refused(std::string(100'000, 'a'), "too large");
  refused(test::shared_ec_key().private_pem(), "private key");
  refused(TestKeyPair::ec_p384().public_pem(), "P-256");
  refused(TestKeyPair::rsa(1024).public_pem(), "2048");
}

}  // namespace
}  // namespace hearth::auth
