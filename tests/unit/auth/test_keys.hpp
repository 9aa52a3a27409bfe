#pragma once
// Test-only token building: key pairs generated with OpenSSL EVP and JWS signing done by hand (not by libjwt),
// so the verifier is checked against standard tokens such as the Hearth Track app's.
// Thread safety: TestKeyPair is immutable after creation; the functions are stateless.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "core/clock.hpp"

namespace hearth::auth::test {

class TestKeyPair {
 public:
  static TestKeyPair rsa(int bits = 2048);
  static TestKeyPair ec_p256();
  static TestKeyPair ec_p384();

  std::string public_pem() const;
  std::string private_pem() const;
  std::string self_signed_cert_pem() const;
  // A JWS signature over data: RSASSA-PKCS1-v1_5 SHA-256, or ECDSA SHA-256 as raw r || s (RFC 7518 §3.4).
  std::string sign(std::string_view data) const;

 private:
  struct Free {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
  };
  explicit TestKeyPair(EVP_PKEY* key);

  std::shared_ptr<EVP_PKEY> key_;
};

// Key generation is the slow part of this suite (RSA under ASan): one key of each kind per test binary.
const TestKeyPair& shared_rsa_key();
const TestKeyPair& shared_ec_key();

inline constexpr std::int64_t kNowSeconds = 1'700'000'000;  // the fixed "now" of every auth test
inline const TimePoint kNow = from_epoch_ms(kNowSeconds * 1000);

std::string hmac_sha256(std::string_view key, std::string_view data);

// "b64(header).b64(payload)", the signing input.
std::string signing_input(std::string_view header_json, std::string_view payload_json);

std::string hs256_token(std::string_view secret, std::string_view payload_json,
                        std::string_view header_json = R"({"alg":"HS256","typ":"JWT"})");
std::string signed_token(const TestKeyPair& key, std::string_view alg, std::string_view payload_json);

}  // namespace hearth::auth::test
